"""Text of DIR/README.md: what the demo cohort holds, its planted effects and dirty rows (pure)."""

from __future__ import annotations

import pandas as pd

from stereosarc.demo import cohort, labs, pathology, reads, samples


def _counts(patients: pd.DataFrame, plan: pd.DataFrame) -> list[str]:
    arms = patients["arm"].value_counts().to_dict()
    timepoints = plan["timepoint"].value_counts().to_dict()
    return [
        f"- {len(patients)} patients: " + ", ".join(f"{n} {a}" for a, n in sorted(arms.items())),
        "- histology: "
        + ", ".join(f"{n} {h}" for h, n in sorted(patients["histology"].value_counts().items())),
        f"- {int(patients['has_tissue'].sum())} tumour VCFs; plasma samples: "
        + ", ".join(f"{timepoints.get(t, 0)} {t}" for t in ("baseline", "month6", "relapse"))
        + f"; {int((plan['type'] == 'pon').sum())} PoN samples",
        f"- PFS events: {int(patients['pfs_event'].sum())}; objective responses: "
        f"{int(patients['best_response'].isin(['CR', 'PR']).sum())}",
    ]


def readme_text(
    patients: pd.DataFrame, plan: pd.DataFrame, panel_mb: float, dirty: dict, stamp: dict
) -> str:
    ihc, lab = dirty["ihc"], dirty["labs"]
    lines = [
        "# STEREOSARC synthetic demo cohort",
        "",
        "Entirely synthetic data made by `stereosarc-demo` "
        f"(seed {stamp['seed']}, {stamp['patients']} patients, {stamp['pon']} PoN, "
        f"generator version {stamp['generator_version']}). No real patient data. "
        "Method and formulas: docs/demo.md of the stereosarc-biomarkers repository.",
        "",
        "## Contents",
        "",
        *_counts(patients, plan),
        "",
        "| file | content |",
        "|---|---|",
        "| samplesheet.csv | tumour (VCF), plasma and PoN (BAM) samples; paths relative "
        "to this folder |",
        "| clinical.csv | one row per randomised patient (DESIGN.md columns) |",
        "| ihc.csv, qupath/ | IHC long table; QuPath annotation exports + manifest.csv |",
        "| labs.csv | blood counts, CRP, albumin in mixed units |",
        f"| panel.bed | tissue TMB panel, merged size {panel_mb:.4f} Mb (a few "
        "overlapping intervals) |",
        "| coding.bed | coding (CDS) territory: every panel exon plus exons of genes off "
        "the panel; TMB denominator = panel ∩ coding |",
        "| ctdna_targets.bed | plasma capture targets: TP53, MDM2, CDK4, BACKBONE_01..16 |",
        "| tissue_cn.tsv | MDM2 copy number of amplified liposarcomas |",
        "| vcf/, bam/ | tumour VCFs (VEP CSQ), plasma BAMs (+ .tbi/.bai) |",
        "| reference_targets.fa | pseudo-reference around the targets; header = real "
        "contig:span |",
        "| truth.tsv, truth_patients.tsv | true values per plasma sample and per patient |",
        "",
        "## Planted effects",
        "",
        f"- ctDNA detected at month 6: PFS hazard ratio {cohort.HR_CTDNA}",
        f"- baseline NLR >= {cohort.NLR_HIGH}: PFS hazard ratio {cohort.HR_NLR}",
        f"- SBRT+atezolizumab arm only: CPS >= {cohort.CPS_HIGH} HR {cohort.HR_CPS}, "
        f"TMB >= {cohort.TMB_HIGH} mut/Mb HR {cohort.HR_TMB}, and higher odds of response",
        f"- tumour fraction falls at month 6 in responders (x{samples.RESPONDER_FALL[0]}-"
        f"{samples.RESPONDER_FALL[1]}), rises at relapse "
        f"(x{samples.RELAPSE_RISE[0]}-{samples.RELAPSE_RISE[1]})",
        f"- plasma: TP53 ALT on a fraction TF/2 of fragments; MDM2 depth x (1 + TF (C - 2) / 2); "
        f"~{reads.DEPTH:.0f} fragments per target base",
        "",
        "## Rows the pipeline must reject (not refuse)",
        "",
        f"- labs.csv row(s) {_rows(lab['negative_value_rows'])}: negative value",
        f"- labs.csv row(s) {_rows(lab['ghost_patient_rows'])}: patient "
        f"{labs.GHOST_PATIENT} absent from clinical.csv",
        f"- ihc.csv row {ihc['ghost_patient_row']}: patient "
        f"{pathology.GHOST_PATIENT} absent from clinical.csv",
        f"- ihc.csv row {ihc['percent_over_100_row']}: percent_positive > 100",
        "",
        "## Other edge cases",
        "",
        "- PD-L1 with < 100 viable tumour cells (CPS not evaluable): "
        f"{_rows(dirty['low_viable'])}",
        f"- pathologist CPS row instead of counts: {_rows(dirty['pathologist_cps'])}",
        f"- two tumour blocks (-T-A, -T-B): {_rows(dirty['two_blocks'])}",
        f"- CD8 and FOXP3 from QuPath exports only: {_rows(dirty['qupath_patients'])}",
        f"- baseline labs {labs.OUTSIDE_DAYS} days before start_date (outside the window): "
        "see truth_patients.tsv, baseline_in_window = 0",
        "- VCF decoys (not counted by TMB): synonymous, intronic, gnomAD common, low VAF, "
        "low depth, "
        "non-PASS, off-panel, VAF > 0.9; a few multi-allelic records (one ALT counted)",
        "",
        "Rows are spreadsheet rows: the header is row 1, the first data row is row 2 "
        "(stereosarc.tables convention, docs/usage.md).",
        "",
    ]
    return "\n".join(lines)


def _rows(values) -> str:
    values = list(values)
    return ", ".join(str(v) for v in values) if values else "none"
