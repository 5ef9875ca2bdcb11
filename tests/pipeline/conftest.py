"""Demo cohorts and runs shared by the pipeline tests, made once per test session, and the order
in which the pipeline modules run (longest first, before every other layer)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pipeline.nf import demo_params, generate_demo, nextflow

SMALL_COHORT = ["--patients", "12", "--pon", "3"]  # enough for every stage, fast on 2 cores
# Pipeline modules, longest first (docs/development.md, "Test suite time"): with
# `make test` (pytest-xdist, --dist loadscope --no-loadscope-reorder) the two workers start on
# the longest modules, and the many short unit modules fill the end; a plain run is unchanged
# but for this order.
LONGEST_FIRST = (
    "test_demo_pipeline.py",
    "test_batches.py",
    "test_faults.py",
    "test_container.py",
    "test_slurm.py",
    "test_preflight.py",
    "test_stub.py",
    "test_ihc_batches.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Pipeline modules first, in LONGEST_FIRST order, then the rest in collection order."""

    def rank(item: pytest.Item) -> int:
        path = Path(str(item.fspath))
        if path.parent.name != "pipeline" or path.parent.parent.name != "tests":
            return len(LONGEST_FIRST) + 1
        if path.name in LONGEST_FIRST:
            return LONGEST_FIRST.index(path.name)
        return len(LONGEST_FIRST)  # a new pipeline module: after the known ones

    items.sort(key=rank)  # stable: the order inside each module and layer is kept


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory) -> Path:
    """A 12-patient demo cohort; tests must not modify it."""
    return generate_demo(tmp_path_factory.mktemp("small_demo") / "demo_data", *SMALL_COHORT)


@pytest.fixture(scope="session")
def tiny_reference_run(tiny_demo, tmp_path_factory) -> Path:
    """cohort/ of one uninterrupted run on the 3-patient demo (default parameters): the
    reference every fault run (tests/pipeline/test_faults.py) is compared with, byte for byte."""
    launch = tmp_path_factory.mktemp("tiny_reference")
    result = nextflow(launch, *demo_params(tiny_demo), "--outdir", str(launch / "results"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return launch / "results" / "cohort"
