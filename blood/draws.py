"""Blood ratios from one draw, and censored lab values (method: docs/labs.md).

- Censored values: a lab value written ``<x`` or ``>x`` (below or above the assay's
  reportable range) is parsed to the bound x with its sign kept (``censored`` = "<" or ">").
  Its numeric value is unknown: it is NA wherever a number is needed (baseline column,
  ratios, changes) and is used only where the rule is decided whatever the true value
  (CRP ``<5`` mg/L is ≤ 10 mg/L: mGPS 0).
- Same draw: NLR (neutrophils / lymphocytes), PLR (platelets / lymphocytes) and LMR
  (lymphocytes / monocytes) come from one differential: a numerator row and a denominator
  row of the baseline window whose days differ by at most ``tolerance_days`` (default 0:
  the same day). Among such pairs the latest draw is used (largest later day, then smallest
  gap). No pair: the ratio is NA with the reason. CAR (CRP / albumin) and mGPS use the
  latest same-draw CRP/albumin pair when there is one, else the separate baseline values,
  flagged ``crp_albumin_same_draw`` = 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SAME_DAY_TOLERANCE_DAYS = 0  # DESIGN.md: blood ratios combine analytes of the same draw
DIFFERENTIAL_RATIOS = {
    "nlr": ("neutrophils", "lymphocytes"),
    "plr": ("platelets", "lymphocytes"),
    "lmr": ("lymphocytes", "monocytes"),
}
CRP_ALBUMIN = ("crp", "albumin")
CENSORING_SIGNS = ("<", ">")  # below / above the reportable range of the assay


def parse_value(text) -> tuple[float, str | None]:
    """(number, sign) of a lab value: '12.5' -> (12.5, None), '<5' -> (5.0, '<').

    Raises ValueError when the text (after an optional sign) is not a number.
    """
    text = str(text).strip() if text is not None else ""
    sign = text[0] if text[:1] in CENSORING_SIGNS else None
    return float(text[1:] if sign else text), sign


def same_draw_pairs(
    rows: pd.DataFrame, window_days: int, tolerance_days: int = SAME_DAY_TOLERANCE_DAYS
) -> pd.DataFrame:
    """Per patient and ratio (nlr, plr, lmr, car) the latest numerator/denominator pair of
    the baseline window [-window_days, 0] whose days differ by <= ``tolerance_days``.

    Columns: patient, ratio, day (later of the two), gap, and for side in (num, den):
    value_, censored_, day_, source_file_, source_row_.
    """
    window = rows[rows["day"].between(-window_days, 0)].reset_index(drop=True)
    window = window.assign(_position=np.arange(len(window)))
    columns = ["patient", "ratio", "day", "gap"] + [
        f"{field}_{side}"
        for side in ("num", "den")
        for field in ("value", "censored", "day", "source_file", "source_row")
    ]
    best = []
    for name, (numerator, denominator) in {**DIFFERENTIAL_RATIOS, "car": CRP_ALBUMIN}.items():
        pairs = window[window["analyte"] == numerator].merge(
            window[window["analyte"] == denominator], on="patient", suffixes=("_num", "_den")
        )
        pairs["gap"] = (pairs["day_num"] - pairs["day_den"]).abs()
        pairs = pairs[pairs["gap"] <= tolerance_days]
        pairs = pairs.assign(ratio=name, day=pairs[["day_num", "day_den"]].max(axis=1))
        # latest draw, then smallest gap, then input order (numerator row, denominator row)
        order = ["patient", "day", "gap", "_position_num", "_position_den"]
        pairs = pairs.sort_values(order, ascending=[True, False, True, True, True])
        best.append(pairs.drop_duplicates("patient"))
    chosen = pd.concat(best).sort_values("patient", kind="stable")
    return pd.DataFrame(chosen.reindex(columns=columns).to_dict("records")).reindex(
        columns=columns
    )


def used_rows(pairs: pd.DataFrame) -> set[tuple]:
    """(source_file, source_row) of every row a pair uses."""
    return {
        (f, r)
        for side in ("num", "den")
        for f, r in zip(pairs[f"source_file_{side}"], pairs[f"source_row_{side}"], strict=True)
    }


def differential_ratio(
    pair, numerator: str, denominator: str, tolerance_days: int, have: dict
) -> tuple[float, object, str | None]:
    """(ratio, day, note) from a same-draw pair; NA with the reason otherwise."""
    if pair is None:
        missing = [a for a in (numerator, denominator) if a not in have]
        if missing:
            return np.nan, pd.NA, f"no baseline {' or '.join(missing)}"
        return (
            np.nan,
            pd.NA,
            (
                f"no same-draw {numerator} and {denominator} within "
                f"{tolerance_days} days (latest: days {have[numerator].day}, "
                f"{have[denominator].day}): not combined"
            ),
        )
    signs = [s for s in (pair["censored_num"], pair["censored_den"]) if isinstance(s, str)]
    if signs:
        return np.nan, pair["day"], "censored value (<x or >x): ratio not computable"
    if pair["value_den"] == 0:
        return np.nan, pair["day"], f"{denominator} is 0"
    return float(pair["value_num"]) / float(pair["value_den"]), pair["day"], None


def decided_above(value: float, sign: str | None, cut: float) -> bool | None:
    """True when the (possibly censored) value is surely > cut, False when surely ≤ cut,
    None when a censored value leaves it open or the value is NA."""
    if pd.isna(value):
        return None
    if sign == "<":
        return False if value <= cut else None
    if sign == ">":
        return True if value >= cut else None
    return bool(value > cut)


MIRRORED_SIGN: dict[str | None, str | None] = {"<": ">", ">": "<"}  # the sign of -x


def decided_below(value: float, sign: str | None, cut: float) -> bool | None:
    """True when surely < cut, False when surely ≥ cut, None when open or NA: decided_above
    on the mirrored line (x < cut is -x > -cut, and '<x' becomes '>-x')."""
    if pd.isna(value):
        return None
    return decided_above(-value, MIRRORED_SIGN.get(sign, sign), -cut)
