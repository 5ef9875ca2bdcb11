"""ctdna-count end to end (count_main in-process) and its refusals of bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from ctdna.count_cli import count_main
from stereosarc.tables import read_output_table
from tests.unit.test_ctdna_count_fixtures import (
    pair,
    write_bam,
    write_reference,
    write_targets,
    write_tumour_vcf,
)

SNV0, DEL0 = 300, 500


@pytest.fixture()
def inputs(tmp_path):
    reference = write_reference(tmp_path / "ref.fa", length=1000)
    alt = "A" if reference[SNV0] != "A" else "C"
    reads = []
    for i in range(6):
        variant = ("snv", SNV0, alt) if i < 2 else None
        reads += pair(f"p{i}", 250, 270, variant, variant)  # overlapping mates agree
        reads += pair(f"d{i}", 450, 600, ("del", DEL0, 2) if i == 0 else None)
    bam = write_bam(tmp_path / "S1.bam", reference, reads)
    vcf = write_tumour_vcf(
        tmp_path / "T1.vcf.gz",
        [
            (SNV0 + 1, reference[SNV0], alt, "PASS", 0.4),
            (DEL0 + 1, reference[DEL0 : DEL0 + 3], reference[DEL0], "PASS", None),
            (900, reference[899], "T" if reference[899] != "T" else "G", "PASS", 0.2),
        ],
    )  # outside targets
    bed = write_targets(
        tmp_path / "targets.bed",
        [("chr17", 200, 400, "TP53"), ("chr17", 400, 700, "TP53"), ("chr17", 800, 850, "REF1")],
    )
    return {
        "dir": tmp_path,
        "bam": bam,
        "vcf": vcf,
        "bed": bed,
        "fasta": tmp_path / "ref.fa",
        "alt": alt,
        "reference": reference,
    }


def _run(inputs, *extra, tumour=True):
    out = inputs["dir"] / "out"
    argv = [
        "--bam",
        str(inputs["bam"]),
        "--sample",
        "S1",
        "--targets",
        str(inputs["bed"]),
        "--out-sites",
        str(out / "S1.site_counts.tsv"),
        "--out-targets",
        str(out / "S1.target_depth.tsv"),
        *extra,
    ]
    if tumour:
        argv += ["--tumour", f"T1={inputs['vcf']}"]
    return count_main(argv), out


def test_counts_written_with_schemas(inputs):
    status, out = _run(inputs, "--fasta", str(inputs["fasta"]))
    assert status == 0
    sites = read_output_table(out / "S1.site_counts.tsv")
    assert sites["pos"].tolist() == [SNV0 + 1, DEL0 + 1]
    snv, deletion = sites.iloc[0], sites.iloc[1]
    assert (snv.alt_fragments, snv.ref_fragments, snv.depth_fragments) == (2, 4, 6)
    assert snv.vaf == pytest.approx(2 / 6) and snv.tissue_vaf == pytest.approx(0.4)
    assert (deletion.alt_fragments, deletion.ref_fragments, deletion.variant_type) == (
        1,
        5,
        "deletion",
    )
    assert deletion.tissue_vaf == pytest.approx(0.4)  # AD 60,40
    depth = read_output_table(out / "S1.target_depth.tsv")
    assert depth["fragments"].tolist() == [6, 6, 0]
    assert depth["gene"].tolist() == ["TP53", "TP53", "REF1"]
    background = read_output_table(out / "S1.background.tsv")
    assert len(background) == 8 and (background["sample"] == "S1").all()
    assert read_output_table(out / "S1.rejects_count.tsv").empty


def test_no_tumour_gives_empty_sites_and_depths(inputs):
    status, out = _run(inputs, tumour=False)
    assert status == 0
    assert read_output_table(out / "S1.site_counts.tsv").empty
    assert len(read_output_table(out / "S1.target_depth.tsv")) == 3


def test_pon_with_two_tumours_repeats_a_shared_site(inputs):
    second = inputs["dir"] / "T2.vcf.gz"
    write_tumour_vcf(
        second, [(SNV0 + 1, inputs["reference"][SNV0], inputs["alt"], "PASS", 0.1)], sample="T2"
    )
    status, out = _run(inputs, "--tumour", f"T2={second}")
    assert status == 0
    sites = read_output_table(out / "S1.site_counts.tsv")
    shared = sites[sites["pos"] == SNV0 + 1]
    assert shared["tumour_sample"].tolist() == ["T1", "T2"]
    assert shared["alt_fragments"].tolist() == [2, 2]


def test_bam_without_index_is_refused(inputs, capsys):
    for index in inputs["dir"].glob("S1.bam.*"):
        index.unlink()
    status, _ = _run(inputs)
    assert status == 2
    err = capsys.readouterr().err
    assert "index missing" in err and "samtools index" in err


def test_empty_bam_is_refused(inputs, capsys):
    write_bam(inputs["bam"], inputs["reference"], [])
    status, _ = _run(inputs)
    assert status == 2
    assert "no mapped read" in capsys.readouterr().err


def test_contig_naming_mismatch_is_refused(inputs, capsys):
    write_bam(inputs["bam"], inputs["reference"], pair("x", 250, 270), contig="17")
    status, _ = _run(inputs)
    assert status == 2
    err = capsys.readouterr().err
    assert "contig naming mismatch" in err and "'chr17'" in err and "'17'" in err


def test_ref_mismatch_with_fasta_rejects_site_or_refuses(inputs, capsys):
    reference = inputs["reference"]
    wrong = "A" if reference[SNV0] != "A" else "C"
    alt = next(b for b in "ACGT" if b not in (wrong, reference[SNV0]))
    write_tumour_vcf(
        inputs["vcf"],
        [
            (SNV0 + 1, wrong, alt, "PASS", 0.4),
            (DEL0 + 1, reference[DEL0 : DEL0 + 3], reference[DEL0], "PASS", None),
        ],
    )
    status, out = _run(inputs, "--fasta", str(inputs["fasta"]))
    assert status == 0
    rejects = read_output_table(out / "S1.rejects_count.tsv")
    assert rejects["row"].tolist() == [1] and rejects["column"].tolist() == ["REF"]
    assert rejects["file"].tolist() == ["T1.vcf.gz"]
    assert read_output_table(out / "S1.site_counts.tsv")["pos"].tolist() == [DEL0 + 1]
    write_tumour_vcf(inputs["vcf"], [(SNV0 + 1, wrong, alt, "PASS", 0.4)])
    status, _ = _run(inputs, "--fasta", str(inputs["fasta"]))
    assert status == 2
    assert "no site REF matches the FASTA" in capsys.readouterr().err


def test_target_contig_absent_from_bam_is_a_reject(inputs):
    write_targets(inputs["bed"], [("chr17", 200, 400, "TP53"), ("chrX", 10, 20, "X")])
    status, out = _run(inputs)
    assert status == 0
    rejects = read_output_table(out / "S1.rejects_count.tsv")
    assert rejects[["file", "row", "column"]].values.tolist() == [["targets.bed", 2, "chrom"]]
    assert read_output_table(out / "S1.target_depth.tsv")["chrom"].tolist() == ["chr17"]


def test_bad_sample_id_is_refused(inputs, capsys):
    out = inputs["dir"]
    status = count_main(
        [
            "--bam",
            str(inputs["bam"]),
            "--sample",
            "bad id",
            "--targets",
            str(inputs["bed"]),
            "--out-sites",
            str(out / "a.tsv"),
            "--out-targets",
            str(out / "b.tsv"),
        ]
    )
    assert status == 2 and "--sample" in capsys.readouterr().err


def test_no_background_skips_the_file(inputs):
    status, out = _run(inputs, "--no-background")
    assert status == 0
    assert not (out / "S1.background.tsv").exists()
    assert (out / "S1.site_counts.tsv").exists()


def test_vcf_without_records_gives_empty_sites(inputs):
    write_tumour_vcf(inputs["vcf"], [])
    status, out = _run(inputs)
    assert status == 0
    assert read_output_table(out / "S1.site_counts.tsv").empty


def test_all_targets_off_the_bam_give_rejects_and_empty_tables(inputs):
    write_targets(inputs["bed"], [("chrX", 10, 20, "X"), ("chrY", 10, 20, "Y")])
    status, out = _run(inputs, tumour=False)
    assert status == 0
    assert read_output_table(out / "S1.target_depth.tsv").empty
    assert len(read_output_table(out / "S1.rejects_count.tsv")) == 2


def test_cram_with_fasta_counts_like_bam(inputs):
    samtools = pytest.importorskip("shutil").which("samtools")
    if not samtools:
        pytest.skip("samtools not installed")
    import subprocess

    cram = inputs["dir"] / "S1.cram"
    subprocess.run(
        [samtools, "view", "-C", "-T", str(inputs["fasta"]), "-o", str(cram), str(inputs["bam"])],
        check=True,
    )
    subprocess.run([samtools, "index", str(cram)], check=True)
    status, out = _run(inputs, "--fasta", str(inputs["fasta"]))
    bam_sites = read_output_table(out / "S1.site_counts.tsv")
    inputs = {**inputs, "bam": cram}
    status_cram, out_cram = _run(
        {**inputs, "dir": inputs["dir"] / "cram"}, "--fasta", str(inputs["fasta"])
    )
    assert status == status_cram == 0
    cram_sites = read_output_table(out_cram / "S1.site_counts.tsv")
    assert cram_sites.equals(bam_sites)


def _site_list(inputs, rows, header="chrom\tpos\tref\talt\tgene"):
    path = inputs["dir"] / "hotspots.tsv"
    path.write_text("\n".join([header] + ["\t".join(map(str, r)) for r in rows]) + "\n")
    return path


def test_fixed_site_list_counts_like_the_vcf_sites(inputs):
    reference = inputs["reference"]
    deletion = (DEL0 + 1, reference[DEL0 : DEL0 + 3], reference[DEL0])
    listed = _site_list(
        inputs,
        [
            ("chr17", SNV0 + 1, reference[SNV0], inputs["alt"], "TP53_hotspot"),  # row 2
            ("chr17", *deletion, ""),  # row 3: gene from BED
            ("chr17", 900, reference[899], "T", "X"),  # row 4: outside targets
            ("chr17", SNV0 + 1, reference[SNV0 : SNV0 + 2], "GA", "X"),  # row 5: MNV
            ("chr17", SNV0 + 1, reference[SNV0], inputs["alt"], "again"),
        ],
    )  # row 6: repeat (spreadsheet rows: the header is row 1)
    status, out = _run(
        inputs, "--sites", str(listed), "--fasta", str(inputs["fasta"]), tumour=False
    )
    assert status == 0
    fixed = read_output_table(out / "S1.site_counts.tsv")
    assert fixed["tumour_sample"].tolist() == ["fixed_sites", "fixed_sites"]
    assert fixed["gene"].tolist() == ["TP53_hotspot", "TP53"]
    assert fixed["tissue_vaf"].isna().all()
    rejects = read_output_table(out / "S1.rejects_count.tsv")
    assert rejects[["file", "row"]].values.tolist() == [["hotspots.tsv", r] for r in (4, 5, 6)]
    assert rejects["column"].tolist()[:2] == ["pos", "alt"] and pd.isna(rejects["column"].iloc[2])
    assert rejects["code"].tolist() == [
        "site_outside_targets",
        "unsupported_allele",
        "duplicate_row",
    ]
    assert "repeats an earlier row" in rejects["detail"].iloc[2]
    status, out_vcf = _run({**inputs, "dir": inputs["dir"] / "vcf"})
    from_vcf = read_output_table(out_vcf / "S1.site_counts.tsv")
    columns = ["pos", "ref", "alt", "ref_fragments", "alt_fragments", "depth_fragments"]
    assert fixed[columns].equals(from_vcf[columns])  # same counts as from the tumour VCF


def test_site_list_and_tumour_vcf_together(inputs):
    listed = _site_list(
        inputs, [("chr17", SNV0 + 1, inputs["reference"][SNV0], inputs["alt"], "TP53")]
    )
    status, out = _run(inputs, "--sites", str(listed))
    assert status == 0
    sites = read_output_table(out / "S1.site_counts.tsv")
    shared = sites[sites["pos"] == SNV0 + 1]
    assert shared["tumour_sample"].tolist() == ["T1", "fixed_sites"]
    assert shared["alt_fragments"].tolist() == [2, 2]


@pytest.mark.parametrize(
    "header, row, message",
    [
        ("chrom\tpos\tref\talt", ("chr17", 301, "C", "T"), "missing required column(s) gene"),
        (
            "chrom\tpos\tref\talt\tgene",
            ("chr17", "7.5e3x", "C", "T", "G"),
            "hotspots.tsv row 2, column pos: '7.5e3x' is not a 1-based position",
        ),
        ("chrom\tpos\tref\talt\tgene", ("chr17", 0, "C", "T", "G"), "row 2, column pos"),
        ("chrom\tpos\tref\talt\tgene", ("chr17", 301, "C", "", "G"), "row 2, column alt: empty"),
    ],
)
def test_malformed_site_list_is_refused(inputs, capsys, header, row, message):
    listed = _site_list(inputs, [row], header=header)
    status, _ = _run(inputs, "--sites", str(listed), tumour=False)
    assert status == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert len(errors) == 1 and errors[0].startswith("ctdna-count: error: ")
    assert message in errors[0] and "hotspots.tsv" in errors[0]


def test_site_list_ref_mismatch_is_a_reject_and_reserved_id_refused(inputs, capsys):
    reference = inputs["reference"]
    wrong = "A" if reference[SNV0] != "A" else "C"
    alt = next(b for b in "ACGT" if b not in (wrong, reference[SNV0]))
    listed = _site_list(
        inputs,
        [
            ("chr17", SNV0 + 1, wrong, alt, "TP53"),
            ("chr17", SNV0 + 1, reference[SNV0], inputs["alt"], "TP53"),
        ],
    )
    status, out = _run(
        inputs, "--sites", str(listed), "--fasta", str(inputs["fasta"]), tumour=False
    )
    assert status == 0
    rejects = read_output_table(out / "S1.rejects_count.tsv")
    assert rejects[["file", "row", "column"]].values.tolist() == [["hotspots.tsv", 2, "ref"]]
    status, _ = _run(inputs, "--tumour", f"fixed_sites={inputs['vcf']}")
    assert status == 2 and "reserved" in capsys.readouterr().err


@pytest.mark.parametrize(
    "row, message",
    [
        (None, ""),
        ("chr17\tx\tC\tT\tTP53", "sites.tsv row 2, column pos: 'x' is not a 1-based position"),
        ("chr17\t7675088\tC\t\tTP53", "sites.tsv row 2, column alt: empty"),
    ],
)
def test_preflight_checks_the_site_list(tmp_path, capsys, row, message):
    """stereosarc-validate --ctdna-sites (the pipeline's pre-flight of --ctdna_sites)."""
    from stereosarc.validate_cli import validate_main
    from tests.conftest import write_bam as write_plasma_bam

    write_plasma_bam(tmp_path / "P1-B.bam")
    (tmp_path / "sheet.csv").write_text(
        "patient,sample,type,timepoint,bam,cfdna_ng_per_ml\nP1,P1-B,plasma,baseline,P1-B.bam,10\n"
    )
    (tmp_path / "targets.bed").write_text("chr17\t7674000\t7677000\tTP53\n")
    (tmp_path / "sites.tsv").write_text(
        "chrom\tpos\tref\talt\tgene\n" + (row or "chr17\t7675088\tC\tT\tTP53") + "\n"
    )
    code = validate_main(
        [
            "--input",
            str(tmp_path / "sheet.csv"),
            "--ctdna-targets",
            str(tmp_path / "targets.bed"),
            "--ctdna-sites",
            str(tmp_path / "sites.tsv"),
            "--out",
            str(tmp_path / "valid.csv"),
        ]
    )
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert (code, message in last) == ((2, True) if row else (0, True))


def test_truncated_or_corrupt_bam_is_refused(inputs, capsys):
    reads = []
    for i in range(3000):
        reads += pair(f"t{i}", 250, 270)
    write_bam(inputs["bam"], inputs["reference"], reads)
    data = bytearray(inputs["bam"].read_bytes())
    corrupt = data[: len(data) // 2] + bytes(len(data) - len(data) // 2 - 28) + data[-28:]
    inputs["bam"].write_bytes(data[: len(data) // 2])  # records cut, no BGZF EOF block
    assert _run(inputs)[0] == 2
    inputs["bam"].write_bytes(corrupt)  # zeros in the middle, EOF block kept: found while counting
    assert _run(inputs)[0] == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert len(errors) == 2 and all("S1.bam" in e for e in errors)
    assert "truncated" in errors[0] and "truncated or corrupt" in errors[1]
