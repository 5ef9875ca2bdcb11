"""Large synthetic cohort tables for the cohort-level stages (no BAMs or VCFs needed).

The demo cohort (its input tables and the per-sample tables of one demo run) is tiled: copy k
of patient P001 becomes K00kP001 and its samples K00kP001-B, ...; the panel of normals is kept
once. Every table the cohort stages read is written, so clinical endpoints, IHC, labs, the
ctDNA call, the merge, the associations, the report and the rejects collector can be timed at
any size.

    python bench/scale/make_cohort.py --demo demo_data --results results \
        --patients 10000 --outdir /tmp/scale10000
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import pandas as pd

ID_COLUMNS = ("patient", "sample", "tumour_sample")
INPUT_TABLES = {  # file in the demo folder -> field separator
    "clinical.csv": ",",
    "labs.csv": ",",
    "ihc.csv": ",",
    "tissue_cn.tsv": "\t",
}
COUNT_KINDS = ("site_counts", "target_depth", "background")


def renamed(frame: pd.DataFrame, copy: int) -> pd.DataFrame:
    """``frame`` with every identifier column prefixed by the copy tag (K000, K001, ...)."""
    out = frame.copy()
    tag = f"K{copy:03d}"
    for column in ID_COLUMNS:
        if column in out:
            known = out[column].notna() & (out[column] != "fixed_sites")
            out.loc[known, column] = tag + out.loc[known, column].astype(str)
    return out


def tiled(frame: pd.DataFrame, patients: list[str], n_patients: int) -> pd.DataFrame:
    """Rows of ``frame`` repeated for as many copies of ``patients`` as ``n_patients`` needs."""
    copies = math.ceil(n_patients / len(patients))
    parts = []
    for copy in range(copies):
        keep = patients[: n_patients - copy * len(patients)]
        rows = frame[frame["patient"].isin(keep)] if "patient" in frame else frame
        parts.append(renamed(rows, copy))
    return pd.concat(parts, ignore_index=True)


def read(path: Path, sep: str) -> pd.DataFrame:
    return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, na_values=[""])


def write(frame: pd.DataFrame, path: Path, sep: str) -> None:
    frame.to_csv(path, sep=sep, index=False, na_rep="" if sep == "," else "NA")


def count_tables(results: Path, kind: str, samplesheet: pd.DataFrame) -> pd.DataFrame:
    """All per-sample ``kind`` tables of the demo run, with the patient of each sample."""
    frames = [read(p, "\t") for p in sorted((results / "ctdna" / "counts").glob(f"*.{kind}.tsv"))]
    table = pd.concat(frames, ignore_index=True)
    return table.merge(samplesheet[["sample", "patient"]], on="sample", how="left")


def make_cohort(demo: Path, results: Path, n_patients: int, outdir: Path) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    sheet = read(demo / "samplesheet.csv", ",")
    patients = sorted(sheet["patient"].dropna().unique())
    for column in ("vcf", "bam"):
        given = sheet[column].notna()
        sheet.loc[given, column] = [
            str((demo / path).resolve()) for path in sheet.loc[given, column]
        ]
    pon = sheet[sheet["type"] == "pon"]
    write(
        pd.concat([tiled(sheet[sheet["type"] != "pon"], patients, n_patients), pon]),
        outdir / "samplesheet.csv",
        ",",
    )
    for name, sep in INPUT_TABLES.items():
        write(tiled(read(demo / name, sep), patients, n_patients), outdir / name, sep)
    write(
        tiled(read(results / "cohort" / "tmb.tsv", "\t"), patients, n_patients),
        outdir / "tmb.tsv",
        "\t",
    )
    for kind in COUNT_KINDS:
        table = count_tables(results, kind, sheet)
        is_pon = table["patient"].isna()
        write(table[is_pon].drop(columns="patient"), outdir / f"pon.{kind}.tsv", "\t")
        patient_rows = tiled(table[~is_pon], patients, n_patients).drop(columns="patient")
        write(patient_rows, outdir / f"patients.{kind}.tsv", "\t")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=Path, required=True, help="demo input folder")
    parser.add_argument("--results", type=Path, required=True, help="a demo run's --outdir")
    parser.add_argument("--patients", type=int, required=True)
    parser.add_argument("--outdir", type=Path, required=True)
    args = parser.parse_args()
    make_cohort(args.demo, args.results, args.patients, args.outdir)


if __name__ == "__main__":
    main()
