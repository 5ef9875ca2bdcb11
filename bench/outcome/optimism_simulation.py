"""Does the bootstrap optimism correction (outcome.validation) predict external performance?

Seeded simulation: development cohorts of ``--n`` patients from a known stratified Cox model
(2 histologies x 2 lines, baseline hazard differing by stratum; arm 1:1 with log HR -0.3,
ctDNA detected (p 0.6) 0.2, log2 TMB 0.15, log2 CPS -0.15, log2 NLR 0.4; exponential times,
uniform censoring on days 60-700 giving ~25 % censored). In each, the pre-specified model is
fitted (outcome.multivariable) and validated (``--bootstraps`` resamples); the same fitted
model is applied to an external cohort of ``--external`` patients from the same population
(Harrell's C within strata; calibration slope = coefficient of its linear predictor in a
stratified Cox model of the external outcome). Harrell's bootstrap should make the corrected
values close, on average, to the external ones, and the apparent values too optimistic.
Prints the markdown table of docs/statistics.md (Multivariable model).
Usage: .venv/bin/python bench/outcome/optimism_simulation.py [--replicates 20] [--n 100]
       [--bootstraps 100] [--external 4000] [--seed 20240601]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from outcome import calibration, coxfit, diagnostics, multivariable, validation  # noqa: E402

LOG_HR = {"arm": -0.3, "ctdna": 0.2, "tmb": 0.15, "cps": -0.15, "nlr": 0.4}  # true effects


def cohort(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """biomarkers.tsv-like patients from the true model (raw scales; log2 inside the model)."""
    histology = rng.choice(["leiomyosarcoma", "liposarcoma"], n)
    line = rng.choice(["1", "2"], n)
    arm = rng.integers(0, 2, n)
    ctdna = (rng.random(n) < 0.6).astype(float)
    tmb, cps, nlr = (rng.lognormal(m, 0.8, n) for m in (np.log(3.5), np.log(5), np.log(3)))
    eta = (
        LOG_HR["arm"] * arm
        + LOG_HR["ctdna"] * ctdna
        + LOG_HR["tmb"] * np.log2(tmb)
        + LOG_HR["cps"] * np.log2(cps)
        + LOG_HR["nlr"] * np.log2(nlr)
    )
    base = 1 / 300 * np.where(histology == "liposarcoma", 0.6, 1.0) * np.where(line == "2", 1.4, 1)
    latent = rng.exponential(1 / (base * np.exp(eta)))
    censor = rng.uniform(60, 700, n)
    return pd.DataFrame(
        {
            "patient": [f"P{i:05d}" for i in range(n)],
            "arm": np.where(arm == 1, "SBRT+atezolizumab", "SBRT"),
            "histology": histology,
            "line": line,
            "pfs_days": np.ceil(np.minimum(latent, censor)),
            "pfs_event": (latent <= censor).astype(int),
            "ctdna_baseline_detected": ctdna,
            "tmb": tmb,
            "cps": cps,
            "nlr": nlr,
        }
    )


def external_values(model, external: pd.DataFrame) -> tuple[float, float]:
    """Harrell's C and calibration slope of the fitted model on the external cohort."""
    frame = multivariable.model_frame(external, model.spec)
    x = frame[model.spec.terms].to_numpy(float)
    risk = diagnostics.linear_predictor(x, model.beta_)
    stratum = calibration.stratum_key(frame, model.spec.strata)
    c_index = diagnostics.harrell_c(frame["pfs_days"], frame["pfs_event"], risk, stratum)
    slope = coxfit.fit(frame["pfs_days"], frame["pfs_event"], risk[:, None], stratum).coef[0]
    return c_index, float(slope)


INTEGER_OPTIONS = dict(
    replicates=20, n=100, bootstraps=100, external=4000, seed=20240601
)  # option: default


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, default in INTEGER_OPTIONS.items():
        parser.add_argument(f"--{name}", type=int, default=default)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    rows = []
    for replicate in range(args.replicates):
        model = multivariable.fit_complete_case(cohort(rng, args.n), multivariable.ModelSpec())
        if model.fit_ is None:
            rows.append({"fitted": False})
            continue
        settings = validation.ValidationSettings(args.bootstraps, args.seed + replicate)
        table = validation.validate(model, settings).set_index("quantity")
        c_external, slope_external = external_values(model, cohort(rng, args.external))
        rows.append(
            {
                "fitted": True,
                "events": int(model.complete_["pfs_event"].sum()),
                "c_apparent": table.loc["c_index", "apparent"],
                "c_corrected": table.loc["c_index", "corrected"],
                "c_external": c_external,
                "slope_corrected": table.loc["calibration_slope", "corrected"],
                "slope_external": slope_external,
                "failed": table.loc["c_index", "bootstraps_failed"],
            }
        )
    result = pd.DataFrame(rows)
    fitted = result[result["fitted"]]
    print(
        f"{args.replicates} development cohorts of {args.n} patients (mean events "
        f"{fitted['events'].mean():.1f}; {len(fitted)} fitted), {args.bootstraps} resamples "
        f"each, external cohorts of {args.external}, seed {args.seed}\n"
    )
    print("| quantity | apparent | corrected | external | mean abs. corrected - external |")
    print("|---|---|---|---|---|")
    c_error = (fitted["c_corrected"] - fitted["c_external"]).abs().mean()
    s_error = (fitted["slope_corrected"] - fitted["slope_external"]).abs().mean()
    print(
        f"| Harrell's C | {fitted['c_apparent'].mean():.3f} | {fitted['c_corrected'].mean():.3f} "
        f"| {fitted['c_external'].mean():.3f} | {c_error:.3f} |"
    )
    print(
        f"| calibration slope | 1 | {fitted['slope_corrected'].mean():.3f} | "
        f"{fitted['slope_external'].mean():.3f} | {s_error:.3f} |"
    )
    print(f"\nfailed resamples in total: {int(fitted['failed'].sum())}")


if __name__ == "__main__":
    main()
