"""outcome-clinical as a library call: options in, the endpoints table and its rejects out.

Recipe: read the clinical table (outcome.merge_io), derive PFS, 6-month PFS, OS, objective
response, the PFS censoring-rule sensitivity columns and iPFS per randomised patient
(outcome.endpoints; method: docs/clinical.md), gather the rejects (stereosarc.rejects).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from outcome import censoring, endpoints, irecist, merge_io
from outcome.exceptions import OutcomeInputError
from stereosarc import protocol
from stereosarc.rejects import reject_table

LOG = logging.getLogger("outcome.clinical_command")


@dataclass(frozen=True)
class ClinicalOptions:
    """What outcome-clinical reads and the rules it applies (days from start_date)."""

    clinical: Path  # clinical table (DESIGN.md)
    pfs_horizon_days: float = protocol.PFS_6M_DAYS  # pfs_6m horizon
    ne_is_non_response: bool = True  # best response NE counts as no objective response
    assessment_interval_days: float = censoring.ASSESSMENT_INTERVAL_DAYS
    assessment_window_days: float = censoring.ASSESSMENT_WINDOW_DAYS
    irecist_unconfirmed: str = irecist.UNCONFIRMED_RULE  # iPFS of an unconfirmed iUPD

    def __post_init__(self) -> None:
        if (
            self.pfs_horizon_days <= 0
            or self.assessment_interval_days <= 0
            or self.assessment_window_days < 0
        ):
            raise OutcomeInputError(
                "--pfs-horizon-days and --assessment-interval-days must be > 0, "
                "--assessment-window-days >= 0"
            )
        if self.irecist_unconfirmed not in irecist.UNCONFIRMED_RULES:
            raise OutcomeInputError(
                f"--irecist-unconfirmed {self.irecist_unconfirmed!r}: "
                f"one of {', '.join(irecist.UNCONFIRMED_RULES)}"
            )


@dataclass(frozen=True)
class ClinicalResult:
    """clinical_endpoints (one row per accepted patient) and the rejects table."""

    endpoints: pd.DataFrame
    rejects: pd.DataFrame


def clinical_endpoints(options: ClinicalOptions) -> ClinicalResult:
    """Read the clinical table and derive the endpoints (module doc)."""
    clinical = merge_io.read_clinical(options.clinical)
    table, rejects = endpoints.derive(
        clinical,
        options.pfs_horizon_days,
        options.ne_is_non_response,
        options.assessment_interval_days,
        options.assessment_window_days,
        options.irecist_unconfirmed,
    )
    LOG.info(
        "%s: %d rows; %d patients with endpoints; %d PFS events; %d rejects",
        options.clinical,
        len(clinical),
        len(table),
        int(table["pfs_event"].eq(1).sum()),
        len(rejects),
    )
    return ClinicalResult(table, reject_table(rejects))
