"""Tumour mutational burden from the counted alleles and the panel size (pure).

TMB (mutations/Mb) = variants_counted / panel_mb, where variants_counted is the number of
distinct CHROM:POS:REF:ALT alleles passing every filter (tmb.filters; an MNV counts once,
driver alleles are excluded) and panel_mb the coding territory in Mb (10^6 bases): the merged
panel BED intersected with the coding BED (or declared coding-only), restricted to positions
the tumour BAM covers at fragment depth >= min_depth when a BAM is given (the DRAGEN
"effective panel size").
The 95 % interval is the exact (Garwood 1936) Poisson interval on the count divided by
panel_mb: low = chi2.ppf(a/2, 2k)/2, high = chi2.ppf(1 - a/2, 2k + 2)/2 (low = 0 when k = 0),
computed as the regularized gamma inverse P^-1(k, p) == chi2.ppf(p, 2k) / 2 by tmb.poisson
(numpy only: importing scipy.special would dominate a panel-sized run's CPU time).
tmb_high is the protocol dichotomy stereosarc.protocol.at_least (the rule outcome-merge uses).
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING

from stereosarc import protocol
from tmb.exceptions import PanelTooSmallError
from tmb.poisson import garwood_interval

if TYPE_CHECKING:
    import numpy as np

LOG = logging.getLogger(__name__)

WARN_PANEL_MB = 0.667  # FoCR: TMB unstable below ~0.667 Mb (Merino et al. 2020, JITC)
REFUSE_PANEL_MB = 0.2  # below this a single variant moves TMB by >= 5 mut/Mb (issue 3)
TMB_HIGH = protocol.TMB_HIGH_CUTOFF  # FDA TMB-high, >= 10 mut/Mb (KEYNOTE-158, June 2020)
CI_LEVEL = 0.95  # two-sided confidence level of the reported interval


def poisson_exact_ci(count: int, level: float = CI_LEVEL) -> tuple[float, float]:
    """Garwood exact two-sided interval for a Poisson mean given ``count`` events."""
    return garwood_interval(count, 1.0 - level)  # chi2.ppf(p, 2k) / 2 == P^-1(k, p)


def check_panel_size(
    panel_mb: float,
    force: bool = False,
    warn_mb: float = WARN_PANEL_MB,
    refuse_mb: float = REFUSE_PANEL_MB,
    label: str = "panel",
) -> bool:
    """True when the panel is below ``warn_mb`` (logged); raise below ``refuse_mb`` unless
    forced."""
    if panel_mb < refuse_mb and not force:
        raise PanelTooSmallError(
            f"{label}: denominator {panel_mb:.6g} Mb is below {refuse_mb} Mb; TMB from so few "
            "bases is not interpretable (use --force-small-panel to compute it anyway)"
        )
    small = panel_mb < warn_mb
    if small:
        LOG.warning(
            "%s: denominator %.6g Mb is below %s Mb (FoCR): TMB is imprecise",
            label,
            panel_mb,
            warn_mb,
        )
    return small


def tmb_estimate(
    count: int,
    panel_mb: float,
    tmb_high: float = TMB_HIGH,
    calibration: tuple[float, float] | None = None,
    level: float = CI_LEVEL,
) -> dict:
    """TMB, its exact Poisson interval, the TMB-high call and the WES-calibrated value.

    tmb = count / panel_mb (mut/Mb); tmb_high = protocol.at_least(tmb, tmb_high) (unrounded
    value, binary rounding forgiven); tmb_wes_calibrated = slope * tmb + intercept (NA when no
    calibration is given). A zero-length denominator gives NA values (tmb_high None) rather
    than an invented number.
    """
    if panel_mb <= 0 or math.isnan(panel_mb):
        return {
            "tmb": math.nan,
            "tmb_ci_low": math.nan,
            "tmb_ci_high": math.nan,
            "tmb_high": None,
            "tmb_wes_calibrated": math.nan,
        }
    low, high = poisson_exact_ci(count, level)
    tmb = count / panel_mb
    calibrated = calibration[0] * tmb + calibration[1] if calibration else math.nan
    return {
        "tmb": tmb,
        "tmb_ci_low": low / panel_mb,
        "tmb_ci_high": high / panel_mb,
        "tmb_high": protocol.at_least(tmb, tmb_high),
        "tmb_wes_calibrated": calibrated,
    }


# trace outcome column -> summary column counting the alleles that fail it (not exclusive)
FAILURE_COLUMNS = {
    "pass_filter": "alleles_not_pass",
    "in_panel": "alleles_outside_panel",
    "covered_ok": "alleles_low_bam_depth",
    "vaf_ok": "alleles_fail_vaf",
    "depth_ok": "alleles_fail_depth",
    "alt_reads_ok": "alleles_fail_alt_reads",
    "population_ok": "alleles_fail_population_af",
    "consequence_ok": "alleles_fail_consequence",
    "hotspot_ok": "alleles_hotspot",
    "cosmic_ok": "alleles_fail_cosmic",
    "ch_ok": "alleles_ch_gene",
    "unique_ok": "alleles_duplicate",
    "mnv_ok": "alleles_mnv_continuation",
}


DRIVER_COLUMNS = ("hotspot_ok", "cosmic_ok")  # driver exclusions (tmb.drivers)


def driver_excluded(outcomes: dict) -> np.ndarray:
    """Alleles failing a driver exclusion and no other filter: counted but for it."""
    import numpy as np

    driver = np.zeros(len(outcomes["pass_filter"]), dtype=bool)
    other_ok = np.ones(len(driver), dtype=bool)
    for column in FAILURE_COLUMNS:
        if column in DRIVER_COLUMNS:
            driver |= outcomes[column] == 0
        elif column not in ("unique_ok", "mnv_ok"):
            other_ok &= outcomes[column] != 0
    return driver & other_ok


class Tally:
    """Running counts over trace chunks: alleles read, failures per filter (None when the
    filter is switched off), alleles excluded only as drivers, alleles counted."""

    def __init__(self, inactive: set | frozenset = frozenset()) -> None:
        self.records = 0
        self.alleles = 0
        self.counted = 0
        self.driver_excluded = 0
        self.failures = {
            name: (None if column in inactive else 0) for column, name in FAILURE_COLUMNS.items()
        }

    def add(self, records: int, trace) -> None:
        """Count a trace chunk (tmb.filters.Trace: outcomes 1/0/-1, counted 1/0)."""
        import numpy as np

        self.add_counts(
            records,
            len(trace),
            int(np.count_nonzero(trace.counted)),
            int(np.count_nonzero(driver_excluded(trace.outcomes))),
            {
                column: int(np.count_nonzero(trace.outcomes[column] == 0))
                for column in FAILURE_COLUMNS
            },
        )

    def add_counts(
        self, records: int, alleles: int, counted: int, driver: int, failed: dict
    ) -> None:
        """Count a chunk given its counts (``failed``: trace outcome column -> alleles at 0)."""
        self.records += records
        self.alleles += alleles
        self.counted += counted
        self.driver_excluded += driver
        for column, name in FAILURE_COLUMNS.items():
            failures = self.failures[name]
            if failures is not None:
                self.failures[name] = failures + failed[column]

    def as_dict(self) -> dict:
        return {
            "records_read": self.records,
            "alleles_total": self.alleles,
            **self.failures,
            "alleles_driver_excluded": self.driver_excluded,
            "variants_counted": self.counted,
        }
