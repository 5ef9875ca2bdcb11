"""Per-sample QC quantities, computed from the tables the stages already write.

TMB (one row per tumour VCF, from cohort/tmb.tsv):
- ``pass_fraction`` = (alleles_total − alleles_not_pass) / alleles_total: share of the VCF's
  ALT alleles with FILTER PASS (or "."); NA when the VCF has no ALT allele.
- ``in_panel_fraction`` = (alleles_total − alleles_outside_panel) / alleles_total.

ctDNA (one row per plasma or PoN sample, from ctdna-count's per-sample tables and
cohort/ctdna.tsv):
- ``reads``, ``duplicate_fraction``, ``fragments``, ``fragment_length_median``, ``_q25``,
  ``_q75``, ``short_fragment_fraction``: copied from ctdna-count's read statistics
  (``ctdna_read_stats``, defined in ctdna/read_stats.py): primary mapped reads over the
  capture targets, the share flagged duplicate, the distinct fragments kept, the fragment
  length quartiles (bp) and DELFI's short (100-150 bp) share of 100-220 bp fragments; NA for a
  sample without read statistics.
- ``target_depth_median``: median over the sample's capture targets of the mean fragment
  depth (fragments covering a base, per base, averaged over the target), in fragments.
- ``targets_below_min_depth``: targets whose mean fragment depth is below ``min_depth``.
- ``site_depth_median``: median over the sample's tumour sites of the fragments read at the
  site (depth_fragments: REF + ALT + other alleles), in fragments.
- ``lowqual_fraction`` = Σ lowqual_fragments / Σ (depth_fragments + lowqual_fragments) over
  the sample's sites: share of fragments at the sites left out for base quality.
- ``background_error_rate`` = Σ error_count / Σ opportunity_count over the error classes of
  the sample's off-site bases (ctdna-count background table), per base.
- ``evaluable``, ``detected``, ``reason_code``, ``lod95_tf`` are copied from ctdna.tsv (PoN
  samples have none: NA).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stereosarc.errors import InputError

MIN_TARGET_DEPTH = 100  # fragments per base; typical floor of cfDNA capture QC (assumption)

TMB_COLUMNS = [
    "sample",
    "patient",
    "records_read",
    "alleles_total",
    "alleles_not_pass",
    "alleles_outside_panel",
    "variants_counted",
    "panel_mb",
    "small_panel",
    "tmb",
]
CTDNA_CALL_COLUMNS = ["sample", "evaluable", "detected", "reason_code", "lod95_tf"]
READ_STATS_COLUMNS = [
    "reads",
    "duplicate_fraction",
    "fragments",
    "fragment_length_median",
    "fragment_length_q25",
    "fragment_length_q75",
    "short_fragment_fraction",
]  # of ctdna_read_stats, in qc_ctdna's order
SAMPLE_COLUMNS = ["sample", "patient", "type", "timepoint"]


def _share(part: pd.Series, whole: pd.Series) -> pd.Series:
    """part / whole, NA where whole is 0 or NA."""
    whole = whole.astype(float).where(whole > 0)
    return part.astype(float) / whole


def tmb_qc(tmb: pd.DataFrame) -> pd.DataFrame:
    """One row per tumour sample of cohort/tmb.tsv with the VCF's QC fractions."""
    table = tmb[TMB_COLUMNS].copy()
    total = table["alleles_total"]
    table["pass_fraction"] = _share(total - table["alleles_not_pass"], total)
    table["in_panel_fraction"] = _share(total - table["alleles_outside_panel"], total)
    return table.sort_values("sample", kind="mergesort").reset_index(drop=True)


def _per_sample(frame: pd.DataFrame, column: str, how) -> pd.Series:
    return frame.groupby("sample", sort=True)[column].agg(how)


def _read_stats(read_stats: pd.DataFrame | None) -> pd.DataFrame:
    """READ_STATS_COLUMNS indexed by sample (empty when none); a sample twice is refused."""
    if read_stats is None or read_stats.empty:
        return pd.DataFrame(columns=READ_STATS_COLUMNS, index=pd.Index([], name="sample"))
    repeated = read_stats["sample"][read_stats["sample"].duplicated()]
    if len(repeated):
        raise InputError(f"read statistics: sample {repeated.iloc[0]!r} has more than one row")
    return read_stats.set_index("sample")[READ_STATS_COLUMNS]


def ctdna_qc(
    samples: pd.DataFrame,
    site_counts: pd.DataFrame,
    target_depth: pd.DataFrame,
    background: pd.DataFrame,
    calls: pd.DataFrame | None,
    min_depth: float = MIN_TARGET_DEPTH,
    read_stats: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per plasma/PoN sample of ``samples`` (SAMPLE_COLUMNS) with read, depth,
    quality and background quantities and, for patients' samples, the ctDNA call's
    evaluability."""
    depth = target_depth.assign(low=target_depth["mean_fragment_depth"] < min_depth)
    sites = site_counts.assign(
        seen=site_counts["depth_fragments"] + site_counts["lowqual_fragments"]
    )
    table = pd.DataFrame(
        {
            "targets": _per_sample(depth, "mean_fragment_depth", "size"),
            "target_depth_median": _per_sample(depth, "mean_fragment_depth", "median"),
            "targets_below_min_depth": _per_sample(depth, "low", "sum"),
            "sites": _per_sample(sites, "depth_fragments", "size"),
            "site_depth_median": _per_sample(sites, "depth_fragments", "median"),
            "lowqual_fraction": _share(
                _per_sample(sites, "lowqual_fragments", "sum"), _per_sample(sites, "seen", "sum")
            ),
            "background_error_rate": _share(
                _per_sample(background, "error_count", "sum"),
                _per_sample(background, "opportunity_count", "sum"),
            ),
        }
    )
    table = _read_stats(read_stats).join(table, how="outer")
    table = samples[SAMPLE_COLUMNS].merge(table, left_on="sample", right_index=True, how="left")
    if calls is not None and not calls.empty:
        table = table.merge(calls[CTDNA_CALL_COLUMNS], on="sample", how="left")
    else:
        table = table.assign(**{c: np.nan for c in CTDNA_CALL_COLUMNS if c != "sample"})
    return table.sort_values("sample", kind="mergesort").reset_index(drop=True)
