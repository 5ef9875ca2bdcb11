"""ctdna-lowpass's work, apart from arguments and files out: tumour fraction from genome-wide
copy number of every low-pass WGS plasma sample of a run, against the low-pass panel of
normals (PoN) when one is given (at least ``lowpass_pon.MIN_PON`` normals) or none.

Per plasma sample: ``lowpass_norm.normalise_sample`` (GC, mappability, sex), then
``lowpass_pon.log2_ratios`` (against the PoN, or the corrected depth alone with
``reference = none``), then ``lowpass_model.fit_sample`` with the PoN donors' leave-one-out
statistic as the floor of the detection threshold. The same three steps on the short-fragment
counts (90-150 bp; PoN of the normals' short counts) give ``tf_short``. The tables:
``ctdna.lowpass_tables``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ctdna import lowpass_cohort_io, lowpass_model, lowpass_pon, lowpass_tables
from ctdna.exceptions import CtdnaInputError
from ctdna.lowpass_norm import normalise_sample

LOG = logging.getLogger(__name__)
NO_LENGTHS = "no fragment lengths (counts from a WIG)"


@dataclass(frozen=True)
class LowpassRunOptions:
    """One ctdna-lowpass run: the samplesheet (patient and timepoint per sample), the plasma
    samples' bins tables, the PoN's bins tables (none, or at least MIN_PON) and the seed of
    the detection threshold's simulations."""

    samplesheet: Path
    bins: tuple[Path, ...]
    pon_bins: tuple[Path, ...] = ()
    seed: int = lowpass_model.SEED

    def __post_init__(self) -> None:
        """Refuse a run without plasma bins and a PoN below the minimum."""
        if not self.bins:
            raise CtdnaInputError("--bins: no low-pass plasma bins table given")
        if 0 < len(self.pon_bins) < lowpass_pon.MIN_PON:
            raise lowpass_pon.PonTooSmallError(
                f"--pon-bins: {len(self.pon_bins)} low-pass PoN sample(s); at least "
                f"{lowpass_pon.MIN_PON} are needed, or none (reference = none)"
            )


@dataclass
class LowpassTables:
    """The three tables of a run (schemas ctdna_lowpass_samples, _ratios, _segments)."""

    samples: pd.DataFrame
    ratios: pd.DataFrame
    segments: pd.DataFrame


@dataclass
class _Reference:
    """A PoN (or None) and its donors' largest leave-one-out LR (0 without a PoN)."""

    pon: lowpass_pon.PanelOfNormals | None
    donors: float


def short_counts(bins: pd.DataFrame) -> pd.DataFrame | None:
    """The bins with the short-fragment counts as ``fragments`` (None without lengths)."""
    short = pd.to_numeric(bins["short"])
    return None if short.isna().any() else bins.assign(fragments=short.astype(int))


def _reference(normals: dict[str, pd.DataFrame]) -> _Reference:
    if not normals:
        return _Reference(None, 0.0)
    pon = lowpass_pon.build_pon(normals)
    return _Reference(pon, lowpass_model.donor_lr(lowpass_pon.leave_one_out_ratios(pon)))


def _fit(sample: str, bins: pd.DataFrame, reference: _Reference, seed: int):
    ratios = lowpass_pon.log2_ratios(normalise_sample(bins), reference.pon, sample)
    return ratios, lowpass_model.fit_sample(ratios, seed=seed, donors=reference.donors)


def _short_reference(normals: dict[str, pd.DataFrame]) -> _Reference | str:
    short = {name: short_counts(bins) for name, bins in normals.items()}
    if any(bins is None for bins in short.values()):
        return f"PoN has {NO_LENGTHS}"
    return _reference({name: bins for name, bins in short.items() if bins is not None})


def lowpass_cohort(options: LowpassRunOptions) -> LowpassTables:
    """The three tables of every plasma sample of ``options`` (module docstring)."""
    info = lowpass_cohort_io.sample_info(options.samplesheet)
    plasma = lowpass_cohort_io.read_bins_files(options.bins)
    normals = lowpass_cohort_io.read_bins_files(options.pon_bins)
    unknown = sorted(set(plasma) - set(info))
    if unknown:
        raise CtdnaInputError(f"{options.samplesheet.name}: no row for sample(s) "
                              f"{', '.join(unknown)} of the bins tables")  # fmt: skip
    reference, short_reference = _reference(normals), _short_reference(normals)
    LOG.info("%d plasma samples; reference: %s", len(plasma),
             f"PoN of {len(normals)}" if normals else "none")  # fmt: skip
    rows, ratio_tables, segment_tables = [], [], []
    for sample in sorted(plasma):
        bins = plasma[sample]
        ratios, fit = _fit(sample, bins, reference, options.seed)
        short_fit = NO_LENGTHS if short_counts(bins) is None else short_reference
        if not isinstance(short_fit, str):
            short_fit = _fit(sample, short_counts(bins), short_fit, options.seed)[1]
        entry = {key: info[sample][key] for key in ("patient", "sample", "timepoint")}
        rows.append(lowpass_tables.sample_row(entry, ratios, bins, fit, short_fit))
        ratio_tables.append(lowpass_tables.ratio_rows(sample, ratios, fit))
        segment_tables.append(lowpass_tables.segment_rows(sample, fit))
        LOG.info("%s: %d bins modelled, detected %s, reason %s", sample, fit.n_bins,
                 fit.detected, rows[-1]["reason"])  # fmt: skip
    samples = pd.DataFrame(rows).sort_values(["patient", "sample"], na_position="first")
    return LowpassTables(
        samples.reset_index(drop=True),
        pd.concat(ratio_tables, ignore_index=True),
        pd.concat(segment_tables, ignore_index=True),
    )
