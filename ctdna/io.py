"""File boundary of ctdna-count: BAM/CRAM, tumour VCFs, site list, targets BED, FASTA in;
tables out.

Library errors (pysam, cyvcf2, OSError) are wrapped here into ``CtdnaInputError`` subclasses
that name the file and suggest the fix. cyvcf2's -1 / NaN sentinels become NaN here.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import pandas as pd

from ctdna.bam_io import index_counts, open_alignments, open_fasta  # noqa: F401 (re-exported)
from ctdna.count_options import parse_tumour_arg  # noqa: F401 (re-exported)
from ctdna.exceptions import CtdnaInputError
from ctdna.site_rules import tissue_vafs
from stereosarc import genomics
from stereosarc.errors import InputError
from stereosarc.tables import ROW_COLUMN, read_table, write_table

LOG = logging.getLogger(__name__)


def read_targets(path: str | Path) -> pd.DataFrame:
    """Targets BED -> chrom, start (0-based), end, gene (column 4, NA if absent), _row.

    The one BED rule of stereosarc.genomics: header lines (#, track, browser) skipped; fewer
    than 3 columns, a non-integer or negative coordinate, or end <= start raises with file,
    row and column.
    """
    try:
        intervals = genomics.read_bed(path, "targets BED")
    except genomics.BedError as err:
        raise CtdnaInputError(str(err)) from err
    targets = pd.DataFrame(intervals, columns=["chrom", "start", "end", "gene", "_row"])
    LOG.info(
        "%s: %d targets, %s bp",
        Path(path).name,
        len(targets),
        f"{int((targets['end'] - targets['start']).sum()):,}",
    )
    return targets


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
    alleles; gene may be empty. Returns chrom, pos, ref, alt, gene, _row (spreadsheet row,
    header = row 1).
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


TUMOUR_SITES_SUFFIX = ".tumour_sites.tsv"  # an earlier batch's sites of one tumour
TUMOUR_SITES_TEXT = ["tumour_sample", "chrom", "ref", "alt", "variant_type", "gene"]


def read_tumour_sites(path: str | Path, tumour_id: str) -> pd.DataFrame:
    """The sites of tumour ``tumour_id`` as an earlier batch counted them, instead of its VCF.

    The file (``<tumour>.tumour_sites.tsv``, written by stereosarc-batches from that batch's
    site counts) holds the tumour's sites already selected and checked: tumour_sample, chrom,
    pos, ref, alt, variant_type, gene, tissue_vaf. Returned with the columns of
    ``ctdna.sites.merge_sites``: vcf_file is this file, vcf_row its data row.
    """
    path = Path(path)
    text = {column: str for column in TUMOUR_SITES_TEXT}
    try:
        table = pd.read_csv(path, sep="\t", dtype=text, na_values=["NA"], keep_default_na=False)
    except (OSError, ValueError) as err:
        raise CtdnaInputError(f"cannot read tumour site table {path}: {err}") from err
    missing = [c for c in [*TUMOUR_SITES_TEXT, "pos", "tissue_vaf"] if c not in table.columns]
    others = sorted(set(table.get("tumour_sample", [])) - {tumour_id})
    if missing or others:
        raise CtdnaInputError(
            f"{path}: not the site table of tumour {tumour_id} "
            f"(missing columns {missing}, other tumours {others})"
        )
    table["pos"] = table["pos"].astype(int)
    table["tissue_vaf"] = table["tissue_vaf"].astype(float)
    table["vcf_file"] = path.name
    table["vcf_row"] = np.arange(1, len(table) + 1)
    LOG.info("%s: %d sites of tumour %s (an earlier batch's)", path.name, len(table), tumour_id)
    return table[["tumour_sample", "chrom", "pos", "ref", "alt", "variant_type", "gene",
                  "tissue_vaf", "vcf_file", "vcf_row"]]  # fmt: skip


def read_tumour_vcf(path: str | Path, tumour_id: str) -> pd.DataFrame:
    """Every ALT of every record of a tumour VCF, one row per record x ALT.

    Columns: chrom, pos (1-based), ref, alt, filter_pass (bool), tissue_vaf (FORMAT AF of the
    tumour sample, else AD alt / sum AD; NaN when neither), _row (1-based record number).
    The tumour sample is chosen by stereosarc.genomics.tumour_column (the VCF column named
    ``tumour_id``, else the only sample, else the one ``##tumor_sample`` header sample, else
    the one TUMOR/TUMOUR column); otherwise an error lists the samples.
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
    """Index of the tumour sample column (None for a sites-only VCF): the one rule of
    stereosarc.genomics.tumour_column."""
    try:
        return genomics.tumour_column(list(vcf.samples), vcf.raw_header, tumour_id)
    except genomics.TumourColumnError as err:
        raise CtdnaInputError(f"{path}: cannot tell the tumour sample: {err}") from err


def _record_rows(record, number: int, column: int | None) -> list[list]:
    """Rows (one per ALT) of one cyvcf2 record."""
    passed = record.FILTER is None  # cyvcf2: None means PASS (or '.')
    vafs = _tissue_vafs(record, column, len(record.ALT))
    return [
        [record.CHROM, int(record.POS), record.REF, alt, passed, vaf, number]
        for alt, vaf in zip(record.ALT, vafs, strict=False)
    ]


def _tissue_vafs(record, column: int | None, n_alt: int) -> list[float]:
    """Per ALT: the rule of ``ctdna.site_rules.tissue_vafs`` on the tumour column."""
    if column is None:
        return [math.nan] * n_alt
    af, ad = (_format_values(record, tag, column) for tag in ("AF", "AD"))
    return tissue_vafs(af, ad, n_alt)


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
    read_stats: pd.DataFrame | None = None,
) -> None:
    """Write the site, target-depth, background, rejects and read-statistics tables
    (schema-checked, atomic; the optional ones when given with a path)."""
    sites_path, targets_path = paths["sites"], paths["targets"]
    background_path, rejects_path = paths.get("background"), paths.get("rejects")
    if sites_path is None or targets_path is None:
        raise ValueError("write_counts: the sites and targets paths are required")
    write_table(sites, sites_path, "ctdna_site_counts")
    write_table(depth, targets_path, "ctdna_target_depth")
    if background is not None and background_path:
        write_table(background, background_path, "ctdna_background")
    if rejects_path:
        write_table(rejects, rejects_path, "rejects")
    read_stats_path = paths.get("read_stats")
    if read_stats is not None and read_stats_path:
        write_table(read_stats, read_stats_path, "ctdna_read_stats")
