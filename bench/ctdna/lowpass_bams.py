"""Simulated low-pass WGS BAMs of a reduced ~300 Mb genome for bench/ctdna/lowpass_binning.py.

Reads from the project's simulator (stereosarc.demo.lowpass: GC blocks, leading N run of each
contig, GC-biased fragment starts, the simulator's noise records: duplicates, low-MAPQ and
QC-fail pairs, secondary and supplementary records). The BAM is written as SAM text through
``samtools view -b`` (read sequences from the reference, base quality 30): the simulator's
per-record pysam writer (stereosarc.demo.lowpass_io) takes minutes at 1x of 300 Mb.
Files are cached in the work folder under names holding the seed and depth: a rerun with the
same options reuses them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from stereosarc.demo import lowpass, lowpass_io  # noqa: E402

# three contigs of ~300 Mb in all (chr1-chr3 of GRCh38 are 248, 242 and 198 Mb); lengths not
# multiples of 1 Mb, so each contig ends in a partial bin
GENOME = {"chr1": 124_500_000, "chr2": 98_250_000, "chr3": 77_125_000}
TUMOUR_FRACTION = 0.2  # a plasma sample with detectable copy-number change (any TF would do)
PROFILE = [  # the tumour's copy numbers: an arm-sized gain, a loss, a focal amplification
    lowpass.Segment("chr1", 20_000_000, 60_000_000, 3),
    lowpass.Segment("chr2", 0, 40_000_000, 1),
    lowpass.Segment("chr3", 30_000_000, 32_000_000, 5),
]
SAMPLE = "S1"
CHUNK = 200_000  # SAM records per write to samtools
QUALITY = chr(33 + lowpass_io.BASE_QUALITY)  # Phred+33 character of every base


@dataclass(frozen=True)
class SimulatedBam:
    """One cached BAM: its path, depth (x), fragments drawn, records written."""

    path: Path
    depth: float
    fragments: int
    records: int


def _sam_header(sequences: dict[str, str]) -> str:
    contigs = "".join(f"@SQ\tSN:{name}\tLN:{len(seq)}\n" for name, seq in sequences.items())
    return f"@HD\tVN:1.6\tSO:coordinate\n{contigs}@RG\tID:{SAMPLE}\tSM:{SAMPLE}\n"


def write_bam(records: pd.DataFrame, sequences: dict[str, str], path: Path) -> Path:
    """Coordinate-sorted BAM of ``records`` (lowpass.plasma_records) and its .bai."""
    tmp = path.with_name(path.name + ".tmp")
    columns = ("name", "flag", "chrom", "pos", "mapq", "read_length", "mate_pos", "tlen")
    values = [records[column].tolist() for column in columns]
    command = ["samtools", "view", "-b", "-o", str(tmp), "-"]
    with subprocess.Popen(command, stdin=subprocess.PIPE, text=True) as samtools:
        assert samtools.stdin is not None
        samtools.stdin.write(_sam_header(sequences))
        for first in range(0, len(records), CHUNK):
            rows = zip(*(column[first : first + CHUNK] for column in values))
            samtools.stdin.write(
                "".join(
                    f"{name}\t{flag}\t{chrom}\t{pos + 1}\t{mapq}\t{length}M\t=\t{mate + 1}\t"
                    f"{tlen}\t{sequences[chrom][pos : pos + length]}\t{QUALITY * length}\t"
                    f"RG:Z:{SAMPLE}\n"
                    for name, flag, chrom, pos, mapq, length, mate, tlen in rows
                )
            )
        samtools.stdin.close()
    if samtools.returncode:
        raise RuntimeError(f"samtools view -b failed writing {path}")
    os.replace(tmp, path)
    subprocess.run(["samtools", "index", str(path)], check=True)
    return path


def _cached(work: Path, seed: int, depth: float) -> tuple[Path, Path]:
    return work / f"lowpass_{depth:g}x_seed{seed}.bam", work / f"lowpass_{depth:g}x_seed{seed}.n"


def simulated_bams(work: Path, seed: int, depths: list[float]) -> tuple[Path, list[SimulatedBam]]:
    """(reference FASTA, one SimulatedBam per depth), made when not cached in ``work``."""
    work.mkdir(parents=True, exist_ok=True)
    fasta = work / f"reduced_genome_seed{seed}.fa"
    missing = [d for d in depths if not all(p.exists() for p in _cached(work, seed, d))]
    if missing or not fasta.exists():
        started = time.perf_counter()
        sequences = lowpass.reference_genome(seed, GENOME)
        if not fasta.exists():
            lowpass_io.write_reference(sequences, fasta)
        blocks = lowpass.block_table(sequences, PROFILE, "female")
        for depth in depths:
            bam, counts = _cached(work, seed, depth)
            if depth not in missing:
                continue
            rng = np.random.default_rng([seed, round(depth * 1000)])
            fragments = lowpass.draw_fragments(blocks, TUMOUR_FRACTION, depth, rng)
            records = lowpass.plasma_records(fragments, list(sequences), rng)
            write_bam(records, sequences, bam)
            counts.write_text(f"{len(fragments)}\t{len(records)}\n")
        print(f"simulated in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    made = []
    for depth in depths:
        bam, counts = _cached(work, seed, depth)
        fragments, records = (int(v) for v in counts.read_text().split())
        made.append(SimulatedBam(bam, depth, fragments, records))
    return fasta, made
