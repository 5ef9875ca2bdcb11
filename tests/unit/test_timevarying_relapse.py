"""Relapse samples stay out of the time-varying ctDNA Cox model (outcome.timevarying): drawn
because progression is suspected, their status anticipates the event it should predict."""

from __future__ import annotations

import pandas as pd

from outcome import timevarying

PATIENTS = pd.DataFrame({"patient": ["A", "B"], "pfs_days": [300.0, 400.0], "pfs_event": [1, 0]})


def test_a_relapse_sample_is_not_in_the_time_varying_model():
    samples = pd.DataFrame(
        {
            "patient": ["A", "A", "A", "B"],
            "timepoint": ["baseline", "month6", "relapse", "baseline"],
            "day": [-3, 180, 290, 0],
            "detected": [0.0, 0.0, 1.0, 1.0],
        }
    )
    intervals, counts = timevarying.counting_process(PATIENTS, samples)
    a = intervals[intervals["patient"] == "A"]
    assert a[["start", "stop", "event", "detected"]].values.tolist() == [
        [0.0, 180.0, 0, 0.0],
        [180.0, 300.0, 1, 0.0],
    ]  # day 290 relapse draw: not a change
    assert counts["relapse_samples_descriptive_only"] == 1
    assert counts["samples_after_follow_up"] == 0


def test_sample_days_keep_the_timepoint():
    ctdna = pd.DataFrame(
        {
            "patient": ["A", "A"],
            "timepoint": ["baseline", "relapse"],
            "collection_date": ["2021-01-01", "2021-10-20"],
            "detected": [0, 1],
        }
    )
    starts = pd.DataFrame({"patient": ["A"], "start_date": ["2021-01-04"]})
    days = timevarying.sample_days(ctdna, starts)
    assert days["day"].tolist() == [-3, 289] and days["timepoint"].tolist()[1] == "relapse"
