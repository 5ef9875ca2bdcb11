"""Clinical endpoints per randomised patient, from the dates of the clinical table.

- PFS (days) = min(progression_date, death_date) − start_date with event 1; without either,
  censored at last_assessment_date − start_date with event 0 (DESIGN.md, RECIST 1.1).
- pfs_6m = 1 when PFS > 182.625 days (6 months of 365.25/12 days; event or censored),
  0 when an event occurs at ≤ 182.625 days, NA when censored at ≤ 182.625 days.
- OS (days) = death_date − diagnosis_date, event 1; else censored at last_followup_date −
  diagnosis_date, event 0 (protocol: OS is counted from diagnosis).
- objective_response = 1 for CR or PR, 0 for SD or PD, and 0 for NE by default
  (intent-to-treat: a patient not evaluable counts as a non-responder, RECIST 1.1 §4.3.5);
  NA when best_response is empty.
- iPFS and pseudo-progression (iRECIST, optional columns): outcome.irecist.
An unparseable or inconsistent date (progression or death before start, death before
progression, assessment after death, ...) makes the endpoints it touches NA and writes a
reject naming the row and column; a row without a valid patient, arm, histology, line or
start_date is rejected whole.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from outcome import censoring, irecist
from stereosarc import protocol
from stereosarc.rejects import Reject, reject
from stereosarc.schemas import table_columns

STAGE = "clinical"  # the stage column of this step's rejects
DATE_COLUMNS = protocol.CLINICAL_DATES  # the dates the endpoints are derived from
REQUIRED_COLUMNS = list(protocol.CLINICAL_REQUIRED)  # DESIGN.md clinical table
PFS_DATES = ("progression_date", "death_date", "last_assessment_date")
OS_DATES = ("diagnosis_date", "death_date", "last_followup_date")
# (earlier column, later column, endpoints made NA when later < earlier)
ORDER_RULES = (
    ("start_date", "progression_date", ("pfs",)),
    ("start_date", "death_date", ("pfs", "os")),
    ("progression_date", "death_date", ("pfs", "os")),
    ("start_date", "last_assessment_date", ("pfs",)),
    ("last_assessment_date", "death_date", ("pfs", "os")),
    ("diagnosis_date", "start_date", ("os",)),
    ("diagnosis_date", "last_followup_date", ("os",)),
    ("last_assessment_date", "last_followup_date", ("os",)),
    ("last_followup_date", "death_date", ("os",)),
)
OUTPUT_COLUMNS = table_columns("clinical_endpoints")  # clinical_endpoints.tsv, in schema order
OPTIONAL_COLUMNS = (
    "best_response_irecist",
    "per_protocol",
    "new_therapy_date",
    "assessment_dates",
    *irecist.DATE_COLUMNS,
)  # optional clinical columns (docs/clinical.md)


def _reject(row: dict, column: str, code: str, detail: str | None = None) -> Reject:
    """A reject of one clinical row (stereosarc.rejects, the one builder)."""
    return reject(
        STAGE,
        row["_file"],
        row["_row"],
        code,
        detail=detail,
        column=column,
        patient=row.get("patient"),
    )


def parse_date(text) -> date | None:
    """Strict ISO YYYY-MM-DD; None when empty; ValueError when not a valid ISO date."""
    if text is None:
        return None
    if len(str(text)) != 10:
        raise ValueError(text)
    return date.fromisoformat(str(text))


def _row_refusal(row: dict) -> tuple[str, str, str] | None:
    """(column, reject code, detail) why a whole clinical row cannot be used."""
    if not protocol.is_identifier(row["patient"]):
        return "patient", "invalid_identifier", f"patient {row['patient']!r}"
    for column, allowed in (
        ("arm", protocol.ARMS),
        ("histology", protocol.HISTOLOGIES),
        ("line", protocol.LINES),
    ):
        if row[column] not in allowed:
            return column, "value_not_in_vocabulary", _not_in(column, row[column], allowed)
    try:
        if parse_date(row["start_date"]) is None:
            return "start_date", "missing_value", "start_date"
    except ValueError:
        return "start_date", "date_not_iso", f"start_date {row['start_date']!r}"
    return None


def _not_in(column: str, value, allowed) -> str:
    """Detail of a value outside its vocabulary: the column, the value, the allowed ones."""
    return f"{column} {value!r} not in {', '.join(allowed)}"


def _dates(row: dict, rejects: list, blocked: set) -> dict[str, date | None]:
    """Parsed dates; an invalid one blocks the endpoints that use it."""
    dates = {}
    for column in DATE_COLUMNS:
        try:
            dates[column] = parse_date(row[column])
        except ValueError:
            dates[column] = None
            hit = {name for name, used in (("pfs", PFS_DATES), ("os", OS_DATES)) if column in used}
            blocked |= hit
            rejects.append(
                _reject(row, column, "date_not_iso", f"{row[column]!r}; {_na_text(hit)}")
            )
    return dates


def _na_text(endpoints) -> str:
    return " and ".join(sorted(e.upper() for e in endpoints)) + " set to NA"


def _check_order(row: dict, dates: dict, rejects: list, blocked: set) -> None:
    """Reject inconsistent date pairs; the endpoints they touch become NA."""
    for earlier, later, hit in ORDER_RULES:
        first, second = dates[earlier], dates[later]
        if first is not None and second is not None and second < first:
            blocked |= set(hit)
            rejects.append(
                _reject(
                    row,
                    later,
                    "date_order",
                    f"{later} {second} is before {earlier} {first}; {_na_text(hit)}",
                )
            )


def pfs(
    start: date | None, progression, death, last_assessment
) -> tuple[float, object, str | None]:
    """(PFS days, event 1/0, note when NA)."""
    if start is None:  # a row without start_date is refused before (_row_refusal)
        return np.nan, pd.NA, "PFS NA: no start_date"
    events = [d for d in (progression, death) if d is not None]
    if events:
        return float((min(events) - start).days), 1, None
    if last_assessment is None:
        return np.nan, pd.NA, "PFS NA: no event and no last_assessment_date"
    return float((last_assessment - start).days), 0, None


def pfs_6m(pfs_days: float, event, horizon: float = protocol.PFS_6M_DAYS):
    """1 progression-free beyond ``horizon`` days, 0 event by then, NA censored by then."""
    if pd.isna(pfs_days):
        return pd.NA
    if pfs_days > horizon:
        return 1
    return 0 if event == 1 else pd.NA


def overall_survival(diagnosis, death, last_followup) -> tuple[float, object, str | None]:
    """(OS days from diagnosis, event 1/0, note when NA)."""
    if diagnosis is None:
        return np.nan, pd.NA, "OS NA: diagnosis_date missing"
    if death is not None:
        return float((death - diagnosis).days), 1, None
    if last_followup is None:
        return np.nan, pd.NA, "OS NA: alive and no last_followup_date"
    return float((last_followup - diagnosis).days), 0, None


def objective_response(best, responders=("CR", "PR"), ne_is_non_response: bool = True):
    """1 responder, 0 non-responder (NE counts as 0 unless ne_is_non_response is False)."""
    if best is None:
        return pd.NA
    if best == "NE" and not ne_is_non_response:
        return pd.NA
    return int(best in responders)


def _response(row: dict, column: str, allowed, rejects: list):
    value = row.get(column)
    if value is not None and value not in allowed:
        rejects.append(
            _reject(
                row,
                column,
                "value_not_in_vocabulary",
                _not_in(column, value, allowed) + "; set to NA",
            )
        )
        return None
    return value


def _optional_date(row: dict, column: str, rejects: list):
    """(date or None, ok): an invalid ISO date is rejected and ok is False."""
    try:
        return parse_date(row.get(column)), True
    except ValueError:
        rejects.append(
            _reject(
                row,
                column,
                "date_not_iso",
                f"{row[column]!r}; PFS censoring-rule columns set to NA",
            )
        )
        return None, False


def _rule_columns(row: dict, dates: dict, rejects: list, rules: dict) -> dict:
    """PFS under the censoring rules (outcome.censoring) and the per_protocol flag."""
    new_therapy, ok_therapy = _optional_date(row, "new_therapy_date", rejects)
    assessments, ok_list = None, True
    if rules["has_assessments"]:
        try:
            assessments = censoring.parse_assessments(row.get("assessment_dates"), parse_date)
        except ValueError:
            ok_list = False
            rejects.append(
                _reject(
                    row,
                    "assessment_dates",
                    "date_not_iso",
                    f"{row['assessment_dates']!r} is not a ';'-separated list of ISO dates; "
                    "censoring-rule columns set to NA",
                )
            )
    try:
        flag = censoring.per_protocol(row.get("per_protocol"))
    except ValueError:
        flag = pd.NA
        rejects.append(
            _reject(
                row,
                "per_protocol",
                "value_not_in_vocabulary",
                f"per_protocol {row['per_protocol']!r} not 1 or 0; set to NA",
            )
        )
    values = censoring.rule_values(
        {**dates, "new_therapy_date": new_therapy},
        assessments,
        rules["interval"],
        rules["window"],
        rules["has_new_therapy"],
    )
    if not (ok_therapy and ok_list) or "pfs" in rules["blocked"]:
        values.update(dict.fromkeys(censoring.RULE_COLUMNS, pd.NA))
    return {"per_protocol": flag, **values}


def endpoint_row(
    row: dict,
    rejects: list,
    horizon: float = protocol.PFS_6M_DAYS,
    ne_is_non_response: bool = True,
    rules: dict | None = None,
) -> dict:
    """clinical_endpoints row of one accepted clinical row (``rules``: censoring settings)."""
    blocked: set = set()
    dates = _dates(row, rejects, blocked)
    _check_order(row, dates, rejects, blocked)
    notes = []
    pfs_days, pfs_event, note = pfs(
        dates["start_date"],
        dates["progression_date"],
        dates["death_date"],
        dates["last_assessment_date"],
    )
    if "pfs" in blocked:
        pfs_days, pfs_event, note = np.nan, pd.NA, "PFS NA: invalid or inconsistent dates"
    notes.append(note)
    os_days, os_event, note = overall_survival(
        dates["diagnosis_date"], dates["death_date"], dates["last_followup_date"]
    )
    if "os" in blocked:
        os_days, os_event, note = np.nan, pd.NA, "OS NA: invalid or inconsistent dates"
    notes.append(note)
    best = _response(row, "best_response", protocol.RESPONSES, rejects)
    ibest = _response(row, "best_response_irecist", protocol.IRESPONSES, rejects)
    return {
        "patient": row["patient"],
        "arm": row["arm"],
        "histology": row["histology"],
        "line": int(row["line"]),
        "start_date": row["start_date"],
        "pfs_days": pfs_days,
        "pfs_event": pfs_event,
        "pfs_6m": pfs_6m(pfs_days, pfs_event, horizon),
        "os_days": os_days,
        "os_event": os_event,
        "best_response": best,
        "objective_response": objective_response(best, ne_is_non_response=ne_is_non_response),
        "best_response_irecist": ibest,
        "objective_response_irecist": objective_response(
            ibest, ("iCR", "iPR"), ne_is_non_response
        ),
        "progression_date": (
            None
            if "pfs" in blocked or dates["progression_date"] is None
            else dates["progression_date"].isoformat()
        ),
        "endpoint_notes": "; ".join(n for n in notes if n) or None,
        **_rule_columns(row, dates, rejects, {**(rules or default_rules()), "blocked": blocked}),
        **irecist.from_row(
            row,
            dates,
            {**(rules or default_rules()), "blocked": blocked},
            parse_date,
            lambda column, code, detail: rejects.append(_reject(row, column, code, detail)),
        ),
    }


def default_rules(
    columns=OPTIONAL_COLUMNS,
    interval: float = censoring.ASSESSMENT_INTERVAL_DAYS,
    window: float = censoring.ASSESSMENT_WINDOW_DAYS,
    unconfirmed: str = irecist.UNCONFIRMED_RULE,
) -> dict:
    """Censoring settings: which optional columns the clinical table has, schedule, and the
    iRECIST rule for an unconfirmed iUPD (outcome.irecist)."""
    return {
        "has_new_therapy": "new_therapy_date" in columns,
        "has_irecist_dates": "iupd_date" in columns,
        "unconfirmed": unconfirmed,
        "has_assessments": "assessment_dates" in columns,
        "interval": interval,
        "window": window,
    }


def _duplicates(clinical: pd.DataFrame, rejects: list) -> pd.DataFrame:
    """Rows of a patient listed more than once: identical copies keep the first, rows that
    differ are all rejected."""
    content = [c for c in clinical.columns if c not in ("_row", "_file")]
    keep = []
    for _, group in clinical.groupby("patient", sort=False, dropna=False):
        if len(group) == 1 or group["patient"].isna().all():
            keep.extend(group.index)
            continue
        identical = len(group[content].drop_duplicates()) == 1
        if identical:
            keep.append(group.index[0])
        for index in group.index[1:] if identical else group.index:
            rejects.append(
                _reject(
                    clinical.loc[index].to_dict(),
                    "patient",
                    "duplicate_row" if identical else "conflicting_duplicate",
                    f"patient listed {len(group)} times",
                )
            )
    return clinical.loc[sorted(keep)]


def derive(
    clinical: pd.DataFrame,
    horizon: float = protocol.PFS_6M_DAYS,
    ne_is_non_response: bool = True,
    interval: float = censoring.ASSESSMENT_INTERVAL_DAYS,
    window: float = censoring.ASSESSMENT_WINDOW_DAYS,
    unconfirmed: str = irecist.UNCONFIRMED_RULE,
) -> tuple[pd.DataFrame, list[Reject]]:
    """clinical_endpoints (one row per accepted patient, sorted) and the rejects. A patient
    id must obey the identifier rule in full (stereosarc.protocol.is_identifier)."""
    rejects: list[Reject] = []
    rules = default_rules(clinical.columns, interval, window, unconfirmed)
    clinical = clinical.assign(**{c: None for c in OPTIONAL_COLUMNS if c not in clinical})
    rows = []
    for row in _duplicates(clinical, rejects).to_dict("records"):
        refusal = _row_refusal(row)
        if refusal:
            column, code, detail = refusal
            rejects.append(_reject(row, column, code, detail + "; row not used"))
            continue
        rows.append(endpoint_row(row, rejects, horizon, ne_is_non_response, rules))
    table = pd.DataFrame(rows, columns=OUTPUT_COLUMNS).sort_values("patient")
    return table.reset_index(drop=True), rejects
