"""PFS under the censoring rules of the sensitivity analyses, and the analysis populations.

Rules (``RULES``), each giving PFS days and event from the clinical dates:

- ``standard`` (DESIGN.md, the protocol definition): event at the first of progression or
  death; otherwise censored at last_assessment_date.
- ``new_therapy`` (FDA guidance "Clinical Trial Endpoints for the Approval of Cancer Drugs
  and Biologics", 2018, table of PFS censoring): when a new anticancer therapy starts before
  the standard end of follow-up (event, or last assessment), PFS is censored at the last
  adequate tumour assessment on or before the start of that therapy.
- ``missed_visits`` (same guidance): a progression or death observed after two or more
  missed scheduled assessments is censored at the last adequate assessment before the event.
  Two assessments are missed when event − last assessment > 2 × interval + window days.
- ``fda``: both rules, new therapy first.

Optional clinical columns used (documented in docs/clinical.md): ``new_therapy_date`` (ISO
date of the start of the first new anticancer therapy, empty when none), ``assessment_dates``
(every adequate post-baseline tumour assessment, ISO dates separated by ``;``) and
``per_protocol`` (1 = in the per-protocol population, 0 = not; ITT = all randomised). With
no adequate assessment before the cut-off, PFS is censored at day 0 (start_date), as the
guidance censors at randomisation. A rule whose needed column is absent gives NA with a note.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

RULES = ("standard", "new_therapy", "missed_visits", "fda")  # sensitivity table order
RULE_COLUMNS = [f"pfs_{what}_{rule}" for rule in RULES[1:] for what in ("days", "event")]
ASSESSMENT_INTERVAL_DAYS = 56.0  # every 8 weeks: assumption, to confirm against the protocol
ASSESSMENT_WINDOW_DAYS = 7.0  # +/- 7 days visit window: assumption, to confirm
MISSED_ASSESSMENTS = 2  # FDA 2018 guidance: event after >= 2 missed assessments is censored
PER_PROTOCOL_VALUES = {"1": 1, "0": 0}  # per_protocol column: 1 in, 0 out, empty unknown


def parse_assessments(text, parse) -> list[date]:
    """Sorted dates of a ``;``-separated list (``parse`` turns one ISO text into a date)."""
    if text is None or str(text).strip() == "":
        return []
    return sorted(parse(part.strip()) for part in str(text).split(";") if part.strip())


def _last_on_or_before(assessments: list[date], cut: date, strict: bool) -> date | None:
    before = [a for a in assessments if (a < cut if strict else a <= cut)]
    return before[-1] if before else None


def _censored_at(start: date, when: date | None) -> tuple[float, int]:
    return (float((when - start).days) if when is not None else 0.0), 0


def new_therapy_rule(start, end, event, new_therapy, assessments, last_assessment):
    """(days, event, note) after the new-therapy rule; ``end``/``event`` are standard."""
    if end is None:
        return np.nan, pd.NA, None
    if new_therapy is None or new_therapy >= end:
        return float((end - start).days), event, None
    if last_assessment is not None and last_assessment <= new_therapy:
        return *_censored_at(start, last_assessment), None
    if assessments is None:
        return np.nan, pd.NA, "new_therapy rule: assessment_dates needed"
    return *_censored_at(start, _last_on_or_before(assessments, new_therapy, False)), None


def missed_visits_rule(start, end, event, assessments, interval, window):
    """(days, event, note) after the missed-assessment rule (events only)."""
    if assessments is None:
        return np.nan, pd.NA, "missed_visits rule: assessment_dates needed"
    if end is None:
        return np.nan, pd.NA, None
    if event != 1:
        return float((end - start).days), event, None
    last = _last_on_or_before(assessments, end, True) or start
    if (end - last).days > MISSED_ASSESSMENTS * interval + window:
        return *_censored_at(start, last), None
    return float((end - start).days), 1, None


def rule_values(
    dates: dict,
    assessments,
    interval: float = ASSESSMENT_INTERVAL_DAYS,
    window: float = ASSESSMENT_WINDOW_DAYS,
    has_new_therapy: bool = True,
) -> dict:
    """PFS days and event of one patient under each non-standard rule, and notes.

    ``dates``: parsed start_date, progression_date, death_date, last_assessment_date,
    new_therapy_date; ``assessments``: sorted dates, or None when the column is absent.
    """
    start = dates["start_date"]
    events = [d for d in (dates["progression_date"], dates["death_date"]) if d is not None]
    end, event = (min(events), 1) if events else (dates["last_assessment_date"], 0)
    notes, out = [], {}
    therapy = (
        new_therapy_rule(
            start,
            end,
            event,
            dates.get("new_therapy_date"),
            assessments,
            dates["last_assessment_date"],
        )
        if has_new_therapy
        else (np.nan, pd.NA, "new_therapy rule: no new_therapy_date column")
    )
    missed = missed_visits_rule(start, end, event, assessments, interval, window)
    both_end = None if pd.isna(therapy[0]) else start + timedelta(days=therapy[0])
    both = (
        missed_visits_rule(start, both_end, therapy[1], assessments, interval, window)
        if both_end is not None
        else (np.nan, pd.NA, None)
    )
    for rule, (days, status, note) in zip(RULES[1:], (therapy, missed, both)):
        out[f"pfs_days_{rule}"], out[f"pfs_event_{rule}"] = days, status
        notes.append(note)
    out["pfs_censoring_notes"] = "; ".join(sorted({n for n in notes if n})) or None
    return out


def per_protocol(text):
    """1/0 from the per_protocol column; NA when empty; ValueError for anything else."""
    if text is None or str(text).strip() == "":
        return pd.NA
    if str(text).strip() not in PER_PROTOCOL_VALUES:
        raise ValueError(text)
    return PER_PROTOCOL_VALUES[str(text).strip()]
