"""Layout of VEP ``CSQ`` and snpEff ``ANN`` annotations, and what they say about an allele.

Each annotation entry (comma-separated) describes one ALT allele on one transcript; its
sub-fields are ``|``-separated in the order the header's ``Format:`` declares, and one
sub-field may hold several ``&``-joined terms (consequences, colocated frequencies). For each
ALT of a record the reader collects: the union of consequence terms over all its
transcripts, the gene symbols, the largest population allele frequency among the declared
population fields, and the largest COSMIC count. pyTMB cannot read a raw CSQ field nor split
``&``; we do both.

The entries are read by the compiled reader (tmb/_vcfcore.c, one implementation);
tests/unit/tmb_single_values.py runs it on single values (one record) for the unit tests.
"""

from __future__ import annotations

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
