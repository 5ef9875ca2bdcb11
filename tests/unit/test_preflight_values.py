"""Pre-flight of values (stereosarc.table_checks) and of parameter names (stereosarc.validate)
on tables of a few rows; expected messages written by hand from DESIGN.md."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest

from stereosarc import table_checks, validate
from stereosarc.tables import read_table

REPO = Path(__file__).resolve().parents[2]
CLINICAL = (
    "patient,arm,histology,line,start_date,progression_date,death_date,"
    "last_assessment_date,last_followup_date,diagnosis_date,best_response\n"
)
GOOD = "P1,SBRT,leiomyosarcoma,1,2021-01-10,2021-06-01,,2021-06-01,2022-01-01,2019-05-01,SD\n"


def findings(tmp_path: Path, name: str, text: str, check) -> list[str]:
    (tmp_path / name).write_text(text)
    return [f"{f.severity}: {f}" for f in check(read_table(tmp_path / name), name)]


def test_valid_clinical_row_has_no_finding(tmp_path):
    assert findings(tmp_path, "c.csv", CLINICAL + GOOD, table_checks.check_clinical) == []


def test_every_clinical_problem_is_listed_with_its_spreadsheet_row(tmp_path):
    rows = (
        GOOD
        + "P2,SBRT,lipo,first,2021-01-10,,,2021-06-01,2022-01-01,2019-05-01,CR\n"
        + "P3,SBRT,liposarcoma,2,10/01/2021,2021-13-01,,,,,PR\n"
        + "P4,SBRT,liposarcoma,2,2021-01-10,2020-12-31,,2021-06-01,2020-01-01,2021-02-01,XX\n"
    )
    assert findings(tmp_path, "c.csv", CLINICAL + rows, table_checks.check_clinical) == [
        "refuse: c.csv row 3, column histology: 'lipo' is not one of leiomyosarcoma, liposarcoma, "
        "undifferentiated",
        "refuse: c.csv row 3, column line: 'first' is not one of 1, 2",
        "refuse: c.csv row 4, column start_date: '10/01/2021' is not an ISO date YYYY-MM-DD "
        "(looks like DD/MM/YYYY or MM/DD/YYYY)",
        "refuse: c.csv row 4, column progression_date: '2021-13-01' is not an ISO date YYYY-MM-DD",
        "refuse: c.csv row 5, column best_response: 'XX' is not one of CR, PR, SD, PD, NE",
        "refuse: c.csv row 5, column progression_date: 2020-12-31 is before start_date 2021-01-10",
        "refuse: c.csv row 5, column last_followup_date: 2020-01-01 is before start_date "
        "2021-01-10",
        "refuse: c.csv row 5, column diagnosis_date: 2021-02-01 is after start_date 2021-01-10",
    ]


def test_arm_slip_suggests_the_arm_and_progression_on_start_day_is_accepted(tmp_path):
    rows = "P1,SBRT + atezolizumab,leiomyosarcoma,1,2021-01-10,2021-01-10,,,,,\n"
    assert findings(tmp_path, "c.csv", CLINICAL + rows, table_checks.check_clinical) == [
        "refuse: c.csv row 2, column arm: 'SBRT + atezolizumab' is not one of SBRT, "
        "SBRT+atezolizumab (did you mean 'SBRT+atezolizumab'?)"
    ]


def test_ihc_unknown_marker_metric_text_and_impossible_values(tmp_path):
    text = (
        "patient,sample,marker,metric,value\nP1,P1-T,CD8,density_per_mm2,120\n"
        "P1,P1-T,CD9,density_per_mm2,5\nP1,P1-T,cd8,percent,5\nP1,P1-T,CD3,percent_positive,abc\n"
        "P1,P1-T,CD3,percent_positive,100.5\nP1,P1-T,FOXP3,density_per_mm2,-1\n"
        "P1,P1-T,PD-L1,cps,100\nP1,P1-T,CD8,density_per_mm2,\n"
    )
    assert findings(tmp_path, "i.csv", text, table_checks.check_ihc) == [
        "refuse: i.csv row 3, column marker: 'CD9' is not a known marker (CD3, CD4, CD8, CD20, "
        "CD45, CD68, CD163, FOXP3, PD-L1) (did you mean 'CD8'?)",
        "refuse: i.csv row 4, column metric: 'percent' is not a metric of CD8 (density_per_mm2, "
        "percent_positive) (did you mean 'percent_positive'?)",
        "refuse: i.csv row 5, column value: 'abc' is not a number",
        "warn: i.csv row 6, column value: 100.5 for percent_positive is a percentage above 100; "
        "the IHC stage will reject this row",
        "warn: i.csv row 7, column value: -1 for density_per_mm2 is negative or not finite; "
        "the IHC stage will reject this row",
        "warn: i.csv row 9, column value: empty; the IHC stage will reject this row",
    ]


def test_labs_censored_values_pass_and_every_problem_is_listed(tmp_path):
    text = (
        "patient,date,analyte,value,unit\nP1,2021-01-05,crp,<5,mg/L\nP1,2021-01-05,albumin,>50,g/L\n"
        "P1,05/01/2021,crp,12,mg/L\nP1,2021-01-05,neutrophil,4,G/L\nP1,2021-01-05,crp,high,mg/L\n"
        "P1,2021-01-05,crp,1.2,mmol/L\nP1,2021-01-05,monocytes,-0.4,G/L\n"
    )
    assert findings(tmp_path, "l.csv", text, table_checks.check_labs) == [
        "refuse: l.csv row 4, column date: '05/01/2021' is not an ISO date YYYY-MM-DD "
        "(looks like DD/MM/YYYY or MM/DD/YYYY)",
        "refuse: l.csv row 5, column analyte: 'neutrophil' is not one of neutrophils, "
        "lymphocytes, monocytes, platelets, leukocytes, crp, albumin "
        "(did you mean 'neutrophils'?)",
        "refuse: l.csv row 6, column value: 'high' is not a number (nor a censored value such as "
        "<5 or >200)",
        "refuse: l.csv row 7, column unit: 'mmol/L' is not an accepted unit for crp (mg/L, mg/dL, "
        "mg/dl, mg/l); units are never guessed",
        "warn: l.csv row 8, column value: -0.4 G/L is impossible for monocytes; the labs stage "
        "will reject this row",
    ]


@pytest.mark.parametrize(
    "typed,expected",
    [
        ({"panelBed": "p.bed"}, "unknown parameter --panelBed; did you mean --panel_bed?"),
        (
            {"panel-bed": "p.bed", "panelBed": "p.bed"},
            "unknown parameter --panel-bed; did you mean --panel_bed?",
        ),
        ({"tmb_min_vf": 0.1}, "unknown parameter --tmb_min_vf; did you mean --tmb_min_vaf?"),
        ({"zzz": 1}, "unknown parameter --zzz; see --help for the parameters"),
    ],
)
def test_unknown_parameter_is_one_line_with_the_difflib_choice(typed, expected):
    known = validate.schema_parameters(json.loads((REPO / "nextflow_schema.json").read_text()))
    assert validate.unknown_parameters({"input": "s.csv", **typed}, known) == [expected]
    name = validate.canonical_parameter(next(iter(typed)))
    if name not in known and difflib.get_close_matches(name, known, n=1):
        assert difflib.get_close_matches(name, known, n=1)[0] in expected


def test_params_file_with_unknown_and_invalid_values_lists_both():
    problems = validate.Problems()
    validate.validate_params(
        {"input": "s.csv", "outdir": "r", "tmb_min_vaf": 2, "nlr_cut": 3},
        REPO / "nextflow_schema.json",
        problems,
    )
    assert problems.messages == [
        "unknown parameter --nlr_cut; did you mean --nlr_cutoff?",
        "parameter --tmb_min_vaf: 2 is greater than the maximum of 1",
    ]


def test_tissue_copy_number_and_purity_are_checked_before_any_task(tmp_path):
    text = (
        "patient\tgene\tcopy_number\tpurity\nP1\tMDM2\t22\t\nP2\tTP53\ttwo\t0.5\n"
        "P3\tTP53\t2\t40\nP4\tTP53\t2\t0.3\nP4\tMDM2\t12\t0.6\n"
    )
    assert findings(tmp_path, "t.tsv", text, table_checks.check_tissue_cn) == [
        "refuse: t.tsv row 3, column copy_number: 'two' is not a non-negative number",
        "refuse: t.tsv row 4, column purity: '40' is not a fraction in (0, 1]",
        "refuse: t.tsv row 6, column purity: patient 'P4' has more than one purity",
    ]
