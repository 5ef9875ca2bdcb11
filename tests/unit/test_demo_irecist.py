"""iRECIST columns of the demo clinical table (stereosarc.demo.irecist): they pass the
pre-flight checks, plant a few pseudo-progressions in the atezolizumab arm only, and leave
every RECIST column as it was (their draws come from a dedicated random stream)."""

from __future__ import annotations

import pandas as pd
import pytest

from outcome import endpoints
from stereosarc import table_checks
from stereosarc.demo.cohort import clinical_table, simulate_patients
from stereosarc.tables import ROW_COLUMN

SEED = 20240601


@pytest.fixture(scope="module")
def tables():
    print("seed", SEED)
    patients = simulate_patients(103, SEED)
    return clinical_table(patients), clinical_table(patients, SEED)


def _as_read(table: pd.DataFrame) -> pd.DataFrame:
    """As stereosarc.tables.read_table gives it: strings, None for empty, spreadsheet rows."""
    out = table.astype(object).where(table.notna(), None)
    out[ROW_COLUMN] = range(len(out))
    return out


def test_demo_irecist_columns_pass_preflight(tables):
    _, with_irecist = tables
    assert table_checks.check_clinical(_as_read(with_irecist), "clinical.csv") == []


def test_recist_columns_are_unchanged_by_the_irecist_stream(tables):
    plain, with_irecist = tables
    recist = [c for c in plain.columns if c != "best_response_irecist"]
    pd.testing.assert_frame_equal(plain[recist], with_irecist[recist])


def test_a_few_pseudoprogressions_in_the_atezolizumab_arm_only(tables):
    _, with_irecist = tables
    clinical = _as_read(with_irecist).assign(_file="clinical.csv", _row=range(2, 105))
    table, rejects = endpoints.derive(clinical)
    assert rejects == []
    counts = table.groupby("arm")["pseudoprogression"].sum()
    assert 2 <= counts["SBRT+atezolizumab"] <= 10 and counts["SBRT"] == 0
    assert table["ipfs_days"].isna().sum() == table["best_response_irecist"].isna().sum() >= 1


def test_ipfs_never_ends_before_recist_pfs_and_differs_only_after_a_reset(tables):
    """iUPD >= RECIST progression and iRECIST follow-up >= RECIST follow-up in the demo, so
    iPFS >= PFS; a patient whose iPFS differs from PFS had a pseudo-progression."""
    _, with_irecist = tables
    clinical = _as_read(with_irecist).assign(_file="clinical.csv", _row=range(2, 105))
    table, _ = endpoints.derive(clinical)
    known = table[table["ipfs_days"].notna()]
    assert (known["ipfs_days"] >= known["pfs_days"]).all()
    differs = known[
        (known["ipfs_days"] != known["pfs_days"]) | (known["ipfs_event"] != known["pfs_event"])
    ]
    assert len(differs) >= 1 and (differs["pseudoprogression"] == 1).all()
