"""Layout of VEP ``CSQ`` and snpEff ``ANN`` annotations, and what they say about an allele.

Each annotation entry (comma-separated) describes one ALT allele on one transcript; its
sub-fields are ``|``-separated in the order the header's ``Format:`` declares, and one
sub-field may hold several ``&``-joined terms (consequences, colocated frequencies). For each
ALT of a record the reader collects: the union of consequence terms over all its
transcripts, the gene symbols, the largest population allele frequency among the declared
population fields, and the largest COSMIC count. pyTMB cannot read a raw CSQ field nor split
``&``; we do both.

The entries are read by the compiled reader (tmb/_vcfcore.c, one implementation); the
functions below run it on single values (one record) and are what the unit tests exercise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Field names per annotator (VEP --vcf output; snpEff ANN specification, pcingola.github.io/SnpEff)
ALLELE_FIELD = {"CSQ": "Allele", "ANN": "Allele"}
CONSEQUENCE_FIELD = {"CSQ": "Consequence", "ANN": "Annotation"}
GENE_FIELD = {"CSQ": "SYMBOL", "ANN": "Gene_Name"}
ALLELE_NUM_FIELD = "ALLELE_NUM"  # VEP --allele_number: 1-based ALT index, exact allele matching
TEXT_ERRORS = "surrogateescape"  # VCF bytes that are not UTF-8 survive a round trip


@dataclass(frozen=True)
class AnnotationLayout:
    """Where each needed sub-field sits in an annotation entry (indices into the ``|`` split)."""

    tag: str
    allele: int
    consequence: int
    gene: int | None
    allele_num: int | None
    population: tuple[int, ...]
    population_names: tuple[str, ...]
    cosmic: int | None
    width: int = 0  # number of sub-fields an entry must have to hold every index above


def parse_format(description: str) -> list[str]:
    """Sub-field names declared in a CSQ/ANN header description.

    VEP: ``... Format: Allele|Consequence|...``; snpEff: ``Functional annotations:
    'Allele | Annotation | ...'``. Text after the last ``:``, quotes and spaces removed.
    """
    text = description.strip().strip('"')
    text = text.rsplit(":", 1)[-1] if ":" in text else text
    return [name.strip().strip("'\" ") for name in text.split("|")]


def build_layout(
    tag: str, names: list[str], population_fields: list[str], cosmic_field: str | None
) -> AnnotationLayout:
    """Index the sub-fields of ``names``; raises KeyError naming a missing required field."""
    index = {name: i for i, name in enumerate(names)}
    for needed in (ALLELE_FIELD[tag], CONSEQUENCE_FIELD[tag]):
        if needed not in index:
            raise KeyError(needed)
    population = [name for name in population_fields if name in index]
    used = [
        index[ALLELE_FIELD[tag]],
        index[CONSEQUENCE_FIELD[tag]],
        index.get(GENE_FIELD[tag]),
        index.get(ALLELE_NUM_FIELD),
        index.get(cosmic_field) if cosmic_field else None,
        *(index[name] for name in population),
    ]
    return AnnotationLayout(
        tag=tag,
        allele=index[ALLELE_FIELD[tag]],
        consequence=index[CONSEQUENCE_FIELD[tag]],
        gene=index.get(GENE_FIELD[tag]),
        allele_num=index.get(ALLELE_NUM_FIELD),
        population=tuple(index[name] for name in population),
        population_names=tuple(population),
        cosmic=index.get(cosmic_field) if cosmic_field else None,
        width=max(i for i in used if i is not None) + 1,
    )


def _encode(text: str) -> bytes:
    return text.encode("utf-8", TEXT_ERRORS)


def _decode(data: bytes) -> str:
    return data.decode("utf-8", TEXT_ERRORS)


def vep_allele_keys(ref: str, alts: list[str]) -> list[str]:
    """How VEP writes each ALT in CSQ ``Allele``: the first base trimmed when REF and all
    ALTs of the record share it (an empty allele becomes ``-``); otherwise the ALT as written."""
    from tmb import core

    keys = core.module().vep_allele_keys(_encode(ref), [_encode(alt) for alt in alts])
    return [_decode(key) for key in keys]


def max_number(text: str) -> float:
    """Largest number (a VCF Float) among ``&``-joined terms; NaN when none is one."""
    from tmb import core

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
    from tmb import core

    notes = core.module().annotate(
        _encode(value or ""), [_encode(k) for k in allele_keys], core.annotation_plan(layout)
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
