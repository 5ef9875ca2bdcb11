"""stereosarc-validate: the pipeline's pre-flight (stereosarc.validate does every check).

Thin: parse, run the checks, write the validated samplesheet and the warnings.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Sequence
from pathlib import Path

from stereosarc import tables, validate
from stereosarc.clikit import make_parser, run_cli

log = logging.getLogger("stereosarc")

TABLE_OPTIONS = ("clinical", "ihc", "qupath", "labs", "tissue_cn", "ctdna_sites")


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
        _optional_path(args.lowpass_fasta),
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
    assert sheet is not None  # validate_samplesheet returns None only with problems
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
    parser.add_argument(
        "--lowpass-fasta", help="reference FASTA of the lowpass_wgs BAMs (.fai beside it)"
    )
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
