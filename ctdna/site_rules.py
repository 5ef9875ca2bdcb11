"""The site rules of ctdna-count without numpy or pandas: which alleles are countable (module
doc of ``ctdna.sites``: suffix trimming, snv / deletion / insertion) and the contig-naming check.
Applied over DataFrames by ``ctdna.sites`` and over lists by ``ctdna.rowwise_sites``.
"""

from __future__ import annotations

import math

from ctdna.exceptions import ContigMismatchError
from stereosarc import genomics

FIXED_SITES = (
    "fixed_sites"  # tumour_sample of the rows from a fixed site list (--sites), not a sample id
)
SITE_COLUMNS = [
    "tumour_sample",
    "chrom",
    "pos",
    "ref",
    "alt",
    "variant_type",
    "gene",
    "tissue_vaf",
    "vcf_file",
    "vcf_row",
]
BASES = set("ACGT")


def classify_alleles(ref: str, alt: str) -> tuple[str, str, str | None]:
    """(ref, alt, variant_type) after trimming the common suffix; type None when unsupported."""
    ref, alt = ref.upper(), alt.upper()
    if not set(ref) <= BASES or not set(alt) <= BASES:
        return ref, alt, None
    while len(ref) > 1 and len(alt) > 1 and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    if len(ref) == 1 and len(alt) == 1:
        return ref, alt, "snv" if ref != alt else None
    if len(alt) == 1 and ref[0] == alt:
        return ref, alt, "deletion"
    if len(ref) == 1 and alt[0] == ref:
        return ref, alt, "insertion"
    return ref, alt, None


def check_contig_naming(
    used: set[str], available: set[str], used_label: str, available_label: str
) -> None:
    """Refuse when none of ``used`` is in ``available`` but their other spelling is.

    E.g. sites on '17' while the BAM header has 'chr17' would otherwise count as zero.
    """
    if genomics.naming_mismatch(used, available):
        example = sorted(used)[0]
        other = genomics.alternate_name(example)
        raise ContigMismatchError(
            f"contig naming mismatch: {used_label} uses '{example}' but {available_label} "
            f"uses '{other}'; rename one of them (e.g. bcftools annotate --rename-chrs) so "
            "both follow the same reference naming"
        )


def tissue_vafs(af: list | None, ad: list | None, n_alt: int) -> list[float]:
    """Per ALT, the tumour's VAF: FORMAT AF (rounded to 7 significant digits: FORMAT AF is
    float32) when it has a value per ALT, else AD alt / sum(AD) when AD has REF + each ALT;
    NaN when unknown. ``af``, ``ad``: the tumour sample's values (None = missing; negative
    counts are missing too), or None when the record has no such FORMAT key."""
    if af is not None and len(af) >= n_alt:
        return [
            float(f"{v:.7g}") if v is not None and math.isfinite(v) and v >= 0 else math.nan
            for v in af[:n_alt]
        ]
    if ad is not None and len(ad) == n_alt + 1:
        depth = sum(v for v in ad if v is not None and v >= 0)
        if depth > 0:
            return [float(v) / depth if v is not None and v >= 0 else math.nan for v in ad[1:]]
    return [math.nan] * n_alt
