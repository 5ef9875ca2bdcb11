"""The compiled VCF reader (tmb/_vcfcore.c) run on single values, for the unit tests.

Production code reads whole blocks (tmb.vcf_io); these helpers feed it one annotation value
or one record's alleles so that the per-allele rules can be tested on hand-written inputs.
They live here, not in tmb/, so that tmb.annotation does not import tmb.core.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tmb import core
from tmb.annotation import TEXT_ERRORS, AnnotationLayout


def annotation_plan(layout: AnnotationLayout) -> tuple:
    """A plan tuple reading only the annotation (the single-value hooks of the core)."""
    return core.BodyPlan(core.FIRST_SAMPLE + 1, 0, layout, (), (), None).as_tuple()


def _encode(text: str) -> bytes:
    return text.encode("utf-8", TEXT_ERRORS)


def _decode(data: bytes) -> str:
    return data.decode("utf-8", TEXT_ERRORS)


def vep_allele_keys(ref: str, alts: list[str]) -> list[str]:
    """How VEP writes each ALT in CSQ ``Allele``: the first base trimmed when REF and all
    ALTs of the record share it (an empty allele becomes ``-``); otherwise the ALT as written."""
    keys = core.module().vep_allele_keys(_encode(ref), [_encode(alt) for alt in alts])
    return [_decode(key) for key in keys]


def max_number(text: str) -> float:
    """Largest number (a VCF Float) among ``&``-joined terms; NaN when none is one."""
    return core.module().max_number(_encode(text))


@dataclass
class AlleleAnnotation:
    """What the annotation says about one ALT allele, over all its transcripts."""

    consequences: set
    genes: set
    population_af: float = math.nan
    cosmic_count: float = math.nan


def summarise(value: str | None, layout: AnnotationLayout, allele_keys: list[str]) -> list:
    """One AlleleAnnotation per ALT of ``allele_keys`` (spelt as the annotation spells them)
    from one CSQ/ANN value, as the VCF reader computes it."""
    notes = core.module().annotate(
        _encode(value or ""), [_encode(k) for k in allele_keys], annotation_plan(layout)
    )
    return [
        AlleleAnnotation(
            set(_decode(c).split("&")) if c else set(),
            set(_decode(g).split(",")) if g else set(),
            pop,
            cosmic,
        )
        for c, g, pop, cosmic in notes
    ]
