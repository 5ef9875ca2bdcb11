"""tmb-calc end to end: outputs, denominator options, and one-line errors naming the file."""

from __future__ import annotations

import subprocess

import pysam
import pytest

from stereosarc.tables import read_output_table, validate_frame
from tests.conftest import require_tool, write_bam
from tests.unit.test_tmb_fixtures import csq, record, write_bed, write_vcf
from tmb.cli import main

MB = 1_000_000


def missense(pos, alt="C", ref="A", gene="TP53", sample="0/1:90,10:100:0.1", chrom="chr1", **kw):
    return record(
        pos,
        ref,
        alt,
        "CSQ=" + csq(alt, "missense_variant", gene=gene, **kw),
        sample=sample,
        chrom=chrom,
    )


def run(tmp_path, vcf, bed, *extra, sample="T1"):
    """tmb-calc with the panel declared coding-only unless a territory option is given, and
    with --allow-empty-fields (the fixtures declare gnomAD fields they mostly leave empty;
    the refusal itself is tested in tests/unit/test_tmb_presence.py) unless --strict."""
    summary, trace = tmp_path / "S.tmb.tsv", tmp_path / "S.tmb_trace.tsv"
    if not {"--coding-bed", "--panel-is-coding", "--no-territory"} & set(extra):
        extra = ("--panel-is-coding", *extra)
    if "--strict" not in extra:
        extra = ("--allow-empty-fields", *extra)
    extra = tuple(a for a in extra if a not in ("--no-territory", "--strict"))
    code = main(
        [
            "--vcf",
            str(vcf),
            "--sample",
            sample,
            "--patient",
            "P01",
            "--panel-bed",
            str(bed),
            "--out-summary",
            str(summary),
            "--out-trace",
            str(trace),
            *extra,
        ]
    )
    if code:
        return code, None, None
    return code, read_output_table(summary), read_output_table(trace)


def bgzip(path):
    pysam.tabix_compress(str(path), str(path) + ".gz", force=True)
    return path.parent / (path.name + ".gz")


def test_cohort_contract_on_a_bgzipped_vcf(tmp_path):
    records = [
        missense(100),
        missense(100),  # duplicate line: counts once
        missense(200, sample="0/1:99,1:100:0.01"),  # VAF 1 % fails
        missense(300, "T"),
        record(400, "G", "A", "CSQ=" + csq("A", "synonymous_variant")),
        missense(500_000, chrom="chr2"),
    ]  # chr2 not in the panel
    vcf = bgzip(write_vcf(tmp_path / "tumour.vcf", records))
    bed = write_bed(
        tmp_path / "panel.bed", [("chr1", 500_000, MB), ("chr1", 0, 600_000)]
    )  # overlap
    code, summary, trace = run(tmp_path, vcf, bed)
    assert code == 0
    row = summary.iloc[0]
    # counted: 100 A>C and 300 A>T = 2; panel merged chr1 [0, 1e6) = 1.0 Mb (not 1.1)
    assert (row["variants_counted"], row["panel_mb"], row["tmb"]) == (2, 1.0, 2.0)
    assert row["tmb_high"] == 0 and row["records_read"] == 6 and row["alleles_total"] == 6
    assert (row["alleles_duplicate"], row["alleles_fail_vaf"], row["alleles_outside_panel"]) == (
        1,
        1,
        1,
    )
    assert row["tmb_ci_low"] < 2.0 < row["tmb_ci_high"]
    validate_frame(summary, "tmb")
    validate_frame(trace, "tmb_trace")
    assert trace["counted"].tolist() == [1, 0, 0, 1, 0, 0]
    assert trace["reason"].iloc[5] == "outside_panel"


def test_coding_bed_and_calibration(tmp_path):
    vcf = write_vcf(tmp_path / "t.vcf", [missense(100), missense(900_000)])
    bed = write_bed(tmp_path / "panel.bed", [("chr1", 0, MB)])
    coding = write_bed(tmp_path / "cds.bed", [("chr1", 0, 800_000)])
    code, summary, trace = run(
        tmp_path,
        vcf,
        bed,
        "--coding-bed",
        str(coding),
        "--calibration",
        "0.5,1",
        "--tmb-high",
        "1.2",
    )
    row = summary.iloc[0]
    # 1 variant / 0.8 Mb = 1.25 mut/Mb >= 1.2; calibrated 0.5 * 1.25 + 1 = 1.625
    assert (row["variants_counted"], row["panel_mb"], row["panel_bed_mb"]) == (1, 0.8, 1.0)
    assert row["tmb"] == pytest.approx(1.25) and row["tmb_high"] == 1
    assert row["tmb_wes_calibrated"] == pytest.approx(1.625) and row["small_panel"] == 0
    assert row["denominator_territory"] == "panel_and_coding_bed"
    assert trace["in_panel"].tolist() == [1, 0]  # 900,000 is in the panel, not in the CDS


def test_a_run_without_coding_territory_is_refused(tmp_path, capsys):
    vcf = write_vcf(tmp_path / "t.vcf", [missense(100)])
    bed = write_bed(tmp_path / "panel.bed", [("chr1", 0, MB)])
    code, _, _ = run(tmp_path, vcf, bed, "--no-territory")
    assert code == 2 and "--coding-bed" in one_line_error(capsys)
    code, summary, _ = run(tmp_path, vcf, bed, "--panel-is-coding")
    assert code == 0 and summary.iloc[0]["denominator_territory"] == "panel_declared_coding"
    assert summary.iloc[0]["coding_restricted"] == 0


def test_coding_bed_with_other_contig_naming_is_refused(tmp_path, capsys):
    vcf = write_vcf(tmp_path / "t.vcf", [missense(100)])
    bed = write_bed(tmp_path / "panel.bed", [("chr1", 0, MB)])
    coding = write_bed(tmp_path / "cds_b37.bed", [("1", 0, MB)])
    code, _, _ = run(tmp_path, vcf, bed, "--coding-bed", str(coding))
    assert code == 2 and "cds_b37.bed: no contig in common" in one_line_error(capsys)


def test_exclusions_from_the_command_line(tmp_path):
    extra = ['##INFO=<ID=COSMIC_CNT,Number=A,Type=Integer,Description="COSMIC sample count">']
    records = [
        missense(100),
        missense(200, gene="TET2"),
        record(300, "A", "C", "COSMIC_CNT=25;CSQ=" + csq("C", "missense_variant")),
        missense(400),
    ]
    vcf = write_vcf(tmp_path / "t.vcf", records, extra=extra)
    bed = write_bed(tmp_path / "panel.bed", [("chr1", 0, MB)])
    hot = tmp_path / "hotspots.tsv"
    hot.write_text("chrom\tpos\tref\talt\nchr1\t400\tA\tC\n")
    code, summary, trace = run(
        tmp_path,
        vcf,
        bed,
        "--exclude-ch",
        "--hotspots",
        str(hot),
        "--cosmic-field",
        "COSMIC_CNT",
        "--max-cosmic",
        "10",
    )
    assert code == 0
    assert trace["reason"].tolist() == [
        "counted",
        "clonal_haematopoiesis_gene",
        "cosmic_count_above_max",
        "hotspot",
    ]
    assert summary.iloc[0]["variants_counted"] == 1


def test_bam_restricts_the_denominator_like_samtools_depth(tmp_path):
    samtools = require_tool("samtools")
    bam = write_bam(tmp_path / "tumour.bam")
    bed = write_bed(tmp_path / "panel.bed", [("chr17", 7_674_990, 7_675_200)])
    vcf = write_vcf(
        tmp_path / "t.vcf",
        [missense(7_675_010, chrom="chr17"), missense(7_675_055, chrom="chr17")],
        contigs=("chr17",),
    )
    code, summary, trace = run(
        tmp_path, vcf, bed, "--bam", str(bam), "--min-depth", "2", "--force-small-panel"
    )
    # hand: read1s [7675000+i, +50), read2s [7675060+i, +50), i = 0..3; depth >= 2 on
    # [7675001, 7675052) and [7675061, 7675112) (0-based) = 51 + 51 = 102 bases
    depth = subprocess.run(
        [samtools, "depth", "-a", "-b", str(bed), str(bam)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    covered = sum(int(line.split("\t")[2]) >= 2 for line in depth.splitlines())
    assert covered == 102
    assert summary.iloc[0]["panel_mb"] == pytest.approx(covered / MB)
    assert summary.iloc[0]["coverage_restricted"] == 1
    # POS 7675010 -> start 7675009 covered; POS 7675055 -> start 7675054 not covered
    assert trace["covered_ok"].tolist() == [1, 0] and trace["counted"].tolist() == [1, 0]


def test_small_panel_is_refused_unless_forced(tmp_path, capsys):
    vcf = write_vcf(tmp_path / "t.vcf", [missense(100)])
    bed = write_bed(tmp_path / "tiny.bed", [("chr1", 0, 1000)])
    code, _, _ = run(tmp_path, vcf, bed)
    assert code == 2
    assert "below 0.2 Mb" in capsys.readouterr().err
    code, summary, _ = run(tmp_path, vcf, bed, "--force-small-panel")
    assert code == 0 and summary.iloc[0]["tmb"] == pytest.approx(1000.0)  # 1 / 0.001 Mb
    assert summary.iloc[0]["small_panel"] == 1


def one_line_error(capsys) -> str:
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("tmb-calc")]
    assert len(err) == 1
    return err[0]


@pytest.mark.parametrize(
    "case, expected",
    [
        ("corrupt_gzip", "corrupt.vcf.gz"),
        ("truncated_bgzip", "truncated.vcf.gz"),
        ("no_annotation", "no_csq.vcf: no CSQ (VEP) or ANN"),
        ("sample_not_found", "two_samples.vcf: tumour sample 'T1' not found"),
        ("no_ad_dp_af", "no_format.vcf: FORMAT AD, DP and AF are all absent"),
        ("contig_not_in_bed", "chr17_only.vcf: none of its variant contigs (chr17)"),
        ("bed_contig_not_in_vcf", "panel_17.bed row 1, column chrom: contig '17'"),
    ],
)
def test_bad_input_gives_one_line_naming_the_file(tmp_path, capsys, case, expected):
    bed = write_bed(tmp_path / "panel.bed", [("chr1", 0, MB)])
    if case == "corrupt_gzip":
        vcf = tmp_path / "corrupt.vcf.gz"
        vcf.write_bytes(b"\x1f\x8b\x08\x00not deflate data at all")
    elif case == "truncated_bgzip":  # > 64 kB of text: several BGZF blocks, cut mid-file
        lines = [missense(100 + 10 * i) for i in range(1500)]
        whole = bgzip(write_vcf(tmp_path / "whole.vcf", lines)).read_bytes()
        vcf = tmp_path / "truncated.vcf.gz"
        vcf.write_bytes(whole[: len(whole) // 2])
    elif case == "no_annotation":
        vcf = write_vcf(tmp_path / "no_csq.vcf", [], annotation=None)
    elif case == "sample_not_found":
        vcf = write_vcf(tmp_path / "two_samples.vcf", [], samples=("N", "T"))
    elif case == "no_ad_dp_af":
        vcf = write_vcf(tmp_path / "no_format.vcf", [], formats=("GT",))
    elif case == "contig_not_in_bed":
        vcf = write_vcf(
            tmp_path / "chr17_only.vcf", [missense(100, chrom="chr17")], contigs=("chr1", "chr17")
        )
    else:
        vcf = write_vcf(tmp_path / "t.vcf", [missense(100)])
        bed = write_bed(tmp_path / "panel_17.bed", [("17", 0, MB)])
    code, _, _ = run(tmp_path, vcf, bed)
    assert code == 2
    assert expected in one_line_error(capsys)
    assert not (tmp_path / "S.tmb.tsv").exists() and not (tmp_path / "S.tmb_trace.tsv").exists()


def test_help_shows_an_example(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "tmb-calc --vcf" in capsys.readouterr().out


def test_demo_cohort_counts_match_the_planted_truth(tmp_path):
    """The demo generator plants counted variants and decoys (synonymous, intronic, gnomAD
    common, low VAF/depth, non-PASS, off-panel, VAF > 0.9, multi-allelic); its truth table
    is written independently of tmb-calc."""
    build = pytest.importorskip("stereosarc.demo.build")
    build.generate(tmp_path / "demo", 20240601, 4, 0)
    demo = tmp_path / "demo"
    truth = read_output_table(demo / "truth_patients.tsv").set_index("patient")
    checked = 0
    for vcf in sorted((demo / "vcf").glob("*.vcf.gz")):
        sample = vcf.name.removesuffix(".vcf.gz")
        patient = sample.removesuffix("-T")
        code, summary, _ = run(
            tmp_path,
            vcf,
            demo / "panel.bed",
            "--coding-bed",
            str(demo / "coding.bed"),
            sample=sample,
        )
        assert code == 0
        expected = truth.loc[patient]
        assert summary.iloc[0]["variants_counted"] == expected["tmb_variants_counted"]
        assert summary.iloc[0]["panel_mb"] == pytest.approx(expected["panel_mb"], abs=1e-6)
        checked += 1
    assert checked >= 3


def overlapping_mates_bam(path):
    """Pairs whose mates overlap by 50 bp, one pair with MAPQ 10, one read with base
    qualities 10 over its first 20 bases (chr17:7,675,000, 0-based)."""
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "chr17", "LN": 83_257_441}]}
    reads = []
    for i in range(4):
        for mate, start in ((1, 7_675_000 + 10 * i), (2, 7_675_050 + 10 * i)):
            read = pysam.AlignedSegment()
            read.query_name, read.query_sequence = f"pair{i}", "A" * 100
            read.flag, read.reference_id, read.reference_start = (
                (99 if mate == 1 else 147),
                0,
                start,
            )
            read.mapping_quality = 10 if i == 3 else 60
            read.cigarstring, read.next_reference_id = "100M", 0
            read.next_reference_start = 7_675_050 + 10 * i if mate == 1 else 7_675_000 + 10 * i
            read.template_length = 150 if mate == 1 else -150
            low = 20 if (i, mate) == (0, 1) else 0
            read.query_qualities = pysam.qualitystring_to_array("+" * low + "I" * (100 - low))
            reads.append(read)
    with pysam.AlignmentFile(str(path), "wb", header=header) as bam:
        for read in sorted(reads, key=lambda r: r.reference_start):
            bam.write(read)
    pysam.index(str(path))
    return path


def test_bam_denominator_counts_each_fragment_once_with_mapq_and_baseq(tmp_path):
    """Same rule as ctdna-count; checked against samtools depth -s (overlapping mates once)
    -q 20 (base quality) -Q 20 (mapping quality) on the same BAM."""
    samtools = require_tool("samtools")
    bam = overlapping_mates_bam(tmp_path / "mates.bam")
    bed = write_bed(tmp_path / "panel.bed", [("chr17", 7_674_990, 7_675_300)])
    vcf = write_vcf(tmp_path / "t.vcf", [missense(7_675_080, chrom="chr17")], contigs=("chr17",))
    code, summary, _ = run(
        tmp_path, vcf, bed, "--bam", str(bam), "--min-depth", "3", "--force-small-panel"
    )
    assert code == 0
    depth = subprocess.run(
        [samtools, "depth", "-a", "-s", "-q", "20", "-Q", "20", "-b", str(bed), str(bam)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    covered = sum(int(line.split("\t")[2]) >= 3 for line in depth.splitlines())
    naive = subprocess.run(
        [samtools, "depth", "-a", "-b", str(bed), str(bam)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    double = sum(int(line.split("\t")[2]) >= 3 for line in naive.splitlines())
    # hand: pairs 0-2 (MAPQ 60) span [7675000+10i, 7675150+10i); pair 0's first 20 bases are
    # low quality but its mate 2 covers [7675050, ...) only: fragments >= 3 on [7675020+0, ...)
    # = [7675020, 7675150) = 130 bases; counting mates twice and MAPQ 10 gives more
    assert covered == 130 and double > covered
    assert summary.iloc[0]["panel_mb"] == pytest.approx(covered / MB)
