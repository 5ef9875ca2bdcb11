"""Driver exclusion on by default: the bundled hotspot list and a COSMIC count (issue 15).

``tests/data/tmb/hotspot_alleles.vcf``: KRAS G12D and TP53 R273H / R175H (listed), TP53
7675088 C>G (same position as R175H, another allele: not listed; COSMIC 60), two passengers.
The expected sets come from bcftools on the same file: ``isec -C -c none`` against a VCF made
from the bundled list (exact-allele matching) and ``view -i`` on INFO/COSMIC_CNT.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from stereosarc.tables import read_output_table
from tests.conftest import require_tool
from tmb import drivers
from tmb.cli import main

DATA = Path(__file__).resolve().parents[1] / "data" / "tmb"
VCF = DATA / "hotspot_alleles.vcf"


def run(tmp_path, vcf: Path, *extra) -> tuple:
    bed = tmp_path / "panel.bed"
    contigs = ("chr12", "chr17") if "chr" in vcf.read_text().split("#CHROM")[1] else ("12", "17")
    bed.write_text("".join(f"{c}\t0\t1000000000\n" for c in contigs))
    code = main(
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
    if code:
        return code, None, None
    return (
        code,
        read_output_table(tmp_path / "s.tsv").iloc[0],
        read_output_table(tmp_path / "t.tsv"),
    )


def bundled_rows() -> list[list[str]]:
    lines = [
        line
        for line in drivers.bundled_hotspots().read_text().splitlines()
        if not line.startswith("#")
    ]
    return [line.split("\t") for line in lines[1:]]


def test_bundled_list_cites_its_source_and_is_well_formed():
    text = drivers.bundled_hotspots().read_text()
    assert "cancerhotspots.org v2" in text and "Chang" in text and "GRCh38" in text
    rows = bundled_rows()
    assert len(rows) >= 40 and {r[4] for r in rows} >= {"TP53", "KRAS", "PIK3CA", "NRAS"}
    for chrom, pos, ref, alt, _gene, change in rows:
        assert chrom.startswith("chr") and int(pos) > 0 and ref in "ACGT" and alt in "ACGT"
        assert ref != alt and change.startswith("p.")
    # published GRCh38 alleles (ClinVar/CIViC), written independently of the list
    published = {
        ("chr17", "7675088", "C", "T"),
        ("chr12", "25245350", "C", "T"),
        ("chr7", "140753336", "A", "T"),
        ("chr3", "179218303", "G", "A"),
        ("chr2", "208248388", "C", "T"),
        ("chr1", "114713908", "T", "C"),
        ("chr17", "7673776", "G", "A"),
        ("chr12", "25245347", "C", "T"),
        ("chr3", "179234297", "A", "G"),
        ("chr7", "55191822", "T", "G"),
        ("chr7", "55181378", "C", "T"),
        ("chr20", "58909365", "C", "T"),
    }
    assert published <= {tuple(r[:4]) for r in rows}


def bcftools_not_listed(tmp_path) -> set:
    """Alleles of VCF absent from the bundled list, exact allele match (bcftools isec)."""
    bcftools = require_tool("bcftools")
    header = [
        "##fileformat=VCFv4.2",
        "##contig=<ID=chr12>",
        "##contig=<ID=chr17>",
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
    ]
    rows = sorted(
        (r for r in bundled_rows() if r[0] in ("chr12", "chr17")), key=lambda r: (r[0], int(r[1]))
    )
    listed = tmp_path / "listed.vcf"
    listed.write_text(
        "\n".join(header + [f"{r[0]}\t{r[1]}\t.\t{r[2]}\t{r[3]}\t.\t.\t." for r in rows]) + "\n"
    )
    for path in (listed, VCF):
        subprocess.run(
            [bcftools, "view", "-Oz", "-o", str(tmp_path / (path.name + ".gz")), str(path)],
            check=True,
        )
        subprocess.run([bcftools, "index", str(tmp_path / (path.name + ".gz"))], check=True)
    out = subprocess.run(
        [
            bcftools,
            "isec",
            "-C",
            "-c",
            "none",
            "-w1",
            str(tmp_path / (VCF.name + ".gz")),
            str(tmp_path / "listed.vcf.gz"),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {
        tuple(line.split("\t")[i] for i in (0, 1, 3, 4))
        for line in out.splitlines()
        if not line.startswith("#")
    }


def test_default_excludes_listed_alleles_and_cosmic_count_like_bcftools(tmp_path):
    code, summary, trace = run(tmp_path, VCF)
    assert code == 0
    keys = list(zip(trace["chrom"], trace["pos"].astype(str), trace["ref"], trace["alt"]))
    not_listed = bcftools_not_listed(tmp_path)
    assert {k for k, ok in zip(keys, trace["hotspot_ok"]) if ok == 1} == not_listed
    out = subprocess.run(
        [
            require_tool("bcftools"),
            "view",
            "-H",
            "-i",
            'INFO/COSMIC_CNT<50 || INFO/COSMIC_CNT="."',
            str(VCF),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    low_cosmic = {tuple(line.split("\t")[i] for i in (0, 1, 3, 4)) for line in out.splitlines()}
    assert {k for k, ok in zip(keys, trace["cosmic_ok"]) if ok == 1} == low_cosmic
    assert {k for k, c in zip(keys, trace["counted"]) if c == 1} == not_listed & low_cosmic
    assert trace["reason"].tolist() == [
        "hotspot;cosmic_count_above_max",
        "counted",
        "hotspot;cosmic_count_above_max",
        "cosmic_count_above_max",
        "hotspot;cosmic_count_above_max",
        "counted",
    ]
    assert (summary["variants_counted"], summary["alleles_driver_excluded"]) == (2, 4)
    assert summary["hotspot_list"] == "bundled:hotspots_grch38.tsv"
    assert summary["cosmic_field"] == "COSMIC_CNT"


def test_each_rule_can_be_switched_off(tmp_path):
    _, summary, trace = run(tmp_path, VCF, "--no-cosmic")
    assert summary["variants_counted"] == 3 and summary["alleles_driver_excluded"] == 3
    assert (
        trace["cosmic_ok"].isna().all()
        and read_output_table(tmp_path / "s.tsv").isna().iloc[0]["cosmic_field"]
    )
    _, summary, trace = run(tmp_path, VCF, "--no-hotspots", "--no-cosmic")
    assert summary["variants_counted"] == 6 and summary["alleles_driver_excluded"] == 0
    assert trace["hotspot_ok"].isna().all()
    _, summary, _ = run(tmp_path, VCF, "--no-hotspots", "--max-cosmic", "1000")
    assert summary["variants_counted"] == 4  # COSMIC 3000 and 5000 excluded


def test_numeric_contigs_match_the_chr_prefixed_list(tmp_path):
    text = VCF.read_text().replace("ID=chr", "ID=").replace("\nchr", "\n")
    vcf = tmp_path / "b38_no_chr.vcf"
    vcf.write_text(text)
    _, summary, trace = run(tmp_path, vcf, "--no-cosmic")
    assert trace["hotspot_ok"].tolist() == [0, 1, 0, 1, 0, 1]


def test_bundled_grch38_list_on_a_grch37_vcf_is_refused(tmp_path, capsys):
    text = VCF.read_text().replace(
        "##contig=<ID=chr12,length=133275309>",
        "##contig=<ID=chr1,length=249250621>\n##contig=<ID=chr12,length=133851895>",
    )
    vcf = tmp_path / "b37.vcf"
    vcf.write_text(text)
    code, _, _ = run(tmp_path, vcf)
    assert code == 2 and "GRCh37" in capsys.readouterr().err
    assert run(tmp_path, vcf, "--no-hotspots")[0] == 0


@pytest.mark.parametrize("suffix, sep", [("tsv", "\t"), ("csv", ",")])
def test_own_list_replaces_the_bundled_one(tmp_path, suffix, sep):
    own = tmp_path / f"own.{suffix}"
    own.write_text(f"# my list\nchrom{sep}pos{sep}ref{sep}alt\nchr17{sep}7675200{sep}G{sep}A\n")
    _, summary, trace = run(tmp_path, VCF, "--hotspots", str(own), "--no-cosmic")
    assert trace["hotspot_ok"].tolist() == [1, 1, 1, 1, 1, 0]
    assert summary["hotspot_list"] == f"own.{suffix}"
