"""Per-sample tables of one schema stacked into a cohort table (stereosarc-collect)."""

from __future__ import annotations

import pandas as pd

from stereosarc import tables


def collect_tables(frames: list[pd.DataFrame], schema: str, sort_by: list[str]) -> pd.DataFrame:
    """The non-empty ``frames`` stacked, sorted by the ``sort_by`` columns present (stable,
    missing first); columns: the schema's required ones, then the others in order seen."""
    frames = [frame for frame in frames if not frame.empty]
    required = tables.load_schema(schema).get("required", [])
    columns = list(dict.fromkeys([*required, *[c for f in frames for c in f.columns]]))
    combined = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    keys = [k for k in sort_by if k in combined.columns]
    if keys and not combined.empty:
        combined = combined.sort_values(keys, kind="mergesort", na_position="first")
    return combined.reindex(columns=columns)
