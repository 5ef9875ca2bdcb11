"""Low-pass WGS bins tables for tests: the reduced-genome simulator's fragments
(stereosarc.demo.lowpass) binned with their short (90-150 bp) and long (151-220 bp) counts,
in ctdna-bin's table layout (schema ctdna_lowpass_bins)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from stereosarc.demo import lowpass

SEED = 20240601
GENOME = {f"chr{i}": 2_000_000 for i in range(1, 5)} | {"chrX": 1_000_000, "chrY": 500_000}
BIN_SIZE = 100_000
PROFILE = [
    lowpass.Segment("chr1", 0, 1_000_000, 3),  # arm-level gain
    lowpass.Segment("chr2", 0, 2_000_000, 1),  # whole-chromosome loss
    lowpass.Segment("chr3", 500_000, 900_000, 5),  # focal amplification
]


def bins_table(fragments: pd.DataFrame, sequences: dict[str, str], sample: str) -> pd.DataFrame:
    """ctdna-bin's columns for the simulated fragments (counted by their leftmost base)."""
    length = fragments["length"]
    table = lowpass.binned_fragments(fragments, sequences, BIN_SIZE)
    for name, (low, high) in {"short": (90, 150), "long": (151, 220)}.items():
        subset = fragments[length.between(low, high)]
        table[name] = lowpass.binned_fragments(subset, sequences, BIN_SIZE)["fragments"]
    table["gc"] = table["gc"].round(6)
    return table.assign(sample=sample, source="bam")[
        ["sample", "chrom", "start", "end", "fragments", "short", "long", "gc", "mappability",
         "source"]
    ]  # fmt: skip


class Simulator:
    """Bins tables of plasma samples (PROFILE mixed in at a tumour fraction) and normals."""

    def __init__(self, seed: int = SEED, depth: float = 0.5):
        self.sequences = lowpass.reference_genome(seed, GENOME)
        self.rng = np.random.default_rng(seed)
        self.depth = depth

    def sample(self, name: str, tumour_fraction: float = 0.0, sex: str = "female"):
        blocks = lowpass.block_table(self.sequences, PROFILE, sex)
        fragments = lowpass.draw_fragments(blocks, tumour_fraction, self.depth, self.rng)
        return bins_table(fragments, self.sequences, name)
