"""ctdna-count as a library call: options in, the per-sample tables out.

One plasma (or PoN) BAM: fragment alleles at the tumour-informed sites (and the fixed sites
of a tumour-naive list), fragment depth per capture target, the sample's own error
background, and its reads, duplicates and fragment lengths over the targets (ctdna.read_stats,
for the QC view). Method: docs/ctdna_counting.md. Which targets and sites may be counted is
decided in ctdna.site_checks; the counting itself is ctdna.counting (htslib core).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ctdna import STAGE, bam_io, counting, fragcore, io, read_stats, site_checks
from ctdna import background as background_model
from ctdna import sites as site_selection
from ctdna.count_options import CountOptions  # noqa: F401 (re-exported)
from stereosarc.rejects import Reject, reject, reject_table
from stereosarc.schemas import load_schema

LOG = logging.getLogger("ctdna.count")
DEPTH_TABLE_COLUMNS = list(
    load_schema("ctdna_target_depth")["properties"]
)  # columns, in order: the schema
READ_STATS_COLUMNS = list(load_schema("ctdna_read_stats")["properties"])  # likewise


@dataclass(frozen=True)
class CountTables:
    """ctdna_site_counts, ctdna_target_depth, ctdna_background (None when not asked), the
    rejects of ctdna-count and ctdna_read_stats (one row)."""

    sites: pd.DataFrame
    targets: pd.DataFrame
    background: pd.DataFrame | None
    rejects: pd.DataFrame
    read_stats: pd.DataFrame


def count_sample(options: CountOptions) -> CountTables:
    """Read the inputs, count, and return the tables (module doc)."""
    core = fragcore.core()
    LOG.info("counting core: htslib %s (%s)", core.version, core.library)
    targets = io.read_targets(options.targets)
    with bam_io.opened(options.bam, options.fasta) as (bam, fasta):
        return _count_open(options, targets, bam, fasta)


def _stage_rejects(rows: list[dict]) -> list[Reject]:
    """Site-selection rejects as rows of stage ctdna (no patient: samples only here)."""
    return [
        reject(STAGE, r["file"], r["row"], r["code"], detail=r["detail"], column=r["column"])
        for r in rows
    ]


def _load_sites(options: CountOptions, targets: pd.DataFrame, rejects: list) -> pd.DataFrame:
    """Sites of every tumour VCF inside the targets and of the site list, a log line each."""
    per_tumour = [_fixed_sites(options.sites, targets, rejects)] if options.sites else []
    for tumour_id, path in options.tumours:
        if path.name.endswith(io.TUMOUR_SITES_SUFFIX):  # an earlier batch's sites of a tumour
            per_tumour.append(io.read_tumour_sites(path, tumour_id))
            continue
        variants = io.read_tumour_vcf(path, tumour_id)
        found, bad, counts = site_selection.select_sites(variants, targets, tumour_id, path.name)
        rejects.extend(_stage_rejects(bad))
        LOG.info(
            "%s: %d records x ALT; %d not PASS; %d outside targets; %d unsupported "
            "alleles; %d repeated; %d sites",
            path.name,
            counts["records"],
            counts["not_pass"],
            counts["outside_targets"],
            counts["unsupported"],
            counts["repeated"],
            counts["sites"],
        )
        per_tumour.append(found)
    if not options.tumours and not options.sites:
        LOG.info("no --tumour VCF and no --sites: empty site table, target depths only")
    return site_selection.merge_sites(per_tumour)


def _fixed_sites(path: Path, targets: pd.DataFrame, rejects: list) -> pd.DataFrame:
    """Sites of the site list inside the targets; the other rows become rejects."""
    listed = io.read_site_list(path)
    name = Path(path).name
    found, bad, counts = site_selection.select_fixed_sites(listed, targets, name)
    rejects.extend(_stage_rejects(bad))
    LOG.info(
        "%s: %d listed; %d outside targets; %d unsupported alleles; %d repeated; %d sites",
        name,
        counts["rows"],
        counts["outside_targets"],
        counts["unsupported"],
        counts["repeated"],
        counts["sites"],
    )
    return found


def _count_open(options: CountOptions, targets: pd.DataFrame, bam, fasta) -> CountTables:
    """The tables from the opened inputs."""
    rejects: list[Reject] = []
    targets_name = Path(options.targets).name
    targets = site_checks.usable_targets(targets, bam, targets_name, rejects)
    if fasta is not None:
        site_selection.check_contig_naming(
            set(targets["chrom"]),
            set(fasta.references),
            f"targets BED {targets_name}",
            "the FASTA",
        )
    sites = site_checks.checked_sites(_load_sites(options, targets, rejects), bam, fasta, rejects)
    reads = counting.ReadFilter(
        options.fasta, options.min_mapq, options.min_baseq, options.umi_tag
    )
    counts = counting.count_sites(options.bam, sites, reads)
    per_target = counting.target_counts(options.bam, targets, reads)
    depth = counting.target_depth(targets, per_target)
    background = (
        background_model.sample_background(
            targets, per_target, sites, fasta, max_background_vaf=options.max_background_vaf
        )
        if options.background
        else None
    )
    site_table = site_checks.site_table(options.sample, sites, counts)
    _log_counts(site_table, depth, rejects)
    depth.insert(0, "sample", options.sample)
    if background is not None:
        background.insert(0, "sample", options.sample)
    depth = depth.sort_values(["chrom", "start", "end"], kind="stable")[DEPTH_TABLE_COLUMNS]
    stats = _read_stats(options, targets, reads, io.index_counts(bam))
    return CountTables(site_table, depth, background, reject_table(rejects), stats)


def _read_stats(
    options: CountOptions,
    targets: pd.DataFrame,
    reads: counting.ReadFilter,
    index_counts: tuple[int | None, int | None],
) -> pd.DataFrame:
    """The ctdna_read_stats row of the sample over its usable targets, with a log line."""
    merged = read_stats.territory(targets)
    row = read_stats.read_stats_row(
        options.sample,
        merged,
        read_stats.territory_reads(options.bam, merged, reads),
        index_counts,
    )
    LOG.info(
        "over %d bp of targets: %d reads (%d duplicates), %d kept, %d fragments, "
        "%d with a length (median %s bp)",
        row["territory_bp"],
        row["reads"],
        row["duplicate_reads"],
        row["kept_reads"],
        row["fragments"],
        row["sized_fragments"],
        "NA" if row["sized_fragments"] == 0 else f"{row['fragment_length_median']:.1f}",
    )
    if row["fragments"] and not row["sized_fragments"]:
        LOG.warning("no kept read in a proper pair: fragment lengths are NA (single-end data?)")
    return pd.DataFrame([row], columns=READ_STATS_COLUMNS)


def _log_counts(site_table: pd.DataFrame, depth: pd.DataFrame, rejects: list) -> None:
    """What was counted, for people reading the log."""
    zero = int((pd.to_numeric(site_table["depth_fragments"]) == 0).sum())
    LOG.info(
        "%d site rows counted (%d with no fragment); %d targets, median fragment depth "
        "%.1f; %d rejects",
        len(site_table),
        zero,
        len(depth),
        float(depth["mean_fragment_depth"].median()) if len(depth) else float("nan"),
        len(rejects),
    )
    if zero:
        LOG.warning("%d site rows have no passing fragment (depth_fragments = 0)", zero)
    if len(depth) and int(depth["fragments"].sum()) == 0:
        LOG.warning("no passing fragment in any target: check the BAM, targets and filters")
