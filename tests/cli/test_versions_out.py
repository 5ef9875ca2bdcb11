"""--versions-out PROCESS FILE (stereosarc/clikit.py, every console script): the Nextflow
process's versions.yml written by the command itself, with the htslib versions actually loaded
into it checked against bcftools (the system libhts) and pysam (its bundled libchtslib)."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import pysam

from tests.conftest import require_tool
from tests.unit.test_tmb_fixtures import csq, record, write_bed, write_vcf

BIN = Path(sys.executable).parent


def versions_of(path: Path) -> tuple[str, dict[str, str]]:
    """The process key and the tool: version lines of a one-process versions.yml."""
    head, *lines = path.read_text(encoding="utf-8").splitlines()
    pairs = (re.fullmatch(r'  ([\w.-]+): "(.*)"', line).groups() for line in lines)
    return head, dict(pairs)


def tmb_calc(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    missense = record(
        100, "A", "C", "CSQ=" + csq("C", "missense_variant"), sample="0/1:90,10:100:0.1"
    )
    vcf = write_vcf(tmp_path / "t.vcf", [missense])
    bed = write_bed(tmp_path / "panel.bed", [("chr1", 0, 1_000_000)])
    return subprocess.run(
        [
            str(BIN / "tmb-calc"),
            "--vcf",
            str(vcf),
            "--sample",
            "T1",
            "--patient",
            "P01",
            "--panel-bed",
            str(bed),
            "--panel-is-coding",
            "--allow-empty-fields",
            "--out-summary",
            str(tmp_path / "s.tsv"),
            "--out-trace",
            str(tmp_path / "t.tsv"),
            *extra,
        ],
        capture_output=True,
        text=True,
    )


def test_versions_written_by_the_command_itself_with_every_loaded_htslib(tmp_path):
    result = tmb_calc(tmp_path, "--versions-out", "STEREOSARC:TMB", str(tmp_path / "versions.yml"))
    assert result.returncode == 0, result.stderr
    key, versions = versions_of(tmp_path / "versions.yml")
    assert key == '"STEREOSARC:TMB":'
    assert versions["stereosarc-biomarkers"] == importlib.metadata.version("stereosarc-biomarkers")
    # only what this process imported: a panel-sized VCF is read without numpy or cyvcf2
    # (docs/tmb.md, "Start-up"), matplotlib is never imported
    assert not {"cyvcf2", "numpy", "matplotlib"} & set(versions)
    htslibs = dict(re.findall(r"(\S+) \((\S+)\)", versions["htslib"]))
    by_library = {library: version for version, library in htslibs.items()}
    pysam_lib = Path(pysam.libchtslib.__file__).name
    if pysam_lib in by_library:
        assert by_library[pysam_lib] == pysam.version.__htslib_version__
    system = [library for library in by_library if library.startswith("libhts.so")]
    assert system or pysam_lib in by_library, versions["htslib"]  # the reader's htslib is listed
    if system:
        bcftools = subprocess.run(
            [require_tool("bcftools"), "--version"], capture_output=True, text=True, check=True
        ).stdout
        assert f"Using htslib {by_library[system[0]]}" in bcftools.splitlines()


def test_no_versions_file_when_the_command_fails(tmp_path):
    result = tmb_calc(
        tmp_path,
        "--versions-out",
        "STEREOSARC:TMB",
        str(tmp_path / "versions.yml"),
        "--min-vaf",
        "2",
    )
    assert result.returncode != 0
    assert not (tmp_path / "versions.yml").exists()
