"""Tables of the report built from the result tables (pure: DataFrames in, DataFrames out);
outcome.report renders them.

- ``primary_tables(primary)``: from primary_endpoint.tsv, the primary analysis block (ITT,
  the primary censoring rule: per-arm KM rates, the tested difference, the binary version,
  follow-up) and the sensitivity table (the tested KM-rate difference per population and
  censoring rule).
"""

from __future__ import annotations

import pandas as pd

PRIMARY_SHOWN = ["population", "censoring", "analysis", "group", "n", "events", "estimate",
                 "se", "ci_low", "ci_high", "ci_level", "statistic", "p_value", "sided", "alpha",
                 "reject_null", "note"]  # primary_endpoint.tsv columns shown in the report


def primary_tables(primary: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(primary analysis block, sensitivity table) of primary_endpoint.tsv."""
    shown = [c for c in PRIMARY_SHOWN if c in primary]
    flagged = primary[primary["primary"] == 1]
    rule = flagged["censoring"].iloc[0] if len(flagged) else "standard"
    main = primary[(primary["population"] == "itt") & (primary["censoring"] == rule)]
    tested = primary["analysis"].eq("km_rate_difference") & (
        primary["p_value"].notna() | primary["estimate"].isna())
    return main[shown], primary[tested][shown]
