"""The marker tests of one plasma sample's ctDNA call (the rules of ``ctdna.levels``).

For one sample: which markers are informative, tested and positive (the tumour-informed or
fixed-site test, and MDM2 copy number with its LoD95 tumour fraction), the p-value of the
signal that decided detection, and the reasons in words when something was not assessable.
``ctdna.markers`` combines the tests into the three-valued call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ctdna import cn as cn_model
from ctdna import lod as lod_model
from ctdna import markers
from ctdna import snv as snv_model


def number(value) -> float:
    """None/NA as NaN, anything else as float."""
    return math.nan if value is None or pd.isna(value) else float(value)


def flag(value) -> bool | None:
    """A 1/0/True/False/NA cell as True/False/None."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return None
    return bool(value)


@dataclass
class CallSettings:
    """Levels and thresholds of the sample call (``ctdna.markers``, ``ctdna.lod``).

    ``test_level``: per-test level alpha / k; ``max_lod``: largest LoD95 TF at which a
    negative counts; ``amp_log2`` and ``amp_z``: the MDM2 amplification rule (its LoD uses
    the one-sided normal level of ``amp_z``); ``tissue_amp_cn``: tissue copy number from which
    MDM2 is informative.
    """

    test_level: float = snv_model.ALPHA
    max_lod: float = lod_model.MAX_LOD_TF
    amp_log2: float = cn_model.AMP_LOG2
    amp_z: float = cn_model.AMP_Z
    tissue_amp_cn: float = markers.TISSUE_AMP_CN


SNV_INFORMATIVE_REASONS = (
    "no usable site",
    "no PoN site counts and no sample background",
)  # the tumour has sites in the targets, none testable here


def marker_tests(
    snv: dict, cn: dict, tissue_cn: float, naive: bool, settings: CallSettings
) -> list[markers.MarkerTest]:
    """The site test (tumour-informed or fixed) and the MDM2 test of one sample."""
    tests = []
    if naive:
        tests.append(
            markers.MarkerTest(
                "fixed",
                False,
                np.isfinite(snv["fixed_p_value"]),
                flag(snv["fixed_detected"]) is True,
            )
        )
    else:
        tested = snv["n_sites"] > 0
        informative = tested or snv.get("reason") in SNV_INFORMATIVE_REASONS
        tests.append(
            markers.MarkerTest(
                "snv", informative, tested, flag(snv["detected"]) is True, snv["lod95_tf"]
            )
        )
    amplified = flag(cn["amplified"])
    informative = markers.tissue_amplified(tissue_cn, settings.tissue_amp_cn) is True
    positive = amplified is True and cn["p_value"] < settings.test_level
    pon_n = int(cn["pon_n"]) if np.isfinite(cn["pon_n"]) else 0  # NA without PoN or depth
    lod = (
        lod_model.cn_lod(
            cn["pon_mean"],
            cn["pon_sd"],
            pon_n,
            tissue_cn,
            settings.amp_log2,
            cn_model.amplification_level(settings.amp_z),
        )
        if informative
        else math.nan
    )
    tests.append(markers.MarkerTest("mdm2", informative, amplified is not None, positive, lod))
    return tests


def detection_source(tests: list[markers.MarkerTest], call: markers.SampleCall) -> str:
    """Positive signals as 'snv', 'fixed', 'cn' joined by '+' ('none' when none)."""
    names = {"snv": "snv", "fixed": "fixed", "mdm2": "cn"}
    positive = call.markers_positive.split(";")
    return "+".join(names[t.name] for t in tests if t.name in positive) or "none"


def deciding_p_value(
    point: tuple[str, bool | None, float], cn: dict, amplified
) -> tuple[float, str]:
    """(p-value, source) of the signal that decided detection (module rule); ``point`` =
    (name, detected, p) of the point-mutation signal: the SNV test, or in tumour-naive mode
    the fixed-site test."""
    name, point_detected, point_p = point
    if point_detected is True or (amplified is not True and point_detected is False):
        value, source = point_p, name
    else:
        value, source = cn["p_value"], "cn"
    return (value, source) if np.isfinite(value) else (math.nan, "none")


REASON_WORDS = {
    markers.NO_INFORMATIVE: "no informative marker (no tumour site in the targets, "
    "no tissue MDM2 amplification): a negative would say nothing",
    markers.BELOW_LOD: "informative markers tested, none with LoD95 low enough for a negative",
    markers.NOT_ASSESSABLE: "informative markers, none testable in this sample",
}


def reason_words(
    snv: dict, amplified, source: str, cn_reason, naive: bool, call: markers.SampleCall
) -> str | None:
    """What was not assessable, in words (None when every signal was)."""
    notes = [REASON_WORDS[call.reason_code]] if call.reason_code else []
    if flag(snv["detected"]) is None:
        reason = snv.get("reason")
        notes.append(f"SNV: {reason}" if reason else "SNV: no usable site")
    if naive:
        notes.append("tumour-naive call on the fixed sites (no tumour fraction from them)")
    if snv.get("fixed_reason"):
        notes.append(f"fixed sites: {snv['fixed_reason']}")
    if amplified is None or source == "none":
        notes.append(f"copy number: {cn_reason}" if cn_reason else "copy number not assessed")
    return "; ".join(notes) or None
