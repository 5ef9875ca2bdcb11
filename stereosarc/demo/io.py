"""All file writing of the demo generator (CSV/TSV tables, BED, FASTA, VCF, BAM, stamp).

Every file is written deterministically: no timestamps, BGZF blocks (BAM, VCF.gz) carry no
mtime, rows in a fixed order. CSV inputs use empty cells for missing values (DESIGN.md);
TSV truth tables go through stereosarc.tables.write_table (``NA`` for missing).
"""

from __future__ import annotations

import array
import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pysam

from stereosarc.demo.reference import HG38_LENGTHS
from stereosarc.tables import atomic_write, validate_frame, write_table

FASTA_WIDTH = 60  # residues per FASTA line (samtools faidx convention)
STAMP = ".complete"


def write_csv(frame: pd.DataFrame, path: Path, schema: str) -> None:
    """Validate against ``schema`` then write a comma-separated table, missing = empty cell."""
    validate_frame(frame, schema)
    atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False, na_rep="", lineterminator="\n"))


def write_tsv(frame: pd.DataFrame, path: Path, schema: str) -> None:
    """Schema-checked TSV (stereosarc.tables.write_table)."""
    write_table(frame, path, schema)


def write_plain_tsv(frame: pd.DataFrame, path: Path) -> None:
    """A QuPath-style export: tab-separated, UTF-8, no index."""
    atomic_write(
        path,
        lambda tmp: frame.to_csv(
            tmp, sep="\t", index=False, lineterminator="\n", encoding="utf-8"
        ),
    )


def write_bed(bed: pd.DataFrame, path: Path) -> None:
    """BED without header (chrom, start, end, name)."""
    atomic_write(
        path, lambda tmp: bed.to_csv(tmp, sep="\t", index=False, header=False, lineterminator="\n")
    )


def write_fasta(records: list[tuple[str, str]], path: Path) -> None:
    lines = []
    for header, sequence in records:
        lines.append(f">{header}")
        lines += [sequence[i : i + FASTA_WIDTH] for i in range(0, len(sequence), FASTA_WIDTH)]
    write_text(path, "\n".join(lines) + "\n")


def write_text(path: Path, text: str) -> None:
    def write(tmp: str) -> None:
        Path(tmp).write_text(text, encoding="utf-8")

    atomic_write(path, write)


def write_vcf(text: str, path: Path) -> None:
    """bgzip (pysam.tabix_compress) and tabix-index a VCF given as text."""
    path.parent.mkdir(parents=True, exist_ok=True)
    plain = path.with_name(path.name.removesuffix(".gz") + ".tmp")
    plain.write_text(text, encoding="utf-8")
    pysam.tabix_compress(str(plain), str(path), force=True)
    plain.unlink()
    pysam.tabix_index(str(path), preset="vcf", force=True)


def bam_header(sample: str, version: str) -> dict:
    return {
        "HD": {"VN": "1.6", "SO": "coordinate"},
        "SQ": [{"SN": name, "LN": length} for name, length in HG38_LENGTHS.items()],
        "RG": [{"ID": sample, "SM": sample, "LB": f"{sample}-lib", "PL": "ILLUMINA"}],
        "PG": [{"ID": "stereosarc-demo", "PN": "stereosarc-demo", "VN": version}],
    }


def write_bam(
    reads: dict[str, list], path: Path, sample: str, version: str, qualities: list[array.array]
) -> None:
    """Coordinate-sorted BAM from ``reads`` columns (already sorted), then its .bai (pysam.index).

    ``qualities`` is the pool of base-quality arrays that ``reads["qual"]`` indexes.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    full = [(0, 100)]  # 100M: the CIGAR of reads without an indel
    with pysam.AlignmentFile(str(tmp), "wb", header=bam_header(sample, version)) as bam:
        record = pysam.AlignedSegment(bam.header)
        columns = [
            reads[c]
            for c in (
                "name",
                "flag",
                "tid",
                "pos",
                "mapq",
                "cigar",
                "mate_pos",
                "tlen",
                "seq",
                "qual",
            )
        ]
        for name, flag, tid, pos, mapq, cigar, mate_pos, tlen, seq, qual in zip(
            *columns, strict=True
        ):
            record.query_name = name
            record.flag = flag
            record.reference_id = tid
            record.reference_start = pos
            record.mapping_quality = mapq
            record.cigartuples = cigar if cigar is not None else full
            record.next_reference_id = tid
            record.next_reference_start = mate_pos
            record.template_length = tlen
            record.query_sequence = seq
            record.query_qualities = (
                qualities[qual] if len(seq) == 100 else qualities[qual][: len(seq)]
            )
            record.set_tag("RG", sample)
            bam.write(record)
    os.replace(tmp, path)
    pysam.index(str(path))


def read_stamp(outdir: Path) -> dict | None:
    """The generation stamp of a complete folder, or None."""
    try:
        return json.loads((outdir / STAMP).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def remove_stamp(outdir: Path) -> None:
    (outdir / STAMP).unlink(missing_ok=True)


def write_stamp(outdir: Path, stamp: dict) -> None:
    write_text(outdir / STAMP, json.dumps(stamp, sort_keys=True) + "\n")


def clear_generated(outdir: Path) -> None:
    """Remove the folders this generator owns (vcf, bam, qupath, lowpass) before regenerating."""
    for name in ("vcf", "bam", "qupath", "lowpass"):
        shutil.rmtree(outdir / name, ignore_errors=True)


def folder_size(outdir: Path) -> int:
    return sum(p.stat().st_size for p in outdir.rglob("*") if p.is_file())
