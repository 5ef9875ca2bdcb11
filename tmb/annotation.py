"""Per-allele reading of VEP ``CSQ`` and snpEff ``ANN`` annotation strings (pure).

Each annotation entry (comma-separated) describes one ALT allele on one transcript; its
sub-fields are ``|``-separated in the order the header's ``Format:`` declares, and one
sub-field may hold several ``&``-joined terms (consequences, colocated frequencies). For each
ALT of a record we collect: the union of consequence terms over all its transcripts, the gene
symbols, the largest population allele frequency among the declared population fields, and
the largest COSMIC count. pyTMB cannot read a raw CSQ field nor split ``&``; we do both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Field names per annotator (VEP --vcf output; snpEff ANN specification, pcingola.github.io/SnpEff)
ALLELE_FIELD = {"CSQ": "Allele", "ANN": "Allele"}
CONSEQUENCE_FIELD = {"CSQ": "Consequence", "ANN": "Annotation"}
GENE_FIELD = {"CSQ": "SYMBOL", "ANN": "Gene_Name"}
ALLELE_NUM_FIELD = "ALLELE_NUM"  # VEP --allele_number: 1-based ALT index, exact allele matching


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


def build_layout(tag: str, names: list[str], population_fields: list[str],
                 cosmic_field: str | None) -> AnnotationLayout:
    """Index the sub-fields of ``names``; raises KeyError naming a missing required field."""
    index = {name: i for i, name in enumerate(names)}
    for needed in (ALLELE_FIELD[tag], CONSEQUENCE_FIELD[tag]):
        if needed not in index:
            raise KeyError(needed)
    population = [name for name in population_fields if name in index]
    used = [index[ALLELE_FIELD[tag]], index[CONSEQUENCE_FIELD[tag]], index.get(GENE_FIELD[tag]),
            index.get(ALLELE_NUM_FIELD), index.get(cosmic_field) if cosmic_field else None,
            *(index[name] for name in population)]
    return AnnotationLayout(
        tag=tag, allele=index[ALLELE_FIELD[tag]], consequence=index[CONSEQUENCE_FIELD[tag]],
        gene=index.get(GENE_FIELD[tag]), allele_num=index.get(ALLELE_NUM_FIELD),
        population=tuple(index[name] for name in population), population_names=tuple(population),
        cosmic=index.get(cosmic_field) if cosmic_field else None,
        width=max(i for i in used if i is not None) + 1)


def vep_allele_keys(ref: str, alts: list[str]) -> list[str]:
    """How VEP writes each ALT in CSQ ``Allele``: the first base is trimmed when REF and all
    ALTs share it (an empty allele becomes ``-``); otherwise the ALT as in the VCF."""
    alleles = [ref] + list(alts)
    if len({a[:1] for a in alleles}) == 1 and all(a and a[0] != "<" for a in alleles):
        return [alt[1:] or "-" for alt in alts]
    return list(alts)


def max_number(text: str) -> float:
    """Largest numeric value among ``&``-joined terms; NaN when none is numeric."""
    best = math.nan
    for term in text.split("&"):
        try:
            value = float(term)
        except ValueError:
            continue
        if not math.isnan(value) and not value <= best:
            best = value
    return best


@dataclass
class AlleleAnnotation:
    """What the annotation says about one ALT allele, over all its transcripts."""

    consequences: set
    genes: set
    population_af: float = math.nan
    cosmic_count: float = math.nan

    def update_max(self, attribute: str, value: float) -> None:
        if not math.isnan(value) and not value <= getattr(self, attribute):
            setattr(self, attribute, value)


def _allele_index(fields: list[str], layout: AnnotationLayout, lookup: dict) -> int | None:
    if layout.allele_num is not None and fields[layout.allele_num].isdigit():
        return int(fields[layout.allele_num]) - 1
    return lookup.get(fields[layout.allele])


def _largest(text: str, best: float) -> float:
    """max(best, value of ``text``), ``text`` a number or ``&``-joined numbers."""
    try:
        value = float(text)
    except ValueError:
        value = max_number(text)
    return value if value > best or (best != best and value == value) else best


def summarise(value: str | None, layout: AnnotationLayout, allele_keys: list[str]) -> list:
    """One AlleleAnnotation per ALT (same order as ``allele_keys``) from a CSQ/ANN value."""
    found = [AlleleAnnotation(set(), set()) for _ in allele_keys]
    if not value:
        return found
    lookup = {key: i for i, key in enumerate(allele_keys)}
    width, gene, cosmic = layout.width, layout.gene, layout.cosmic
    for entry in value.split(","):
        fields = entry.split("|")
        if len(fields) < width:
            fields += [""] * (width - len(fields))
        i = _allele_index(fields, layout, lookup)
        if i is None or not 0 <= i < len(found):
            continue
        allele = found[i]
        allele.consequences.update(fields[layout.consequence].split("&"))
        if gene is not None and fields[gene]:
            allele.genes.add(fields[gene])
        for column in layout.population:
            if fields[column]:
                allele.population_af = _largest(fields[column], allele.population_af)
        if cosmic is not None and fields[cosmic]:
            allele.cosmic_count = _largest(fields[cosmic], allele.cosmic_count)
    for allele in found:
        allele.consequences.discard("")
    return found
