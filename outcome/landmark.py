"""Landmark analysis of on-treatment ctDNA (Anderson, Cain & Gelber, J Clin Oncol 1983).

Month-6 ctDNA is only known for patients still progression-free at month 6; using it from
day 0 would credit them with immortal time. At the landmark L (default 182.625 days, the
6-month PFS horizon of DESIGN.md) the analysis keeps patients with pfs_days > L (progression
-free and in follow-up at L), restarts the clock (time = pfs_days − L) and counts who was
excluded and why.

No look-ahead: a ctDNA value (columns ``ctdna_<timepoint>_*``) counts at the landmark only
when its sample was known at L. Sample day d = ``ctdna_<timepoint>_date`` − start_date
(days); the value is used when L − window ≤ d ≤ L (drawn before the landmark, within the
window) and d < pfs_days when pfs_event = 1 (drawn before progression or death). Otherwise
it is NA with a reason (no collection date or start date, drawn after the landmark, drawn
before the window, drawn at or after progression), counted in the row's note.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stereosarc import protocol

LANDMARK_DAYS = protocol.PFS_6M_DAYS  # 182.625 days: DESIGN.md pfs_6m horizon
LANDMARK_WINDOW_DAYS = 42.0  # project choice: month-6 draw at most 6 weeks before L (2 cycles)
REASONS = (
    "sample_without_date",
    "sample_after_landmark",
    "sample_before_window",
    "sample_after_progression",
)  # why a ctDNA value is not known at the landmark


def sample_days(frame: pd.DataFrame, timepoint: str) -> pd.Series:
    """Days from start_date to ``ctdna_<timepoint>_date`` (NA when either date is absent)."""
    column = f"ctdna_{timepoint}_date"
    if column not in frame or "start_date" not in frame:
        return pd.Series(np.nan, index=frame.index)
    drawn = pd.to_datetime(frame[column], errors="coerce", format="%Y-%m-%d")
    start = pd.to_datetime(frame["start_date"], errors="coerce", format="%Y-%m-%d")
    return (drawn - start).dt.days.astype(float)


def known_at_landmark(
    frame: pd.DataFrame,
    timepoint: str = "month6",
    landmark_days: float = LANDMARK_DAYS,
    window_days: float = LANDMARK_WINDOW_DAYS,
    duration: str = "pfs_days",
    event: str = "pfs_event",
) -> pd.Series:
    """Per patient: NA when the ``timepoint`` sample may be used at the landmark, else the
    reason (one of REASONS) it may not."""
    day = sample_days(frame, timepoint)
    time = pd.to_numeric(frame[duration], errors="coerce")
    progressed = pd.to_numeric(frame[event], errors="coerce") == 1
    reason = pd.Series(pd.NA, index=frame.index, dtype="object")
    rules = (
        (progressed & (day >= time), "sample_after_progression"),
        (day < landmark_days - window_days, "sample_before_window"),
        (day > landmark_days, "sample_after_landmark"),
        (day.isna(), "sample_without_date"),
    )
    for condition, why in rules:  # later rules win: the most basic reason is reported
        reason = reason.mask(condition.fillna(False), why)
    return reason


def _timepoint(marker: str) -> str | None:
    """The ctDNA timepoint of a ``ctdna_<timepoint>_<value>`` column (None otherwise)."""
    parts = marker.split("_")
    return parts[1] if parts[0] == "ctdna" and len(parts) > 2 else None


def landmark_cohort(
    frame: pd.DataFrame,
    marker: str,
    landmark_days: float = LANDMARK_DAYS,
    duration: str = "pfs_days",
    event: str = "pfs_event",
    window_days: float = LANDMARK_WINDOW_DAYS,
):
    """Patients at risk at the landmark with ``marker`` known at L, clock restarted.

    Returns (cohort, exclusions): ``cohort`` has ``duration`` replaced by time since the
    landmark; ``exclusions`` counts patients with an event before or at L, censored before or
    at L, no PFS, a ctDNA sample not known at L (one count per reason), or no marker value.
    """
    time = pd.to_numeric(frame[duration], errors="coerce")
    status = pd.to_numeric(frame[event], errors="coerce")
    no_pfs = time.isna() | status.isna()
    before = ~no_pfs & (time <= landmark_days)
    at_risk = ~no_pfs & ~before
    value = pd.to_numeric(frame[marker], errors="coerce")
    exclusions = {
        "no_pfs": int(no_pfs.sum()),
        "event_before_landmark": int((before & (status == 1)).sum()),
        "censored_before_landmark": int((before & (status == 0)).sum()),
    }
    timepoint = _timepoint(marker)
    if timepoint is not None:
        reason = known_at_landmark(frame, timepoint, landmark_days, window_days, duration, event)
        for why in REASONS:
            exclusions[why] = int((at_risk & value.notna() & (reason == why)).sum())
        value = value.mask(reason.notna())
    no_marker = at_risk & value.isna()
    exclusions["marker_missing"] = int(no_marker.sum()) - sum(
        exclusions.get(why, 0) for why in REASONS
    )
    cohort = frame[at_risk & ~no_marker].copy()
    cohort[duration] = time[at_risk & ~no_marker] - landmark_days
    return cohort, exclusions


def exclusion_note(
    exclusions: dict, landmark_days: float = LANDMARK_DAYS, window_days: float | None = None
) -> str:
    """One sentence stating the landmark (and sample window) and the excluded counts."""
    parts = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in exclusions.items())
    window = "" if window_days is None else f", samples drawn in [L - {window_days:g} d, L]"
    return f"landmark {landmark_days:g} d{window}, clock restarted; excluded: {parts}"
