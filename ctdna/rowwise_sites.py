"""The sites of ctdna-count's row-wise path: targets, site list and tumour VCFs read into plain
lists of dicts, and the rules of ``ctdna.sites`` and ``ctdna.site_checks`` applied row by row
(no numpy, no pandas). Same selection, same rejects, same order as the DataFrame path
(tests/unit/test_ctdna_count_rowwise.py compares the written tables byte for byte).

What this path does not read itself it declines (``Declined``): the caller then counts the
sample with the DataFrame path, which also gives the canonical message of every input error.
"""

from __future__ import annotations

import csv
import logging
import math
from pathlib import Path

from ctdna import STAGE
from ctdna.site_rules import (
    FIXED_SITES,
    SITE_COLUMNS,
    check_contig_naming,
    classify_alleles,
    tissue_vafs,
)
from stereosarc import genomics
from stereosarc.rejects import Reject, reject
from stereosarc.tables import MISSING_TOKENS, table_separator

LOG = logging.getLogger("ctdna.io")
SITE_LIST_COLUMNS = ("chrom", "pos", "ref", "alt", "gene")  # --sites format (ctdna.io)


class Declined(Exception):
    """The row-wise path does not handle this input; the DataFrame path counts the sample."""


def _cell(text: str) -> str | None:
    """A site-list cell as ``stereosarc.tables.read_table`` gives it: stripped, NA tokens None."""
    text = text.strip()
    return None if text in MISSING_TOKENS else text


def read_site_list(path: Path) -> list[dict]:
    """The rows of a fixed site list as ``ctdna.io.read_site_list`` returns them (pos an int,
    _row the spreadsheet row); anything unusual (quotes, ragged or blank rows, an empty or bad
    cell, a compressed file) is declined."""
    if path.name.endswith(".gz") or not path.is_file():
        raise Declined(f"{path.name}: not a plain site list file")
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or '"' in text or "\r" in text or any(not line.strip() for line in lines):
        raise Declined(f"{path.name}: quoted, blank or CRLF lines")
    rows = list(csv.reader(lines, delimiter=table_separator(path), quoting=csv.QUOTE_NONE))
    header = [name.strip().lstrip("\ufeff") for name in rows[0]]
    if any(len(row) != len(header) for row in rows) or len(set(header)) != len(header):
        raise Declined(f"{path.name}: ragged rows or repeated columns")
    if any(name not in header for name in SITE_LIST_COLUMNS) or len(rows) < 2:
        raise Declined(f"{path.name}: missing columns or no site row")
    where = [header.index(name) for name in SITE_LIST_COLUMNS]
    listed = []
    for number, row in enumerate(rows[1:], start=2):
        chrom, pos, ref, alt, gene = (_cell(row[i]) for i in where)
        if not (chrom and pos and ref and alt) or not pos.isascii() or not pos.isdigit():
            raise Declined(f"{path.name} row {number}: empty or bad cell")
        if int(pos) < 1:
            raise Declined(f"{path.name} row {number}: position < 1")
        listed.append(
            {"chrom": chrom, "pos": int(pos), "ref": ref, "alt": alt, "gene": gene, "_row": number}
        )
    LOG.info("%s: %d listed sites", path.name, len(listed))
    return listed


def read_tumour_vcf(path: Path, tumour_id: str) -> list[dict]:
    """Every ALT of every record, as ``ctdna.io.read_tumour_vcf`` (cyvcf2) gives them, read
    with pysam (htslib, as cyvcf2): chrom, pos, ref, alt, filter_pass, tissue_vaf, _row.
    FORMAT values are padded to the widest sample, as cyvcf2's arrays are."""
    import pysam

    if not path.exists():
        raise Declined(f"{path}: not found")
    try:
        vcf = pysam.VariantFile(str(path))
    except (OSError, ValueError) as err:
        raise Declined(f"{path}: {err}") from err
    try:
        samples = list(vcf.header.samples)
        column = genomics.tumour_column(samples, str(vcf.header), tumour_id)
        rows = []
        for number, record in enumerate(vcf, start=1):
            alts = list(record.alts or ())
            passed = list(record.filter.keys()) in ([], ["PASS"])
            vafs = _tissue_vafs(record, column, len(alts))
            rows += [
                {"chrom": record.chrom, "pos": record.pos, "ref": record.ref, "alt": alt,
                 "filter_pass": passed, "tissue_vaf": vaf, "_row": number}
                for alt, vaf in zip(alts, vafs, strict=True)
            ]  # fmt: skip
    except (genomics.TumourColumnError, OSError, ValueError, KeyError, TypeError) as err:
        raise Declined(f"{path}: {err}") from err
    finally:
        vcf.close()
    passing = sum(1 for row in rows if row["filter_pass"])
    LOG.info("%s: %d records x ALT, %d PASS", path.name, len(rows), passing)
    return rows


def _format_values(record, tag: str, column: int) -> list | None:
    """FORMAT ``tag`` of the tumour sample, None-padded to the widest sample (cyvcf2's array
    width); None when the record has no such FORMAT key."""
    if tag not in record.format:
        return None
    per_sample = [_values(sample.get(tag)) for sample in record.samples.values()]
    width = max(len(values) for values in per_sample)
    return per_sample[column] + [None] * (width - len(per_sample[column]))


def _values(value) -> list:
    if isinstance(value, tuple):
        return list(value)
    return [value]


def _tissue_vafs(record, column: int | None, n_alt: int) -> list[float]:
    """Per ALT: the rule of ``ctdna.site_rules.tissue_vafs`` on the tumour column."""
    if column is None:
        return [math.nan] * n_alt
    return tissue_vafs(
        _format_values(record, "AF", column), _format_values(record, "AD", column), n_alt
    )


def target_gene(targets: list, chrom: str, pos: int) -> tuple[bool, str | None]:
    """(inside, gene of the first target containing 1-based ``pos``): ``start < pos <= end``."""
    for target in targets:
        if target.chrom == chrom and target.start < pos <= target.end:
            return True, target.name
    return False, None


def _classified(rows: list[dict], tumour_id: str, file_name: str, column: str, bad: list):
    """SITE_COLUMNS dicts of the supported alleles; a rejects dict per unsupported one."""
    sites = []
    for row in rows:
        ref, alt, kind = classify_alleles(row["ref"], row["alt"])
        if kind is None:
            detail = f"{row['chrom']}:{row['pos']} {row['ref']}>{row['alt']}"
            bad.append(_bad(file_name, row["vcf_row"], column, "unsupported_allele", detail))
            continue
        values = (tumour_id, row["chrom"], row["pos"], ref, alt, kind, row["gene"],
                  row["tissue_vaf"], file_name, row["vcf_row"])  # fmt: skip
        sites.append(dict(zip(SITE_COLUMNS, values, strict=True)))
    return sites


def _bad(file_name: str, row: int, column: str | None, code: str, detail: str) -> dict:
    return {"file": file_name, "row": row, "column": column, "code": code, "detail": detail}


def _without_repeats(sites: list[dict], file_name: str, unit: str, bad: list) -> list[dict]:
    """Sites without repeats of an earlier (chrom, pos, ref, alt); a rejects dict per repeat."""
    seen, kept = set(), []
    for site in sites:
        key = (site["chrom"], site["pos"], site["ref"], site["alt"])
        if key in seen:
            detail = f"{key[0]}:{key[1]} {key[2]}>{key[3]} repeats an earlier {unit}"
            bad.append(_bad(file_name, site["vcf_row"], None, "duplicate_row", detail))
        else:
            seen.add(key)
            kept.append(site)
    return kept


def select_sites(variants: list[dict], targets: list, tumour_id: str, name: str, bad: list):
    """``ctdna.sites.select_sites`` over lists: (sites, counts for the log)."""
    check_contig_naming(
        {v["chrom"] for v in variants}, {t.chrom for t in targets}, f"tumour VCF {name}",
        "the targets BED",
    )  # fmt: skip
    passing = [v for v in variants if v["filter_pass"]]
    inside = []
    for variant in passing:
        found, gene = target_gene(targets, variant["chrom"], variant["pos"])
        if found:
            inside.append({**variant, "gene": gene, "vcf_row": variant["_row"]})
    before = len(bad)
    sites = _classified(inside, tumour_id, name, "ALT", bad)
    unsupported = len(bad) - before
    sites = _without_repeats(sites, name, "record", bad)
    counts = {"records": len(variants), "not_pass": len(variants) - len(passing)}
    counts |= {"outside_targets": len(passing) - len(inside), "unsupported": unsupported}
    counts |= {"repeated": len(inside) - unsupported - len(sites), "sites": len(sites)}
    return sites, counts


def select_fixed_sites(listed: list[dict], targets: list, name: str, bad: list):
    """``ctdna.sites.select_fixed_sites`` over lists: (sites, counts for the log)."""
    check_contig_naming(
        {r["chrom"] for r in listed}, {t.chrom for t in targets}, f"site list {name}",
        "the targets BED",
    )  # fmt: skip
    inside = []
    for row in listed:
        found, gene = target_gene(targets, row["chrom"], row["pos"])
        if not found:
            detail = f"{row['chrom']}:{row['pos']}"
            bad.append(_bad(name, row["_row"], "pos", "site_outside_targets", detail))
            continue
        gene = row["gene"] if row["gene"] is not None else gene
        inside.append({**row, "gene": gene, "vcf_row": row["_row"], "tissue_vaf": math.nan})
    before = len(bad)
    sites = _classified(inside, FIXED_SITES, name, "alt", bad)
    unsupported = len(bad) - before
    sites = _without_repeats(sites, name, "row", bad)
    counts = {"rows": len(listed), "outside_targets": len(listed) - len(inside)}
    counts |= {"unsupported": unsupported, "repeated": len(inside) - unsupported - len(sites)}
    counts["sites"] = len(sites)
    return sites, counts


def merge_sites(per_tumour: list[list[dict]]) -> list[dict]:
    """The sites of every source, sorted by position then tumour sample (inf VAF -> NaN)."""
    sites = [dict(site) for part in per_tumour for site in part]
    for site in sites:
        vaf = float(site["tissue_vaf"])
        site["tissue_vaf"] = math.nan if math.isinf(vaf) else vaf
    order = ("chrom", "pos", "ref", "alt", "tumour_sample")
    return sorted(sites, key=lambda site: tuple(site[key] for key in order))


def stage_rejects(bad: list[dict]) -> list[Reject]:
    """Site-selection rejects as rows of stage ctdna."""
    return [
        reject(STAGE, r["file"], r["row"], r["code"], detail=r["detail"], column=r["column"])
        for r in bad
    ]


def usable_targets(targets: list, contigs: set, name: str, rejects: list) -> list:
    """``ctdna.site_checks.usable_targets`` over a list of BED intervals."""
    check_contig_naming(
        {t.chrom for t in targets}, contigs, f"targets BED {name}", "the BAM header"
    )
    for target in targets:
        if target.chrom not in contigs:
            detail = f"target contig {target.chrom!r}"
            rejects.append(
                reject(
                    STAGE, name, target.line, "contig_not_in_bam", detail=detail, column="chrom"
                )
            )
    return [target for target in targets if target.chrom in contigs]


def _column(site: dict, vcf_column: str) -> str:
    """Column name in the site's source file: VCF CHROM/REF, site list chrom/ref."""
    return vcf_column.lower() if site["tumour_sample"] == FIXED_SITES else vcf_column


def checked_sites(sites: list[dict], contigs: set, fasta, rejects: list) -> list[dict]:
    """``ctdna.site_checks.checked_sites`` over lists (a FASTA matching no site is declined:
    the DataFrame path raises its error)."""
    if not sites:
        return sites
    chroms = {site["chrom"] for site in sites}
    check_contig_naming(chroms, contigs, "the sites", "the BAM header")
    ok = [site["chrom"] in contigs for site in sites]
    for site, on_bam in zip(sites, ok, strict=True):
        if not on_bam:
            detail, column = f"site contig {site['chrom']!r}", _column(site, "CHROM")
            rejects.append(_site_reject(site, "contig_not_in_bam", detail, column))
    if fasta is not None:
        check_contig_naming(chroms, set(fasta.references), "the sites", "the FASTA")
        matches = [_ref_matches(site, fasta, rejects) for site in sites]
        if not any(matches):
            raise Declined("no site REF matches the FASTA")
        ok = [a and b for a, b in zip(ok, matches, strict=True)]
    return [site for site, keep in zip(sites, ok, strict=True) if keep]


def _ref_matches(site: dict, fasta, rejects: list) -> bool:
    chrom, pos, ref = site["chrom"], site["pos"], site["ref"]
    genome = (
        fasta.fetch(chrom, pos - 1, pos - 1 + len(ref)).upper()
        if chrom in fasta.references
        else ""
    )
    if genome != ref:
        detail = f"{chrom}:{pos} REF {ref!r}, FASTA {genome or 'contig absent'!r}"
        rejects.append(_site_reject(site, "ref_mismatch", detail, _column(site, "REF")))
    return genome == ref


def _site_reject(site: dict, code: str, detail: str, column: str) -> Reject:
    return reject(STAGE, site["vcf_file"], site["vcf_row"], code, detail=detail, column=column)
