"""The report's low-pass WGS parts: the "Low-pass WGS" section and the method chosen per
patient shown in the ctDNA section.

Section (only when outcome-report was given a low-pass table: ``--lowpass-samples``,
``--lowpass-ratios``, ``--lowpass-segments``): the per-sample table (lowpass_samples.tsv:
tumour fraction with its 95 % CI, ploidy, LoD, QC: MAD of log2 ratios, coverage, short/long
fragment ratio and the short-fragment TF), the genome-wide copy-number plot per sample and
the cohort heatmap (ctdna.lowpass_figures), the full tables as downloads.

Method per patient (ctDNA section, only when ctdna.tsv has rows of several methods): the
level of each patient and timepoint chosen by ctdna.methods (docs/ctdna.md "Combining
methods"), counted per timepoint and listed per patient.
"""

from __future__ import annotations

import pandas as pd

from ctdna import dynamics, methods
from outcome import report_html as h

TITLE = "Low-pass WGS"
TABLES = ("lowpass_samples", "lowpass_ratios", "lowpass_segments")  # ReportInputs names
SAMPLE_COLUMNS = (
    "patient",
    "sample",
    "timepoint",
    "detected",
    "tumour fraction (95% CI)",
    "ploidy",
    "subclonal_fraction",
    "lod95_tf",
    "mad_log2",
    "coverage_x",
    "short_long_ratio",
    "TF short fragments (95% CI)",
    "reference",
    "sex",
    "reason",
)  # the per-sample table of the section, in order (reason last: it wraps)


def has_lowpass(inputs) -> bool:
    """True when any low-pass table was given (``inputs``: outcome.report.ReportInputs)."""
    return any(inputs.table(name) is not None for name in TABLES)


def tf_text(point, low, high) -> str:
    """'0.120 (0.090-0.150)'; '' when the point is NA; the point alone without an interval."""
    if pd.isna(point):
        return ""
    if pd.isna(low) or pd.isna(high):
        return f"{point:.3f}"
    return f"{point:.3f} ({low:.3f}-{high:.3f})"


def sample_table(samples: pd.DataFrame) -> pd.DataFrame:
    """The per-sample display table (SAMPLE_COLUMNS present in lowpass_samples.tsv)."""
    shown = samples.copy()
    shown["tumour fraction (95% CI)"] = [
        tf_text(*values)
        for values in zip(
            shown.get("tumour_fraction"), shown.get("tf_ci_low"), shown.get("tf_ci_high")
        )
    ]
    if {"tf_short", "tf_short_ci_low", "tf_short_ci_high"} <= set(shown.columns):
        shown["TF short fragments (95% CI)"] = [
            tf_text(*values)
            for values in zip(
                shown["tf_short"], shown["tf_short_ci_low"], shown["tf_short_ci_high"]
            )
        ]
    return shown[[c for c in SAMPLE_COLUMNS if c in shown.columns]]


def section(inputs) -> str:
    """HTML of the "Low-pass WGS" section (module doc)."""
    from ctdna.lowpass_figures import genome_figure, heatmap_figure

    samples, ratios, segments = (inputs.table(name) for name in TABLES)
    parts = [
        h.paragraph(
            "Tumour-agnostic ctDNA from shallow whole-genome sequencing of plasma: genome-wide "
            "copy number against the panel of normals, tumour fraction and ploidy by the "
            "copy-number model with a 95 % profile-likelihood interval; NA below the sample's "
            "limit of detection (docs/ctdna.md, Low-pass WGS). A copy-neutral tumour is not "
            "seen by this method."
        )
    ]
    if samples is None:
        parts.append(h.none("lowpass_samples.tsv not given"))
    else:
        parts += [h.table(sample_table(samples)), h.download(samples, "lowpass_samples.tsv")]
    if ratios is None or ratios.empty:
        parts.append(h.none("lowpass_ratios.tsv not given: no copy-number figures"))
    else:
        segs = segments if segments is not None else pd.DataFrame(columns=["sample", "chrom"])
        parts.append(h.svg(genome_figure(ratios, segs, samples), "low-pass genome plot"))
        parts.append(h.svg(heatmap_figure(ratios), "low-pass heatmap"))
        parts.append(h.download(ratios, "lowpass_ratios.tsv"))
    if segments is not None:
        parts.append(h.download(segments, "lowpass_segments.tsv"))
    return h.section(TITLE, "\n".join(parts))


def chosen_levels(ctdna: pd.DataFrame) -> pd.DataFrame:
    """The ctdna.tsv row giving each patient's level at each timepoint (ctdna.dynamics's
    selection: the earliest sample per method, then ctdna.methods)."""
    return dynamics.select_timepoint_samples(ctdna)[0]


def method_block(ctdna: pd.DataFrame) -> str:
    """Which method gives each patient's level: counts per timepoint and method, and the
    per-patient list (collapsed); '' when ctdna.tsv has one method only."""
    if not methods.has_other_methods(ctdna):
        return ""
    chosen = chosen_levels(ctdna).assign(method=lambda f: methods.methods_of(f))
    counts = chosen.groupby(["timepoint", "method"]).size().unstack(fill_value=0)
    per_patient = chosen.pivot_table(
        index="patient", columns="timepoint", values="method", aggfunc="first"
    )
    counts.columns.name = per_patient.columns.name = None  # no stray header cell
    counts, per_patient = counts.reset_index(), per_patient.reset_index()
    return (
        h.paragraph(
            "Method of each patient's ctDNA level (docs/ctdna.md, Combining methods): a "
            "positive of any method first, then an informative negative, the capture panel "
            "before low-pass WGS at equal evidence; every sample keeps its row in ctdna.tsv."
        )
        + h.table(counts)
        + f"<details><summary>Method per patient ({len(per_patient)} patients)</summary>"
        + h.table(per_patient)
        + "</details>"
    )
