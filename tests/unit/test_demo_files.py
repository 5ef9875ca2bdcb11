"""stereosarc-demo end to end on a small cohort (6 patients, 2 PoN): files, determinism, tools.

Expected values come from independent tools (samtools, bcftools) or from the contract
(DESIGN.md, issue 2), never from the generator's own output typed back.
"""

from __future__ import annotations

import gzip
import json
import subprocess
from pathlib import Path

import pandas as pd
import pysam
import pytest

from stereosarc.demo import GENERATOR_VERSION
from stereosarc.demo.cli import main
from stereosarc.validate import validate_samplesheet
from tests.conftest import require_tool

SEED = 20240601
SMALL = ["--patients", "6", "--pon", "2", "--seed", str(SEED)]
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo_a") / "demo"
    assert main(["--outdir", str(folder), *SMALL]) == 0
    return folder


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_two_runs_give_identical_bytes(demo, tmp_path):
    print(f"seed {SEED}")
    again = tmp_path / "demo"
    assert main(["--outdir", str(again), *SMALL]) == 0
    first, second = _files(demo), _files(again)
    assert sorted(first) == sorted(second)
    different = [name for name in first if first[name] != second[name]]
    assert different == []
    assert any(name.endswith(".bam") for name in first) and any(
        name.endswith(".vcf.gz") for name in first
    )


def test_stamp_is_written_last_and_records_the_arguments(demo):
    stamp = json.loads((demo / ".complete").read_text())
    assert stamp["seed"] == SEED and stamp["patients"] == 6 and stamp["pon"] == 2
    assert stamp["generator_version"] == GENERATOR_VERSION
    newest = max(p.stat().st_mtime_ns for p in demo.rglob("*") if p.is_file())
    assert (demo / ".complete").stat().st_mtime_ns == newest


def test_rerun_with_same_stamp_skips_and_other_seed_regenerates(tmp_path):
    folder = tmp_path / "demo"
    args = ["--outdir", str(folder), "--patients", "2", "--pon", "1"]
    assert main(args) == 0
    before = {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}
    assert main(args) == 0
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()} == before
    assert main([*args, "--seed", "7"]) == 0
    assert json.loads((folder / ".complete").read_text())["seed"] == 7


def test_bad_arguments_exit_2_with_one_line(tmp_path, capsys):
    assert main(["--outdir", str(tmp_path / "x"), "--patients", "0"]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "--patients 0" in error[0]


def test_samplesheet_columns_paths_and_preflight(demo):
    sheet = pd.read_csv(demo / "samplesheet.csv", dtype=str, keep_default_na=False)
    assert list(sheet.columns) == [
        "patient",
        "sample",
        "type",
        "timepoint",
        "vcf",
        "bam",
        "cfdna_ng_per_ml",
        "collection_date",
        "assay",
    ]
    assert sheet["sample"].is_unique
    capture = sheet[sheet["assay"] != "lowpass_wgs"]
    assert (capture["type"] == "pon").sum() == 2
    assert set(capture.loc[capture["type"] == "pon", "sample"]) == {"PON01", "PON02"}
    for path in [p for p in sheet["vcf"].tolist() + sheet["bam"].tolist() if p]:
        assert not Path(path).is_absolute()
        assert (demo / path).is_file()
    assert all((demo / f"{p}.tbi").is_file() for p in sheet["vcf"] if p)
    assert all((demo / f"{p}.bai").is_file() for p in sheet["bam"] if p)
    valid = validate_samplesheet(
        demo / "samplesheet.csv",
        REPO / "assets" / "schema_input.json",
        demo / "panel.bed",
        demo / "ctdna_targets.bed",
        lowpass_fasta=demo / "lowpass" / "reference.fa",
    )
    assert len(valid) == len(sheet)


def test_bams_pass_samtools_quickcheck_and_are_sorted(demo):
    samtools = require_tool("samtools")
    bams = sorted((demo / "bam").glob("*.bam"))
    assert bams
    subprocess.run([samtools, "quickcheck", *map(str, bams)], check=True)
    for bam in bams:
        header = subprocess.run(
            [samtools, "view", "-H", str(bam)], check=True, capture_output=True, text=True
        ).stdout
        assert "@HD\tVN:1.6\tSO:coordinate" in header and "@RG\tID:" in header
        assert "@SQ\tSN:chr1\tLN:248956422" in header
        body = subprocess.run(
            [samtools, "view", str(bam)], check=True, capture_output=True, text=True
        ).stdout
        keys = [(line.split("\t")[2], int(line.split("\t")[3])) for line in body.splitlines()]
        order = {
            name: i
            for i, name in enumerate(
                line.split("\t")[1][3:] for line in header.splitlines() if line.startswith("@SQ")
            )
        }
        ranks = [(order[c], p) for c, p in keys]
        assert ranks == sorted(ranks)
        stats = subprocess.run(
            [samtools, "idxstats", str(bam)], check=True, capture_output=True, text=True
        )
        assert sum(int(line.split("\t")[2]) for line in stats.stdout.splitlines()) == len(keys)


def _fasta_regions(path: Path) -> list[tuple[str, int, str]]:
    """(contig, 0-based offset, sequence) from headers like '>chr17:7673261-7674280 ...'."""
    regions, name, chunks = [], None, []
    for line in path.read_text().splitlines() + [">end"]:
        if line.startswith(">"):
            if name:
                contig, span = name.split(":")
                regions.append((contig, int(span.split("-")[0]) - 1, "".join(chunks)))
            name, chunks = line[1:].split()[0], []
        else:
            chunks.append(line)
    return regions


def test_vcf_ref_alleles_equal_reference_fasta(demo):
    bcftools = require_tool("bcftools")
    regions = _fasta_regions(demo / "reference_targets.fa")
    checked = 0
    for vcf in sorted((demo / "vcf").glob("*.vcf.gz")):
        query = subprocess.run(
            [bcftools, "query", "-f", "%CHROM\t%POS\t%REF\n", str(vcf)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        for line in query.splitlines():
            chrom, pos, ref = line.split("\t")
            for contig, offset, sequence in regions:
                start = int(pos) - 1 - offset
                if contig == chrom and 0 <= start and start + len(ref) <= len(sequence):
                    assert sequence[start : start + len(ref)] == ref, line
                    checked += 1
    assert checked > 0


def test_fixed_site_list_lies_in_targets_with_reference_alleles(demo):
    sites = pd.read_csv(demo / "ctdna_sites.tsv", sep="\t", dtype={"pos": int})
    targets = pd.read_csv(
        demo / "ctdna_targets.bed", sep="\t", header=None, names=["chrom", "start", "end", "gene"]
    )
    regions = _fasta_regions(demo / "reference_targets.fa")
    assert len(sites) > 0 and set(sites["gene"]) == {"TP53"}
    assert not sites.duplicated(["chrom", "pos", "ref", "alt"]).any()
    for site in sites.itertuples(index=False):
        inside = targets[
            (targets["chrom"] == site.chrom)
            & (targets["start"] < site.pos)
            & (site.pos <= targets["end"])
        ]
        assert len(inside) == 1, site
        matches = [
            sequence[site.pos - 1 - offset : site.pos - 1 - offset + len(site.ref)]
            for contig, offset, sequence in regions
            if contig == site.chrom and 0 <= site.pos - 1 - offset < len(sequence)
        ]
        assert matches and all(m == site.ref for m in matches), site


def test_bcftools_reads_every_vcf(demo):
    bcftools = require_tool("bcftools")
    vcfs = sorted((demo / "vcf").glob("*.vcf.gz"))
    assert vcfs
    for vcf in vcfs:
        with gzip.open(vcf, "rt") as handle:
            lines = handle.read().splitlines()
        records = [line for line in lines if not line.startswith("#")]
        result = subprocess.run([bcftools, "view", "-H", str(vcf)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert len(result.stdout.splitlines()) == len(records)
        assert f"##tumor_sample={vcf.name.removesuffix('.vcf.gz')}" in lines
        assert lines[-len(records) - 1].split("\t")[-1] == vcf.name.removesuffix(".vcf.gz")
        with pysam.VariantFile(str(vcf)) as handle:
            assert handle.header.contigs["chr17"].length == 83_257_441
            assert "Format: Allele|Consequence|IMPACT|SYMBOL|Gene|" in str(handle.header)


def test_tables_use_design_columns_and_planted_dirty_rows(demo):
    clinical = pd.read_csv(demo / "clinical.csv", dtype=str)
    assert clinical["patient"].tolist() == [f"P{i:03d}" for i in range(1, 7)]
    ihc = pd.read_csv(demo / "ihc.csv", dtype=str)
    labs = pd.read_csv(demo / "labs.csv", dtype=str)
    assert "P999" in set(ihc["patient"]) and "P999" in set(labs["patient"])
    assert (pd.to_numeric(labs["value"]) < 0).sum() == 1
    over = ihc[(ihc["metric"] == "percent_positive") & (pd.to_numeric(ihc["value"]) > 100)]
    assert len(over) == 1
    readme = (demo / "README.md").read_text()
    assert f"ihc.csv row {over.index[0] + 2}: percent_positive > 100" in readme  # header = row 1
    manifest = pd.read_csv(demo / "qupath" / "manifest.csv", dtype=str)
    for row in manifest.itertuples():
        assert (demo / "qupath" / row.file).is_file()
        assert ihc[(ihc["patient"] == row.patient) & (ihc["marker"] == row.marker)].empty


def test_truth_tables_cover_every_sample_and_patient(demo):
    sheet = pd.read_csv(demo / "samplesheet.csv", dtype=str, keep_default_na=False)
    truth = pd.read_csv(demo / "truth.tsv", sep="\t", keep_default_na=False)
    capture = sheet[sheet["assay"] != "lowpass_wgs"]
    assert sorted(truth["sample"]) == sorted(capture.loc[capture["type"] != "tumour", "sample"])
    shallow = pd.read_csv(demo / "truth_lowpass.tsv", sep="\t", keep_default_na=False)
    assert sorted(shallow["sample"]) == sorted(
        sheet.loc[sheet["assay"] == "lowpass_wgs", "sample"]
    )
    assert truth["tumour_fraction"].astype(float).between(0, 1).all()
    assert (truth.loc[truth["type"] == "pon", "tumour_fraction"].astype(float) == 0).all()
    patients = pd.read_csv(demo / "truth_patients.tsv", sep="\t")
    assert patients["patient"].tolist() == [f"P{i:03d}" for i in range(1, 7)]
    tumour = set(sheet.loc[sheet["type"] == "tumour", "patient"])
    assert set(patients.loc[patients["tmb_variants_counted"].notna(), "patient"]) == tumour


def test_folder_without_stamp_is_overwritten_not_cleared(tmp_path):
    folder = tmp_path / "demo"
    (folder / "bam").mkdir(parents=True)
    (folder / "bam" / "notes.txt").write_text("user file")
    assert main(["--outdir", str(folder), "--patients", "1", "--pon", "1"]) == 0
    assert (folder / "bam" / "notes.txt").read_text() == "user file"
    assert (folder / ".complete").is_file()
