"""Files of the low-pass WGS simulator (stereosarc.demo.lowpass): FASTA (+ .fai) and BAM
(+ .bai), written deterministically."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pysam

from stereosarc.demo.io import write_fasta

BASE_QUALITY = 30  # Phred of every simulated base (binning ignores base qualities)


def write_reference(sequences: dict[str, str], path: Path) -> Path:
    """FASTA of the contigs and its samtools faidx index."""
    write_fasta(list(sequences.items()), path)
    pysam.faidx(str(path))
    return path


def sam_text(records: pd.DataFrame, sequences: dict[str, str], sample: str) -> str:
    """SAM lines of ``records`` (stereosarc.demo.lowpass.plasma_records): 1-based POS and
    PNEXT, mate on the same contig (``=``), reference bases as read sequences, base quality
    BASE_QUALITY, read group ``sample``."""
    chrom, pos = records["chrom"].tolist(), records["pos"].to_numpy()
    length = records["read_length"].tolist()
    bases = [sequences[c][p : p + n] for c, p, n in zip(chrom, pos.tolist(), length)]
    quality = chr(33 + BASE_QUALITY)
    columns = [
        records["name"].tolist(), records["flag"].astype(str).tolist(), chrom,
        (pos + 1).astype(str).tolist(), records["mapq"].astype(str).tolist(),
        [f"{n}M" for n in length], ["="] * len(chrom),
        (records["mate_pos"] + 1).astype(str).tolist(), records["tlen"].astype(str).tolist(),
        bases, [quality * n for n in length], [f"RG:Z:{sample}"] * len(chrom),
    ]  # fmt: skip
    return "".join("\t".join(fields) + "\n" for fields in zip(*columns))


def write_lowpass_bam(
    records: pd.DataFrame, sequences: dict[str, str], path: Path, sample: str
) -> Path:
    """Coordinate-sorted BAM of ``records`` (stereosarc.demo.lowpass.plasma_records, already
    sorted) and its .bai: SAM text converted by htslib (pysam's samtools view, no @PG line so
    the bytes do not depend on the path)."""
    header = "@HD\tVN:1.6\tSO:coordinate\n" + "".join(
        f"@SQ\tSN:{name}\tLN:{len(sequence)}\n" for name, sequence in sequences.items()
    )
    header += f"@RG\tID:{sample}\tSM:{sample}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    sam = path.with_name(path.name + ".sam.tmp")
    tmp = path.with_name(path.name + ".tmp")
    sam.write_text(header + sam_text(records, sequences, sample), encoding="ascii")
    pysam.view("-b", "--no-PG", "-o", str(tmp), str(sam), catch_stdout=False)
    sam.unlink()
    os.replace(tmp, path)
    pysam.index(str(path))
    return path
