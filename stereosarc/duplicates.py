"""Repeated input rows, one rule for every stage (ihc long table, labs).

Rows sharing a key are one record when they agree: the first is kept and every other one
becomes a reject (code duplicate_row). Rows sharing a key that disagree are all rejected
(code conflicting_duplicate): which one is right cannot be told. Each stage words the detail.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from stereosarc.rejects import Reject, reject

# duplicates within this relative difference are the same value (a number typed twice and
# parsed through different units or binary rounding)
SAME_VALUE_RTOL = 1e-9


def same_values(values: pd.Series) -> bool:
    """True when every value equals the first one up to SAME_VALUE_RTOL (relative)."""
    return bool(np.isclose(values, values.iloc[0], rtol=SAME_VALUE_RTOL, atol=0).all())


def value_reject(stage: str, row: Any, code: str, detail: str) -> Reject:
    """The reject of the value of a repeated row (attributes source_file, source_row, patient)."""
    return reject(
        stage,
        row.source_file,
        row.source_row,
        code,
        detail=detail,
        column="value",
        patient=row.patient,
    )


def resolve_duplicates(
    rows: pd.DataFrame,
    keys: list[str],
    agree: Callable[[pd.DataFrame], bool],
    duplicate: Callable[[pd.Series, Any], Reject],
    conflicting: Callable[[pd.DataFrame, Any], Reject],
    dropna: bool = True,
) -> tuple[pd.DataFrame, list[Reject]]:
    """(the first row of every key group whose rows ``agree``, in key order, with the dtypes
    and index labels of ``rows``; rejects in key order): ``duplicate(first, row)`` for the
    other rows of such a group, ``conflicting(group, row)`` for every row of a group that does
    not agree. ``dropna`` as in pandas ``groupby``. Linear in the rows: only groups of two or
    more rows are visited one by one."""
    group_of = rows.groupby(keys, sort=True, dropna=dropna).ngroup().to_numpy()
    in_group = group_of >= 0
    sizes = np.bincount(group_of[in_group], minlength=1)
    single = in_group & (sizes[np.where(in_group, group_of, 0)] == 1)
    keep = list(np.flatnonzero(single))
    rejects: list[Reject] = []
    positions = np.flatnonzero(in_group & ~single)
    repeated = rows.iloc[positions].set_axis(positions)  # index: position in ``rows``
    for _, group in repeated.groupby(keys, sort=True, dropna=dropna):
        first = group.iloc[0]
        if agree(group):
            keep.append(group.index[0])
            rejects += [duplicate(first, r) for r in group.iloc[1:].itertuples(index=False)]
        else:
            rejects += [conflicting(group, r) for r in group.itertuples(index=False)]
    order = np.array(keep, dtype=int)
    order = order[np.argsort(group_of[order], kind="stable")]
    return rows.iloc[order], rejects
