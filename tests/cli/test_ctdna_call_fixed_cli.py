"""ctdna-count --sites then ctdna-call on generated BAMs: tumour-naive tracking end to end.

Targets: two BACKBONE, one MDM2, one TP53 target (500 bp each). Fixed list: T (0-based 3200,
also the tumour-VCF site of P1), F2 (3300), F3 (3400). Four PoN BAMs without mutation;
P1_B (tumour VCF with T) and P2_B (no tumour VCF) carry 10 mutant fragments at T and F2;
P3_B (no tumour VCF) carries none. Every fragment is a proper pair 150 bp long (two 100-bp
mates starting 50 bp apart), so which fragments cover a site follows from the placement.
"""

# ruff: noqa: E712  (tables hold 1/0 integers: compare with ==)
from __future__ import annotations

import pandas as pd
import pytest

from ctdna.call_cli import call_main
from ctdna.count_cli import count_main
from stereosarc.tables import read_output_table
from tests.unit.test_ctdna_count_fixtures import (
    pair,
    write_bam,
    write_reference,
    write_targets,
    write_tumour_vcf,
)

TARGETS = [
    ("chr17", 100, 600, "BACKBONE_01"),
    ("chr17", 1000, 1500, "BACKBONE_02"),
    ("chr17", 2000, 2500, "MDM2"),
    ("chr17", 3000, 3500, "TP53"),
]
T0, F2, F3 = 3200, 3300, 3400  # 0-based site positions
TP53_FRAGMENTS, OTHER_FRAGMENTS, MUTANT = 2000, 40, 10
SPAN = 150  # fragment length: mate 1 at first, mate 2 at first + 50, 100-bp reads


def _start(start: int, end: int, i: int) -> int:
    return start + (i * 7) % (end - start - SPAN)


def _reads(reference: str, mutated: int | None, alt: str) -> list:
    """Fragments of one sample; the first MUTANT TP53 fragments carry ALT at ``mutated``."""
    reads = []
    for _, start, end, gene in TARGETS:
        for i in range(TP53_FRAGMENTS if gene == "TP53" else OTHER_FRAGMENTS):
            first, variant = _start(start, end, i), None
            if gene == "TP53" and mutated is not None and i < MUTANT:
                first, variant = mutated - 60, ("snv", mutated, alt)
            reads += pair(f"{gene}_{i}", first, first + 50, variant, variant)
    return reads


def _covering(site: int, mutant_here: bool) -> int:
    """Fragments covering 0-based ``site`` by construction (first <= site < first + 150)."""
    starts = [_start(3000, 3500, i) for i in range(TP53_FRAGMENTS)]
    if mutant_here:
        starts[:MUTANT] = [site - 60] * MUTANT
    return sum(first <= site < first + SPAN for first in starts)


@pytest.fixture(scope="module")
def called(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fixed")
    reference = write_reference(tmp / "ref.fa")
    alts = {p: ("A" if reference[p] != "A" else "C") for p in (T0, F2, F3)}
    write_targets(tmp / "targets.bed", TARGETS)
    vcf = write_tumour_vcf(tmp / "T1.vcf.gz", [(T0 + 1, reference[T0], alts[T0], "PASS", 0.4)])
    listed = tmp / "hotspots.tsv"
    listed.write_text(
        "chrom\tpos\tref\talt\tgene\n"
        + "".join(f"chr17\t{p + 1}\t{reference[p]}\t{alts[p]}\tTP53\n" for p in (T0, F2, F3))
    )
    samples = {
        "PON1": None,
        "PON2": None,
        "PON3": None,
        "PON4": None,
        "P1_B": T0,
        "P2_B": F2,
        "P3_B": None,
    }
    sheet = [
        "patient,sample,type,timepoint,vcf,bam,cfdna_ng_per_ml,collection_date",
        f"P1,T1,tumour,,{vcf},,,",
    ]
    for sample, mutated in samples.items():
        bam = write_bam(
            tmp / f"{sample}.bam", reference, _reads(reference, mutated, alts.get(mutated, ""))
        )
        pon = sample.startswith("PON")
        patient = "" if pon else sample.split("_")[0]
        sheet.append(f"{patient},{sample},{'pon,' if pon else 'plasma,baseline'},,{bam},3.3,")
        tumour = (
            ["--tumour", f"T1={vcf}"] if sample in ("P1_B", "PON1", "PON2", "PON3", "PON4") else []
        )
        assert (
            count_main(
                [
                    "--bam",
                    str(bam),
                    "--sample",
                    sample,
                    *tumour,
                    "--sites",
                    str(listed),
                    "--targets",
                    str(tmp / "targets.bed"),
                    "--fasta",
                    str(tmp / "ref.fa"),
                    "--out-sites",
                    str(tmp / f"{sample}.site_counts.tsv"),
                    "--out-targets",
                    str(tmp / f"{sample}.target_depth.tsv"),
                ]
            )
            == 0
        )
    (tmp / "samplesheet.valid.csv").write_text("\n".join(sheet) + "\n")
    out = tmp / "out"
    assert (
        call_main(
            [
                "--samplesheet",
                str(tmp / "samplesheet.valid.csv"),
                "--site-counts",
                *map(str, sorted(tmp.glob("*.site_counts.tsv"))),
                "--target-depth",
                *map(str, sorted(tmp.glob("*.target_depth.tsv"))),
                "--outdir",
                str(out),
            ]
        )
        == 0
    )
    return (
        read_output_table(out / "ctdna.tsv").set_index("sample"),
        read_output_table(out / "ctdna_sites.tsv"),
        read_output_table(out / "rejects_ctdna.tsv"),
    )


def test_patient_without_tumour_vcf_is_called_on_the_fixed_sites(called):
    ctdna, sites, _ = called
    p2 = ctdna.loc["P2_B"]
    assert p2["snv_mode"] == "tumour_naive" and p2["detected"] == 1
    assert p2["detection_source"] == "fixed" and p2["p_value_source"] == "fixed"
    assert p2["fixed_n_sites"] == 3 and p2["fixed_n_called"] == 1
    assert p2["fixed_max_vaf"] == pytest.approx(MUTANT / _covering(F2, True))
    assert pd.isna(p2["tumour_fraction"]) and p2["n_sites"] == 0
    row = sites[(sites["sample"] == "P2_B") & (sites["pos"] == F2 + 1)].iloc[0]
    assert (row["alt_fragments"], row["depth_fragments"]) == (MUTANT, _covering(F2, True))
    assert row["site_set"] == "fixed" and row["site_called"] == 1 and row["used"] == 1


def test_tf_zero_patient_without_tumour_vcf_is_not_detected(called):
    ctdna, sites, _ = called
    p3 = ctdna.loc["P3_B"]
    assert p3["snv_mode"] == "tumour_naive" and p3["fixed_detected"] == 0
    # no tumour VCF, no tissue MDM2: a fixed-site negative is NA, never a negative
    assert pd.isna(p3["detected"]) and p3["evaluable"] == 0 and p3["p_value_source"] == "fixed"
    assert p3["reason_code"] == "no_informative_marker"
    p3_sites = sites[sites["sample"] == "P3_B"]
    assert p3_sites["alt_fragments"].sum() == 0
    assert list(p3_sites["depth_fragments"]) == [_covering(p, False) for p in (T0, F2, F3)]


def test_fixed_site_that_is_the_tumour_site_is_used_once(called):
    ctdna, sites, rejects = called
    p1 = ctdna.loc["P1_B"]
    assert p1["snv_mode"] == "tumour_informed" and p1["detection_source"] == "snv"
    assert (p1["n_sites"], p1["alt_fragments"]) == (1, MUTANT)  # T once, not twice
    assert p1["total_fragments"] == _covering(T0, True)
    assert p1["fixed_n_sites"] == 2 and p1["fixed_detected"] == 0  # F2, F3 reported apart
    t = sites[(sites["sample"] == "P1_B") & (sites["pos"] == T0 + 1)].set_index("site_set")
    assert t.loc["tumour", "used"] == 1 and t.loc["fixed", "used"] == 0
    assert "also a tumour-informed site" in t.loc["fixed", "not_used_reason"]
    again = rejects[rejects["code"] == "ctdna_site_also_tumour_informed"]
    assert again["detail"].str.fullmatch(f"chr17:{T0 + 1} .* in P1_B").sum() == 1
    assert set(again["severity"]) == {"info"}  # evaluated once, as a tumour site: no data lost
    assert not sites["not_used_reason"].fillna("").str.contains("another patient").any()
