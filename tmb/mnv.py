"""Multi-nucleotide variants: adjacent SNVs of one event counted once (issue 15).

A doublet such as CC>TT (UV signature) or a codon change is often called as two SNV records
at POS and POS + 1; counted separately it adds two mutations for one event. Rule: an SNV
allele that would be counted is a *continuation* (not counted; trace ``mnv_ok`` 0, reason
``mnv_continuation``) when the allele counted just before it in the VCF is an SNV on the same
contig at POS - 1 and the two are on one haplotype:

- **both phased** (tumour sample): they are one event when they share a phase set and a
  haplotype, and never otherwise, whatever their VAFs. Phase is read from GT when it is
  phased (``0|1`` carries the ALT on the second haplotype, ``1|0`` on the first) with
  FORMAT/PS as the phase set (VCF 4.3 section 1.6.2: phased genotypes without PS form one
  set); else from Mutect2's PGT (phased like GT) with PID as the phase set;
- **otherwise** (either SNV unphased): their tumour VAFs differ by at most ``tolerance``
  (default 0.05, absolute: both SNVs sit on the same reads, so their VAFs differ only by
  base-quality loss; two independent SNVs at adjacent bases are rare).

Chains (three or more adjacent SNVs) count once. A record that already spells the MNV (REF AC,
ALT GT) is one allele and counts once. ``tolerance`` < 0 switches the rule off (NA in the
trace). Phase is read from the record's text (``AlleleTable.record_fields``) for the few
adjacent pairs only; tables without record text (``AlleleTable.from_frame``) are unphased.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

MNV_VAF_TOLERANCE = 0.05  # |VAF1 - VAF2| of two SNVs read on the same fragments (project rule)
MNV_REASON = "mnv_continuation"
# (genotype key, phase-set key): VCF 4.3 phased GT with PS; Mutect2 PGT with PID
PHASE_KEYS = ((b"GT", b"PS"), (b"PGT", b"PID"))

Phase = tuple[bytes, frozenset] | None  # (phase set, haplotypes carrying the ALT); None: unphased


@dataclass
class LastSnv:
    """The last counted SNV of earlier chunks (chrom, POS, VAF, phase), carried across
    chunks."""

    chrom: str | None = None
    pos: int = -2
    vaf: float = float("nan")
    phase: Phase = None


def phase_of(alleles, row: int) -> Phase:
    """Phase of allele ``row`` in the tumour sample (see module doc); None when unphased."""
    sample = alleles.record_fields(row)
    if sample is None:
        return None
    allele = b"%d" % alleles.columns["allele_index"][row]
    for genotype_key, set_key in PHASE_KEYS:
        genotype = sample.get(genotype_key, b".")
        if b"|" not in genotype or b"/" in genotype:
            continue
        haplotypes = frozenset(i for i, a in enumerate(genotype.split(b"|")) if a == allele)
        phase_set = sample.get(set_key, b".")
        if not haplotypes or (set_key == b"PID" and phase_set in (b"", b".")):
            continue
        return genotype_key + b":" + (b"" if phase_set == b"." else phase_set), haplotypes
    return None


def one_haplotype(first: Phase, second: Phase, vaf_close: bool) -> bool:
    """Whether two adjacent SNVs are one event: by phase when both are phased, else by VAF."""
    if first is None or second is None:
        return vaf_close
    return first[0] == second[0] and bool(first[1] & second[1])


def continuations(alleles, counted: np.ndarray, tolerance: float, last: LastSnv) -> np.ndarray:
    """True for counted SNV alleles continuing the previous counted SNV (see module doc);
    ``last`` is read and updated with this chunk's last counted SNV."""
    import numpy as np

    c = alleles.columns
    snv = counted & (c["ref_end"] - c["ref_start"] == 1) & (c["alt_end"] - c["alt_start"] == 1)
    rows = np.flatnonzero(counted)
    out = np.zeros(len(counted), dtype=bool)
    if not len(rows):
        return out
    names = alleles.names("chrom")
    chrom = np.array([names[k] for k in c["chrom"][rows]], dtype=object)
    pos, vaf, is_snv = c["pos"][rows], c["vaf"][rows], snv[rows]
    prev_chrom = np.r_[np.array([last.chrom], dtype=object), chrom[:-1]]
    prev_pos = np.r_[last.pos, pos[:-1]]
    prev_vaf = np.r_[last.vaf, vaf[:-1]]
    prev_snv = np.r_[last.chrom is not None, is_snv[:-1]]
    with np.errstate(invalid="ignore"):
        close = np.abs(vaf - prev_vaf) <= tolerance
    adjacent = is_snv & prev_snv & (chrom == prev_chrom) & (pos == prev_pos + 1)
    for i in np.flatnonzero(adjacent):
        before = last.phase if i == 0 else phase_of(alleles, int(rows[i - 1]))
        adjacent[i] = one_haplotype(before, phase_of(alleles, int(rows[i])), bool(close[i]))
    out[rows] = adjacent
    final = rows[-1]
    if snv[final]:
        phase = phase_of(alleles, int(final))
        last.chrom, last.pos, last.vaf, last.phase = chrom[-1], int(pos[-1]), float(vaf[-1]), phase
    else:
        last.chrom, last.pos, last.vaf, last.phase = None, -2, float("nan"), None
    return out
