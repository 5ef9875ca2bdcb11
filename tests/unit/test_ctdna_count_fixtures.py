"""Builders of tiny generated ctDNA fixtures (reference, BAM, VCF, BED) + checks of the builders.

Reads are written from a random reference with an optional SNV / deletion / insertion at a
given 0-based position, so the expected allele of every read is known by construction.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path

import pysam

CONTIG = "chr17"
READ_LENGTH = 100


def write_reference(
    path: Path, length: int = 4000, seed: int = 20240601, contig: str = CONTIG
) -> str:
    """A random-sequence FASTA (indexed) of ``length`` bases; returns the sequence."""
    rng = random.Random(seed)
    sequence = "".join(rng.choice("ACGT") for _ in range(length))
    lines = [sequence[i : i + 60] for i in range(0, length, 60)]
    path.write_text(f">{contig}\n" + "\n".join(lines) + "\n")
    pysam.faidx(str(path))
    return sequence


@dataclass
class Read:
    """One alignment to write; ``variant`` = ('snv', pos0, base) | ('del', anchor0, n) |
    ('ins', anchor0, seq)."""

    name: str
    start: int
    flag: int
    mate_start: int
    tlen: int
    mapq: int = 60
    variant: tuple | None = None
    low_qual_at: int | None = None
    tags: list = field(default_factory=list)
    cigar: str | None = None  # explicit CIGAR (variant then an ('snv', pos0, base) only)


def _sequence_and_cigar(reference: str, read: Read) -> tuple[str, str]:
    """Read bases and CIGAR for a READ_LENGTH read at ``read.start`` carrying ``read.variant``."""
    start, variant = read.start, read.variant
    if read.cigar is not None:
        return _sequence_for_cigar(reference, read), read.cigar
    if variant is None:
        return reference[start : start + READ_LENGTH], f"{READ_LENGTH}M"
    kind, where, what = variant
    offset = where - start
    if not 0 <= offset <= READ_LENGTH - 6:
        raise ValueError(f"variant at {where} is not inside read {read.name} at {start}")
    if kind == "snv":
        seq = reference[start : start + READ_LENGTH]
        return seq[:offset] + what + seq[offset + 1 :], f"{READ_LENGTH}M"
    if kind == "del":
        left = reference[start : where + 1]
        right = reference[where + 1 + what : where + 1 + what + READ_LENGTH - len(left)]
        return left + right, f"{len(left)}M{what}D{len(right)}M"
    left = reference[start : where + 1]
    right = reference[where + 1 : where + 1 + READ_LENGTH - len(left) - len(what)]
    return left + what + right, f"{len(left)}M{len(what)}I{len(right)}M"


def _sequence_for_cigar(reference: str, read: Read) -> str:
    """Read bases for an explicit CIGAR: reference bases on M/=/X (the SNV base at its
    position), 'T' for inserted and 'G' for soft-clipped bases."""
    pieces, ref_pos = [], read.start
    for length, op in re.findall(r"(\d+)([MIDNSHP=X])", read.cigar):
        length = int(length)
        if op in "M=X":
            bases = list(reference[ref_pos : ref_pos + length])
            if read.variant and ref_pos <= read.variant[1] < ref_pos + length:
                bases[read.variant[1] - ref_pos] = read.variant[2]
            pieces.append("".join(bases))
        elif op in "IS":
            pieces.append(("T" if op == "I" else "G") * length)
        if op in "M=XDN":
            ref_pos += length
    return "".join(pieces)


def write_bam(
    path: Path,
    reference: str,
    reads: list[Read],
    contig: str = CONTIG,
    index: bool = True,
    base_quality: int = 35,
) -> Path:
    """Coordinate-sorted BAM of ``reads`` (qualities ``base_quality``, 2 at ``low_qual_at``)."""
    header = {
        "HD": {"VN": "1.6", "SO": "coordinate"},
        "SQ": [{"SN": contig, "LN": len(reference)}],
    }
    unsorted = path.with_suffix(".unsorted.bam")
    with pysam.AlignmentFile(str(unsorted), "wb", header=header) as bam:
        for read in reads:
            bam.write(_segment(reference, read, base_quality))
    pysam.sort("-o", str(path), str(unsorted))
    unsorted.unlink()
    if index:
        pysam.index(str(path))
    return path


def _segment(reference: str, read: Read, base_quality: int = 35) -> pysam.AlignedSegment:
    sequence, cigar = _sequence_and_cigar(reference, read)
    segment = pysam.AlignedSegment()
    segment.query_name = read.name
    segment.query_sequence = sequence
    segment.flag = read.flag
    segment.reference_id = 0
    segment.reference_start = read.start
    segment.mapping_quality = read.mapq
    segment.cigarstring = cigar
    segment.next_reference_id = 0
    segment.next_reference_start = read.mate_start
    segment.template_length = read.tlen
    qualities = [base_quality] * len(sequence)
    if read.low_qual_at is not None:
        qualities[read.low_qual_at - read.start] = 2
    segment.query_qualities = qualities
    for tag, value in read.tags:
        segment.set_tag(tag, value)
    return segment


def pair(
    name: str,
    start1: int,
    start2: int,
    variant1=None,
    variant2=None,
    *,
    extra_flag=0,
    mapq=60,
    low_qual1=None,
    low_qual2=None,
    tags=(),
) -> list[Read]:
    """A proper pair: mate 1 forward at start1, mate 2 reverse at start2 (flags 99/147)."""
    tlen = start2 + READ_LENGTH - start1
    return [
        Read(name, start1, 99 | extra_flag, start2, tlen, mapq, variant1, low_qual1, list(tags)),
        Read(name, start2, 147 | extra_flag, start1, -tlen, mapq, variant2, low_qual2, list(tags)),
    ]


def write_targets(path: Path, rows: list[tuple]) -> Path:
    """A BED of (chrom, start, end, gene) rows."""
    path.write_text("".join("\t".join(map(str, r)) + "\n" for r in rows))
    return path


def write_tumour_vcf(
    path: Path, records: list[tuple], sample: str = "T1", contig: str = CONTIG, length: int = 4000
) -> Path:
    """bgzipped, indexed VCF; records = (pos, ref, alt, filter, af) with af None -> no AF."""
    header = [
        "##fileformat=VCFv4.2",
        f"##contig=<ID={contig},length={length}>",
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">',
        '##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fraction">',
        f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{sample}",
    ]
    lines = []
    for pos, ref, alt, filt, af in records:
        n_alt = alt.count(",") + 1
        fmt, values = (
            ("GT:AD:AF", f"0/1:60,{','.join(['40'] * n_alt)}:{af}")
            if af is not None
            else ("GT:AD", f"0/1:60,{','.join(['40'] * n_alt)}")
        )
        lines.append(f"{contig}\t{pos}\t.\t{ref}\t{alt}\t50\t{filt}\t.\t{fmt}\t{values}")
    plain = path.with_name(path.name.removesuffix(".gz"))
    plain.write_text("\n".join(header + lines) + "\n")
    pysam.tabix_compress(str(plain), str(path), force=True)
    plain.unlink()
    pysam.tabix_index(str(path), preset="vcf", force=True)
    return path


def test_deletion_read_has_expected_cigar(tmp_path):
    reference = write_reference(tmp_path / "ref.fa", length=500)
    sequence, cigar = _sequence_and_cigar(
        reference, Read("r", 100, 99, 200, 200, variant=("del", 150, 3))
    )
    assert cigar == "51M3D49M"
    assert sequence == reference[100:151] + reference[154:203]


def test_insertion_read_has_expected_cigar(tmp_path):
    reference = write_reference(tmp_path / "ref.fa", length=500)
    sequence, cigar = _sequence_and_cigar(
        reference, Read("r", 100, 99, 200, 200, variant=("ins", 150, "GT"))
    )
    assert cigar == "51M2I47M"
    assert sequence == reference[100:151] + "GT" + reference[151:198]
