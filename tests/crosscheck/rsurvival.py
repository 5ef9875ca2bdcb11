"""Running R (Rscript with library(survival)) from the outcome cross-checks.

Tests skip, with the reason, only when Rscript is absent. With R present but the survival
package missing they fail with the install hint: a skip would hide a broken CI set-up.
R prints ``key value value ...`` lines; NA becomes NaN, Inf stays Inf.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

R_MISSING = (
    "Rscript not on PATH: install r-base-core and r-cran-survival (Debian) to run "
    "the R cross-checks of outcome/"
)
requires_r = pytest.mark.skipif(shutil.which("Rscript") is None, reason=R_MISSING)
R_TIMEOUT = 120  # seconds: each script runs in well under 5 s


def run_r(script: str, folder: Path, *arguments: str) -> dict[str, np.ndarray]:
    """Run ``script`` with Rscript in ``folder``; parse its ``key values`` output lines."""
    path = Path(folder) / "check.R"
    path.write_text(script)
    run = subprocess.run(
        ["Rscript", str(path), *arguments],
        capture_output=True,
        text=True,
        timeout=R_TIMEOUT,
        check=False,
        cwd=folder,
    )
    if "there is no package called" in run.stderr:
        pytest.fail(
            "R is installed but a package is missing (install r-cran-survival): "
            + run.stderr.strip().splitlines()[-1]
        )
    assert run.returncode == 0, run.stderr
    values = {}
    for line in run.stdout.splitlines():
        key, *numbers = line.split()
        values[key] = np.array([np.nan if v == "NA" else float(v) for v in numbers])
    return values


# Time-varying Cox built independently from the two files: survival::tmerge places each
# sample's detected status on the PFS clock (tdc), intervals before the first sample have
# detected NA and are dropped, as are samples without a date or a status and relapse samples
# (descriptive only: drawn at suspected progression).
TIME_VARYING_SCRIPT = r"""
suppressMessages(library(survival))
a <- commandArgs(TRUE)
b <- read.delim(a[1], na.strings = "NA", stringsAsFactors = FALSE)
s <- read.delim(a[2], na.strings = "NA", stringsAsFactors = FALSE)
b <- b[!is.na(b$pfs_days) & !is.na(b$pfs_event) & b$pfs_days > 0,
       c("patient", "histology", "line", "start_date", "pfs_days", "pfs_event")]
s$day <- as.numeric(as.Date(s$collection_date) -
                    as.Date(b$start_date[match(s$patient, b$patient)]))
s <- s[!is.na(s$day) & !is.na(s$detected) & s$patient %in% b$patient &
       s$timepoint != "relapse", ]
base <- tmerge(b, b, id = patient, pfs = event(pfs_days, pfs_event))
tv <- tmerge(base, s, id = patient, detected = tdc(day, detected))
tv <- tv[!is.na(tv$detected), ]
f <- coxph(Surv(tstart, tstop, pfs) ~ detected + strata(histology, line), data = tv)
cat("tv", format(c(coef(f), sqrt(diag(vcov(f))), summary(f)$coefficients[, "Pr(>|z|)"],
                   length(unique(tv$patient)), sum(tv$pfs)), digits = 15), "\n")
"""
