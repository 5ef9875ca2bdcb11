"""Pre-flight refusals: each bad input gives exit 2 and one line naming file, row and column."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

from stereosarc import validate
from stereosarc.validate_cli import TABLE_OPTIONS, validate_main
from tests.conftest import write_bam, write_vcf

SNV = (
    "chr17\t7675088\t.\tC\tT\t.\tPASS\tCSQ=T|missense_variant|MODERATE|TP53|\t"
    "GT:AD:DP\t0/1:60,40:100"
)


@pytest.fixture()
def cohort(tmp_path: Path) -> dict:
    """A valid minimal cohort: one tumour VCF, one plasma BAM, one PoN BAM, tables and BEDs."""
    write_vcf(tmp_path / "P1-T.vcf.gz", [SNV], sample="P1-T")
    write_bam(tmp_path / "P1-B.bam")
    write_bam(tmp_path / "PON1.bam")
    (tmp_path / "panel.bed").write_text("chr17\t7660000\t7690000\tTP53\n")
    (tmp_path / "targets.bed").write_text("chr17\t7674000\t7677000\tTP53\n")
    rows = [
        {"patient": "P1", "sample": "P1-T", "type": "tumour", "vcf": "P1-T.vcf.gz"},
        {
            "patient": "P1",
            "sample": "P1-B",
            "type": "plasma",
            "timepoint": "baseline",
            "bam": "P1-B.bam",
            "cfdna_ng_per_ml": "12.5",
            "collection_date": "2021-03-04",
        },
        {"sample": "PON1", "type": "pon", "bam": "PON1.bam"},
    ]
    (tmp_path / "labs.csv").write_text(
        "patient,date,analyte,value,unit\nP1,2021-03-01,crp,12,mg/L\n"
    )
    return {"dir": tmp_path, "rows": rows}


def run(
    cohort: dict,
    capsys,
    extra: list[str] | None = None,
    rows: list[dict] | None = None,
    name: str = "samplesheet.csv",
    whole_log: bool = False,
) -> tuple[int, str]:
    sheet = cohort["dir"] / name
    frame = pd.DataFrame(rows if rows is not None else cohort["rows"])
    frame.to_csv(sheet, index=False, sep="\t" if name.endswith(".tsv") else ",")
    out = cohort["dir"] / "valid.csv"
    code = validate_main(
        [
            "--input",
            str(sheet),
            "--panel-bed",
            str(cohort["dir"] / "panel.bed"),
            "--ctdna-targets",
            str(cohort["dir"] / "targets.bed"),
            "--out",
            str(out),
            *(extra or []),
        ]
    )
    err = capsys.readouterr().err.strip()
    if whole_log:
        return code, err
    return code, err.splitlines()[-1] if code else ""


def test_valid_cohort_writes_absolute_paths_and_indexes(cohort, capsys):
    code, _ = run(cohort, capsys)
    assert code == 0
    valid = pd.read_csv(cohort["dir"] / "valid.csv", dtype=str, keep_default_na=False)
    plasma = valid.set_index("sample").loc["P1-B"]
    assert Path(plasma["bam"]).is_absolute() and plasma["bam_index"].endswith(".bai")
    assert valid.set_index("sample").loc["P1-T", "vcf_index"].endswith(".tbi")


def test_duplicate_sample_id_names_both_rows(cohort, capsys):
    rows = cohort["rows"] + [dict(cohort["rows"][1])]
    code, line = run(cohort, capsys, rows=rows)
    assert code == 2
    assert (
        "samplesheet.csv row 5, column sample: duplicate sample id 'P1-B' (first on row 3)" in line
    )


@pytest.mark.parametrize("column,value", [("sample", "P1 B"), ("patient", "P1;rm")])
def test_identifier_with_space_or_semicolon_is_refused(cohort, capsys, column, value):
    rows = [dict(r) for r in cohort["rows"]]
    rows[1][column] = value
    code, line = run(cohort, capsys, rows=rows)
    assert code == 2
    assert f"row 3, column {column}: '{value}' is not a valid identifier" in line


def test_plasma_row_without_timepoint(cohort, capsys):
    rows = [dict(r) for r in cohort["rows"]]
    rows[1]["timepoint"] = ""
    code, line = run(cohort, capsys, rows=rows)
    assert code == 2 and "row 3, column timepoint: is required for this sample type" in line


def test_samplesheet_without_bam_column_is_one_line(cohort, capsys):
    rows = [{k: v for k, v in r.items() if k != "bam"} for r in cohort["rows"]]
    rows += [dict(rows[1], sample=f"P1-B{i}") for i in range(5)]
    code, err = run(cohort, capsys, rows=rows, whole_log=True)
    lines = err.splitlines()
    assert code == 2
    assert lines[-1].endswith(
        "samplesheet.csv: column bam is missing from the header; it is "
        "required for 6 plasma, 1 pon rows"
    )
    assert sum("bam" in line for line in lines) == 2  # the logged problem and the refusal


def test_unknown_timepoint(cohort, capsys):
    rows = [dict(r) for r in cohort["rows"]]
    rows[1]["timepoint"] = "week12"
    code, line = run(cohort, capsys, rows=rows)
    assert (
        code == 2 and "column timepoint: 'week12' is not one of baseline, month6, relapse" in line
    )


def test_pon_row_with_patient(cohort, capsys):
    rows = [dict(r) for r in cohort["rows"]]
    rows[2]["patient"] = "P1"
    code, line = run(cohort, capsys, rows=rows)
    assert code == 2 and "row 4, column patient: must be empty for pon rows" in line


def test_bam_without_index(cohort, capsys):
    (cohort["dir"] / "P1-B.bam.bai").unlink()
    code, line = run(cohort, capsys)
    assert code == 2
    assert (
        "row 3, column bam" in line
        and "index missing; create it with: samtools index P1-B.bam" in line
    )


def test_truncated_vcf_gzip(cohort, capsys):
    vcf = cohort["dir"] / "P1-T.vcf.gz"
    data = vcf.read_bytes()
    vcf.write_bytes(data[: len(data) // 2])
    code, line = run(cohort, capsys)
    assert code == 2 and "row 2, column vcf" in line and "corrupt or truncated gzip" in line


def test_vcf_without_csq_or_ann(cohort, capsys):
    write_vcf(
        cohort["dir"] / "P1-T.vcf.gz",
        [SNV.replace("CSQ=T|missense_variant|MODERATE|TP53|", ".")],
        sample="P1-T",
        annotation=None,
    )
    code, line = run(cohort, capsys)
    assert code == 2 and "no ##INFO=<ID=CSQ> (VEP) or ##INFO=<ID=ANN> (snpEff) header" in line


def test_contig_17_vs_chr17(cohort, capsys):
    write_vcf(
        cohort["dir"] / "P1-T.vcf.gz", [SNV.replace("chr17", "17", 1)], contig="17", sample="P1-T"
    )
    code, line = run(cohort, capsys)
    assert code == 2 and "no contig in common with panel.bed" in line and "'chr' prefixes" in line


def test_bam_contigs_vs_targets(cohort, capsys):
    write_bam(cohort["dir"] / "P1-B.bam", contig="17")
    code, line = run(cohort, capsys)
    assert (
        code == 2
        and "row 3, column bam" in line
        and "no contig in common with targets.bed" in line
    )


def test_missing_vcf_file(cohort, capsys):
    (cohort["dir"] / "P1-T.vcf.gz").unlink()
    code, line = run(cohort, capsys)
    assert code == 2 and "row 2, column vcf: file not found: P1-T.vcf.gz" in line


def test_labs_unit_mmol_per_litre_for_crp(cohort, capsys):
    labs = cohort["dir"] / "labs.csv"
    labs.write_text("patient,date,analyte,value,unit\nP1,2021-03-01,crp,1.2,mmol/L\n")
    code, line = run(cohort, capsys, extra=["--labs", str(labs)])
    assert (
        code == 2
        and "labs.csv row 2, column unit: 'mmol/L' is not an accepted unit for crp" in line
    )


def test_labs_unit_spellings_the_labs_stage_converts_pass_preflight(cohort, capsys):
    labs = cohort["dir"] / "labs.csv"
    labs.write_text(
        "patient,date,analyte,value,unit\nP1,2021-03-01,crp,12,mg/l\n"
        "P1,2021-03-01,neutrophils,4100,/\u00b5L\nP1,2021-03-01,albumin,3.9,g/dl\n"
        "P1,2021-03-01,platelets,250,10^9/l\n",
        encoding="utf-8",
    )
    code, line = run(cohort, capsys, extra=["--labs", str(labs)])
    assert code == 0, line


def test_censored_lab_values_pass_preflight(cohort, capsys):
    labs = cohort["dir"] / "labs.csv"
    labs.write_text(
        "patient,date,analyte,value,unit\nP1,2021-03-01,crp,<5,mg/L\n"
        "P1,2021-03-01,albumin,>50,g/L\n"
    )
    code, line = run(cohort, capsys, extra=["--labs", str(labs)])
    assert code == 0, line


def test_empty_input_file(cohort, capsys):
    labs = cohort["dir"] / "labs.csv"
    labs.write_text("")
    code, line = run(cohort, capsys, extra=["--labs", str(labs)])
    assert code == 2 and line.endswith("labs.csv: file is empty")


def test_header_only_table(cohort, capsys):
    labs = cohort["dir"] / "labs.csv"
    labs.write_text("patient,date,analyte,value,unit\n")
    code, line = run(cohort, capsys, extra=["--labs", str(labs)])
    assert code == 2 and line.endswith("labs.csv: no data rows")


def test_missing_required_column(cohort, capsys):
    labs = cohort["dir"] / "labs.csv"
    labs.write_text("patient,date,analyte,value\nP1,2021-03-01,crp,3\n")
    code, line = run(cohort, capsys, extra=["--labs", str(labs)])
    assert code == 2 and "missing required column(s) unit" in line


def test_parameter_out_of_range(cohort, capsys):
    params = cohort["dir"] / "params.json"
    params.write_text(json.dumps({"input": "x.csv", "outdir": "r", "tmb_min_vaf": 2}))
    code, line = run(cohort, capsys, extra=["--params", str(params)])
    assert code == 2 and "parameter --tmb_min_vaf: 2 is greater than the maximum of 1" in line


def test_tsv_samplesheet_is_read_by_extension(cohort, capsys):
    code, _ = run(cohort, capsys, name="samplesheet.tsv")
    assert code == 0


def test_gzip_helper_detects_good_file(cohort):
    with gzip.open(cohort["dir"] / "P1-T.vcf.gz", "rt") as handle:
        assert handle.readline().startswith("##fileformat=VCF")


def test_clinical_with_population_and_censoring_columns_is_accepted(cohort, capsys):
    """Optional clinical columns of the primary endpoint (docs/clinical.md): per_protocol,
    new_therapy_date, assessment_dates pass pre-flight."""
    clinical = cohort["dir"] / "clinical.csv"
    clinical.write_text(
        "patient,arm,histology,line,start_date,progression_date,death_date,"
        "last_assessment_date,last_followup_date,diagnosis_date,best_response,per_protocol,"
        "new_therapy_date,assessment_dates\n"
        "P1,SBRT,liposarcoma,1,2021-01-01,2021-09-01,,2021-09-01,2021-12-01,2020-01-01,PD,1,"
        ",2021-03-01;2021-05-01;2021-09-01\n"
    )
    code, line = run(cohort, capsys, extra=["--clinical", str(clinical)])
    assert code == 0, line


def test_impossible_lab_value_is_a_warning_written_for_the_pipeline(cohort, capsys):
    labs = cohort["dir"] / "labs.csv"
    labs.write_text(
        "patient,date,analyte,value,unit\nP1,2021-03-01,crp,12,mg/L\n"
        "P1,2021-03-01,monocytes,-0.4,G/L\n"
    )
    warnings = cohort["dir"] / "warnings.txt"
    code, line = run(cohort, capsys, extra=["--labs", str(labs), "--warnings", str(warnings)])
    assert code == 0, line
    assert warnings.read_text() == (
        "labs.csv row 3, column value: -0.4 G/L is impossible for "
        "monocytes; the labs stage will reject this row\n"
    )


@pytest.mark.parametrize("column", ["patient", "sample", "type", "timepoint", "vcf", "bam"])
def test_missing_samplesheet_column_is_one_line_naming_file_and_column(cohort, capsys, column):
    """Issue 17: a missing column gave one line per row; it is one problem, however many rows
    (16 plasma rows here), naming the file and the column."""
    plasma = cohort["rows"][1]
    rows = cohort["rows"] + [dict(plasma, sample=f"P1-B{i}") for i in range(16)]
    rows = [{k: v for k, v in r.items() if k != column} for r in rows]
    code, err = run(cohort, capsys, rows=rows, whole_log=True)
    problems = [line for line in err.splitlines() if line.startswith("ERROR")]
    assert code == 2 and len(problems) == 1, err
    assert "samplesheet.csv" in problems[0] and column in problems[0]
    assert " row " not in problems[0]  # a header problem, not a row problem


REQUIRED_TABLE_COLUMNS = [
    (option, column)
    for option, columns in validate.TABLE_REQUIRED.items()
    for column in columns
    if option in TABLE_OPTIONS
]


@pytest.mark.parametrize("option, column", REQUIRED_TABLE_COLUMNS)
def test_missing_column_of_every_input_table_is_one_line(cohort, capsys, option, column):
    """Every table pre-flight reads: a required column absent from a 16-row table is one
    problem naming file and column, and the refusal line repeats it."""
    header = [c for c in validate.TABLE_REQUIRED[option] if c != column]
    path = cohort["dir"] / f"{option}.csv"
    path.write_text(",".join(header) + "\n" + "".join(",".join(header) + "\n" for _ in range(16)))
    code, err = run(cohort, capsys, extra=[f"--{option.replace('_', '-')}", str(path)],
                    whole_log=True)  # fmt: skip
    problems = [line for line in err.splitlines() if line.startswith("ERROR")]
    assert code == 2 and len(problems) == 1, err
    assert f"{option}.csv: missing required column(s) {column}" in problems[0]
    assert err.splitlines()[-1].startswith("stereosarc-validate: error: ")
