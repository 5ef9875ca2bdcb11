"""Provenance of per-sample results (issue 18, batch reruns): what tmb-calc and ctdna-count
record beside their tables, checked against coreutils sha256sum and the record's schema; and
ctdna-count counting a tumour from an earlier batch's site table exactly as from its VCF."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess

import pytest

from ctdna.count_cli import count_main
from stereosarc import provenance
from tests.cli.test_tmb_cli import missense
from tests.unit.test_ctdna_count_fixtures import (
    pair,
    write_bam,
    write_reference,
    write_targets,
    write_tumour_vcf,
)
from tests.unit.test_tmb_fixtures import write_bed, write_vcf
from tmb.cli import main as tmb_main


def test_sha256_is_the_one_of_coreutils(tmp_path):
    if not shutil.which("sha256sum"):
        pytest.skip("sha256sum (coreutils) not installed")
    path = tmp_path / "bytes.bin"
    path.write_bytes(bytes(range(256)) * 9000)  # > 2 reads of READ_BYTES
    out = subprocess.run(["sha256sum", str(path)], check=True, capture_output=True, text=True)
    assert provenance.sha256(path) == out.stdout.split()[0]


@pytest.fixture()
def plasma(tmp_path):
    """A plasma BAM with alt fragments at a TP53 site, its tumour VCF and targets."""
    reference = write_reference(tmp_path / "ref.fa", length=1000)
    alt = "A" if reference[300] != "A" else "C"
    reads = [r for i in range(4) for r in pair(f"p{i}", 250 + i, 280, ("snv", 300, alt))]
    reads += [r for i in range(6) for r in pair(f"q{i}", 260 + i, 290)]
    reads += [r for i in range(4) for r in pair(f"r{i}", 600 + i, 640)]
    return {
        "bam": write_bam(tmp_path / "S1.bam", reference, reads),
        "vcf": write_tumour_vcf(
            tmp_path / "T1.vcf.gz",
            [(301, reference[300], alt, "PASS", 0.4), (321, reference[320], alt, "PASS", 0.3)],
        ),
        "targets": write_targets(
            tmp_path / "targets.bed", [("chr17", 200, 400, "TP53"), ("chr17", 550, 750, "REF1")]
        ),
    }


def _count(folder, plasma, tumour, *extra) -> int:
    folder.mkdir(exist_ok=True)
    return count_main(
        [
            "--bam", str(plasma["bam"]), "--sample", "S1", "--patient", "P01",
            "--tumour", f"T1={tumour}", "--targets", str(plasma["targets"]), "--provenance",
            "--out-sites", str(folder / "S1.site_counts.tsv"),
            "--out-targets", str(folder / "S1.target_depth.tsv"), *extra,
        ]
    )  # fmt: skip


def test_ctdna_count_records_its_rule_parameters_and_input_checksums(tmp_path, plasma):
    assert _count(tmp_path / "a", plasma, plasma["vcf"], "--min-mapq", "30") == 0
    path = tmp_path / "a" / "S1.ctdna_count.provenance.json"
    record = provenance.read(path)  # schema-checked
    assert record["stage"] == "ctdna-count" and record["rule_version"] >= 1
    assert (record["sample"], record["patient"]) == ("S1", "P01")
    parameters = record["parameters"]
    assert (parameters["min_mapq"], parameters["min_baseq"], parameters["umi_tag"]) == (
        30,
        20,
        None,
    )
    assert parameters["targets"]["sha256"] == provenance.sha256(plasma["targets"])
    assert parameters["sites"] is None and parameters["fasta"] is None
    assert not {"bam", "sample", "tumour", "out_sites", "log_level"} & set(parameters)
    roles = {entry["role"]: entry["sha256"] for entry in record["inputs"]}
    assert roles == {
        "bam": provenance.sha256(plasma["bam"]),
        "tumour:T1": provenance.sha256(plasma["vcf"]),
    }
    assert json.loads(path.read_text()) == record


def _site_table(site_counts, out):
    """The tumour-site table stereosarc-batches writes from an earlier site-count table."""
    with open(site_counts, newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    fields = ["tumour_sample", "chrom", "pos", "ref", "alt", "variant_type", "gene", "tissue_vaf"]
    with open(out, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fields, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows({f: row[f] for f in fields} for row in rows)
    return out


def test_a_tumour_site_table_counts_exactly_as_its_vcf(tmp_path, plasma):
    """Every table of a sample counted at an earlier batch's site table of the tumour equals,
    byte for byte, the one counted at the tumour VCF (the background leaves the same sites
    out)."""
    assert _count(tmp_path / "vcf", plasma, plasma["vcf"]) == 0
    sites = _site_table(tmp_path / "vcf" / "S1.site_counts.tsv", tmp_path / "T1.tumour_sites.tsv")
    assert _count(tmp_path / "table", plasma, sites) == 0
    for table in ("site_counts", "target_depth", "background", "read_stats"):
        first = (tmp_path / "vcf" / f"S1.{table}.tsv").read_bytes()
        assert (tmp_path / "table" / f"S1.{table}.tsv").read_bytes() == first, table
    assert len(first.splitlines()) > 1
    record = provenance.read(tmp_path / "table" / "S1.ctdna_count.provenance.json")
    assert [e["name"] for e in record["inputs"]] == ["S1.bam", "T1.tumour_sites.tsv"]


def test_a_site_table_of_another_tumour_is_refused(tmp_path, plasma, capsys):
    assert _count(tmp_path / "vcf", plasma, plasma["vcf"]) == 0
    sites = _site_table(tmp_path / "vcf" / "S1.site_counts.tsv", tmp_path / "T9.tumour_sites.tsv")
    folder = tmp_path / "other"
    folder.mkdir()
    code = count_main(
        [
            "--bam", str(plasma["bam"]), "--sample", "S1", "--tumour", f"T9={sites}",
            "--targets", str(plasma["targets"]),
            "--out-sites", str(folder / "S1.site_counts.tsv"),
            "--out-targets", str(folder / "S1.target_depth.tsv"),
        ]
    )  # fmt: skip
    assert code == 2
    assert "not the site table of tumour T9" in capsys.readouterr().err


def test_tmb_calc_records_its_filters_references_and_vcf(tmp_path):
    vcf = write_vcf(tmp_path / "T1.vcf", [missense(1000)])
    bed = write_bed(tmp_path / "panel.bed", [("chr1", 0, 1_000_000)])
    argv = [
        "--vcf", str(vcf), "--sample", "T1", "--patient", "P01", "--panel-bed", str(bed),
        "--panel-is-coding", "--allow-empty-fields", "--min-vaf", "0.08", "--provenance",
        "--out-summary", str(tmp_path / "T1.tmb.tsv"),
        "--out-trace", str(tmp_path / "T1.tmb_trace.tsv"),
    ]  # fmt: skip
    assert tmb_main(argv) == 0
    record = provenance.read(tmp_path / "T1.tmb.provenance.json")
    assert (record["stage"], record["sample"], record["patient"]) == ("tmb-calc", "T1", "P01")
    parameters = record["parameters"]
    assert parameters["min_vaf"] == 0.08 and parameters["panel_is_coding"] is True
    assert parameters["panel_bed"]["sha256"] == provenance.sha256(bed)
    assert parameters["coding_bed"] is None
    assert parameters["hotspots"]["name"] == "hotspots_grch38.tsv"  # the bundled list
    assert "chunk_records" not in parameters and "out_trace" not in parameters
    assert record["inputs"] == [
        {"role": "vcf", "name": "T1.vcf", "sha256": provenance.sha256(vcf)}
    ]


def test_a_record_that_is_not_one_is_refused(tmp_path):
    path = tmp_path / "S1.ctdna_count.provenance.json"
    path.write_text(json.dumps({"format": 1, "stage": "ctdna-count"}))
    with pytest.raises(provenance.ProvenanceError, match="S1.ctdna_count.provenance.json"):
        provenance.read(path)
