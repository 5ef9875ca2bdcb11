"""The sample manifest of a grouped ctdna-count run (``--manifest``): several plasma/PoN BAMs
counted by one process, so the interpreter start-up is paid once per group (docs/running.md,
"Grouped ctDNA counting").

A TSV (tab-separated, header row) with one row per sample:

- ``sample``: sample id, unique in the manifest (the outputs are named after it);
- ``bam``: the sample's BAM or CRAM, indexed (a relative path is read from the current
  directory, as ``--bam``);
- ``tumours`` (optional column, may be empty): the sample's tumour VCFs, ``TUMOUR_ID=VCF``
  items separated by ``;``, as repeated ``--tumour`` options of an ungrouped run.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ctdna.count_options import parse_tumour_arg
from ctdna.exceptions import CtdnaInputError

REQUIRED_COLUMNS = ("sample", "bam")  # the columns every manifest has (module doc)
TUMOUR_COLUMN = "tumours"  # optional: TUMOUR_ID=VCF items separated by TUMOUR_SEPARATOR
TUMOUR_SEPARATOR = ";"  # between the items of the tumours column


@dataclass(frozen=True)
class ManifestSample:
    """One manifest row: what an ungrouped run gets from --sample, --bam and --tumour."""

    sample: str
    bam: Path
    tumours: tuple[tuple[str, Path], ...]
    patient: str | None = None  # optional column `patient` (recorded in the provenance only)


def read_count_manifest(path: str | Path) -> list[ManifestSample]:
    """The samples of a manifest, in file order; a missing column, an empty sample or BAM,
    a bad tumour item or a repeated sample is an error naming the file and row."""
    path = Path(path)
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise CtdnaInputError(
                f"{path}: manifest lacks column(s) {', '.join(missing)} "
                f"(found: {', '.join(reader.fieldnames or []) or 'no header'})"
            )
        samples = [_manifest_row(path, number, row) for number, row in enumerate(reader, 2)]
    if not samples:
        raise CtdnaInputError(f"{path}: manifest has no sample row")
    seen: set[str] = set()
    for number, entry in enumerate(samples, 2):
        if entry.sample in seen:
            raise CtdnaInputError(f"{path}, row {number}: sample {entry.sample!r} repeated")
        seen.add(entry.sample)
    return samples


def _manifest_row(path: Path, number: int, row: dict[str, str | None]) -> ManifestSample:
    """One row (file line ``number``) as a ManifestSample."""
    where = f"{path}, row {number}"
    sample, bam = ((row.get(column) or "").strip() for column in REQUIRED_COLUMNS)
    for column, value in zip(REQUIRED_COLUMNS, (sample, bam), strict=True):
        if not value:
            raise CtdnaInputError(f"{where}, column {column}: empty")
    items = [i for i in (row.get(TUMOUR_COLUMN) or "").split(TUMOUR_SEPARATOR) if i.strip()]
    try:
        tumours = tuple(parse_tumour_arg(item.strip()) for item in items)
    except CtdnaInputError as err:
        raise CtdnaInputError(f"{where}, column {TUMOUR_COLUMN}: {err}") from err
    return ManifestSample(sample, Path(bam), tumours, (row.get("patient") or "").strip() or None)
