"""outcome-report as a library call: options (the files that exist) in, the HTML out.

Recipe: read biomarkers.tsv and whichever other tables were given (outcome.stats_io; an
absent one makes its section say "no data"), render the self-contained report
(outcome.report; method: docs/statistics.md).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from outcome import report, stats_io

# the columns each optional table must have to be drawn (others may follow)
REQUIRED_COLUMNS = {
    "associations": ["family", "biomarker", "endpoint", "method", "estimate", "p_value", "note"],
    "km": ["curve", "group", "time", "surv"],
    "ctdna": ["patient", "timepoint", "tumour_fraction", "detected"],
    "dynamics": ["patient"],
    "cn": ["sample"],
    "rejects": ["file", "reason"],
    "primary": ["population", "censoring", "analysis"],
    "irecist": ["endpoint", "analysis", "group"],
    "multivariable": ["analysis", "term", "hr"],
    "validation": ["quantity", "group"],
}


@dataclass(frozen=True)
class ReportOptions:
    """The files the report reads; every one but biomarkers may be None (section: no data)."""

    biomarkers: Path  # biomarkers.tsv
    associations: Path | None = None  # associations.tsv
    km: Path | None = None  # km.tsv
    ctdna: Path | None = None  # ctdna.tsv
    dynamics: Path | None = None  # ctdna_dynamics.tsv
    cn: Path | None = None  # ctdna_cn.tsv
    rejects: Path | None = None  # rejects.tsv
    params: Path | None = None  # params.json of the run
    primary: Path | None = None  # primary_endpoint.tsv
    irecist: Path | None = None  # irecist.tsv
    multivariable: Path | None = None  # multivariable.tsv
    validation: Path | None = None  # model_validation.tsv


def report_html(options: ReportOptions) -> str:
    """Read what exists and render the report (module doc)."""
    tables = {
        field.name: stats_io.read_optional(getattr(options, field.name), required)
        for field in fields(options)
        if (required := REQUIRED_COLUMNS.get(field.name)) is not None
    }
    inputs = report.ReportInputs(
        biomarkers=stats_io.read_biomarkers(options.biomarkers),
        tables=tables,
        params=stats_io.read_params(options.params),
    )
    return report.render(inputs)
