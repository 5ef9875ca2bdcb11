"""Definitions shared by the association analyses (outcome.associations, outcome.exploratory):
the biomarkers analysed and their transforms, the columns of associations.tsv and km.tsv,
the settings of the family and the preparation of biomarkers.tsv.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from outcome import landmark, response, survival
from stereosarc import protocol
from stereosarc.schemas import table_columns

ARM_REFERENCE = protocol.ARM_REFERENCE  # control arm; HR/OR of the arm: atezolizumab vs SBRT
ARM_EXPERIMENTAL = protocol.ARM_EXPERIMENTAL  # experimental arm (stereosarc.protocol)
STRATA = ("histology", "line")  # randomisation strata (protocol, DESIGN.md)

# Continuous markers analysed at baseline with their transform (issue 7: log2 for TMB,
# ctDNA, NLR, CRP; per SD for densities). Others follow the same logic (skewed -> log2).
CONTINUOUS = {
    "tmb": "log2",
    "ctdna_baseline_tf": "log2",
    "nlr": "log2",
    "plr": "log2",
    "crp_mg_l": "log2",
    "car": "log2",
    "albumin_g_l": "per_sd",
    "cps": "log2",
    "tps": "log2",
    "cd3_density": "per_sd",
    "cd8_density": "per_sd",
    "foxp3_density": "per_sd",
    "cd8_foxp3_ratio": "log2",
    # every other immune marker of the IHC panel (DESIGN.md; issue 14), densities per SD
    "cd4_density": "per_sd",
    "cd20_density": "per_sd",
    "cd45_density": "per_sd",
    "cd68_density": "per_sd",
    "cd163_density": "per_sd",
}
# Binary baseline markers, in analysis order: the pre-specified dichotomies of outcome-merge
# (<marker>_high = marker ≥ its cut, outcome.merge.dichotomy_name) and baseline ctDNA
BINARY_FIXED = ("tmb_high", "ctdna_baseline_detected", "cps_high", "mgps_high", "nlr_high")
LANDMARK_MARKERS = {
    "ctdna_month6_detected": "binary",
    "ctdna_month6_tf": "log2",
    "ctdna_month6_clearance": "binary",  # issue 14: clearance and molecular
    "ctdna_month6_molecular_response": "binary",
}  # response at the landmark
DESCRIPTIVE_ONLY = ("ctdna_relapse_detected",)  # relapse samples: after the event (issue 7)


@dataclass(frozen=True)
class Marker:
    """A biomarker column, its kind (continuous/binary) and its transform."""

    column: str
    kind: str
    transform: str


def baseline_markers(columns) -> list[Marker]:
    """Baseline biomarkers present in ``columns``: continuous, then binary dichotomies."""
    columns = list(columns)
    markers = [Marker(c, "continuous", t) for c, t in CONTINUOUS.items() if c in columns]
    binary = [c for c in BINARY_FIXED if c in columns]
    return markers + [Marker(c, "binary", "none") for c in binary]


def transform(values: pd.Series, how: str) -> tuple[pd.Series, str]:
    """Transformed values and a label of the transform used (NA stays NA)."""
    values = pd.to_numeric(values, errors="coerce").astype(float)
    present = values.dropna()
    if how == "per_sd":
        sd = present.std(ddof=1)
        if not np.isfinite(sd) or sd == 0:
            return values * np.nan, "per SD (SD zero or not computable)"
        return (values - present.mean()) / sd, f"per SD ({sd:.4g})"
    if how == "log2":
        if (present < 0).any():
            return values * np.nan, "log2 (negative values: not computable)"
        positive = present[present > 0]
        if len(positive) == len(present):
            return np.log2(values), "log2"
        if positive.empty:
            return values * np.nan, "log2 (no positive value)"
        offset = positive.min() / 2
        return np.log2(values + offset), f"log2(x + {offset:.4g})"
    return values, "none"


COLUMNS = table_columns("associations")  # associations.tsv, in schema order
KM_COLUMNS = table_columns("km")  # km.tsv, in schema order
PFS_HORIZON_DAYS = protocol.PFS_6M_DAYS  # 182.625 days: DESIGN.md pfs_6m horizon
SEED = 20240601  # project default seed (docs/development.md)


@dataclass
class Settings:
    """Parameters of the analysis family (defaults and sources: module constants)."""

    seed: int = SEED
    level: float = survival.CI_LEVEL
    min_n: int = survival.MIN_N
    min_events_per_variable: float = survival.MIN_EVENTS_PER_VARIABLE
    landmark_days: float = landmark.LANDMARK_DAYS
    landmark_window_days: float = landmark.LANDMARK_WINDOW_DAYS
    pfs_horizon_days: float = PFS_HORIZON_DAYS
    n_bootstrap: int = response.N_BOOTSTRAP
    enet_repeats: int = 10  # repeats of 5-fold CV of the elastic net, 0: off (assumption)
    enet_max_missing: float = 0.3  # markers missing in > 30 % left out of it (assumption)
    mice_imputations: int = 20  # MICE m; White, Royston & Wood (Stat Med 2011): m >= % incomplete
    mice_iterations: int = 10  # chained-equation cycles; van Buuren (FIMD 2018): 5-20 suffice


def prepare(biomarkers: pd.DataFrame) -> pd.DataFrame:
    """Numeric endpoints, ``arm_experimental`` (1 = SBRT+atezolizumab), strata as strings."""
    frame = biomarkers.copy()
    for column in ("pfs_days", "pfs_event", "objective_response", "os_days", "os_event"):
        if column in frame:
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    frame["arm_experimental"] = (frame["arm"] == ARM_EXPERIMENTAL).astype(float)
    frame.loc[frame["arm"].isna(), "arm_experimental"] = np.nan
    for column in STRATA:
        frame[column] = frame[column].astype("string")
    return frame


def row(**values) -> dict:
    """An associations.tsv row: every column, NA unless given."""
    values_by_column = dict.fromkeys(COLUMNS, np.nan)
    values_by_column.update(values)
    return values_by_column


def row_fields(family, biomarker, endpoint, method, estimate_type, data, event_column) -> dict:
    """The fields a test row of untransformed ``data`` shares: n its rows, events the sum of
    its ``event_column`` (1 = event or responder)."""
    named = dict(family=family, biomarker=biomarker, endpoint=endpoint, method=method)
    counts = dict(n=len(data), events=int(data[event_column].sum()))
    return named | dict(transform="none", estimate_type=estimate_type) | counts


INTERVAL = ("estimate", "ci_low", "ci_high")  # a point estimate and its CI, in this order


def estimate_fields(result, estimate: str = "estimate") -> dict:
    """estimate (``result[estimate]``), ci_low, ci_high and p_value of a test or fit."""
    return {"estimate": result[estimate]} | {
        k: result[k] for k in ("ci_low", "ci_high", "p_value")
    }


def join_notes(*parts: str) -> str:
    """The note of a row: its non-empty parts joined by "; "."""
    return "; ".join(filter(None, parts))
