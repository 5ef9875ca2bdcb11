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
from stereosarc.clikit import add_options, make_parser, options_from, run_cli

EXAMPLE = (
    "ctdna-call --samplesheet samplesheet.valid.csv --site-counts *.site_counts.tsv "
    "--target-depth *.target_depth.tsv --tissue-cn tissue_cn.tsv "
    "--clinical clinical.csv --outdir ."
)

DEFAULT = " (default: %(default)s)"  # argparse fills in the option's default


def _genes(text: str) -> tuple[str, ...]:
    return tuple(gene.strip() for gene in (text or "").split(",") if gene.strip())


def _fraction(text: str) -> float:
    """argparse type: a number strictly between 0 and 1."""
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not in (0, 1)")
    return value


CALL_OPTIONS = (  # flag, type, default, help: the level, copy-number and dynamics settings
    (
        "--max-lod",
        _fraction,
        lod_model.MAX_LOD_TF,
        "largest LoD95 tumour fraction at which a negative counts" + DEFAULT,
    ),
    (
        "--tissue-amp-cn",
        float,
        markers_model.TISSUE_AMP_CN,
        "tissue MDM2 copy number from which MDM2 is informative" + DEFAULT,
    ),
    ("--cn-genes", None, ",".join(CN_GENES), "copy-number genes, not reference" + DEFAULT),
    ("--cn-exclude", None, ",".join(CN_EXCLUDE), "genes neither reference nor called" + DEFAULT),
    ("--amp-log2", float, cn_model.AMP_LOG2, "MDM2 log2 ratio threshold" + DEFAULT),
    (
        "--amp-z",
        float,
        cn_model.AMP_Z,
        "MDM2 test level as a z equivalent: predictive t p-value <= Phi(-z)" + DEFAULT,
    ),
    ("--min-pon", int, cn_model.MIN_PON, "PoN samples needed for z" + DEFAULT),
    (
        "--default-cn",
        float,
        None,
        "MDM2 tumour copy number when tissue_cn has none (default: none, TF from CN NA)",
    ),
    (
        "--molecular-response",
        _fraction,
        dynamics_model.RESPONSE_DECREASE,
        "TF decrease baseline->month6 defining molecular response" + DEFAULT,
    ),
)


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
    add("--lowpass", help="lowpass_samples.tsv (ctdna-lowpass): low-pass WGS rows of ctdna.tsv")
    add("--alpha", type=_fraction, default=snv_model.ALPHA, help="SNV detection level" + DEFAULT)
    add("--ci-level", type=_fraction, default=cn_model.CI_LEVEL, help="interval level" + DEFAULT)
    add(
        "--multiplicity",
        choices=["auto", "het", "tissue_vaf"],
        default="auto",
        help="SNV site copy-state model of ctdna.snv (auto: tissue copy number, purity "
        "and VAF where given)" + DEFAULT,
    )
    add_options(parser, CALL_OPTIONS)
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
