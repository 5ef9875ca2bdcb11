"""File boundary of ctdna-count: BAM/CRAM, tumour VCFs, site list, targets BED, FASTA in; tables out.

Library errors (pysam, cyvcf2, OSError) are wrapped here into ``CtdnaInputError`` subclasses
that name the file and suggest the fix. cyvcf2's -1 / NaN sentinels become NaN here.
"""

from __future__ import annotations

import logging
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pysam

from ctdna.exceptions import BamIndexError, CtdnaInputError, EmptyBamError
from stereosarc.errors import InputError
from stereosarc.tables import ROW_COLUMN, read_table, write_table

LOG = logging.getLogger(__name__)
IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")  # DESIGN.md identifier rule
BED_SKIP = ("#", "track", "browser")  # UCSC BED header lines


def parse_tumour_arg(value: str) -> tuple[str, Path]:
    """'TUMOUR_ID=path/to/tumour.vcf.gz' -> (tumour id, path); refuses a bad id or no '='."""
    tumour_id, sep, path = value.partition("=")
    if not sep or not path:
        raise CtdnaInputError(f"--tumour {value!r}: expected TUMOUR_ID=path/to/tumour.vcf.gz")
    if not IDENTIFIER.match(tumour_id):
        raise CtdnaInputError(
            f"--tumour {value!r}: tumour id {tumour_id!r} does not match {IDENTIFIER.pattern}"
        )
    return tumour_id, Path(path)


def open_alignments(path: str | Path, fasta: str | Path | None = None) -> pysam.AlignmentFile:
    """Open an indexed BAM/CRAM; refuse a missing index or a file without mapped reads."""
    path = Path(path)
    if not path.exists():
        raise CtdnaInputError(f"{path}: BAM file not found")
    options = {"reference_filename": str(fasta)} if fasta else {}
    try:
        bam = pysam.AlignmentFile(str(path), "rc" if path.suffix == ".cram" else "rb", **options)
    except (OSError, ValueError) as err:
        raise CtdnaInputError(f"cannot read BAM {path}: {err}") from err
    if not bam.has_index():
        bam.close()
        raise BamIndexError(
            f"{path}: index missing (no .bai/.csi/.crai beside it); fix: samtools index {path}"
        )
    mapped = None if bam.is_cram else _mapped_reads(bam)  # CRAM indexes report 0
    if mapped == 0 or (mapped is None and next(bam.fetch(), None) is None):
        bam.close()
        raise EmptyBamError(
            f"{path}: BAM has no mapped read (index statistics report 0); counts would all be zero"
        )
    LOG.info(
        "%s: %s mapped reads on %d contigs",
        path.name,
        "unknown number of" if mapped is None else f"{mapped:,}",
        len(bam.references),
    )
    return bam


def _mapped_reads(bam: pysam.AlignmentFile) -> int | None:
    """Mapped reads from the index (None when the index has no statistics, e.g. CRAM)."""
    try:
        return int(sum(stat.mapped for stat in bam.get_index_statistics()))
    except (ValueError, AttributeError):
        return None


def open_fasta(path: str | Path | None) -> pysam.FastaFile | None:
    """Open an indexed FASTA (None when not given); a .fai is built by pysam if missing."""
    if path is None:
        return None
    if not Path(path).exists():
        raise CtdnaInputError(f"{path}: FASTA file not found")
    try:
        return pysam.FastaFile(str(path))
    except (OSError, ValueError) as err:
        raise CtdnaInputError(
            f"cannot read FASTA {path}: {err}; fix: samtools faidx {path}"
        ) from err


def read_targets(path: str | Path) -> pd.DataFrame:
    """Targets BED -> chrom, start (0-based), end, gene (column 4, NA if absent), _row.

    Header lines (#, track, browser) are skipped; a row with fewer than 3 columns, a
    non-integer or negative coordinate, or end <= start raises with file, row and column.
    """
    path = Path(path)
    if not path.exists():
        raise CtdnaInputError(f"{path}: targets BED not found")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith(BED_SKIP):
            continue
        rows.append(_bed_row(path.name, number, line.rstrip("\n").split("\t")))
    if not rows:
        raise CtdnaInputError(f"{path}: targets BED has no interval")
    targets = pd.DataFrame(rows, columns=["chrom", "start", "end", "gene", "_row"])
    LOG.info(
        "%s: %d targets, %s bp",
        path.name,
        len(targets),
        f"{int((targets['end'] - targets['start']).sum()):,}",
    )
    return targets


def _bed_row(name: str, number: int, fields: list[str]) -> list:
    """One BED line as [chrom, start, end, gene, row]; errors name file, row and column."""
    if len(fields) < 3:
        raise CtdnaInputError(
            f"{name} row {number}: expected at least 3 tab-separated "
            f"columns (chrom, start, end), found {len(fields)}"
        )
    try:
        start, end = int(fields[1]), int(fields[2])
    except ValueError as err:
        raise CtdnaInputError(
            f"{name} row {number}, column start/end: {fields[1]!r}/{fields[2]!r} are not integers"
        ) from err
    if start < 0 or end <= start:
        raise CtdnaInputError(
            f"{name} row {number}, column end: interval {start}-{end} is empty or negative"
        )
    gene = fields[3].strip() if len(fields) > 3 and fields[3].strip() else None
    return [fields[0], start, end, gene, number]


SITE_LIST_COLUMNS = [
    "chrom",
    "pos",
    "ref",
    "alt",
    "gene",
]  # --sites format (docs/ctdna_counting.md)


def read_site_list(path: str | Path) -> pd.DataFrame:
    """Fixed site list (CSV/TSV with header chrom, pos, ref, alt, gene; other columns ignored).

    pos is 1-based (the SNV base or the indel's anchor base, as in a VCF); ref/alt are VCF
    alleles; gene may be empty. Returns chrom, pos, ref, alt, gene, _row (1-based data row).
    A missing column, an empty chrom/pos/ref/alt or a pos that is not a positive integer
    raises with file, row and column.
    """
    path = Path(path)
    try:
        table = read_table(path, required=SITE_LIST_COLUMNS)
    except InputError as err:
        raise CtdnaInputError(f"site list {err}") from err
    if table.empty:
        raise CtdnaInputError(f"{path.name}: site list has no site rows")
    for column in ("chrom", "pos", "ref", "alt"):
        empty = table[table[column].isna()]
        if len(empty):
            raise CtdnaInputError(
                f"{path.name} row {empty[ROW_COLUMN].iloc[0]}, column {column}: empty"
            )
    digits = table["pos"].str.fullmatch(r"[0-9]+")
    positions = pd.to_numeric(table["pos"].where(digits), errors="coerce")
    bad = ~digits | (positions < 1)
    if bad.any():
        first = table[bad].iloc[0]
        raise CtdnaInputError(
            f"{path.name} row {first[ROW_COLUMN]}, column pos: "
            f"{first['pos']!r} is not a 1-based position (integer >= 1)"
        )
    table["pos"] = positions.astype(int)
    LOG.info("%s: %d listed sites", path.name, len(table))
    return table[SITE_LIST_COLUMNS + [ROW_COLUMN]]


def read_tumour_vcf(path: str | Path, tumour_id: str) -> pd.DataFrame:
    """Every ALT of every record of a tumour VCF, one row per record x ALT.

    Columns: chrom, pos (1-based), ref, alt, filter_pass (bool), tissue_vaf (FORMAT AF of the
    tumour sample, else AD alt / sum AD; NaN when neither), _row (1-based record number).
    The tumour sample is the VCF column named ``tumour_id``, else the ``##tumor_sample``
    header (Mutect2), else the only sample; otherwise an error lists the samples.
    """
    from cyvcf2 import VCF  # imported here: only the VCF path needs it

    path = Path(path)
    if not path.exists():
        raise CtdnaInputError(f"{path}: tumour VCF not found")
    try:
        vcf = VCF(str(path), gts012=True)
    except OSError as err:
        raise CtdnaInputError(f"cannot read VCF {path}: {err}") from err
    column = _tumour_column(vcf, tumour_id, path)
    rows = []
    try:
        for number, record in enumerate(vcf, start=1):
            rows.extend(_record_rows(record, number, column))
    except Exception as err:  # cyvcf2 raises bare Exceptions on malformed lines
        raise CtdnaInputError(f"cannot parse VCF {path} after record {len(rows)}: {err}") from err
    finally:
        vcf.close()
    frame = pd.DataFrame(
        rows, columns=["chrom", "pos", "ref", "alt", "filter_pass", "tissue_vaf", "_row"]
    )
    LOG.info(
        "%s: %d records x ALT, %d PASS", path.name, len(frame), int(frame["filter_pass"].sum())
    )
    return frame


def _tumour_column(vcf, tumour_id: str, path: Path) -> int | None:
    """Index of the tumour sample column (None for a sites-only VCF)."""
    samples = list(vcf.samples)
    if not samples:
        return None
    if tumour_id in samples:
        return samples.index(tumour_id)
    header = re.search(r"^##tumor_sample=(\S+)$", vcf.raw_header, flags=re.M)
    if header and header.group(1) in samples:
        return samples.index(header.group(1))
    if len(samples) == 1:
        return 0
    raise CtdnaInputError(
        f"{path}: cannot tell the tumour sample: no column named "
        f"{tumour_id!r} and no ##tumor_sample header among {samples}"
    )


def _record_rows(record, number: int, column: int | None) -> list[list]:
    """Rows (one per ALT) of one cyvcf2 record."""
    passed = record.FILTER is None  # cyvcf2: None means PASS (or '.')
    vafs = _tissue_vafs(record, column, len(record.ALT))
    return [
        [record.CHROM, int(record.POS), record.REF, alt, passed, vaf, number]
        for alt, vaf in zip(record.ALT, vafs)
    ]


def _tissue_vafs(record, column: int | None, n_alt: int) -> list[float]:
    """Per ALT: FORMAT AF of the tumour column, else AD alt / sum(AD); NaN when unknown."""
    nan = [math.nan] * n_alt
    if column is None:
        return nan
    af = _format_values(record, "AF", column)
    if af is not None and len(af) >= n_alt:
        return [
            float(f"{v:.7g}") if v is not None and np.isfinite(v) and v >= 0 else math.nan
            for v in af[:n_alt]
        ]  # 7 digits: FORMAT AF is float32
    ad = _format_values(record, "AD", column)
    if ad is not None and len(ad) == n_alt + 1:
        depth = sum(v for v in ad if v is not None and v >= 0)
        if depth > 0:
            return [float(v) / depth if v is not None and v >= 0 else math.nan for v in ad[1:]]
    return nan


def _format_values(record, tag: str, column: int) -> list | None:
    """FORMAT ``tag`` of one sample as a list (None when absent); cyvcf2 sentinels stay <0/NaN."""
    try:
        values = record.format(tag)
    except KeyError:
        return None
    if values is None:
        return None
    return [
        None if (isinstance(v, float) and math.isnan(v)) else v for v in values[column].tolist()
    ]


def write_counts(
    sites: pd.DataFrame,
    depth: pd.DataFrame,
    background: pd.DataFrame | None,
    rejects: pd.DataFrame,
    paths: dict[str, Path | None],
) -> None:
    """Write the site, target-depth, background and rejects tables (schema-checked, atomic)."""
    write_table(sites, paths["sites"], "ctdna_site_counts")
    write_table(depth, paths["targets"], "ctdna_target_depth")
    if background is not None and paths.get("background"):
        write_table(background, paths["background"], "ctdna_background")
    if paths.get("rejects"):
        write_table(rejects, paths["rejects"], "rejects")
