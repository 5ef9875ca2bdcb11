"""Which ctDNA markers are informative for a patient, and the three-valued sample call.

A marker is *informative* for a patient when the tumour is shown to carry it (DESIGN.md,
"What the results mean"):

- ``snv``: somatic sites of the patient's own tumour VCF inside the plasma targets (at
  least one site used in the sample);
- ``mdm2``: MDM2 amplified in tissue, i.e. a tissue copy number >= ``TISSUE_AMP_CN``.

Tests that are run without being informative: the plasma MDM2 copy-number test of a patient
without tissue evidence, and the tumour-naive fixed-site test (``fixed``). Their *positive*
results are evidence on their own (a plasma MDM2 amplification, a hotspot above the PoN);
their negatives say nothing, because the tumour may not carry the marker.

The call of one plasma sample:

- ``detected = 1`` when any test run is positive at its level (below);
- ``detected = 0`` when no test is positive and at least one informative marker was tested
  with a limit of detection ``lod95_tf <= max_lod`` (``ctdna.lod``): the test could have
  seen the tumour;
- otherwise NA, with ``reason_code``: ``below_lod`` (informative markers tested, none with
  a LoD low enough), ``not_assessable`` (informative markers, none could be tested: no
  counts, no background, no PoN), ``no_informative_marker`` (the tumour carries no marker
  the panel can follow).

Family-wise false-positive rate: the kinds of test a run can perform on a sample (the site
test, tumour-informed or tumour-naive, and the MDM2 copy-number test when the targets carry
MDM2 and the PoN is large enough) form a pre-specified family of k tests; each is run at
level ``alpha / k`` (Bonferroni), so P(detected = 1 | no ctDNA) <= alpha whatever their
dependence. The MDM2 call also needs its own amplification rule (log2 floor and predictive
test, ``ctdna.cn``), which is stricter than alpha / k at the defaults.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# MDM2 amplified in tissue at copy number >= 4: the FISH criterion MDM2/CEP12 ratio >= 2 (WD/DD
# liposarcoma diagnosis, WHO 2020) in a diploid genome
TISSUE_AMP_CN = 4.0
NO_INFORMATIVE = (
    "no_informative_marker"  # reason_code: the tumour carries no marker the panel follows
)
BELOW_LOD = (
    "below_lod"  # reason_code: informative markers tested, LoD above the negative threshold
)
NOT_ASSESSABLE = "not_assessable"  # reason_code: informative markers, none testable in this sample
POSITIVE_ALONE = ("mdm2", "fixed")  # tests whose positive counts without tissue evidence


@dataclass
class MarkerTest:
    """One test of one plasma sample: ``tested`` (a p-value exists), ``positive`` (at its
    level), ``informative`` (the tumour carries the marker), ``lod95_tf`` (NA if none)."""

    name: str
    informative: bool
    tested: bool
    positive: bool
    lod95_tf: float = math.nan


@dataclass
class SampleCall:
    """The three-valued call and what produced it (columns of ctdna.tsv)."""

    detected: bool | None
    reason_code: str | None
    markers_informative: str
    markers_tested: str
    markers_positive: str
    lod95_tf: float


def _names(tests: list[MarkerTest]) -> str:
    return ";".join(t.name for t in tests) or "none"


def family_size(site_test: bool, cn_test: bool) -> int:
    """Number of test kinds in the pre-specified family (at least 1)."""
    return max(1, int(site_test) + int(cn_test))


def tissue_amplified(copy_number: float, threshold: float = TISSUE_AMP_CN) -> bool | None:
    """MDM2 amplified in tissue: C >= threshold; None when no tissue copy number is given."""
    if copy_number is None or not np.isfinite(copy_number):
        return None
    return bool(copy_number >= threshold)


def sample_call(tests: list[MarkerTest], max_lod: float) -> SampleCall:
    """Combine the tests of one sample by the module rule."""
    tested = [t for t in tests if t.tested]
    informative = [t for t in tests if t.informative]
    positive = [t for t in tested if t.positive and (t.informative or t.name in POSITIVE_ALONE)]
    lods = [t.lod95_tf for t in informative if t.tested and np.isfinite(t.lod95_tf)]
    lod = min(lods) if lods else math.nan
    if positive:
        detected, code = True, None
    elif any(t.tested for t in informative) and lod <= max_lod:
        detected, code = False, None
    elif any(t.tested for t in informative):
        detected, code = None, BELOW_LOD
    elif informative:
        detected, code = None, NOT_ASSESSABLE
    else:
        detected, code = None, NO_INFORMATIVE
    return SampleCall(detected, code, _names(informative), _names(tested), _names(positive), lod)
