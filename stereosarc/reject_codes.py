"""The registry of reject codes: every code a stage may write to rejects.tsv, its severity
and its one-line meaning (the ``reason`` column of every reject with that code).

Severities, most serious first (SEVERITIES order is the sort order of rejects.tsv):

- ``error``: the row is malformed or contradicts another input; someone should fix the data.
- ``excluded_by_rule``: a well-formed row left out by a pre-specified rule of the analysis
  plan (a lab value outside the baseline window, a block not selected by the block rule).
- ``info``: not a loss of data: the row is used elsewhere or has nothing to contribute
  (a fixed-list site already evaluated as a tumour site).

A reject is built from its code only (stereosarc.rejects.reject): a call site cannot invent a
code or word its own reason; what is particular to the row (the day, the value, the site)
goes in the ``detail`` column, so that rejects group by code and reason.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

SEVERITIES = ("error", "excluded_by_rule", "info")  # rejects.tsv order: error first


@dataclass(frozen=True)
class RejectCode:
    """One registered code: its severity and the reason text every reject of it carries."""

    severity: str
    reason: str


def _codes(severity: str, entries: dict[str, str]) -> dict[str, RejectCode]:
    return {code: RejectCode(severity, reason) for code, reason in entries.items()}


ERROR_CODES = {
    "invalid_identifier": "patient or sample id missing or not a valid identifier",
    "unknown_patient": "patient not in the clinical table",
    "unknown_sample": "sample not a plasma or pon sample of the samplesheet",
    "unknown_marker": "marker not one the stage scores",
    "unknown_metric": "metric not valid for this marker",
    "unknown_analyte": "analyte not one of the blood analytes",
    "unknown_unit": "unit not accepted for this analyte (units are never guessed)",
    "unknown_timepoint": "timepoint not baseline, month6 or relapse",
    "value_not_a_number": "value is not a number",
    "impossible_value": "value impossible for its quantity",
    "value_not_in_vocabulary": "value not in the column's allowed values",
    "missing_value": "a required value is missing",
    "date_not_iso": "date not an ISO date (YYYY-MM-DD)",
    "date_order": "date before a date it must follow",
    "no_start_date": "patient has no single valid start_date in the clinical table",
    "conflicting_duplicate": "rows for the same item disagree: all of them rejected",
    "patient_repeated": "patient listed more than once in a per-patient table",
    "sample_of_several_patients": "sample id listed for several patients",
    "ambiguous_timepoint": "several plasma samples at one timepoint of a patient",
    "contig_not_in_bam": "contig absent from the BAM header",
    "ref_mismatch": "site REF differs from the reference FASTA",
    "irecist_inconsistent": "iRECIST dates or responses contradict each other",
}

RULE_CODES = {
    "duplicate_row": "repeats an earlier row with the same value: counted once",
    "lab_before_baseline_window": "lab value before the baseline window",
    "lab_superseded_baseline": "lab value superseded by a later value in the baseline window",
    "lab_not_first_on_treatment": "lab value not the first of the on-treatment window",
    "lab_after_on_treatment_window": "lab value after the on-treatment window",
    "ihc_block_not_selected": "tissue block not selected by the block rule",
    "tmb_sample_not_selected": "tumour sample not selected by the TMB rule",
    "qupath_ignored_class": "QuPath annotation of class Ignore* (excluded by convention)",
    "qupath_no_area": "QuPath annotation without a positive area cannot be pooled",
    "site_outside_targets": "site outside the ctDNA targets: not counted",
    "unsupported_allele": "not an SNV or simple indel: not counted",
    "ctdna_site_blacklisted": "site black-listed by the panel of normals",
    "ctdna_site_no_fragments": "site without fragments in the sample",
    "ctdna_site_no_background": "site without a background error rate",
    "ctdna_sample_not_evaluable": "plasma sample not evaluable (ctDNA status NA)",
    "ctdna_repeat_timepoint": "second sample of the patient at a timepoint: not in dynamics",
}

INFO_CODES = {
    "ctdna_site_also_tumour_informed": "fixed-list site evaluated as a tumour site instead",
    "ctdna_site_other_patient": "site of another patient's tumour: not tested in this sample",
    "tissue_cn_not_used": "tissue copy number of a gene or patient ctDNA calling does not use",
}

CODES: dict[str, RejectCode] = {
    **_codes("error", ERROR_CODES),
    **_codes("excluded_by_rule", RULE_CODES),
    **_codes("info", INFO_CODES),
}


def lookup(code: str) -> RejectCode:
    """The registered entry of ``code``; KeyError naming the registry for any other code."""
    try:
        return CODES[code]
    except KeyError:
        raise KeyError(
            f"reject code {code!r} is not registered in stereosarc.reject_codes"
        ) from None


def markdown() -> str:
    """The docs table of every code (docs/rejects.md is this text)."""
    lines = [
        "# Reject codes",
        "",
        "Generated from `stereosarc/reject_codes.py` by "
        "`python -m stereosarc.reject_codes > docs/rejects.md`.",
        "Every row of `cohort/rejects.tsv` carries one of these codes, its severity, and the",
        "code's reason; what is particular to the row (value, day, site, sample) is in `detail`.",
        "Rows sort by severity (`error` first), then stage, file, row, column, patient, reason.",
        "",
        "- `error`: the row is malformed or contradicts another input; fix the data.",
        "- `excluded_by_rule`: a valid row left out by a pre-specified rule of the analysis plan.",
        "- `info`: no data lost (the row is used elsewhere or has nothing to contribute).",
        "",
        "| code | severity | reason |",
        "|---|---|---|",
    ]
    for severity in SEVERITIES:
        lines += [
            f"| `{code}` | {entry.severity} | {entry.reason} |"
            for code, entry in CODES.items()
            if entry.severity == severity
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown())
