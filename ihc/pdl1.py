"""PD-L1 scores per tissue block: CPS, TPS (22C3 definitions) and SP142 IC categories.

- CPS (combined positive score, PD-L1 IHC 22C3 pharmDx interpretation manual):
  (PD-L1+ tumour cells + PD-L1+ lymphocytes + PD-L1+ macrophages) / viable tumour cells
  × 100, capped at 100. Dimensionless score on 0–100.
- TPS (tumour proportion score): PD-L1+ tumour cells / viable tumour cells × 100, in %.
- Both are not evaluable (NA with a reason) under ``min_viable_tumour_cells`` viable tumour
  cells (22C3 manual: at least 100 viable tumour cells).
- A pathologist's CPS or TPS given directly (metric ``cps``/``tps``) is taken as given and
  wins over the value computed from counts for the same block.
- SP142 immune-cell score (``ic_percent``, % of tumour area occupied by PD-L1+ immune cells)
  is binned IC0 < 1 % ≤ IC1 < 5 % ≤ IC2 < 10 % ≤ IC3 (VENTANA PD-L1 SP142 interpretation
  guide).
Values are never rounded here: thresholds downstream compare the unrounded score.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MIN_VIABLE_TUMOUR_CELLS = 100  # 22C3 pharmDx interpretation manual: ≥ 100 viable tumour cells
CPS_CAP = 100.0  # 22C3 pharmDx: CPS values above 100 are reported as 100
IC_BOUNDS = (1.0, 5.0, 10.0)  # VENTANA SP142 guide: IC0 <1, IC1 1–<5, IC2 5–<10, IC3 ≥10 %
IC_LABELS = ("IC0", "IC1", "IC2", "IC3")
COUNT_METRICS = (
    "viable_tumour_cells",
    "pdl1_pos_tumour_cells",
    "pdl1_pos_lymphocytes",
    "pdl1_pos_macrophages",
)


def cps_from_counts(
    tumour_pos, lymph_pos, macro_pos, viable, min_viable: int = MIN_VIABLE_TUMOUR_CELLS
) -> tuple[float, str | None]:
    """(CPS, reason it is NA). CPS = (T+ + L+ + M+) / viable tumour cells × 100, capped at 100."""
    missing = [
        n
        for n, v in (
            ("pdl1_pos_tumour_cells", tumour_pos),
            ("pdl1_pos_lymphocytes", lymph_pos),
            ("pdl1_pos_macrophages", macro_pos),
            ("viable_tumour_cells", viable),
        )
        if pd.isna(v)
    ]
    if missing:
        return np.nan, f"CPS not computed: {', '.join(missing)} missing"
    if viable < min_viable:
        return np.nan, f"CPS not evaluable: {viable:g} viable tumour cells < {min_viable}"
    score = (tumour_pos + lymph_pos + macro_pos) / viable * 100.0
    return min(score, CPS_CAP), None


def tps_from_counts(
    tumour_pos, viable, min_viable: int = MIN_VIABLE_TUMOUR_CELLS
) -> tuple[float, str | None]:
    """(TPS %, reason it is NA). TPS = PD-L1+ tumour cells / viable tumour cells × 100."""
    if pd.isna(tumour_pos) or pd.isna(viable):
        return np.nan, "TPS not computed: pdl1_pos_tumour_cells or viable_tumour_cells missing"
    if viable < min_viable:
        return np.nan, f"TPS not evaluable: {viable:g} viable tumour cells < {min_viable}"
    return tumour_pos / viable * 100.0, None


def ic_category(ic_percent: float) -> str | None:
    """SP142 IC0–IC3 category of an immune-cell percentage (None when NA)."""
    if pd.isna(ic_percent):
        return None
    return IC_LABELS[int(np.searchsorted(IC_BOUNDS, ic_percent, side="right"))]


def block_scores(
    metrics: dict[str, float], min_viable: int = MIN_VIABLE_TUMOUR_CELLS
) -> dict[str, object]:
    """CPS and TPS of one block from its PD-L1 metrics {metric: value}; given values win.

    Returns cps, cps_source ('given'/'counts'/None), cps_na_reason, tps, tps_source,
    tps_na_reason, ic_percent.
    """
    get = lambda name: metrics.get(name, np.nan)  # noqa: E731
    out: dict[str, object] = {"ic_percent": get("ic_percent")}
    counts_present = any(name in metrics for name in COUNT_METRICS)
    for score, compute in (
        (
            "cps",
            lambda: cps_from_counts(
                get("pdl1_pos_tumour_cells"),
                get("pdl1_pos_lymphocytes"),
                get("pdl1_pos_macrophages"),
                get("viable_tumour_cells"),
                min_viable,
            ),
        ),
        (
            "tps",
            lambda: tps_from_counts(
                get("pdl1_pos_tumour_cells"), get("viable_tumour_cells"), min_viable
            ),
        ),
    ):
        if score in metrics:
            out.update(
                {score: metrics[score], f"{score}_source": "given", f"{score}_na_reason": None}
            )
        elif counts_present:
            value, reason = compute()
            out.update({score: value, f"{score}_source": "counts", f"{score}_na_reason": reason})
        else:
            out.update(
                {
                    score: np.nan,
                    f"{score}_source": None,
                    f"{score}_na_reason": f"no {score.upper()} or PD-L1 counts",
                }
            )
    return out
