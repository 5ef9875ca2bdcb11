"""Allele depth, depth and VAF from each caller's own FORMAT fields (issue 15).

One fixture per caller in tests/data/tmb/callers, in that caller's exact header and FORMAT
layout (VEP CSQ added, as after annotation): Mutect2 (tumour/normal, ##tumor_sample),
Strelka2 SNVs (tier counts AU/CU/GU/TU) and indels (TAR/TIR), VarScan2 (RD, AD = alt depth,
FREQ '22.22%'), VarDict (tumour first), FreeBayes (AD, and RO/AO where AD is missing) and
DRAGEN. The expected values are computed here from ``bcftools query`` on the same file with
each caller's published rule (Strelka2: tier 1, VAF = alt / (ref + alt)); the counted
alleles follow from the default thresholds (VAF 0.05-0.9, depth >= 50, alt reads >= 3).
"""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import pytest

from stereosarc.tables import read_output_table
from tests.conftest import require_tool
from tmb import callers
from tmb.cli import main

DATA = Path(__file__).resolve().parents[1] / "data" / "tmb" / "callers"


def _ints(text: str) -> list[float]:
    return [math.nan if v in (".", "") else float(v) for v in text.split(",")]


def _standard(f: dict, n_alt: int):
    ad = _ints(f["AD"])
    return float(f["DP"]), ad[1:], [float(v) for v in f["AF"].split(",")]


def _freebayes(f: dict, n_alt: int):
    ad = _ints(f["AD"]) if f["AD"] not in (".", "") else [float(f["RO"])] + _ints(f["AO"])
    return float(f["DP"]), ad[1:], [a / sum(ad) for a in ad[1:]]


def _varscan(f: dict, n_alt: int):
    return float(f["DP"]), [float(f["AD"])], [float(f["FREQ"].rstrip("%")) / 100]


def _strelka(f: dict, n_alt: int, ref: str, alt: str):
    if f.get("TAR", ".") not in (".", ""):
        ref_reads, alt_reads = _ints(f["TAR"])[0], _ints(f["TIR"])[0]
    else:
        ref_reads, alt_reads = (_ints(f[f"{base}U"])[0] for base in (ref, alt))
    return float(f["DP"]), [alt_reads], [alt_reads / (ref_reads + alt_reads)]


CASES = {  # fixture: (caller, tumour sample, FORMAT keys queried)
    "mutect2.vcf": ("mutect2", "S1-T", ("AD", "DP", "AF")),
    "dragen.vcf": ("dragen", "S1-T", ("AD", "DP", "AF")),
    "vardict.vcf": ("vardict", "S1-T", ("AD", "DP", "AF")),
    "freebayes.vcf": ("freebayes", "S1-T", ("AD", "DP", "RO", "AO")),
    "varscan2.vcf": ("varscan2", "TUMOR", ("RD", "AD", "DP", "FREQ")),
    "strelka2_snvs.vcf": ("strelka2", "TUMOR", ("DP", "AU", "CU", "GU", "TU")),
    "strelka2_indels.vcf": ("strelka2", "TUMOR", ("DP", "TAR", "TIR")),
}


def bcftools_alleles(vcf: Path, sample: str, keys: tuple, caller: str) -> list[tuple]:
    """(pos, alt, filter, depth, alt_reads, vaf) per ALT allele from bcftools query."""
    fmt = "%POS\t%REF\t%ALT\t%FILTER\t" + "\t".join(f"[%{k}]" for k in keys) + "\n"
    out = subprocess.run(
        [require_tool("bcftools"), "query", "-s", sample, "-f", fmt, str(vcf)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows = []
    for line in out.splitlines():
        pos, ref, alts, filt, *values = line.split("\t")
        fields, alts = dict(zip(keys, values)), alts.split(",")
        if caller == "strelka2":
            depth, alt_reads, vaf = _strelka(fields, len(alts), ref, alts[0])
        else:
            rule = {"freebayes": _freebayes, "varscan2": _varscan}.get(caller, _standard)
            depth, alt_reads, vaf = rule(fields, len(alts))
        rows += [(int(pos), alt, filt, depth, a, v) for alt, a, v in zip(alts, alt_reads, vaf)]
    return rows


def run(tmp_path, vcf: Path, sample: str):
    bed = tmp_path / "panel.bed"
    bed.write_text("chr1\t0\t1000000\n")
    code = main(
        [
            "--vcf",
            str(vcf),
            "--sample",
            sample,
            "--patient",
            "P1",
            "--panel-bed",
            str(bed),
            "--panel-is-coding",
            "--max-pop-af",
            "1",
            "--out-summary",
            str(tmp_path / "s.tsv"),
            "--out-trace",
            str(tmp_path / "t.tsv"),
        ]
    )
    assert code == 0
    return read_output_table(tmp_path / "s.tsv").iloc[0], read_output_table(tmp_path / "t.tsv")


@pytest.mark.parametrize("fixture", sorted(CASES))
def test_caller_format_read_like_bcftools(tmp_path, fixture):
    caller, tumour, keys = CASES[fixture]
    vcf = DATA / fixture
    assert callers.detect(vcf.read_text()) == caller
    # --sample names no VCF column: the tumour comes from ##tumor_sample, TUMOR, or is named
    summary, trace = run(tmp_path, vcf, tumour if caller in ("vardict", "dragen") else "X1")
    assert summary["caller"] == caller and summary["vcf_sample"] == tumour
    expected = bcftools_alleles(vcf, tumour, keys, caller)
    assert len(trace) == len(expected)
    for row, (pos, alt, filt, depth, alt_reads, vaf) in zip(trace.itertuples(), expected):
        assert (row.pos, row.alt) == (pos, alt)
        assert row.depth == depth and row.alt_reads == alt_reads
        assert row.vaf == pytest.approx(vaf, abs=1e-9)
        passes = filt in ("PASS", ".") and 0.05 <= vaf <= 0.9 and depth >= 50 and alt_reads >= 3
        assert row.counted == int(passes), (fixture, pos, alt)
    assert summary["variants_counted"] == sum(
        1
        for *_, d, a, v in expected
        if 0.05 <= v <= 0.9 and d >= 50 and a >= 3 and _[2] in ("PASS", ".")
    )
    assert 0 < summary["variants_counted"] < len(expected)  # both sides exercised


def test_varscan_ad_is_the_alt_depth_not_allele_depths(tmp_path):
    """Read as a generic VCF, VarScan2's AD (Number=1) would give no alt reads at all."""
    _, trace = run(tmp_path, DATA / "varscan2.vcf", "TUMOR")
    assert trace["alt_reads"].tolist() == [20, 3, 12, 10]
    assert trace["vaf"].tolist() == pytest.approx([0.2222, 0.0429, 0.2, 0.1667])
    assert trace["vaf_source"].tolist() == ["FORMAT/AF"] * 4  # FREQ is the caller's VAF


def test_unknown_caller_reads_ad_dp_af():
    assert callers.detect("##fileformat=VCFv4.2\n##source=MyCaller\n") == "generic"
    assert callers.format_keys("generic", {"AD", "DP", "AF", "GT"}) == (
        ("AD", 0),
        ("DP", 1),
        ("AF", 2),
    )


@pytest.mark.parametrize("fixture", sorted(CASES))
def test_bcf_twin_of_each_caller_fixture_reads_the_same(tmp_path, fixture):
    caller, tumour, _ = CASES[fixture]
    bcf = tmp_path / fixture.replace(".vcf", ".bcf")
    subprocess.run(
        [require_tool("bcftools"), "view", "-Ob", "-o", str(bcf), str(DATA / fixture)], check=True
    )
    summary, trace = run(tmp_path, DATA / fixture, tumour)
    twin_summary, twin = run(tmp_path, bcf, tumour)
    for column in ("pos", "alt", "depth", "alt_reads", "counted", "reason"):
        assert twin[column].tolist() == trace[column].tolist(), column
    assert twin["vaf"].tolist() == pytest.approx(trace["vaf"].tolist(), rel=1e-6)  # BCF float32
    assert twin_summary["variants_counted"] == summary["variants_counted"]


def test_mutect2_multi_sample_needs_the_tumour_named(tmp_path, capsys):
    """Mutect2 with two tumours of one patient: two ##tumor_sample lines; --sample picks the
    column, and without a match the run is refused rather than taking the first tumour."""
    text = (DATA / "mutect2.vcf").read_text()
    text = text.replace("##tumor_sample=S1-T", "##tumor_sample=S1-T\n##tumor_sample=S1-T2")
    lines = []
    for line in text.splitlines():
        if line.startswith("#CHROM"):
            line += "\tS1-T2"
        elif not line.startswith("#"):
            line += "\t0/1:60,40:0.4:100:30,20:30,20:30,30,20,20"
        lines.append(line)
    vcf = tmp_path / "mutect2_two_tumours.vcf"
    vcf.write_text("\n".join(lines) + "\n")
    summary, trace = run(tmp_path, vcf, "S1-T2")
    assert summary["vcf_sample"] == "S1-T2" and trace["alt_reads"].tolist()[0] == 40
    bed = tmp_path / "panel.bed"
    assert (
        main(
            [
                "--vcf",
                str(vcf),
                "--sample",
                "X1",
                "--patient",
                "P1",
                "--panel-bed",
                str(bed),
                "--panel-is-coding",
                "--max-pop-af",
                "1",
                "--out-summary",
                str(tmp_path / "x.tsv"),
                "--out-trace",
                str(tmp_path / "xt.tsv"),
            ]
        )
        == 2
    )
    assert "tumour sample 'X1' not found" in capsys.readouterr().err
