"""Cheap structural checks of the files a samplesheet points to, run before any task.

Each check raises InputError with the file name and the fix; nothing here computes results.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

from stereosarc import genomics
from stereosarc.errors import InputError

BAM_INDEX_SUFFIXES = (".bai", ".csi")  # samtools index writes x.bam.bai (or x.bai, .csi with -c)
CRAM_INDEX_SUFFIXES = (".crai",)
VCF_ANNOTATION_KEYS = ("CSQ", "ANN")  # VEP and snpEff INFO keys (DESIGN.md)
GZIP_CHUNK = 1 << 20


def find_index(path: Path) -> Path | None:
    """The index beside a BAM/CRAM (x.bam.bai, x.bai, x.bam.csi, x.cram.crai), or None."""
    suffixes = CRAM_INDEX_SUFFIXES if path.suffix == ".cram" else BAM_INDEX_SUFFIXES
    for suffix in suffixes:
        for candidate in (Path(f"{path}{suffix}"), path.with_suffix(suffix)):
            if candidate.exists():
                return candidate
    return None


def find_vcf_index(path: Path) -> Path | None:
    """The tabix/CSI index beside a bgzipped VCF, or None."""
    for suffix in (".tbi", ".csi"):
        candidate = Path(f"{path}{suffix}")
        if candidate.exists():
            return candidate
    return None


def read_vcf_header(path: Path) -> list[str]:
    """Header lines of a VCF (plain or gzip), checking the whole gzip stream is intact."""
    opener = gzip.open if path.name.endswith(".gz") else open
    header: list[str] = []
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if not line.startswith("#"):
                    break
                header.append(line.rstrip("\n"))
        if path.name.endswith(".gz"):
            _read_gzip_to_end(path)
    except (EOFError, OSError, zlib.error) as err:
        raise InputError(
            f"{path}: corrupt or truncated gzip ({err}); re-create it with bgzip and tabix -p vcf"
        ) from err
    if not header or not header[0].startswith("##fileformat=VCF"):
        raise InputError(f"{path}: not a VCF (first line must be ##fileformat=VCF...)")
    return header


def _read_gzip_to_end(path: Path) -> None:
    with gzip.open(path, "rb") as handle:
        while handle.read(GZIP_CHUNK):
            pass


def vcf_contigs(header: list[str], path: Path) -> set[str]:
    """Contigs declared in ##contig lines, else those used by the records."""
    declared = {
        line.split("ID=", 1)[1].split(",")[0].rstrip(">")
        for line in header
        if line.startswith("##contig=<")
    }
    if declared:
        return declared
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
        return {line.split("\t", 1)[0] for line in handle if line and not line.startswith("#")}


def check_vcf_annotation(header: list[str], path: Path) -> str:
    """The annotation key present (CSQ or ANN); refuse a VCF with neither."""
    for key in VCF_ANNOTATION_KEYS:
        if any(line.startswith(f"##INFO=<ID={key},") for line in header):
            return key
    raise InputError(
        f"{path}: no ##INFO=<ID=CSQ> (VEP) or ##INFO=<ID=ANN> (snpEff) header; "
        f"annotate the VCF with VEP or snpEff first"
    )


def bam_contigs(path: Path, fasta: Path | None = None) -> set[str]:
    """Reference names of a BAM/CRAM header (pysam)."""
    import pysam

    mode = "rc" if path.suffix == ".cram" else "rb"
    try:
        with pysam.AlignmentFile(
            str(path), mode, reference_filename=str(fasta) if fasta else None, check_sq=False
        ) as handle:
            return set(handle.references)
    except (OSError, ValueError) as err:
        raise InputError(f"{path}: cannot read alignment header ({err})") from err


def bed_contigs(path: Path, need_name: bool = False) -> set[str]:
    """Contigs of a BED file, every interval checked by the one BED rule of
    stereosarc.genomics (0 <= start < end, integers); ``need_name``: column 4 (the gene)
    must be present on every line."""
    intervals = genomics.read_bed(path)
    unnamed = next((i for i in intervals if i.name is None), None) if need_name else None
    if unnamed is not None:
        raise InputError(
            f"{path} row {unnamed.line}: expected 4 tab-separated columns "
            "(chrom, start, end, gene), the gene column is missing or empty"
        )
    return {interval.chrom for interval in intervals}


def check_contig_naming(
    data_contigs: set[str], data_file: Path, bed_contigs_: set[str], bed_file: Path
) -> None:
    """Refuse a 17 vs chr17 mismatch between a data file and a BED (no overlap at all)."""
    if not data_contigs or data_contigs & bed_contigs_:
        return
    hint = (
        " (one uses 'chr' prefixes, the other does not: rename contigs so they match)"
        if genomics.naming_mismatch(data_contigs, bed_contigs_)
        else ""
    )
    raise InputError(
        f"{data_file}: no contig in common with {bed_file.name}; e.g. "
        f"{sorted(data_contigs)[0]!r} vs {sorted(bed_contigs_)[0]!r}{hint}"
    )
