"""Pre-flight validation of the samplesheet and input tables, before any task runs.

Parameters are checked by stereosarc.parameters, problems collected by stereosarc.problems.

Every problem names file, spreadsheet row (header = row 1, first data row = row 2) and column;
all problems of all tables are listed before the run is refused (docs/usage.md). Values are
checked by stereosarc.table_checks: what no stage could use refuses the run, impossible but
readable values (rejected row by row by their stage) are listed as warnings.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import jsonschema
import pandas as pd

from stereosarc import filechecks, lowpass_checks, protocol, table_checks
from stereosarc.errors import InputError
from stereosarc.parameters import (  # noqa: F401 (re-exported: stereosarc.validate_cli, tests)
    canonical_parameter,
    schema_parameters,
    unknown_parameters,
    validate_params,
)
from stereosarc.problems import Problems
from stereosarc.schemas import samplesheet_columns
from stereosarc.tables import ROW_COLUMN, read_table

log = logging.getLogger(__name__)

SAMPLESHEET_COLUMNS = samplesheet_columns()  # assets/schema_input.json
TABLE_REQUIRED = {  # DESIGN.md input contracts
    "clinical": list(protocol.CLINICAL_REQUIRED),
    "ihc": ["patient", "sample", "marker", "metric", "value"],
    "qupath": ["file", "patient", "marker"],
    "labs": ["patient", "date", "analyte", "value", "unit"],
    "tissue_cn": ["patient", "gene", "copy_number"],
    "ctdna_sites": [
        "chrom",
        "pos",
        "ref",
        "alt",
        "gene",
    ],  # ctdna-count --sites (docs/ctdna_counting.md)
}
ID_COLUMNS = ("patient", "sample")
VALUE_CHECKS = {
    "clinical": table_checks.check_clinical,
    "ihc": table_checks.check_ihc,
    "labs": table_checks.check_labs,
    "tissue_cn": table_checks.check_tissue_cn,
}
TYPE_REQUIRES = {
    "tumour": ("patient", "vcf"),
    "plasma": ("patient", "timepoint", "bam"),
    "pon": ("bam",),
}  # assets/schema_input.json allOf, for one-line missing columns


def _schema_message(error: jsonschema.ValidationError) -> tuple[str, str]:
    """(column, message) for a samplesheet jsonschema error."""
    if error.validator == "required":
        column = error.message.split("'")[1]
        return column, "is required for this sample type but empty"
    if error.validator == "not":
        return "patient", "must be empty for pon rows"
    column = error.path[0] if error.path else "?"
    if error.validator == "pattern" and column in ID_COLUMNS:
        return (
            column,
            f"{error.instance!r} is not a valid identifier "
            f"({protocol.ID_PATTERN}: letters, digits, . _ -)",
        )
    if error.validator == "enum":
        return column, f"{error.instance!r} is not one of {', '.join(error.validator_value)}"
    return column, error.message


def _row_dict(row: pd.Series) -> dict:
    """A samplesheet row as the schema sees it: empty cells absent, numbers as numbers."""
    record = {k: v for k, v in row.items() if k != ROW_COLUMN and v is not None}
    if "cfdna_ng_per_ml" in record:
        try:
            record["cfdna_ng_per_ml"] = float(record["cfdna_ng_per_ml"])
        except ValueError:
            pass
    return record


def _where(name: str, row: pd.Series) -> str:
    """'file row N' with N the spreadsheet row (header = row 1)."""
    return f"{name} row {row[ROW_COLUMN]}"


def absent_columns(
    sheet: pd.DataFrame, header: list[str], name: str, problems: Problems
) -> set[str]:
    """One line per column that rows of some type require but the header lacks."""
    absent = set()
    for column in dict.fromkeys(c for columns in TYPE_REQUIRES.values() for c in columns):
        if column in header:
            continue
        types = [t for t, columns in TYPE_REQUIRES.items() if column in columns]
        rows = sheet[sheet["type"].isin(types)]
        if len(rows):
            absent.add(column)
            counts = rows["type"].value_counts()
            problems.add(
                f"{name}: column {column} is missing from the header; it is required for "
                + ", ".join(f"{counts[t]} {t}" for t in types if t in counts)
                + " rows"
            )
    return absent


def check_samplesheet_rows(
    sheet: pd.DataFrame,
    schema: dict,
    name: str,
    problems: Problems,
    absent: set[str] | frozenset[str] = frozenset(),
) -> None:
    """Schema of each row (columns absent from the header were reported once), unique ids."""
    validator = jsonschema.Draft202012Validator(schema)
    for _, row in sheet.iterrows():
        for error in sorted(validator.iter_errors(_row_dict(row)), key=lambda e: str(e.path)):
            column, message = _schema_message(error)
            if column not in absent:
                problems.add(f"{_where(name, row)}, column {column}: {message}")
    duplicated = sheet[sheet["sample"].notna() & sheet["sample"].duplicated(keep="first")]
    for _, row in duplicated.iterrows():
        first = sheet.loc[sheet["sample"] == row["sample"], ROW_COLUMN].iloc[0]
        problems.add(
            f"{_where(name, row)}, column sample: duplicate sample id "
            f"{row['sample']!r} (first on row {first})"
        )


def resolve_paths(sheet: pd.DataFrame, base: Path, name: str, problems: Problems) -> pd.DataFrame:
    """Make vcf/bam paths absolute (relative ones against the samplesheet's folder) and check
    them."""
    sheet = sheet.copy()
    for column in ("vcf", "bam"):
        resolved: list[str | None] = []
        for _, row in sheet.iterrows():
            value = row[column]
            if value is None:
                resolved.append(None)
                continue
            path = Path(value) if Path(value).is_absolute() else (base / value)
            if not path.is_file():
                problems.add(f"{_where(name, row)}, column {column}: file not found: {value}")
            resolved.append(str(path.resolve()) if path.exists() else str(path))
        sheet[column] = resolved
    return sheet


def check_data_files(
    sheet: pd.DataFrame,
    name: str,
    panel_bed: Path | None,
    ctdna_targets: Path | None,
    fasta: Path | None,
    problems: Problems,
    lowpass_fasta: Path | None = None,
) -> pd.DataFrame:
    """Indexes, VCF integrity and annotation, contig naming against the BEDs (low-pass rows:
    no capture targets, CRAM reference ``lowpass_fasta``)."""
    panel = filechecks.bed_contigs(panel_bed) if panel_bed else None
    targets = filechecks.bed_contigs(ctdna_targets, need_name=True) if ctdna_targets else None
    sheet = sheet.copy()
    sheet["bam_index"], sheet["vcf_index"] = None, None
    for index, row in sheet.iterrows():
        where = _where(name, row)
        lowpass = row.get("assay") == lowpass_checks.LOWPASS  # whole genome: no capture targets
        try:
            if row["vcf"] and Path(row["vcf"]).is_file():
                sheet.at[index, "vcf_index"] = _check_vcf(Path(row["vcf"]), panel, panel_bed)
            if row["bam"] and Path(row["bam"]).is_file():
                sheet.at[index, "bam_index"] = _check_bam(
                    Path(row["bam"]),
                    lowpass_fasta if lowpass else fasta,
                    targets,
                    ctdna_targets if row["type"] != "tumour" and not lowpass else None,
                )
        except InputError as err:
            column = (
                "bam" if "alignment" in str(err) or ".bam" in str(err).split(":")[0] else "vcf"
            )
            problems.add(f"{where}, column {column}: {err}")
    return sheet


def _check_vcf(path: Path, panel: set[str] | None, panel_bed: Path | None) -> str | None:
    header = filechecks.read_vcf_header(path)
    filechecks.check_vcf_annotation(header, path)
    if panel is not None and panel_bed is not None:
        filechecks.check_contig_naming(
            filechecks.vcf_contigs(header, path), path, panel, panel_bed
        )
    index = filechecks.find_vcf_index(path)
    return str(index) if index else None


def _check_bam(
    path: Path, fasta: Path | None, targets: set[str] | None, targets_bed: Path | None
) -> str:
    if path.suffix == ".cram" and fasta is None:
        raise InputError(
            f"{path}: CRAM input needs --fasta (the reference it was written against)"
        )
    index = filechecks.find_index(path)
    if index is None:
        raise InputError(f"{path}: index missing; create it with: samtools index {path.name}")
    if targets is not None and targets_bed is not None:
        filechecks.check_contig_naming(
            filechecks.bam_contigs(path, fasta), path, targets, targets_bed
        )
    return str(index)


def validate_samplesheet(
    path: Path,
    schema_path: Path,
    panel_bed: Path | None = None,
    ctdna_targets: Path | None = None,
    fasta: Path | None = None,
    problems: Problems | None = None,
    lowpass_fasta: Path | None = None,
) -> pd.DataFrame | None:
    """The samplesheet with absolute paths and index columns.

    Problems go to ``problems`` when given (None is returned when there are any), otherwise
    InputError is raised. Files are opened only when every row is well formed.
    """
    own = problems is None
    problems = problems if problems is not None else Problems()
    before = len(problems.messages)
    name = path.name
    try:
        sheet = read_table(path, required=["sample", "type"])
    except InputError as err:
        problems.add(_file_message(err, path))
        sheet = None
    if sheet is not None and sheet.empty:
        problems.add(f"{name}: no sample rows")
    if len(problems.messages) > before:
        _refused(problems, own)
        return None
    header = list(sheet.columns)
    unknown = [c for c in header if c not in SAMPLESHEET_COLUMNS + [ROW_COLUMN]]
    if unknown:
        log.warning("%s: ignoring unknown column(s) %s", name, ", ".join(unknown))
    sheet = sheet.reindex(columns=SAMPLESHEET_COLUMNS + [ROW_COLUMN])
    values = sheet[SAMPLESHEET_COLUMNS].astype(object)
    sheet[SAMPLESHEET_COLUMNS] = values.where(values.notna(), None)
    sheet = lowpass_checks.fill_assay(sheet)
    absent = absent_columns(sheet, header, name, problems)
    check_samplesheet_rows(
        sheet, json.loads(schema_path.read_text(encoding="utf-8")), name, problems, absent
    )
    lowpass_checks.check_lowpass_rows(
        sheet, name, lowpass_fasta, problems, ctdna_stage=ctdna_targets is not None
    )
    if len(problems.messages) == before:
        sheet = resolve_paths(sheet, path.resolve().parent, name, problems)
    if len(problems.messages) == before:
        sheet = check_data_files(
            sheet, name, panel_bed, ctdna_targets, fasta, problems, lowpass_fasta
        )
        lowpass_checks.check_lowpass_references(sheet, name, lowpass_fasta, problems)
    if len(problems.messages) > before:
        _refused(problems, own)
        return None
    counts = sheet["type"].value_counts().to_dict()
    log.info(
        "%s: %d samples (%s)",
        name,
        len(sheet),
        ", ".join(f"{n} {t}" for t, n in sorted(counts.items())),
    )
    return sheet


def _file_message(err: InputError, path: Path) -> str:
    """read_table's message with the file's name instead of its (staged) path."""
    return str(err).replace(f"{path}:", f"{path.name}:", 1)


def _refused(problems: Problems, raise_now: bool) -> None:
    if raise_now:
        problems.raise_if_any()
    return None


def validate_table(path: Path, kind: str, problems: Problems | None = None) -> pd.DataFrame | None:
    """An input table: readable, required columns (one line for all), identifiers, values.

    Problems go to ``problems`` when given, otherwise the first raises InputError.
    """
    own = problems is None
    problems = problems if problems is not None else Problems()
    try:
        table = read_table(path, required=TABLE_REQUIRED[kind])
    except InputError as err:
        problems.add(_file_message(err, path))
        _refused(problems, own)
        return None
    if table.empty:
        problems.add(f"{path.name}: no data rows")
        _refused(problems, own)
        return None
    before = len(problems.messages)
    for column in ID_COLUMNS:
        if column in table.columns:
            bad = table[
                table[column].notna() & ~table[column].str.fullmatch(protocol.ID_PATTERN[1:-1])
            ]
            for _, row in bad.iterrows():
                problems.add(
                    f"{_where(path.name, row)}, column {column}: "
                    f"{row[column]!r} is not a valid identifier ({protocol.ID_PATTERN})"
                )
    if kind in VALUE_CHECKS:
        problems.add_findings(VALUE_CHECKS[kind](table, path.name))
    if kind == "ctdna_sites":
        _check_site_positions(table, path.name, problems)
    if own:
        problems.raise_if_any()
    log.info("%s: %d rows, %d problem(s)", path.name, len(table), len(problems.messages) - before)
    return table


def _check_site_positions(table: pd.DataFrame, name: str, problems: Problems) -> None:
    """Fixed ctDNA site list: chrom, ref, alt present and pos a 1-based integer (ctdna.io)."""
    for _, row in table.iterrows():
        for column in ("chrom", "ref", "alt"):
            if not row[column]:
                problems.add(f"{_where(name, row)}, column {column}: empty")
        if not str(row["pos"] or "").isdigit() or int(row["pos"]) < 1:
            problems.add(
                f"{_where(name, row)}, column pos: {row['pos']!r} is not a "
                f"1-based position (integer >= 1)"
            )
