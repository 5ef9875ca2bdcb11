"""ctdna-count start-up cost (issue 18; docs/benchmarks.md, "ctdna-count per task"): what a run
must not load, and the system htslib looked up once per process, not once per counted
region (each lookup runs ``ldconfig -p`` in a child process)."""

from __future__ import annotations

import ctypes.util
import os
import subprocess
import sys

import pytest

from ctdna import fragcore
from ctdna.count_cli import count_main
from tests.unit.test_ctdna_count_fixtures import (
    pair,
    write_bam,
    write_reference,
    write_targets,
    write_tumour_vcf,
)

NEVER = ("scipy", "matplotlib", "sklearn", "statsmodels", "lifelines", "jsonschema")  # cohort


@pytest.fixture()
def argv(tmp_path) -> list[str]:
    reference = write_reference(tmp_path / "ref.fa", length=1000)
    alt = "A" if reference[300] != "A" else "C"
    reads = [r for i in range(4) for r in pair(f"p{i}", 250 + i, 280, ("snv", 300, alt))]
    reads += [r for i in range(4) for r in pair(f"q{i}", 600 + i, 640)]
    bam = write_bam(tmp_path / "S1.bam", reference, reads)
    vcf = write_tumour_vcf(tmp_path / "T1.vcf.gz", [(301, reference[300], alt, "PASS", 0.4)])
    bed = write_targets(
        tmp_path / "targets.bed", [("chr17", 200, 400, "TP53"), ("chr17", 550, 750, "REF1")]
    )
    return [
        "--bam", str(bam), "--sample", "S1", "--tumour", f"T1={vcf}", "--targets", str(bed),
        "--out-sites", str(tmp_path / "S1.site_counts.tsv"),
        "--out-targets", str(tmp_path / "S1.target_depth.tsv"),
    ]  # fmt: skip


def _imported(argv: list[str], modules: tuple[str, ...]) -> str:
    code = (
        f"import sys; from ctdna.count_cli import count_main; code = count_main({argv!r}); "
        f"print(code, sorted(m for m in {modules!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def test_ctdna_count_run_imports_no_cohort_library_nor_package_metadata(argv):
    """A whole run loads none of the cohort stages' libraries (scipy, matplotlib, ...) and no
    importlib.metadata (only --versions-out needs it)."""
    assert _imported(argv, (*NEVER, "importlib.metadata")) == "0 []"


def test_versions_out_alone_loads_package_metadata(argv, tmp_path):
    versions = ["--versions-out", "CTDNA_COUNT", str(tmp_path / "versions.yml")]
    assert _imported(argv + versions, (*NEVER, "importlib.metadata")) == "0 ['importlib.metadata']"
    recorded = (tmp_path / "versions.yml").read_text()
    assert "pysam:" in recorded and "pandas:" not in recorded  # the row-wise path: no pandas


def test_system_htslib_is_looked_up_once_per_process(argv, monkeypatch):
    """One sample counts several regions (sites, every target, the read statistics), each
    through fragcore.core(): the dynamic linker cache is asked once."""
    calls = []
    original = ctypes.util.find_library

    def counted(name):
        calls.append(name)
        return original(name)

    monkeypatch.setattr(ctypes.util, "find_library", counted)
    monkeypatch.setenv(fragcore.ENVIRONMENT, "auto")
    fragcore.system_htslib.cache_clear()
    try:
        assert count_main(argv) == 0
        assert count_main(argv) == 0
    finally:
        fragcore.system_htslib.cache_clear()
    assert calls == ["hts"]


def test_ctdna_count_starts_one_openblas_thread(argv, tmp_path):
    """No OpenBLAS worker thread per core (they spin at start-up): the console script sets
    OPENBLAS_NUM_THREADS=1 before numpy loads unless the caller set it, so a run has as many
    threads as one told OPENBLAS_NUM_THREADS=1 and one fewer than one told 2. A grouped run
    (--manifest: the DataFrame path, which loads numpy)."""
    given = dict(zip(argv[::2], argv[1::2], strict=True))
    manifest = tmp_path / "group.tsv"
    manifest.write_text(f"sample\tbam\ttumours\nS1\t{given['--bam']}\t{given['--tumour']}\n")
    argv = [
        "--manifest",
        str(manifest),
        "--out-dir",
        str(tmp_path),
        "--targets",
        given["--targets"],
    ]
    code = (
        "import os, sys; from ctdna.count_cli import count_main; code = count_main(sys.argv[1:]); "
        "print(code, os.environ['OPENBLAS_NUM_THREADS'], len(os.listdir('/proc/self/task')))"
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}

    def run(**blas: str) -> list[str]:
        command = [sys.executable, "-c", code, *argv]
        done = subprocess.run(command, check=True, capture_output=True, text=True, env=env | blas)
        return done.stdout.split()

    default, one, two = run(), run(OPENBLAS_NUM_THREADS="1"), run(OPENBLAS_NUM_THREADS="2")
    assert default == one and default[:2] == ["0", "1"]
    assert two[:2] == ["0", "2"] and int(two[2]) == int(default[2]) + 1


def test_garbage_collection_is_on_again_after_the_imports():
    """The console script loads its modules with the cyclic collector off (start-up cost)
    and turns it back on for the counting."""
    code = "import gc; import ctdna.count_cli; print(gc.isenabled(), gc.get_freeze_count() > 0)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.split() == ["True", "True"]
