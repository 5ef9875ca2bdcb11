"""ctdna-count's row-wise path (ctdna.count_rowwise, issue 18): the five tables byte for byte
those of the DataFrame path (ctdna.count_command + ctdna.io.write_counts) on a fixture that
reaches every site rule and reject, with and without a FASTA; a command run that loads neither
numpy nor pandas; the fall-back to the DataFrame path where the row-wise one declines."""

from __future__ import annotations

import filecmp
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ctdna import count_rowwise, io, rowwise_counts, rowwise_sites
from ctdna.count_cli import count_main
from ctdna.count_command import count_sample
from ctdna.count_options import CountOptions
from stereosarc.rejects import reject, reject_records, reject_table
from stereosarc.tables import format_cell
from tests.unit.test_ctdna_count_fixtures import (
    pair,
    write_bam,
    write_reference,
    write_targets,
    write_tumour_vcf,
)

TABLES = ("sites", "targets", "background", "rejects", "read_stats")
SEED = 20240601


@pytest.fixture()
def inputs(tmp_path) -> dict:
    """A BAM with SNV, deletion, insertion, low-quality, discordant and duplicate reads; a
    tumour VCF with every kind of record; a site list with every kind of row."""
    reference = write_reference(tmp_path / "ref.fa", length=2000)
    alt = "A" if reference[300] != "A" else "C"
    snv, deletion, insertion = ("snv", 300, alt), ("del", 480, 2), ("ins", 700, "GT")
    reads = [r for i in range(5) for r in pair(f"s{i}", 250 + i, 280, snv, snv)]
    reads += [r for i in range(4) for r in pair(f"n{i}", 240 + i, 270)]
    reads += [r for i in range(3) for r in pair(f"d{i}", 420 + i, 460, deletion, deletion)]
    reads += [r for i in range(3) for r in pair(f"i{i}", 620 + i, 660, insertion, insertion)]
    reads += pair("disc", 260, 280, ("snv", 300, alt))[:1] + pair("disc", 260, 280)[1:]
    reads += pair("lowq", 270, 285, low_qual1=300, low_qual2=300)
    reads += pair("dup", 255, 290, ("snv", 300, alt), extra_flag=0x400)
    reads += [r for i in range(6) for r in pair(f"r{i}", 1200 + 7 * i, 1250)]
    bam = write_bam(tmp_path / "S1.bam", reference, reads)
    not_alt = "G" if alt != "G" and reference[300] != "G" else "T"
    records = [
        (301, reference[300], alt, "PASS", 0.4),
        (301, reference[300], f"{alt},{not_alt}", "PASS", "0.3,0.01"),  # repeats ALT 1
        (481, reference[480:483], reference[480], "PASS", None),  # deletion, AD only
        (701, reference[700], reference[700] + "GT", "PASS", 0.25),
        (801, reference[800:802], "AA", "PASS", 0.2),  # MNV: unsupported
        (901, reference[900], not_alt, "LowQual", 0.5),
        (1601, reference[1600], not_alt, "PASS", 0.5),  # outside the targets
    ]
    vcf = write_tumour_vcf(tmp_path / "T1.vcf.gz", records)
    sites = tmp_path / "sites.tsv"
    sites.write_text(
        "chrom\tpos\tref\talt\tgene\textra\n"
        f"chr17\t301\t{reference[300]}\t{alt}\t\tx\n"
        f"chr17\t1221\t{reference[1220]}\t{not_alt}\tLIST1\tx\n"
        f"chr17\t1221\t{reference[1220]}\t{not_alt}\tLIST1\tx\n"  # repeated row
        f"chr17\t1231\tN\t{not_alt}\tNA\tx\n"  # unsupported allele
        f"chr17\t1241\t{'ACGT'[('ACGT'.index(reference[1240]) + 1) % 4]}\tA\t\tx\n"
        f"chr17\t1900\tA\tC\tFAR\tx\n"  # outside the targets
        f"chr9\t100\tA\tC\t\tx\n"  # contig not in the BAM (a target there too)
    )
    targets = write_targets(
        tmp_path / "targets.bed",
        [("chr17", 200, 520, "TP53"), ("chr17", 600, 760, "MDM2"), ("chr17", 1150, 1350, "."),
         ("chr17", 500, 610, "TP53"), ("chr9", 50, 150, "OFF")],
    )  # fmt: skip
    return {
        "bam": bam,
        "vcf": vcf,
        "sites": sites,
        "targets": targets,
        "fasta": tmp_path / "ref.fa",
    }


def _paths(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return {table: folder / f"S1.{table}.tsv" for table in TABLES}


def _dataframe_path(options: CountOptions, paths: dict) -> None:
    tables = count_sample(options)
    io.write_counts(
        tables.sites, tables.targets, tables.background, tables.rejects, paths, tables.read_stats
    )


def _options(inputs: dict, **changes) -> CountOptions:
    given = {"bam": inputs["bam"], "sample": "S1", "targets": inputs["targets"]}
    given |= {"tumours": (("T1", inputs["vcf"]),), "sites": inputs["sites"]}
    return CountOptions(**(given | changes))


def _differing(left: dict, right: dict) -> list[str]:
    return [t for t in TABLES if not filecmp.cmp(left[t], right[t], shallow=False)]


@pytest.mark.parametrize("with_fasta", [False, True])
def test_rowwise_tables_are_the_dataframe_tables_byte_for_byte(inputs, tmp_path, with_fasta):
    options = _options(inputs, fasta=inputs["fasta"] if with_fasta else None)
    rowwise, dataframe = _paths(tmp_path / "rowwise"), _paths(tmp_path / "dataframe")
    count_rowwise.count_and_write(options, rowwise)
    _dataframe_path(options, dataframe)
    assert _differing(rowwise, dataframe) == []
    rejects = dataframe["rejects"].read_text()
    codes = ["contig_not_in_bam", "unsupported_allele", "duplicate_row", "site_outside_targets"]
    assert all(code in rejects for code in codes + ["ref_mismatch"] * with_fasta)
    site_rows = dataframe["sites"].read_text().splitlines()
    assert len(site_rows) == 1 + 7 - with_fasta  # the FASTA rejects the bad-REF list site
    assert {line.split("\t")[7] for line in site_rows[1:]} == {"snv", "deletion", "insertion"}
    alt_fragments = sorted(int(line.split("\t")[10]) for line in site_rows[1:])
    assert alt_fragments[-4:] == [3, 3, 5, 5]  # insertion, deletion, the SNV from VCF and list


def test_rowwise_tables_equal_without_sites_or_background(inputs, tmp_path):
    options = _options(inputs, sites=None, background=False, min_baseq=0)
    rowwise, dataframe = _paths(tmp_path / "rowwise"), _paths(tmp_path / "dataframe")
    count_rowwise.count_and_write(options, rowwise)
    _dataframe_path(options, dataframe)
    assert not rowwise["background"].exists() and not dataframe["background"].exists()
    assert _differing({**rowwise, "background": rowwise["sites"]},
                      {**dataframe, "background": dataframe["sites"]}) == []  # fmt: skip


def _argv(inputs: dict, folder: Path, sites: Path | None = None) -> list[str]:
    argv = ["--bam", str(inputs["bam"]), "--sample", "S1", "--tumour", f"T1={inputs['vcf']}"]
    argv += ["--targets", str(inputs["targets"]), "--sites", str(sites or inputs["sites"])]
    argv += ["--out-sites", str(folder / "S1.sites.tsv")]
    argv += ["--out-targets", str(folder / "S1.targets.tsv")]
    argv += ["--out-background", str(folder / "S1.background.tsv")]
    argv += ["--out-rejects", str(folder / "S1.rejects.tsv")]
    return argv + ["--out-read-stats", str(folder / "S1.read_stats.tsv")]


def test_command_loads_neither_numpy_nor_pandas(inputs, tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    heavy = ("numpy", "pandas", "pyarrow", "cyvcf2", "scipy")
    code = (
        "import sys; from ctdna.count_cli import count_main; "
        f"code = count_main({_argv(inputs, folder)!r}); "
        f"print(code, sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "0 []"
    dataframe = _paths(tmp_path / "dataframe")
    _dataframe_path(_options(inputs), dataframe)
    assert _differing(_paths(folder), dataframe) == []


def test_declined_input_is_counted_by_the_dataframe_path(inputs, tmp_path, capsys):
    quoted = tmp_path / "quoted.tsv"
    quoted.write_text(inputs["sites"].read_text().replace("LIST1", '"LIST1"'))
    folder = tmp_path / "run"
    folder.mkdir()
    assert count_main(_argv(inputs, folder, quoted)) == 0
    assert "row-wise counting declined (quoted.tsv" in capsys.readouterr().err
    dataframe = _paths(tmp_path / "dataframe")
    _dataframe_path(_options(inputs, sites=quoted), dataframe)
    assert _differing(_paths(folder), dataframe) == []


def test_input_error_keeps_the_dataframe_message(inputs, tmp_path, capsys):
    bad = tmp_path / "bad.tsv"
    bad.write_text("chrom\tpos\tref\talt\tgene\nchr17\t12x\tA\tC\tG1\n")
    folder = tmp_path / "run"
    folder.mkdir()
    assert count_main(_argv(inputs, folder, bad)) == 2
    assert "bad.tsv row 2, column pos: '12x' is not a 1-based position" in capsys.readouterr().err
    assert not list(folder.iterdir())


def test_large_territory_is_left_to_the_dataframe_path(inputs, tmp_path):
    wide = write_targets(tmp_path / "wide.bed", [("chr17", 0, count_rowwise.ROWWISE_MAX_BP + 1)])
    assert count_rowwise.use_rowwise(_options(inputs))
    assert not count_rowwise.use_rowwise(_options(inputs, targets=wide))


def test_quantile_is_numpys_linear_quantile():
    rng = random.Random(SEED)
    print("seed", SEED)
    for n in [1, 2, 3, 4, 5, 10, 101, 1000]:
        lengths = sorted(rng.randint(40, 600) for _ in range(n))
        for q in (0.25, 0.5, 0.75, 0.1, 0.9, 1 / 3):
            assert rowwise_counts.quantile(lengths, q) == float(np.quantile(lengths, q))


def test_reject_records_are_reject_table_rows_in_order():
    rng = random.Random(SEED)
    codes = ["contig_not_in_bam", "duplicate_row", "unsupported_allele", "ref_mismatch"]
    rejects = [
        reject(rng.choice(["ctdna", None]), rng.choice(["a.vcf", "b.tsv"]),
               rng.choice([None, 2, 10, 3]), rng.choice(codes),
               detail=rng.choice([None, "x", "chr1:5 A>C"]), column=rng.choice([None, "ALT"]))
        for _ in range(60)
    ]  # fmt: skip
    table = reject_table(rejects)
    expected = [[format_cell(v) for v in row] for row in table.itertuples(index=False)]
    records = reject_records(rejects)
    assert [[format_cell(v) for v in r.values()] for r in records] == expected
    assert len(records) < len(rejects)  # duplicates were drawn and dropped


def test_tumour_vcf_rows_are_cyvcf2s_on_two_samples_and_odd_values(tmp_path):
    """pysam rows (row-wise) equal cyvcf2 rows (ctdna.io): tumour column by name among two
    samples, AF missing or shorter than the ALTs (cyvcf2 pads to the widest sample), AD only,
    FILTER '.', PASS and other, ALT '.', a float32 AF."""
    header = [
        "##fileformat=VCFv4.2", "##contig=<ID=chr17,length=4000>",
        '##FILTER=<ID=q10,Description="low">',
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="depths">',
        '##FORMAT=<ID=AF,Number=A,Type=Float,Description="fraction">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNORMAL\tT1",
    ]  # fmt: skip
    records = [
        "chr17\t10\t.\tA\tC\t.\tPASS\t.\tAD:AF\t30,0:0\t20,10:0.3333333",
        "chr17\t20\t.\tA\tC,G\t.\t.\t.\tAD:AF\t30,0,0:0,0\t20,10,5:.",
        "chr17\t30\t.\tA\tC,G\t.\tq10\t.\tAD:AF\t30,1,1:0.1,0.2\t20,10:0.25",
        "chr17\t40\t.\tA\tT\t.\tPASS\t.\tAD\t30,0\t.,7",
        "chr17\t50\t.\tA\t.\t.\tPASS\t.\tAD\t30\t20",
        "chr17\t60\t.\tAC\tA,<DEL>\t.\tPASS\t.\tAF\t0,0\t0.5",
    ]
    plain = tmp_path / "two.vcf"
    plain.write_text("\n".join(header + records) + "\n")
    rows = rowwise_sites.read_tumour_vcf(plain, "T1")
    frame = io.read_tumour_vcf(plain, "T1")
    assert len(rows) == len(frame) == 8
    for row, expected in zip(rows, frame.to_dict("records"), strict=True):
        assert [format_cell(row[k]) for k in expected] == [
            format_cell(v) for v in expected.values()
        ]
