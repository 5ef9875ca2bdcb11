"""File reading and writing of the tmb stage (BED, hotspot list, BAM depth, output tables).

VCF streaming lives in tmb.vcf_io. Outputs go through stereosarc.tables: the one-row summary
with write_table; the trace, which has one row per ALT allele and may be large, is validated
and appended chunk by chunk to a temporary file renamed at the end (memory flat in VCF size).
"""

from __future__ import annotations

import gzip
import logging
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from stereosarc.tables import NA_REP, read_table, validate_frame, write_table
from tmb.exceptions import RegionError, TmbInputError
from tmb.filters import Hotspots
from tmb.regions import RegionIndex, merge_regions

LOG = logging.getLogger(__name__)
BED_SKIP_PREFIXES = ("#", "track", "browser")  # UCSC BED header lines


def _open_text(path: Path):
    return gzip.open(path, "rt") if path.suffix == ".gz" else open(path, encoding="utf-8")


def read_bed(path: str | Path, label: str = "BED") -> pd.DataFrame:
    """Intervals of a BED file as chrom, start, end, _row (0-based half-open, unmerged)."""
    path = Path(path)
    if not path.exists():
        raise RegionError(f"{path}: {label} file not found")
    rows = []
    try:
        with _open_text(path) as handle:
            for line_no, line in enumerate(handle, start=1):
                if not line.strip() or line.startswith(BED_SKIP_PREFIXES):
                    continue
                rows.append(_bed_interval(path, line_no, line.rstrip("\n\r").split("\t")))
    except (OSError, UnicodeDecodeError, EOFError) as err:
        raise RegionError(f"{path}: cannot read {label} ({err})") from err
    if not rows:
        raise RegionError(f"{path}: {label} has no intervals")
    return pd.DataFrame(rows, columns=["chrom", "start", "end", "_row"])


def _bed_interval(path: Path, line_no: int, fields: list[str]) -> tuple:
    if len(fields) < 3:
        raise RegionError(f"{path} row {line_no}: expected at least 3 tab-separated columns "
                          f"(chrom, start, end), found {len(fields)}")
    try:
        start, end = int(fields[1]), int(fields[2])
    except ValueError as err:
        raise RegionError(f"{path} row {line_no}, column start/end: "
                          f"'{fields[1]}'/'{fields[2]}' are not integers") from err
    if start < 0 or end < start:
        raise RegionError(f"{path} row {line_no}, column end: interval {start}-{end} is "
                          "negative or reversed (BED is 0-based, start <= end)")
    return fields[0], start, end, line_no


def check_contigs(bed: pd.DataFrame, path: str | Path, vcf_contigs: list[str]) -> None:
    """Every BED contig must be a VCF header contig (catches chr17 vs 17 naming)."""
    if not vcf_contigs:
        return
    known = set(vcf_contigs)
    unknown = bed[~bed["chrom"].isin(known)]
    if len(unknown):
        first = unknown.iloc[0]
        raise RegionError(f"{path} row {first['_row']}, column chrom: contig '{first['chrom']}' "
                          f"is not a contig of the VCF header (e.g. {', '.join(vcf_contigs[:3])}); "
                          "check chr-prefix naming")


def read_hotspots(path: str | Path) -> Hotspots:
    """Hotspot exclusions: a BED (regions) or a CSV/TSV with chrom, pos (1-based)[, ref, alt]."""
    path = Path(path)
    if path.name.lower().removesuffix(".gz").endswith(".bed"):
        return Hotspots(regions=RegionIndex.build(read_bed(path, "hotspot BED")))
    table = read_table(path, required=["chrom", "pos"])
    for record in table.to_dict("records"):
        if record["chrom"] is None or record["pos"] is None or not str(record["pos"]).isdigit():
            raise TmbInputError(f"{path.name} row {record['_row']}, column pos: "
                                f"'{record['pos']}' is not a 1-based position on a named chrom")
    return _hotspot_keys(table, path)


def _hotspot_keys(table: pd.DataFrame, path: Path) -> Hotspots:
    spots = Hotspots()
    has_alleles = {"ref", "alt"} <= set(table.columns)
    for record in table.to_dict("records"):
        key = f"{record['chrom']}:{int(record['pos'])}"
        if has_alleles and record.get("ref") and record.get("alt"):
            spots.alleles.add(f"{key}:{record['ref']}:{record['alt']}")
        else:
            spots.positions.add(key)
    LOG.info("%s: %d hotspot alleles, %d hotspot positions", path.name,
             len(spots.alleles), len(spots.positions))
    return spots


def bam_depth(path: str | Path, regions: pd.DataFrame):
    """Yield ``(chrom, start, depth)`` per merged region: A/C/G/T read depth at each base.

    Reads unmapped, secondary, QC-fail or duplicate are ignored (pysam ``read_callback='all'``,
    the same flags samtools depth excludes by default); no base- or mapping-quality threshold.
    """
    import pysam

    path = Path(path)
    try:
        bam = pysam.AlignmentFile(str(path), "rb")
    except (OSError, ValueError) as err:
        raise TmbInputError(f"cannot read BAM {path}: {err}") from err
    with bam:
        if not bam.has_index():
            raise TmbInputError(f"{path}: BAM index missing: samtools index {path}")
        for chrom, start, end in merge_regions(regions).itertuples(index=False):
            if chrom not in bam.references:
                raise TmbInputError(f"{path}: contig '{chrom}' of the panel is not in the BAM header")
            counts = bam.count_coverage(chrom, int(start), int(end), quality_threshold=0,
                                        read_callback="all")
            yield chrom, int(start), np.sum(np.vstack(counts), axis=0)


TRACE_DECIMALS = 10  # trace floats (VAF, population AF) rounded to 10 decimals before writing


class TraceWriter:
    """Append validated trace chunks to a temporary TSV; ``close()`` renames it into place.

    Same format as stereosarc.tables.write_table (tab, header, NA, 1/0), written with pyarrow's
    CSV writer (about 5x faster than DataFrame.to_csv on a million-row trace); floats are
    rounded to TRACE_DECIMALS decimals and written in their shortest form.
    """

    def __init__(self, path: str | Path, schema: str = "tmb_trace") -> None:
        self.path, self.schema = Path(path), schema
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, self.tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp",
                                            dir=self.path.parent)
        self.handle = os.fdopen(handle, "wb")
        self.header = True

    def write(self, chunk: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        validate_frame(chunk, self.schema)
        floats = chunk.select_dtypes("float").columns
        chunk = chunk.assign(**{c: chunk[c].round(TRACE_DECIMALS) for c in floats})
        options = pacsv.WriteOptions(include_header=self.header, delimiter="\t",
                                     null_string=NA_REP, quoting_style="none",
                                     quoting_header="none")
        pacsv.write_csv(pa.Table.from_pandas(chunk, preserve_index=False), self.handle, options)
        self.header = False

    def close(self) -> None:
        self.handle.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        self.handle.close()
        Path(self.tmp).unlink(missing_ok=True)


def write_summary(summary: pd.DataFrame, path: str | Path) -> None:
    """The one-row TMB table (schema ``tmb``)."""
    write_table(summary, path, "tmb")
