"""The sample's own sequencing error by class, from molecule-level counts at target positions.

Input: ``counting.TargetCounts`` per target (each molecule, i.e. fragment or UMI family,
counted once per position, and only where all its reads agree: overlapping mates that
disagree, as at a site, are discordant and left out). For ``ctdna-call`` when no PoN is
given (``snv_background.background_from_sample``).

Per class (pyrimidine strand) r>b: error_count = molecules showing b at positions of
reference base r; opportunity_count = molecules showing A/C/G/T at positions of reference r.
Indels: error_count = molecules with an insertion (deletion) right after the position's
base, opportunity = molecules showing a base at usable positions. Reference base: the FASTA
when given, else the majority base. Positions left out: the sites (and a deletion site's
span), and positions whose most frequent non-reference base or indel reaches
``max_background_vaf`` (a variant of the sample, not noise).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pysam

from ctdna.count_rules import (  # noqa: F401 (re-exported)
    BASE_INDEX,
    ERROR_CLASSES,
    MAX_BACKGROUND_VAF,
    PYRIMIDINE_CLASS,
)
from ctdna.counting import TargetCounts


def sample_background(
    targets: pd.DataFrame,
    counts: list[TargetCounts],
    sites: pd.DataFrame,
    fasta: pysam.FastaFile | None = None,
    *,
    max_background_vaf: float = MAX_BACKGROUND_VAF,
) -> pd.DataFrame:
    """error_class, error_count, opportunity_count, error_rate (NA without opportunity).

    ``targets`` rows and ``counts`` correspond (``counting.target_counts``); ``sites`` has
    chrom, pos (1-based) and ref of the sites to leave out.
    """
    errors: Counter[str] = Counter()
    opportunities: Counter[str] = Counter()
    for target, count in zip(targets.itertuples(index=False), counts):
        reference = _reference_index(count.acgt, fasta, target)
        usable = _background_mask(count.acgt, reference, sites, target, max_background_vaf)
        depth = count.acgt.sum(axis=0)
        _add_substitutions(count.acgt, reference, usable, depth, errors, opportunities)
        _add_indels(count, usable, depth, max_background_vaf, errors, opportunities)
    rows = [
        {"error_class": c, "error_count": errors[c], "opportunity_count": opportunities[c]}
        for c in ERROR_CLASSES
    ]
    frame = pd.DataFrame(rows)
    frame["error_rate"] = (frame["error_count"] / frame["opportunity_count"]).where(
        frame["opportunity_count"] > 0
    )
    return frame


def _reference_index(acgt: np.ndarray, fasta, target) -> np.ndarray:
    """0..3 reference base index per target position (-1 when unknown or not covered)."""
    if fasta is not None and target.chrom in fasta.references:
        sequence = fasta.fetch(target.chrom, target.start, target.end).upper()
        return np.array([BASE_INDEX.get(b, -1) for b in sequence.ljust(acgt.shape[1], "N")])
    reference = acgt.argmax(axis=0)
    return np.where(acgt.sum(axis=0) > 0, reference, -1)


def _background_mask(
    acgt: np.ndarray, reference: np.ndarray, sites: pd.DataFrame, target, max_vaf: float
) -> np.ndarray:
    """Positions usable for the background: known reference, covered, not a site or variant."""
    depth = acgt.sum(axis=0)
    columns = np.arange(acgt.shape[1])
    ref_count = np.where(reference >= 0, acgt[np.clip(reference, 0, 3), columns], 0)
    nonref = acgt.copy()
    nonref[np.clip(reference, 0, 3), columns] = 0
    usable = (reference >= 0) & (depth > 0) & (ref_count > 0)
    usable &= nonref.max(axis=0) < max_vaf * np.maximum(depth, 1)
    on_chrom = sites[sites["chrom"] == target.chrom]
    for pos, ref in zip(on_chrom["pos"], on_chrom["ref"]):
        lo, hi = pos - 1 - target.start, pos - 1 + len(ref) - target.start
        usable[max(lo, 0) : max(min(hi, len(usable)), 0)] = False
    return usable


def _add_substitutions(acgt, reference, usable, depth, errors, opportunities) -> None:
    """Accumulate substitution errors and opportunities by pyrimidine-strand class."""
    for ref_base, r in BASE_INDEX.items():
        at_ref = usable & (reference == r)
        total = int(depth[at_ref].sum())
        for alt_base, b in BASE_INDEX.items():
            if b != r:
                key = PYRIMIDINE_CLASS[(ref_base, alt_base)]
                errors[key] += int(acgt[b][at_ref].sum())
                opportunities[key] += total


def _add_indels(count: TargetCounts, usable, depth, max_vaf, errors, opportunities) -> None:
    """Accumulate indel events (per anchor base) and their opportunities (molecules)."""
    keep = usable & (
        np.maximum(count.insertions, count.deletions) < max_vaf * np.maximum(depth, 1)
    )
    opportunities["insertion"] += int(depth[keep].sum())
    opportunities["deletion"] += int(depth[keep].sum())
    errors["insertion"] += int(count.insertions[keep].sum())
    errors["deletion"] += int(count.deletions[keep].sum())
