"""Genomic inputs read one way: BED intervals, contig naming, the tumour column of a VCF.

- **BED** (UCSC format, genome.ucsc.edu/FAQ/FAQformat.html#format1): 0-based half-open
  intervals; ``#``, ``track`` and ``browser`` lines and blank lines are skipped; plain or
  gzip-compressed. One interval rule: ``0 <= start < end``. A zero-length interval
  (``end == start``) covers no base, and a reversed or negative one is a typo: both are
  refused with file, line and column rather than silently counted as nothing.
- **Contig naming**: GRCh38 has two spellings, ``17`` (Ensembl/NCBI) and ``chr17`` (UCSC),
  and ``MT`` vs ``chrM`` for the mitochondrion. Inputs that share no contig but would with
  the other spelling are a naming mismatch (reads would silently count zero).
- **Tumour column** of a multi-sample VCF: the sample named as the tumour; else the only
  sample; else the one sample named by a ``##tumor_sample=`` header (Mutect2, DRAGEN); else
  the one sample called TUMOR/TUMOUR (Strelka2, VarScan2); else refused (never guessed).
  A sites-only VCF has no tumour column (None): the caller decides whether it can do without.

Pure Python and importable without pandas (tmb-calc's start-up).
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import NamedTuple

from stereosarc.errors import InputError

BED_SKIP_PREFIXES = ("#", "track", "browser")  # UCSC BED header and comment lines
MITOCHONDRION = {"MT": "chrM", "chrM": "MT"}  # Ensembl vs UCSC name of the mitochondrion
TUMOR_SAMPLE_RE = re.compile(r"^##tumor_sample=(\S+)", re.MULTILINE)  # Mutect2/GATK header
TUMOUR_NAMES = ("TUMOR", "TUMOUR")  # Strelka2 / VarScan2 somatic sample column names


class BedError(InputError):
    """A BED file is missing, unreadable, empty or has a malformed interval (file, line)."""


class TumourColumnError(InputError):
    """The tumour sample of a multi-sample VCF cannot be told apart (never guessed)."""


class BedInterval(NamedTuple):
    """One BED line: 0-based half-open [start, end), the name column (None when absent or
    empty) and the 1-based line number in the file."""

    chrom: str
    start: int
    end: int
    name: str | None
    line: int


def open_text(path: Path):
    """A text handle on ``path`` (UTF-8), decompressing when the name ends in .gz."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def bed_interval(label: str, line_no: int, fields: list[str]) -> BedInterval:
    """One BED line split on tabs, checked: 3+ columns, integer coordinates, 0 <= start < end.

    ``label`` (the file) and ``line_no`` name the place in every error.
    """
    if len(fields) < 3:
        raise BedError(
            f"{label} row {line_no}: expected at least 3 tab-separated columns "
            f"(chrom, start, end), found {len(fields)}"
        )
    try:
        start, end = int(fields[1]), int(fields[2])
    except ValueError as err:
        raise BedError(
            f"{label} row {line_no}, column start/end: {fields[1]!r}/{fields[2]!r} "
            "are not integers"
        ) from err
    if start < 0 or end <= start:
        raise BedError(
            f"{label} row {line_no}, column end: interval {start}-{end} is empty, reversed "
            "or negative (BED is 0-based half-open: 0 <= start < end)"
        )
    name = fields[3].strip() if len(fields) > 3 and fields[3].strip() else None
    return BedInterval(fields[0], start, end, name, line_no)


def read_bed(path: str | Path, label: str = "BED") -> list[BedInterval]:
    """Every interval of a BED file, in file order and unmerged (the module's rule).

    ``label`` says what the file is in messages ("panel BED", "targets BED").
    """
    path = Path(path)
    if not path.exists():
        raise BedError(f"{path}: {label} file not found")
    intervals = []
    try:
        with open_text(path) as handle:
            for line_no, line in enumerate(handle, start=1):
                if not line.strip() or line.startswith(BED_SKIP_PREFIXES):
                    continue
                intervals.append(bed_interval(str(path), line_no, line.rstrip("\n\r").split("\t")))
    except (OSError, UnicodeDecodeError, EOFError) as err:
        raise BedError(f"{path}: cannot read {label} ({err})") from err
    if not intervals:
        raise BedError(f"{path}: {label} has no intervals")
    return intervals


def alternate_name(contig: str) -> str:
    """The other common spelling of a contig: '17' <-> 'chr17', 'MT' <-> 'chrM'."""
    if contig in MITOCHONDRION:
        return MITOCHONDRION[contig]
    return contig[3:] if contig.startswith("chr") else f"chr{contig}"


def uses_chr_prefix(contigs) -> bool:
    """True when any contig name starts with 'chr' (UCSC naming)."""
    return any(str(name).startswith("chr") for name in contigs)


def in_naming_of(contig: str, chr_prefixed: bool) -> str:
    """``contig`` spelt in the naming of a reference that does (or does not) use 'chr'."""
    if contig.startswith("chr") == chr_prefixed:
        return contig
    return alternate_name(contig)


def naming_mismatch(used: set[str], available: set[str]) -> bool:
    """True when ``used`` shares no contig with ``available`` but would with the other
    spelling (e.g. sites on '17', BAM header 'chr17')."""
    if not used or used & available:
        return False
    return bool({alternate_name(c) for c in used} & available)


def tumour_column(samples: list[str], raw_header: str, tumour: str) -> int | None:
    """Index of the tumour sample among the VCF's ``samples`` (module rule); None for a
    sites-only VCF. TumourColumnError when no rule singles one out."""
    if not samples:
        return None
    if tumour in samples:
        return samples.index(tumour)
    if len(samples) == 1:
        return 0
    declared = sorted({name for name in TUMOR_SAMPLE_RE.findall(raw_header) if name in samples})
    if len(declared) == 1:  # several (Mutect2 multi-tumour): the tumour must be named
        return samples.index(declared[0])
    named = [s for s in samples if s.upper() in TUMOUR_NAMES]
    if len(named) == 1:
        return samples.index(named[0])
    raise TumourColumnError(
        f"tumour sample {tumour!r} not found among VCF samples {samples} and no single "
        "##tumor_sample= header or TUMOR/TUMOUR column to fall back on"
    )
