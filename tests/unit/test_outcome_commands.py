"""The outcome console scripts as library calls (issue 16, docs/development.md "Thin CLIs"):
each options dataclass refuses bad values before any file is opened, and each command returns
exactly what its console script writes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from outcome import endpoints
from outcome.associate_command import AssociateOptions
from outcome.clinical_cli import clinical_main
from outcome.clinical_command import ClinicalOptions, clinical_endpoints
from outcome.exceptions import OutcomeInputError
from outcome.family import Settings
from outcome.merge_cli import merge_main
from outcome.merge_command import MergeOptions, merge_biomarkers
from outcome.report_command import REQUIRED_COLUMNS, ReportOptions
from stereosarc.tables import read_output_table

HEADER = (
    "patient,arm,histology,line,start_date,progression_date,death_date,"
    "last_assessment_date,last_followup_date,diagnosis_date,best_response"
)
CLINICAL = f"""{HEADER}
P01,SBRT,liposarcoma,1,2024-01-01,2024-04-01,,2024-04-01,2024-12-01,2023-01-01,PD
P02,SBRT+atezolizumab,leiomyosarcoma,2,2024-01-10,,,2024-09-01,2024-12-01,2022-05-05,PR
P 3,SBRT,liposarcoma,1,2024-01-01,,,2024-09-01,2024-12-01,2023-01-01,SD
P04,SBRT,liposarcoma,3,2024-01-01,,,2024-09-01,2024-12-01,2023-01-01,SD
"""
TMB = """patient,sample,tmb
P01,P01-T,12.0
P02,P02-T,9.999999999999998
"""
B = Path("biomarkers.tsv")


@pytest.mark.parametrize(
    "make",
    [
        lambda: ClinicalOptions(Path("c.csv"), pfs_horizon_days=0),
        lambda: ClinicalOptions(Path("c.csv"), assessment_window_days=-1),
        lambda: ClinicalOptions(Path("c.csv"), irecist_unconfirmed="maybe"),
        lambda: MergeOptions(Path("e.tsv"), tmb_rule="mean"),
        lambda: AssociateOptions(B, family=Settings(min_n=1)),
        lambda: AssociateOptions(B, family=Settings(n_bootstrap=0)),
        lambda: AssociateOptions(B, primary_alpha=0.5),
        lambda: AssociateOptions(B, primary_sided="three"),
        lambda: AssociateOptions(B, primary_censoring="lenient"),
        lambda: AssociateOptions(B, family=Settings(mice_imputations=1)),
        lambda: AssociateOptions(B, validation_bootstraps=0),
        lambda: AssociateOptions(B, covariates=("tmb", "tmb")),
        lambda: AssociateOptions(B, covariates=("shoe_size",)),
        lambda: AssociateOptions(B, covariates=()),
    ],
)
def test_options_refuse_bad_values_before_any_file_is_opened(make):
    """None of these files exists: the refusal comes from the options themselves."""
    with pytest.raises(OutcomeInputError):
        make()


def test_report_options_name_every_table_the_report_reads():
    """Every optional file of ReportOptions but params.json has its required columns."""
    not_tables = {"biomarkers", "params", "params_schema", "pipeline_version", "git_revision"}
    optional = set(ReportOptions.__dataclass_fields__) - not_tables
    assert optional == set(REQUIRED_COLUMNS)


@pytest.fixture
def clinical_csv(tmp_path):
    path = tmp_path / "clinical.csv"
    path.write_text(CLINICAL)
    return path


def test_clinical_command_returns_what_outcome_clinical_writes(clinical_csv, tmp_path):
    """Two patients accepted; "P 3" (identifier) and P04 (line 3) rejected whole."""
    out, rejects = tmp_path / "e.tsv", tmp_path / "r.tsv"
    argv = ["--clinical", str(clinical_csv), "--out", str(out), "--rejects", str(rejects)]
    assert clinical_main(argv) == 0
    result = clinical_endpoints(ClinicalOptions(clinical_csv))
    written = read_output_table(out)
    assert list(written["patient"]) == list(result.endpoints["patient"]) == ["P01", "P02"]
    assert list(written["pfs_days"]) == [91.0, 235.0]  # 2024-04-01 - 2024-01-01 (leap year)
    assert list(written["pfs_event"]) == [1, 0]
    assert list(written["objective_response"]) == [0, 1]
    refused = read_output_table(rejects)
    assert list(refused["row"]) == list(result.rejects["row"]) == [4, 5]  # spreadsheet rows
    assert list(refused["column"]) == ["patient", "line"]


def test_identifier_with_trailing_newline_is_refused(clinical_csv):
    """The one identifier rule is a full match (stereosarc.protocol.is_identifier): the
    pattern used with re.match, whose "$" matches before a final newline, let "P01\\n" in.
    (The table reader strips cells, so the case is built as a DataFrame.)"""
    frame = pd.read_csv(clinical_csv, dtype=str).head(2)
    frame = frame.where(frame.notna(), None).assign(_file="clinical.csv", _row=[1, 2])
    frame.loc[0, "patient"] = "P01\n"
    table, rejects = endpoints.derive(frame)
    assert list(table["patient"]) == ["P02"]
    assert [(r.row, r.column) for r in rejects] == [(1, "patient")]


def test_merge_command_returns_what_outcome_merge_writes(clinical_csv, tmp_path):
    """tmb_high from the protocol dichotomy: 9.999999999999998 (binary rounding of 10) is high."""
    endpoints, tmb = tmp_path / "e.tsv", tmp_path / "tmb.csv"
    argv = ["--clinical", str(clinical_csv), "--out", str(endpoints)]
    assert clinical_main([*argv, "--rejects", str(tmp_path / "r.tsv")]) == 0
    tmb.write_text(TMB)
    out, rejects = tmp_path / "biomarkers.tsv", tmp_path / "rejects.tsv"
    argv = ["--clinical-endpoints", str(endpoints), "--tmb", str(tmb), "--rejects"]
    argv += [str(tmp_path / "r.tsv"), "--out", str(out), "--out-rejects", str(rejects)]
    assert merge_main(argv) == 0
    result = merge_biomarkers(MergeOptions(endpoints, tmb=tmb, rejects=(tmp_path / "r.tsv",)))
    written = read_output_table(out)
    assert list(written["tmb_high"]) == list(result.biomarkers["tmb_high"]) == [1, 1]
    assert written["cps"].isna().all()  # IHC absent: NA, never 0
    assert len(read_output_table(rejects)) == len(result.rejects) == 2


def test_associate_options_read_negative_enet_repeats_as_off():
    """The family settings reach the analyses as given, except a negative enet_repeats: 0."""
    given = dict(seed=3, min_n=5, min_events_per_variable=4.0, landmark_days=100.0)
    options = AssociateOptions(B, family=Settings(**given, n_bootstrap=7, enet_repeats=-1))
    assert options.settings() == Settings(**given, n_bootstrap=7, enet_repeats=0)
