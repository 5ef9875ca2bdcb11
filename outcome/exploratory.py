"""Exploratory rows of associations.tsv (family ``exploratory``; no confirmatory claim, not
multiplicity-adjusted): data-driven cut-points (maximally selected log-rank, outcome.survival),
the time-varying Cox model of ctDNA status (outcome.timevarying) and the elastic-net Cox
selection frequencies (outcome.survival). Method: docs/statistics.md.
"""

from __future__ import annotations

import pandas as pd

from outcome import cutpoints, elastic_net, survival, timevarying
from outcome.family import STRATA, baseline_markers, estimate_fields, row, row_fields, transform


def maxstat_row(frame, column, settings) -> dict:
    """Data-driven cut-point (maximally selected log-rank, Lausen–Schumacher adjusted p)."""
    data = frame[["pfs_days", "pfs_event"]].assign(x=pd.to_numeric(frame[column])).dropna()
    base = row_fields(
        "exploratory", column, "pfs", "maxstat_logrank", "cutpoint", data, "pfs_event"
    )
    if len(data) < settings.min_n or data["x"].nunique() < 2 or data["pfs_event"].sum() == 0:
        return row(**base, note="not tested: fewer than min_n patients, one value or no events")
    result = cutpoints.maxstat_cutpoint(data["pfs_days"], data["pfs_event"], data["x"])
    return row(
        **base,
        estimate=result["cutpoint"],
        statistic=result["statistic"],
        p_value=result["p_value"],
        note=f"group x > cut-point; {result['n_cuts']} "
        "candidate cuts in the 10-90 % quantiles; Lausen-Schumacher 1992 adjusted p",
    )


def time_varying_row(frame: pd.DataFrame, ctdna: pd.DataFrame | None, settings) -> dict:
    """Time-varying Cox of ctDNA status changing at the plasma sample dates (outcome.timevarying);
    needs collection_date in ctdna.tsv and start_date in biomarkers.tsv."""
    base = dict(
        family="exploratory",
        biomarker="ctdna_detected",
        endpoint="pfs",
        method="cox_time_varying",
        transform="none",
        estimate_type="HR",
        ci_level=settings.level,
    )
    why = None
    if ctdna is None:
        why = "no ctdna.tsv given"
    elif "collection_date" not in ctdna or ctdna["collection_date"].isna().all():
        why = "ctdna.tsv has no collection_date"
    elif "detected" not in ctdna:
        why = "ctdna.tsv has no detected column"
    elif "start_date" not in frame or frame["start_date"].isna().all():
        why = "biomarkers.tsv has no start_date to place sample dates on the PFS clock"
    if why:
        return row(**base, note=f"skipped: {why}")
    patients = frame[["patient", "pfs_days", "pfs_event", *STRATA]].dropna()
    intervals, counts = timevarying.counting_process(
        patients, timevarying.sample_days(ctdna, frame)
    )
    events = int(intervals["event"].sum()) if len(intervals) else 0
    n = int(intervals["patient"].nunique()) if len(intervals) else 0
    base |= dict(
        n=n, n_missing=int(len(patients) - n), events=events, events_per_variable=float(events)
    )
    note = timevarying.usage_note(counts)
    refusal = timevarying.refusal(intervals, settings.min_n, settings.min_events_per_variable)
    if refusal:
        return row(**base, note=f"not fitted: {refusal}; {note}")
    fit = timevarying.fit_time_varying(intervals, list(STRATA), settings.level)
    if not fit["se"] <= survival.UNSTABLE_SE:
        return row(
            **base,
            note=f"not fitted: unstable, SE of log HR {fit['se']:.3g} > "
            f"{survival.UNSTABLE_SE:g} (near-separation); {note}",
        )
    return row(
        **base,
        **estimate_fields(fit),
        note=note,
    )


def elastic_net_rows(frame, settings) -> list[dict]:
    """Selection frequency of each continuous marker in a penalised Cox model (no p)."""
    columns = {
        m.column: transform(frame[m.column], m.transform)[0]
        for m in baseline_markers(frame.columns)
        if m.kind == "continuous" and frame[m.column].isna().mean() <= settings.enet_max_missing
    }
    data = pd.DataFrame(columns).assign(t=frame["pfs_days"], e=frame["pfs_event"]).dropna()
    data = data.loc[:, data.nunique() > 1]
    markers = [c for c in data.columns if c not in ("t", "e")]
    base = dict(
        family="exploratory",
        endpoint="pfs",
        method="elastic_net_cox",
        estimate_type="selection_frequency",
        n=len(data),
        transform="standardised",
    )
    if (
        settings.enet_repeats < 1
        or len(markers) < 2
        or len(data) < settings.min_n
        or data.get("e", pd.Series(dtype=float)).sum() < settings.min_events_per_variable
    ):
        return [
            row(
                **base,
                biomarker="continuous markers",
                note="not fitted: disabled, "
                "fewer than 2 markers, min_n complete cases or min_events events",
            )
        ]
    x = data[markers].to_numpy(float)
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    result = elastic_net.cv_elastic_net(
        x, data["t"].to_numpy(), data["e"].to_numpy(), settings.seed, settings.enet_repeats
    )
    note = (
        f"alpha {elastic_net.ENET_ALPHA}, {settings.enet_repeats} x 5-fold CV, median lambda "
        f"{result['median_lambda'].iloc[0]:.3g}; median coefficient per SD of the "
        f"transformed marker {{:.3g}}; complete cases; no p-value (selection)"
    )
    return [
        row(
            **base,
            biomarker=name,
            events=int(data["e"].sum()),
            estimate=marker.selection_frequency,
            note=note.format(marker.median_coef),
        )
        for name, marker in zip(markers, result.itertuples(index=False))
    ]
