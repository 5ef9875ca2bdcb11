"""MNVs counted once and indel panel membership over the affected bases (issue 15).

``tests/data/tmb/mnv_and_indel_edges.vcf`` (record IDs name the cases) with
``mnv_and_indel_edges.bed`` (exon [7000, 7100) 0-based). The expected count comes from
bcftools on the same file: ``view -f PASS -T bed --targets-overlap variant`` for the
panel part, then the adjacent-SNV rule written out here on bcftools' query output.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from stereosarc.tables import read_output_table
from tests.conftest import require_tool
from tmb.cli import main

DATA = Path(__file__).resolve().parents[1] / "data" / "tmb"
VCF, BED = DATA / "mnv_and_indel_edges.vcf", DATA / "mnv_and_indel_edges.bed"


def run(tmp_path, *extra):
    assert (
        main(
            [
                "--vcf",
                str(VCF),
                "--sample",
                "T1",
                "--patient",
                "P1",
                "--panel-bed",
                str(BED),
                "--panel-is-coding",
                "--force-small-panel",
                "--max-pop-af",
                "1",
                "--out-summary",
                str(tmp_path / "s.tsv"),
                "--out-trace",
                str(tmp_path / "t.tsv"),
                *extra,
            ]
        )
        == 0
    )
    return read_output_table(tmp_path / "s.tsv").iloc[0], read_output_table(tmp_path / "t.tsv")


def bcftools_events(tolerance: float = 0.05) -> tuple[set, int]:
    """(IDs in the panel and PASS per bcftools, events after joining adjacent SNVs)."""
    out = subprocess.run(
        [
            require_tool("bcftools"),
            "view",
            "-f",
            "PASS",
            "-T",
            str(BED),
            "--targets-overlap",
            "variant",
            str(VCF),
            "-Ou",
        ],
        check=True,
        capture_output=True,
    ).stdout
    rows = subprocess.run(
        [require_tool("bcftools"), "query", "-f", "%ID\t%POS\t%REF\t%ALT\t[%AF]\n", "-"],
        input=out,
        check=True,
        capture_output=True,
    ).stdout.decode()
    ids, events, previous = set(), 0, None
    for line in rows.splitlines():
        ident, pos, ref, alt, af = line.split("\t")
        ids.add(ident)
        snv = len(ref) == 1 and len(alt) == 1
        joins = (
            snv
            and previous is not None
            and int(pos) == previous[0] + 1
            and abs(float(af) - previous[1]) <= tolerance
        )
        events += not joins
        previous = (int(pos), float(af)) if snv else None
    return ids, events


def test_adjacent_snvs_of_equal_vaf_are_one_event_like_the_bcftools_count(tmp_path):
    summary, trace = run(tmp_path)
    ids, events = bcftools_events()
    # hand: doublet 1, triplet 1, pair of other VAFs 2, gap (LowQual between) 2, one-record
    # MNV 1, deletion anchored before the exon 1, insertion in the exon 1
    assert summary["variants_counted"] == events == 9
    reasons = dict(zip(zip(trace["pos"], trace["ref"], trace["alt"]), trace["reason"]))
    assert reasons[(1001, "C", "T")] == "mnv_continuation"
    assert reasons[(2001, "G", "T")] == reasons[(2002, "A", "C")] == "mnv_continuation"
    assert reasons[(3001, "T", "C")] == "counted" and reasons[(5002, "T", "G")] == "counted"
    assert summary["alleles_mnv_continuation"] == 3
    chunked, _ = run(tmp_path, "--chunk-records", "1")  # pairs split across chunks
    assert chunked["variants_counted"] == 9


def test_without_the_rule_every_snv_counts(tmp_path):
    summary, trace = run(tmp_path, "--mnv-vaf-tolerance", "-1")
    _, events = bcftools_events(tolerance=-1)
    assert summary["variants_counted"] == events == 12
    assert trace["mnv_ok"].isna().all()


def test_indel_membership_over_the_affected_bases_equals_bcftools_variant_overlap(tmp_path):
    _, trace = run(tmp_path)
    ids, _ = bcftools_events()
    lines = [row.split("\t") for row in VCF.read_text().splitlines() if not row.startswith("#")]
    in_panel = {f[2] for f, ok in zip(lines, trace["in_panel"]) if ok == 1}
    passing = {f[2] for f in lines if f[6] == "PASS"}
    assert in_panel & passing == ids
    assert "deletion_anchored_before_exon" in ids and "snv_before_exon" not in ids
    assert not {"deletion_after_last_exon_base", "insertion_after_last_exon_base"} & ids


def test_bcf_twin_gives_the_same_trace(tmp_path):
    """``mnv_and_indel_edges.bcf`` was written from the VCF by ``bcftools view -Ob``; read
    through htslib it gives the same trace and the record count bcftools gives."""
    bcf = DATA / "mnv_and_indel_edges.bcf"
    records = subprocess.run(
        [require_tool("bcftools"), "view", "-H", str(bcf)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.count("\n")
    summary, trace = run(tmp_path)
    assert (
        main(
            [
                "--vcf",
                str(bcf),
                "--sample",
                "T1",
                "--patient",
                "P1",
                "--panel-bed",
                str(BED),
                "--panel-is-coding",
                "--force-small-panel",
                "--max-pop-af",
                "1",
                "--out-summary",
                str(tmp_path / "b.tsv"),
                "--out-trace",
                str(tmp_path / "bt.tsv"),
            ]
        )
        == 0
    )
    twin = read_output_table(tmp_path / "bt.tsv")
    assert twin.equals(trace)
    assert read_output_table(tmp_path / "b.tsv").iloc[0]["records_read"] == records == 16
    assert read_output_table(tmp_path / "b.tsv").iloc[0]["variants_counted"] == 9
