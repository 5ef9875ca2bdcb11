"""Pre-flight validation of parameters, samplesheet and input tables, before any task runs.

Every refusal is an InputError whose message names file, row and column. Checks that need
the content of a row's value (a lab value out of range, inconsistent dates) are left to the
stages, which reject such rows into rejects.tsv instead of refusing the run.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import pandas as pd

from ihc.labs import UNIT_FACTORS, convert
from stereosarc import filechecks
from stereosarc.errors import InputError
from stereosarc.tables import ROW_COLUMN, read_table

log = logging.getLogger(__name__)

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"  # DESIGN.md: ids reach file names and shell commands
SAMPLESHEET_COLUMNS = ["patient", "sample", "type", "timepoint", "vcf", "bam",
                       "cfdna_ng_per_ml", "collection_date"]
TABLE_REQUIRED = {  # DESIGN.md input contracts
    "clinical": ["patient", "arm", "histology", "line", "start_date", "progression_date",
                 "death_date", "last_assessment_date", "last_followup_date", "diagnosis_date",
                 "best_response"],
    "ihc": ["patient", "sample", "marker", "metric", "value"],
    "qupath": ["file", "patient", "marker"],
    "labs": ["patient", "date", "analyte", "value", "unit"],
    "tissue_cn": ["patient", "gene", "copy_number"],
    "ctdna_sites": ["chrom", "pos", "ref", "alt", "gene"],  # ctdna-count --sites (docs/ctdna_counting.md)
}
ID_COLUMNS = ("patient", "sample")
@dataclass
class Problems:
    """Collects refusal messages; raise() reports the first and counts the rest."""

    messages: list[str] = field(default_factory=list)

    def add(self, message: str) -> None:
        self.messages.append(message)
        log.error(message)

    def raise_if_any(self) -> None:
        if self.messages:
            more = len(self.messages) - 1
            suffix = f" (+{more} more problem{'s' if more > 1 else ''} in the log above)" if more else ""
            raise InputError(self.messages[0] + suffix)


def _schema_message(error: jsonschema.ValidationError) -> tuple[str, str]:
    """(column, message) for a samplesheet jsonschema error."""
    if error.validator == "required":
        column = error.message.split("'")[1]
        return column, "is required for this sample type but empty"
    if error.validator == "not":
        return "patient", "must be empty for pon rows"
    column = error.path[0] if error.path else "?"
    if error.validator == "pattern" and column in ID_COLUMNS:
        return column, f"{error.instance!r} is not a valid identifier ({ID_PATTERN}: letters, digits, . _ -)"
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


def check_samplesheet_rows(sheet: pd.DataFrame, schema: dict, name: str, problems: Problems) -> None:
    """Schema of each row, then unique sample ids."""
    validator = jsonschema.Draft202012Validator(schema)
    for _, row in sheet.iterrows():
        for error in sorted(validator.iter_errors(_row_dict(row)), key=lambda e: str(e.path)):
            column, message = _schema_message(error)
            problems.add(f"{name} row {row[ROW_COLUMN]}, column {column}: {message}")
    duplicated = sheet[sheet["sample"].notna() & sheet["sample"].duplicated(keep="first")]
    for _, row in duplicated.iterrows():
        first = sheet.loc[sheet["sample"] == row["sample"], ROW_COLUMN].iloc[0]
        problems.add(f"{name} row {row[ROW_COLUMN]}, column sample: duplicate sample id "
                     f"{row['sample']!r} (first on row {first})")


def resolve_paths(sheet: pd.DataFrame, base: Path, name: str, problems: Problems) -> pd.DataFrame:
    """Make vcf/bam paths absolute (relative ones against the samplesheet's folder) and check them."""
    sheet = sheet.copy()
    for column in ("vcf", "bam"):
        resolved = []
        for _, row in sheet.iterrows():
            value = row[column]
            if value is None:
                resolved.append(None)
                continue
            path = Path(value) if Path(value).is_absolute() else (base / value)
            if not path.is_file():
                problems.add(f"{name} row {row[ROW_COLUMN]}, column {column}: file not found: {value}")
            resolved.append(str(path.resolve()) if path.exists() else str(path))
        sheet[column] = resolved
    return sheet


def check_data_files(sheet: pd.DataFrame, name: str, panel_bed: Path | None,
                     ctdna_targets: Path | None, fasta: Path | None, problems: Problems) -> pd.DataFrame:
    """Indexes, VCF integrity and annotation, contig naming against the BEDs."""
    panel = filechecks.bed_contigs(panel_bed) if panel_bed else None
    targets = filechecks.bed_contigs(ctdna_targets, need_name=True) if ctdna_targets else None
    sheet = sheet.copy()
    sheet["bam_index"], sheet["vcf_index"] = None, None
    for index, row in sheet.iterrows():
        where = f"{name} row {row[ROW_COLUMN]}"
        try:
            if row["vcf"] and Path(row["vcf"]).is_file():
                sheet.at[index, "vcf_index"] = _check_vcf(Path(row["vcf"]), panel, panel_bed)
            if row["bam"] and Path(row["bam"]).is_file():
                sheet.at[index, "bam_index"] = _check_bam(Path(row["bam"]), fasta, targets,
                                                          ctdna_targets if row["type"] != "tumour" else None)
        except InputError as err:
            column = "bam" if "alignment" in str(err) or ".bam" in str(err).split(":")[0] else "vcf"
            problems.add(f"{where}, column {column}: {err}")
    return sheet


def _check_vcf(path: Path, panel: set[str] | None, panel_bed: Path | None) -> str | None:
    header = filechecks.read_vcf_header(path)
    filechecks.check_vcf_annotation(header, path)
    if panel is not None:
        filechecks.check_contig_naming(filechecks.vcf_contigs(header, path), path, panel, panel_bed)
    index = filechecks.find_vcf_index(path)
    return str(index) if index else None


def _check_bam(path: Path, fasta: Path | None, targets: set[str] | None,
               targets_bed: Path | None) -> str:
    if path.suffix == ".cram" and fasta is None:
        raise InputError(f"{path}: CRAM input needs --fasta (the reference it was written against)")
    index = filechecks.find_index(path)
    if index is None:
        raise InputError(f"{path}: index missing; create it with: samtools index {path.name}")
    if targets is not None and targets_bed is not None:
        filechecks.check_contig_naming(filechecks.bam_contigs(path, fasta), path, targets, targets_bed)
    return str(index)


def validate_samplesheet(path: Path, schema_path: Path, panel_bed: Path | None = None,
                         ctdna_targets: Path | None = None, fasta: Path | None = None) -> pd.DataFrame:
    """The samplesheet with absolute paths and index columns, or InputError on the first problem."""
    name = path.name
    sheet = read_table(path, required=["sample", "type"])
    if sheet.empty:
        raise InputError(f"{name}: no sample rows")
    unknown = [c for c in sheet.columns if c not in SAMPLESHEET_COLUMNS + [ROW_COLUMN]]
    if unknown:
        log.warning("%s: ignoring unknown column(s) %s", name, ", ".join(unknown))
    sheet = sheet.reindex(columns=SAMPLESHEET_COLUMNS + [ROW_COLUMN])
    values = sheet[SAMPLESHEET_COLUMNS].astype(object)
    sheet[SAMPLESHEET_COLUMNS] = values.where(values.notna(), None)
    problems = Problems()
    check_samplesheet_rows(sheet, json.loads(schema_path.read_text(encoding="utf-8")), name, problems)
    problems.raise_if_any()
    sheet = resolve_paths(sheet, path.resolve().parent, name, problems)
    problems.raise_if_any()
    sheet = check_data_files(sheet, name, panel_bed, ctdna_targets, fasta, problems)
    problems.raise_if_any()
    counts = sheet["type"].value_counts().to_dict()
    log.info("%s: %d samples (%s)", name, len(sheet),
             ", ".join(f"{n} {t}" for t, n in sorted(counts.items())))
    return sheet


def validate_table(path: Path, kind: str) -> pd.DataFrame:
    """An input table: readable, required columns, identifiers, and (labs) known units."""
    table = read_table(path, required=TABLE_REQUIRED[kind])
    if table.empty:
        raise InputError(f"{path.name}: no data rows")
    problems = Problems()
    for column in ID_COLUMNS:
        if column in table.columns:
            bad = table[table[column].notna() & ~table[column].str.fullmatch(ID_PATTERN[1:-1])]
            for _, row in bad.iterrows():
                problems.add(f"{path.name} row {row[ROW_COLUMN]}, column {column}: "
                             f"{row[column]!r} is not a valid identifier ({ID_PATTERN})")
    if kind == "labs":
        _check_lab_units(table, path.name, problems)
    if kind == "ctdna_sites":
        _check_site_positions(table, path.name, problems)
    problems.raise_if_any()
    log.info("%s: %d rows", path.name, len(table))
    return table


def _check_lab_units(table: pd.DataFrame, name: str, problems: Problems) -> None:
    """DESIGN.md: an unknown unit is an error naming the row; units are never guessed.

    The accepted spellings are the labs stage's own (ihc.labs.UNIT_FACTORS), so pre-flight
    refuses exactly what labs-markers could not convert.
    """
    for _, row in table.iterrows():
        analyte = (row["analyte"] or "").lower()
        if analyte not in UNIT_FACTORS:
            continue  # unknown analytes are rejected row by row by the labs stage
        if convert(analyte, 1.0, row["unit"]) is None:
            accepted = ", ".join(sorted(UNIT_FACTORS[analyte]))
            problems.add(f"{name} row {row[ROW_COLUMN]}, column unit: {row['unit']!r} is not an "
                         f"accepted unit for {analyte} ({accepted})")


def _check_site_positions(table: pd.DataFrame, name: str, problems: Problems) -> None:
    """Fixed ctDNA site list: chrom, ref, alt present and pos a 1-based integer (ctdna.io)."""
    for _, row in table.iterrows():
        for column in ("chrom", "ref", "alt"):
            if not row[column]:
                problems.add(f"{name} row {row[ROW_COLUMN]}, column {column}: empty")
        if not str(row["pos"] or "").isdigit() or int(row["pos"]) < 1:
            problems.add(f"{name} row {row[ROW_COLUMN]}, column pos: {row['pos']!r} is not a "
                         f"1-based position (integer >= 1)")


def validate_params(params: dict, schema_path: Path) -> None:
    """Parameters against nextflow_schema.json (unset parameters are ignored)."""
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    given = {k: v for k, v in params.items() if v is not None and v != ""}
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(given), key=str)
    if errors:
        error = errors[0]
        where = ".".join(str(p) for p in error.path) or "params"
        raise InputError(f"parameter --{where}: {error.message}")
