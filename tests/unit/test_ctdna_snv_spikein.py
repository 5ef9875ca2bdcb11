"""Spike-in simulation with known tumour fraction (seeded), at count level and through a BAM.

Count level: per-site error rates e_s ~ lognormal (median 2e-4, sd of log 1), a PoN of 20
donors (alt ~ Binomial(d, e_s)), plasma samples alt ~ Binomial(d, p_s(TF)) with
p_s = TF/2 (1 - e_s) + (1 - TF/2) e_s, d ~ Poisson(3,000) fragments per site. The PoN
samples are each called against the other 19 (leave-one-out). BAM level: reads are written
mutant with probability TF/2 and counted by ctdna-count's code, then called.
bench/ctdna/spikein_sensitivity.py prints the full sensitivity table of docs/ctdna_counting.md.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import pytest

from ctdna import counting, snv, snv_background
from tests.unit.test_ctdna_count_fixtures import pair, write_bam, write_reference

SEED = 20240601
ERROR_MEDIAN, ERROR_LOG_SD = (
    2e-4,
    1.0,
)  # deduplicated cfDNA substitution error ~1e-4..1e-3 (Newman 2016 iDES)
N_PON = 20


def site_frame(alt, depth, tissue_vaf: float = 0.3) -> pd.DataFrame:
    """Per-site counts of one sample at SNV sites chr17:1..n (C>T)."""
    n = len(alt)
    return pd.DataFrame(
        {
            "chrom": "chr17",
            "pos": np.arange(1, n + 1),
            "ref": "C",
            "alt": "T",
            "variant_type": "snv",
            "tissue_vaf": tissue_vaf,
            "alt_fragments": alt,
            "depth_fragments": depth,
        }
    )


class SimulatedPon(NamedTuple):
    rates: np.ndarray  # per-site error rate e_s
    alt: np.ndarray  # (N_PON, sites) alt fragments
    depth: np.ndarray  # (N_PON, sites) fragments
    counts: pd.DataFrame  # long per-site counts of every donor (sample N0..)
    background: pd.DataFrame  # snv_background.background_from_pon(counts)


def simulated_pon(
    rng: np.random.Generator, n_sites: int, depth: int, tissue_vaf: float = 0.3
) -> SimulatedPon:
    """Lognormal per-site error rates and N_PON donors with d ~ Poisson(depth) per site."""
    rates = np.clip(ERROR_MEDIAN * np.exp(rng.normal(0, ERROR_LOG_SD, n_sites)), 1e-6, 5e-3)
    pon_depth = rng.poisson(depth, (N_PON, n_sites))
    pon_alt = rng.binomial(pon_depth, rates)
    counts = pd.concat(
        [
            site_frame(pon_alt[i], pon_depth[i], tissue_vaf).assign(sample=f"N{i}")
            for i in range(N_PON)
        ],
        ignore_index=True,
    )
    return SimulatedPon(
        rates, pon_alt, pon_depth, counts, snv_background.background_from_pon(counts)
    )


def simulate(
    rng: np.random.Generator, tf_grid, n_sites: int, replicates: int, depth: int = 3000
) -> pd.DataFrame:
    """One row per simulated plasma sample (and per PoN donor, tf = 'pon') with its call."""
    rows = []
    for replicate in range(replicates):
        rates, pon_alt, pon_depth, pon, background = simulated_pon(rng, n_sites, depth)
        for tf in tf_grid:
            d = rng.poisson(depth, n_sites)
            mu = tf / 2
            alt = rng.binomial(d, mu * (1 - rates) + (1 - mu) * rates)
            call = snv.call_sample(site_frame(alt, d), background)
            rows.append(
                {"replicate": replicate, "tf": tf, "design_sites": n_sites, **call.to_dict()}
            )
        if replicate < 1:  # leave-one-out PoN calls, once per site count
            for i in range(N_PON):
                others = snv_background.background_from_pon(pon[pon["sample"] != f"N{i}"])
                call = snv.call_sample(site_frame(pon_alt[i], pon_depth[i]), others)
                rows.append(
                    {
                        "replicate": replicate,
                        "tf": "pon",
                        "design_sites": n_sites,
                        **call.to_dict(),
                    }
                )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def simulated():
    print(f"seed {SEED}")
    rng = np.random.default_rng(SEED)
    return pd.concat(
        [simulate(rng, [0.0, 0.01, 0.05], n_sites, 60) for n_sites in (1, 3)], ignore_index=True
    )


def test_tf_estimate_within_25_percent_at_tf_1_percent_and_above(simulated):
    spiked = simulated[simulated["tf"].isin([0.01, 0.05])].copy()
    spiked["relative_error"] = spiked["tumour_fraction"] / spiked["tf"].astype(float) - 1
    median = spiked.groupby(["tf", "design_sites"])["relative_error"].median()
    assert (median.abs() <= 0.25).all(), median
    within = (
        (spiked["relative_error"].abs() <= 0.25)
        .groupby([spiked["tf"], spiked["design_sites"]])
        .mean()
    )
    assert within.loc[(0.05, 1)] >= 0.9 and within.loc[(0.05, 3)] >= 0.95
    assert within.loc[(0.01, 3)] >= 0.8


def test_interval_covers_truth_about_95_percent(simulated):
    spiked = simulated[simulated["tf"].isin([0.01, 0.05])]
    tf = spiked["tf"].astype(float)
    covered = ((spiked["tf_ci_low"] <= tf) & (tf <= spiked["tf_ci_high"])).mean()
    assert 0.88 <= covered <= 0.99


def test_no_detection_in_pon_or_tf_zero(simulated):
    null = simulated[simulated["tf"].isin(["pon", 0.0])]
    assert len(null) == 2 * 60 + 2 * N_PON
    assert not (null["detected"] == True).any()  # noqa: E712 (object column of True/False/None)


def test_sensitivity_at_5_percent_is_complete(simulated):
    spiked = simulated[simulated["tf"] == 0.05]
    assert (spiked["detected"] == True).all()  # noqa: E712


def test_bam_level_spike_in_through_counting(tmp_path):
    rng = np.random.default_rng(SEED)
    reference = write_reference(tmp_path / "ref.fa", length=1000)
    site = 500
    alt = "A" if reference[site] != "A" else "C"
    error = ("snv", site, "G" if alt != "G" and reference[site] != "G" else "T")

    def sample_bam(name: str, tf: float, fragments: int = 3000, error_rate: float = 1e-3):
        reads = []
        for i in range(fragments):
            draw = rng.random()
            variant = (
                ("snv", site, alt) if draw < tf / 2 else error if draw > 1 - error_rate else None
            )
            start = int(rng.integers(site - 85, site - 10))
            reads += pair(f"{name}{i}", start, start + int(rng.integers(120, 250)), variant)
        return write_bam(tmp_path / f"{name}.bam", reference, reads)

    sites = pd.DataFrame(
        [("chr17", site + 1, reference[site], alt, "snv")],
        columns=["chrom", "pos", "ref", "alt", "variant_type"],
    )

    def counts(path):
        return counting.count_sites(path, sites, counting.ReadFilter(min_mapq=20, min_baseq=20))

    pon = pd.concat([counts(sample_bam(f"N{i}", 0.0)).assign(sample=f"N{i}") for i in range(3)])
    background = snv_background.background_from_pon(pon)
    plasma = counts(sample_bam("P", 0.04))
    call = snv.call_sample(plasma.assign(tissue_vaf=0.3), background)
    assert plasma["depth_fragments"].iloc[0] == 3000  # every fragment covers the site once
    assert call.detected is True
    assert call.tf_ci_low <= 0.04 <= call.tf_ci_high
    assert abs(call.tumour_fraction / 0.04 - 1) <= 0.25
