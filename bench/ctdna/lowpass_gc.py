"""GC per 1 Mb bin from a FASTA: ctdna-bin's byte histogram against the former eight
``bytes.count`` per bin, on the same bins, CPU seconds and equality of every value.

    python bench/ctdna/lowpass_gc.py /tmp/lowpass_binning/reduced_genome_seed20240601.fa

(the FASTA of bench/ctdna/lowpass_binning.py; any indexed FASTA works).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from ctdna import lowpass_io
from ctdna.io import open_fasta

BIN_BP = 1_000_000  # ctdna-bin's default bin size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fasta")
    fasta = parser.parse_args().fasta
    reference = open_fasta(fasta)
    rows = [
        (chrom, start, min(start + BIN_BP, length))
        for chrom, length in zip(reference.references, reference.lengths)
        for start in range(0, length, BIN_BP)
    ]
    bins = pd.DataFrame(rows, columns=["chrom", "start", "end"])
    started = time.process_time()
    before = [lowpass_io.gc_fraction(reference.fetch(*row).encode()) for row in rows]
    before_s = time.process_time() - started
    reference.close()
    started = time.process_time()
    after = lowpass_io.fasta_gc(bins, fasta, "bench", exact=True)
    after_s = time.process_time() - started
    same = np.array_equal(np.array(before), after, equal_nan=True)
    megabases = sum(end - start for _, start, end in rows) / 1e6
    ratio = before_s / after_s
    print(f"{len(rows)} bins, {megabases:.1f} Mb: bytes.count {before_s:.2f} CPU s, "
          f"histogram {after_s:.2f} CPU s ({ratio:.1f}x), identical: {same}")  # fmt: skip


if __name__ == "__main__":
    main()
