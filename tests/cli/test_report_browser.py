"""report.html in a real browser (headless Chromium from Debian, outcome.report_browser): the
report of a full run and of a ctDNA-only batch load without console errors, every inline SVG
figure has a size, nothing is wider than a 1280 px viewport and every expected section is
there. A negative control shows the probe sees an overflowing table and a console error.

Skipped only when Chromium is absent and not in CI (scripts/setup.sh installs it)."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from outcome import associations, primary, report, report_browser
from tests.unit.lowpass_report_fixtures import lowpass_tables
from tests.unit.test_associations_degenerate import cohort

SEED = 20240601
VIEWPORT = 1280  # px: a laptop screen; the report must not overflow it
NO_ENET = associations.Settings(n_bootstrap=20, enet_repeats=0)  # fast settings
FULL_SECTIONS = (
    "Run",
    "Primary endpoint: 6-month PFS rate, SBRT + atezolizumab vs SBRT",
    "Arm comparison: SBRT + atezolizumab vs SBRT",
    "Biomarker associations",
    "Model status: refused, skipped and partly refused models",
    "ctDNA",
    "Missing data",
    "Patient and sample flow, rejected rows",
    "Methods",
)
LOWPASS_SECTION = "Low-pass WGS"  # present when the run made the low-pass tables
GENOME = (
    tuple((f"chr{i}", n) for i, n in enumerate((25, 24, 20, 19, 18, 17, 16, 15), 1))
    + tuple((f"chr{i}", 8) for i in range(9, 23))
    + (("chrX", 16),)
)  # about 10 Mb bins of a human genome: the heatmap at its real shape


def sections_for(results, sections: tuple[str, ...]) -> tuple[str, ...]:
    """``sections`` plus the low-pass section when the run at ``results`` published
    ctdna/lowpass_samples.tsv (the demo has low-pass samples once they are wired)."""
    if (results / "ctdna" / "lowpass_samples.tsv").exists():
        return (*sections, LOWPASS_SECTION)
    return sections


BATCH_SECTIONS = (
    "Run",
    "ctDNA",
    "Tumour mutational burden",
    "Sequencing QC",
    "Patient and sample flow, rejected rows",
    "Methods",
)

pytestmark = pytest.mark.skipif(
    report_browser.find_chromium() is None and not os.environ.get("CI"),
    reason="chromium not installed (apt-get install chromium; scripts/setup.sh --test-tools)",
)


def _ctdna(patients: list[str]) -> pd.DataFrame:
    """Three plasma samples per patient (120+ samples: the figures must stay readable)."""
    rng = np.random.default_rng(SEED)
    rows = []
    for patient in patients:
        for timepoint in ("baseline", "month6", "relapse"):
            fraction = float(rng.choice([0.0, rng.uniform(0.001, 0.2)]))
            rows.append(
                {
                    "patient": patient,
                    "sample": f"{patient}-{timepoint}",
                    "timepoint": timepoint,
                    "tumour_fraction": fraction,
                    "detected": int(fraction > 0),
                    "mdm2_log2_ratio": float(rng.normal(0.1, 0.3)),
                    "mdm2_amplified": int(rng.random() < 0.2),
                }
            )
    return pd.DataFrame(rows)


def _cn() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sample": ["n1", "n2"],
            "type": ["pon", "pon"],
            "gene": ["MDM2", "MDM2"],
            "norm_depth": [1.0, 1.1],
            "pon_norm_depth": [1.0, 1.0],
        }
    )


def _rejects() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "stage": ["labs", "clinical"],
            "file": ["labs.csv", "clinical.csv"],
            "row": [3, 7],
            "column": ["date", "start_date"],
            "patient": ["P001", "P002"],
            "severity": ["excluded_by_rule", "error"],
            "code": ["outside_baseline_window", "date_not_iso"],
            "reason": ["drawn 40 days before start", "'03/02/2021' is not an ISO date"],
        }
    )


def check_in_browser(path, sections: tuple[str, ...]) -> dict:
    """Load ``path`` in headless Chromium at VIEWPORT px: no console error, no element wider
    than the viewport, every inline SVG figure sized, every title of ``sections`` present (also
    called by the pipeline tests on the reports the pipeline wrote)."""
    if report_browser.find_chromium() is None and not os.environ.get("CI"):
        pytest.skip("chromium not installed (scripts/setup.sh --test-tools)")
    record = report_browser.probe(path, width=VIEWPORT)
    assert record["innerWidth"] == VIEWPORT
    assert record["errors"] == []
    assert record["scrollWidth"] <= record["innerWidth"], record["wide"]
    assert record["wide"] == []
    assert record["figures"], "no inline SVG figure"
    for figure in record["figures"]:
        assert figure["width"] > 100 and figure["height"] > 100, figure
    titles = [s["title"] for s in record["sections"]]
    for title in sections:
        assert title in titles, (title, titles)
    return record


def test_full_report_renders_in_chromium(tmp_path):
    frame = cohort(n=60)
    table, km = associations.associate(frame, settings=NO_ENET)
    tables = {
        "associations": table,
        "km": km,
        "primary": primary.analyse(frame),
        "ctdna": _ctdna(list(frame["patient"])[:45]),
        "cn": _cn(),
        "rejects": _rejects(),
    }
    path = tmp_path / "report.html"
    path.write_text(report.render(report.ReportInputs(frame, tables, params={"seed": SEED})))
    record = check_in_browser(path, FULL_SECTIONS)
    labels = {f["label"] for f in record["figures"]}
    assert {"PFS by arm", "forest plot", "ctDNA trajectories", "MDM2 in plasma"} <= labels
    titles = [s["title"] for s in record["sections"]]
    assert titles.index(FULL_SECTIONS[1]) < titles.index(FULL_SECTIONS[2])  # primary first


def test_full_report_with_lowpass_section_renders_in_chromium(tmp_path):
    frame = cohort(n=30)
    table, km = associations.associate(frame, settings=NO_ENET)
    patients = list(frame["patient"])
    names = tuple(f"{p}-lowpass" for p in patients[:8])
    samples, ratios, segments = lowpass_tables(names, GENOME)
    ctdna = _ctdna(patients[:20])
    lowpass_rows = samples[["patient", "sample", "timepoint", "tumour_fraction", "detected"]]
    lowpass_rows = lowpass_rows.assign(patient=patients[:8], method="lowpass_wgs")
    tables = {
        "associations": table,
        "km": km,
        "ctdna": pd.concat([ctdna.assign(method="targeted_panel"), lowpass_rows]),
        "lowpass_samples": samples.assign(patient=patients[:8]),
        "lowpass_ratios": ratios,
        "lowpass_segments": segments,
    }
    path = tmp_path / "report.html"
    path.write_text(report.render(report.ReportInputs(frame, tables, params={"seed": SEED})))
    record = check_in_browser(path, (*FULL_SECTIONS[:5], "ctDNA", LOWPASS_SECTION))
    labels = {f["label"] for f in record["figures"]}
    assert {"low-pass genome plot", "low-pass heatmap", "ctDNA trajectories"} <= labels


def test_ctdna_only_batch_report_renders_in_chromium(tmp_path):
    qc = pd.DataFrame(
        {
            "sample": ["P1-baseline", "P2-baseline"],
            "type": ["plasma"] * 2,
            "timepoint": ["baseline"] * 2,
            "evaluable": [1, 0],
        }  # fmt: skip
    )
    tables = {"ctdna": _ctdna(["P1", "P2"]), "ctdna_qc": qc, "rejects": _rejects()}
    path = tmp_path / "report.html"
    path.write_text(report.render(report.ReportInputs(None, tables)))
    check_in_browser(path, BATCH_SECTIONS)


def test_probe_sees_an_overflowing_table_and_a_console_error(tmp_path):
    path = tmp_path / "bad.html"
    path.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
        "<table style='width:3000px'><tr><td>wide</td></tr></table>"
        "<script>console.error('broken figure')</script></body></html>"
    )
    record = report_browser.probe(path, width=VIEWPORT)
    assert record["scrollWidth"] > VIEWPORT and record["wide"]
    assert record["errors"] == ["broken figure"]
