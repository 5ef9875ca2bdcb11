"""The family of association analyses over the per-patient biomarker table.

For every baseline biomarker (continuous on its documented scale, and each pre-specified
dichotomy) against PFS and objective response:

- PFS: Cox model stratified by histology and line (randomisation strata), HR per transform
  unit; biomarker × arm interaction (Wald p of the product term in a stratified model with
  biomarker, arm and product: predictive vs prognostic); Schoenfeld PH test; Harrell's C;
  events per variable; for dichotomies also the stratified log-rank test and KM curves.
- Response: Fisher's exact test (dichotomies) or logistic regression / Firth (continuous),
  ROC AUC with a bootstrap interval; ORR per group with Clopper–Pearson intervals.
- Primary comparison (family ``primary``, not adjusted): arm, on PFS and response, and the
  6-month PFS rate per arm (KM).
- Month-6 ctDNA: landmark analysis (outcome.landmark). Relapse ctDNA: descriptive only.
- BH q-values across the ``biomarker`` family (outcome.multiplicity).

Models that cannot be estimated give a row with the reason in ``note``, never a crash.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from outcome import landmark, multiplicity, response, survival, timevarying

LOG = logging.getLogger("outcome.associations")
ARM_REFERENCE = "SBRT"  # control arm (protocol); HR/OR of the arm are atezolizumab vs SBRT
ARM_EXPERIMENTAL = "SBRT+atezolizumab"
STRATA = ("histology", "line")  # randomisation strata (protocol, DESIGN.md)

# Continuous markers analysed at baseline with their transform (issue 7: log2 for TMB,
# ctDNA, NLR, CRP; per SD for densities). Others follow the same logic (skewed -> log2).
CONTINUOUS = {
    "tmb": "log2", "ctdna_baseline_tf": "log2", "nlr": "log2", "plr": "log2",
    "crp_mg_l": "log2", "car": "log2", "albumin_g_l": "per_sd", "cps": "log2", "tps": "log2",
    "cd3_density": "per_sd", "cd8_density": "per_sd", "foxp3_density": "per_sd",
    "cd8_foxp3_ratio": "log2",
}
BINARY_FIXED = ("tmb_high", "ctdna_baseline_detected")  # dichotomies without a _ge_ suffix
LANDMARK_MARKERS = {"ctdna_month6_detected": "binary", "ctdna_month6_tf": "log2"}
DESCRIPTIVE_ONLY = ("ctdna_relapse_detected",)  # relapse samples: after the event (issue 7)


@dataclass(frozen=True)
class Marker:
    """A biomarker column, its kind (continuous/binary) and its transform."""

    column: str
    kind: str
    transform: str


def baseline_markers(columns) -> list[Marker]:
    """Baseline biomarkers present in ``columns``: continuous, then binary dichotomies."""
    columns = list(columns)
    markers = [Marker(c, "continuous", t) for c, t in CONTINUOUS.items() if c in columns]
    binary = [c for c in BINARY_FIXED if c in columns]
    binary += sorted(c for c in columns if "_ge_" in c)
    return markers + [Marker(c, "binary", "none") for c in binary]


def transform(values: pd.Series, how: str) -> tuple[pd.Series, str]:
    """Transformed values and a label of the transform used (NA stays NA)."""
    values = pd.to_numeric(values, errors="coerce").astype(float)
    present = values.dropna()
    if how == "per_sd":
        sd = present.std(ddof=1)
        if not np.isfinite(sd) or sd == 0:
            return values * np.nan, "per SD (SD zero or not computable)"
        return (values - present.mean()) / sd, f"per SD ({sd:.4g})"
    if how == "log2":
        if (present < 0).any():
            return values * np.nan, "log2 (negative values: not computable)"
        positive = present[present > 0]
        if len(positive) == len(present):
            return np.log2(values), "log2"
        if positive.empty:
            return values * np.nan, "log2 (no positive value)"
        offset = positive.min() / 2
        return np.log2(values + offset), f"log2(x + {offset:.4g})"
    return values, "none"


COLUMNS = ["family", "biomarker", "endpoint", "method", "transform", "group", "estimate_type",
           "n", "n_missing", "events", "estimate", "ci_low", "ci_high", "ci_level",
           "statistic", "df", "p_value", "q_value", "interaction_p", "ph_p", "c_index",
           "events_per_variable", "note"]
KM_COLUMNS = ["endpoint", "curve", "group", "time", "n_risk", "n_event", "n_censor", "surv",
              "ci_low", "ci_high"]
PFS_HORIZON_DAYS = 182.625  # 6 months = 365.25 / 2 days: DESIGN.md pfs_6m horizon
SEED = 20240601  # project default seed (docs/development.md)


@dataclass
class Settings:
    """Parameters of the analysis family (defaults and sources: module constants)."""

    seed: int = SEED
    level: float = survival.CI_LEVEL
    min_n: int = survival.MIN_N
    min_events_per_variable: float = survival.MIN_EVENTS_PER_VARIABLE
    landmark_days: float = landmark.LANDMARK_DAYS
    pfs_horizon_days: float = PFS_HORIZON_DAYS
    n_bootstrap: int = response.N_BOOTSTRAP
    enet_repeats: int = 10  # repeats of 5-fold CV of the elastic net, 0: off (assumption)
    enet_max_missing: float = 0.3  # markers missing in > 30 % left out of it (assumption)


def prepare(biomarkers: pd.DataFrame) -> pd.DataFrame:
    """Numeric endpoints, ``arm_experimental`` (1 = SBRT+atezolizumab), strata as strings."""
    frame = biomarkers.copy()
    for column in ("pfs_days", "pfs_event", "objective_response", "os_days", "os_event"):
        if column in frame:
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    frame["arm_experimental"] = (frame["arm"] == ARM_EXPERIMENTAL).astype(float)
    frame.loc[frame["arm"].isna(), "arm_experimental"] = np.nan
    for column in STRATA:
        frame[column] = frame[column].astype("string")
    return frame


def _row(**values) -> dict:
    row = dict.fromkeys(COLUMNS, np.nan)
    row.update(values)
    return row


def _pfs_data(frame: pd.DataFrame, x: pd.Series) -> pd.DataFrame:
    data = frame[["pfs_days", "pfs_event", "arm_experimental", *STRATA]].copy()
    data["x"] = x
    return data.dropna()


def _interaction_p(data: pd.DataFrame, settings: Settings) -> tuple[float, str]:
    """Wald p of biomarker × arm in a stratified Cox model (NA with a reason if refused)."""
    data = data.assign(x_arm=data["x"] * data["arm_experimental"])
    refusal = survival.cox_refusal(data, "pfs_days", "pfs_event", "x", 3, settings.min_n,
                                   settings.min_events_per_variable)
    if refusal is None and data["arm_experimental"].nunique() < 2:
        refusal = "one arm only"
    if refusal:
        return np.nan, f"interaction not tested: {refusal}"
    fit = survival.fit_cox(data, "pfs_days", "pfs_event", ["x", "arm_experimental", "x_arm"],
                           list(STRATA), settings.level, ph_test=False)
    return float(fit.summary.loc["x_arm", "p_value"]), ""


def cox_row(frame, x, biomarker, label, settings, family="biomarker",
            method="cox_stratified", interaction=True, note="") -> dict:
    """Stratified Cox HR of ``x`` on PFS, with interaction, PH and C (or the refusal)."""
    data = _pfs_data(frame, x)
    base = dict(family=family, biomarker=biomarker, endpoint="pfs", method=method,
                transform=label, estimate_type="HR", n=len(data),
                n_missing=int(frame["pfs_days"].notna().sum() - len(data)),
                events=int(data["pfs_event"].sum()), ci_level=settings.level,
                events_per_variable=float(data["pfs_event"].sum()), note=note)
    refusal = survival.cox_refusal(data, "pfs_days", "pfs_event", "x", 1, settings.min_n,
                                   settings.min_events_per_variable)
    if refusal:
        return _row(**base | {"note": "; ".join(filter(None, [note, f"not fitted: {refusal}"]))})
    fit = survival.fit_cox(data, "pfs_days", "pfs_event", ["x"], list(STRATA), settings.level)
    term = fit.summary.loc["x"]
    if not term["se"] <= survival.UNSTABLE_SE:
        return _row(**base | {"note": "; ".join(filter(None, [note, (
            f"not fitted: unstable, SE of log HR {term['se']:.3g} > "
            f"{survival.UNSTABLE_SE:g} (near-separation)")]))})
    interaction_p, why = _interaction_p(data, settings) if interaction else (np.nan, "")
    return _row(**base | {"note": "; ".join(filter(None, [note, why]))},
                estimate=term["hr"], ci_low=term["ci_low"], ci_high=term["ci_high"],
                p_value=term["p_value"], interaction_p=interaction_p, ph_p=fit.ph_p,
                c_index=fit.c_index)


def logrank_row(frame, x, biomarker, settings, family="supportive", note="") -> dict:
    """Log-rank test of a dichotomy, stratified by histology and line."""
    data = _pfs_data(frame, x)
    base = dict(family=family, biomarker=biomarker, endpoint="pfs",
                method="logrank_stratified", transform="none", estimate_type="chisq",
                n=len(data), events=int(data["pfs_event"].sum()), note=note)
    if len(data) < settings.min_n or data["x"].nunique() < 2 or data["pfs_event"].sum() == 0:
        return _row(**base | {"note": "; ".join(filter(None, [
            note, "not tested: fewer than min_n patients, one group or no events"]))})
    test = survival.logrank(data["pfs_days"], data["pfs_event"], data["x"],
                            data["histology"] + "/" + data["line"])
    return _row(**base, statistic=test.chisq, df=test.df, p_value=test.p_value)


def km_rows(frame, x, curve, groups: dict, settings, duration="pfs_days", event="pfs_event"):
    """KM curve rows (km.tsv) and per-group median / 6-month rate rows (associations)."""
    curves, summaries = [], []
    for value, label in groups.items():
        data = frame[(x == value) & frame[duration].notna() & frame[event].notna()]
        if data.empty:
            continue
        table = survival.km_table(data[duration], data[event], settings.level)
        start = pd.DataFrame([{"time": 0.0, "n_risk": len(data), "n_event": 0, "n_censor": 0,
                               "surv": 1.0, "ci_low": 1.0, "ci_high": 1.0}])
        curves.append(pd.concat([start, table], ignore_index=True).assign(
            endpoint="pfs", curve=curve, group=label))
        common = dict(family="descriptive", biomarker=curve, endpoint="pfs", method="km",
                      transform="none", group=label, n=len(data),
                      events=int(data[event].sum()), ci_level=settings.level)
        median = survival.km_median(table)
        rate = survival.km_at(table, settings.pfs_horizon_days)
        summaries.append(_row(**common, estimate_type="median_days", estimate=median[0],
                              ci_low=median[1], ci_high=median[2]))
        summaries.append(_row(**common, estimate_type=f"surv_{settings.pfs_horizon_days:g}d",
                              estimate=rate[0], ci_low=rate[1], ci_high=rate[2]))
    curves = pd.concat(curves, ignore_index=True) if curves else pd.DataFrame()
    return curves.reindex(columns=KM_COLUMNS), summaries


def _response_data(frame, x):
    data = pd.DataFrame({"x": x, "y": frame["objective_response"]}).dropna()
    return data, int(frame["objective_response"].notna().sum() - len(data))


def orr_rows(frame, x, biomarker, groups: dict, settings) -> list[dict]:
    """ORR (responders / evaluable) per group with Clopper–Pearson intervals."""
    data, _ = _response_data(frame, x)
    rows = []
    for value, label in groups.items():
        y = data.loc[data["x"] == value, "y"]
        rate = response.clopper_pearson(int(y.sum()), len(y), settings.level)
        rows.append(_row(family="descriptive", biomarker=biomarker, endpoint="objective_response",
                         method="clopper_pearson", transform="none", group=label,
                         estimate_type="ORR", n=len(y), events=int(y.sum()), estimate=rate[0],
                         ci_low=rate[1], ci_high=rate[2], ci_level=settings.level))
    return rows


def fisher_row(frame, x, biomarker, settings, family="biomarker") -> dict:
    """Fisher's exact test of a dichotomy vs response; conditional MLE odds ratio."""
    data, missing = _response_data(frame, x)
    base = dict(family=family, biomarker=biomarker, endpoint="objective_response",
                method="fisher_exact", transform="none", estimate_type="OR", n=len(data),
                n_missing=missing, events=int(data["y"].sum()), ci_level=settings.level)
    if len(data) < settings.min_n or data["x"].nunique() < 2 or data["y"].nunique() < 2:
        return _row(**base, note="not tested: fewer than min_n patients or a single "
                                 "value of biomarker or response")
    a = int(((data.x == 1) & (data.y == 1)).sum())
    b = int(((data.x == 1) & (data.y == 0)).sum())
    c = int(((data.x == 0) & (data.y == 1)).sum())
    d = int(((data.x == 0) & (data.y == 0)).sum())
    result = response.fisher_exact(a, b, c, d, settings.level)
    return _row(**base, **result, note=f"table [[{a}, {b}], [{c}, {d}]] (rows marker 1/0, "
                                       f"columns response 1/0)")


def continuous_response_rows(frame, x, biomarker, label, settings) -> list[dict]:
    """Logistic (or Firth) OR per transform unit, and ROC AUC with a bootstrap CI."""
    data, missing = _response_data(frame, x)
    base = dict(biomarker=biomarker, endpoint="objective_response", transform=label,
                n=len(data), n_missing=missing, events=int(data["y"].sum()),
                ci_level=settings.level)
    minority = int(min(data["y"].sum(), len(data) - data["y"].sum())) if len(data) else 0
    if len(data) < settings.min_n or data["x"].nunique() < 2 or minority == 0:
        why = "not fitted: fewer than min_n patients or a single value of biomarker or response"
        return [_row(**base, family="biomarker", method="logistic", estimate_type="OR",
                     note=why),
                _row(**base, family="exploratory", method="roc_auc", estimate_type="AUC",
                     note=why)]
    note = "" if minority >= settings.min_events_per_variable else (
        f"events per variable {minority} < {settings.min_events_per_variable:g}: unstable")
    fit = response.logistic(data["x"], data["y"], settings.level)
    roc = response.auc_bootstrap(data["x"], data["y"], settings.seed, settings.n_bootstrap,
                                 settings.level)
    return [_row(**base, family="biomarker", estimate_type="OR", events_per_variable=minority,
                 note=note, **fit),
            _row(**base, family="exploratory", method="roc_auc", estimate_type="AUC",
                 estimate=roc["estimate"], ci_low=roc["ci_low"], ci_high=roc["ci_high"],
                 p_value=roc["p_value"], note=f"p: Wilcoxon rank-sum; CI: percentile "
                 f"bootstrap, {roc['n_boot_valid']} resamples, seed {settings.seed}")]


def maxstat_row(frame, column, settings) -> dict:
    """Data-driven cut-point (maximally selected log-rank, Lausen–Schumacher adjusted p)."""
    data = frame[["pfs_days", "pfs_event"]].assign(x=pd.to_numeric(frame[column])).dropna()
    base = dict(family="exploratory", biomarker=column, endpoint="pfs",
                method="maxstat_logrank", transform="none", estimate_type="cutpoint",
                n=len(data), events=int(data["pfs_event"].sum()))
    if len(data) < settings.min_n or data["x"].nunique() < 2 or data["pfs_event"].sum() == 0:
        return _row(**base, note="not tested: fewer than min_n patients, one value or no events")
    result = survival.maxstat_cutpoint(data["pfs_days"], data["pfs_event"], data["x"])
    return _row(**base, estimate=result["cutpoint"], statistic=result["statistic"],
                p_value=result["p_value"], note=f"group x > cut-point; {result['n_cuts']} "
                "candidate cuts in the 10-90 % quantiles; Lausen-Schumacher 1992 adjusted p")


def marker_rows(frame, marker: Marker, settings, km: list) -> list[dict]:
    """Every row of one baseline biomarker (PFS and response)."""
    if frame[marker.column].isna().all():
        return [_row(family="biomarker", biomarker=marker.column, endpoint=endpoint,
                     method="not_analysed", n=0, n_missing=len(frame), note="not tested: no "
                     "value in biomarkers.tsv (its input was absent or not evaluable)")
                for endpoint in ("pfs", "objective_response")]
    x, label = transform(frame[marker.column], marker.transform)
    if marker.kind == "continuous":
        return [cox_row(frame, x, marker.column, label, settings),
                maxstat_row(frame, marker.column, settings),
                *continuous_response_rows(frame, x, marker.column, label, settings)]
    groups = {1.0: f"{marker.column} = 1", 0.0: f"{marker.column} = 0"}
    curves, summaries = km_rows(frame, x, marker.column, groups, settings)
    km.append(curves)
    return [cox_row(frame, x, marker.column, "none", settings),
            logrank_row(frame, x, marker.column, settings), *summaries,
            fisher_row(frame, x, marker.column, settings),
            *orr_rows(frame, x, marker.column, groups, settings)]


def primary_rows(frame, settings, km: list) -> list[dict]:
    """Arm comparison (atezolizumab vs SBRT): stratified Cox, log-rank, KM, ORR, Fisher."""
    x = frame["arm_experimental"]
    groups = {1.0: ARM_EXPERIMENTAL, 0.0: ARM_REFERENCE}
    curves, summaries = km_rows(frame, x, "arm", groups, settings)
    km.append(curves)
    return [cox_row(frame, x, "arm", f"{ARM_EXPERIMENTAL} vs {ARM_REFERENCE}", settings,
                    family="primary", interaction=False),
            logrank_row(frame, x, "arm", settings, family="primary"), *summaries,
            fisher_row(frame, x, "arm", settings, family="primary"),
            *orr_rows(frame, x, "arm", groups, settings)]


def landmark_rows(frame, settings, km: list) -> list[dict]:
    """Month-6 ctDNA at the 6-month landmark (clock restarted; exclusions in ``note``)."""
    rows = []
    for column, how in LANDMARK_MARKERS.items():
        if column not in frame:
            continue
        cohort, exclusions = landmark.landmark_cohort(frame, column, settings.landmark_days)
        note = landmark.exclusion_note(exclusions, settings.landmark_days)
        x, label = transform(cohort[column], "none" if how == "binary" else how)
        rows.append(cox_row(cohort, x, column, label, settings, method="cox_landmark",
                            note=note))
        if how == "binary":
            rows.append(logrank_row(cohort, x, column, settings, note=note))
            curves, summaries = km_rows(cohort, x, f"{column} (landmark)",
                                        {1.0: f"{column} = 1", 0.0: f"{column} = 0"}, settings)
            km.append(curves)
            rows += summaries
    return rows


def time_varying_row(frame: pd.DataFrame, ctdna: pd.DataFrame | None, settings) -> dict:
    """Time-varying Cox of ctDNA status: needs sample dates and each patient's start date."""
    base = dict(family="exploratory", biomarker="ctdna_detected", endpoint="pfs",
                method="cox_time_varying", estimate_type="HR", ci_level=settings.level)
    why = None
    if ctdna is None:
        why = "no ctdna.tsv given"
    elif "collection_date" not in ctdna or ctdna["collection_date"].isna().all():
        why = "ctdna.tsv has no collection_date"
    elif "start_date" not in frame:
        why = "biomarkers.tsv has no start_date to place sample dates on the PFS clock"
    if why:
        return _row(**base, note=f"skipped: {why}")
    patients = frame[["patient", "pfs_days", "pfs_event", *STRATA]].dropna()
    intervals, counts = timevarying.counting_process(
        patients, timevarying.sample_days(ctdna, frame))
    events = int(intervals["event"].sum()) if len(intervals) else 0
    n = int(intervals["patient"].nunique()) if len(intervals) else 0
    note = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items())
    if n < settings.min_n or events < settings.min_events_per_variable \
            or intervals["detected"].nunique() < 2:
        return _row(**base, n=n, events=events, note=f"not fitted: n = {n}, {events} events "
                    f"or a single ctDNA status; {note}")
    fit = timevarying.fit_time_varying(intervals, list(STRATA), settings.level)
    return _row(**base, n=n, events=events, estimate=fit["estimate"], ci_low=fit["ci_low"],
                ci_high=fit["ci_high"], p_value=fit["p_value"], note=note)


def elastic_net_rows(frame, settings) -> list[dict]:
    """Selection frequency of each continuous marker in a penalised Cox model (no p)."""
    columns = {m.column: transform(frame[m.column], m.transform)[0]
               for m in baseline_markers(frame.columns) if m.kind == "continuous"
               and frame[m.column].isna().mean() <= settings.enet_max_missing}
    data = pd.DataFrame(columns).assign(t=frame["pfs_days"], e=frame["pfs_event"]).dropna()
    data = data.loc[:, data.nunique() > 1]
    markers = [c for c in data.columns if c not in ("t", "e")]
    base = dict(family="exploratory", endpoint="pfs", method="elastic_net_cox",
                estimate_type="selection_frequency", n=len(data), transform="standardised")
    if settings.enet_repeats < 1 or len(markers) < 2 or len(data) < settings.min_n \
            or data.get("e", pd.Series(dtype=float)).sum() < settings.min_events_per_variable:
        return [_row(**base, biomarker="continuous markers", note="not fitted: disabled, "
                     "fewer than 2 markers, min_n complete cases or min_events events")]
    x = data[markers].to_numpy(float)
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    result = survival.cv_elastic_net(x, data["t"].to_numpy(), data["e"].to_numpy(),
                                     settings.seed, settings.enet_repeats)
    note = (f"alpha {survival.ENET_ALPHA}, {settings.enet_repeats} x 5-fold CV, median lambda "
            f"{result['median_lambda'].iloc[0]:.3g}; median coefficient per SD of the "
            f"transformed marker {{:.3g}}; complete cases; no p-value (selection)")
    return [_row(**base, biomarker=name, events=int(data["e"].sum()),
                 estimate=row.selection_frequency, note=note.format(row.median_coef))
            for name, row in zip(markers, result.itertuples(index=False))]


def associate(biomarkers: pd.DataFrame, ctdna: pd.DataFrame | None = None,
              settings: Settings | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All association rows (COLUMNS) and the KM curves (KM_COLUMNS)."""
    settings = settings or Settings()
    frame = prepare(biomarkers)
    km: list[pd.DataFrame] = []
    rows = primary_rows(frame, settings, km)
    for marker in baseline_markers(frame.columns):
        LOG.info("biomarker %s (%s, %s)", marker.column, marker.kind, marker.transform)
        rows += marker_rows(frame, marker, settings, km)
    rows += landmark_rows(frame, settings, km)
    rows.append(time_varying_row(frame, ctdna, settings))
    rows += elastic_net_rows(frame, settings)
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["note"] = table["note"].replace("", np.nan)
    table["q_value"] = multiplicity.adjust_by_family(table)
    curves = pd.concat(km, ignore_index=True) if km else pd.DataFrame(columns=KM_COLUMNS)
    return table, curves
