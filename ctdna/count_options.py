"""What ctdna-count is asked to do, without numpy or pandas: the ``--tumour`` argument and the
options of one sample, checked before any file is opened (both counting paths take them)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ctdna.count_rules import MAX_BACKGROUND_VAF, MIN_BASEQ, MIN_MAPQ
from ctdna.exceptions import CtdnaInputError
from ctdna.site_rules import FIXED_SITES
from stereosarc import protocol


def parse_tumour_arg(value: str) -> tuple[str, Path]:
    """'TUMOUR_ID=path/to/tumour.vcf.gz' -> (tumour id, path); refuses a bad id or no '='."""
    tumour_id, sep, path = value.partition("=")
    if not sep or not path:
        raise CtdnaInputError(f"--tumour {value!r}: expected TUMOUR_ID=path/to/tumour.vcf.gz")
    if not protocol.is_identifier(tumour_id):
        raise CtdnaInputError(
            f"--tumour {value!r}: tumour id {tumour_id!r} does not match {protocol.ID_PATTERN}"
        )
    return tumour_id, Path(path)


@dataclass(frozen=True)
class CountOptions:
    """What ctdna-count reads and the read filters it applies (defaults: ctdna.counting)."""

    bam: Path  # plasma/PoN BAM or CRAM, indexed
    sample: str  # sample id, written in every row
    targets: Path  # ctDNA targets BED (gene in column 4)
    tumours: tuple[tuple[str, Path], ...] = ()  # (tumour id, VCF) of the patient (pon: all)
    sites: Path | None = None  # fixed site list (tumour-naive tracking)
    fasta: Path | None = None  # reference: checks site REF; needed for CRAM
    min_mapq: int = MIN_MAPQ
    min_baseq: int = MIN_BASEQ
    umi_tag: str | None = None  # collapse UMI families by this tag (MI or RX)
    max_background_vaf: float = MAX_BACKGROUND_VAF
    background: bool = True  # also estimate the sample's error background

    def __post_init__(self) -> None:
        """Refuse a bad sample id, a reserved tumour id or bad thresholds before any file."""
        if not protocol.is_identifier(self.sample):
            raise CtdnaInputError(f"--sample {self.sample!r} does not match {protocol.ID_PATTERN}")
        for name in ("min_mapq", "min_baseq"):
            if getattr(self, name) < 0:
                raise CtdnaInputError(f"--{name.replace('_', '-')} must be >= 0")
        if not 0 < self.max_background_vaf <= 1:
            raise CtdnaInputError("--max-background-vaf must be in (0, 1]")
        for tumour_id, path in self.tumours:
            if tumour_id == FIXED_SITES:
                raise CtdnaInputError(
                    f"--tumour '{tumour_id}={path}': {tumour_id!r} is reserved for the rows "
                    f"of --sites; rename the tumour sample"
                )
