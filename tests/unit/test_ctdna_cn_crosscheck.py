"""ctdna.cn against an independent base-R implementation of the same definitions
(normalisation by the reference-target median, scaling to the PoN reference by the median
ratio over reference targets, two-pass PoN median per target, gene log2 ratio,
leave-one-out PoN predictive t and its pt() p-value, f = 2 (R - 1) / (C - 2)) on a seeded
simulated cohort."""

from __future__ import annotations

import subprocess

import numpy as np
import pandas as pd
import pytest

from ctdna import cn
from tests.conftest import require_tool
from tests.unit.test_ctdna_cn import SEED, simulate

R_SCRIPT = r"""
args <- commandArgs(trailingOnly = TRUE)
d <- read.delim(args[1], stringsAsFactors = FALSE)
ref <- grepl("^BACKBONE", d$gene)
med <- tapply(d$mean_fragment_depth[ref], d$sample[ref], median)
d$norm <- d$mean_fragment_depth / med[d$sample]
d$key <- paste(d$chrom, d$start, d$end, d$gene)
pon <- sort(unique(d$sample[grepl("^pon", d$sample)]))
scaled <- function(rows, refv) {  # divide by the median ratio over reference targets
  r <- rows[grepl("^BACKBONE", rows$gene) & refv[rows$key] > 0, ]
  f <- tapply(r$norm / refv[r$key], r$sample, median)
  rows$norm / f[rows$sample]
}
reference <- function(samples) {  # two passes: plain median, then median of scaled
  rows <- d[d$sample %in% samples, ]
  rows$scaled <- scaled(rows, tapply(rows$norm, rows$key, median))
  tapply(rows$scaled, rows$key, median)
}
gene_log2 <- function(s, ref_samples) {
  refv <- reference(ref_samples)
  own <- d[d$sample == s, ]
  own$scaled <- scaled(own, refv)
  g <- own[own$gene == "MDM2", ]
  log2(sum(g$scaled) / sum(refv[g$key]))
}
loo <- sapply(pon, function(s) gene_log2(s, setdiff(pon, s)))
out <- data.frame(sample = sort(unique(d$sample)))
out$log2_ratio <- sapply(out$sample, function(s)
  if (s %in% pon) loo[[s]] else gene_log2(s, pon))
out$z <- sapply(seq_len(nrow(out)), function(i) {
  s <- out$sample[i]; others <- loo[names(loo) != s]; n <- length(others)
  (out$log2_ratio[i] - mean(others)) / (sd(others) * sqrt(1 + 1 / n))
})
out$n <- sapply(out$sample, function(s) sum(names(loo) != s))
out$p <- pt(out$z, out$n - 1, lower.tail = FALSE)
C <- as.numeric(args[3])
out$tf <- pmin(pmax(2 * (2^out$log2_ratio - 1) / (C - 2), 0), 1)
write.table(out, args[2], sep = "\t", quote = FALSE, row.names = FALSE)
"""


@pytest.mark.crosscheck
def test_cn_matches_base_r(tmp_path):
    rscript = require_tool("Rscript")
    rng = np.random.default_rng(SEED)
    print("seed", SEED)
    plasma = [(f"p{i}", f, 20.0) for i, f in enumerate([0.0, 0.01, 0.05, 0.2])]
    depth = simulate(rng, n_pon=8, plasma=plasma)
    depth.to_csv(tmp_path / "depth.tsv", sep="\t", index=False)
    (tmp_path / "cn.R").write_text(R_SCRIPT)
    subprocess.run(
        [
            rscript,
            str(tmp_path / "cn.R"),
            str(tmp_path / "depth.tsv"),
            str(tmp_path / "r.tsv"),
            "20",
        ],
        check=True,
        capture_output=True,
    )
    expected = pd.read_csv(tmp_path / "r.tsv", sep="\t").set_index("sample")
    norm = cn.normalise_depth(depth, ["MDM2"], [])
    pon = [s for s in norm["sample"].unique() if s.startswith("pon")]
    copies = pd.Series({name: c for name, _, c in plasma})
    ours = cn.call_gene(norm, pon, "MDM2", copy_numbers=copies).set_index("sample")
    ours = ours.loc[expected.index]
    np.testing.assert_allclose(ours["log2_ratio"], expected["log2_ratio"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours["z"], expected["z"], rtol=1e-9)
    np.testing.assert_allclose(ours["p_value"], expected["p"], rtol=1e-9, atol=1e-300)
    plasma_ids = [name for name, _, _ in plasma]
    np.testing.assert_allclose(
        ours.loc[plasma_ids, "tf_cn"], expected.loc[plasma_ids, "tf"], rtol=0, atol=1e-12
    )
