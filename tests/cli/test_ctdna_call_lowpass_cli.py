"""ctdna-call --lowpass: low-pass WGS rows of ctdna.tsv and the choice among methods in
ctdna_dynamics.tsv, on the hand-built cohort of test_ctdna_call_cli (P1: panel positive at
baseline, informative negative at month 6; P2: MDM2 positive; P3: panel not informative).

Low-pass samples added (samplesheet column ``assay`` = ``lowpass_wgs``) with hand-written
ctdna-lowpass results:
- P1_LB (baseline): not detected, LoD 0.03 <= --max-lod 0.05 -> an informative negative;
- P1_LM6 (month 6): detected, TF 0.08 (0.05-0.11) -> a positive, which outranks the panel's
  negative at month 6, so baseline (panel) and month 6 (low-pass) come from different
  methods and the change is not computed;
- P3_LB: not detected, LoD 0.08 > 0.05 -> NA below_lod;
- P2_LB: absent from lowpass_samples.tsv -> NA not_assessable;
- GHOST_L: a result of no low-pass sample of the samplesheet -> rejected (unknown_sample).
"""

# ruff: noqa: E712  (tables hold 1/0 integers: compare with ==)
from __future__ import annotations

import math

import pandas as pd
import pytest

from ctdna import lowpass_levels
from stereosarc.tables import read_output_table
from tests.cli import test_ctdna_call_cli as panel
from tests.cli.test_ctdna_call_cli import _run

cohort = pytest.fixture(panel.cohort.__wrapped__, name="cohort")  # the panel test's cohort

LOWPASS_SAMPLES = [
    ("P1", "P1_LB", "baseline"),
    ("P1", "P1_LM6", "month6"),
    ("P2", "P2_LB", "baseline"),
    ("P3", "P3_LB", "baseline"),
]
LOWPASS_HEADER = (
    "patient\tsample\ttimepoint\tmethod\ttumour_fraction\ttf_ci_low\ttf_ci_high\tploidy\t"
    "detected\tlod95_tf\treason_code\treason"
)
LOWPASS_ROWS = [
    "P1\tP1_LB\tbaseline\tlowpass_wgs\t\t\t\t2\t0\t0.03\tnot_detected\tnot detected",
    "P1\tP1_LM6\tmonth6\tlowpass_wgs\t0.08\t0.05\t0.11\t2.1\t1\t0.03\t\t",
    "P3\tP3_LB\tbaseline\tlowpass_wgs\t\t\t\t2\t0\t0.08\tbelow_lod\tbelow LoD",
    "\tGHOST_L\tbaseline\tlowpass_wgs\t\t\t\t2\t0\t0.03\t\t",
]


def _with_lowpass_sheet(folder, assay_only: bool = False) -> None:
    """Add the ``assay`` column (capture for the existing rows) and, unless ``assay_only``,
    the low-pass plasma rows to the cohort's samplesheet."""
    path = folder / "samplesheet.valid.csv"
    lines = path.read_text().splitlines()
    out = [lines[0] + ",assay", *(line + ",capture" for line in lines[1:])]
    if not assay_only:
        out += [
            f"{p},{s},plasma,{t},,{folder}/{s}.bam,3.3,2024-0{i + 1}-11,lowpass_wgs"
            for i, (p, s, t) in enumerate(LOWPASS_SAMPLES)
        ]
    path.write_text("\n".join(out) + "\n")


def _lowpass_table(folder):
    path = folder / "lowpass_samples.tsv"
    path.write_text("\n".join([LOWPASS_HEADER, *LOWPASS_ROWS]) + "\n")
    return path


def _panel_rows(out) -> pd.DataFrame:
    table = read_output_table(out / "ctdna.tsv")
    return table[table["method"] == "targeted_panel"].reset_index(drop=True)


def test_lowpass_rows_calls_and_rejects(cohort):
    tmp_path, depth, sites = cohort
    code, plain = _run(tmp_path, depth, sites)
    assert code == 0
    _with_lowpass_sheet(tmp_path)
    code, out = _run(tmp_path, depth, sites, "--lowpass", str(_lowpass_table(tmp_path)))
    assert code == 0
    ctdna = read_output_table(out / "ctdna.tsv")
    # the panel rows are those of the run without low-pass samples, value for value
    pd.testing.assert_frame_equal(_panel_rows(out), _panel_rows(plain))
    assert list(ctdna["sample"]) == sorted(ctdna["sample"], key=lambda s: (s[:2], s))
    rows = ctdna.set_index("sample")
    negative = rows.loc["P1_LB"]
    assert negative["method"] == "lowpass_wgs" and negative["detected"] == 0
    assert negative["markers_informative"] == "genome_cn" and negative["lod95_tf"] == 0.03
    assert math.isnan(negative["tumour_fraction"]) and negative["tf_source"] == "none"
    assert math.isnan(negative["p_value"]) and negative["n_sites"] == 0
    assert negative["hge_per_ml"] == pytest.approx(1000.0)  # 3.3 ng/mL / 3.3 pg
    positive = rows.loc["P1_LM6"]
    assert positive["detected"] == 1 and positive["tf_source"] == "lowpass"
    assert (positive["tumour_fraction"], positive["tf_ci_low"], positive["tf_ci_high"]) == (
        0.08,
        0.05,
        0.11,
    )
    assert (
        positive["detection_source"] == "lowpass" and positive["markers_positive"] == "genome_cn"
    )
    below = rows.loc["P3_LB"]
    assert math.isnan(below["detected"]) and below["reason_code"] == "below_lod"
    assert "LoD95 0.08 above --max-lod 0.05" in below["reason"]
    absent = rows.loc["P2_LB"]
    assert absent["reason_code"] == "not_assessable"
    assert absent["reason"].endswith(lowpass_levels.NO_RESULT)

    dyn = read_output_table(out / "ctdna_dynamics.tsv").set_index("patient")
    p1 = dyn.loc["P1"]
    assert (p1["baseline_sample"], p1["month6_sample"]) == ("P1_B", "P1_LM6")
    assert p1["month6_tf_source"] == "lowpass" and p1["month6_detected"] == 1
    for column in ("tf_log2_fold_change", "molecular_response", "clearance"):
        assert math.isnan(p1[column]), column  # panel at baseline, low-pass at month 6
    assert "from different methods: not compared" in p1["reason"]
    assert dyn.loc["P2", "baseline_sample"] == "P2_B"  # panel positive over low-pass NA
    assert dyn.loc["P3", "baseline_sample"] == "P3_B"  # both NA: the panel row

    rejects = read_output_table(out / "rejects_ctdna.tsv")
    ghost = rejects[rejects["detail"].fillna("").str.contains("GHOST_L")]
    assert list(ghost["code"]) == ["unknown_sample"]
    assert list(ghost["file"]) == ["lowpass_samples.tsv"] and list(ghost["row"]) == [5]
    assert "ctdna_repeat_timepoint" not in set(rejects["code"])  # another method: no repeat
    not_evaluable = rejects[rejects["code"] == "ctdna_sample_not_evaluable"]["detail"]
    assert not_evaluable.str.startswith(("P2_LB", "P3_LB")).sum() == 2


def test_lowpass_samples_without_table_are_na_with_reason(cohort):
    tmp_path, depth, sites = cohort
    _with_lowpass_sheet(tmp_path)
    code, out = _run(tmp_path, depth, sites)
    assert code == 0
    low = read_output_table(out / "ctdna.tsv").query("method == 'lowpass_wgs'")
    assert sorted(low["sample"]) == sorted(s for _, s, _ in LOWPASS_SAMPLES)
    assert low["detected"].isna().all() and set(low["reason_code"]) == {"not_assessable"}
    assert low["reason"].str.endswith(lowpass_levels.NO_TABLE).all()


def test_assay_column_alone_changes_no_output_byte(cohort):
    """A capture-only run gives the same bytes with or without the assay column (the
    byte-for-byte comparison with the code before low-pass was made when it was written)."""
    tmp_path, depth, sites = cohort
    code, plain = _run(tmp_path, depth, sites)
    assert code == 0
    texts = {p.name: p.read_bytes() for p in sorted(plain.iterdir())}
    _with_lowpass_sheet(tmp_path, assay_only=True)
    code, out = _run(tmp_path, depth, sites)
    assert code == 0
    assert {p.name: p.read_bytes() for p in sorted(out.iterdir())} == texts


def test_lowpass_detected_not_zero_or_one_is_refused(cohort, capsys):
    tmp_path, depth, sites = cohort
    _with_lowpass_sheet(tmp_path)
    path = _lowpass_table(tmp_path)
    path.write_text(path.read_text().replace("\t1\t0.03\t\t\n", "\t2\t0.03\t\t\n", 1))
    code, _ = _run(tmp_path, depth, sites, "--lowpass", str(path))
    assert code == 2
    assert "lowpass_samples.tsv row 3, column detected: 2 is not 1, 0 or empty" in (
        capsys.readouterr().err
    )
