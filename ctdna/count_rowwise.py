"""ctdna-count's row-wise path: one sample counted and its five tables written without numpy
or pandas (issue 18: the start-up of an ungrouped task; docs/ctdna_counting.md, "Start-up").

The same recipe as ``ctdna.count_command.count_sample`` (targets on the BAM's contigs, sites of
the site list and tumour VCFs, site checks, the counting core, target depth, background, read
statistics), applied to lists by ``ctdna.rowwise_sites`` and ``ctdna.rowwise_counts``; the tables
are written by ``stereosarc.tables.write_records`` and are byte-identical to the DataFrame
path's. Chosen by ``use_rowwise`` (one sample, small territory, no earlier batch's site tables);
an input this path does not read itself, or any input error, raises ``Declined`` before a file
is written, and the caller counts the sample with the DataFrame path instead.
"""

from __future__ import annotations

import logging
import math
import statistics
from pathlib import Path

from ctdna import bam_io, rowwise_counts, rowwise_sites
from ctdna.count_options import CountOptions
from ctdna.count_rules import ReadFilter
from ctdna.rowwise_sites import Declined  # noqa: F401 (the callers catch it from here)
from ctdna.site_rules import check_contig_naming
from stereosarc import genomics
from stereosarc.errors import InputError
from stereosarc.rejects import reject_records
from stereosarc.schemas import load_schema
from stereosarc.tables import write_records

LOG = logging.getLogger("ctdna.count")
# Target territory (bp, BED lengths summed) up to which the row-wise path counts: its Python
# background loop costs about 0.4 CPU s per 100 kb (0.022 s for the demo's 5,750 bp, load 15,
# 2026-12-07), importing numpy and pandas about 0.5 s; at 40 kb the loop costs a third of that
ROWWISE_MAX_BP = 40_000
TUMOUR_SITES_SUFFIX = ".tumour_sites.tsv"  # ctdna.io.TUMOUR_SITES_SUFFIX (batch reuse)
SCHEMAS = {  # table -> schema
    "sites": "ctdna_site_counts",
    "targets": "ctdna_target_depth",
    "background": "ctdna_background",
    "rejects": "rejects",
    "read_stats": "ctdna_read_stats",
}


def use_rowwise(options: CountOptions) -> bool:
    """Whether the sample goes the row-wise way: no earlier batch's tumour site table (the
    DataFrame path reads those) and a territory of at most ROWWISE_MAX_BP."""
    if any(path.name.endswith(TUMOUR_SITES_SUFFIX) for _, path in options.tumours):
        return False
    try:
        targets = genomics.read_bed(options.targets, "targets BED")
    except InputError:
        return False  # the DataFrame path reports it
    return sum(t.end - t.start for t in targets) <= ROWWISE_MAX_BP


def count_and_write(options: CountOptions, paths: dict) -> None:
    """Count one sample row-wise and write its tables to ``paths`` (table -> file); Declined
    (nothing written) when the DataFrame path must do it."""
    try:
        tables = count_sample(options)
    except InputError as err:
        raise Declined(str(err)) from err
    for table, schema in SCHEMAS.items():
        if tables[table] is not None and paths.get(table):
            columns = list(load_schema(schema)["properties"])
            write_records(tables[table], paths[table], schema, columns)


def count_sample(options: CountOptions) -> dict:
    """The five tables of one sample as lists of dicts (the background None when not asked)."""
    try:
        targets = genomics.read_bed(options.targets, "targets BED")
    except genomics.BedError as err:
        raise Declined(str(err)) from err
    LOG.info("%s: %d targets, %s bp", options.targets.name, len(targets),
             f"{sum(t.end - t.start for t in targets):,}")  # fmt: skip
    with bam_io.opened(options.bam, options.fasta) as (bam, fasta):
        return _count_open(options, targets, bam, fasta)


def _load_sites(options: CountOptions, targets: list, bad: list) -> list[dict]:
    per_tumour = []
    if options.sites:
        listed = rowwise_sites.read_site_list(Path(options.sites))
        found, counts = rowwise_sites.select_fixed_sites(listed, targets, options.sites.name, bad)
        LOG.info("%s: %d listed; %d outside targets; %d unsupported alleles; %d repeated; "
                 "%d sites", options.sites.name, *counts.values())  # fmt: skip
        per_tumour.append(found)
    for tumour_id, path in options.tumours:
        variants = rowwise_sites.read_tumour_vcf(path, tumour_id)
        found, counts = rowwise_sites.select_sites(variants, targets, tumour_id, path.name, bad)
        LOG.info("%s: %d records x ALT; %d not PASS; %d outside targets; %d unsupported "
                 "alleles; %d repeated; %d sites", path.name, *counts.values())  # fmt: skip
        per_tumour.append(found)
    if not options.tumours and not options.sites:
        LOG.info("no --tumour VCF and no --sites: empty site table, target depths only")
    return rowwise_sites.merge_sites(per_tumour)


def _count_open(options: CountOptions, all_targets: list, bam, fasta) -> dict:
    rejects: list = []
    contigs = set(bam.references)
    name = options.targets.name
    targets = rowwise_sites.usable_targets(all_targets, contigs, name, rejects)
    if fasta is not None:
        check_contig_naming({t.chrom for t in targets}, set(fasta.references),
                            f"targets BED {name}", "the FASTA")  # fmt: skip
    bad: list[dict] = []
    sites = _load_sites(options, targets, bad)
    rejects += rowwise_sites.stage_rejects(bad)
    sites = rowwise_sites.checked_sites(sites, contigs, fasta, rejects)
    reads = ReadFilter(options.fasta, options.min_mapq, options.min_baseq, options.umi_tag)
    counts = rowwise_counts.count_sites(options.bam, sites, reads)
    per_target = rowwise_counts.target_counts(options.bam, targets, reads)
    site_table = [_site_row(options.sample, site, counts) for site in sites]
    depth = rowwise_counts.target_depth(options.sample, targets, per_target)
    background = None
    if options.background:
        background = rowwise_counts.sample_background(
            options.sample, targets, per_target, sites, fasta, options.max_background_vaf
        )
    _log_counts(site_table, depth, rejects)
    merged = rowwise_counts.territory(targets)
    stats = rowwise_counts.read_stats_row(
        options.sample, options.bam, merged, reads, bam_io.index_counts(bam)
    )
    _log_read_stats(stats)
    return {"sites": site_table, "targets": depth, "background": background,
            "rejects": reject_records(rejects), "read_stats": [stats]}  # fmt: skip


SITE_TABLE_COLUMNS = list(load_schema("ctdna_site_counts")["properties"])  # column order


def _site_row(sample: str, site: dict, counts: dict) -> dict:
    """A site_counts row: the site, its counts and vaf = alt / depth (NA without depth)."""
    key = tuple(site[k] for k in ("chrom", "pos", "ref", "alt", "variant_type"))
    row = {**site, **counts[key], "sample": sample}
    depth = row["depth_fragments"]
    row["vaf"] = row["alt_fragments"] / depth if depth > 0 else math.nan
    return {column: row[column] for column in SITE_TABLE_COLUMNS}


def _log_counts(site_table: list[dict], depth: list[dict], rejects: list) -> None:
    """What was counted, as the DataFrame path logs it."""
    zero = sum(row["depth_fragments"] == 0 for row in site_table)
    depths = [row["mean_fragment_depth"] for row in depth]
    LOG.info("%d site rows counted (%d with no fragment); %d targets, median fragment depth "
             "%.1f; %d rejects", len(site_table), zero, len(depth),
             statistics.median(depths) if depths else math.nan, len(rejects))  # fmt: skip
    if zero:
        LOG.warning("%d site rows have no passing fragment (depth_fragments = 0)", zero)
    if depth and sum(row["fragments"] for row in depth) == 0:
        LOG.warning("no passing fragment in any target: check the BAM, targets and filters")


def _log_read_stats(row: dict) -> None:
    """The read statistics, as the DataFrame path logs them."""
    median = "NA" if row["sized_fragments"] == 0 else f"{row['fragment_length_median']:.1f}"
    LOG.info("over %d bp of targets: %d reads (%d duplicates), %d kept, %d fragments, %d with a "
             "length (median %s bp)", row["territory_bp"], row["reads"], row["duplicate_reads"],
             row["kept_reads"], row["fragments"], row["sized_fragments"], median)  # fmt: skip
    if row["fragments"] and not row["sized_fragments"]:
        LOG.warning("no kept read in a proper pair: fragment lengths are NA (single-end data?)")
