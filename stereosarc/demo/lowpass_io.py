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


def write_lowpass_bam(
    records: pd.DataFrame, sequences: dict[str, str], path: Path, sample: str
) -> Path:
    """Coordinate-sorted BAM of ``records`` (stereosarc.demo.lowpass.plasma_records) with
    reference bases as read sequences, and its .bai."""
    header = {
        "HD": {"VN": "1.6", "SO": "coordinate"},
        "SQ": [{"SN": name, "LN": len(sequence)} for name, sequence in sequences.items()],
        "RG": [{"ID": sample, "SM": sample}],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with pysam.AlignmentFile(str(tmp), "wb", header=header) as bam:
        record = pysam.AlignedSegment(bam.header)
        for row in records.itertuples(index=False):
            record.query_name = row.name
            record.flag = int(row.flag)
            record.reference_id = record.next_reference_id = int(row.tid)
            record.reference_start = int(row.pos)
            record.mapping_quality = int(row.mapq)
            record.cigartuples = [(0, int(row.read_length))]
            record.next_reference_start = int(row.mate_pos)
            record.template_length = int(row.tlen)
            record.query_sequence = sequences[row.chrom][row.pos : row.pos + row.read_length]
            record.query_qualities = pysam.qualitystring_to_array(
                chr(33 + BASE_QUALITY) * int(row.read_length)
            )
            record.set_tag("RG", sample)
            bam.write(record)
    os.replace(tmp, path)
    pysam.index(str(path))
    return path
