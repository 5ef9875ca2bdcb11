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
SNV p-value when evaluable, else the copy-number one), named in ``p_value_source``. In
tumour-naive mode (below) the fixed-site test (``fixed``) stands where SNV stands in these
two rules; it gives no tumour fraction, so rules 1 and 3 do not apply to it.

``call_snv_cohort`` runs ``ctdna.snv.call_sample`` for every plasma sample on its own
patient's tumour sites (PoN background, else the sample's own background), and
``ctdna.fixed.call_fixed`` on the fixed-list sites (``ctdna-count --sites``) that are not
tumour sites of the patient. ``snv_mode``: ``tumour_informed`` when the sample has a used
tumour-informed site; else ``tumour_naive`` when it has fixed sites: the fixed-site test then
takes the place of the SNV test in ``detected``, ``detection_source`` (``fixed``) and
``p_value`` (it gives no tumour fraction); else ``none``. With tumour-informed sites the
fixed-site result is only reported (``fixed_*`` columns), never pooled with them.

Yields (computed by ctdna.snv, shared with the SNV stage): ``hge_per_ml = cfdna_ng_per_ml
x 1000 / 3.3`` haploid genome equivalents per mL plasma (3.3 pg per haploid human genome);
``mutant_molecules_per_ml = hge_per_ml * mean_vaf`` (SNV mean VAF; NA without SNV sites).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ctdna import fixed as fixed_model
from ctdna import snv as snv_model
from ctdna.sites import FIXED_SITES

SNV_COLUMNS = ["n_sites", "alt_fragments", "total_fragments", "mean_vaf", "tumour_fraction",
               "tf_ci_low", "tf_ci_high", "p_value", "detected", "reason"]
FIXED_COLUMNS = ["snv_mode", "fixed_n_sites", "fixed_n_called", "fixed_p_value", "fixed_detected",
                 "fixed_max_vaf", "fixed_reason"]
CN_COLUMNS = ["log2_ratio", "pon_sd", "z", "p_value", "amplified", "tf_cn", "tf_cn_low",
              "tf_cn_high", "copy_number", "reason"]


def snv_mode(call: snv_model.SnvCall, fixed_call: fixed_model.FixedCall | None) -> str:
    """'tumour_informed' (a used tumour site), else 'tumour_naive' (fixed sites), else 'none'."""
    if call.n_sites and call.n_sites > 0:
        return "tumour_informed"
    if fixed_call is not None and not fixed_call.per_site.empty:
        return "tumour_naive"
    return "none"


def snv_frame(calls: dict[str, snv_model.SnvCall],
              fixed_calls: dict[str, fixed_model.FixedCall] | None = None) -> pd.DataFrame:
    """One row per sample (``sample`` + SNV_COLUMNS + FIXED_COLUMNS) from ``{sample: SnvCall}``
    and ``{sample: FixedCall}``."""
    rows = []
    for sample, call in sorted(calls.items()):
        fixed_call = (fixed_calls or {}).get(sample) or fixed_model.no_fixed_call(None)
        values = {**call.to_dict(), **fixed_call.to_dict(),
                  "snv_mode": snv_mode(call, fixed_call)}
        rows.append({"sample": sample, **{c: values.get(c) for c in SNV_COLUMNS + FIXED_COLUMNS}})
    return pd.DataFrame(rows, columns=["sample", *SNV_COLUMNS, *FIXED_COLUMNS])


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


def combined_detection(snv_detected, amplified, fixed_detected=None) -> tuple[bool | None, str]:
    """(detected, detection_source): any positive signal; None when none was assessed.

    ``fixed_detected`` is the tumour-naive fixed-site call, given only in tumour-naive mode."""
    signals = (("snv", snv_detected), ("fixed", fixed_detected), ("cn", amplified))
    positive = [name for name, flag in signals if flag is True]
    if positive:
        return True, "+".join(positive)
    if all(flag is None for _, flag in signals):
        return None, "none"
    return False, "none"


def _p_value(point: tuple[str, bool | None, float], cn: dict, amplified) -> tuple[float, str]:
    """(p-value, source) of the signal that decided detection (module rule); ``point`` =
    (name, detected, p) of the point-mutation signal: the SNV test, or in tumour-naive mode
    the fixed-site test."""
    name, point_detected, point_p = point
    if point_detected is True or (amplified is not True and point_detected is False):
        value, source = point_p, name
    else:
        value, source = cn["p_value"], "cn"
    return (value, source) if np.isfinite(value) else (math.nan, "none")


def _reason(snv: dict, amplified, source: str, cn_reason, naive: bool) -> str | None:
    """What was not assessable, in words (None when every signal was)."""
    notes = []
    if _flag(snv["detected"]) is None:
        reason = snv.get("reason")
        notes.append(f"SNV: {reason}" if reason else "SNV: no usable site")
    if naive:
        notes.append("tumour-naive call on the fixed sites (no tumour fraction from them)")
    if snv.get("fixed_reason"):
        notes.append(f"fixed sites: {snv['fixed_reason']}")
    if amplified is None or source == "none":
        notes.append(f"copy number: {cn_reason}" if cn_reason else "copy number not assessed")
    return "; ".join(notes) or None


FLAG_FIELDS = ("detected", "fixed_detected", "amplified")  # 1/0/NA cells, read by _flag
TEXT_FIELDS = ("reason", "snv_mode", "fixed_reason")  # words, NA as None


def _text(value) -> str | None:
    """A text cell as str; None/NA as None."""
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _parsed(values: dict) -> dict:
    """Numbers as floats (None/NA as NaN), text as str or None; flags untouched."""
    return {k: (_text(v) if k in TEXT_FIELDS else v if k in FLAG_FIELDS else _number(v))
            for k, v in values.items()}


def sample_level(snv: dict, cn: dict, cfdna_ng_per_ml: float) -> dict:
    """The ctdna.tsv values of one plasma sample from its SNV (with fixed_*) and
    copy-number dicts."""
    snv, cn = _parsed({**EMPTY_FIXED, **snv}), _parsed(cn)
    snv_detected, amplified = _flag(snv["detected"]), _flag(cn["amplified"])
    snv["snv_mode"] = snv["snv_mode"] or "none"
    naive = snv["snv_mode"] == "tumour_naive"
    fixed_detected = _flag(snv["fixed_detected"])
    source = choose_source(snv_detected, snv["tumour_fraction"], amplified, cn["tf_cn"])
    detected, detection_source = combined_detection(snv_detected, amplified,
                                                    fixed_detected if naive else None)
    estimate = {"snv": (snv["tumour_fraction"], snv["tf_ci_low"], snv["tf_ci_high"]),
                "cn": (cn["tf_cn"], cn["tf_cn_low"], cn["tf_cn_high"]),
                "none": (math.nan, math.nan, math.nan)}[source]
    point = (("fixed", fixed_detected, snv["fixed_p_value"]) if naive
             else ("snv", snv_detected, snv["p_value"]))
    p_value, p_source = _p_value(point, cn, amplified)
    hge = _number(snv_model.hge_per_ml(cfdna_ng_per_ml))
    mean_vaf = None if math.isnan(snv["mean_vaf"]) else snv["mean_vaf"]
    return {
        "n_sites": snv["n_sites"], "alt_fragments": snv["alt_fragments"],
        "total_fragments": snv["total_fragments"], "mean_vaf": snv["mean_vaf"],
        "tumour_fraction": estimate[0], "tf_ci_low": estimate[1], "tf_ci_high": estimate[2],
        "tf_source": source, "p_value": p_value, "p_value_source": p_source,
        "detected": detected, "detection_source": detection_source,
        "evaluable": detected is not None,
        "hge_per_ml": hge,
        "mutant_molecules_per_ml": _number(snv_model.mutant_molecules_per_ml(
            None if math.isnan(hge) else hge, mean_vaf)),
        "snv_tumour_fraction": snv["tumour_fraction"], "snv_p_value": snv["p_value"],
        "snv_detected": snv_detected, **_fixed_values(snv, fixed_detected),
        "tf_cn": cn["tf_cn"], "tf_cn_low": cn["tf_cn_low"], "tf_cn_high": cn["tf_cn_high"],
        "tissue_copy_number": cn["copy_number"],
        "mdm2_log2_ratio": cn["log2_ratio"], "mdm2_pon_sd": cn["pon_sd"], "mdm2_z": cn["z"],
        "mdm2_p_value": cn["p_value"], "mdm2_amplified": amplified,
        "reason": _reason(snv, amplified, source, cn.get("reason"), naive)}


def _fixed_values(snv: dict, fixed_detected) -> dict:
    """The snv_mode and fixed_* columns of ctdna.tsv."""
    return {"snv_mode": snv["snv_mode"], "fixed_n_sites": snv["fixed_n_sites"],
            "fixed_n_called": snv["fixed_n_called"], "fixed_p_value": snv["fixed_p_value"],
            "fixed_detected": fixed_detected, "fixed_max_vaf": snv["fixed_max_vaf"]}


EMPTY_FIXED = {"snv_mode": "none", "fixed_n_sites": 0, "fixed_n_called": 0,
               "fixed_p_value": None, "fixed_detected": None, "fixed_max_vaf": None,
               "fixed_reason": None}  # a sample without fixed sites


def _lookup(frame: pd.DataFrame, sample: str, columns: list[str], absent: str) -> dict:
    """The row of ``sample`` as a dict of ``columns`` (a column absent from ``frame``: NA, or
    for fixed_* the EMPTY_FIXED default); NA-filled with reason ``absent`` without a row."""
    if frame is not None and sample in set(frame["sample"]):
        row = frame[frame["sample"] == sample].iloc[0]
        return {c: row[c] if c in row.index else math.nan
                for c in columns if c in row.index or c not in EMPTY_FIXED}
    values = {c: (None if c in FLAG_FIELDS + TEXT_FIELDS else math.nan) for c in columns}
    return {**values, "reason": absent}


def cohort_levels(plasma: pd.DataFrame, snv: pd.DataFrame | None,
                  cn: pd.DataFrame | None) -> pd.DataFrame:
    """ctdna.tsv rows: one per plasma sample of ``plasma`` (patient, sample, timepoint,
    collection_date, cfdna_ng_per_ml), sorted by patient and sample."""
    rows = []
    for item in plasma.sort_values(["patient", "sample"]).itertuples(index=False):
        values = sample_level(_lookup(snv, item.sample, SNV_COLUMNS + FIXED_COLUMNS,
                                      "not called"),
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
            "tf_source", "detection_source", "p_value_source", "evaluable", "mdm2_pon_sd", "mdm2_z",
            "mdm2_p_value", "tf_cn", "tf_cn_low", "tf_cn_high", "tissue_copy_number",
            "snv_tumour_fraction", "snv_p_value", "snv_detected", "snv_mode", "fixed_n_sites",
            "fixed_n_called", "fixed_p_value", "fixed_detected", "fixed_max_vaf", "collection_date",
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


FOREIGN = "tumour sample of another patient"  # not_used_reason of site rows of another patient
DUPLICATE = "also a tumour-informed site of the patient (evaluated once, there)"  # fixed row


def split_site_rows(rows: pd.DataFrame, own_tumours: set) -> tuple[pd.DataFrame, ...]:
    """(tumour-informed rows, fixed rows to test, rows not used) of one plasma sample.

    Tumour-informed: rows of the patient's own tumour samples. Fixed: rows of the fixed site
    list (tumour_sample FIXED_SITES) whose (chrom, pos, ref, alt) is not a tumour-informed
    site. Not used (used False, not_used_reason): other patients' rows, fixed duplicates.
    """
    own = rows[rows["tumour_sample"].isin(own_tumours)].assign(site_set="tumour")
    listed = rows[rows["tumour_sample"] == FIXED_SITES].assign(site_set=fixed_model.SITE_SET)
    key = snv_model.SITE_KEY
    duplicate = pd.MultiIndex.from_frame(listed[key]).isin(pd.MultiIndex.from_frame(own[key]))
    foreign = rows[~rows["tumour_sample"].isin(own_tumours | {FIXED_SITES})].assign(
        site_set="tumour", used=False, not_used_reason=FOREIGN)
    repeated = listed[duplicate].assign(used=False, not_used_reason=DUPLICATE)
    return own, listed[~duplicate], pd.concat([foreign, repeated])


def _tumour_call(own: pd.DataFrame, own_tumours: set, counted: bool, background,
                 **call_options):
    """SnvCall of the tumour-informed rows, or a no-call with the reason (``counted``: the
    sample has site-count rows at all)."""
    if not own_tumours:
        return _no_call("no tumour VCF for this patient")
    if own.empty:
        return _no_call("no tumour site in the targets" if counted
                        else "no site counts for this sample")
    if background is None:
        return _no_call("no PoN site counts and no sample background")
    return snv_model.call_sample(own, background, **call_options)


def _fixed_call(listed: pd.DataFrame, background, alpha: float) -> fixed_model.FixedCall:
    """FixedCall of the fixed rows to test (no background: not assessed, rows kept)."""
    if not listed.empty and background is None:
        call = fixed_model.no_fixed_call("no PoN site counts and no sample background")
        call.per_site = listed.assign(used=False, not_used_reason="no background error rate")
        return call
    return fixed_model.call_fixed(listed, background, alpha=alpha)


def call_snv_cohort(site_counts: pd.DataFrame, plasma: pd.DataFrame, tumour: pd.DataFrame,
                    pon_background: pd.DataFrame, sample_backgrounds: pd.DataFrame | None,
                    **call_options) -> tuple[dict, dict, pd.DataFrame]:
    """SNV call of every plasma sample on its own patient's tumour sites, and the fixed-site
    (tumour-naive) test on its fixed sites.

    ``plasma``/``tumour``: samplesheet rows (patient, sample). Site rows of a plasma sample
    counted against another patient's tumour, and fixed rows repeating a tumour-informed
    site, are not used (used False and a not_used_reason). Returns ({sample: SnvCall},
    {sample: FixedCall}, per-site detail of all plasma samples with site_set).
    """
    calls, fixed_calls, details = {}, {}, []
    for item in plasma.sort_values("sample").itertuples(index=False):
        own_tumours = set(tumour.loc[tumour["patient"] == item.patient, "sample"])
        rows = site_counts[site_counts["sample"] == item.sample]
        own, listed, unused = split_site_rows(rows, own_tumours)
        background = _sample_background(pd.concat([own, listed]), item.sample, pon_background,
                                        sample_backgrounds)
        call = _tumour_call(own, own_tumours, not rows.empty, background, **call_options)
        fixed_call = _fixed_call(listed, background, call_options.get("alpha", snv_model.ALPHA))
        calls[item.sample], fixed_calls[item.sample] = call, fixed_call
        details += [frame.assign(patient=item.patient)
                    for frame in (call.per_site, fixed_call.per_site, unused) if len(frame)]
    detail = pd.concat(details, ignore_index=True) if details else pd.DataFrame()
    return calls, fixed_calls, detail
