"""One ctDNA level per plasma sample: the three-valued call, the tumour fraction, the LoD.

Inputs (one row per plasma sample, keyed by ``sample``):
- SNV result (``ctdna.site_calls``/``ctdna.snv``): n_sites, alt_fragments, total_fragments,
  mean_vaf, tumour_fraction, tf_ci_low, tf_ci_high, p_value, detected, lod95_tf, tf_model,
  and the tumour-naive fixed-site result (fixed_*).
- copy-number result of the amplification gene (``ctdna.cn.call_gene``, MDM2): log2_ratio,
  pon_mean, pon_sd, pon_n, z, p_value, amplified, tf_cn, tf_cn_low, tf_cn_high,
  copy_number.
- the tissue MDM2 copy number of the patient (``--tissue-cn``), which makes MDM2 informative.

``detected`` (1/0/NA), ``reason_code``, ``markers_informative``, ``markers_tested``,
``markers_positive`` and ``lod95_tf`` follow ``ctdna.markers``: positive when a test is
positive at level ``test_level`` = alpha / k (k test kinds in the run's family); negative
only when an informative marker was tested with LoD95 <= ``max_lod``; NA otherwise.
``method`` names the assay family (``targeted_panel``: tumour-informed sites, MDM2 copy
number and fixed sites of the capture panel).

Combination rule for ``tumour_fraction`` (``tf_source`` says which estimate was used):
1. SNV detected -> SNV estimate (point mutations measure ctDNA directly);
2. else MDM2 amplified and a copy-number TF exists -> copy-number estimate;
3. else SNV evaluable (TF computed, not detected) -> SNV estimate;
4. else a copy-number TF exists -> copy-number estimate;
5. else NA (``none``).
``detection_source`` lists the signals that were positive; ``p_value`` is that of the
estimate that decided detection (SNV if detected, else copy number if amplified, else the
SNV p-value when evaluable, else the copy-number one), named in ``p_value_source``. In
tumour-naive mode the fixed-site test (``fixed``) stands where SNV stands in these two
rules; it gives no tumour fraction, so rules 1 and 3 do not apply to it.

Yields: ``hge_per_ml = cfdna_ng_per_ml x 1000 / 3.3`` haploid genome equivalents per mL
plasma (3.3 pg per haploid human genome); ``mutant_molecules_per_ml = hge_per_ml *
mean_vaf`` (SNV mean VAF; NA without SNV sites).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ctdna import fixed as fixed_model
from ctdna import markers
from ctdna import snv as snv_model
from ctdna.level_markers import (
    CallSettings,
    deciding_p_value,
    detection_source,
    flag,
    marker_tests,
    number,
    reason_words,
)
from stereosarc.schemas import load_schema

SNV_COLUMNS = [
    "n_sites",
    "alt_fragments",
    "total_fragments",
    "mean_vaf",
    "tumour_fraction",
    "tf_ci_low",
    "tf_ci_high",
    "p_value",
    "detected",
    "reason",
    "lod95_tf",
    "tf_model",
]
FIXED_COLUMNS = [
    "snv_mode",
    "fixed_n_sites",
    "fixed_n_called",
    "fixed_p_value",
    "fixed_detected",
    "fixed_max_vaf",
    "fixed_reason",
]
CN_COLUMNS = [
    "log2_ratio",
    "pon_mean",
    "pon_sd",
    "pon_n",
    "z",
    "p_value",
    "amplified",
    "tf_cn",
    "tf_cn_low",
    "tf_cn_high",
    "copy_number",
    "reason",
]
METHOD = "targeted_panel"  # ctdna.tsv method of this stage's rows (capture panel: sites + MDM2)


def snv_mode(call: snv_model.SnvCall, fixed_call: fixed_model.FixedCall | None) -> str:
    """'tumour_informed' (a used tumour site), else 'tumour_naive' (fixed sites), else 'none'."""
    if call.n_sites and call.n_sites > 0:
        return "tumour_informed"
    if fixed_call is not None and not fixed_call.per_site.empty:
        return "tumour_naive"
    return "none"


def snv_frame(
    calls: dict[str, snv_model.SnvCall],
    fixed_calls: dict[str, fixed_model.FixedCall] | None = None,
) -> pd.DataFrame:
    """One row per sample (``sample`` + SNV_COLUMNS + FIXED_COLUMNS) from ``{sample: SnvCall}``
    and ``{sample: FixedCall}``."""
    rows = []
    for sample, call in sorted(calls.items()):
        fixed_call = (fixed_calls or {}).get(sample) or fixed_model.no_fixed_call(None)
        values = {**call.to_dict(), **fixed_call.to_dict(), "snv_mode": snv_mode(call, fixed_call)}
        rows.append({"sample": sample, **{c: values.get(c) for c in SNV_COLUMNS + FIXED_COLUMNS}})
    return pd.DataFrame(rows, columns=["sample", *SNV_COLUMNS, *FIXED_COLUMNS])


def choose_source(snv_detected, snv_tf, amplified, tf_cn) -> str:
    """'snv', 'cn' or 'none' by the module's combination rule."""
    if snv_detected is True:
        return "snv"
    if amplified is True and np.isfinite(tf_cn):
        return "cn"
    if snv_detected is False and np.isfinite(snv_tf):
        return "snv"
    if np.isfinite(tf_cn):
        return "cn"
    return "none"


FLAG_FIELDS = ("detected", "fixed_detected", "amplified")  # 1/0/NA cells, read by flag
TEXT_FIELDS = ("reason", "snv_mode", "fixed_reason", "tf_model")  # words, NA as None


def _text(value) -> str | None:
    """A text cell as str; None/NA as None."""
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _parsed(values: dict) -> dict:
    """Numbers as floats (None/NA as NaN), text as str or None; flags untouched."""
    return {
        k: (_text(v) if k in TEXT_FIELDS else v if k in FLAG_FIELDS else number(v))
        for k, v in values.items()
    }


def sample_level(
    snv: dict,
    cn: dict,
    cfdna_ng_per_ml: float,
    tissue_cn: float = math.nan,
    settings: CallSettings | None = None,
) -> dict:
    """The ctdna.tsv values of one plasma sample from its SNV (with fixed_*) and
    copy-number dicts and its patient's tissue MDM2 copy number (NA when none)."""
    settings = settings or CallSettings()
    snv, cn = _parsed({**EMPTY_FIXED, **EMPTY_SNV, **snv}), _parsed({**EMPTY_CN, **cn})
    snv_detected, amplified = flag(snv["detected"]), flag(cn["amplified"])
    snv["snv_mode"] = snv["snv_mode"] or "none"
    naive = snv["snv_mode"] == "tumour_naive"
    fixed_detected = flag(snv["fixed_detected"])
    tests = marker_tests(snv, cn, number(tissue_cn), naive, settings)
    call = markers.sample_call(tests, settings.max_lod)
    source = choose_source(snv_detected, snv["tumour_fraction"], amplified, cn["tf_cn"])
    estimate = {
        "snv": (snv["tumour_fraction"], snv["tf_ci_low"], snv["tf_ci_high"]),
        "cn": (cn["tf_cn"], cn["tf_cn_low"], cn["tf_cn_high"]),
        "none": (math.nan, math.nan, math.nan),
    }[source]
    point = (
        ("fixed", fixed_detected, snv["fixed_p_value"])
        if naive
        else ("snv", snv_detected, snv["p_value"])
    )
    p_value, p_source = deciding_p_value(point, cn, amplified)
    hge = number(snv_model.hge_per_ml(cfdna_ng_per_ml))
    mean_vaf = None if math.isnan(snv["mean_vaf"]) else snv["mean_vaf"]
    return {
        "n_sites": snv["n_sites"],
        "alt_fragments": snv["alt_fragments"],
        "total_fragments": snv["total_fragments"],
        "mean_vaf": snv["mean_vaf"],
        "tumour_fraction": estimate[0],
        "tf_ci_low": estimate[1],
        "tf_ci_high": estimate[2],
        "tf_source": source,
        "tf_model": snv["tf_model"] if source == "snv" else None,
        "p_value": p_value,
        "p_value_source": p_source,
        "detected": call.detected,
        "detection_source": detection_source(tests, call),
        "evaluable": call.detected is not None,
        "method": METHOD,
        "reason_code": call.reason_code,
        "markers_informative": call.markers_informative,
        "markers_tested": call.markers_tested,
        "markers_positive": call.markers_positive,
        "lod95_tf": call.lod95_tf,
        "snv_lod95_tf": snv["lod95_tf"],
        "mdm2_lod95_tf": tests[-1].lod95_tf,
        "test_level": settings.test_level,
        "hge_per_ml": hge,
        "mutant_molecules_per_ml": number(
            snv_model.mutant_molecules_per_ml(None if math.isnan(hge) else hge, mean_vaf)
        ),
        "snv_tumour_fraction": snv["tumour_fraction"],
        "snv_p_value": snv["p_value"],
        "snv_detected": snv_detected,
        **_fixed_values(snv, fixed_detected),
        "tf_cn": cn["tf_cn"],
        "tf_cn_low": cn["tf_cn_low"],
        "tf_cn_high": cn["tf_cn_high"],
        "tissue_copy_number": cn["copy_number"],
        "tissue_mdm2_copy_number": number(tissue_cn),
        "mdm2_informative": tests[-1].informative,
        "mdm2_log2_ratio": cn["log2_ratio"],
        "mdm2_pon_sd": cn["pon_sd"],
        "mdm2_z": cn["z"],
        "mdm2_p_value": cn["p_value"],
        "mdm2_amplified": amplified,
        "reason": reason_words(snv, amplified, source, cn.get("reason"), naive, call),
    }


def _fixed_values(snv: dict, fixed_detected) -> dict:
    """The snv_mode and fixed_* columns of ctdna.tsv."""
    return {
        "snv_mode": snv["snv_mode"],
        "fixed_n_sites": snv["fixed_n_sites"],
        "fixed_n_called": snv["fixed_n_called"],
        "fixed_p_value": snv["fixed_p_value"],
        "fixed_detected": fixed_detected,
        "fixed_max_vaf": snv["fixed_max_vaf"],
    }


EMPTY_SNV = {"lod95_tf": None, "tf_model": None}  # SNV results without a LoD (no site)
EMPTY_CN = {"pon_mean": None, "pon_n": None}  # copy-number results without PoN summaries
EMPTY_FIXED = {
    "snv_mode": "none",
    "fixed_n_sites": 0,
    "fixed_n_called": 0,
    "fixed_p_value": None,
    "fixed_detected": None,
    "fixed_max_vaf": None,
    "fixed_reason": None,
}  # a sample without fixed sites


def _lookup(frame: pd.DataFrame, sample: str, columns: list[str], absent: str) -> dict:
    """The row of ``sample`` as a dict of ``columns`` (a column absent from ``frame``: NA, or
    for fixed_* the EMPTY_FIXED default); NA-filled with reason ``absent`` without a row."""
    if frame is not None and sample in set(frame["sample"]):
        row = frame[frame["sample"] == sample].iloc[0]
        return {
            c: row[c] if c in row.index else math.nan
            for c in columns
            if c in row.index or c not in EMPTY_FIXED
        }
    values = {c: (None if c in FLAG_FIELDS + TEXT_FIELDS else math.nan) for c in columns}
    return {**values, "reason": absent}


def cohort_levels(
    plasma: pd.DataFrame,
    snv: pd.DataFrame | None,
    cn: pd.DataFrame | None,
    tissue_mdm2: pd.Series | None = None,
    settings: CallSettings | None = None,
) -> pd.DataFrame:
    """ctdna.tsv rows: one per plasma sample of ``plasma`` (patient, sample, timepoint,
    collection_date, cfdna_ng_per_ml), sorted by patient and sample. ``tissue_mdm2``: tissue
    MDM2 copy number indexed by patient (absent: NA)."""
    tissue_mdm2 = tissue_mdm2 if tissue_mdm2 is not None else pd.Series(dtype=float)
    rows = []
    snv_of, cn_of = (
        {} if f is None else dict(tuple(f.groupby("sample", sort=False))) for f in (snv, cn)
    )
    for item in plasma.sort_values(["patient", "sample"]).itertuples(index=False):
        values = sample_level(
            _lookup(
                snv_of.get(item.sample), item.sample, SNV_COLUMNS + FIXED_COLUMNS, "not called"
            ),
            _lookup(
                cn_of.get(item.sample), item.sample, CN_COLUMNS, "no target depth for this sample"
            ),
            item.cfdna_ng_per_ml,
            tissue_mdm2.get(item.patient, math.nan),
            settings,
        )
        rows.append(
            {
                "patient": item.patient,
                "sample": item.sample,
                "timepoint": item.timepoint,
                "collection_date": item.collection_date,
                "cfdna_ng_per_ml": item.cfdna_ng_per_ml,
                **values,
            }
        )
    return pd.DataFrame(rows, columns=level_columns())


def level_columns() -> list[str]:
    """Column order of ctdna.tsv: the schema's (DESIGN.md required columns first)."""
    return list(load_schema("ctdna")["properties"])
