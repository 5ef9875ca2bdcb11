"""The true TMB count of demo VCFs, re-derived with bcftools (norm, view -T, +split-vep).

The issue-3 default rule applied to bcftools' own parsing of the written VCF: FILTER PASS,
POS in panel.bed, 0.05 <= FORMAT/AF <= 0.9, FORMAT/DP >= 50, alt reads >= 3, every population
AF (gnomADe_AF, gnomADg_AF, MAX_AF; missing = 0) <= 0.001, a nonsynonymous consequence in
some transcript ('&' split). Expected = the generator's ``counted`` truth.
"""

from __future__ import annotations

import subprocess

import numpy as np

from stereosarc.demo import io
from stereosarc.demo.cohort import simulate_patients
from stereosarc.demo.reference import coding_bed, ctdna_targets, merged_length, panel_bed
from stereosarc.demo.variant_files import vcf_text
from stereosarc.demo.variants import tmb_count, tumour_variants
from tests.conftest import require_tool
from tmb.drivers import bundled_hotspots

NONSYNONYMOUS = {
    "missense_variant",
    "stop_gained",
    "stop_lost",
    "start_lost",
    "frameshift_variant",
    "inframe_insertion",
    "inframe_deletion",
    "protein_altering_variant",
    "splice_acceptor_variant",
    "splice_donor_variant",
}
FORMAT = (
    r"%CHROM\t%POS\t%REF\t%ALT\t%Consequence\t%gnomADe_AF\t%gnomADg_AF\t%MAX_AF\t"
    r"[%AF]\t[%DP]\t[%AD]\n"
)


def _bcftools_count(bcftools: str, vcf, panel, coding=None) -> int:
    also_coding = f"{bcftools} view -T {coding} -Ou | " if coding else ""
    command = (
        f"{bcftools} norm -m- -Ou {vcf} | {bcftools} view -f PASS -T {panel} -Ou | "
        f"{also_coding}{bcftools} +split-vep -d -f '{FORMAT}'"
    )
    out = subprocess.run(command, shell=True, check=True, capture_output=True, text=True).stdout
    alleles: dict[tuple, bool] = {}
    for line in out.splitlines():
        chrom, pos, ref, alt, consequence, *pops, af, dp, ad = line.split("\t")
        population = max(0.0 if p == "." else float(p) for p in pops)
        passing = (
            0.05 <= float(af) <= 0.9
            and int(dp) >= 50
            and int(ad.split(",")[1]) >= 3
            and population <= 0.001
        )
        nonsynonymous = bool(set(consequence.split("&")) & NONSYNONYMOUS)
        key = (chrom, pos, ref, alt)
        alleles[key] = alleles.get(key, False) or (passing and nonsynonymous)
    return sum(alleles.values())


def test_true_tmb_count_matches_bcftools(tmp_path):
    bcftools = require_tool("bcftools")
    targets = ctdna_targets()
    panel = panel_bed(targets)
    panel_path = tmp_path / "panel.bed"
    io.write_bed(panel, panel_path)
    coding_path = tmp_path / "coding.bed"
    io.write_bed(coding_bed(panel), coding_path)
    panel_mb = merged_length(panel) / 1e6
    patients = simulate_patients(6, 5)
    rows = [
        line.split("\t")
        for line in bundled_hotspots().read_text().splitlines()
        if not line.startswith("#")
    ][1:]
    listed = {tuple(row[:4]) for row in rows}
    for index, p in enumerate(patients.itertuples(index=False)):
        rng = np.random.default_rng([5, index])
        variants = tumour_variants(
            rng, panel, targets, tmb_count(p.tmb_per_mb, panel_mb), int(p.n_tp53_mutations)
        )
        vcf = tmp_path / f"{p.patient}-T.vcf.gz"
        io.write_vcf(vcf_text(f"{p.patient}-T", variants), vcf)
        assert _bcftools_count(bcftools, vcf, panel_path) == variants["counted"].sum(), p.patient
        # the coding path (panel ∩ coding.bed) keeps the same truth
        assert _bcftools_count(bcftools, vcf, panel_path, coding_path) == variants["counted"].sum()
        # the default driver exclusion leaves the truth alone: no planted allele is listed
        keys = set(
            zip(variants["chrom"], variants["pos"].astype(str), variants["ref"], variants["alt"])
        )
        assert not keys & listed
        assert set(variants["category"]) >= {
            "synonymous",
            "intronic",
            "gnomad_common",
            "low_vaf",
            "low_depth",
            "not_pass",
            "off_panel",
            "high_vaf",
        }


def test_demo_coding_bed_covers_the_panel_and_more():
    panel = panel_bed(ctdna_targets())
    coding = coding_bed(panel)
    # every panel interval is a coding interval, so panel ∩ coding = panel (panel_mb unchanged)
    assert set(zip(panel["chrom"], panel["start"], panel["end"])) <= set(
        zip(coding["chrom"], coding["start"], coding["end"])
    )
    assert merged_length(coding) > merged_length(panel)
    assert "chrX" in set(coding["chrom"]) - set(panel["chrom"])


def test_tmb_count_stays_on_its_side_of_the_high_cut():
    assert tmb_count(10.0, 1.1) / 1.1 >= 10
    assert tmb_count(9.99, 1.1) / 1.1 < 10
    assert tmb_count(0.01, 1.1) == 1
    assert tmb_count(3.0, 1.1) == 3  # round(3.3)
