"""Model status of each associations.tsv row, derived from its columns (pure), and the report
section listing the rows that are not simply "fitted".

Rule (columns estimate, statistic, p_value, note):

- a row has a result when estimate, statistic or p_value is not NA;
- no result, note containing "skipped"                     -> ``skipped``;
- no result, otherwise                                      -> ``refused`` (the note gives why);
- a result, note saying a part was refused ("not fitted", "not tested", "refused"; e.g. the
  landmark Cox fitted while its arm interaction was refused) -> ``fitted, a part refused``;
- a result, note with a caution ("unstable", "separation", "Firth", "events per variable")
                                                            -> ``fitted, with a caution``;
- a result otherwise                                        -> ``fitted``.

So a model that produced its estimate is never listed as refused.
"""

from __future__ import annotations

import re

import pandas as pd

from outcome import report_html as h
from outcome.report_format import marker_label, method_label, ratio_ci

TITLE = "Model status: refused, skipped and partly refused models"
REFUSED_WORDS = re.compile(r"not fitted|not tested|refused")  # a refusal written in a note
SKIPPED_WORDS = re.compile(r"skipped")  # a skip written in a note
CAUTION_WORDS = re.compile(r"unstable|separation|Firth|events per variable")  # fitted, warned
STATUS_ORDER = ("refused", "skipped", "fitted, a part refused", "fitted, with a caution")


def model_status(associations: pd.DataFrame) -> pd.Series:
    """Status of every row (module doc), index aligned with ``associations``."""
    note = associations["note"].fillna("").astype(str)
    result = pd.Series(False, index=associations.index)
    for column in ("estimate", "statistic", "p_value"):
        if column in associations:
            result |= pd.to_numeric(associations[column], errors="coerce").notna()
    status = pd.Series("fitted", index=associations.index)
    status[result & note.str.contains(CAUTION_WORDS)] = "fitted, with a caution"
    status[result & note.str.contains(REFUSED_WORDS)] = "fitted, a part refused"
    status[~result] = "refused"
    status[~result & note.str.contains(SKIPPED_WORDS)] = "skipped"
    return status


def status_table(associations: pd.DataFrame) -> pd.DataFrame:
    """Rows that are not plainly fitted, refused and skipped first, in words."""
    status = model_status(associations)
    rank = status.map({s: i for i, s in enumerate(STATUS_ORDER)})
    rows = associations.assign(status=status, _rank=rank)[rank.notna()]
    rows = rows.sort_values("_rank", kind="mergesort")
    return pd.DataFrame(
        {
            "status": rows["status"],
            "biomarker": rows["biomarker"].map(marker_label),
            "analysis": rows["method"].map(method_label),
            "group": rows["group"].fillna("") if "group" in rows else "",
            "n": rows["n"],
            "estimate (95% CI)": [
                ratio_ci(e, lo, hi)
                for e, lo, hi in zip(
                    rows["estimate"], rows["ci_low"], rows["ci_high"], strict=True
                )
            ],
            "reason or caution": rows["note"].map(reason),
        }
    )


def reason(note: object) -> str:
    """The part of a note that says what was refused or why (after the last ';' that does)."""
    text = "" if pd.isna(note) else str(note)
    parts = [p.strip() for p in text.split(";")]
    said = [p for p in parts if REFUSED_WORDS.search(p) or CAUTION_WORDS.search(p)]
    return "; ".join(said) or text


def section(associations: pd.DataFrame | None) -> str:
    """HTML of the section: counts per status, then the rows that are not plainly fitted."""
    if associations is None or associations.empty:
        return h.section(TITLE, h.none("associations.tsv not given"))
    counts = model_status(associations).value_counts().rename_axis("status")
    table = status_table(associations)
    return h.section(
        TITLE,
        h.paragraph(
            "Status read from associations.tsv: a row with an estimate, statistic or p-value "
            "was fitted; a fitted row whose note says a part was not fitted (for example the "
            "arm interaction) is 'fitted, a part refused', never 'refused'. Rows per status:"
        )
        + h.table(counts.rename("rows").reset_index())
        + (h.table(table) if len(table) else "<p>Every model was fitted.</p>")
        + h.download(
            associations.assign(model_status=model_status(associations)),
            "associations_with_model_status.tsv",
        ),
    )
