"""ctdna-call end to end on a tiny hand-built cohort (tables generated in tmp_path).

Cohort: P1 has a tumour VCF (3 TP53 sites, one black-listed by the PoN) and plasma at
baseline (positive) and month 6 (negative); P2 is a liposarcoma without VCF whose plasma
carries an MDM2 gain (tissue MDM2 copy number 22); P3 has plasma but neither VCF nor depth.
Every expected value below is derived by hand in the comments.
"""

# ruff: noqa: E712  (tables hold numpy booleans/1-0 integers: compare with ==)
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ctdna.call_cli import call_main
from stereosarc.tables import read_output_table

REFERENCE = [100.0, 200.0, 300.0, 400.0]  # BACKBONE depths: median 250
PON_MDM2 = {"PON1": 1.0, "PON2": 1.02, "PON3": 0.98, "PON4": 1.0}  # normalised MDM2 depth
PLASMA_MDM2 = {"P1_B": 1.0, "P1_M6": 1.0, "P2_B": 2.0, "P2_R": 1.5}
SITES = [("chr17", 7675088, "C", "T"), ("chr17", 7674220, "C", "T"), ("chr17", 7673802, "G", "A")]
# alt fragments per site (depth 1000 each): the third site is at 10 % VAF in two PoN donors
ALT = {
    "PON1": (0, 0, 100),
    "PON2": (0, 1, 100),
    "PON3": (0, 0, 0),
    "PON4": (0, 0, 0),
    "P1_B": (20, 25, 50),
    "P1_M6": (0, 0, 40),
}


def _depth_file(folder, sample, mdm2, scale=1.0):
    rows = [
        (f"chr1\t{1000 * i}\t{1000 * i + 100}\tBACKBONE_{i + 1:02d}", d * scale)
        for i, d in enumerate(REFERENCE)
    ]
    rows += [
        ("chr12\t68808000\t68808100\tMDM2", mdm2 * 250 * scale),
        ("chr12\t68810000\t68810100\tMDM2", mdm2 * 250 * scale),
        ("chr12\t57747000\t57747100\tCDK4", 250 * scale),
        ("chr17\t7675000\t7675200\tTP53", 5000 * scale),
    ]  # excluded: not in the median
    lines = ["sample\tchrom\tstart\tend\tgene\tfragments\tmean_fragment_depth"]
    lines += [f"{sample}\t{target}\t{int(depth)}\t{depth}" for target, depth in rows]
    path = folder / f"{sample}.target_depth.tsv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _sites_file(folder, sample, alts):
    lines = [
        "sample\ttumour_sample\tchrom\tpos\tref\talt\tgene\tvariant_type\ttissue_vaf\t"
        "ref_fragments\talt_fragments\tother_fragments\tdiscordant_fragments\t"
        "depth_fragments"
    ]
    for (chrom, pos, ref, alt), count in zip(SITES, alts):
        lines.append(
            f"{sample}\tT1\t{chrom}\t{pos}\t{ref}\t{alt}\tTP53\tsnv\t0.4\t"
            f"{1000 - count}\t{count}\t0\t0\t1000"
        )
    path = folder / f"{sample}.site_counts.tsv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def cohort(tmp_path):
    sheet = [
        "patient,sample,type,timepoint,vcf,bam,cfdna_ng_per_ml,collection_date",
        f"P1,T1,tumour,,{tmp_path}/T1.vcf.gz,,,",
        f"P1,P1_B,plasma,baseline,,{tmp_path}/P1_B.bam,6.6,2024-01-10",
        f"P1,P1_M6,plasma,month6,,{tmp_path}/P1_M6.bam,3.3,2024-07-10",
        f"P2,P2_B,plasma,baseline,,{tmp_path}/P2_B.bam,9.9,2024-02-01",
        f"P2,P2_R,plasma,relapse,,{tmp_path}/P2_R.bam,,2024-08-01",
        f"P3,P3_B,plasma,baseline,,{tmp_path}/P3_B.bam,,2024-03-01",
    ]
    sheet += [f",{s},pon,,,{tmp_path}/{s}.bam,," for s in PON_MDM2]
    (tmp_path / "samplesheet.valid.csv").write_text("\n".join(sheet) + "\n")
    depth = [
        _depth_file(tmp_path, s, v, scale=1 + i / 4)
        for i, (s, v) in enumerate({**PON_MDM2, **PLASMA_MDM2}.items())
    ]
    sites = [_sites_file(tmp_path, s, a) for s, a in ALT.items()]
    sites.append(_sites_file(tmp_path, "GHOST", (1, 1, 1)))  # not in the samplesheet
    (tmp_path / "tissue_cn.tsv").write_text(
        "patient\tgene\tcopy_number\nP2\tMDM2\t22\nP2\tCDK4\t30\n"
    )
    (tmp_path / "clinical.csv").write_text(
        "patient,progression_date\nP1,2024-09-01\nP2,2024-09-01\nP3,\n"
    )
    return tmp_path, depth, sites


def _run(tmp_path, depth, sites, *extra):
    out = tmp_path / "out"
    code = call_main(
        [
            "--samplesheet",
            str(tmp_path / "samplesheet.valid.csv"),
            "--target-depth",
            *map(str, depth),
            "--site-counts",
            *map(str, sites),
            "--tissue-cn",
            str(tmp_path / "tissue_cn.tsv"),
            "--clinical",
            str(tmp_path / "clinical.csv"),
            "--outdir",
            str(out),
            *extra,
        ]
    )
    return code, out


def test_cohort_levels_dynamics_and_rejects(cohort):
    code, out = _run(*cohort)
    assert code == 0
    ctdna = read_output_table(out / "ctdna.tsv").set_index("sample")
    assert list(ctdna.index) == ["P1_B", "P1_M6", "P2_B", "P2_R", "P3_B"]
    b = ctdna.loc["P1_B"]
    # sites 1-2 used (site 3 black-listed): 20 + 25 alt of 2 x 1000
    assert (b["n_sites"], b["alt_fragments"], b["total_fragments"]) == (2, 45, 2000)
    assert b["mean_vaf"] == pytest.approx(0.0225)  # mean(20/1000, 25/1000)
    assert b["detected"] == 1 and b["tf_source"] == "snv" and b["p_value_source"] == "snv"
    assert b["hge_per_ml"] == pytest.approx(2000.0)  # 6.6 ng/mL / 3.3 pg
    assert b["mutant_molecules_per_ml"] == pytest.approx(45.0)  # 2000 x 0.0225
    assert b["mdm2_log2_ratio"] == pytest.approx(0.0) and b["mdm2_amplified"] == 0
    m6 = ctdna.loc["P1_M6"]
    assert m6["detected"] == 0 and m6["alt_fragments"] == 0
    p2 = ctdna.loc["P2_B"]
    # MDM2 normalised depth 2.0 vs PoN median 1.0 -> log2 = 1; f = 2 (2 - 1) / (22 - 2)
    assert p2["mdm2_log2_ratio"] == pytest.approx(1.0)
    assert p2["tumour_fraction"] == pytest.approx(0.1) and p2["tf_source"] == "cn"
    assert p2["p_value_source"] == "cn" and p2["p_value"] == pytest.approx(p2["mdm2_p_value"])
    assert p2["detected"] == 1 and p2["n_sites"] == 0 and p2["tissue_copy_number"] == 22
    loo = np.log2([1.0, 1.02 / 1.0, 0.98 / 1.0, 1.0])  # PoN leave-one-out MDM2 log2 ratios
    # predictive t against 4 PoN values (t with 3 df): (x - mean) / (sd sqrt(1 + 1/4))
    assert p2["mdm2_z"] == pytest.approx((1.0 - loo.mean()) / (loo.std(ddof=1) * np.sqrt(1.25)))
    assert ctdna.loc["P2_R", "tumour_fraction"] == pytest.approx(2 * 0.5 / 20)
    p3 = ctdna.loc["P3_B"]
    assert math.isnan(p3["detected"]) and p3["evaluable"] == 0 and p3["tf_source"] == "none"
    assert p3["p_value_source"] == "none"
    assert "no tumour VCF" in p3["reason"]

    dyn = read_output_table(out / "ctdna_dynamics.tsv").set_index("patient")
    assert dyn.loc["P1", "clearance"] == 1 and dyn.loc["P1", "molecular_response"] == 1
    assert math.isnan(dyn.loc["P1", "lead_time_days"])  # month6 negative
    assert dyn.loc["P2", "lead_time_days"] == 31  # 2024-08-01 -> 2024-09-01
    assert dyn.loc["P2", "relapse_detected"] == 1 and math.isnan(dyn.loc["P2", "clearance"])
    assert math.isnan(dyn.loc["P3", "baseline_detected"])

    blacklist = read_output_table(out / "ctdna_blacklist.tsv")
    assert list(blacklist["pos"]) == [7673802] and "pon_vaf" in blacklist["blacklist_reason"][0]
    sites = read_output_table(out / "ctdna_sites.tsv")
    assert len(sites) == 6 and sites["used"].sum() == 4

    rejects = read_output_table(out / "rejects_ctdna.tsv")
    details = " | ".join(rejects["detail"].fillna(""))
    codes = rejects["code"].tolist()
    assert "GHOST" in details and "P3_B: " in details
    assert "unknown_sample" in codes and "ctdna_sample_not_evaluable" in codes
    assert codes.count("ctdna_site_blacklisted") == 2
    assert "gene CDK4 is neither MDM2 nor the gene of a tumour site" in details
    assert "(nan)" not in details  # a site without a black-list reason says nothing more
    assert (rejects["stage"] == "ctdna").all()

    check = read_output_table(out / "ctdna_pon_check.tsv")
    assert sorted(check["sample"]) == sorted(PON_MDM2)  # each donor against the other three

    cn = read_output_table(out / "ctdna_cn.tsv")
    assert len(cn) == 8 * 8  # 8 targets x (4 PoN + 4 plasma with depth)
    assert set(cn.loc[cn["gene"] == "TP53", "role"]) == {"excluded"}


def test_tissue_copy_state_halves_tf_of_a_two_copy_mutation(cohort):
    tmp_path, depth, sites = cohort
    code, out = _run(tmp_path, depth, sites)
    default = read_output_table(out / "ctdna.tsv").set_index("sample").loc["P1_B"]
    assert default["tf_model"] == "het_diploid_assumed"
    # TP53 copy number 2, purity 0.4, tissue VAF 0.4: m = round(0.4 (0.4 x 2 + 2 x 0.6) / 0.4)
    # = 2 (LOH after doubling): mu = TF, so TF is half the heterozygous estimate (mu = TF / 2)
    (tmp_path / "tissue_cn.tsv").write_text(
        "patient\tgene\tcopy_number\tpurity\nP2\tMDM2\t22\t\nP1\tTP53\t2\t0.4\n"
    )
    code, out = _run(tmp_path, depth, sites)
    assert code == 0
    informed = read_output_table(out / "ctdna.tsv").set_index("sample").loc["P1_B"]
    assert informed["tf_model"] == "tissue_cn"
    assert informed["tumour_fraction"] == pytest.approx(default["tumour_fraction"] / 2, rel=0.01)
    site_rows = read_output_table(out / "ctdna_sites.tsv")
    used = site_rows[(site_rows["sample"] == "P1_B") & (site_rows["used"] == 1)]
    assert set(used["multiplicity"]) == {2} and set(used["multiplicity_source"]) == {"tissue"}
    rejects = read_output_table(out / "rejects_ctdna.tsv")
    assert not rejects["reason"].str.contains("TP53 is neither").any()


def test_purity_outside_zero_one_is_refused_naming_row(cohort, capsys):
    tmp_path, depth, sites = cohort
    (tmp_path / "tissue_cn.tsv").write_text(
        "patient\tgene\tcopy_number\tpurity\nP1\tTP53\t2\t40\n"
    )
    code, _ = _run(tmp_path, depth, sites)
    assert code == 2
    assert "tissue_cn.tsv row 2, column purity" in capsys.readouterr().err


def test_no_copy_number_without_tissue_or_default(cohort):
    tmp_path, depth, sites = cohort
    (tmp_path / "tissue_cn.tsv").write_text("patient\tgene\tcopy_number\n")
    code, out = _run(tmp_path, depth, sites)
    assert code == 0
    p2 = read_output_table(out / "ctdna.tsv").set_index("sample").loc["P2_B"]
    assert p2["mdm2_amplified"] == 1 and p2["detected"] == 1
    assert math.isnan(p2["tumour_fraction"]) and p2["tf_source"] == "none"
    code, out = _run(tmp_path, depth, sites, "--default-cn", "12")
    p2 = read_output_table(out / "ctdna.tsv").set_index("sample").loc["P2_B"]
    assert p2["tumour_fraction"] == pytest.approx(0.2)  # 2 (2 - 1) / (12 - 2)


def test_bad_number_is_one_line_error_naming_file_row_column(cohort, capsys):
    tmp_path, depth, sites = cohort
    text = depth[0].read_text().splitlines()
    text[3] = text[3].rsplit("\t", 1)[0] + "\tdeep"
    depth[0].write_text("\n".join(text) + "\n")
    code, _ = _run(tmp_path, depth, sites)
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 2
    assert "PON1.target_depth.tsv row 4, column mean_fragment_depth" in err


def test_tissue_amplification_threshold_not_above_diploid_is_refused(cohort, capsys):
    code, _ = _run(*cohort, "--tissue-amp-cn", "2")
    assert code == 2
    assert "--tissue-amp-cn 2: must be > 2" in capsys.readouterr().err.strip().splitlines()[-1]


def test_help_has_example(capsys):
    with pytest.raises(SystemExit):
        call_main(["--help"])
    assert "example:" in capsys.readouterr().out


def test_outputs_validate_and_sort_when_only_pon_and_one_plasma(tmp_path):
    sheet = [
        "patient,sample,type,timepoint,vcf,bam,cfdna_ng_per_ml,collection_date",
        f"P9,S9,plasma,baseline,,{tmp_path}/S9.bam,,",
    ]
    (tmp_path / "samplesheet.valid.csv").write_text("\n".join(sheet) + "\n")
    code = call_main(
        [
            "--samplesheet",
            str(tmp_path / "samplesheet.valid.csv"),
            "--outdir",
            str(tmp_path / "out"),
        ]
    )
    assert code == 0
    ctdna = pd.read_csv(tmp_path / "out" / "ctdna.tsv", sep="\t")
    assert len(ctdna) == 1 and ctdna["evaluable"].iloc[0] == 0


def test_ctdna_count_outputs_feed_ctdna_call(tmp_path):
    """Contract with the counting step: BAMs built with known fragments -> ctdna-count ->
    ctdna-call. Every fragment lies inside its 500-bp target (150 bp long), so the mean
    fragment depth is n x 150 / 500 and the normalised depth n_MDM2 / n_BACKBONE."""
    from ctdna.count_cli import count_main
    from tests.unit.test_ctdna_count_fixtures import (
        pair,
        write_bam,
        write_reference,
        write_targets,
        write_tumour_vcf,
    )

    reference = write_reference(tmp_path / "ref.fa")
    targets = [
        ("chr17", 100, 600, "BACKBONE_01"),
        ("chr17", 1000, 1500, "BACKBONE_02"),
        ("chr17", 2000, 2500, "MDM2"),
        ("chr17", 3000, 3500, "TP53"),
    ]
    write_targets(tmp_path / "targets.bed", targets)
    site0 = 3200  # 0-based; VCF position 3201
    alt = "A" if reference[site0] != "A" else "C"
    vcf = write_tumour_vcf(
        tmp_path / "T1.vcf.gz", [(site0 + 1, reference[site0], alt, "PASS", 0.4)]
    )
    mdm2 = {"PON1": 38, "PON2": 40, "PON3": 42, "PON4": 40, "P1_B": 120}
    sheet = [
        "patient,sample,type,timepoint,vcf,bam,cfdna_ng_per_ml,collection_date",
        f"P1,T1,tumour,,{vcf},,,",
    ]
    for sample, n_mdm2 in mdm2.items():
        reads = []
        for _chrom, start, end, gene in targets:
            count = n_mdm2 if gene == "MDM2" else 40
            for i in range(count):
                first = start + (i * 7) % (end - start - 150)
                variant = None
                if gene == "TP53" and sample == "P1_B" and i < 10:
                    variant = ("snv", site0, alt)
                    first = site0 - 60
                reads += pair(
                    f"{gene}_{i}",
                    first,
                    first + 50,
                    variant if variant and first <= site0 < first + 100 else None,
                    variant if variant and first + 50 <= site0 < first + 150 else None,
                )
        bam = write_bam(tmp_path / f"{sample}.bam", reference, reads)
        kind = "plasma,baseline" if sample == "P1_B" else "pon,"
        patient = "P1" if sample == "P1_B" else ""
        sheet.append(f"{patient},{sample},{kind},,{bam},3.3,")
        assert (
            count_main(
                [
                    "--bam",
                    str(bam),
                    "--sample",
                    sample,
                    "--tumour",
                    f"T1={vcf}",
                    "--targets",
                    str(tmp_path / "targets.bed"),
                    "--out-sites",
                    str(tmp_path / f"{sample}.site_counts.tsv"),
                    "--out-targets",
                    str(tmp_path / f"{sample}.target_depth.tsv"),
                ]
            )
            == 0
        )
    (tmp_path / "samplesheet.valid.csv").write_text("\n".join(sheet) + "\n")
    code = call_main(
        [
            "--samplesheet",
            str(tmp_path / "samplesheet.valid.csv"),
            "--site-counts",
            *map(str, sorted(tmp_path.glob("*.site_counts.tsv"))),
            "--target-depth",
            *map(str, sorted(tmp_path.glob("*.target_depth.tsv"))),
            "--default-cn",
            "22",
            "--outdir",
            str(tmp_path / "out"),
        ]
    )
    assert code == 0
    row = read_output_table(tmp_path / "out" / "ctdna.tsv").iloc[0]
    assert row["mdm2_log2_ratio"] == pytest.approx(math.log2(120 / 40), abs=1e-9)
    assert row["mdm2_amplified"] == 1 and row["tf_cn"] == pytest.approx(2 * (3 - 1) / 20)
    # 10 of the 40 TP53 fragments cover the site with the ALT; the others are placed by
    # (i * 7) % 350 from 3000 and those covering 3200 carry the REF
    assert row["alt_fragments"] == 10 and row["detected"] == 1 and row["tf_source"] == "snv"


def test_same_sample_depth_twice_is_refused(cohort, capsys):
    tmp_path, depth, sites = cohort
    copy = tmp_path / "again.target_depth.tsv"
    copy.write_text(depth[0].read_text())
    code, _ = _run(tmp_path, [*depth, copy], sites)
    assert code == 2
    assert "again.target_depth.tsv row 2, column sample" in capsys.readouterr().err
