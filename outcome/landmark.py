"""Landmark analysis of on-treatment ctDNA (Anderson, Cain & Gelber, J Clin Oncol 1983).

Month-6 ctDNA is only known for patients still progression-free at month 6; using it from
day 0 would credit them with immortal time. At the landmark L (default 182.625 days, the
6-month PFS horizon of DESIGN.md) the analysis keeps patients with pfs_days > L (progression
-free and in follow-up at L), restarts the clock (time = pfs_days − L) and counts who was
excluded and why.
"""

from __future__ import annotations

import pandas as pd

LANDMARK_DAYS = 182.625  # 6 months = 365.25 / 2 days: DESIGN.md pfs_6m horizon


def landmark_cohort(frame: pd.DataFrame, marker: str, landmark_days: float = LANDMARK_DAYS,
                    duration: str = "pfs_days", event: str = "pfs_event"):
    """Patients at risk at the landmark with ``marker`` known, clock restarted.

    Returns (cohort, exclusions): ``cohort`` has ``duration`` replaced by time since the
    landmark; ``exclusions`` counts patients with an event before or at L, censored before or
    at L, no PFS, or no marker value.
    """
    time = pd.to_numeric(frame[duration], errors="coerce")
    status = pd.to_numeric(frame[event], errors="coerce")
    no_pfs = time.isna() | status.isna()
    before = ~no_pfs & (time <= landmark_days)
    at_risk = ~no_pfs & ~before
    no_marker = at_risk & pd.to_numeric(frame[marker], errors="coerce").isna()
    exclusions = {"no_pfs": int(no_pfs.sum()),
                  "event_before_landmark": int((before & (status == 1)).sum()),
                  "censored_before_landmark": int((before & (status == 0)).sum()),
                  "marker_missing": int(no_marker.sum())}
    cohort = frame[at_risk & ~no_marker].copy()
    cohort[duration] = time[at_risk & ~no_marker] - landmark_days
    return cohort, exclusions


def exclusion_note(exclusions: dict, landmark_days: float = LANDMARK_DAYS) -> str:
    """One sentence stating the landmark and the excluded counts."""
    parts = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in exclusions.items())
    return f"landmark {landmark_days:g} d, clock restarted; excluded: {parts}"
