"""iRECIST course of the demo patients (pure): iUPD, iCPD and last iRECIST assessment days.

Every RECIST 1.1 progression is an iUPD (Seymour et al., Lancet Oncol 2017). In the
atezolizumab arm a share PSEUDO_P of progressions are pseudo-progressions: the next scan
(ASSESSMENT_INTERVAL_DAYS later) does not confirm, the bar is reset, and a second latent
progression may follow, seen at a later scan and confirmed 4-8 weeks after it. Other
progressions are confirmed 4-8 weeks after the iUPD when the patient is still followed then;
otherwise the iUPD stays unconfirmed with no later assessment. A share NO_IRECIST_P of
patients have no iRECIST data at all (empty columns).

All draws come from a dedicated generator ``default_rng([seed, IRECIST_STREAM])``, drawn as
whole vectors before any branching, so no other demo table (BAMs, VCFs, labs, IHC) changes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

IRECIST_STREAM = 14  # dedicated RNG stream of the iRECIST columns (issue 14)
PSEUDO_P = {"SBRT+atezolizumab": 0.12, "SBRT": 0.0}  # pseudo-progressions: immunotherapy only
# (assumption: 0-10 % reported with PD-(L)1 blockade; raised so the demo shows a few)
NO_IRECIST_P = 0.05  # patients without iRECIST data (assumption)
CONFIRM_DAYS = (28, 56)  # iRECIST: confirmation scan 4-8 weeks after iUPD (Seymour 2017)
SECOND_PROGRESSION_MEDIAN_DAYS = 240.0  # latent progression after a reset (assumption)
ASSESSMENT_INTERVAL_DAYS = 56  # as stereosarc.demo.cohort: scans every 8 weeks
TO_IRECIST = {"CR": "iCR", "PR": "iPR", "SD": "iSD", "PD": "iCPD", "NE": "NE"}
IPR_AFTER_RESET = 0.3  # share of pseudo-progressions whose best iRECIST response is iPR


def _confirmed(iupd: float, confirm: float, limit: float) -> tuple[float, float]:
    """(icpd day or NaN, last iRECIST assessment day) after an iUPD."""
    return (iupd + confirm, iupd + confirm) if iupd + confirm <= limit else (np.nan, iupd)


def _pseudo_course(iupd: float, second: float, confirm: float, limit: float):
    """(iupd, icpd, last) after a reset at ``iupd``: scans every interval up to ``limit``."""
    scans = iupd + ASSESSMENT_INTERVAL_DAYS * np.arange(
        1, 1 + int((limit - iupd) // ASSESSMENT_INTERVAL_DAYS)
    )
    later = scans[scans >= iupd + second]
    if len(later) == 0:
        return iupd, np.nan, float(scans[-1])
    return (float(later[0]), *_confirmed(float(later[0]), confirm, limit))


def irecist_days(patients: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Per patient: iupd_day, icpd_day, irecist_last_day (days from start, NaN = none) and
    best_response_irecist (None without iRECIST data)."""
    rng = np.random.default_rng([seed, IRECIST_STREAM])
    n = len(patients)
    missing, pseudo_u, ipr_u = rng.random(n), rng.random(n), rng.random(n)
    confirm = rng.integers(CONFIRM_DAYS[0], CONFIRM_DAYS[1] + 1, n).astype(float)
    second = rng.exponential(SECOND_PROGRESSION_MEDIAN_DAYS / np.log(2), n)
    rows: list[tuple[float, float, float, str | None]] = []
    for i, p in enumerate(patients.itertuples(index=False)):
        best: str | None = TO_IRECIST[p.best_response]
        limit = float(p.last_followup_day)
        iupd, icpd, last = np.nan, np.nan, float(p.last_assessment_day)
        if not np.isnan(p.progression_day):
            iupd = float(p.progression_day)
            reset = pseudo_u[i] < PSEUDO_P[p.arm] and iupd + ASSESSMENT_INTERVAL_DAYS <= limit
            if reset:
                iupd, icpd, last = _pseudo_course(iupd, second[i], confirm[i], limit)
                if best not in ("iCR", "iPR"):
                    best = "iPR" if ipr_u[i] < IPR_AFTER_RESET else "iSD"
            else:
                icpd, last = _confirmed(iupd, confirm[i], limit)
            if best == "iCPD" and np.isnan(icpd):
                best = "iUPD"
        if missing[i] < NO_IRECIST_P:
            iupd, icpd, last, best = np.nan, np.nan, np.nan, None
        rows.append((iupd, icpd, last, best))
    return pd.DataFrame(
        rows,
        columns=["iupd_day", "icpd_day", "irecist_last_day", "best_response_irecist"],
        index=patients.index,
    )
