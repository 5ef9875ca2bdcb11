"""Console scripts of the ctdna package: ctdna-count (this section) and ctdna-call (below).

ctdna-count counts one plasma (or PoN) BAM: fragment alleles at the tumour-informed sites,
fragment depth per capture target, and the sample's own error background. Method:
docs/ctdna_counting.md.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import pandas as pd

from ctdna import background as background_model
from ctdna import counting, fragcore, io
from ctdna import sites as site_selection
from ctdna.exceptions import CtdnaInputError, ReferenceMismatchError
from stereosarc.clikit import make_parser, run_cli

LOG = logging.getLogger("ctdna.count")
STAGE = "ctdna"

# ============================================================================================
# ctdna-count
# ============================================================================================

COUNT_EXAMPLE = (
    "ctdna-count --bam P01-B.bam --sample P01-B --tumour P01-T=P01-T.vcf.gz "
    "--targets ctdna_targets.bed --out-sites P01-B.site_counts.tsv "
    "--out-targets P01-B.target_depth.tsv"
)
SITE_TABLE_COLUMNS = [
    "sample",
    "tumour_sample",
    "chrom",
    "pos",
    "ref",
    "alt",
    "gene",
    "variant_type",
    "tissue_vaf",
    "ref_fragments",
    "alt_fragments",
    "other_fragments",
    "discordant_fragments",
    "lowqual_fragments",
    "depth_fragments",
    "vaf",
    "reads",
]
REJECT_TABLE_COLUMNS = ["stage", "file", "row", "column", "patient", "reason"]
DEPTH_TABLE_COLUMNS = [
    "sample",
    "chrom",
    "start",
    "end",
    "gene",
    "length",
    "fragments",
    "covered_bases",
    "mean_fragment_depth",
]


def count_parser() -> argparse.ArgumentParser:
    """Arguments of ctdna-count."""
    parser = make_parser(
        "ctdna-count", "Count plasma fragments at tumour sites and per target.", COUNT_EXAMPLE
    )
    parser.add_argument("--bam", required=True, help="plasma/PoN BAM or CRAM, indexed")
    parser.add_argument("--sample", required=True, help="sample id (written in every row)")
    parser.add_argument(
        "--tumour",
        action="append",
        default=[],
        metavar="TUMOUR_ID=VCF",
        help="tumour VCF of the patient (pon: every tumour VCF); repeatable",
    )
    parser.add_argument(
        "--sites",
        metavar="SITES_TSV",
        help="fixed site list for tumour-naive tracking: columns chrom, pos, "
        "ref, alt, gene (docs/ctdna_counting.md); counted besides --tumour",
    )
    parser.add_argument("--targets", required=True, help="ctDNA targets BED (gene in column 4)")
    parser.add_argument("--fasta", help="reference FASTA (checks site REF; needed for CRAM)")
    parser.add_argument(
        "--min-mapq",
        type=int,
        default=counting.MIN_MAPQ,
        help="minimum mapping quality (default: %(default)s)",
    )
    parser.add_argument(
        "--min-baseq",
        type=int,
        default=counting.MIN_BASEQ,
        help="minimum base quality at the site (default: %(default)s)",
    )
    parser.add_argument(
        "--umi-tag",
        choices=["MI", "RX"],
        help="collapse UMI families by this tag (default: no collapse)",
    )
    parser.add_argument(
        "--max-background-vaf",
        type=float,
        default=background_model.MAX_BACKGROUND_VAF,
        help="background: skip positions with a non-reference allele at or "
        "above this fraction (default: %(default)s)",
    )
    parser.add_argument("--out-sites", required=True, help="site counts TSV")
    parser.add_argument("--out-targets", required=True, help="target depth TSV")
    parser.add_argument(
        "--out-background",
        help="sample error background TSV (default: SAMPLE.background.tsv beside --out-sites)",
    )
    parser.add_argument(
        "--no-background",
        action="store_true",
        help="write no sample error background (only needed by ctdna-call when no PoN is given)",
    )
    parser.add_argument(
        "--out-rejects", help="rejects TSV (default: SAMPLE.rejects_count.tsv beside --out-sites)"
    )
    return parser


def _default_path(args: argparse.Namespace, suffix: str) -> Path:
    """SAMPLE.<suffix> in the folder of --out-sites."""
    return Path(args.out_sites).parent / f"{args.sample}.{suffix}"


def _reject(file: str, row, column, reason: str) -> dict:
    return {
        "stage": STAGE,
        "file": file,
        "row": row,
        "column": column,
        "patient": None,
        "reason": reason,
    }


def _check_options(args: argparse.Namespace) -> None:
    """Refuse a bad sample id or negative thresholds before opening any file."""
    if not io.IDENTIFIER.match(args.sample):
        raise CtdnaInputError(f"--sample {args.sample!r} does not match {io.IDENTIFIER.pattern}")
    for name in ("min_mapq", "min_baseq"):
        if getattr(args, name) < 0:
            raise CtdnaInputError(f"--{name.replace('_', '-')} must be >= 0")
    if not 0 < args.max_background_vaf <= 1:
        raise CtdnaInputError("--max-background-vaf must be in (0, 1]")


def _usable_targets(targets: pd.DataFrame, bam, targets_name: str, rejects: list) -> pd.DataFrame:
    """Targets on contigs of the BAM header; the others become rejects rows."""
    contigs = set(bam.references)
    site_selection.check_contig_naming(
        set(targets["chrom"]), contigs, f"targets BED {targets_name}", "the BAM header"
    )
    absent = ~targets["chrom"].isin(contigs)
    for chrom, row in zip(targets.loc[absent, "chrom"], targets.loc[absent, "_row"]):
        rejects.append(
            _reject(
                targets_name,
                int(row),
                "chrom",
                f"target contig {chrom!r} is not in the BAM header",
            )
        )
    return targets[~absent].reset_index(drop=True)


def _load_sites(args, targets: pd.DataFrame, rejects: list) -> pd.DataFrame:
    """Sites of every --tumour VCF inside the targets and of --sites, with a log line each."""
    per_tumour = [_fixed_sites(args.sites, targets, rejects)] if args.sites else []
    for value in args.tumour:
        tumour_id, path = io.parse_tumour_arg(value)
        if tumour_id == site_selection.FIXED_SITES:
            raise CtdnaInputError(
                f"--tumour {value!r}: {tumour_id!r} is reserved for the rows "
                f"of --sites; rename the tumour sample"
            )
        variants = io.read_tumour_vcf(path, tumour_id)
        found, bad, counts = site_selection.select_sites(variants, targets, tumour_id, path.name)
        rejects.extend({**r, "stage": STAGE, "patient": None} for r in bad)
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
    if not args.tumour and not args.sites:
        LOG.info("no --tumour VCF and no --sites: empty site table, target depths only")
    return site_selection.merge_sites(per_tumour)


def _fixed_sites(path: str, targets: pd.DataFrame, rejects: list) -> pd.DataFrame:
    """Sites of the --sites list inside the targets; the other rows become rejects."""
    listed = io.read_site_list(path)
    name = Path(path).name
    found, bad, counts = site_selection.select_fixed_sites(listed, targets, name)
    rejects.extend({**r, "stage": STAGE, "patient": None} for r in bad)
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


def _checked_sites(sites: pd.DataFrame, bam, fasta, rejects: list) -> pd.DataFrame:
    """Sites on BAM contigs whose REF matches the FASTA (when given); others are rejected."""
    if sites.empty:
        return sites
    site_selection.check_contig_naming(
        set(sites["chrom"]), set(bam.references), "the sites", "the BAM header"
    )
    ok = sites["chrom"].isin(set(bam.references)).to_numpy()
    for row in sites[~ok].itertuples(index=False):
        rejects.append(
            _reject(
                row.vcf_file,
                row.vcf_row,
                _column(row, "CHROM"),
                f"site contig {row.chrom!r} is not in the BAM header",
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
                _reject(
                    row.vcf_file,
                    row.vcf_row,
                    _column(row, "REF"),
                    f"{row.chrom}:{row.pos} REF {row.ref!r} does not match the "
                    f"FASTA {genome or 'contig absent'!r}",
                )
            )
    if sites.size and not any(matches):
        first = sites.iloc[0]
        raise ReferenceMismatchError(
            f"no site REF matches the FASTA (e.g. {first['chrom']}:{first['pos']} REF "
            f"{first['ref']!r}): the sites and the reads use different references"
        )
    return pd.Series(matches, index=sites.index).to_numpy()


def _site_table(sample: str, sites: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
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


def _count(args: argparse.Namespace) -> None:
    """ctdna-count: read inputs, count, write the four tables."""
    _check_options(args)
    core = fragcore.core()
    LOG.info("counting core: htslib %s (%s)", core.version, core.library)
    targets = io.read_targets(args.targets)
    bam = io.open_alignments(args.bam, args.fasta)
    fasta = io.open_fasta(args.fasta)
    try:
        tables = _count_open(args, targets, bam, fasta)
    finally:
        bam.close()
        if fasta is not None:
            fasta.close()
    paths = {
        "sites": args.out_sites,
        "targets": args.out_targets,
        "background": args.out_background or _default_path(args, "background.tsv"),
        "rejects": args.out_rejects or _default_path(args, "rejects_count.tsv"),
    }
    io.write_counts(*tables, paths)


def _count_open(args: argparse.Namespace, targets: pd.DataFrame, bam, fasta) -> tuple:
    """(site table, target depth, background or None, rejects) from the opened inputs."""
    rejects: list[dict] = []
    targets_name = Path(args.targets).name
    targets = _usable_targets(targets, bam, targets_name, rejects)
    if fasta is not None:
        site_selection.check_contig_naming(
            set(targets["chrom"]),
            set(fasta.references),
            f"targets BED {targets_name}",
            "the FASTA",
        )
    sites = _checked_sites(_load_sites(args, targets, rejects), bam, fasta, rejects)
    options = {
        "reference": args.fasta,
        "min_mapq": args.min_mapq,
        "min_baseq": args.min_baseq,
        "umi_tag": args.umi_tag,
    }
    counts = counting.count_sites(args.bam, sites, **options)
    per_target = counting.target_counts(args.bam, targets, **options)
    depth = counting.target_depth(targets, per_target)
    background = (
        None
        if args.no_background
        else background_model.sample_background(
            targets, per_target, sites, fasta, max_background_vaf=args.max_background_vaf
        )
    )
    site_table = _site_table(args.sample, sites, counts)
    _log_counts(site_table, depth, rejects)
    depth.insert(0, "sample", args.sample)
    if background is not None:
        background.insert(0, "sample", args.sample)
    depth = depth.sort_values(["chrom", "start", "end"], kind="stable")[DEPTH_TABLE_COLUMNS]
    return site_table, depth, background, pd.DataFrame(rejects, columns=REJECT_TABLE_COLUMNS)


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


def count_main(argv=None) -> int:
    """Entry point of ctdna-count."""
    return run_cli(count_parser(), _count, argv)


# ============================================================================================
# ctdna-call (owned by another engineer: call_main and its helpers are appended below)
# ============================================================================================
# Section of the ctdna-call engineer (docs/ctdna.md); the compute lives in ctdna/cn.py,
# ctdna/levels.py and ctdna/dynamics.py, the file handling in ctdna/call_io.py.

import argparse as _argparse  # noqa: E402
import logging as _logging  # noqa: E402
from collections.abc import Sequence as _Sequence  # noqa: E402
from pathlib import Path as _Path  # noqa: E402

import pandas as _pd  # noqa: E402

from ctdna import (
    call_io,  # noqa: E402
    pon_check,  # noqa: E402
    site_calls,  # noqa: E402
)
from ctdna import cn as cn_model  # noqa: E402
from ctdna import dynamics as dynamics_model  # noqa: E402
from ctdna import levels as levels_model  # noqa: E402
from ctdna import lod as lod_model  # noqa: E402
from ctdna import markers as markers_model  # noqa: E402
from ctdna import snv as snv_model  # noqa: E402
from ctdna.exceptions import CtdnaInputError as _CtdnaInputError  # noqa: E402
from stereosarc.clikit import make_parser as _make_parser  # noqa: E402
from stereosarc.clikit import run_cli as _run_cli  # noqa: E402

_call_log = _logging.getLogger("ctdna.call")
CN_GENES = "MDM2,CDK4"  # 12q13-15 amplicon of well-/dedifferentiated liposarcoma (WHO 2020)
CN_EXCLUDE = "TP53"  # SNV gene, not a diploid reference: TP53 loss is common in sarcoma (choice)
CALL_EXAMPLE = (
    "ctdna-call --samplesheet samplesheet.valid.csv --site-counts *.site_counts.tsv "
    "--target-depth *.target_depth.tsv --tissue-cn tissue_cn.tsv "
    "--clinical clinical.csv --outdir ."
)
SITE_DETAIL_COLUMNS = [
    "patient",
    "sample",
    "tumour_sample",
    "chrom",
    "pos",
    "ref",
    "alt",
    "gene",
    "variant_type",
    "tissue_vaf",
    "ref_fragments",
    "alt_fragments",
    "other_fragments",
    "discordant_fragments",
    "depth_fragments",
    "vaf",
    "error_rate",
    "prior_rate",
    "background_source",
    "pon_alt_fragments",
    "pon_depth_fragments",
    "n_pon_samples",
    "n_pon_samples_with_alt",
    "max_pon_vaf",
    "blacklisted",
    "blacklist_reason",
    "tissue_copy_number",
    "tissue_purity",
    "copies",
    "multiplicity",
    "multiplicity_source",
    "site_set",
    "used",
    "not_used_reason",
    "site_p_value",
    "site_called",
]
CN_TABLE_COLUMNS = [
    "patient",
    "sample",
    "type",
    "chrom",
    "start",
    "end",
    "gene",
    "role",
    "fragments",
    "mean_fragment_depth",
    "norm_depth",
    "pon_norm_depth",
    "log2_ratio",
]


def _genes(text: str) -> list[str]:
    return [gene.strip() for gene in (text or "").split(",") if gene.strip()]


def _fraction(text: str) -> float:
    """argparse type: a number strictly between 0 and 1."""
    value = float(text)
    if not 0 < value < 1:
        raise _argparse.ArgumentTypeError(f"{text} is not in (0, 1)")
    return value


def _call_parser() -> _argparse.ArgumentParser:
    parser = _make_parser("ctdna-call", call_main.__doc__, CALL_EXAMPLE)
    add = parser.add_argument
    add("--samplesheet", required=True, help="samplesheet.valid.csv from stereosarc-validate")
    add("--site-counts", nargs="*", default=[], help="*.site_counts.tsv files (ctdna-count)")
    add("--target-depth", nargs="*", default=[], help="*.target_depth.tsv files (ctdna-count)")
    add(
        "--background",
        nargs="*",
        default=[],
        help="*.background.tsv files (ctdna-count); used only when there is no PoN",
    )
    add("--tissue-cn", help="tissue copy number table: patient, gene, copy_number[, purity]")
    add("--clinical", help="clinical table (progression_date, for the lead time)")
    dflt = " (default: %(default)s)"
    add("--alpha", type=_fraction, default=snv_model.ALPHA, help="SNV detection level" + dflt)
    add("--ci-level", type=_fraction, default=cn_model.CI_LEVEL, help="interval level" + dflt)
    add(
        "--multiplicity",
        choices=["auto", "het", "tissue_vaf"],
        default="auto",
        help="SNV site copy-state model of ctdna.snv (auto: tissue copy number, purity "
        "and VAF where given)" + dflt,
    )
    add(
        "--max-lod",
        type=_fraction,
        default=lod_model.MAX_LOD_TF,
        help="largest LoD95 tumour fraction at which a negative counts" + dflt,
    )
    add(
        "--tissue-amp-cn",
        type=float,
        default=markers_model.TISSUE_AMP_CN,
        help="tissue MDM2 copy number from which MDM2 is informative" + dflt,
    )
    add("--cn-genes", default=CN_GENES, help="copy-number genes, not reference" + dflt)
    add("--cn-exclude", default=CN_EXCLUDE, help="genes neither reference nor called" + dflt)
    add(
        "--amp-log2",
        type=float,
        default=cn_model.AMP_LOG2,
        help="MDM2 log2 ratio threshold" + dflt,
    )
    add(
        "--amp-z",
        type=float,
        default=cn_model.AMP_Z,
        help="MDM2 test level as a z equivalent: predictive t p-value <= Phi(-z)" + dflt,
    )
    add("--min-pon", type=int, default=cn_model.MIN_PON, help="PoN samples needed for z" + dflt)
    add(
        "--default-cn",
        type=float,
        default=None,
        help="MDM2 tumour copy number when tissue_cn has none (default: none, TF from CN NA)",
    )
    add(
        "--molecular-response",
        type=_fraction,
        default=dynamics_model.RESPONSE_DECREASE,
        help="TF decrease baseline->month6 defining molecular response" + dflt,
    )
    add("--outdir", default=".", help="output folder")
    return parser


def _known_rows(table: _pd.DataFrame, known: set, what: str, rejects: list) -> _pd.DataFrame:
    """Rows of samples that are plasma/pon in the samplesheet; the others to rejects."""
    unknown = table[~table["sample"].isin(known)]
    for row in unknown.to_dict("records"):
        rejects.append(
            call_io.reject(
                row[call_io.FILE_COLUMN],
                row[call_io.ROW_COLUMN],
                None,
                f"{what} of sample {row['sample']!r}, not a plasma or pon sample of the samplesheet",
                "sample",
            )
        )
    if len(unknown):
        _call_log.warning("%d %s rows of samples absent from the samplesheet", len(unknown), what)
    return table[table["sample"].isin(known)]


def _copy_number(args, sheet: _pd.DataFrame, depth: _pd.DataFrame, tissue: _pd.DataFrame):
    """(MDM2 gene result per sample, ctdna_cn target table)."""
    plasma, pon = sheet[sheet["type"] == "plasma"], sheet[sheet["type"] == "pon"]
    if depth.empty:
        return None, _pd.DataFrame(columns=CN_TABLE_COLUMNS)
    norm = cn_model.normalise_depth(depth, _genes(args.cn_genes), _genes(args.cn_exclude))
    pon_ids = sorted(set(pon["sample"]) & set(norm["sample"]))
    copies = cn_model.sample_copy_numbers(plasma, tissue, cn_model.AMP_GENE, args.default_cn)
    gene = cn_model.call_gene(
        norm,
        pon_ids,
        cn_model.AMP_GENE,
        copies,
        args.amp_log2,
        args.amp_z,
        args.min_pon,
        args.ci_level,
    )
    pon_calls = gene[gene["sample"].isin(pon_ids)]["amplified"]
    _call_log.info(
        "copy number: %d PoN samples; MDM2 amplified in %d of %d PoN samples (leave-one-out)",
        len(pon_ids),
        int((pon_calls == True).sum()),  # noqa: E712
        len(pon_calls),
    )
    targets = cn_model.target_table(norm, pon_ids)
    kinds = sheet.set_index("sample")
    targets["patient"] = targets["sample"].map(kinds["patient"])
    targets["type"] = targets["sample"].map(kinds["type"])
    return gene, targets[CN_TABLE_COLUMNS]


def _snv(
    args,
    sheet: _pd.DataFrame,
    sites: _pd.DataFrame,
    background: _pd.DataFrame,
    tissue: _pd.DataFrame,
    test_level: float,
):
    """({sample: SnvCall}, {sample: FixedCall}, per-site detail, PoN background)."""
    plasma, tumour = sheet[sheet["type"] == "plasma"], sheet[sheet["type"] == "tumour"]
    pon_sites = sites[sites["sample"].isin(sheet.loc[sheet["type"] == "pon", "sample"])]
    pon_background = (
        snv_model.background_from_pon(pon_sites)
        if not pon_sites.empty
        else _pd.DataFrame(columns=snv_model.BACKGROUND_COLUMNS)
    )
    _call_log.info(
        "SNV background: %d PoN sites, %d black-listed",
        len(pon_background),
        int(pon_background["blacklisted"].astype(bool).sum()),
    )
    calls, fixed, detail = site_calls.call_snv_cohort(
        sites,
        plasma,
        tumour,
        pon_background,
        background if len(background) else None,
        tissue,
        alpha=test_level,
        ci_level=args.ci_level,
        multiplicity=args.multiplicity,
        max_lod=args.max_lod,
    )
    _log_fixed(calls, fixed)
    return calls, fixed, detail, pon_background


def _log_fixed(calls: dict, fixed: dict) -> None:
    """How many plasma samples had fixed sites, were called tumour-naive, had a called site."""
    tested = [sample for sample, call in fixed.items() if not call.per_site.empty]
    if not tested:
        return
    naive = [s for s in tested if levels_model.snv_mode(calls[s], fixed[s]) == "tumour_naive"]
    _call_log.info(
        "fixed sites: %d plasma samples tested, %d tumour-naive (no used tumour "
        "site), %d with a called fixed site",
        len(tested),
        len(naive),
        sum(fixed[s].n_called > 0 for s in tested),
    )


def _site_rejects(detail: _pd.DataFrame, rejects: list) -> None:
    """Every plasma site row that was not used, with its file, row and reason."""
    if detail.empty:
        return
    for row in detail[~detail["used"].astype(bool)].to_dict("records"):
        extra = f" ({row['blacklist_reason']})" if row.get("blacklist_reason") else ""
        rejects.append(
            call_io.reject(
                row.get(call_io.FILE_COLUMN),
                row.get(call_io.ROW_COLUMN),
                row["patient"],
                f"site {row['chrom']}:{int(row['pos'])} {row['ref']}>{row['alt']} of {row['sample']} "
                f"not used: {row['not_used_reason']}{extra}",
            )
        )


def _sample_rejects(sheet, name, ctdna, unused, tissue, tissue_name, rejects, detail=None) -> None:
    """Plasma samples not evaluable, duplicate timepoints, unused tissue copy numbers."""
    rows = sheet.set_index("sample")[call_io.ROW_COLUMN]
    for item in ctdna[ctdna["evaluable"] != True].itertuples():  # noqa: E712
        rejects.append(
            call_io.reject(
                name,
                rows[item.sample],
                item.patient,
                f"plasma sample {item.sample} not evaluable: {item.reason}",
            )
        )
    for item in unused.itertuples():
        rejects.append(
            call_io.reject(
                name,
                rows[item.sample],
                item.patient,
                f"second {item.timepoint} sample of the patient: not used "
                "in ctdna_dynamics (earliest collection kept)",
            )
        )
    plasma_patients = set(ctdna["patient"])
    site_genes = (
        set(zip(detail["patient"], detail["gene"]))
        if detail is not None and {"patient", "gene"} <= set(detail.columns)
        else set()
    )
    for item in tissue.to_dict("records"):
        gene, patient = item["gene"], item["patient"]
        used_gene = gene == cn_model.AMP_GENE or (patient, gene) in site_genes
        if not used_gene or patient not in plasma_patients:
            why = (
                f"gene {gene} is neither {cn_model.AMP_GENE} nor the gene of a tumour site"
                if not used_gene
                else "patient has no plasma sample"
            )
            rejects.append(
                call_io.reject(
                    tissue_name,
                    item[call_io.ROW_COLUMN],
                    patient,
                    f"tissue copy number not used: {why}",
                )
            )


def _pon_check(sheet: _pd.DataFrame, sites: _pd.DataFrame, alpha: float) -> _pd.DataFrame:
    """Leave-one-donor-out test of every PoN donor (ctdna.pon_check), logged and returned."""
    pon_sites = sites[sites["sample"].isin(sheet.loc[sheet["type"] == "pon", "sample"])]
    if pon_sites.empty:
        return _pd.DataFrame(columns=pon_check.PON_CHECK_COLUMNS)
    check = pon_check.leave_one_donor_out(pon_sites, alpha)
    result = pon_check.summary(check)
    _call_log.info("PoN leave-one-donor-out check: %s", result)
    return check


def _call_settings(args, gene, sites: _pd.DataFrame) -> levels_model.CallSettings:
    """Per-test level alpha / k over the run's test kinds (ctdna.markers) and thresholds."""
    cn_test = gene is not None and bool(_pd.to_numeric(gene["z"], errors="coerce").notna().any())
    k = markers_model.family_size(not sites.empty, cn_test)
    _call_log.info("detection family: %d test kind(s), each at alpha/k = %g", k, args.alpha / k)
    return levels_model.CallSettings(
        test_level=args.alpha / k,
        max_lod=args.max_lod,
        amp_log2=args.amp_log2,
        amp_z=args.amp_z,
        tissue_amp_cn=args.tissue_amp_cn,
    )


def _call(args: _argparse.Namespace) -> None:
    if args.default_cn is not None and args.default_cn <= 2:
        raise _CtdnaInputError(f"--default-cn {args.default_cn:g}: must be > 2 (amplified)")
    if args.tissue_amp_cn <= 2:
        raise _CtdnaInputError(
            f"--tissue-amp-cn {args.tissue_amp_cn:g}: must be > 2 (a gain "
            "above the diploid copy number)"
        )
    sheet = call_io.read_samplesheet(args.samplesheet)
    known = set(sheet.loc[sheet["type"].isin(["plasma", "pon"]), "sample"])
    rejects: list[dict] = []
    depth = _known_rows(
        call_io.read_target_depth(args.target_depth), known, "target depth", rejects
    )
    sites = _known_rows(call_io.read_site_counts(args.site_counts), known, "site counts", rejects)
    for what, table in (("target depth", depth), ("site counts", sites)):
        missing = sorted(known - set(table["sample"]))
        if missing:
            _call_log.warning(
                "no %s for %d plasma/PoN samples: %s", what, len(missing), ", ".join(missing)
            )
    background = call_io.read_background(args.background)
    tissue = call_io.read_tissue_cn(args.tissue_cn)
    progression = call_io.read_progression(args.clinical)
    gene, targets = _copy_number(args, sheet, depth, tissue)
    settings = _call_settings(args, gene, sites)
    calls, fixed, detail, pon_background = _snv(
        args, sheet, sites, background, tissue, settings.test_level
    )
    plasma = sheet[sheet["type"] == "plasma"]
    mdm2 = tissue[tissue["gene"] == cn_model.AMP_GENE].set_index("patient")["copy_number"]
    ctdna = levels_model.cohort_levels(
        plasma, levels_model.snv_frame(calls, fixed), gene, mdm2.astype(float), settings
    )
    dynamics, unused = dynamics_model.cohort_dynamics(ctdna, progression, args.molecular_response)
    _site_rejects(detail, rejects)
    _sample_rejects(
        sheet,
        _Path(args.samplesheet).name,
        ctdna,
        unused,
        tissue,
        _Path(args.tissue_cn).name if args.tissue_cn else "",
        rejects,
        detail,
    )
    _call_log.info(
        "%d plasma samples: %d detected, %d not detected, %d not evaluable",
        len(ctdna),
        int((ctdna["detected"] == True).sum()),  # noqa: E712
        int((ctdna["detected"] == False).sum()),  # noqa: E712
        int(ctdna["detected"].isna().sum()),
    )
    call_io.write_outputs(
        args.outdir,
        {
            "ctdna": ctdna,
            "ctdna_dynamics": dynamics,
            "ctdna_sites": detail.reindex(columns=SITE_DETAIL_COLUMNS).sort_values(
                ["patient", "sample", "chrom", "pos", "ref", "alt", "site_set", "tumour_sample"],
                kind="mergesort",
            ),
            "ctdna_blacklist": pon_background[pon_background["blacklisted"].astype(bool)],
            "ctdna_cn": targets,
            "ctdna_pon_check": _pon_check(sheet, sites, args.alpha),
            "rejects": call_io.rejects_frame(rejects),
        },
    )


def call_main(argv: _Sequence[str] | None = None) -> int:
    """ctdna-call: one ctDNA level per plasma sample (tumour-informed SNVs and MDM2 copy
    number against the panel of normals) and per-patient dynamics."""
    return _run_cli(_call_parser(), _call, argv)
