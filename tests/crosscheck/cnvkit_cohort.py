"""The generated BAMs of the CNVkit cross-check (tests/crosscheck/test_ctdna_cnvkit.py, whose
docstring describes the cohort): capture targets, PoN and plasma samples with a known MDM2/CDK4
gain, written as coordinate-sorted, indexed BAMs with samtools."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd

from tests.conftest import require_tool

CONTIGS = {"chr1": 40_000, "chr5": 30_000, "chr12": 50_000, "chr17": 30_000}
READ = 100  # read length (bp)
FRAGMENTS = 500  # mean fragments per target at library scale 1
PON = 10
PLASMA = [
    ("P1", 0.0, 20.0),
    ("P2", 0.02, 20.0),
    ("P3", 0.05, 20.0),
    ("P4", 0.1, 20.0),
    ("P5", 0.2, 20.0),
    ("P6", 0.05, 40.0),
]  # (sample, tumour fraction f, MDM2 copies C)
GAINED = ("MDM2", "CDK4")  # co-amplified 12q13-15 genes


def targets_frame() -> pd.DataFrame:
    layout = [
        ("chr1", ["BACKBONE"] * 6),
        ("chr5", ["BACKBONE"] * 4),
        ("chr12", ["BACKBONE"] * 2 + ["CDK4"] * 3 + ["MDM2"] * 6),
        ("chr17", ["BACKBONE"] * 4 + ["TP53"] * 3),
    ]
    rows, backbone = [], 0
    for chrom, genes in layout:
        for i, gene in enumerate(genes):
            if gene == "BACKBONE":
                backbone += 1
                gene = f"BACKBONE_{backbone:02d}"
            rows.append((chrom, 2000 + 3000 * i, 2200 + 3000 * i, gene))
    return pd.DataFrame(rows, columns=["chrom", "start", "end", "gene"])


def sam_lines(
    rng, name: str, fraction: float, copies: float, targets: pd.DataFrame, efficiency: np.ndarray
) -> list[tuple]:
    """(chrom, pos0, SAM line) of one sample's reads."""
    scale, lines = rng.uniform(0.7, 1.3), []
    seq, qual = "ACGT" * (READ // 4), "I" * READ
    for k, t in enumerate(targets.itertuples(index=False)):
        gained = t.gene in GAINED
        ratio = 1 + fraction * (copies - 2) / 2 if gained else 1.0
        mean = FRAGMENTS * scale * efficiency[k] * ratio * rng.lognormal(0, 0.03)
        n = rng.poisson(mean)
        lengths = np.clip(rng.normal(167, 20, n), READ, 300).astype(int)
        starts = rng.integers(t.start - 130, t.end - 30, n)
        for i, (start, length) in enumerate(zip(starts, lengths)):
            mapq = 5 if rng.random() < 0.04 else 60
            dup_flags = [0, 0x400] if rng.random() < 0.10 else [0]  # + a marked duplicate
            for c, dup in enumerate(dup_flags):
                qname = f"{name}_{k}_{i}_{c}"
                mate = start + length - READ
                for flag, pos, mpos, tlen in (
                    (99, start, mate, length),
                    (147, mate, start, -length),
                ):
                    lines.append(
                        (
                            t.chrom,
                            pos,
                            f"{qname}\t{flag | dup}\t{t.chrom}\t{pos + 1}\t"
                            f"{mapq}\t{READ}M\t=\t{mpos + 1}\t{tlen}\t{seq}\t{qual}",
                        )
                    )
    return lines


def write_bam(folder: Path, name: str, lines: list[tuple]) -> Path:
    order = {chrom: i for i, chrom in enumerate(CONTIGS)}
    header = "@HD\tVN:1.6\tSO:coordinate\n" + "".join(
        f"@SQ\tSN:{c}\tLN:{n}\n" for c, n in CONTIGS.items()
    )
    sam = folder / f"{name}.sam"
    body = "\n".join(line for _, _, line in sorted(lines, key=lambda x: (order[x[0]], x[1])))
    sam.write_text(header + body + "\n")
    bam = folder / f"{name}.bam"
    samtools = require_tool("samtools")
    subprocess.run([samtools, "view", "-b", "-o", str(bam), str(sam)], check=True)
    subprocess.run([samtools, "index", str(bam)], check=True)
    sam.unlink()
    return bam


def write_cohort(folder: Path, rng) -> tuple[pd.DataFrame, dict]:
    """Targets (also as ``folder``/targets.bed) and {sample: BAM} of the PoN and plasma samples."""
    targets = targets_frame()
    targets.to_csv(folder / "targets.bed", sep="\t", header=False, index=False)
    efficiency = rng.lognormal(0, 0.4, len(targets))
    specs = [(f"PON{i + 1:02d}", 0.0, 2.0) for i in range(PON)] + PLASMA
    bams = {
        name: write_bam(folder, name, sam_lines(rng, name, f, c, targets, efficiency))
        for name, f, c in specs
    }
    return targets, bams
