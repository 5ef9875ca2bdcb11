"""Demo cohorts shared by the pipeline tests, generated once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pipeline.nf import generate_demo

SMALL_COHORT = ["--patients", "12", "--pon", "3"]  # enough for every stage, fast on 2 cores


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory) -> Path:
    """A 12-patient demo cohort; tests must not modify it."""
    return generate_demo(tmp_path_factory.mktemp("small_demo") / "demo_data", *SMALL_COHORT)
