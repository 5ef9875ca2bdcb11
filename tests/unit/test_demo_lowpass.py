"""Low-pass WGS samples of the demo (stereosarc/demo/lowpass_plan.py): the subset and its
truth, the BAMs read by samtools against the reduced-genome FASTA, and one ctdna-bin run."""

from __future__ import annotations

import subprocess
import time

import pandas as pd
import pytest

from ctdna.bin_cli import bin_main
from stereosarc.demo import lowpass_plan
from stereosarc.demo.cli import main
from stereosarc.tables import read_output_table
from tests.conftest import require_tool

SEED = 20240601


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo_lp") / "demo"
    assert main(["--outdir", str(folder), "--patients", "5", "--pon", "1", "--seed",
                 str(SEED)]) == 0  # fmt: skip
    return folder


def test_subset_is_the_same_draw_as_its_capture_sample(demo):
    print(f"seed {SEED}")
    shallow = pd.read_csv(demo / "truth_lowpass.tsv", sep="\t")
    capture = pd.read_csv(demo / "truth.tsv", sep="\t").set_index("sample")
    plasma = shallow[shallow["type"] == "plasma"]
    same = capture.loc[plasma["sample"].str.removesuffix("-LP"), "tumour_fraction"]
    assert list(plasma["tumour_fraction"]) == pytest.approx(list(same))
    assert (plasma["timepoint"] == "baseline").sum() == min(lowpass_plan.N_BASELINE, 5)
    assert (shallow["type"] == "pon").sum() == lowpass_plan.N_PON
    assert set(plasma["ploidy"]) <= {2, 3}


def test_bams_match_the_fasta_and_are_readable(demo):
    samtools = require_tool("samtools")
    bams = sorted((demo / "lowpass").glob("*.bam"))
    subprocess.run([samtools, "quickcheck", *map(str, bams)], check=True)
    fai = pd.read_csv(demo / lowpass_plan.REFERENCE.replace(".fa", ".fa.fai"), sep="\t",
                      header=None)  # fmt: skip
    assert dict(zip(fai[0], fai[1])) == lowpass_plan.GENOME
    header = subprocess.run([samtools, "view", "-H", str(bams[0])], check=True,
                            capture_output=True, text=True).stdout  # fmt: skip
    for chrom, length in lowpass_plan.GENOME.items():
        assert f"@SQ\tSN:{chrom}\tLN:{length}" in header


def test_one_bin_task_is_fast_and_has_about_250_fragments_per_bin(demo, tmp_path):
    began = time.process_time()
    out = tmp_path / "b.tsv"
    code = bin_main(["--bam", str(demo / "lowpass" / "LPON01.bam"), "--sample", "LPON01",
                     "--fasta", str(demo / lowpass_plan.REFERENCE), "--bin-size",
                     str(lowpass_plan.BIN_SIZE), "--out", str(out)])  # fmt: skip
    assert code == 0 and time.process_time() - began < 1.0
    bins = read_output_table(out)
    autosomes = bins[bins["chrom"].isin(["chr1", "chr2", "chr3"])]
    assert len(autosomes) == 80 and 200 < autosomes["fragments"].median() < 300
