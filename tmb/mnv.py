"""Multi-nucleotide variants: adjacent SNVs of one event counted once (issue 15).

A doublet such as CC>TT (UV signature) or a codon change is often called as two SNV records
at POS and POS + 1; counted separately it adds two mutations for one event. Rule: an SNV
allele that would be counted is a *continuation* (not counted; trace ``mnv_ok`` 0, reason
``mnv_continuation``) when the allele counted just before it in the VCF is an SNV on the same
contig at POS - 1 whose tumour VAF differs by at most ``tolerance`` (default 0.05, absolute:
both SNVs sit on the same reads, so their VAFs differ only by base-quality loss; two
independent SNVs at adjacent bases are rare). Chains (three or more adjacent SNVs) count once.
A record that already spells the MNV (REF AC, ALT GT) is one allele and counts once.
The phase (FORMAT/PS, phased GT) is not read by the compiled reader: VAF equality stands in
for it. ``tolerance`` < 0 switches the rule off (NA in the trace).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MNV_VAF_TOLERANCE = 0.05  # |VAF1 - VAF2| of two SNVs read on the same fragments (project rule)
MNV_REASON = "mnv_continuation"


@dataclass
class LastSnv:
    """The last counted SNV of earlier chunks (chrom, POS, VAF), carried across chunks."""

    chrom: str | None = None
    pos: int = -2
    vaf: float = float("nan")


def continuations(alleles, counted: np.ndarray, tolerance: float, last: LastSnv) -> np.ndarray:
    """True for counted SNV alleles continuing the previous counted SNV (see module doc);
    ``last`` is read and updated with this chunk's last counted SNV."""
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
    out[rows] = is_snv & prev_snv & (chrom == prev_chrom) & (pos == prev_pos + 1) & close
    final = rows[-1]
    if snv[final]:
        last.chrom, last.pos, last.vaf = chrom[-1], int(pos[-1]), float(vaf[-1])
    else:
        last.chrom, last.pos, last.vaf = None, -2, float("nan")
    return out
