"""One ctDNA level per plasma sample, combining the SNV and copy-number estimates.

Inputs (one row per plasma sample, keyed by ``sample``):
- SNV result (ctdna.snv): n_sites, alt_fragments, total_fragments, mean_vaf, tumour_fraction,
  tf_ci_low, tf_ci_high, p_value, detected (NA when the sample has no usable site).
- copy-number result of the amplification gene (ctdna.cn.call_gene, MDM2 by default):
  log2_ratio, z, p_value, amplified, tf_cn, tf_cn_low, tf_cn_high, copy_number.

Combination rule for ``tumour_fraction`` (``tf_source`` says which estimate was used):
1. SNV detected -> SNV estimate (point mutations measure ctDNA directly);
2. else MDM2 amplified and a copy-number TF exists -> copy-number estimate;
3. else SNV evaluable (TF computed, not detected) -> SNV estimate;
4. else a copy-number TF exists -> copy-number estimate;
5. else NA (``none``).
``detected`` = SNV detected OR MDM2 amplified (NA only when neither was assessable);
``detection_source`` lists the signals that were positive. ``p_value`` is that of the
estimate that decided detection (SNV if detected, else copy number if amplified, else the
SNV p-value when evaluable, else the copy-number one).

``call_snv_cohort`` runs ``ctdna.snv.call_sample`` for every plasma sample on its own
patient's tumour sites (PoN background, else the sample's own background).

Yields (computed by ctdna.snv, shared with the SNV stage): ``hge_per_ml = cfdna_ng_per_ml
x 1000 / 3.3`` haploid genome equivalents per mL plasma (3.3 pg per haploid human genome);
``mutant_molecules_per_ml = hge_per_ml * mean_vaf`` (SNV mean VAF; NA without SNV sites).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ctdna import snv as snv_model

SNV_COLUMNS = ["n_sites", "alt_fragments", "total_fragments", "mean_vaf", "tumour_fraction",
               "tf_ci_low", "tf_ci_high", "p_value", "detected", "reason"]
CN_COLUMNS = ["log2_ratio", "pon_sd", "z", "p_value", "amplified", "tf_cn", "tf_cn_low",
              "tf_cn_high", "copy_number", "reason"]


def snv_frame(calls: dict[str, snv_model.SnvCall]) -> pd.DataFrame:
    """One row per sample (``sample`` + SNV_COLUMNS) from ``{sample: SnvCall}``."""
    rows = [{"sample": sample, **{c: call.to_dict().get(c) for c in SNV_COLUMNS}}
            for sample, call in sorted(calls.items())]
    return pd.DataFrame(rows, columns=["sample", *SNV_COLUMNS])


def _number(value) -> float:
    """None/NA as NaN, anything else as float."""
    return math.nan if value is None or pd.isna(value) else float(value)


def _flag(value) -> bool | None:
    """A 1/0/True/False/NA cell as True/False/None."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return None
    return bool(value)


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


def combined_detection(snv_detected, amplified) -> tuple[bool | None, str]:
    """(detected, detection_source): any positive signal; None when neither was assessed."""
    positive = [name for name, flag in (("snv", snv_detected), ("cn", amplified))
                if flag is True]
    if positive:
        return True, "+".join(positive)
    if snv_detected is None and amplified is None:
        return None, "none"
    return False, "none"


def _p_value(snv: dict, cn: dict, snv_detected, amplified) -> float:
    """p-value of the estimate that decided detection (module rule)."""
    if snv_detected is True:
        return snv["p_value"]
    if amplified is True:
        return cn["p_value"]
    if snv_detected is False:
        return snv["p_value"]
    return cn["p_value"]


def _reason(snv_detected, amplified, source: str, snv_reason, cn_reason) -> str | None:
    """What was not assessable, in words (None when both signals were)."""
    notes = []
    if snv_detected is None:
        notes.append(f"SNV: {snv_reason}" if snv_reason else "SNV: no usable site")
    if amplified is None or source == "none":
        notes.append(f"copy number: {cn_reason}" if cn_reason else "copy number not assessed")
    return "; ".join(notes) or None


def sample_level(snv: dict, cn: dict, cfdna_ng_per_ml: float) -> dict:
    """The ctdna.tsv values of one plasma sample from its SNV and copy-number dicts."""
    snv = {k: (v if k in ("detected", "reason") else _number(v)) for k, v in snv.items()}
    cn = {k: (v if k in ("amplified", "reason") else _number(v)) for k, v in cn.items()}
    snv_detected, amplified = _flag(snv["detected"]), _flag(cn["amplified"])
    source = choose_source(snv_detected, snv["tumour_fraction"], amplified, cn["tf_cn"])
    detected, detection_source = combined_detection(snv_detected, amplified)
    estimate = {"snv": (snv["tumour_fraction"], snv["tf_ci_low"], snv["tf_ci_high"]),
                "cn": (cn["tf_cn"], cn["tf_cn_low"], cn["tf_cn_high"]),
                "none": (math.nan, math.nan, math.nan)}[source]
    hge = _number(snv_model.hge_per_ml(cfdna_ng_per_ml))
    mean_vaf = None if math.isnan(snv["mean_vaf"]) else snv["mean_vaf"]
    return {
        "n_sites": snv["n_sites"], "alt_fragments": snv["alt_fragments"],
        "total_fragments": snv["total_fragments"], "mean_vaf": snv["mean_vaf"],
        "tumour_fraction": estimate[0], "tf_ci_low": estimate[1], "tf_ci_high": estimate[2],
        "tf_source": source, "p_value": _p_value(snv, cn, snv_detected, amplified),
        "detected": detected, "detection_source": detection_source,
        "evaluable": detected is not None,
        "hge_per_ml": hge,
        "mutant_molecules_per_ml": _number(snv_model.mutant_molecules_per_ml(
            None if math.isnan(hge) else hge, mean_vaf)),
        "snv_tumour_fraction": snv["tumour_fraction"], "snv_p_value": snv["p_value"],
        "snv_detected": snv_detected, "tf_cn": cn["tf_cn"], "tf_cn_low": cn["tf_cn_low"],
        "tf_cn_high": cn["tf_cn_high"], "tissue_copy_number": cn["copy_number"],
        "mdm2_log2_ratio": cn["log2_ratio"], "mdm2_pon_sd": cn["pon_sd"], "mdm2_z": cn["z"],
        "mdm2_p_value": cn["p_value"], "mdm2_amplified": amplified,
        "reason": _reason(snv_detected, amplified, source, snv.get("reason"), cn.get("reason"))}


def _lookup(frame: pd.DataFrame, sample: str, columns: list[str], absent: str) -> dict:
    """The row of ``sample`` as a dict of ``columns``; NA-filled with reason ``absent``."""
    if frame is not None and sample in set(frame["sample"]):
        row = frame[frame["sample"] == sample].iloc[0]
        return {c: row.get(c, math.nan) for c in columns}
    values = {c: (None if c in ("detected", "amplified") else math.nan) for c in columns}
    return {**values, "reason": absent}


def cohort_levels(plasma: pd.DataFrame, snv: pd.DataFrame | None,
                  cn: pd.DataFrame | None) -> pd.DataFrame:
    """ctdna.tsv rows: one per plasma sample of ``plasma`` (patient, sample, timepoint,
    collection_date, cfdna_ng_per_ml), sorted by patient and sample."""
    rows = []
    for item in plasma.sort_values(["patient", "sample"]).itertuples(index=False):
        values = sample_level(_lookup(snv, item.sample, SNV_COLUMNS, "not called"),
                              _lookup(cn, item.sample, CN_COLUMNS,
                                      "no target depth for this sample"),
                              item.cfdna_ng_per_ml)
        rows.append({"patient": item.patient, "sample": item.sample,
                     "timepoint": item.timepoint, "collection_date": item.collection_date,
                     "cfdna_ng_per_ml": item.cfdna_ng_per_ml, **values})
    return pd.DataFrame(rows, columns=level_columns())


def level_columns() -> list[str]:
    """Column order of ctdna.tsv (DESIGN.md required columns first)."""
    return ["patient", "sample", "timepoint", "n_sites", "alt_fragments", "total_fragments",
            "mean_vaf", "tumour_fraction", "tf_ci_low", "tf_ci_high", "p_value", "detected",
            "hge_per_ml", "mutant_molecules_per_ml", "mdm2_log2_ratio", "mdm2_amplified",
            "tf_source", "detection_source", "evaluable", "mdm2_pon_sd", "mdm2_z",
            "mdm2_p_value", "tf_cn", "tf_cn_low", "tf_cn_high", "tissue_copy_number",
            "snv_tumour_fraction", "snv_p_value", "snv_detected", "collection_date",
            "cfdna_ng_per_ml", "reason"]


def _no_call(reason: str) -> snv_model.SnvCall:
    """An SNV result with nothing assessable (NA values, reason in words)."""
    return snv_model.SnvCall(0, None, None, None, None, None, None, None, None, False, reason)


def _sample_background(own: pd.DataFrame, sample: str, pon_background: pd.DataFrame,
                       sample_backgrounds: pd.DataFrame | None) -> pd.DataFrame | None:
    """PoN background when there is one, else the sample's own (ctdna-count background)."""
    if not pon_background.empty:
        return pon_background
    if sample_backgrounds is not None and sample in set(sample_backgrounds["sample"]):
        own_rates = sample_backgrounds[sample_backgrounds["sample"] == sample]
        return snv_model.background_from_sample(own, own_rates)
    return None


def call_snv_cohort(site_counts: pd.DataFrame, plasma: pd.DataFrame, tumour: pd.DataFrame,
                    pon_background: pd.DataFrame, sample_backgrounds: pd.DataFrame | None,
                    **call_options) -> tuple[dict, pd.DataFrame]:
    """SNV call of every plasma sample on its own patient's tumour sites.

    ``plasma``/``tumour``: samplesheet rows (patient, sample). Site rows of a plasma sample
    counted against another patient's tumour are not used (returned with used False and a
    not_used_reason). Returns ({sample: SnvCall}, per-site detail of all plasma samples).
    """
    calls, details = {}, []
    for item in plasma.sort_values("sample").itertuples(index=False):
        own_tumours = set(tumour.loc[tumour["patient"] == item.patient, "sample"])
        rows = site_counts[site_counts["sample"] == item.sample]
        foreign = rows[~rows["tumour_sample"].isin(own_tumours)].assign(
            used=False, not_used_reason="tumour sample of another patient")
        own = rows[rows["tumour_sample"].isin(own_tumours)]
        background = _sample_background(own, item.sample, pon_background, sample_backgrounds)
        if not own_tumours:
            call = _no_call("no tumour VCF for this patient")
        elif own.empty:
            call = _no_call("no site counts for this sample")
        elif background is None:
            call = _no_call("no PoN site counts and no sample background")
        else:
            call = snv_model.call_sample(own, background, **call_options)
        calls[item.sample] = call
        details += [frame.assign(patient=item.patient) for frame in (call.per_site, foreign)
                    if not frame.empty]
    detail = pd.concat(details, ignore_index=True) if details else pd.DataFrame()
    return calls, detail
