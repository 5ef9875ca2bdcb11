"""outcome-merge as a library call: options in, biomarkers.tsv and the cohort rejects out.

Recipe: read clinical_endpoints and whichever per-sample (TMB, ctDNA) and per-patient (IHC,
blood) tables were given (outcome.merge_io), join them per randomised patient with the
pre-specified dichotomies (outcome.merge), gather every stage's rejects with the merge's own
(stereosarc.rejects) and log the missingness of each biomarker.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from outcome import merge, merge_io
from outcome.exceptions import OutcomeInputError

LOG = logging.getLogger("outcome.merge_command")
TMB_RULES = ("max", "first")  # several tumour samples: highest TMB or smallest sample id


@dataclass(frozen=True)
class MergeOptions:
    """What outcome-merge reads (absent inputs: None) and its dichotomy cuts (value >= cut)."""

    clinical_endpoints: Path  # clinical_endpoints.tsv (outcome-clinical)
    tmb: Path | None = None  # cohort tmb.tsv, one row per tumour sample
    ctdna: Path | None = None  # ctdna.tsv, one row per plasma sample
    ihc: Path | None = None  # ihc_patient.tsv
    labs: Path | None = None  # labs_patient.tsv
    rejects: tuple[Path, ...] = ()  # stage rejects tables gathered into the cohort's
    tmb_rule: str = "first"
    tmb_high: float = merge.TMB_HIGH_CUT
    cps_cut: float = merge.CPS_CUT
    nlr_cut: float = merge.NLR_CUT
    mgps_cut: float = merge.MGPS_CUT

    def __post_init__(self) -> None:
        if self.tmb_rule not in TMB_RULES:
            raise OutcomeInputError(f"--tmb-rule {self.tmb_rule!r}: one of {', '.join(TMB_RULES)}")


@dataclass(frozen=True)
class MergeResult:
    """biomarkers (one row per randomised patient) and the cohort rejects table."""

    biomarkers: pd.DataFrame
    rejects: pd.DataFrame


def _optional_inputs(options: MergeOptions) -> dict:
    """The per-sample and per-patient tables that were given (None for the others)."""
    ihc_numeric = [c for c in merge.IHC_COLUMNS if c != "pdl1_ic_category"]
    return {
        "tmb": merge_io.read_tmb(options.tmb) if options.tmb else None,
        "ctdna": merge_io.read_ctdna(options.ctdna) if options.ctdna else None,
        "ihc": merge_io.read_patient_table(options.ihc, ihc_numeric) if options.ihc else None,
        "labs_table": (
            merge_io.read_patient_table(options.labs, merge.LABS_COLUMNS) if options.labs else None
        ),
    }


def merge_biomarkers(options: MergeOptions) -> MergeResult:
    """Read, merge, gather the rejects, log missingness (module doc)."""
    endpoints_table = merge_io.read_endpoints(options.clinical_endpoints)
    inputs = _optional_inputs(options)
    cuts = {
        "tmb": options.tmb_high,
        "cps": options.cps_cut,
        "nlr": options.nlr_cut,
        "mgps": options.mgps_cut,
    }
    biomarkers, own = merge.merge(endpoints_table, cuts=cuts, tmb_rule=options.tmb_rule, **inputs)
    rejects = merge.combine_rejects(merge_io.read_rejects(options.rejects), own)
    absent = [name for name, table in inputs.items() if table is None]
    LOG.info(
        "%d patients; inputs absent (NA columns): %s; %d merge rejects; %d rejects in total",
        len(biomarkers),
        ", ".join(absent) or "none",
        len(own),
        len(rejects),
    )
    for row in merge.missingness(biomarkers).itertuples(index=False):
        LOG.info("missing %-28s %d/%d", row.biomarker, row.n_missing, row.n)
    return MergeResult(biomarkers, rejects)
