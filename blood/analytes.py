"""The blood analytes of the protocol, their units and plausibility limits.

Canonical units: blood counts in 10^9 cells/L, CRP in mg/L, albumin in g/L. Each row is
converted with an explicit factor per (analyte, unit); an unknown unit is refused, never
guessed (DESIGN.md). The pre-flight (stereosarc.table_checks) and labs-markers use this one
table, so a unit one accepts the other converts.
"""

from __future__ import annotations

ANALYTES = (
    "neutrophils",
    "lymphocytes",
    "monocytes",
    "platelets",
    "leukocytes",
    "crp",
    "albumin",
)  # DESIGN.md blood long format
COUNTS = ("neutrophils", "lymphocytes", "monocytes", "platelets", "leukocytes")
_COUNT_UNITS = {
    "10^9/L": 1.0,
    "10^9/l": 1.0,
    "G/L": 1.0,
    "G/l": 1.0,  # giga-cells per litre
    "/uL": 1e-3,
    "/ul": 1e-3,
    "/mm3": 1e-3,
    "/mm^3": 1e-3,
}  # 1/µL = 10^6/L
UNIT_FACTORS = {  # (analyte -> {unit spelling: factor to canonical unit}); DESIGN.md units only
    **{a: _COUNT_UNITS for a in COUNTS},
    "crp": {"mg/L": 1.0, "mg/l": 1.0, "mg/dL": 10.0, "mg/dl": 10.0},  # 1 dL = 0.1 L
    "albumin": {"g/L": 1.0, "g/l": 1.0, "g/dL": 10.0, "g/dl": 10.0},
}
CANONICAL = {**{a: f"{a}_1e9_per_l" for a in COUNTS}, "crp": "crp_mg_l", "albumin": "albumin_g_l"}
# impossible (rejected) above these canonical values; negative values are always impossible.
IMPOSSIBLE_ABOVE = {  # project choice: ~2x the highest values reported in hyperleukocytosis,
    "neutrophils": 1000.0,
    "lymphocytes": 1000.0,
    "monocytes": 1000.0,  # thrombocytosis,
    "leukocytes": 1000.0,
    "platelets": 5000.0,  # and above analyser reportable ranges
    "crp": 1000.0,  # CRP assays report up to ~500 mg/L after dilution
    "albumin": 100.0,
}  # serum total protein is ~60–80 g/L: albumin cannot exceed it
# unusual (kept, flagged) outside these canonical ranges: CTCAE v5 grade 4 (counts) and
# grade 3 (albumin < 20 g/L) limits below; above: project choice (reactive extremes).
UNUSUAL_RANGE = {
    "neutrophils": (0.5, 30.0),
    "lymphocytes": (0.2, 30.0),
    "monocytes": (0.0, 10.0),
    "leukocytes": (1.0, 100.0),
    "platelets": (25.0, 1000.0),
    "crp": (0.0, 300.0),
    "albumin": (20.0, 55.0),
}


def convert(analyte: str, value: float, unit: str | None) -> float | None:
    """``value`` in the canonical unit of ``analyte``; None when the unit is unknown."""
    factor = UNIT_FACTORS[analyte].get(
        (unit or "").replace(" ", "").replace("µ", "u").replace("μ", "u")
    )
    return None if factor is None else value * factor
