"""Files of batch reruns: an earlier run's folder in, this run's reused results out.

An earlier batch (its --outdir) holds pipeline_info/samplesheet.valid.csv, per tumour
cohort/tmb_trace/<sample>.tmb.tsv with <sample>.tmb.provenance.json, per plasma/PoN sample
ctdna/counts/<sample>.<table>.tsv with <sample>.ctdna_count.provenance.json (docs/output.md).
Plain csv, no pandas: these are small and copied as text, byte for byte.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from stereosarc import provenance
from stereosarc.batches import BatchError, SampleResult

SHEET = "pipeline_info/samplesheet.valid.csv"
RESULT_FOLDER = {"tmb-calc": "cohort/tmb_trace", "ctdna-count": "ctdna/counts"}
RESULT_TABLES = {  # per-sample tables a later run reuses, by stage
    "tmb-calc": ("tmb.tsv",),
    "ctdna-count": (
        "site_counts.tsv",
        "target_depth.tsv",
        "background.tsv",
        "read_stats.tsv",
        "rejects_count.tsv",
    ),
}
SITE_FIELDS = ["tumour_sample", "chrom", "pos", "ref", "alt", "variant_type", "gene", "tissue_vaf"]
SORT_COLUMNS = ("type", "patient", "sample")  # the order of stereosarc-validate's output


def read_sheet(path: Path, batch: str | None = None) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of a validated samplesheet (text as written)."""
    if not path.is_file():
        where = f"batch {batch}: {SHEET}" if batch else str(path)
        raise BatchError(f"{where} missing: not an --outdir of this pipeline")
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def read_result(folder: Path, batch: str, stage: str, sample: str) -> SampleResult:
    """The provenance of one earlier per-sample result; its tables must be there too."""
    base = f"{RESULT_FOLDER[stage]}/{sample}"
    path = f"{base}.{provenance.SUFFIX[stage]}"
    if not (folder / path).is_file():
        raise BatchError(
            f"batch {batch}: {path} missing: results without provenance cannot be reused "
            f"(rerun that batch)"
        )
    for table in RESULT_TABLES[stage]:
        if not (folder / f"{base}.{table}").is_file():
            raise BatchError(f"batch {batch}: {base}.{table} missing beside its provenance")
    try:
        record = provenance.read(folder / path)
    except provenance.ProvenanceError as err:
        raise BatchError(f"batch {batch}: {str(err).replace(str(folder / path), path)}") from err
    if record["sample"] != sample:
        raise BatchError(f"batch {batch}: {path} is the provenance of {record['sample']}")
    return SampleResult(batch, path, record)


def copy_tables(folder: Path, stage: str, sample: str, out: Path) -> None:
    """Copy one sample's reused tables into ``out`` under their own names."""
    out.mkdir(parents=True, exist_ok=True)
    for table in RESULT_TABLES[stage]:
        shutil.copyfile(
            folder / f"{RESULT_FOLDER[stage]}/{sample}.{table}", out / f"{sample}.{table}"
        )


def tumour_sites(folder: Path, counted: list[str]) -> dict[str, list[dict[str, str]]]:
    """Site rows per tumour sample from the site counts of ``counted`` samples of a batch
    (its PoN first: a PoN sample is counted at every tumour's sites), fixed sites left out."""
    sites: dict[str, list[dict[str, str]]] = {}
    for sample in counted:
        path = folder / RESULT_FOLDER["ctdna-count"] / f"{sample}.site_counts.tsv"
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
        found: dict[str, list[dict[str, str]]] = {}
        for row in rows:
            found.setdefault(row["tumour_sample"], []).append({k: row[k] for k in SITE_FIELDS})
        for tumour, tumour_rows in found.items():
            sites.setdefault(tumour, tumour_rows)
    sites.pop("fixed_sites", None)  # ctdna.sites.FIXED_SITES: --sites, given to this run too
    return sites


def write_tumour_sites(out: Path, tumour: str, rows: list[dict[str, str]]) -> None:
    """``<tumour>.tumour_sites.tsv`` (ctdna.io.read_tumour_sites)."""
    out.mkdir(parents=True, exist_ok=True)
    with (out / f"{tumour}.tumour_sites.tsv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, SITE_FIELDS, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_sheet(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    """The cohort samplesheet, sorted as stereosarc-validate sorts (type, patient, sample)."""
    ordered = sorted(rows, key=lambda row: tuple(row.get(c, "") for c in SORT_COLUMNS))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, header, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows({c: row.get(c, "") for c in header} for row in ordered)
