"""ctdna-count --manifest (several samples in one process, CTDNA_COUNT_GROUP): every table of
every sample byte-identical to the ungrouped run of that sample; bad manifests refused."""

from __future__ import annotations

import pytest

from ctdna.count_cli import OUTPUT_SUFFIXES, count_main
from tests.unit.test_ctdna_count_fixtures import (
    pair,
    write_bam,
    write_reference,
    write_targets,
    write_tumour_vcf,
)

SNV0 = 300  # 0-based position of the tumour SNV (inside the first target)
TABLES = tuple(OUTPUT_SUFFIXES.values())


@pytest.fixture()
def cohort(tmp_path):
    """Three samples: S1 and S2 of patient 1 (tumour T1; S2 with more mutant fragments), a
    PoN with both tumours; and the second tumour T2 at another site."""
    reference = write_reference(tmp_path / "ref.fa", length=1000)
    alt = "A" if reference[SNV0] != "A" else "C"
    other = "G" if reference[620] != "G" else "T"
    vcf1 = write_tumour_vcf(
        tmp_path / "T1.vcf.gz", [(SNV0 + 1, reference[SNV0], alt, "PASS", 0.4)]
    )
    vcf2 = write_tumour_vcf(
        tmp_path / "T2.vcf.gz", [(621, reference[620], other, "PASS", 0.3)], sample="T2"
    )
    bams = {}
    for sample, mutant in (("S1", 1), ("S2", 3), ("PON1", 0)):
        reads = []
        for i in range(6):
            variant = ("snv", SNV0, alt) if i < mutant else None
            reads += pair(f"{sample}p{i}", 250 + i, 270 + i, variant, variant)
            reads += pair(f"{sample}d{i}", 560 + 3 * i, 600, None, None)
        bams[sample] = write_bam(tmp_path / f"{sample}.bam", reference, reads)
    bed = write_targets(
        tmp_path / "targets.bed",
        [("chr17", 200, 400, "TP53"), ("chr17", 550, 700, "TP53"), ("chr17", 800, 850, "REF1")],
    )
    tumours = {"S1": [("T1", vcf1)], "S2": [("T1", vcf1)], "PON1": [("T1", vcf1), ("T2", vcf2)]}
    return {"dir": tmp_path, "bams": bams, "bed": bed, "tumours": tumours}


def _shared(cohort) -> list[str]:
    return ["--targets", str(cohort["bed"]), "--fasta", str(cohort["dir"] / "ref.fa")]


def _ungrouped(cohort, sample: str) -> int:
    out = cohort["dir"] / "one"
    argv = ["--bam", str(cohort["bams"][sample]), "--sample", sample, *_shared(cohort)]
    argv += [f"--tumour={tumour}={vcf}" for tumour, vcf in cohort["tumours"][sample]]
    argv += ["--out-sites", str(out / f"{sample}.site_counts.tsv")]
    return count_main(argv + ["--out-targets", str(out / f"{sample}.target_depth.tsv")])


def _manifest(cohort, rows: list[str], name: str = "group.tsv"):
    path = cohort["dir"] / name
    path.write_text("\n".join(["sample\tbam\ttumours", *rows]) + "\n")
    return path


def _row(cohort, sample: str) -> str:
    tumours = ";".join(f"{tumour}={vcf}" for tumour, vcf in cohort["tumours"][sample])
    return f"{sample}\t{cohort['bams'][sample]}\t{tumours}"


def _grouped(cohort, manifest, *extra: str) -> int:
    out = cohort["dir"] / "group"
    return count_main(
        ["--manifest", str(manifest), "--out-dir", str(out), *_shared(cohort), *extra]
    )


def test_grouped_tables_equal_ungrouped_byte_for_byte(cohort):
    samples = ("S1", "S2", "PON1")
    assert all(_ungrouped(cohort, sample) == 0 for sample in samples)
    manifest = _manifest(cohort, [_row(cohort, sample) for sample in samples])
    assert _grouped(cohort, manifest) == 0
    for sample in samples:
        for suffix in TABLES:
            one = (cohort["dir"] / "one" / f"{sample}.{suffix}").read_bytes()
            assert (cohort["dir"] / "group" / f"{sample}.{suffix}").read_bytes() == one, (
                sample,
                suffix,
            )
    sites = (cohort["dir"] / "group" / "S2.site_counts.tsv").read_text().splitlines()
    assert len(sites) == 2 and "\tT1\t" in sites[1]  # the test counts something real
    pon = (cohort["dir"] / "group" / "PON1.site_counts.tsv").read_text().splitlines()
    assert len(pon) == 3  # both tumours' sites: the PoN row keeps its own tumour list


def test_sample_without_tumours_has_empty_site_table_as_ungrouped(cohort):
    cohort["tumours"]["S1"] = []
    assert _ungrouped(cohort, "S1") == 0
    assert _grouped(cohort, _manifest(cohort, [_row(cohort, "S1")])) == 0
    for suffix in TABLES:
        one = (cohort["dir"] / "one" / f"S1.{suffix}").read_bytes()
        assert (cohort["dir"] / "group" / f"S1.{suffix}").read_bytes() == one


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["S1\t{S1}\t", "S1\t{S2}\t"], "row 3: sample 'S1' repeated"),
        (["S1\t\t"], "row 2, column bam: empty"),
        (["S1\t{S1}\tT1"], "row 2, column tumours"),
        (["S1\t{S1}\t", "S-2/x\t{S2}\t"], "--sample 'S-2/x' does not match"),
        ([], "no sample row"),
    ],
)
def test_bad_manifest_is_refused_naming_the_row(cohort, capsys, rows, message):
    rows = [row.format(**{s: str(b) for s, b in cohort["bams"].items()}) for row in rows]
    assert _grouped(cohort, _manifest(cohort, rows)) == 2
    assert message in capsys.readouterr().err


def test_manifest_without_bam_column_is_refused(cohort, capsys):
    path = cohort["dir"] / "bad.tsv"
    path.write_text(f"sample\tpath\nS1\t{cohort['bams']['S1']}\n")
    assert _grouped(cohort, path) == 2
    assert "lacks column(s) bam" in capsys.readouterr().err


def test_manifest_with_per_sample_options_is_refused(cohort, capsys):
    manifest = _manifest(cohort, [_row(cohort, "S1")])
    assert _grouped(cohort, manifest, "--sample", "S1") == 2
    assert "--sample given too" in capsys.readouterr().err


def test_out_dir_without_manifest_and_missing_bam_are_refused(cohort, capsys):
    argv = ["--sample", "S1", *_shared(cohort), "--out-dir", str(cohort["dir"])]
    assert count_main(argv) == 2
    assert "--out-dir goes with --manifest" in capsys.readouterr().err
    assert count_main(["--sample", "S1", *_shared(cohort)]) == 2
    assert "--bam, --out-sites, --out-targets required" in capsys.readouterr().err


def test_failing_sample_fails_the_group_and_is_named(cohort, capsys):
    missing = cohort["dir"] / "absent.bam"
    manifest = _manifest(cohort, [_row(cohort, "S1"), f"S2\t{missing}\t"])
    assert _grouped(cohort, manifest) == 2
    err = capsys.readouterr().err
    assert "counting sample S2 of" in err and "absent.bam: BAM file not found" in err
    assert (cohort["dir"] / "group" / "S1.site_counts.tsv").exists()  # earlier ones written


def test_bad_sample_id_is_refused_before_any_sample_is_counted(cohort, capsys):
    manifest = _manifest(cohort, [_row(cohort, "S1"), f"../S2\t{cohort['bams']['S2']}\t"])
    assert _grouped(cohort, manifest) == 2
    assert "does not match" in capsys.readouterr().err
    assert not (cohort["dir"] / "group").exists()
