"""MNV rule with phase (issue 15): adjacent SNVs on one haplotype of one phase set are one
event; on opposite haplotypes or in different phase sets they are two, whatever their VAFs;
unphased pairs keep the VAF rule.

Fixtures (``tests/data/tmb/phase/``; record IDs name the cases), in the callers' formats:
``mutect2_phased.vcf`` (GATK 4.2 Mutect2 tumour/normal: phased GT with PGT, PID and PS; and
GATK 4.0-style records with unphased GT and PGT/PID only) and ``ps_phased.vcf`` (one
sample, phased GT with FORMAT/PS as WhatsHap writes it). The expected events are derived
from bcftools' reading of the same files (``bcftools query -f '[%GT\\t%PS\\t%PGT\\t%PID]'``)
with the rule written out below, and by hand in each test.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from stereosarc.tables import read_output_table
from tests.conftest import require_tool
from tmb.cli import main

DATA = Path(__file__).resolve().parents[1] / "data" / "tmb" / "phase"
PHASE_TAGS = ("GT", "PS", "PGT", "PID")  # FORMAT tags read back (undeclared ones as '.')
MUTECT2, PS_PHASED, BED = DATA / "mutect2_phased.vcf", DATA / "ps_phased.vcf", DATA / "panel.bed"


def run(tmp_path, vcf: Path, sample: str, *extra):
    args = ["--vcf", str(vcf), "--sample", sample, "--patient", "P1", "--panel-bed", str(BED)]
    args += ["--panel-is-coding", "--force-small-panel", "--max-pop-af", "1"]
    args += ["--out-summary", str(tmp_path / "s.tsv"), "--out-trace", str(tmp_path / "t.tsv")]
    assert main(args + list(extra)) == 0
    return read_output_table(tmp_path / "s.tsv").iloc[0], read_output_table(tmp_path / "t.tsv")


def bcftools_phase(vcf: Path, sample: str) -> list[tuple]:
    """(ID, POS, phase or None, AF) per record as bcftools reads the tumour sample: phased GT
    with PS (missing PS: the one implicit set), else phased PGT with PID."""
    bcftools = require_tool("bcftools")
    header = subprocess.run(
        [bcftools, "view", "-h", str(vcf)], check=True, capture_output=True, text=True
    ).stdout
    tags = [f"%{t}" if f"##FORMAT=<ID={t}," in header else "." for t in PHASE_TAGS]
    fields = "%ID\t%POS\t[" + "\t".join(tags) + "\t%AF]\n"
    out = subprocess.run(
        [bcftools, "query", "-s", sample, "-f", fields, str(vcf)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows = []
    for line in out.splitlines():
        ident, pos, gt, ps, pgt, pid, af = line.split("\t")
        phase = None
        if "|" in gt:
            phase = ("PS", "" if ps == "." else ps, gt.split("|").index("1"))
        elif "|" in pgt and pid != ".":
            phase = ("PID", pid, pgt.split("|").index("1"))
        rows.append((ident, int(pos), phase, float(af)))
    return rows


def events(rows: list[tuple], tolerance: float = 0.05) -> tuple[int, set]:
    """Events of adjacent SNV records (all SNVs, all counted) and the IDs joined to the one
    before: by phase when both are phased, else by VAF."""
    count, joined, previous = 0, set(), None
    for ident, pos, phase, af in rows:
        join = previous is not None and pos == previous[1] + 1
        if join and phase is not None and previous[2] is not None:
            join = phase == previous[2]
        elif join:
            join = abs(af - previous[3]) <= tolerance
        count += not join
        joined |= {ident} if join else set()
        previous = (ident, pos, phase, af)
    return count, joined


@pytest.mark.parametrize("chunk", ["100", "1"])
def test_mutect2_pgt_pid_and_ps_phase_decide_before_vaf(tmp_path, chunk):
    summary, trace = run(tmp_path, MUTECT2, "S1-T", "--chunk-records", chunk)
    count, joined = events(bcftools_phase(MUTECT2, "S1-T"))
    # hand: cis pair 1, trans pair (equal VAF) 2, other PID groups 2, unphased pair of close
    # VAF 1, same PID group of VAF 0.2 / 0.3: 1 -> 7 events of 10 SNVs
    assert summary["variants_counted"] == count == 7
    assert joined == {"cis_pair_2", "unphased_2", "same_group_2"}
    reasons = dict(zip(trace["pos"], trace["reason"]))
    assert {p for p, r in reasons.items() if r == "mnv_continuation"} == {1001, 4001, 5001}
    assert summary["alleles_mnv_continuation"] == 3


@pytest.mark.parametrize("chunk", ["100", "1"])
def test_ps_phased_pairs_on_opposite_haplotypes_or_other_sets_are_two_events(tmp_path, chunk):
    summary, trace = run(tmp_path, PS_PHASED, "T1", "--chunk-records", chunk)
    count, joined = events(bcftools_phase(PS_PHASED, "T1"))
    # hand: opposite haplotypes 2, same haplotype (VAF 0.2 / 0.3) 1, other phase sets 2,
    # both without PS (one implicit set, VAF 0.25 / 0.40) 1, one of the pair unphased (VAF
    # rule, equal VAFs) 1 -> 7 events of 10 SNVs
    assert summary["variants_counted"] == count == 7
    assert joined == {"same_haplotype_2", "no_ps_2", "one_unphased_2"}
    assert trace.loc[trace["pos"] == 1001, "mnv_ok"].item() == 1


def test_the_vaf_rule_alone_would_merge_the_opposite_haplotypes(tmp_path):
    """The unphased reading of the same PS file (phase stripped by bcftools) gives the VAF
    rule's count: the opposite-haplotype and other-set pairs merge, the differing VAFs don't."""
    stripped = tmp_path / "unphased.vcf"
    subprocess.run(
        [
            require_tool("bcftools"),
            "annotate",
            "-x",
            "FORMAT/PS",
            str(PS_PHASED),
            "-o",
            str(stripped),
        ],
        check=True,
    )
    text = stripped.read_text().replace("0|1", "0/1").replace("1|0", "0/1")
    stripped.write_text(text)
    summary, trace = run(tmp_path, stripped, "T1")
    count, joined = events(bcftools_phase(stripped, "T1"))
    # hand: 1 + 2 (VAF 0.2 / 0.3) + 1 + 2 (0.25 / 0.40) + 1 = 7, joining other pairs than above
    assert summary["variants_counted"] == count == 7
    assert joined == {"opposite_haplotypes_2", "other_sets_2", "one_unphased_2"}
    continued = set(trace.loc[trace["reason"] == "mnv_continuation", "pos"])
    assert continued == {1001, 3001, 5001}
