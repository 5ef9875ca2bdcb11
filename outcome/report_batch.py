"""The report's sequencing sections, which every run has when it sequenced something: per-sample
QC (qc/tmb_qc.tsv, qc/ctdna_qc.tsv) and tumour mutational burden (cohort/tmb.tsv); and the line
naming the clinical sections a run without a clinical table cannot have, and why.
"""

from __future__ import annotations

import pandas as pd

from outcome import report_html as h

QC_TITLE = "Sequencing QC"
TMB_TITLE = "Tumour mutational burden"
CLINICAL_SECTIONS = (
    "primary endpoint",
    "arm comparison",
    "biomarker associations",
    "multivariable model",
    "iRECIST",
    "missing data",
)  # sections drawn from biomarkers.tsv and the outcome tables
TMB_SHOWN = ["patient", "sample", "variants_counted", "panel_mb", "tmb", "tmb_ci_low"]
TMB_SHOWN += ["tmb_ci_high", "tmb_high"]  # tmb.tsv columns of the report table


def absent_clinical(inputs) -> str:
    """A paragraph naming the clinical sections left out, or "" when biomarkers.tsv is given."""
    if inputs.biomarkers is not None:
        return ""
    return h.paragraph(
        "This run had no clinical table (--clinical not given: a ctDNA-only or TMB-only "
        "batch), so there is no biomarkers.tsv and no outcome analysis. Sections absent: "
        + ", ".join(CLINICAL_SECTIONS)
        + ". The sequencing results below are complete for the samples of the run.",
        "none",
    )


def qc_section(inputs) -> str:
    """Per-sample QC summaries and tables of qc/tmb_qc.tsv and qc/ctdna_qc.tsv."""
    tmb, ctdna = inputs.table("tmb_qc"), inputs.table("ctdna_qc")
    parts = []
    if tmb is None:
        parts.append(h.none("qc/tmb_qc.tsv not given"))
    else:
        parts += [
            f"<h3>Tumour VCFs ({len(tmb)} samples)</h3>",
            h.table(_describe(tmb, ("records_read", "variants_counted", "pass_fraction", "tmb"))),
            h.download(tmb, "tmb_qc.tsv"),
        ]
    if ctdna is None:
        parts.append(h.none("qc/ctdna_qc.tsv not given"))
    else:
        evaluable = pd.to_numeric(ctdna.get("evaluable"), errors="coerce")
        parts += [
            f"<h3>Plasma samples ({len(ctdna)} samples, {int(evaluable.sum())} evaluable)</h3>",
            h.table(
                _describe(
                    ctdna,
                    (
                        "target_depth_median",
                        "site_depth_median",
                        "background_error_rate",
                        "lod95_tf",
                    ),
                )
            ),  # fmt: skip
            h.download(ctdna, "ctdna_qc.tsv"),
        ]
        if "type" in ctdna:
            counts = ctdna.groupby(["type", "timepoint"], dropna=False).agg(
                samples=("sample", "size"), evaluable=("evaluable", "sum")
            )
            parts.append(h.table(counts.reset_index()))
    return h.section(QC_TITLE, "\n".join(parts))


def _describe(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Median, minimum and maximum of each of ``columns`` present (one row per column)."""
    rows = []
    for column in columns:
        if column not in frame:
            continue
        values = pd.to_numeric(frame[column], errors="coerce").dropna()
        rows.append(
            {
                "quantity": column.replace("_", " "),
                "samples with a value": len(values),
                "median": values.median() if len(values) else None,
                "min": values.min() if len(values) else None,
                "max": values.max() if len(values) else None,
            }
        )
    return pd.DataFrame(rows)


def tmb_section(inputs) -> str:
    """TMB per sample (cohort/tmb.tsv): distribution summary, TMB-high count, the table."""
    tmb = inputs.table("tmb")
    if tmb is None:
        return h.section(TMB_TITLE, h.none("tmb.tsv not given (no TMB stage in this run)"))
    values = pd.to_numeric(tmb["tmb"], errors="coerce")
    high = pd.to_numeric(tmb.get("tmb_high"), errors="coerce")
    summary = (
        f"<p>{len(tmb)} tumour samples; median TMB {values.median():.1f} mut/Mb "
        f"(range {values.min():.1f}-{values.max():.1f}); TMB-high: {int(high.sum())} of "
        f"{int(high.notna().sum())} with a call.</p>"
    )
    shown = tmb[[c for c in TMB_SHOWN if c in tmb]]
    return h.section(
        TMB_TITLE,
        summary
        + f"<details><summary>TMB per sample ({len(tmb)} rows)</summary>"
        + h.table(shown, "{:.2f}")
        + "</details>"
        + h.download(tmb, "tmb.tsv"),
    )
