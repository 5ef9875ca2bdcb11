"""PFS/OS day counts and pfs_6m cross-checked against R date arithmetic (Rscript)."""

from __future__ import annotations

import subprocess
from datetime import date, timedelta

import numpy as np
import pandas as pd

from outcome import endpoints
from tests.conftest import require_tool

SEED = 20240601  # project seed (docs/development.md)
R_SCRIPT = r"""
x <- read.csv(commandArgs(TRUE)[1], na.strings = "", stringsAsFactors = FALSE)
d <- function(v) as.Date(v)
ev <- pmin(d(x$progression_date), d(x$death_date), na.rm = TRUE)
pfs <- ifelse(is.na(ev), d(x$last_assessment_date) - d(x$start_date), ev - d(x$start_date))
event <- as.integer(!is.na(ev))
p6 <- ifelse(pfs > 182.625, 1L, ifelse(event == 1, 0L, NA))
os_end <- ifelse(is.na(x$death_date), x$last_followup_date, x$death_date)
os <- as.numeric(d(os_end) - d(x$diagnosis_date))
write.csv(data.frame(patient = x$patient, pfs = as.numeric(pfs), event = event, p6 = p6, os = os),
          stdout(), row.names = FALSE, na = "NA")
"""


def random_clinical(n: int, rng) -> pd.DataFrame:
    rows = []
    for i in range(n):
        start = date(2023, 1, 1) + timedelta(days=int(rng.integers(0, 365)))
        last = start + timedelta(days=int(rng.integers(1, 400)))
        progression = (
            start + timedelta(days=int(rng.integers(1, 400))) if rng.random() < 0.5 else None
        )
        last = max(last, progression or last)
        death = last + timedelta(days=int(rng.integers(0, 200))) if rng.random() < 0.3 else None
        followup = death or last + timedelta(days=int(rng.integers(0, 100)))
        rows.append(
            {
                "patient": f"P{i:02d}",
                "arm": "SBRT",
                "histology": "liposarcoma",
                "line": "1",
                "start_date": start.isoformat(),
                "progression_date": progression and progression.isoformat(),
                "death_date": death and death.isoformat(),
                "last_assessment_date": last.isoformat(),
                "last_followup_date": followup.isoformat(),
                "diagnosis_date": (start - timedelta(days=int(rng.integers(30, 900)))).isoformat(),
                "best_response": "SD",
            }
        )
    return pd.DataFrame(rows)


def test_endpoints_match_r_date_arithmetic(tmp_path):
    rscript = require_tool("Rscript")
    rng = np.random.default_rng(SEED)
    print("seed", SEED)
    clinical = random_clinical(40, rng)
    clinical.to_csv(tmp_path / "clinical.csv", index=False)
    (tmp_path / "check.R").write_text(R_SCRIPT)
    result = subprocess.run(
        [rscript, str(tmp_path / "check.R"), str(tmp_path / "clinical.csv")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    (tmp_path / "r.csv").write_text(result.stdout)
    expected = pd.read_csv(tmp_path / "r.csv").set_index("patient")
    table = clinical.assign(_row=range(1, 41), _file="clinical.csv")
    table = table.astype(object).where(table.notna(), None)
    ours, rejects = endpoints.derive(table)
    ours = ours.set_index("patient")
    assert rejects == []
    for column, r_column in (
        ("pfs_days", "pfs"),
        ("pfs_event", "event"),
        ("pfs_6m", "p6"),
        ("os_days", "os"),
    ):
        np.testing.assert_array_equal(
            pd.to_numeric(ours[column]).astype(float).to_numpy(),
            expected[r_column].to_numpy(float),
            err_msg=column,
        )
    assert ours["pfs_6m"].isna().any() and ours["pfs_event"].eq(1).any()  # both branches hit
