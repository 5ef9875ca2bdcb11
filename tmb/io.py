"""Input files of the tmb stage other than the VCF: BED, hotspot list, BAM depth.

VCF reading lives in tmb.vcf_io, output tables in tmb.outputs. Regions come as numpy
columns (tmb.regions) or, for the panel-sized path that imports no numpy, as lists
(tmb.region_lists); pandas and pysam are imported for the BAM denominator alone.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from stereosarc import genomics
from tmb import region_lists
from tmb.exceptions import RegionError, TmbInputError
from tmb.rules import Hotspots

if TYPE_CHECKING:
    from tmb.regions import Regions

LOG = logging.getLogger(__name__)


def read_bed(path: str | Path, label: str = "BED", as_lists: bool = False):
    """Intervals of a BED file (0-based half-open, unmerged), with their line numbers; the
    one BED rule of stereosarc.genomics (0 <= start < end, else refused with file and line).
    tmb.regions.Regions, or tmb.region_lists.Regions when ``as_lists``."""
    try:
        intervals = genomics.read_bed(path, label)
    except genomics.BedError as err:
        raise RegionError(str(err)) from err
    lists = region_lists.Regions.of_intervals(intervals)
    if as_lists:
        return lists
    import numpy as np

    from tmb.regions import Regions

    return Regions(
        np.array(lists.chrom, dtype=object),
        np.array(lists.start, np.int64),
        np.array(lists.end, np.int64),
        np.array(lists.rows, np.int64),
    )


def check_contigs(bed: Regions, path: str | Path, vcf_contigs: list[str]) -> None:
    """Every BED contig must be a VCF header contig (catches chr17 vs 17 naming)."""
    if not vcf_contigs:
        return
    known = set(vcf_contigs)
    unknown = [i for i, chrom in enumerate(bed.chrom) if chrom not in known]
    if unknown:
        first = unknown[0]
        line = bed.rows[first] if bed.rows is not None else first + 1
        raise RegionError(
            f"{path} row {line}, column chrom: contig '{bed.chrom[first]}' "
            f"is not a contig of the VCF header (e.g. {', '.join(vcf_contigs[:3])}); "
            "check chr-prefix naming"
        )


def read_hotspots(path: str | Path, chr_prefixed: bool = True, as_lists: bool = False) -> Hotspots:
    """Hotspot exclusions: a BED (regions) or a CSV/TSV with chrom, pos (1-based)[, ref, alt]
    ('#' lines are comments). Table contigs are spelt in the VCF's naming: ``chr_prefixed``
    False (a VCF named 1, 2, ...) renames chr7 to 7 (stereosarc.genomics.in_naming_of). A
    BED's regions are indexed as ``as_lists`` says (tmb.region_lists or tmb.regions)."""
    path = Path(path)
    if path.name.lower().removesuffix(".gz").endswith(".bed"):
        bed = read_bed(path, "hotspot BED", as_lists)
        if as_lists:
            return Hotspots(regions=region_lists.RegionIndex.build(bed))
        from tmb.regions import RegionIndex

        return Hotspots(regions=RegionIndex.build(bed))
    spots = Hotspots()
    for row, record in _table_rows(path, ("chrom", "pos")):
        chrom, pos = record["chrom"], record["pos"]
        if not chrom or not pos.isdigit() or int(pos) < 1:
            raise TmbInputError(
                f"{path.name} row {row}, column pos: '{pos}' is not a 1-based "
                "position on a named chrom"
            )
        if not chr_prefixed:
            chrom = genomics.in_naming_of(chrom, chr_prefixed=False)
        key = f"{chrom}:{int(pos)}"
        if record.get("ref") and record.get("alt"):
            spots.alleles.add(f"{key}:{record['ref']}:{record['alt']}")
        else:
            spots.positions.add(key)
    LOG.info(
        "%s: %d hotspot alleles, %d hotspot positions",
        path.name,
        len(spots.alleles),
        len(spots.positions),
    )
    return spots


def _table_rows(path: Path, required: tuple[str, ...]):
    """``(row number, {column: text})`` of a CSV/TSV (by extension) with a header row."""
    import csv

    if not path.exists():
        raise TmbInputError(f"{path}: hotspot list not found")
    delimiter = "," if path.name.lower().removesuffix(".gz").endswith(".csv") else "\t"
    try:
        with genomics.open_text(path) as handle:
            lines = [
                (n, line)
                for n, line in enumerate(handle, start=1)
                if line.strip() and not line.startswith("#")
            ]
    except (OSError, UnicodeDecodeError, EOFError) as err:
        raise TmbInputError(f"{path}: cannot read hotspot list ({err})") from err
    if not lines:
        raise TmbInputError(f"{path}: hotspot list has no header row")
    reader = csv.reader([line for _, line in lines], delimiter=delimiter)
    header = [name.strip() for name in next(reader)]
    missing = [name for name in required if name not in header]
    if missing:
        raise TmbInputError(
            f"{path} row {lines[0][0]}: missing column(s) {', '.join(missing)} "
            f"(found {', '.join(header)})"
        )
    for (row, _), values in zip(lines[1:], reader, strict=False):
        padded = values + [""] * (len(header) - len(values))
        yield row, {name: padded[i].strip() for i, name in enumerate(header)}


def bam_depth(path: str | Path, regions: Regions, min_mapq: int, min_baseq: int):
    """Yield ``(chrom, start, depth)`` per merged region: at each base, the fragments
    (molecules) whose reads show a base there, each fragment once (overlapping mates once).

    The counting of ctdna-count (``ctdna.counting.target_counts``, one implementation; rules in
    docs/ctdna_counting.md): unmapped, secondary, supplementary, QC-fail and duplicate reads
    excluded, MAPQ >= ``min_mapq``, base quality >= ``min_baseq``; mates that disagree at a
    base are not counted there.
    """
    import pandas as pd
    import pysam

    from ctdna import counting
    from ctdna.exceptions import CtdnaInputError
    from tmb.regions import merge_regions

    path = Path(path)
    try:
        with pysam.AlignmentFile(str(path), "rb") as bam:
            indexed, contigs = bam.has_index(), set(bam.references)
    except (OSError, ValueError) as err:
        raise TmbInputError(f"cannot read BAM {path}: {err}") from err
    if not indexed:
        raise TmbInputError(f"{path}: BAM index missing: samtools index {path}")
    merged = merge_regions(regions)
    for chrom in dict.fromkeys(merged.chrom):
        if chrom not in contigs:
            raise TmbInputError(f"{path}: contig '{chrom}' of the panel is not in the BAM header")
    table = pd.DataFrame({"chrom": merged.chrom, "start": merged.start, "end": merged.end})
    try:
        counts = counting.target_counts(
            path, table, counting.ReadFilter(min_mapq=min_mapq, min_baseq=min_baseq)
        )
    except CtdnaInputError as err:
        raise TmbInputError(f"cannot count BAM {path}: {err}") from err
    for chrom, start, count in zip(merged.chrom, merged.start, counts, strict=False):
        yield chrom, int(start), count.acgt.sum(axis=0)
