"""ctdna-lowpass end to end: three simulated plasma samples' bins (one at TF 0.4) and a PoN of
5 (tests/lowpass_fixtures.py, seed printed) give the three tables; a PoN of 3 and a bins table
of another format are refused in one line (exit 2)."""

from __future__ import annotations

import pytest

from ctdna.lowpass_cli import lowpass_main
from stereosarc.tables import read_output_table, write_table
from tests.lowpass_fixtures import SEED, Simulator

SHEET = "patient,sample,type,timepoint\nP01,P01-B,plasma,baseline\n"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    print(f"seed {SEED}")
    folder = tmp_path_factory.mktemp("lowpass_cli")
    sim = Simulator(seed=SEED + 1)
    names = {"P01-B": 0.4} | {f"PON{i}": 0.0 for i in range(1, 6)}
    for name, tumour_fraction in names.items():
        table = sim.sample(name, tumour_fraction)
        write_table(table, folder / f"{name}.lowpass_bins.tsv", "ctdna_lowpass_bins")
    (folder / "samplesheet.csv").write_text(SHEET)
    return folder


def _argv(folder, n_pon=5):
    pon = [str(folder / f"PON{i}.lowpass_bins.tsv") for i in range(1, n_pon + 1)]
    return ["--samplesheet", str(folder / "samplesheet.csv"), "--bins",
            str(folder / "P01-B.lowpass_bins.tsv"), "--pon-bins", *pon]  # fmt: skip


def test_the_three_tables_are_written(inputs, tmp_path):
    assert lowpass_main([*_argv(inputs), "--outdir", str(tmp_path)]) == 0
    samples = read_output_table(tmp_path / "lowpass_samples.tsv")
    assert list(samples["sample"]) == ["P01-B"] and samples["detected"].iloc[0] == 1
    row = samples.iloc[0]
    assert row["tf_ci_low"] <= 0.4 <= row["tf_ci_high"]  # the interval covers the truth
    assert row["reference"] == "pon" and row["method"] == "lowpass_wgs"
    ratios = read_output_table(tmp_path / "lowpass_ratios.tsv")
    assert len(ratios) == 95 and set(ratios["masked"]) == {0, 1}
    segments = read_output_table(tmp_path / "lowpass_segments.tsv")
    assert segments["n_bins"].sum() == samples["bins_modelled"].iloc[0]


def test_a_small_pon_is_refused_in_one_line(inputs, tmp_path, capsys):
    assert lowpass_main([*_argv(inputs, 3), "--outdir", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "3 low-pass PoN sample(s); at least 5" in err
    assert not (tmp_path / "lowpass_samples.tsv").exists()


def test_a_table_that_is_not_a_bins_table_is_refused(inputs, tmp_path, capsys):
    (tmp_path / "x.tsv").write_text("sample\tchrom\nP01-B\tchr1\n")
    argv = ["--samplesheet", str(inputs / "samplesheet.csv"), "--bins", str(tmp_path / "x.tsv")]
    assert lowpass_main(argv) == 2
    assert "x.tsv: not a ctdna-bin table" in capsys.readouterr().err
