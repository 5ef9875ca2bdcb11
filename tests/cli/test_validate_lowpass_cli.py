"""Pre-flight of the samplesheet column assay (issue 13): each refusal of a low-pass row is
one line naming file, row and column; a capture-only samplesheet is unchanged apart from the
assay column (capture) of the validated samplesheet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ctdna.lowpass_pon import MIN_PON
from stereosarc import lowpass_checks, validate
from tests.cli import test_validate_cli
from tests.conftest import HG38_CHR17, write_bam

REPO = Path(__file__).resolve().parents[2]
cohort = test_validate_cli.cohort  # the valid minimal cohort (fixture)
run = test_validate_cli.run


def _lowpass(cohort, n_pon=5, fasta_length=HG38_CHR17):
    """The cohort plus a low-pass plasma and n_pon low-pass PoN rows, and the FASTA's .fai."""
    folder = cohort["dir"]
    rows = [dict(r) for r in cohort["rows"]]
    write_bam(folder / "P1-LP.bam")
    rows.append({"patient": "P1", "sample": "P1-LP", "type": "plasma", "timepoint": "baseline",
                 "bam": "P1-LP.bam", "assay": "lowpass_wgs"})  # fmt: skip
    for i in range(1, n_pon + 1):
        write_bam(folder / f"LPON{i}.bam")
        rows.append({"sample": f"LPON{i}", "type": "pon", "bam": f"LPON{i}.bam",
                     "assay": "lowpass_wgs"})  # fmt: skip
    (folder / "lowpass.fa").write_text(">chr17\nACGT\n")
    (folder / "lowpass.fa.fai").write_text(f"chr17\t{fasta_length}\t7\t4\t5\n")
    return rows, ["--lowpass-fasta", str(folder / "lowpass.fa")]


def test_the_min_pon_is_the_models():
    assert lowpass_checks.LOWPASS_MIN_PON == MIN_PON


def test_low_pass_rows_pass_and_capture_rows_get_the_default(cohort, capsys):
    rows, extra = _lowpass(cohort)
    code, _ = run(cohort, capsys, extra=extra, rows=rows)
    assert code == 0
    valid = pd.read_csv(cohort["dir"] / "valid.csv", dtype=str, keep_default_na=False)
    assay = valid.set_index("sample")["assay"]
    assert assay["P1-LP"] == "lowpass_wgs" and assay["LPON3"] == "lowpass_wgs"
    assert assay["P1-B"] == "capture" and assay["P1-T"] == "capture"


def test_unknown_assay_value(cohort, capsys):
    rows, extra = _lowpass(cohort)
    rows[3]["assay"] = "wgs"
    code, line = run(cohort, capsys, extra=extra, rows=rows)
    assert code == 2 and "row 5, column assay: 'wgs' is not one of capture, lowpass_wgs" in line


def test_low_pass_row_without_bam(cohort, capsys):
    rows, extra = _lowpass(cohort)
    rows[4]["bam"] = ""
    code, line = run(cohort, capsys, extra=extra, rows=rows)
    assert code == 2 and "row 6, column bam: is required" in line


@pytest.mark.parametrize("row, message", [
    (3, "row 5, column vcf: a lowpass_wgs row takes no VCF"),
    (0, "row 2, column type: a lowpass_wgs row is plasma or pon"),
])  # fmt: skip
def test_low_pass_row_with_a_vcf_or_of_a_tumour(cohort, capsys, row, message):
    rows, extra = _lowpass(cohort)
    rows[row].update(vcf="P1-T.vcf.gz", assay="lowpass_wgs")
    code, log = run(cohort, capsys, extra=extra, rows=rows, whole_log=True)
    assert code == 2 and message in log


def test_low_pass_pon_below_the_minimum(cohort, capsys):
    rows, extra = _lowpass(cohort, n_pon=3)
    code, line = run(cohort, capsys, extra=extra, rows=rows)
    assert code == 2
    assert "rows 6, 7, 8, column type: 3 lowpass_wgs pon row(s); a low-pass panel of " \
           "normals needs at least 5" in line  # fmt: skip


def test_no_low_pass_pon_is_allowed(cohort, capsys):
    rows, extra = _lowpass(cohort, n_pon=0)
    assert run(cohort, capsys, extra=extra, rows=rows)[0] == 0


def test_low_pass_rows_need_the_fasta(cohort, capsys):
    rows, _ = _lowpass(cohort)
    code, line = run(cohort, capsys, rows=rows)
    assert code == 2 and "row 5, column assay: 6 lowpass_wgs row(s) need --lowpass_fasta" in line


def test_fasta_of_another_build(cohort, capsys):
    rows, extra = _lowpass(cohort, fasta_length=HG38_CHR17 - 1)
    code, line = run(cohort, capsys, extra=extra, rows=rows)
    assert code == 2
    assert f"row 5, column bam: contig chr17 is {HG38_CHR17} bp in the BAM header but " \
           f"{HG38_CHR17 - 1} bp in lowpass.fa" in line  # fmt: skip


def test_without_a_ctdna_stage_the_fasta_is_not_needed(cohort):
    rows, _ = _lowpass(cohort)
    pd.DataFrame(rows).to_csv(cohort["dir"] / "sheet.csv", index=False)
    sheet = validate.validate_samplesheet(
        cohort["dir"] / "sheet.csv", REPO / "assets" / "schema_input.json"
    )
    assert (sheet["assay"] == "lowpass_wgs").sum() == 6  # an IHC-only batch of the same sheet
