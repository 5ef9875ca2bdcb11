"""A declared field that never carries a value is refused, not passed silently (issue 15).

Fixtures in tests/data/tmb: ``empty_gnomade_af.vcf`` declares INFO/gnomADe_AF and fills it in
no record (the real-world case: the germline filter became a no-op); its twin
``gnomade_af_one_value.vcf`` fills it once (0.03, above 0.001: that allele is germline);
``empty_format_af.vcf`` declares FORMAT/AF and writes '.' everywhere. How many values each
field holds is counted by bcftools query on the same file.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from stereosarc.tables import read_output_table
from tests.conftest import require_tool
from tmb.cli import main

DATA = Path(__file__).resolve().parents[1] / "data" / "tmb"


def bcftools_values(vcf: Path, expression: str) -> int:
    """Records whose ``expression`` (bcftools query format) is not missing."""
    out = subprocess.run(
        [require_tool("bcftools"), "query", "-f", expression + "\n", str(vcf)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return sum(value not in (".", "") for value in out.splitlines())


def run(tmp_path, vcf: Path, *extra) -> int:
    bed = tmp_path / "panel.bed"
    bed.write_text("chr1\t0\t1000000\n")
    return main(
        [
            "--vcf",
            str(vcf),
            "--sample",
            "T1",
            "--patient",
            "P1",
            "--panel-bed",
            str(bed),
            "--panel-is-coding",
            "--out-summary",
            str(tmp_path / "s.tsv"),
            "--out-trace",
            str(tmp_path / "t.tsv"),
            *extra,
        ]
    )


def error_line(capsys) -> str:
    lines = [row for row in capsys.readouterr().err.splitlines() if row.startswith("tmb-calc")]
    assert len(lines) == 1
    return lines[0]


def test_empty_declared_population_field_is_refused(tmp_path, capsys):
    vcf = DATA / "empty_gnomade_af.vcf"
    assert bcftools_values(vcf, "%INFO/gnomADe_AF") == 0
    assert run(tmp_path, vcf) == 2
    line = error_line(capsys)
    assert "INFO/gnomADe_AF" in line and "any of 5 records" in line
    assert not (tmp_path / "s.tsv").exists() and not (tmp_path / "t.tsv").exists()


def test_override_warns_and_lists_the_field(tmp_path, capsys):
    assert run(tmp_path, DATA / "empty_gnomade_af.vcf", "--allow-empty-fields") == 0
    row = read_output_table(tmp_path / "s.tsv").iloc[0]
    assert row["empty_fields"] == "INFO/gnomADe_AF" and row["variants_counted"] == 5
    assert "WARNING" in capsys.readouterr().err


def test_switching_the_filter_off_needs_no_override(tmp_path):
    assert run(tmp_path, DATA / "empty_gnomade_af.vcf", "--max-pop-af", "1") == 0
    assert read_output_table(tmp_path / "s.tsv").isna().iloc[0]["empty_fields"]


def test_one_value_is_enough_and_is_used(tmp_path):
    vcf = DATA / "gnomade_af_one_value.vcf"
    assert bcftools_values(vcf, "%INFO/gnomADe_AF") == 1
    assert run(tmp_path, vcf) == 0
    trace = read_output_table(tmp_path / "t.tsv")
    assert trace["population_ok"].tolist() == [1, 1, 0, 1, 1]  # 0.03 > 0.001 at POS 1200
    assert read_output_table(tmp_path / "s.tsv").iloc[0]["variants_counted"] == 4


def test_empty_format_af_is_refused_when_the_vaf_filter_is_on(tmp_path, capsys):
    vcf = DATA / "empty_format_af.vcf"
    assert bcftools_values(vcf, "[%AF]") == 0 and bcftools_values(vcf, "[%AD]") == 4
    assert run(tmp_path, vcf) == 2
    assert "FORMAT/AF (or switch off: --min-vaf/--max-vaf)" in error_line(capsys)
    assert run(tmp_path, vcf, "--min-vaf", "0", "--max-vaf", "1") == 0


@pytest.mark.parametrize("records", [0])
def test_a_vcf_without_records_is_not_refused(tmp_path, records):
    text = (DATA / "empty_gnomade_af.vcf").read_text()
    header = "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))
    vcf = tmp_path / "header_only.vcf"
    vcf.write_text(header)
    assert run(tmp_path, vcf) == 0
    assert read_output_table(tmp_path / "s.tsv").iloc[0]["records_read"] == records
