"""SNV model statistics against R (Rscript, base stats only): pooled tail and TF interval.

R computes, independently of the Python code:
- P(X1 + X2 + X3 >= x) for independent binomials by explicit double sum of dbinom/pbinom;
- the TF maximum likelihood with optimize() and the 95 % likelihood-ratio bounds with uniroot()
  on sum(dbinom(a, d, p(TF), log = TRUE)), p(TF) = TF/2 (1 - e) + (1 - TF/2) e.
"""

from __future__ import annotations

import subprocess

import pandas as pd
import pytest

from ctdna import snv
from tests.conftest import require_tool

ALT = [4, 2, 7]
DEPTH = [3100, 2500, 4000]
RATE = [2e-4, 5e-4, 1e-3]

R_CODE = """
a <- c({alt}); d <- c({depth}); e <- c({rate})
x <- sum(a)
tail <- 0
for (k1 in 0:x) for (k2 in 0:(x - k1)) {{
  k3 <- x - k1 - k2
  tail <- tail + dbinom(k1, d[1], e[1]) * dbinom(k2, d[2], e[2]) *
          pbinom(k3 - 1, d[3], e[3], lower.tail = FALSE)
}}
# P(X >= x) = sum over k1, k2 with k1 + k2 <= x of P(k1) P(k2) P(X3 >= x - k1 - k2)
# plus the mass with k1 + k2 > x (then X3 >= 0 always)
rest <- 0
for (k1 in 0:d[1]) {{ if (dbinom(k1, d[1], e[1]) < 1e-300) next
  rest <- rest + dbinom(k1, d[1], e[1]) * pbinom(x - k1, d[2], e[2], lower.tail = FALSE) }}
tail <- tail + rest
ll <- function(tf) {{ p <- tf / 2 * (1 - e) + (1 - tf / 2) * e; sum(dbinom(a, d, p, log = TRUE)) }}
fit <- optimize(ll, c(0, 1), maximum = TRUE, tol = 1e-12)
drop <- qchisq(0.95, 1) / 2
g <- function(tf) ll(tf) - fit$objective + drop
low <- uniroot(g, c(0, fit$maximum), tol = 1e-12)$root
high <- uniroot(g, c(fit$maximum, 1), tol = 1e-12)$root
cat(sprintf("%.15g %.15g %.15g %.15g\\n", tail, fit$maximum, low, high))
"""


def test_pooled_p_value_and_tf_interval_match_r():
    rscript = require_tool("Rscript")
    code = R_CODE.format(
        alt=",".join(map(str, ALT)), depth=",".join(map(str, DEPTH)), rate=",".join(map(str, RATE))
    )
    out = subprocess.run([rscript, "-e", code], check=True, capture_output=True, text=True).stdout
    tail, tf, low, high = map(float, out.split())
    sites = pd.DataFrame(
        {
            "chrom": "chr17",
            "pos": [1, 2, 3],
            "ref": "C",
            "alt": "T",
            "variant_type": "snv",
            "tissue_vaf": 0.3,
            "alt_fragments": ALT,
            "depth_fragments": DEPTH,
        }
    )
    background = pd.DataFrame(
        {
            "chrom": "chr17",
            "pos": [1, 2, 3],
            "ref": "C",
            "alt": "T",
            "error_rate": RATE,
            "blacklisted": False,
            "blacklist_reason": None,
        }
    )
    call = snv.call_sample(sites, background)
    assert call.p_value == pytest.approx(tail, rel=1e-8)
    assert call.tumour_fraction == pytest.approx(tf, rel=1e-5, abs=1e-9)
    assert call.tf_ci_low == pytest.approx(low, rel=1e-5, abs=1e-9)
    assert call.tf_ci_high == pytest.approx(high, rel=1e-5)
