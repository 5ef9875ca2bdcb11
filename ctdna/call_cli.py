"""ctdna-call: one ctDNA level per plasma sample and per-patient dynamics (docs/ctdna.md).

Thin: parse, build ctdna.call_command.CallOptions, call ctdna.call_command.call_cohort,
write the tables (ctdna.call_io.write_outputs).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ctdna import call_io
from ctdna import cn as cn_model
from ctdna import dynamics as dynamics_model
from ctdna import lod as lod_model
from ctdna import markers as markers_model
from ctdna import snv as snv_model
from ctdna.call_command import CN_EXCLUDE, CN_GENES, CallOptions, call_cohort
from stereosarc.clikit import make_parser, options_from, run_cli

EXAMPLE = (
    "ctdna-call --samplesheet samplesheet.valid.csv --site-counts *.site_counts.tsv "
    "--target-depth *.target_depth.tsv --tissue-cn tissue_cn.tsv "
    "--clinical clinical.csv --outdir ."
)


def _genes(text: str) -> tuple[str, ...]:
    return tuple(gene.strip() for gene in (text or "").split(",") if gene.strip())


def _fraction(text: str) -> float:
    """argparse type: a number strictly between 0 and 1."""
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not in (0, 1)")
    return value


def call_parser() -> argparse.ArgumentParser:
    """Arguments of ctdna-call."""
    parser = make_parser("ctdna-call", call_main.__doc__, EXAMPLE)
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
    add("--cn-genes", default=",".join(CN_GENES), help="copy-number genes, not reference" + dflt)
    add(
        "--cn-exclude",
        default=",".join(CN_EXCLUDE),
        help="genes neither reference nor called" + dflt,
    )
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


def _options(args: argparse.Namespace) -> CallOptions:
    return options_from(
        CallOptions,
        args,
        cn_genes=_genes(args.cn_genes),
        cn_exclude=_genes(args.cn_exclude),
    )


def _call(args: argparse.Namespace) -> None:
    call_io.write_outputs(args.outdir, call_cohort(_options(args)))


def call_main(argv: Sequence[str] | None = None) -> int:
    """ctdna-call: one ctDNA level per plasma sample (tumour-informed SNVs and MDM2 copy
    number against the panel of normals) and per-patient dynamics."""
    return run_cli(call_parser(), _call, argv)
