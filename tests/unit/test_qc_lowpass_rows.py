"""The QC view reads the capture plasma and PoN rows only: low-pass WGS rows (samplesheet
column assay = lowpass_wgs) have no ctdna-count tables (issue 13)."""

from __future__ import annotations

from qc.io import read_samples

SHEET = """patient,sample,type,timepoint,assay
P1,P1-T,tumour,,capture
P1,P1-B,plasma,baseline,capture
P1,P1-B-LP,plasma,baseline,lowpass_wgs
,PON1,pon,,capture
,LPON1,pon,,lowpass_wgs
"""


def test_low_pass_rows_are_not_qc_samples(tmp_path):
    (tmp_path / "sheet.csv").write_text(SHEET)
    assert list(read_samples(tmp_path / "sheet.csv")["sample"]) == ["P1-B", "PON1"]


def test_a_samplesheet_without_assay_keeps_every_plasma_row(tmp_path):
    (tmp_path / "sheet.csv").write_text("sample,type\nP1-B,plasma\nPON1,pon\nP1-T,tumour\n")
    assert list(read_samples(tmp_path / "sheet.csv")["sample"]) == ["P1-B", "PON1"]
