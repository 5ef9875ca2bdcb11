"""Thin CLIs (issue 16, docs/development.md "Thin CLIs"): the argparse namespace never leaves
a CLI file, each options dataclass refuses bad values itself (whichever way the command is
called), and a library command returns what its console script writes."""

from __future__ import annotations

import argparse
import ast
import dataclasses
from pathlib import Path

import pytest

from blood.cli import labs_main
from blood.command import LabsOptions, labs_markers
from blood.exceptions import LabsInputError
from ctdna.call_command import CallOptions
from ctdna.count_command import CountOptions
from ctdna.exceptions import CtdnaInputError
from ctdna.sites import FIXED_SITES
from stereosarc import clikit
from stereosarc.tables import read_output_table
from tmb.command import TmbOptions
from tmb.exceptions import TmbInputError
from tmb.filters import FilterSettings

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("tmb", "ctdna", "ihc", "blood", "outcome", "stereosarc")
# modules allowed to use argparse: the CLI files and the shared entry-point shape
CLI_MODULES = {"cli.py", "count_cli.py", "call_cli.py", "validate_cli.py", "collect_cli.py"}
CLI_MODULES |= {"rejects_cli.py", "clikit.py", "bin_cli.py", "lowpass_cli.py", "batches_cli.py"}
CLI_MODULES |= {"clinical_cli.py", "merge_cli.py", "associate_cli.py", "report_cli.py"}  # outcome
LABS = """patient,date,analyte,value,unit
P01,2024-02-28,neutrophils,4.2,10^9/L
P01,2024-02-28,lymphocytes,1.4,G/L
P01,2024-02-28,crp,<5,mg/L
P01,2024-02-28,albumin,3.9,g/dL
P01,2024-03-20,neutrophils,3000,/uL
P02,2024-03-01,lymphocytes,900,furlongs
P09,2024-03-01,crp,12,mg/L
"""
CLINICAL = "patient,start_date\nP01,2024-03-01\nP02,2024-03-10\n"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_library_modules_never_import_argparse():
    """Only CLI files parse arguments: a library module that imported argparse could be
    handed a namespace (the defect issue 16 names in tmb/cli.py)."""
    offenders = [
        str(path.relative_to(REPO))
        for package in PACKAGES
        for path in sorted((REPO / package).rglob("*.py"))
        if path.name not in CLI_MODULES and "argparse" in _imports(path)
    ]
    assert offenders == []


@pytest.mark.parametrize(
    "make, error",
    [
        (
            lambda: LabsOptions(Path("l.csv"), Path("c.csv"), baseline_window_days=-1),
            LabsInputError,
        ),
        (lambda: LabsOptions(Path("l.csv"), Path("c.csv"), on_treatment_days=0), LabsInputError),
        (lambda: CountOptions(Path("b.bam"), "bad id", Path("t.bed")), CtdnaInputError),
        (lambda: CountOptions(Path("b.bam"), "S1", Path("t.bed"), min_mapq=-1), CtdnaInputError),
        (
            lambda: CountOptions(
                Path("b.bam"), "S1", Path("t.bed"), tumours=((FIXED_SITES, Path("x")),)
            ),
            CtdnaInputError,
        ),
        (lambda: CallOptions(Path("s.csv"), default_cn=2.0), CtdnaInputError),
        (lambda: CallOptions(Path("s.csv"), tissue_amp_cn=1.5), CtdnaInputError),
        (
            lambda: TmbOptions("v.vcf", "S1", "P 1", "p.bed", "t.tsv", panel_is_coding=True),
            TmbInputError,
        ),
        (lambda: TmbOptions("v.vcf", "S1", "P1", "p.bed", "t.tsv"), TmbInputError),
        (
            lambda: TmbOptions(
                "v.vcf",
                "S1",
                "P1",
                "p.bed",
                "t.tsv",
                panel_is_coding=True,
                filters=FilterSettings(min_vaf=0.5, max_vaf=0.2),
            ),
            TmbInputError,
        ),
    ],
)
def test_options_refuse_bad_values_before_any_file_is_opened(make, error):
    """None of these files exists: the refusal comes from the options themselves."""
    with pytest.raises(error):
        make()


def test_cosmic_field_with_no_cosmic_is_refused_by_tmb_calc(tmp_path, capsys):
    """The contradiction check ran after --no-cosmic had already emptied the field, so it
    never fired; it is now checked on the options as given."""
    from tmb.cli import main

    with pytest.raises(TmbInputError, match="contradict"):
        TmbOptions(
            "v.vcf",
            "S1",
            "P1",
            "p.bed",
            "t.tsv",
            panel_is_coding=True,
            cosmic_field="CNT",
            no_cosmic=True,
        )
    argv = ["--vcf", str(tmp_path / "absent.vcf"), "--sample", "S1", "--patient", "P1"]
    argv += ["--panel-bed", str(tmp_path / "p.bed"), "--panel-is-coding", "--no-cosmic"]
    argv += ["--cosmic-field", "CNT", "--out-summary", "s.tsv", "--out-trace", "t.tsv"]
    assert main(argv) == 2
    assert "contradict" in capsys.readouterr().err


def test_labs_command_returns_what_labs_markers_writes(tmp_path):
    """blood.command.labs_markers is the whole of labs-markers but the writing."""
    labs, clinical = tmp_path / "labs.csv", tmp_path / "clinical.csv"
    labs.write_text(LABS)
    clinical.write_text(CLINICAL)
    out, rejects = tmp_path / "labs_patient.tsv", tmp_path / "rejects_labs.tsv"
    argv = ["--labs", str(labs), "--clinical", str(clinical), "--out", str(out)]
    assert labs_main([*argv, "--rejects", str(rejects)]) == 0
    result = labs_markers(LabsOptions(labs, clinical))
    written = read_output_table(out)
    assert list(written["patient"]) == list(result.patients["patient"]) == ["P01"]
    assert written.loc[0, "nlr"] == pytest.approx(result.patients.loc[0, "nlr"]) == 3.0
    assert written.loc[0, "albumin_g_l"] == pytest.approx(39.0)  # 3.9 g/dL
    assert len(read_output_table(rejects)) == len(result.rejects) == 2  # furlongs, P09


@dataclasses.dataclass(frozen=True)
class _ToyOptions:
    table: Path
    extra: Path | None = None
    parts: tuple[Path, ...] = ()
    level: float = 0.5
    genes: tuple[str, ...] = ()


def test_options_from_takes_arguments_by_field_name_and_types_paths():
    args = argparse.Namespace(
        table="t.tsv", extra="", parts=["a.tsv", "b.tsv"], level=0.1, genes="A,B", out="x"
    )
    options = clikit.options_from(_ToyOptions, args, genes=("A", "B"))
    assert options == _ToyOptions(
        Path("t.tsv"), None, (Path("a.tsv"), Path("b.tsv")), 0.1, ("A", "B")
    )
    assert clikit.options_from(_ToyOptions, argparse.Namespace(table="t")).level == 0.5
