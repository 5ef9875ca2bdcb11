"""Tiny clinical and labs inputs and the in-process runner shared by the CLI tests of
ihc-markers, labs-markers, outcome-clinical and outcome-merge."""

from __future__ import annotations

from blood.cli import labs_main
from outcome.clinical_cli import clinical_main

SEED = 20240601  # project seed (docs/development.md)

CLINICAL_HEADER = (
    "patient,arm,histology,line,start_date,progression_date,death_date,last_assessment_date,"
    "last_followup_date,diagnosis_date,best_response"
)
CLINICAL = (
    CLINICAL_HEADER
    + """
P01,SBRT,leiomyosarcoma,1,2024-03-01,2024-06-01,,2024-06-01,2024-09-01,2023-01-01,PD
P02,SBRT+atezolizumab,liposarcoma,2,2024-03-10,,,2024-12-01,2025-01-01,2022-05-05,PR
P03,SBRT,undifferentiated,1,2024-04-01,2024-03-01,,2024-06-01,2024-07-01,2023-03-01,SD
"""
)


def write(path, text):
    path.write_text(text)
    return path


def run(main, argv, capsys):
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().err


LABS = """patient,date,analyte,value,unit
P01,2024-02-15,neutrophils,4000,/uL
P01,2024-02-14,neutrophils,3.0,G/L
P01,2024-03-01,lymphocytes,1.0,10^9/L
P01,2024-02-29,crp,1.2,mg/dL
P01,2024-02-29,albumin,3.5,g/dL
P01,2024-03-20,neutrophils,6,G/L
P01,2024-03-20,lymphocytes,1,G/L
P02,2024-03-01,crp,10,mg/L
P02,2024-03-01,platelets,250,mmol/L
P09,2024-03-01,crp,10,mg/L
"""


def pipeline(tmp_path, capsys):
    """outcome-clinical, labs-markers, then the inputs of outcome-merge."""
    write(tmp_path / "clinical.csv", CLINICAL)
    write(tmp_path / "labs.csv", LABS)
    assert (
        run(
            clinical_main,
            [
                "--clinical",
                tmp_path / "clinical.csv",
                "--out",
                tmp_path / "ce.tsv",
                "--rejects",
                tmp_path / "rc.tsv",
            ],
            capsys,
        )[0]
        == 0
    )
    assert (
        run(
            labs_main,
            [
                "--labs",
                tmp_path / "labs.csv",
                "--clinical",
                tmp_path / "clinical.csv",
                "--out",
                tmp_path / "labs.tsv",
                "--rejects",
                tmp_path / "rl.tsv",
            ],
            capsys,
        )[0]
        == 0
    )
