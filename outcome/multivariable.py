"""The pre-specified multivariable Cox model of PFS (issue 14; docs/statistics.md).

Model: PFS ~ arm + baseline biomarkers, Cox proportional hazards (Efron ties) stratified by
the randomisation strata, R ``coxph(Surv(pfs_days, pfs_event) ~ arm_experimental + x_1 +
... + x_k + strata(histology, line))``. ``arm_experimental`` is 1 for SBRT+atezolizumab, 0
for SBRT. The covariates x_j are biomarkers.tsv columns (parameter
``multivariable_covariates``, default DEFAULT_COVARIATES), each on its scale of the marker
registry (outcome.family: log2 for skewed markers, HR per doubling; per SD for densities;
0/1 dichotomies as they are). The scale is fixed on every available value of the marker,
before complete cases are taken, so that the complete-case and the multiple-imputation
analyses (``model_frame`` feeds both) estimate the same quantity.

Events per variable: the model has p = 1 + k parameters; it is fitted only when the complete
cases have at least ``min_n`` patients and ``min_events_per_variable`` x p events (Peduzzi
et al., J Clin Epidemiol 1996), both arms, and two values of every covariate; otherwise
every term gets a row with the reason in ``note``, never a crash. A fit whose SE of a log HR
exceeds outcome.survival.UNSTABLE_SE (near-separation) or that does not converge is
reported as not fitted, with the reason.

Rows (multivariable.tsv), one per term: analysis ``complete_case``, n and events of the
complete cases, estimate = log HR, se, hr = exp(estimate), Wald CI exp(estimate ± z se),
Wald p; ph_p, the proportional-hazards score test of each term (R survival >= 3.0
``cox.zph``, KM transform; outcome.diagnostics); m_imputations, df and fmi are NA (they
belong to the MICE rows of the same table).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from outcome import diagnostics, survival
from outcome.exceptions import OutcomeInputError
from outcome.family import BINARY_FIXED, CONTINUOUS, STRATA, prepare, transform
from stereosarc.schemas import table_columns

LOG = logging.getLogger("outcome.multivariable")

# Pre-specified covariates (docs/statistics.md, Multivariable model): the baseline markers of
# the ancillary protocol with a planted or published prognostic role and the fewest missing
# values: ctDNA detected at baseline, TMB (log2), PD-L1 CPS (log2), NLR (log2).
DEFAULT_COVARIATES = ("ctdna_baseline_detected", "tmb", "cps", "nlr")
ARM_TERM = "arm_experimental"  # 1 = SBRT+atezolizumab, 0 = SBRT (outcome.family.prepare)
ENDPOINT = ("pfs_days", "pfs_event")
COMPLETE_CASE = "complete_case"  # value of ``analysis`` for these rows (MICE rows: A's module)
COLUMNS = table_columns("multivariable")  # multivariable.tsv; MICE rows fill the required ones


@dataclass(frozen=True)
class ModelSpec:
    """The pre-specified model: covariates (biomarkers.tsv columns), CI level and the refusal
    thresholds (minimum patients, minimum events per model parameter)."""

    covariates: tuple[str, ...] = DEFAULT_COVARIATES
    level: float = survival.CI_LEVEL
    min_n: int = survival.MIN_N
    min_events_per_variable: float = survival.MIN_EVENTS_PER_VARIABLE

    @property
    def terms(self) -> list[str]:
        """Model terms in order: the arm, then the covariates."""
        return [ARM_TERM, *self.covariates]

    @property
    def strata(self) -> list[str]:
        """Stratification columns (the randomisation strata)."""
        return list(STRATA)


def marker_transform(column: str) -> str:
    """Registry transform of ``column`` (outcome.family): log2, per_sd, or none for a 0/1
    dichotomy; an unknown column is an error listing the allowed ones."""
    if column in CONTINUOUS:
        return CONTINUOUS[column]
    if column in BINARY_FIXED:
        return "none"
    allowed = ", ".join([*CONTINUOUS, *BINARY_FIXED])
    raise OutcomeInputError(
        f"multivariable covariate {column!r} is not a baseline biomarker of the registry "
        f"(outcome.family): use one of {allowed}"
    )


def parse_covariates(text: str) -> tuple[str, ...]:
    """Covariates from the comma-separated parameter; empty, repeated or unknown names refused."""
    names = tuple(name.strip() for name in str(text).split(",") if name.strip())
    if not names:
        raise OutcomeInputError("--multivariable-covariates: no covariate given")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise OutcomeInputError(f"--multivariable-covariates: repeated {', '.join(repeated)}")
    for name in names:
        marker_transform(name)
    return names


def _transformed(biomarkers: pd.DataFrame, spec: ModelSpec) -> tuple[pd.DataFrame, dict]:
    """Model frame (patient index) and the transform label of each covariate."""
    frame = prepare(biomarkers)
    columns = [*ENDPOINT, *spec.strata, ARM_TERM]
    out = frame[columns].copy()
    labels = {ARM_TERM: "none (1 = SBRT+atezolizumab, 0 = SBRT)"}
    for column in spec.covariates:
        if column in frame:
            out[column], labels[column] = transform(frame[column], marker_transform(column))
        else:
            out[column], labels[column] = np.nan, "column absent from biomarkers.tsv"
    if "patient" in frame:
        out.index = pd.Index(frame["patient"], name="patient")
    return out, labels


def model_frame(biomarkers: pd.DataFrame, spec: ModelSpec) -> pd.DataFrame:
    """One row per patient (index: patient): pfs_days, pfs_event, histology, line,
    arm_experimental and each covariate on its registry scale; NaN kept (for MICE)."""
    return _transformed(biomarkers, spec)[0]


def refusal(data: pd.DataFrame, spec: ModelSpec) -> str | None:
    """Why the model must not be fitted on the complete cases ``data`` (None: it may be)."""
    n, events = len(data), int(data["pfs_event"].sum()) if len(data) else 0
    p = len(spec.terms)
    if n < spec.min_n:
        return f"n = {n} complete cases < {spec.min_n}"
    if events < spec.min_events_per_variable * p:
        return (
            f"{events} events < {spec.min_events_per_variable:g} per parameter x {p} "
            f"(events per variable {events / p:.1f})"
        )
    constant = [term for term in spec.terms if data[term].nunique() < 2]
    if constant:
        return f"a single value of {', '.join(constant)} in the complete cases"
    return None


class MultivariableCox:
    """Complete-case fit of the pre-specified model, lifelines style: ``fit(frame)`` returns
    self; ``complete_`` (the rows used), ``refusal_`` (reason or None), ``fit_``
    (outcome.survival.CoxResult or None), ``beta_``, ``ph_p_`` (cox.zph p per term) and
    ``to_frame()``."""

    def __init__(self, spec: ModelSpec | None = None):
        self.spec = spec or ModelSpec()

    def fit(self, frame: pd.DataFrame, labels: dict | None = None) -> MultivariableCox:
        """Fit on the complete cases of ``frame`` (a ``model_frame``)."""
        spec = self.spec
        self.labels_ = labels or {}
        usable = frame.dropna(subset=list(ENDPOINT))
        self.complete_ = usable.dropna(subset=[*spec.terms, *spec.strata])
        self.n_excluded_ = len(usable) - len(self.complete_)
        self.fit_ = None
        empty = [term for term in spec.terms if usable[term].isna().all()]
        self.refusal_ = (
            f"no value of {', '.join(empty)} (column absent or its stage not run)"
            if empty
            else refusal(self.complete_, spec)
        )
        if self.refusal_ is None:
            self.fit_, self.refusal_ = _guarded_fit(self.complete_, spec)
        self.ph_p_ = np.full(len(spec.terms), np.nan)
        if self.fit_ is not None:
            self.ph_p_ = diagnostics.zph_test(
                self.complete_["pfs_days"],
                self.complete_["pfs_event"],
                self.complete_[spec.terms].to_numpy(float),
                self.beta_,
                self.complete_[spec.strata].astype(str).agg("/".join, axis=1).to_numpy(),
            )
        LOG.info(
            "multivariable Cox: %d complete cases (%d excluded for a missing covariate), "
            "%d events, %d parameters; %s",
            len(self.complete_),
            self.n_excluded_,
            int(self.complete_["pfs_event"].sum()),
            len(spec.terms),
            "fitted" if self.refusal_ is None else f"not fitted: {self.refusal_}",
        )
        return self

    @property
    def beta_(self) -> np.ndarray:
        """Fitted coefficients in term order."""
        if self.fit_ is None:
            raise ValueError(f"model not fitted: {self.refusal_}")
        return self.fit_.summary.loc[self.spec.terms, "coef"].to_numpy(float)

    def to_frame(self) -> pd.DataFrame:
        """multivariable.tsv rows (analysis complete_case), one per term."""
        spec, data = self.spec, self.complete_
        events = int(data["pfs_event"].sum())
        rows = []
        for term, ph_p in zip(spec.terms, self.ph_p_, strict=True):
            row = dict.fromkeys(COLUMNS, np.nan) | {
                "ph_p": ph_p,
                "analysis": COMPLETE_CASE,
                "term": term,
                "n": len(data),
                "events": events,
                "transform": self.labels_.get(term, np.nan),
                "ci_level": spec.level,
                "n_excluded": self.n_excluded_,
                "events_per_variable": events / len(spec.terms),
                "note": "" if self.fit_ else f"not fitted: {self.refusal_}",
            }
            if self.fit_ is not None:
                fitted = self.fit_.summary.loc[term]
                row |= {
                    "estimate": fitted["coef"],
                    "se": fitted["se"],
                    "hr": fitted["hr"],
                    "ci_low": fitted["ci_low"],
                    "ci_high": fitted["ci_high"],
                    "p_value": fitted["p_value"],
                }
            rows.append(row)
        integers = ["n", "events", "m_imputations", "n_excluded"]
        return pd.DataFrame(rows, columns=COLUMNS).astype(dict.fromkeys(integers, "Int64"))


def _guarded_fit(data: pd.DataFrame, spec: ModelSpec):
    """(CoxResult, None) or (None, reason): non-convergence and near-separation refused."""
    from lifelines.exceptions import ConvergenceError

    try:
        fit = survival.fit_cox(data, *ENDPOINT, spec.terms, spec.strata, spec.level, ph_test=False)
    except (ConvergenceError, np.linalg.LinAlgError, ValueError) as err:
        return None, f"no convergence ({str(err).splitlines()[0]})"
    se = fit.summary.loc[spec.terms, "se"]
    if not (
        np.isfinite(fit.summary.loc[spec.terms, "coef"]).all()
        and (se <= survival.UNSTABLE_SE).all()
    ):
        worst = se.idxmax()
        return None, (
            f"unstable, SE of log HR of {worst} {se[worst]:.3g} > {survival.UNSTABLE_SE:g} "
            "(near-separation)"
        )
    return fit, None


def fit_complete_case(biomarkers: pd.DataFrame, spec: ModelSpec) -> MultivariableCox:
    """The complete-case model fitted on biomarkers.tsv (outcome-associate)."""
    frame, labels = _transformed(biomarkers, spec)
    return MultivariableCox(spec).fit(frame, labels)
