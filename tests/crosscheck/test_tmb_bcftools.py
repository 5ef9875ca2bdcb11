"""The PASS / region / VAF / depth / alt-read part of the TMB filter against bcftools.

A seeded random VCF (printed seed) is filtered twice: by bcftools view (Debian) with
``-f PASS,. -T panel.bed --targets-overlap variant -i 'FMT/DP>=50 && FMT/AF>=0.05 &&
FMT/AF<=0.9 && FMT/AD[0:1]>=3'`` and by tmb-calc; the positions passing those filters must be
identical. The BED has overlapping and unsorted intervals; indels start just before and at
interval edges: a deletion is in the panel when a deleted base is, an insertion when both
bases around it are (bcftools' "variant" overlap, issue 15), not by POS alone.
"""

from __future__ import annotations

import random
import subprocess

import pytest

from stereosarc.tables import read_output_table
from tests.conftest import require_tool
from tests.unit.test_tmb_fixtures import csq, write_bed, write_vcf
from tmb.cli import main

SEED = 20240601  # project default seed (docs/development.md)
N_RECORDS = 600
BED = [
    ("chr1", 5_000, 20_000),
    ("chr1", 0, 8_000),
    ("chr2", 30_000, 31_000),
    ("chr1", 19_999, 25_000),
    ("chr2", 10_000, 12_000),
]
EDGES = [0, 5_000, 8_000, 25_000, 30_000, 31_000, 10_000, 12_000]


def random_records(rng: random.Random) -> list[str]:
    positions = set()
    while len(positions) < N_RECORDS:
        chrom = rng.choice(["chr1", "chr2"])
        pos = rng.choice([rng.randint(1, 40_000), rng.choice(EDGES) + rng.randint(-1, 2)])
        positions.add((chrom, max(pos, 1)))
    lines = []
    for chrom, pos in sorted(positions, key=lambda p: (p[0], p[1])):
        depth = rng.choice([rng.randint(20, 300), 49, 50, 51])
        alt_reads = rng.choice([rng.randint(0, depth // 4), rng.randint(0, depth), 2, 3])
        af = rng.choice([round(alt_reads / depth, 3)] * 3 + [0.05, 0.9, 0.049, 0.901])
        ref, alt = rng.choice([("A", "C"), ("AT", "A"), ("G", "GTT")])
        filt = rng.choice(["PASS", ".", "LowQual"])
        info = "CSQ=" + csq(
            alt[1:] or "-" if len(ref) > 1 or len(alt) > 1 else alt, "missense_variant"
        )
        lines.append(
            f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t.\t{filt}\t{info}\tGT:AD:DP:AF\t"
            f"0/1:{depth - alt_reads},{alt_reads}:{depth}:{af}"
        )
    return lines


def test_pass_region_vaf_depth_match_bcftools(tmp_path):
    bcftools = require_tool("bcftools")
    print(f"seed {SEED}")
    vcf = write_vcf(tmp_path / "random.vcf", random_records(random.Random(SEED)))
    bed = write_bed(tmp_path / "panel.bed", BED)
    expression = "FMT/DP>=50 && FMT/AF>=0.05 && FMT/AF<=0.9 && FMT/AD[0:1]>=3"
    out = subprocess.run(
        [
            bcftools,
            "view",
            "-H",
            "-f",
            "PASS,.",
            "-T",
            str(bed),
            "--targets-overlap",
            "variant",
            "-i",
            expression,
            str(vcf),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    expected = {(f[0], int(f[1])) for f in (line.split("\t") for line in out.splitlines())}
    trace_path = tmp_path / "trace.tsv"
    assert (
        main(
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
                "--allow-empty-fields",
                "--force-small-panel",
                "--chunk-records",
                "97",
                "--out-summary",
                str(tmp_path / "summary.tsv"),
                "--out-trace",
                str(trace_path),
            ]
        )
        == 0
    )
    trace = read_output_table(trace_path)
    passing = (
        trace[["pass_filter", "in_panel", "vaf_ok", "depth_ok", "alt_reads_ok"]].eq(1).all(axis=1)
    )
    found = set(zip(trace.loc[passing, "chrom"], trace.loc[passing, "pos"]))
    assert len(trace) == N_RECORDS
    assert 30 < len(expected) < N_RECORDS  # the case mix really exercises both sides
    assert found == expected


# Mixed edge cases. Each template is (REF, ALTs, annotation per ALT, hand label per ALT): the
# label says whether the annotation part of the rule passes (some transcript of THIS allele has
# a nonsynonymous consequence after '&' splitting, and its largest population AF <= 0.001).
VEP_TEMPLATES = [
    ("A", ["C"], [[("C", "intron_variant", ""), ("C", "missense_variant", "")]], [True]),
    ("G", ["T"], [[("T", "stop_gained&splice_region_variant", "")]], [True]),
    ("G", ["A"], [[("A", "synonymous_variant", "")]], [False]),
    (
        "A",
        ["C", "G"],
        [[("C", "missense_variant", "")], [("G", "synonymous_variant", "")]],
        [True, False],
    ),
    (
        "A",
        ["C", "T"],
        [[("C", "missense_variant", "")], [("T", "missense_variant", "0.01")]],
        [True, False],
    ),  # gnomAD 1 % on the second ALT only
    ("AT", ["A"], [[("-", "frameshift_variant", "")]], [True]),  # VEP trims: '-'
    ("A", ["AGG"], [[("GG", "inframe_insertion", "")]], [True]),  # VEP trims: 'GG'
    (
        "AC",
        ["A", "ACC"],
        [[("-", "frameshift_variant", "")], [("CC", "intron_variant", "")]],
        [True, False],
    ),
    (
        "A",
        ["T", "AT"],
        [[("T", "missense_variant", "")], [("AT", "intron_variant", "")]],
        [True, False],
    ),  # first bases differ: nothing trimmed
    ("C", ["G"], [[("G", "missense_variant", "0.0001&0.002")]], [False]),  # '&' colocated max
    ("C", ["T"], [[("T", "missense_variant", "0.001")]], [True]),  # AF = limit passes
    ("C", ["A"], [[]], [False]),  # no CSQ at all
    ("C", ["A"], [[("G", "missense_variant", "")]], [False]),  # entry of another allele
    ("AT", ["A"], [[("T", "frameshift_variant", "")]], [False]),  # not VEP's spelling ('-')
    ("C", ["T"], [[("T", "synonymous_variant", ""), ("T", "splice_donor_variant", "")]], [True]),
]
ANN_TEMPLATES = [  # snpEff: the ANN allele is the ALT as written; gnomAD in INFO (Number=A)
    ("A", ["C"], [[("C", "missense_variant", "")]], [True]),
    ("G", ["T"], [[("T", "stop_gained&splice_region_variant", "")]], [True]),
    ("G", ["A"], [[("A", "synonymous_variant", "")]], [False]),
    (
        "A",
        ["C", "G"],
        [[("C", "missense_variant", "")], [("G", "intron_variant", "")]],
        [True, False],
    ),
    (
        "A",
        ["C", "T"],
        [[("C", "missense_variant", "0.0001")], [("T", "missense_variant", "0.01")]],
        [True, False],
    ),
    ("C", ["G"], [[("G", "missense_variant", "0.002")]], [False]),
    ("AGT", ["A"], [[("A", "disruptive_inframe_deletion", "")]], [True]),  # snpEff spelling
]
FORMAT_ORDERS = ["GT:AD:DP:AF", "GT:AF:DP:AD", "AD:GT:AF:DP"]


def _annotation(tag: str, entries: list) -> str:
    if tag == "CSQ":
        return ",".join(csq(allele, cons, max_af=af) for allele, cons, af in entries)
    return ",".join(
        f"{allele}|{cons}|MODERATE|TP53|g|transcript|t" for allele, cons, af in entries
    )


def _sample(rng: random.Random, n_alt: int) -> tuple[str, str]:
    """(FORMAT, sample) with boundary depths/VAFs, missing AF/DP (biallelic only), a missing
    AD entry, shuffled key order and dropped trailing fields."""
    depth = rng.choice([rng.randint(20, 300), 49, 50, 51])
    alts = [rng.choice([rng.randint(0, depth // (n_alt + 1)), 2, 3]) for _ in range(n_alt)]
    ad = [str(max(depth - sum(alts), 0))] + [str(a) for a in alts]
    afs = [
        rng.choice([str(round(a / depth, 3))] * 3 + ["0.05", "0.9", "0.049", "0.901"])
        for a in alts
    ]
    dp = str(depth)
    case = rng.randrange(6) if n_alt == 1 else 0
    if case == 1:
        afs = ["."]  # VAF from AD
    elif case == 2:
        dp = "."  # depth = sum(AD)
    elif case == 3:
        ad[1] = "."  # alt reads missing
    values = {"GT": "0/1", "AD": ",".join(ad), "DP": dp, "AF": ",".join(afs)}
    order = rng.choice(FORMAT_ORDERS)
    fields = [values[key] for key in order.split(":")]
    if case == 4 and order.endswith(":AF"):
        fields = fields[:-1]  # trailing AF dropped: VAF from AD
    return order, ":".join(fields)


def mixed_records(rng: random.Random, tag: str, n_records: int) -> tuple[list, list]:
    """Sorted VCF lines and, per ALT allele in VCF order, (record id, ALT, hand label)."""
    templates = VEP_TEMPLATES if tag == "CSQ" else ANN_TEMPLATES
    edges = [edge + shift for edge in EDGES for shift in (0, 1) if edge + shift >= 1]
    positions = rng.sample(range(1, 40_000), n_records - 8) + rng.sample(edges, 8)
    records = []
    for n, pos in enumerate(positions):
        ref, alts, notes, labels = templates[n % len(templates)]
        info = ["AF=" + ",".join(rng.choice(["0.6", "0.01"]) for _ in alts)]  # caller AF
        if tag == "ANN":
            info.append("gnomAD_AF=" + ",".join(e[0][2] or "." if e else "." for e in notes))
        entries = [entry for per_alt in notes for entry in per_alt]
        if entries:
            info.append(f"{tag}=" + _annotation(tag, entries))
        fmt, sample = _sample(rng, len(alts))
        chrom = rng.choice(["chr1", "chr2"]) if n % 5 else "chr1"
        line = "\t".join(
            [
                chrom,
                str(pos),
                f"r{n}",
                ref,
                ",".join(alts),
                ".",
                rng.choice(["PASS", ".", "LowQual"]),
                ";".join(info),
                fmt,
                sample,
            ]
        )
        copies = 2 if n % 23 == 0 else 1  # a duplicated line: its alleles count once
        records += [
            ((chrom, pos, n), line, [(f"r{n}", alt, label) for alt, label in zip(alts, labels)])
        ] * copies
    records.sort(key=lambda r: r[0])
    return [r[1] for r in records], [allele for r in records for allele in r[2]]


# PASS/region/VAF/depth/alt reads after bcftools splits multi-allelic records: VAF = AF, else
# AD alt / (AD ref + AD alt); depth = DP, else the AD sum (AF/DP are only missing on
# biallelic records, where the split AD sum is the record's AD sum).
SPLIT_EXPRESSION = (
    '((FMT/AF!="." && FMT/AF>=0.05 && FMT/AF<=0.9) || (FMT/AF="." && '
    "FMT/AD[0:1]/(FMT/AD[0:0]+FMT/AD[0:1])>=0.05 && FMT/AD[0:1]/(FMT/AD[0:0]+FMT/AD[0:1])<=0.9))"
    ' && ((FMT/DP!="." && FMT/DP>=50) || (FMT/DP="." && FMT/AD[0:0]+FMT/AD[0:1]>=50))'
    " && FMT/AD[0:1]>=3"
)


def bcftools_passing(bcftools: str, vcf, bed, tmp_path) -> set:
    """(record id, ALT) passing the PASS/region/VAF/depth/alt part, by bcftools (Debian)."""
    split = tmp_path / "split.vcf"
    with open(split, "w") as handle:
        subprocess.run(
            [bcftools, "norm", "-m", "-any", str(vcf)],
            check=True,
            stdout=handle,
            stderr=subprocess.DEVNULL,
        )
    out = subprocess.run(
        [
            bcftools,
            "view",
            "-H",
            "-f",
            "PASS,.",
            "-T",
            str(bed),
            "--targets-overlap",
            "variant",
            "-i",
            SPLIT_EXPRESSION,
            str(split),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {(f[2], f[4]) for f in (line.split("\t") for line in out.splitlines())}


@pytest.mark.parametrize("tag", ["CSQ", "ANN"])
def test_mixed_edge_cases_match_bcftools_and_hand_labels(tmp_path, tag):
    """Multi-allelic records, VEP indel allele trimming, snpEff ANN, several transcripts, '&'
    terms, missing AF/DP/AD entries, shuffled FORMAT keys, duplicated lines, all mixed."""
    bcftools = require_tool("bcftools")
    seed = SEED + (tag == "ANN")
    print(f"seed {seed}")
    lines, alleles = mixed_records(random.Random(seed), tag, 600)
    extra = ['##INFO=<ID=gnomAD_AF,Number=A,Type=Float,Description="gnomAD AF">']
    vcf = write_vcf(tmp_path / f"mixed_{tag}.vcf", lines, annotation=tag, extra=extra)
    bed = write_bed(tmp_path / "panel.bed", BED)
    expected_part = bcftools_passing(bcftools, vcf, bed, tmp_path)
    trace_path, summary_path = tmp_path / "trace.tsv", tmp_path / "summary.tsv"
    assert (
        main(
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
                "--allow-empty-fields",
                "--force-small-panel",
                "--chunk-records",
                "61",
                "--out-summary",
                str(summary_path),
                "--out-trace",
                str(trace_path),
            ]
        )
        == 0
    )
    trace = read_output_table(trace_path)
    assert len(trace) == len(alleles)
    assert (trace["alt"] == [alt for _, alt, _ in alleles]).all()
    part = (
        trace[["pass_filter", "in_panel", "vaf_ok", "depth_ok", "alt_reads_ok"]].eq(1).all(axis=1)
    )
    assert {(rid, alt) for (rid, alt, _), ok in zip(alleles, part) if ok} == expected_part
    labels = [label for _, _, label in alleles]
    assert (trace["consequence_ok"].eq(1) & trace["population_ok"].eq(1)).tolist() == labels
    keys = list(zip(trace["chrom"], trace["pos"], trace["ref"], trace["alt"]))
    expected = {
        key
        for key, (rid, alt, label) in zip(keys, alleles)
        if label and (rid, alt) in expected_part
    }
    counted = [key for key, c in zip(keys, trace["counted"]) if c == 1]
    assert sorted(counted) == sorted(expected)  # each passing allele counted exactly once
    assert read_output_table(summary_path).iloc[0]["variants_counted"] == len(expected)
    multi = {rid for rid, alt, _ in alleles if sum(r == rid for r, _, _ in alleles) > 1}
    assert len(expected) > 20 and any(rid in multi for rid, alt in expected_part)
