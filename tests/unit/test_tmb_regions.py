"""Interval arithmetic of the TMB denominator; expected values derived by hand."""

import numpy as np
import pandas as pd

from tmb.regions import (
    RegionIndex,
    intersect_regions,
    merge_regions,
    runs_at_or_above,
    total_bases,
)


def frame(rows):
    return pd.DataFrame(rows, columns=["chrom", "start", "end"])


def test_overlapping_and_unsorted_intervals_are_merged_once():
    # chr1 [100,200) + [150,250) + [0,50) unsorted -> [0,50) [100,250): 50 + 150 = 200 bases
    bed = frame([("chr1", 150, 250), ("chr1", 0, 50), ("chr1", 100, 200), ("chr2", 10, 20)])
    merged = merge_regions(bed)
    assert merged.values.tolist() == [["chr1", 0, 50], ["chr1", 100, 250], ["chr2", 10, 20]]
    assert total_bases(bed) == 210  # pyTMB would sum 100 + 100 + 50 + 10 = 260


def test_touching_and_nested_intervals():
    assert merge_regions(frame([("c", 0, 10), ("c", 10, 20), ("c", 2, 5)])).values.tolist() == [
        ["c", 0, 20]
    ]


def test_intersection_with_coding_bed():
    panel = frame([("chr1", 0, 100), ("chr1", 200, 300)])
    coding = frame([("chr1", 50, 250), ("chr2", 0, 10)])
    # [50,100) and [200,250): 50 + 50 bases
    assert intersect_regions(panel, coding).values.tolist() == [
        ["chr1", 50, 100],
        ["chr1", 200, 250],
    ]


def test_runs_at_or_above_depth():
    depth = np.array([10, 60, 60, 49, 50, 50, 0])
    runs = runs_at_or_above("chr1", 1000, depth, 50)
    assert runs.values.tolist() == [["chr1", 1001, 1003], ["chr1", 1004, 1006]]
    assert runs_at_or_above("chr1", 0, np.zeros(3), 1).empty


def test_membership_is_half_open_zero_based():
    index = RegionIndex.build(frame([("chr1", 99, 200)]))  # POS 100..200 (1-based)
    inside = index.contains(pd.Series(["chr1"] * 4 + ["chr2"]), pd.Series([98, 99, 199, 200, 150]))
    assert inside.tolist() == [False, True, True, False, False]
