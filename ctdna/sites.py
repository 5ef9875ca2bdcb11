"""Sites to count in plasma: PASS variants of the tumour VCF(s) inside the ctDNA targets.

A site is one tumour VCF record x ALT with FILTER PASS whose (left) position lies in a
target interval: 1-based POS with ``start < POS <= end`` (BED is 0-based, half-open), i.e.
the SNV base or the indel's anchor base. Alleles are trimmed of their common suffix (VCF
multi-allelic padding) and classified:

- snv: one base each side, both in ACGT;
- deletion: ALT is one base equal to REF's first base (VCF anchor), REF longer;
- insertion: REF is one base equal to ALT's first base, ALT longer;
- anything else (MNV, complex, symbolic '<DEL>', '*', N) is not counted: a rejects row.

The gene is column 4 of the first target containing the site. A fixed site list (tumour-naive
tracking, ``select_fixed_sites``) gives sites the same way, with tumour_sample FIXED_SITES.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ctdna.site_rules import (  # noqa: F401 (re-exported: one home of the rules)
    BASES,
    FIXED_SITES,
    SITE_COLUMNS,
    check_contig_naming,
    classify_alleles,
)


def select_sites(
    variants: pd.DataFrame, targets: pd.DataFrame, tumour_id: str, vcf_name: str
) -> tuple[pd.DataFrame, list[dict], dict]:
    """Sites of one tumour VCF: PASS, supported type, inside a target.

    ``variants``: rows of ``io.read_tumour_vcf``. Returns (sites with SITE_COLUMNS, rejects
    rows for unsupported alleles and repeated records of PASS records in targets, counts for
    the log).
    """
    check_contig_naming(
        set(variants["chrom"]), set(targets["chrom"]), f"tumour VCF {vcf_name}", "the targets BED"
    )
    passing = variants[variants["filter_pass"].astype(bool)]
    inside, genes = target_genes(targets, passing["chrom"], passing["pos"])
    in_target = passing[inside].rename(columns={"_row": "vcf_row"})
    in_target["gene"] = genes[inside]
    sites, rejects = _classified(in_target, tumour_id, vcf_name, "ALT")
    unsupported = len(rejects)
    sites, repeated = _without_repeats(sites, vcf_name, "record", rejects)
    counts = {
        "records": len(variants),
        "not_pass": len(variants) - len(passing),
        "outside_targets": len(passing) - len(in_target),
        "unsupported": unsupported,
        "repeated": repeated,
        "sites": len(sites),
    }
    return sites, rejects, counts


def select_fixed_sites(
    listed: pd.DataFrame, targets: pd.DataFrame, list_name: str
) -> tuple[pd.DataFrame, list[dict], dict]:
    """Sites of a fixed site list (``io.read_site_list``) for tumour-naive tracking.

    Every listed site is counted unless it lies outside the targets, is not an SNV or
    simple indel, or repeats an earlier row: each of those is a rejects row (file, row,
    column). ``tumour_sample`` is FIXED_SITES; ``gene`` is the list's, else the target's.
    """
    check_contig_naming(
        set(listed["chrom"]), set(targets["chrom"]), f"site list {list_name}", "the targets BED"
    )
    inside, genes = target_genes(targets, listed["chrom"], listed["pos"])
    rejects = [
        {
            "file": list_name,
            "row": int(row),
            "column": "pos",
            "code": "site_outside_targets",
            "detail": f"{chrom}:{pos}",
        }
        for chrom, pos, row in listed.loc[~inside, ["chrom", "pos", "_row"]].itertuples(
            index=False
        )
    ]
    in_target = listed[inside].rename(columns={"_row": "vcf_row"}).assign(tissue_vaf=np.nan)
    in_target["gene"] = in_target["gene"].where(in_target["gene"].notna(), genes[inside])
    sites, unsupported = _classified(in_target, FIXED_SITES, list_name, "alt")
    rejects += unsupported
    sites, repeated = _without_repeats(sites, list_name, "row", rejects)
    counts = {
        "rows": len(listed),
        "outside_targets": int((~inside).sum()),
        "unsupported": len(unsupported),
        "repeated": repeated,
        "sites": len(sites),
    }
    return sites, rejects, counts


def _classified(
    rows: pd.DataFrame, tumour_id: str, file_name: str, allele_column: str
) -> tuple[pd.DataFrame, list[dict]]:
    """SITE_COLUMNS rows of the supported alleles; a rejects row for each unsupported one."""
    sites, rejects = [], []
    for record in rows.itertuples(index=False):
        ref, alt, kind = classify_alleles(record.ref, record.alt)
        if kind is None:
            rejects.append(
                {
                    "file": file_name,
                    "row": int(record.vcf_row),
                    "column": allele_column,
                    "code": "unsupported_allele",
                    "detail": f"{record.chrom}:{record.pos} {record.ref}>{record.alt}",
                }
            )
            continue
        sites.append(
            [
                tumour_id,
                record.chrom,
                int(record.pos),
                ref,
                alt,
                kind,
                record.gene,
                record.tissue_vaf,
                file_name,
                int(record.vcf_row),
            ]
        )
    return pd.DataFrame(sites, columns=SITE_COLUMNS), rejects


def _without_repeats(
    sites: pd.DataFrame, file_name: str, unit: str, rejects: list[dict]
) -> tuple[pd.DataFrame, int]:
    """Sites without repeats of an earlier (chrom, pos, ref, alt); a rejects row per repeat."""
    repeated = sites.duplicated(subset=["chrom", "pos", "ref", "alt"])
    for record in sites[repeated].itertuples(index=False):
        rejects.append(
            {
                "file": file_name,
                "row": record.vcf_row,
                "column": None,
                "code": "duplicate_row",
                "detail": f"{record.chrom}:{record.pos} {record.ref}>{record.alt} repeats an "
                f"earlier {unit}",
            }
        )
    return sites[~repeated].reset_index(drop=True), int(repeated.sum())


def target_genes(
    targets: pd.DataFrame, chroms: pd.Series, positions: pd.Series
) -> tuple[np.ndarray, np.ndarray]:
    """(inside, gene) per 1-based position: inside a target, and the first such target's gene."""
    inside = np.zeros(len(positions), dtype=bool)
    genes = np.full(len(positions), None, dtype=object)
    chroms, positions = np.asarray(chroms), np.asarray(positions, dtype=np.int64)
    for chrom, group in targets.groupby("chrom", sort=False):
        idx = np.nonzero(chroms == chrom)[0]
        if not len(idx):
            continue
        start, end = group["start"].to_numpy(), group["end"].to_numpy()
        hits = (start[None, :] < positions[idx, None]) & (end[None, :] >= positions[idx, None])
        found = hits.any(axis=1)
        first = hits.argmax(axis=1)
        genes[idx[found]] = group["gene"].to_numpy()[first[found]]
        inside[idx[found]] = True
    return inside, genes


def merge_sites(per_tumour: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate the sites of several tumour VCFs, sorted by position then tumour sample."""
    frames = [f for f in per_tumour if len(f)]
    if not frames:
        return pd.DataFrame(columns=SITE_COLUMNS)
    sites = pd.concat(frames, ignore_index=True)
    sites["tissue_vaf"] = sites["tissue_vaf"].astype(float).replace({np.inf: np.nan})
    return sites.sort_values(["chrom", "pos", "ref", "alt", "tumour_sample"]).reset_index(
        drop=True
    )
