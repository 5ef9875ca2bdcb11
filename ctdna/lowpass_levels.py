"""ctdna.tsv rows of the low-pass whole-genome samples (``method`` = ``lowpass_wgs``).

Input: the low-pass plasma samples of the samplesheet (patient, sample, timepoint,
collection_date, cfdna_ng_per_ml) and lowpass_samples.tsv (ctdna-lowpass: one row per
low-pass plasma sample with tumour_fraction, tf_ci_low, tf_ci_high, detected, lod95_tf,
reason_code, reason; docs/ctdna.md "Low-pass WGS").

The three-valued call is ``ctdna.markers.sample_call`` on one marker, ``genome_cn``
(genome-wide copy number): tumour-agnostic, so informative whenever tested (DESIGN.md: "for
tumour-agnostic methods, when the method's own limit of detection allows"), and

- ``detected = 1`` when ctdna-lowpass detected the tumour (likelihood-ratio test above its
  calibrated threshold);
- ``detected = 0`` when it did not and ``lod95_tf <= --max-lod`` (the same negative rule as
  the panel's markers);
- NA otherwise: ``below_lod`` (tested, LoD above ``--max-lod``) or ``not_assessable`` (no
  result: the sample was not modelled, or not in lowpass_samples.tsv).

tumour_fraction and its interval are ctdna-lowpass's (empty when not detected or when the
estimate is below the LoD; the interval is then empty too, and ``reason`` carries
ctdna-lowpass's words);
``tf_source`` is ``lowpass``; the tumour-informed columns (sites, SNV, MDM2, fixed sites) are
NA; ``hge_per_ml`` comes from the cfDNA yield as for every plasma sample.
"""

from __future__ import annotations

import math

import pandas as pd

from ctdna import markers
from ctdna import snv as snv_model
from ctdna.level_markers import flag, number
from ctdna.methods import LOWPASS

MARKER = "genome_cn"  # markers_* name of the low-pass test: genome-wide copy number
TF_SOURCE = "lowpass"  # ctdna.tsv tf_source of a low-pass row
NO_RESULT = "no low-pass result for this sample (not in lowpass_samples.tsv)"
NO_TABLE = "low-pass sample and no --lowpass table given"
LOWPASS_COLUMNS = [
    "sample",
    "tumour_fraction",
    "tf_ci_low",
    "tf_ci_high",
    "detected",
    "lod95_tf",
    "reason_code",
    "reason",
]  # the lowpass_samples.tsv columns a ctdna.tsv row uses


def lowpass_call(row: dict, max_lod: float) -> markers.SampleCall:
    """The three-valued call of one low-pass result (module rule)."""
    detected = flag(row.get("detected"))
    test = markers.MarkerTest(
        MARKER, True, detected is not None, detected is True, number(row.get("lod95_tf"))
    )
    return markers.sample_call([test], max_lod)


def _words(row: dict, call: markers.SampleCall, max_lod: float) -> str | None:
    """Why the call is NA, or why a call has no tumour fraction, in words: ctdna-lowpass's
    own reason after ours (None when there is nothing to say)."""
    given = row.get("reason")
    given = given if isinstance(given, str) and given else None
    if call.detected is not None:
        return f"low-pass WGS: {given}" if given else None
    if call.reason_code == markers.BELOW_LOD and math.isfinite(call.lod95_tf):
        head = f"low-pass WGS: LoD95 {call.lod95_tf:.3g} above --max-lod {max_lod:g}"
    elif call.reason_code == markers.BELOW_LOD:
        head = "low-pass WGS: not detected and no LoD95: a negative would say nothing"
    else:
        head = "low-pass WGS: not assessable"
    return "; ".join(w for w in (head, given) if w)


def sample_row(item: dict, result: dict | None, max_lod: float, absent: str) -> dict:
    """The ctdna.tsv values of one low-pass plasma sample (``item``: its samplesheet row;
    ``result``: its lowpass_samples.tsv row, None when absent, ``absent`` then the reason)."""
    row = result or {"reason": absent}
    call = lowpass_call(row, max_lod)
    hge = number(snv_model.hge_per_ml(item.get("cfdna_ng_per_ml")))
    tf = [number(row.get(c)) for c in ("tumour_fraction", "tf_ci_low", "tf_ci_high")]
    tf = tf if math.isfinite(tf[0]) else [math.nan] * 3  # no interval without an estimate
    return {
        "patient": item["patient"],
        "sample": item["sample"],
        "timepoint": item.get("timepoint"),
        "collection_date": item.get("collection_date"),
        "cfdna_ng_per_ml": item.get("cfdna_ng_per_ml"),
        "n_sites": 0,
        "tumour_fraction": tf[0],
        "tf_ci_low": tf[1],
        "tf_ci_high": tf[2],
        "tf_source": TF_SOURCE if math.isfinite(tf[0]) else "none",
        "p_value_source": "none",
        "detected": call.detected,
        "detection_source": TF_SOURCE if call.detected else "none",
        "evaluable": call.detected is not None,
        "method": LOWPASS,
        "reason_code": call.reason_code,
        "markers_informative": call.markers_informative,
        "markers_tested": call.markers_tested,
        "markers_positive": call.markers_positive,
        "lod95_tf": number(row.get("lod95_tf")),
        "hge_per_ml": hge,
        "snv_mode": "none",
        "fixed_n_sites": 0,
        "fixed_n_called": 0,
        "reason": _words(row, call, max_lod),
    }


def cohort_rows(
    plasma: pd.DataFrame, lowpass: pd.DataFrame | None, max_lod: float, columns: list[str]
) -> pd.DataFrame:
    """ctdna.tsv rows (``columns``) of the low-pass plasma samples of ``plasma``, one each,
    sorted by patient and sample; ``lowpass`` None when no --lowpass table was given."""
    results = {} if lowpass is None else {r["sample"]: r for r in lowpass.to_dict("records")}
    absent = NO_TABLE if lowpass is None else NO_RESULT
    rows = [
        sample_row(item, results.get(item["sample"]), max_lod, absent)
        for item in plasma.sort_values(["patient", "sample"]).to_dict("records")
    ]
    return pd.DataFrame(rows, columns=columns)
