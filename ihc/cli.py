"""Console scripts of the ihc package: ihc-markers (tissue IHC) and labs-markers (blood).

Methods: docs/ihc.md and docs/labs.md.
"""

from __future__ import annotations

import argparse
import logging

import pandas as pd

from ihc import densities, io, labs, labs_draws, pdl1
from ihc.exceptions import IhcInputError, LabsInputError
from stereosarc.clikit import make_parser, run_cli

LOG = logging.getLogger("ihc.cli")

# ============================================================================================
# ihc-markers
# ============================================================================================

IHC_EXAMPLE = (
    "ihc-markers --ihc ihc.csv --qupath qupath/manifest.csv --block-rule mean "
    "--out ihc_patient.tsv --rejects rejects_ihc.tsv"
)


def ihc_parser() -> argparse.ArgumentParser:
    """Arguments of ihc-markers."""
    parser = make_parser(
        "ihc-markers", "Immune-cell densities and PD-L1 CPS/TPS per patient.", IHC_EXAMPLE
    )
    parser.add_argument("--ihc", help="IHC long table (patient, sample, marker, metric, value)")
    parser.add_argument("--qupath", help="QuPath manifest (file, patient, sample, marker)")
    parser.add_argument(
        "--clinical",
        help="clinical table: rows of patients absent from it are rejected "
        "(naming the IHC row); without it every patient is kept",
    )
    parser.add_argument(
        "--block-rule",
        default="mean",
        help="several blocks per patient: mean, max, first (smallest sample id) "
        "or a sample id (default: %(default)s)",
    )
    parser.add_argument(
        "--min-viable-tumour-cells",
        type=int,
        default=pdl1.MIN_VIABLE_TUMOUR_CELLS,
        help="CPS/TPS not evaluable below this count (default: %(default)s, 22C3 manual)",
    )
    parser.add_argument("--out", required=True, help="ihc_patient.tsv")
    parser.add_argument("--rejects", required=True, help="rejects_ihc.tsv")
    return parser


def _qupath_long(manifest_path, rejects: list) -> pd.DataFrame:
    """Long-format rows from every export of the manifest; bad manifest rows rejected."""
    manifest = io.read_qupath_manifest(manifest_path)
    frames = []
    for row in densities.source_rows(manifest):
        problem = _manifest_problem(row)
        if problem:
            rejects.append(
                densities.make_reject(
                    row.src_file, row.src_row, problem[0], row.patient, problem[1]
                )
            )
            continue
        export = io.read_qupath_export(row.path)
        found, bad = densities.qupath_rows(export, row.patient, row.sample, row.marker.upper())
        LOG.info("%s: %d annotations, %d excluded", row.file, len(export), len(bad))
        frames.append(found)
        rejects.extend(bad)
    return pd.concat(frames, ignore_index=True) if frames else densities._rows_frame([])


def _manifest_problem(row) -> tuple[str, str] | None:
    for column in ("patient", "sample"):
        value = getattr(row, column)
        if value is None or not io.IDENTIFIER.match(value):
            return column, f"{column} {value!r} is missing or not a valid identifier"
    if row.file is None:
        return "file", "no file given"
    if (row.marker or "").upper() not in densities.IMMUNE_MARKERS:
        return "marker", (
            f"marker {row.marker!r} is not an immune-cell marker "
            f"({', '.join(densities.IMMUNE_MARKERS)}); give PD-L1 in the long table"
        )
    return None


def _ihc(args: argparse.Namespace) -> None:
    """ihc-markers: read the long table and QuPath exports, score blocks, combine per patient."""
    if not args.ihc and not args.qupath:
        raise IhcInputError("give --ihc, --qupath or both")
    if args.min_viable_tumour_cells < 1:
        raise IhcInputError("--min-viable-tumour-cells must be >= 1")
    rejects: list[dict] = []
    frames = []
    if args.ihc:
        long = io.read_ihc_long(args.ihc)
        rows, bad = densities.validate_long(long, io.IDENTIFIER)
        LOG.info("%s: %d rows read, %d rejected", args.ihc, len(long), len(bad))
        frames.append(rows)
        rejects += bad
    if args.qupath:
        frames.append(_qupath_long(args.qupath, rejects))
    rows, bad = densities.reject_shared_samples(pd.concat(frames, ignore_index=True))
    rejects += bad
    if args.clinical:
        randomised = set(io.read_clinical_starts(args.clinical)["patient"])
        rows, bad = densities.reject_unknown_patients(rows, randomised)
        rejects += bad
    rows, bad = densities.deduplicate(rows)
    rejects += bad
    blocks, bad = densities.block_table(rows, args.min_viable_tumour_cells)
    rejects += bad
    if args.block_rule not in ("mean", "max", "first") and args.block_rule not in set(
        blocks["sample"]
    ):
        raise IhcInputError(
            f"--block-rule {args.block_rule!r} is neither mean, max, first nor "
            "a sample id of the IHC input"
        )
    table, bad = densities.patient_table(blocks, rows, args.block_rule)
    rejects += bad
    LOG.info(
        "%d blocks of %d patients; block rule %s; %d CPS evaluable",
        len(blocks),
        len(table),
        args.block_rule,
        int(table["cps"].notna().sum()),
    )
    io.write_outputs(table, "ihc_patient", args.out, rejects, args.rejects)


def ihc_main(argv=None) -> int:
    """Entry point of ihc-markers."""
    return run_cli(ihc_parser(), _ihc, argv)


# ============================================================================================
# labs-markers
# ============================================================================================

LABS_EXAMPLE = (
    "labs-markers --labs labs.csv --clinical clinical.csv --baseline-window-days 15 "
    "--out labs_patient.tsv --rejects rejects_labs.tsv"
)


def labs_parser() -> argparse.ArgumentParser:
    """Arguments of labs-markers."""
    parser = make_parser(
        "labs-markers", "Baseline blood inflammation markers per patient.", LABS_EXAMPLE
    )
    parser.add_argument("--labs", required=True, help="blood long table")
    parser.add_argument("--clinical", required=True, help="clinical table (start_date)")
    parser.add_argument(
        "--baseline-window-days",
        type=int,
        default=labs.BASELINE_WINDOW_DAYS,
        help="baseline = last value in [start - N days, start] (default: %(default)s, DESIGN.md)",
    )
    parser.add_argument(
        "--on-treatment-days",
        type=int,
        default=labs.ON_TREATMENT_DAYS,
        help="on-treatment = first value in [start + 1, start + N days] (default: %(default)s)",
    )
    parser.add_argument(
        "--same-day-tolerance-days",
        type=int,
        default=labs_draws.SAME_DAY_TOLERANCE_DAYS,
        help="NLR/PLR/LMR only from analytes drawn at most N days apart; "
        "CRP/albumin paired likewise when possible (default: "
        "%(default)s = same day)",
    )
    parser.add_argument("--out", required=True, help="labs_patient.tsv")
    parser.add_argument("--rejects", required=True, help="rejects_labs.tsv")
    return parser


def _labs(args: argparse.Namespace) -> None:
    """labs-markers: normalise units, check plausibility, pick baseline, derive markers."""
    if (
        args.baseline_window_days < 0
        or args.on_treatment_days < 1
        or args.same_day_tolerance_days < 0
    ):
        raise LabsInputError(
            "--baseline-window-days and --same-day-tolerance-days must be "
            ">= 0, --on-treatment-days >= 1"
        )
    table = io.read_labs(args.labs)
    starts, start_problems = labs.start_dates(io.read_clinical_starts(args.clinical))
    rows, rejects = labs.normalise(table, starts, start_problems, io.IDENTIFIER)
    rows, bad = labs.deduplicate(rows)
    rejects += bad
    baseline, on_treatment, bad = labs.select_values(
        rows, args.baseline_window_days, args.on_treatment_days
    )
    pairs = labs_draws.same_draw_pairs(
        rows, args.baseline_window_days, args.same_day_tolerance_days
    )
    paired = labs_draws.used_rows(pairs)
    rejects += [r for r in bad if (r["file"], r["row"]) not in paired]
    out = labs.patient_table(baseline, on_treatment, starts, pairs, args.same_day_tolerance_days)
    LOG.info(
        "%s: %d rows read; %d rejected; %d baseline and %d on-treatment values; "
        "%d flagged unusual; %d patients",
        args.labs,
        len(table),
        len(rejects),
        len(baseline),
        len(on_treatment),
        int(rows["unusual"].sum()),
        len(out),
    )
    io.write_outputs(out, "labs_patient", args.out, rejects, args.rejects)


def labs_main(argv=None) -> int:
    """Entry point of labs-markers."""
    return run_cli(labs_parser(), _labs, argv)
