"""ctdna-lowpass's log2 ratios against a direct computation from samtools: simulated BAMs of
the demo's reduced genome (stereosarc.demo.lowpass; a plasma at TF 0.3 with an arm gain, a
chromosome loss and a focal gain, and 5 normals; seed printed) binned by ctdna-bin, then
ctdna-lowpass; beside it, per autosomal bin, computed here from samtools output only:

- fragments: ``samtools view -F 0xF04 -q 20 -e '(mpos>pos || (mpos==pos && flag.read1))'``
  (the documented one-count-per-fragment rule), counted by POS into 50 kb bins;
- GC: (G + C) / (A + C + G + T) of ``samtools faidx`` per contig;
- corrected depth as docs/ctdna.md states it: rate = fragments / bin length; fit bins =
  GC known, rate > 0, inside the 1-99 % rate and 0.1-99.9 % GC quantiles; statsmodels lowess
  of log rate on GC (frac 0.3, 3 iterations) interpolated; rate / exp(fit), divided by its
  median over the fit bins;
- log2 ratio = log2 depth of the plasma - median over the normals of their log2 depth.

Equal to 1e-9 on every bin the ratios table does not mask."""

from __future__ import annotations

import subprocess

import numpy as np
import pandas as pd
import pytest
from statsmodels.nonparametric.smoothers_lowess import lowess

from ctdna.bin_cli import bin_main
from ctdna.lowpass_cli import lowpass_main
from stereosarc.demo import lowpass, lowpass_io, lowpass_plan
from stereosarc.tables import read_output_table
from tests.conftest import require_tool

pytestmark = pytest.mark.crosscheck
SEED = 20240601
BIN = lowpass_plan.BIN_SIZE
AUTOSOMES = ["chr1", "chr2", "chr3"]
NAMES = ["T1"] + [f"N{i}" for i in range(1, 6)]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    print(f"seed {SEED}")
    folder = tmp_path_factory.mktemp("lowpass_command")
    sequences = lowpass.reference_genome(SEED, lowpass_plan.GENOME)
    fasta = lowpass_io.write_reference(sequences, folder / "reference.fa")
    rng = np.random.default_rng(SEED)
    for name in NAMES:
        tumour_fraction = 0.3 if name == "T1" else 0.0
        blocks = lowpass.block_table(sequences, lowpass_plan.tumour_profile(2), "female")
        fragments = lowpass.draw_fragments(blocks, tumour_fraction, 0.6, rng)
        records = lowpass.plasma_records(fragments, list(sequences), rng)
        bam = lowpass_io.write_lowpass_bam(records, sequences, folder / f"{name}.bam", name)
        out = str(folder / f"{name}.tsv")
        assert bin_main(["--bam", str(bam), "--sample", name, "--fasta", str(fasta),
                         "--bin-size", str(BIN), "--out", out]) == 0  # fmt: skip
    (folder / "sheet.csv").write_text("patient,sample,type,timepoint\nP1,T1,plasma,baseline\n")
    pon = [str(folder / f"{name}.tsv") for name in NAMES[1:]]
    assert lowpass_main(["--samplesheet", str(folder / "sheet.csv"), "--bins",
                         str(folder / "T1.tsv"), "--pon-bins", *pon, "--outdir",
                         str(folder)]) == 0  # fmt: skip
    return folder, fasta


def _fragments(samtools, bam) -> pd.DataFrame:
    command = [samtools, "view", "-F", "0xF04", "-q", "20", "-e",
               "(mpos>pos || (mpos==pos && flag.read1))", str(bam), *AUTOSOMES]  # fmt: skip
    text = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    reads = pd.DataFrame([line.split("\t")[2:4] for line in text.splitlines()],
                         columns=["chrom", "pos"])  # fmt: skip
    reads["start"] = (reads["pos"].astype(int) - 1) // BIN * BIN
    return reads.groupby(["chrom", "start"]).size().rename("fragments").reset_index()


def _gc(samtools, fasta) -> pd.DataFrame:
    rows = []
    for chrom in AUTOSOMES:
        text = subprocess.run([samtools, "faidx", str(fasta), chrom], check=True,
                              capture_output=True, text=True).stdout  # fmt: skip
        sequence = "".join(text.splitlines()[1:]).upper()
        for start in range(0, len(sequence), BIN):
            piece = sequence[start : start + BIN]
            acgt = sum(piece.count(base) for base in "ACGT")
            gc = (piece.count("G") + piece.count("C")) / acgt if acgt else np.nan
            rows.append((chrom, start, min(start + BIN, len(sequence)), gc))
    return pd.DataFrame(rows, columns=["chrom", "start", "end", "gc"])


def _log2_depth(bins: pd.DataFrame) -> np.ndarray:
    rate = (bins["fragments"] / (bins["end"] - bins["start"])).to_numpy()
    gc = bins["gc"].to_numpy()
    fit = ~np.isnan(gc) & (rate > 0)
    low, high = np.quantile(rate[fit], [0.01, 0.99])
    gc_low, gc_high = np.quantile(gc[fit], [0.001, 0.999])
    fit &= (rate >= low) & (rate <= high) & (gc >= gc_low) & (gc <= gc_high)
    curve = lowess(np.log(rate[fit]), gc[fit], frac=0.3, it=3, delta=0.0, return_sorted=True)
    depth = rate / np.exp(np.interp(gc, curve[:, 0], curve[:, 1]))
    with np.errstate(divide="ignore"):
        return np.log2(depth / np.median(depth[fit]))


def test_log2_ratios_equal_the_direct_computation(run):
    samtools = require_tool("samtools")
    folder, fasta = run
    gc = _gc(samtools, fasta)
    depths = {}
    for name in NAMES:
        bins = gc.merge(_fragments(samtools, folder / f"{name}.bam"), how="left")
        depths[name] = _log2_depth(bins.fillna({"fragments": 0}))
    expected = depths["T1"] - np.median(np.column_stack([depths[n] for n in NAMES[1:]]), axis=1)
    table = read_output_table(folder / "lowpass_ratios.tsv")
    table = gc[["chrom", "start"]].merge(table, how="left")
    kept = table["masked"] == 0
    assert kept.sum() >= 75  # of 80 autosomal bins
    np.testing.assert_allclose(table.loc[kept, "log2_ratio"], expected[kept.to_numpy()],
                               rtol=0, atol=1e-9)  # fmt: skip
    samples = read_output_table(folder / "lowpass_samples.tsv")
    assert samples["detected"].iloc[0] == 1  # TF 0.3 with a gain, a loss and an amplicon
