"""What ctdna-count may count: targets and sites on the BAM's contigs, site REF against the
FASTA, and the site_counts table assembled from the sites and their fragment counts.

Rules (docs/ctdna_counting.md): a target or site on a contig absent from the BAM header is
a reject (file, row, reason), not an error, unless the naming differs wholesale (``1`` vs
``chr1``: an error naming both); with a FASTA, a site whose REF differs from the genome is
a reject, and no site matching at all is an error (the sites and the reads use different
builds).
"""

from __future__ import annotations

import pandas as pd

from ctdna import STAGE
from ctdna import sites as site_selection
from ctdna.exceptions import ReferenceMismatchError
from stereosarc.rejects import reject
from stereosarc.schemas import load_schema

SITE_TABLE_COLUMNS = list(
    load_schema("ctdna_site_counts")["properties"]
)  # columns, in order: the schema


def usable_targets(targets: pd.DataFrame, bam, targets_name: str, rejects: list) -> pd.DataFrame:
    """Targets on contigs of the BAM header; the others become rejects rows."""
    contigs = set(bam.references)
    site_selection.check_contig_naming(
        set(targets["chrom"]), contigs, f"targets BED {targets_name}", "the BAM header"
    )
    absent = ~targets["chrom"].isin(contigs)
    for chrom, row in zip(targets.loc[absent, "chrom"], targets.loc[absent, "_row"], strict=True):
        rejects.append(
            reject(
                STAGE,
                targets_name,
                int(row),
                "contig_not_in_bam",
                detail=f"target contig {chrom!r}",
                column="chrom",
            )
        )
    return targets[~absent].reset_index(drop=True)


def checked_sites(sites: pd.DataFrame, bam, fasta, rejects: list) -> pd.DataFrame:
    """Sites on BAM contigs whose REF matches the FASTA (when given); others are rejected."""
    if sites.empty:
        return sites
    site_selection.check_contig_naming(
        set(sites["chrom"]), set(bam.references), "the sites", "the BAM header"
    )
    ok = sites["chrom"].isin(set(bam.references)).to_numpy()
    for row in sites[~ok].itertuples(index=False):
        rejects.append(
            reject(
                STAGE,
                row.vcf_file,
                row.vcf_row,
                "contig_not_in_bam",
                detail=f"site contig {row.chrom!r}",
                column=_column(row, "CHROM"),
            )
        )
    if fasta is not None:
        ok &= _ref_matches(sites, fasta, rejects)
    return sites[ok].reset_index(drop=True)


def _column(site, vcf_column: str) -> str:
    """Column name in the site's source file: VCF CHROM/REF, site list chrom/ref."""
    return vcf_column.lower() if site.tumour_sample == site_selection.FIXED_SITES else vcf_column


def _ref_matches(sites: pd.DataFrame, fasta, rejects: list):
    """Per site, REF == FASTA bases; all sites mismatching is an error (wrong build)."""
    site_selection.check_contig_naming(
        set(sites["chrom"]), set(fasta.references), "the sites", "the FASTA"
    )
    matches = []
    for row in sites.itertuples(index=False):
        genome = (
            fasta.fetch(row.chrom, row.pos - 1, row.pos - 1 + len(row.ref)).upper()
            if row.chrom in fasta.references
            else ""
        )
        matches.append(genome == row.ref)
        if genome != row.ref:
            rejects.append(
                reject(
                    STAGE,
                    row.vcf_file,
                    row.vcf_row,
                    "ref_mismatch",
                    detail=f"{row.chrom}:{row.pos} REF {row.ref!r}, FASTA "
                    f"{genome or 'contig absent'!r}",
                    column=_column(row, "REF"),
                )
            )
    if sites.size and not any(matches):
        first = sites.iloc[0]
        raise ReferenceMismatchError(
            f"no site REF matches the FASTA (e.g. {first['chrom']}:{first['pos']} REF "
            f"{first['ref']!r}): the sites and the reads use different references"
        )
    return pd.Series(matches, index=sites.index).to_numpy()


def site_table(sample: str, sites: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """site_counts rows: each site x ALT of each tumour VCF with its fragment counts."""
    keys = ["chrom", "pos", "ref", "alt", "variant_type"]
    table = (
        sites.merge(counts, on=keys, how="left")
        if len(sites)
        else pd.DataFrame(columns=SITE_TABLE_COLUMNS)
    )
    table["sample"] = sample
    depth = pd.to_numeric(table["depth_fragments"])
    table["vaf"] = (pd.to_numeric(table["alt_fragments"]) / depth).where(depth > 0)
    table = table.sort_values(["chrom", "pos", "ref", "alt", "tumour_sample"])
    return table[SITE_TABLE_COLUMNS].reset_index(drop=True)
