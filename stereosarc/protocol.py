"""Protocol constants and rules of STEREOSARC (NCT03548428), written once.

Every package takes identifiers, sample types, timepoints, arms, strata, response categories,
horizons and the dichotomy rule from here. The JSON schemas (assets/schema_input.json,
assets/schemas/*.schema.json) stay the specification Nextflow's pre-flight reads;
tests/unit/test_protocol.py checks they say the same as this module. Importable without
pandas (tmb-calc's start-up).
"""

from __future__ import annotations

import math
import re

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"  # DESIGN.md: ids reach file names and shell commands
IDENTIFIER = re.compile(ID_PATTERN)  # the compiled identifier rule

SAMPLE_TYPES = ("tumour", "plasma", "pon")  # DESIGN.md samplesheet `type`
TIMEPOINTS = ("baseline", "month6", "relapse")  # DESIGN.md plasma timepoints, protocol order
POST_BASELINE = TIMEPOINTS[1:]  # on-treatment plasma samples, which can anticipate progression

ARM_REFERENCE = "SBRT"  # DESIGN.md clinical table: control arm
ARM_EXPERIMENTAL = "SBRT+atezolizumab"  # DESIGN.md clinical table: experimental arm
ARMS = (ARM_REFERENCE, ARM_EXPERIMENTAL)  # DESIGN.md clinical table `arm`
HISTOLOGIES = ("leiomyosarcoma", "liposarcoma", "undifferentiated")  # randomisation stratum
LINES = ("1", "2")  # DESIGN.md: metastatic line, randomisation stratum (as written in the table)
RESPONSES = ("CR", "PR", "SD", "PD", "NE")  # RECIST 1.1 best overall response (Eisenhauer 2009)
IRESPONSES = ("iCR", "iPR", "iSD", "iUPD", "iCPD", "NE")  # iRECIST (Seymour et al. 2017)
OBJECTIVE_RESPONSES = ("CR", "PR")  # DESIGN.md: objective response = CR or PR
CLINICAL_DATES = (
    "start_date",
    "progression_date",
    "death_date",
    "last_assessment_date",
    "last_followup_date",
    "diagnosis_date",
)  # DESIGN.md clinical table: the dates the endpoints are derived from
# DESIGN.md clinical table: required columns (best_response_irecist is optional)
CLINICAL_REQUIRED = ("patient", "arm", "histology", "line", *CLINICAL_DATES, "best_response")

DAYS_PER_YEAR = 365.25  # Julian year: months are 365.25 / 12 days throughout
PFS_6M_DAYS = DAYS_PER_YEAR / 2  # 182.625: DESIGN.md primary endpoint horizon (PFS at 6 months)

TMB_HIGH_CUTOFF = 10.0  # mut/Mb: FDA TMB-high (KEYNOTE-158; Marabelle et al., Lancet Oncol 2020)
CUT_RTOL = 1e-12  # forgives binary rounding only (0.35 / 0.07 = 4.999999999999999 is NLR 5)


def is_identifier(value: object) -> bool:
    """True when ``value`` is a string obeying the identifier rule (ID_PATTERN) in full: a
    trailing newline, which ``$`` alone would let through, is refused."""
    return isinstance(value, str) and IDENTIFIER.fullmatch(value) is not None


def identifier_problem(
    row: object, columns: tuple[str, ...] = ("patient", "sample")
) -> tuple[str, str, str] | None:
    """(column, reject code, detail) for the first of ``columns`` (attributes of ``row``,
    e.g. a namedtuple of an input table) that is missing or breaks the identifier rule; None
    when all obey it. The code and detail are the ones every stage writes to rejects.tsv."""
    for column in columns:
        value = getattr(row, column)
        if not is_identifier(value):
            return column, "invalid_identifier", f"{column} {value!r}"
    return None


def at_least(value: float, cut: float, rtol: float = CUT_RTOL) -> int | None:
    """The protocol dichotomy: 1 when ``value`` >= ``cut`` on the unrounded value (only a
    binary floating-point error of relative size ``rtol`` is forgiven), 0 below, None when
    ``value`` is missing (None or NaN). tmb_high = at_least(tmb, TMB_HIGH_CUTOFF)."""
    if value is None or math.isnan(value):
        return None
    return int(value >= cut - rtol * abs(cut))
