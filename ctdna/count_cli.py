"""ctdna-count: count one plasma (or PoN) BAM at the tumour sites and per capture target.

Thin: parse, build ctdna.count_command.CountOptions, call ctdna.count_command.count_sample,
write the per-sample tables (method: docs/ctdna_counting.md). ``--manifest`` counts several
samples in one process, one after the other, each written exactly as by an ungrouped run
(ctdna.count_manifest_io; docs/running.md, "Grouped ctDNA counting").
"""

from __future__ import annotations

import gc
import os

BLAS_THREADS = "1"  # no BLAS call here; OpenBLAS would start a thread per core (tmb/process.py)
os.environ.setdefault("OPENBLAS_NUM_THREADS", BLAS_THREADS)  # before numpy loads, below
_COLLECTING = gc.isenabled()
gc.disable()  # no collection while pandas etc. load (they leave ~750 cyclic objects, kept)

import argparse  # noqa: E402
import logging  # noqa: E402
from pathlib import Path  # noqa: E402

from ctdna import count_rowwise  # noqa: E402
from ctdna import count_rules as counting  # noqa: E402 (the defaults, without numpy)
from ctdna.count_manifest_io import read_count_manifest  # noqa: E402
from ctdna.count_options import CountOptions, parse_tumour_arg  # noqa: E402
from ctdna.exceptions import CtdnaInputError  # noqa: E402
from stereosarc import provenance  # noqa: E402
from stereosarc.clikit import (  # noqa: E402
    add_option_family,
    add_options,
    make_parser,
    options_from,
    run_cli,
)

gc.freeze()  # the modules' objects live until exit: out of the view of later collections
if _COLLECTING:
    gc.enable()

LOG = logging.getLogger("ctdna.count")
STAGE = "ctdna-count"  # provenance stage name
EXAMPLE = (
    "ctdna-count --bam P01-B.bam --sample P01-B --tumour P01-T=P01-T.vcf.gz "
    "--targets ctdna_targets.bed --out-sites P01-B.site_counts.tsv "
    "--out-targets P01-B.target_depth.tsv"
)
OUTPUT_SUFFIXES = {  # table -> file name suffix after the sample id (the Nextflow module's)
    "sites": "site_counts.tsv",
    "targets": "target_depth.tsv",
    "background": "background.tsv",
    "rejects": "rejects_count.tsv",
    "read_stats": "read_stats.tsv",
}
ONE_SAMPLE = ("bam", "sample", "out_sites", "out_targets")  # needed without --manifest
PER_SAMPLE = (*ONE_SAMPLE, "patient", "tumour", "out_background", "out_rejects", "out_read_stats")


def count_parser() -> argparse.ArgumentParser:
    """Arguments of ctdna-count."""
    parser = make_parser(
        "ctdna-count", "Count plasma fragments at tumour sites and per target.", EXAMPLE
    )
    add_options(
        parser,
        (
            ("--bam", None, None, "plasma/PoN BAM or CRAM, indexed"),
            ("--sample", None, None, "sample id (written in every row)"),
            ("--patient", None, None, "patient id (recorded in the provenance only)"),
        ),
    )
    parser.add_argument(
        "--manifest",
        metavar="TSV",
        help="count several samples in one process: columns sample, bam, tumours "
        "(TUMOUR_ID=VCF items separated by ';'); instead of --bam, --sample, --tumour and "
        "--out-*; outputs SAMPLE.site_counts.tsv etc. in --out-dir",
    )
    parser.add_argument(
        "--out-dir",
        metavar="DIR",
        help="with --manifest: folder of the per-sample tables (default: current directory)",
    )
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
    qualities = (
        ("mapq", counting.MIN_MAPQ, "mapping quality"),
        ("baseq", counting.MIN_BASEQ, "base quality at the site"),
    )
    add_option_family(parser, "--min-{}", int, "minimum {} (default: %(default)s)", qualities)
    parser.add_argument(
        "--umi-tag",
        choices=["MI", "RX"],
        help="collapse UMI families by this tag (default: no collapse)",
    )
    parser.add_argument(
        "--max-background-vaf",
        type=float,
        default=counting.MAX_BACKGROUND_VAF,
        help="background: skip positions with a non-reference allele at or "
        "above this fraction (default: %(default)s)",
    )
    parser.add_argument("--out-sites", help="site counts TSV")
    parser.add_argument("--out-targets", help="target depth TSV")
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
    parser.add_argument(
        "--out-read-stats",
        help="reads, duplicates and fragment lengths over the targets, TSV (default: "
        "SAMPLE.read_stats.tsv beside --out-sites)",
    )
    parser.add_argument(
        "--provenance",
        action="store_true",
        help="also write SAMPLE.ctdna_count.provenance.json beside each sample's tables "
        "(stereosarc.provenance)",
    )
    return parser


def _options(args: argparse.Namespace, sample: str, bam: str, tumours: tuple) -> CountOptions:
    """The options of one sample: its id, BAM and tumours, the run's other arguments."""
    per_sample = argparse.Namespace(**{**vars(args), "sample": sample, "bam": bam})
    return options_from(
        CountOptions, per_sample, tumours=tumours, background=not args.no_background
    )


def _write(
    options: CountOptions,
    paths: dict,
    args: argparse.Namespace,
    patient: str | None,
    rowwise: bool = False,
) -> None:
    """Count one sample and write its tables to ``paths`` (table -> file), and its
    provenance beside them when asked. ``rowwise``: try the path without numpy and pandas
    first (ctdna.count_rowwise), when its preconditions hold."""
    if not (rowwise and count_rowwise.use_rowwise(options) and _counted_rowwise(options, paths)):
        from ctdna import io  # here: the DataFrame path loads numpy and pandas
        from ctdna.count_command import count_sample

        tables = count_sample(options)
        io.write_counts(
            tables.sites, tables.targets, tables.background, tables.rejects, paths,
            tables.read_stats,
        )  # fmt: skip
    if args.provenance:
        name = f"{options.sample}.{provenance.SUFFIX[STAGE]}"
        provenance.write(
            Path(paths["sites"]).with_name(name), count_provenance(args, options, patient)
        )


def _counted_rowwise(options: CountOptions, paths: dict) -> bool:
    """Count and write row-wise; False (nothing written) when that path declines."""
    try:
        count_rowwise.count_and_write(options, paths)
    except count_rowwise.Declined as why:
        LOG.info("row-wise counting declined (%s): counting with the DataFrame path", why)
        return False
    return True


def count_provenance(args: argparse.Namespace, options: CountOptions, patient: str | None) -> dict:
    """The provenance record of one sample's count tables: its BAM and the tumour VCFs (or
    tumour site tables) it was counted at."""
    inputs = [("bam", options.bam)] + [(f"tumour:{t}", path) for t, path in options.tumours]
    parameters = provenance.stage_parameters(STAGE, args)
    return provenance.record(STAGE, options.sample, patient, parameters, inputs)


def _count_one(args: argparse.Namespace) -> None:
    missing = [f"--{name.replace('_', '-')}" for name in ONE_SAMPLE if not getattr(args, name)]
    if missing:
        raise CtdnaInputError(f"{', '.join(missing)} required (or --manifest)")
    tumours = tuple(parse_tumour_arg(value) for value in args.tumour)
    folder = Path(args.out_sites).parent
    given = {"sites": args.out_sites, "targets": args.out_targets}
    given |= {"background": args.out_background, "rejects": args.out_rejects}
    given["read_stats"] = args.out_read_stats
    default = _output_paths(folder, args.sample)
    paths = {table: given[table] or default[table] for table in OUTPUT_SUFFIXES}
    _write(_options(args, args.sample, args.bam, tumours), paths, args, args.patient, rowwise=True)


def _count_manifest(args: argparse.Namespace) -> None:
    mixed = [f"--{name.replace('_', '-')}" for name in PER_SAMPLE if getattr(args, name)]
    if mixed:
        raise CtdnaInputError(f"--manifest: {', '.join(mixed)} given too (the manifest has them)")
    samples = read_count_manifest(args.manifest)
    folder = Path(args.out_dir or ".")
    # every sample id and option checked before the first sample is counted
    options = [_options(args, entry.sample, str(entry.bam), entry.tumours) for entry in samples]
    for number, (sample, entry) in enumerate(zip(options, samples, strict=True), 1):
        LOG.info("sample %s (%d of %d in %s)", sample.sample, number, len(samples), args.manifest)
        try:
            _write(sample, _output_paths(folder, sample.sample), args, entry.patient)
        except Exception:
            LOG.error("counting sample %s of %s failed", sample.sample, args.manifest)
            raise


def _output_paths(folder: Path, sample: str) -> dict[str, Path]:
    """The per-sample tables in ``folder``, named as by the Nextflow module."""
    return {table: folder / f"{sample}.{suffix}" for table, suffix in OUTPUT_SUFFIXES.items()}


def _count(args: argparse.Namespace) -> None:
    if args.manifest:
        _count_manifest(args)
    elif args.out_dir:
        raise CtdnaInputError("--out-dir goes with --manifest (one sample: --out-sites etc.)")
    else:
        _count_one(args)


def count_main(argv=None) -> int:
    """Entry point of ctdna-count."""
    return run_cli(count_parser(), _count, argv)
