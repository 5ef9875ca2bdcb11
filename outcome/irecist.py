"""iRECIST endpoints per patient: immune progression-free survival (iPFS) and pseudo-progression.

Definitions (Seymour et al., "iRECIST: guidelines for response criteria for use in trials
testing immunotherapeutics", Lancet Oncol 2017;18:e143-e152):

- iUPD (unconfirmed progression) is assigned at the first RECIST 1.1 progression; it is
  confirmed (iCPD) at the next assessment, 4-8 weeks later, by a further increase. When the
  next assessment shows iSD, iPR or iCR instead, the "bar is reset": that iUPD is not a
  progression, and a later iUPD must again be confirmed.
- iPFS event: confirmed progression or death. The event date of a confirmed progression is
  the date of the iUPD that the iCPD confirmed (not the iCPD date).
- An iUPD never confirmed because no assessment followed it (iRECIST best response iUPD,
  Seymour 2017 table 3, example 8: the patient left iRECIST follow-up, typically as not
  clinically stable) is an event at the iUPD date by default (``UNCONFIRMED_RULE``); the
  sensitivity rule ``censor`` censors it at the iUPD date instead. The guideline asks for the
  reason to be recorded; the clinical table has no reason column, so the rule applies to
  every such iUPD (docs/statistics.md, "iRECIST").
- Otherwise censored at the last iRECIST assessment.
- pseudoprogression = 1 when the first RECIST 1.1 progression (iUPD on progression_date)
  was followed by an assessment that did not confirm it (reset); 0 when iCPD confirmed it;
  NA without a RECIST progression, when it was never re-assessed, or without iRECIST data.

Optional clinical columns (docs/clinical.md): ``iupd_date`` (the iUPD that ``icpd_date``
confirms, or without ``icpd_date`` the most recent unconfirmed iUPD), ``icpd_date``
(confirmation), ``irecist_last_assessment_date`` (last iRECIST assessment; iRECIST follow-up
continues after RECIST progression; default: the latest of last_assessment_date, iupd_date and
icpd_date). A patient has iRECIST data when best_response_irecist, iupd_date or icpd_date is
given; without it every iRECIST column is NA (RECIST PFS is never copied).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

DATE_COLUMNS = ("iupd_date", "icpd_date", "irecist_last_assessment_date")  # optional inputs
UNCONFIRMED_RULES = ("event", "censor")  # unconfirmed iUPD with no later assessment
UNCONFIRMED_RULE = "event"  # Seymour 2017 table 3 example 8 (iBOR iUPD); docs/statistics.md
OUTPUT_COLUMNS = ["ipfs_days", "ipfs_event", "pseudoprogression", "irecist_notes"]
# (earlier, later): later < earlier is inconsistent (iRECIST data of the row set to NA)
ORDER_RULES = (
    ("start_date", "iupd_date"),
    ("progression_date", "iupd_date"),
    ("iupd_date", "icpd_date"),
    ("start_date", "irecist_last_assessment_date"),
    ("iupd_date", "irecist_last_assessment_date"),
    ("icpd_date", "irecist_last_assessment_date"),
    ("iupd_date", "death_date"),
    ("irecist_last_assessment_date", "death_date"),
)


def _na(note: str) -> dict:
    return {
        "ipfs_days": np.nan,
        "ipfs_event": pd.NA,
        "pseudoprogression": pd.NA,
        "irecist_notes": note,
    }


def consistency_problems(dates: dict) -> list[tuple[str, str]]:
    """Every (column, reason) inconsistency among the iRECIST dates (pre-flight refuses them).

    ``dates``: parsed start_date, progression_date, death_date and the DATE_COLUMNS.
    """
    found = []
    if dates.get("icpd_date") is not None and dates.get("iupd_date") is None:
        found.append(("icpd_date", "icpd_date given without iupd_date (iCPD confirms an iUPD)"))
    if dates.get("iupd_date") is not None and dates.get("progression_date") is None:
        found.append(("iupd_date", "iupd_date given without a RECIST progression_date"))
    for earlier, later in ORDER_RULES:
        first, second = dates.get(earlier), dates.get(later)
        if first is not None and second is not None and second < first:
            found.append((later, f"{second} is before {earlier} {first}"))
    return found


def follow_up_end(dates: dict) -> date | None:
    """Last iRECIST assessment: irecist_last_assessment_date, else the latest of
    last_assessment_date, iupd_date and icpd_date."""
    if dates.get("irecist_last_assessment_date") is not None:
        return dates["irecist_last_assessment_date"]
    known: list[date] = [
        d
        for d in (dates.get(c) for c in ("last_assessment_date", "iupd_date", "icpd_date"))
        if d is not None
    ]
    return max(known) if known else None


def ipfs(dates: dict, unconfirmed: str = UNCONFIRMED_RULE) -> tuple[float, object, str | None]:
    """(iPFS days, event 1/0, note) of one patient with iRECIST data (rules: module doc)."""
    start, iupd, death = dates["start_date"], dates.get("iupd_date"), dates.get("death_date")
    end = follow_up_end(dates)
    if iupd is not None and dates.get("icpd_date") is not None:
        return float((iupd - start).days), 1, None
    if iupd is not None and (end is None or end <= iupd):
        if unconfirmed == "event":
            return float((iupd - start).days), 1, "unconfirmed iUPD, no later assessment: event"
        return float((iupd - start).days), 0, "unconfirmed iUPD, no later assessment: censored"
    if death is not None:
        return float((death - start).days), 1, None
    if end is None:
        return np.nan, pd.NA, "iPFS NA: no event and no iRECIST assessment date"
    return float((end - start).days), 0, None


def pseudoprogression(dates: dict):
    """1 first RECIST progression not confirmed and re-assessed, 0 confirmed, NA otherwise."""
    progression, iupd = dates.get("progression_date"), dates.get("iupd_date")
    if progression is None or iupd is None:
        return pd.NA
    if iupd > progression:
        return 1  # the first iUPD was reset; a later iUPD is the one recorded
    if dates.get("icpd_date") is not None:
        return 0
    end = follow_up_end(dates)
    return 1 if end is not None and end > iupd else pd.NA


def has_irecist_data(row: dict) -> bool:
    """Whether the clinical row gives any iRECIST information."""
    return any(row.get(c) is not None for c in ("best_response_irecist", "iupd_date", "icpd_date"))


def irecist_values(
    row: dict, dates: dict, columns_present: bool, unconfirmed: str = UNCONFIRMED_RULE
) -> tuple[dict, tuple[str, str, str] | None]:
    """The OUTPUT_COLUMNS of one patient and the (column, reject code, detail) of a reject,
    if any.

    ``dates``: every parsed clinical date (None when empty or invalid); ``columns_present``:
    whether the clinical table has the iupd_date column (iPFS needs the dates).
    """
    if not has_irecist_data(row):
        return _na("iRECIST NA: no iRECIST data for this patient"), None
    if not columns_present:
        return _na("iPFS NA: no iupd_date column in the clinical table"), None
    problems = consistency_problems(dates)
    problem = problems[0] if problems else None
    if problem:
        return _na("iRECIST NA: inconsistent iRECIST dates"), (
            problem[0],
            "irecist_inconsistent",
            f"{problem[1]}; iPFS and pseudoprogression set to NA",
        )
    if dates.get("progression_date") is not None and dates.get("iupd_date") is None:
        return _na("iRECIST NA: RECIST progression without iupd_date"), None
    days, event, note = ipfs(dates, unconfirmed)
    return {
        "ipfs_days": days,
        "ipfs_event": event,
        "pseudoprogression": pseudoprogression(dates),
        "irecist_notes": note,
    }, None


def from_row(row: dict, dates: dict, rules: dict, parse, reject) -> dict:
    """OUTPUT_COLUMNS of one clinical row: parses the iRECIST dates with ``parse``, reports
    problems through ``reject(column, code, detail)``; ``rules``: has_irecist_dates,
    unconfirmed and ``blocked`` (endpoints whose dates are invalid; blocked PFS dates make
    iRECIST NA)."""
    parsed = dict(dates)
    for column in DATE_COLUMNS:
        try:
            parsed[column] = parse(row.get(column))
        except ValueError:
            reject(
                column,
                "date_not_iso",
                f"{row[column]!r}; iPFS and pseudoprogression set to NA",
            )
            return _na("iRECIST NA: invalid iRECIST date")
    if "pfs" in rules.get("blocked", ()) and has_irecist_data(row):
        return _na("iRECIST NA: invalid or inconsistent PFS dates")
    values, problem = irecist_values(
        row, parsed, rules["has_irecist_dates"], rules.get("unconfirmed", UNCONFIRMED_RULE)
    )
    if problem:
        reject(*problem)
    return values
