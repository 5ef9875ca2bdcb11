"""outcome-report as a library call: options (the files that exist) in, the HTML out.

Recipe: read whichever tables were given (outcome.stats_io; an absent one makes its section
say "no data"; biomarkers.tsv is absent in a run without a clinical table), note each file's
sha256 and rows for the header, read the parameter defaults of nextflow_schema.json, render
the self-contained report (outcome.report; method: docs/statistics.md, layout: docs/report.md).
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, fields
from importlib import metadata
from pathlib import Path

from outcome import report, report_header, stats_io

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
    "tmb": ["patient", "sample", "tmb"],
    "tmb_qc": ["sample"],
    "ctdna_qc": ["sample"],
    "lowpass_samples": ["sample", "tumour_fraction", "tf_ci_low", "tf_ci_high", "detected"],
    "lowpass_ratios": ["sample", "chrom", "start", "end", "log2_ratio", "masked"],
    "lowpass_segments": ["sample", "chrom", "start", "end", "mean_log2"],
}
CHUNK_BYTES = 1 << 20  # sha256 read size


@dataclass(frozen=True)
class ReportOptions:
    """The files the report reads; every one may be None (its section: no data)."""

    biomarkers: Path | None = None  # biomarkers.tsv (absent: no clinical table in the run)
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
    tmb: Path | None = None  # tmb.tsv
    tmb_qc: Path | None = None  # qc/tmb_qc.tsv
    ctdna_qc: Path | None = None  # qc/ctdna_qc.tsv
    lowpass_samples: Path | None = None  # ctdna/lowpass_samples.tsv (ctdna-lowpass)
    lowpass_ratios: Path | None = None  # ctdna/lowpass_ratios.tsv, one row per sample x bin
    lowpass_segments: Path | None = None  # ctdna/lowpass_segments.tsv
    params_schema: Path | None = None  # nextflow_schema.json (defaults); None: the package's
    pipeline_version: str | None = None  # None: the installed package's version
    git_revision: str | None = None  # None or "": not known


def file_sha256(path: Path) -> str:
    """Hex sha256 of the file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _version() -> str:
    try:
        return metadata.version("stereosarc-biomarkers")
    except metadata.PackageNotFoundError:
        return "unknown"


def report_html(options: ReportOptions, now: datetime.datetime | None = None) -> str:
    """Read what exists and render the report (module doc)."""
    tables = {
        field.name: stats_io.read_optional(getattr(options, field.name), required)
        for field in fields(options)
        if (required := REQUIRED_COLUMNS.get(field.name)) is not None
    }
    biomarkers = stats_io.read_biomarkers(options.biomarkers) if options.biomarkers else None
    read = [("biomarkers", biomarkers), *tables.items()]
    inputs_read = [
        {
            "table": name,
            "file": Path(getattr(options, name)).name,
            "rows": len(frame),
            "sha256": file_sha256(getattr(options, name)),
        }
        for name, frame in read
        if frame is not None
    ]
    if options.params:
        inputs_read.append(
            {
                "table": "params",
                "file": Path(options.params).name,
                "rows": None,
                "sha256": file_sha256(options.params),
            }  # fmt: skip
        )
    schema = options.params_schema or report_header.default_schema_path()
    run = {
        "version": options.pipeline_version or _version(),
        "revision": options.git_revision or "",
        "date": (now or datetime.datetime.now(datetime.UTC)).strftime("%Y-%m-%d %H:%M"),
        "defaults": report_header.read_defaults(schema),
        "inputs": inputs_read,
    }
    inputs = report.ReportInputs(
        biomarkers=biomarkers,
        tables=tables,
        params=stats_io.read_params(options.params),
        run=run,
    )
    return report.render(inputs)
