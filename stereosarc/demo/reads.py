"""Paired-end cfDNA reads of one plasma/PoN sample over the capture targets (pure).

Per target t of length L, fragments whose span overlaps t are drawn with a uniform start;
their number is Poisson with mean ``DEPTH x eff_t x s_t x cn_t x (L + F - 1) / F`` (F = mean
fragment length), so the mean fragment depth per target base is ~DEPTH x eff_t x cn_t:
eff_t a fixed capture efficiency of the target, s_t a per-sample noise, and
cn_t = 1 + TF (C - 2) / 2 for MDM2 targets of a patient with tumour copy number C.
A fragment overlapping a tumour site carries the ALT allele with probability TF / 2
(heterozygous). Each base is miscalled with the sample's error rate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stereosarc.demo.reference import CONTIG_ORDER, pseudo_sequence

READ_LENGTH = 100  # bp (issue 2)
FRAGMENT_MEAN, FRAGMENT_SD = 167.0, 20.0  # cfDNA mononucleosome peak (issue 2: N(167, 20))
FRAGMENT_RANGE = (100, 400)  # clip of the fragment length (issue 2)
DEPTH = 300.0  # mean fragments per target base (issue 2: ~300)
CAPTURE_SD = 0.2  # log-sd of the fixed per-target capture efficiency (assumption)
SAMPLE_TARGET_SD = 0.04  # log-sd of the per-sample, per-target depth noise (assumption)
DUPLICATE_P = 0.05  # share of fragments sequenced twice (duplicate-flagged copy)
LOW_MAPQ_P = 0.03  # share of fragments with a low mapping quality
LOW_MAPQS = (0, 1, 3, 10, 15)  # low MAPQ values drawn (below the usual 20 cut-off)
HIGH_MAPQ = 60  # BWA-MEM's maximum MAPQ
DUPLICATE_FLAG = 0x400  # SAM flag 1024: PCR or optical duplicate
QUALITY_BINS = ((37, 0.93), (23, 0.05), (12, 0.015), (2, 0.005))  # NovaSeq RTA3 binned scores
QUALITY_POOL = 32  # distinct quality strings drawn once (fixed seed) and reused


def quality_pool(size: int = QUALITY_POOL) -> list[np.ndarray]:
    """Binned base-quality arrays (fixed seed: a property of the sequencer, not the cohort)."""
    rng = np.random.default_rng(11)
    values, p = zip(*QUALITY_BINS, strict=True)
    return [rng.choice(values, READ_LENGTH, p=p).astype(np.uint8) for _ in range(size)]


def capture_efficiency(targets: pd.DataFrame) -> np.ndarray:
    """Fixed relative capture efficiency of each target (mean 1 on the log scale)."""
    return np.random.default_rng(5).lognormal(0.0, CAPTURE_SD, len(targets))


def _events(sites: pd.DataFrame) -> list[tuple[int, str, str, int, int, str]]:
    """(anchor0, ref, alt, need_from0, need_to0, chrom): need_* = bases a fragment must cover."""
    events = []
    for s in sites.itertuples(index=False):
        anchor = s.pos - 1
        events.append(
            (anchor, s.ref, s.alt, anchor, anchor + max(len(s.ref), len(s.alt)) + 1, s.chrom)
        )
    return events


def _haplotype(chrom: str, start: int, end: int, events) -> tuple[str, list]:
    """Bases and reference positions (None = inserted) of a fragment carrying ``events``."""
    bases = list(pseudo_sequence(chrom, start, end))
    refpos: list = list(range(start, end))
    for anchor, ref, alt, *_ in sorted(events, reverse=True):
        i = anchor - start
        if len(ref) == len(alt):
            bases[i] = alt
        elif len(ref) > len(alt):
            del bases[i + 1 : i + len(ref)], refpos[i + 1 : i + len(ref)]
        else:
            bases[i + 1 : i + 1] = list(alt[1:])
            refpos[i + 1 : i + 1] = [None] * (len(alt) - 1)
    return "".join(bases), refpos


def cigar_of(refpos: list) -> tuple[int, list[tuple[int, int]]]:
    """(reference start, CIGAR tuples) of a read whose bases map to ``refpos``
    (None = inserted)."""
    aligned = [i for i, p in enumerate(refpos) if p is not None]
    first, last = aligned[0], aligned[-1]
    ops: list[list[int]] = [[4, first]] if first else []
    previous = None
    for p in refpos[first : last + 1]:
        if p is None:
            op, length = 1, 1
        elif previous is not None and p > previous + 1:
            ops.append([2, p - previous - 1])
            op, length = 0, 1
        else:
            op, length = 0, 1
        if ops and ops[-1][0] == op:
            ops[-1][1] += length
        else:
            ops.append([op, length])
        previous = p if p is not None else previous
    if last < len(refpos) - 1:
        ops.append([4, len(refpos) - 1 - last])
    return refpos[first], [(o[0], o[1]) for o in ops]


def _fragments(rng, target, n_mean: float, tf: float, events) -> dict:
    """Fragments over one target: start, length, MAPQ, duplicate copy, orientation, events."""
    n = rng.poisson(n_mean)
    length = np.clip(np.round(rng.normal(FRAGMENT_MEAN, FRAGMENT_SD, n)), *FRAGMENT_RANGE).astype(
        int
    )
    start = target.start - length + 1 + rng.integers(0, target.end - target.start + length - 1)
    mapq = np.where(rng.random(n) < LOW_MAPQ_P, rng.choice(LOW_MAPQS, n), HIGH_MAPQ)
    carried: dict[int, list] = {}
    for event in events:
        covers = (start <= event[3]) & (start + length >= event[4])
        for i in np.flatnonzero(covers & (rng.random(n) < tf / 2)):
            carried.setdefault(int(i), []).append(event)
    copies = np.flatnonzero(rng.random(n) < DUPLICATE_P)  # sequenced twice: same fragment
    order = np.concatenate([np.arange(n), copies])
    return {
        "start": start[order],
        "length": length[order],
        "mapq": mapq[order],
        "duplicate": np.arange(len(order)) >= n,
        "left_is_read1": (rng.random(n) < 0.5)[order],
        "events": [carried.get(int(i)) for i in order],
    }


def _mutant_mates(chrom: str, start: int, end: int, events):
    """(left, right) mates of a fragment carrying ``events``: (ref start, cigar tuples,
    sequence)."""
    bases, refpos = _haplotype(chrom, start, end, events)
    size = min(READ_LENGTH, len(bases))
    left_start, left_cigar = cigar_of(refpos[:size])
    right_start, right_cigar = cigar_of(refpos[-size:])
    return (left_start, left_cigar, bases[:size]), (right_start, right_cigar, bases[-size:])


def _add_errors(rng, seqs: list[str], rate: float) -> list[str]:
    """Substitute each base with probability ``rate`` by one of the three other bases."""
    n_errors = rng.binomial(READ_LENGTH, rate, len(seqs))
    for i in np.flatnonzero(n_errors):
        bases = bytearray(seqs[i], "ascii")
        for where, shift in zip(
            rng.integers(0, len(bases), n_errors[i]), rng.integers(1, 4, n_errors[i]), strict=True
        ):
            bases[where] = b"ACGT"[("ACGT".index(chr(bases[where])) + shift) % 4]
        seqs[i] = bases.decode("ascii")
    return seqs


def _target_reads(
    rng, sample: str, t: int, target, n_mean: float, tf: float, events, error_rate: float
) -> dict:
    """Columns of all reads (both mates of every fragment) over one target."""
    frag = _fragments(rng, target, n_mean, tf, events)
    region_start = target.start - FRAGMENT_RANGE[1]
    region = pseudo_sequence(target.chrom, region_start, target.end + FRAGMENT_RANGE[1])
    n = len(frag["start"])
    offset, end = frag["start"] - region_start, frag["start"] + frag["length"]
    left_seq = [region[o : o + READ_LENGTH] for o in offset.tolist()]
    right_seq = [region[o - READ_LENGTH : o] for o in (offset + frag["length"]).tolist()]
    left_pos, right_pos = frag["start"].copy(), end - READ_LENGTH
    left_cigar, right_cigar = [None] * n, [None] * n
    for i, events_i in enumerate(frag["events"]):
        if events_i:
            left, right = _mutant_mates(target.chrom, int(frag["start"][i]), int(end[i]), events_i)
            left_pos[i], left_cigar[i], left_seq[i] = left
            right_pos[i], right_cigar[i], right_seq[i] = right
    flags = np.where(frag["left_is_read1"], 99, 163), np.where(frag["left_is_read1"], 147, 83)
    dup = np.where(frag["duplicate"], DUPLICATE_FLAG, 0)
    names = [f"{sample}:{t:02d}:{i:05d}" for i in range(n)]
    return {
        "name": names + names,
        "flag": np.concatenate([flags[0] | dup, flags[1] | dup]),
        "pos": np.concatenate([left_pos, right_pos]),
        "mapq": np.tile(frag["mapq"], 2),
        "cigar": left_cigar + right_cigar,
        "mate_pos": np.concatenate([right_pos, left_pos]),
        "tlen": np.concatenate([frag["length"], -frag["length"]]),
        "seq": _add_errors(rng, left_seq + right_seq, error_rate),
        "qual": rng.integers(0, QUALITY_POOL, 2 * n),
        "tid": np.full(2 * n, CONTIG_ORDER[target.chrom]),
    }


def sample_reads(
    sample: str,
    tf: float,
    mdm2_cn: int,
    error_rate: float,
    seed: int,
    targets: pd.DataFrame,
    sites: pd.DataFrame,
) -> dict[str, list]:
    """Columns of all reads of one sample, coordinate-sorted (tid, pos, name, flag):
    name, flag, tid, pos, mapq, cigar (None = 100M), mate_pos, tlen, seq, qual (pool index)."""
    rng = np.random.default_rng(seed)
    efficiency = capture_efficiency(targets)
    events = _events(sites)
    parts = []
    for t, target in enumerate(targets.itertuples(index=False)):
        cn_factor = 1 + tf * (mdm2_cn - 2) / 2 if target.gene == "MDM2" else 1.0
        length = target.end - target.start
        n_mean = (
            DEPTH
            * efficiency[t]
            * rng.lognormal(0, SAMPLE_TARGET_SD)
            * cn_factor
            * (length + FRAGMENT_MEAN - 1)
            / FRAGMENT_MEAN
        )
        here = [e for e in events if e[5] == target.chrom]  # neighbouring targets' sites too
        parts.append(_target_reads(rng, sample, t, target, n_mean, tf, here, error_rate))
    columns: dict[str, list] = {k: [] for k in parts[0]}
    for part in parts:
        for k, v in part.items():
            columns[k].extend(v.tolist() if isinstance(v, np.ndarray) else v)
    order = np.lexsort(
        (
            np.array(columns["flag"]),
            np.array(columns["name"]),
            np.array(columns["pos"]),
            np.array(columns["tid"]),
        )
    )
    return {k: [v[i] for i in order.tolist()] for k, v in columns.items()}
