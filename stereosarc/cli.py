"""Console scripts of the shared package: pre-flight validation, collection, versions."""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import logging
import platform
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from stereosarc import tables, validate
from stereosarc.clikit import make_parser, run_cli
from stereosarc.errors import InputError
from stereosarc.rejects import reject_table

log = logging.getLogger("stereosarc")

TABLE_OPTIONS = ("clinical", "ihc", "qupath", "labs", "tissue_cn", "ctdna_sites")
DEFAULT_VERSION_PACKAGES = (
    "stereosarc-biomarkers",
    "numpy",
    "pandas",
    "pyarrow",
    "scipy",
    "scikit-learn",
    "lifelines",
    "pysam",
    "cyvcf2",
    "jsonschema",
    "matplotlib",
    "statsmodels",
)


def _optional_path(value: str | None) -> Path | None:
    return Path(value) if value else None


def _validate(args: argparse.Namespace) -> None:
    """Every check of every input, then one refusal listing the count (each problem logged)."""
    problems = validate.Problems()
    if args.params:
        validate.validate_params(
            json.loads(Path(args.params).read_text(encoding="utf-8")),
            Path(args.params_schema),
            problems,
        )
    for option in TABLE_OPTIONS:
        value = getattr(args, option)
        if value:
            validate.validate_table(Path(value), option, problems)
    sheet = validate.validate_samplesheet(
        Path(args.input),
        Path(args.input_schema),
        _optional_path(args.panel_bed),
        _optional_path(args.ctdna_targets),
        _optional_path(args.fasta),
        problems,
    )
    if problems.warnings:
        log.warning(
            "pre-flight: %d row(s) will be rejected by their stage (listed above)",
            len(problems.warnings),
        )
    if args.warnings:
        text = "".join(f"{line}\n" for line in problems.warnings)
        tables.atomic_write(
            args.warnings, lambda tmp: Path(tmp).write_text(text, encoding="utf-8")
        )
    problems.raise_if_any()
    sheet = sheet.drop(columns=[tables.ROW_COLUMN]).sort_values(
        ["type", "patient", "sample"], na_position="first"
    )
    tables.atomic_write(args.out, lambda tmp: sheet.to_csv(tmp, index=False, lineterminator="\n"))
    log.info("wrote %s", args.out)


def validate_main(argv: Sequence[str] | None = None) -> int:
    """stereosarc-validate: refuse bad parameters, samplesheet or tables before any task runs."""
    assets = Path(tables.schema_dir()).parent
    parser = make_parser(
        "stereosarc-validate",
        validate_main.__doc__,
        "stereosarc-validate --input samplesheet.csv --clinical clinical.csv "
        "--panel-bed panel.bed --out samplesheet.valid.csv",
    )
    parser.add_argument("--input", required=True, help="samplesheet (CSV/TSV)")
    for option in TABLE_OPTIONS:
        parser.add_argument(f"--{option.replace('_', '-')}", dest=option, help=f"{option} table")
    parser.add_argument("--panel-bed", help="tissue panel targets BED")
    parser.add_argument("--ctdna-targets", help="plasma capture targets BED (gene in column 4)")
    parser.add_argument("--fasta", help="reference FASTA (needed for CRAM)")
    parser.add_argument("--params", help="pipeline parameters as JSON")
    parser.add_argument("--params-schema", default=str(assets.parent / "nextflow_schema.json"))
    parser.add_argument("--input-schema", default=str(assets / "schema_input.json"))
    parser.add_argument(
        "--out",
        default="samplesheet.valid.csv",
        help="validated samplesheet with absolute paths and index columns",
    )
    parser.add_argument(
        "--warnings",
        help="write the rows their stage will reject, one line "
        "each (file, spreadsheet row, column), to this file",
    )
    return run_cli(parser, _validate, argv)


def _collect(args: argparse.Namespace) -> None:
    frames = [tables.read_output_table(path) for path in args.files]
    frames = [frame for frame in frames if not frame.empty]
    schema = tables.load_schema(args.schema)
    columns = list(
        dict.fromkeys([*schema.get("required", []), *[c for f in frames for c in f.columns]])
    )
    combined = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    keys = [k for k in args.sort_by if k in combined.columns]
    if keys and not combined.empty:
        combined = combined.sort_values(keys, kind="mergesort", na_position="first")
    tables.write_table(
        combined.reindex(columns=columns), args.out, args.schema, parquet=args.parquet
    )
    log.info("collected %d rows from %d files into %s", len(combined), len(args.files), args.out)


def collect_main(argv: Sequence[str] | None = None) -> int:
    """stereosarc-collect: concatenate per-sample tables into one sorted, schema-checked table."""
    parser = make_parser(
        "stereosarc-collect",
        collect_main.__doc__,
        "stereosarc-collect --schema tmb --out tmb.tsv S1.tmb.tsv S2.tmb.tsv",
    )
    parser.add_argument("--schema", required=True, help="schema name in assets/schemas")
    parser.add_argument("--out", required=True)
    parser.add_argument("--sort-by", nargs="+", default=["patient", "sample"])
    parser.add_argument("--parquet", action="store_true", help="also write a Parquet copy")
    parser.add_argument("files", nargs="*")
    return run_cli(parser, _collect, argv)


def _rejects(args: argparse.Namespace) -> None:
    combined = reject_table([tables.read_output_table(path) for path in args.files])
    tables.write_table(combined, args.out, "rejects")
    log.info("%d rejected rows from %d stage files", len(combined), len(args.files))


def rejects_main(argv: Sequence[str] | None = None) -> int:
    """stereosarc-rejects: gather every stage's rejects into cohort/rejects.tsv."""
    parser = make_parser(
        "stereosarc-rejects",
        rejects_main.__doc__,
        "stereosarc-rejects --out rejects.tsv rejects_labs.tsv rejects_ihc.tsv",
    )
    parser.add_argument("--out", required=True)
    parser.add_argument("files", nargs="*")
    return run_cli(parser, _rejects, argv)


def _versions(args: argparse.Namespace) -> None:
    lines = [f'"{args.process}":', f"  python: {platform.python_version()}"]
    for package in args.packages:
        try:
            lines.append(f"  {package}: {importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError as err:
            raise InputError(f"package {package!r} is not installed") from err
    text = "\n".join(lines) + "\n"
    if args.out:
        tables.atomic_write(args.out, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    else:
        print(text, end="")


def versions_main(argv: Sequence[str] | None = None) -> int:
    """stereosarc-versions: write a process's versions.yml (Python and package versions)."""
    parser = make_parser(
        "stereosarc-versions",
        versions_main.__doc__,
        "stereosarc-versions --process TMB --out versions.yml",
    )
    parser.add_argument("--process", required=True)
    parser.add_argument("--packages", nargs="+", default=list(DEFAULT_VERSION_PACKAGES))
    parser.add_argument("--out")
    return run_cli(parser, _versions, argv)
