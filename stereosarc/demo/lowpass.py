"""Low-pass WGS plasma of a reduced genome (pure): fragments drawn under a copy-number profile.

Genome: a few contigs of a few Mb (``GENOME``), sequence drawn block by block (``GC_BLOCK``
bp) with a block GC fraction uniform in ``GC_RANGE`` (seeded), the first ``N_RUN`` bp of each
contig 'N' (a gap no fragment comes from).

Fragments: ``pairs`` = depth x genome length / (2 x READ_LENGTH). A fragment's leftmost base
falls in block b with probability proportional to
``bias(gc_b) x [(1 - TF) x normal_cn_b + TF x tumour_cn_b]`` (uniform inside the block), where
``normal_cn`` is 2 on autosomes, 2/0 on chrX/chrY for a female and 1/1 for a male, and
``tumour_cn`` is the tumour's profile (``Segment`` list, else normal_cn); it is a tumour
fragment with probability TF x tumour_cn_b / [(1 - TF) normal_cn_b + TF tumour_cn_b].
Lengths: normal N(167, 20), tumour N(145, 25) bp (tumour cfDNA is shorter: Mouliere et al.,
Sci Transl Med 2018), clipped to FRAGMENT_RANGE. Reads: READ_LENGTH bp from each end (the
whole fragment when shorter); read 1 is the leftmost mate for half of the pairs.
Noise records, each kept in the truth with its reason: duplicated pairs (0x400 on the
copy), low-MAPQ pairs, QC-fail pairs (0x200), and a secondary (0x100) and a supplementary
(0x800) record of some reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

GENOME = {"chr1": 3_000_000, "chr2": 2_000_000, "chr3": 2_000_000, "chrX": 2_000_000,
          "chrY": 1_000_000}  # fmt: skip
GC_BLOCK = 50_000  # bp of one GC level (assumption: GC isochores are ~100 kb-1 Mb)
GC_RANGE = (0.35, 0.60)  # block GC fractions drawn uniformly (human isochores ~0.35-0.55)
N_RUN = 20_000  # leading 'N' bases of each contig (a telomere gap)
READ_LENGTH = 100  # bp, as stereosarc.demo.reads
FRAGMENT_RANGE = (60, 400)  # clip of fragment lengths (bp)
NORMAL_LENGTH = (167.0, 20.0)  # mean, sd: mononucleosome cfDNA peak (as stereosarc.demo.reads)
TUMOUR_LENGTH = (145.0, 25.0)  # mean, sd: shorter tumour cfDNA (Mouliere et al. 2018)
GC_OPTIMUM, GC_BIAS_WIDTH = 0.42, 0.16  # coverage efficiency exp(-(gc-0.42)^2 / (2 x 0.16^2))
NOISE_SHARES = {"duplicate": 0.05, "low_mapq": 0.03, "qcfail": 0.01, "secondary": 0.01,
                "supplementary": 0.01}  # fmt: skip
LOW_MAPQ, HIGH_MAPQ = 5, 60  # below / at BWA-MEM's MAPQ range ends


@dataclass(frozen=True)
class Segment:
    """A tumour copy number over [start, end) of a contig."""

    chrom: str
    start: int
    end: int
    copy_number: int


def reference_genome(seed: int, genome: dict[str, int] = GENOME) -> dict[str, str]:
    """Contig sequences with a block-wise GC content and a leading N run."""
    rng = np.random.default_rng(seed)
    sequences = {}
    for chrom, length in genome.items():
        blocks = []
        for start in range(0, length, GC_BLOCK):
            size = min(GC_BLOCK, length - start)
            gc = rng.uniform(*GC_RANGE)
            p = [(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2]
            blocks.append(rng.choice(np.frombuffer(b"ACGT", dtype=np.uint8), size, p=p))
        bases = np.concatenate(blocks)
        bases[:N_RUN] = ord("N")
        sequences[chrom] = bases.tobytes().decode()
    return sequences


def normal_copy_number(chrom: str, sex: str) -> int:
    """Germline copies of a contig: chrX 2 (female) / 1 (male), chrY 0 / 1, else 2."""
    if chrom.removeprefix("chr") == "X":
        return 2 if sex == "female" else 1
    if chrom.removeprefix("chr") == "Y":
        return 0 if sex == "female" else 1
    return 2


def block_table(sequences: dict[str, str], segments: list[Segment], sex: str) -> pd.DataFrame:
    """Per GC block: chrom, start, end, gc (over A/C/G/T), normal_cn, tumour_cn."""
    rows = []
    for chrom, sequence in sequences.items():
        for start in range(0, len(sequence), GC_BLOCK):
            block = sequence[start : start + GC_BLOCK]
            acgt = len(block) - block.count("N")
            gc = (block.count("G") + block.count("C")) / acgt if acgt else np.nan
            normal = normal_copy_number(chrom, sex)
            tumour = next(
                (s.copy_number for s in segments if s.chrom == chrom and s.start <= start < s.end),
                normal,
            )
            rows.append((chrom, start, start + len(block), gc, normal, tumour, acgt > 0))
    columns = ["chrom", "start", "end", "gc", "normal_cn", "tumour_cn", "has_bases"]
    return pd.DataFrame(rows, columns=columns)


def gc_bias(gc: np.ndarray) -> np.ndarray:
    """Relative sequencing efficiency of a region of GC fraction ``gc`` (Gaussian, peak 1)."""
    return np.exp(-((gc - GC_OPTIMUM) ** 2) / (2 * GC_BIAS_WIDTH**2))


def draw_fragments(
    blocks: pd.DataFrame, tumour_fraction: float, depth: float, rng: np.random.Generator
) -> pd.DataFrame:
    """Fragments (chrom, start, length, tumour) of one plasma sample (module docstring)."""
    mixture = (1 - tumour_fraction) * blocks["normal_cn"] + tumour_fraction * blocks["tumour_cn"]
    weight = np.where(blocks["has_bases"], gc_bias(blocks["gc"].fillna(0).to_numpy()), 0.0)
    weight = weight * mixture.to_numpy() * (blocks["end"] - blocks["start"]).to_numpy()
    genome = int((blocks["end"] - blocks["start"]).sum())
    pairs = int(round(depth * genome / (2 * READ_LENGTH)))
    which = rng.choice(len(blocks), size=pairs, p=weight / weight.sum())
    chosen = blocks.iloc[which]
    tumour_share = tumour_fraction * chosen["tumour_cn"] / mixture.iloc[which]
    tumour = rng.random(pairs) < tumour_share.to_numpy()
    mean = np.where(tumour, TUMOUR_LENGTH[0], NORMAL_LENGTH[0])
    sd = np.where(tumour, TUMOUR_LENGTH[1], NORMAL_LENGTH[1])
    length = np.clip(np.rint(rng.normal(mean, sd)), *FRAGMENT_RANGE).astype(np.int64)
    starts = chosen["start"].to_numpy() + rng.integers(0, GC_BLOCK, pairs)
    span_end = chosen["end"].to_numpy()
    starts = np.minimum(starts, span_end - length)  # the fragment stays inside its block
    starts = np.maximum(starts, chosen["start"].to_numpy())
    return pd.DataFrame(
        {"chrom": chosen["chrom"].to_numpy(), "start": starts, "length": length, "tumour": tumour}
    )


def _pair_records(fragments: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Two records per fragment: left and right mate (read 1 on the left for half of them)."""
    n = len(fragments)
    read_length = np.minimum(fragments["length"].to_numpy(), READ_LENGTH)
    left = fragments["start"].to_numpy()
    right = left + fragments["length"].to_numpy() - read_length
    left_is_read1 = rng.random(n) < 0.5
    base = 0x1 | 0x2
    left_flag = base | 0x20 | np.where(left_is_read1, 0x40, 0x80)
    right_flag = base | 0x10 | np.where(left_is_read1, 0x80, 0x40)
    tlen = fragments["length"].to_numpy()
    names = [f"f{i}" for i in range(n)]
    common = {"name": names * 2, "chrom": list(fragments["chrom"]) * 2, "mapq": HIGH_MAPQ}
    return pd.DataFrame(
        {
            **common,
            "flag": np.concatenate([left_flag, right_flag]),
            "pos": np.concatenate([left, right]),
            "mate_pos": np.concatenate([right, left]),
            "tlen": np.concatenate([tlen, -tlen]),
            "read_length": np.concatenate([read_length, read_length]),
            "fragment": np.tile(np.arange(n), 2),
        }
    )


def plasma_records(
    fragments: pd.DataFrame, contigs: list[str], rng: np.random.Generator
) -> pd.DataFrame:
    """Alignment records (name, chrom, pos, flag, mapq, mate_pos, tlen, read_length,
    fragment, noise, tid: index in ``contigs``), coordinate-sorted, with the noise records of
    NOISE_SHARES; ``noise`` is '' for the records a binner must count from, else the reason
    they must be left out."""
    records = _pair_records(fragments, rng).assign(noise="")
    n = len(fragments)
    extra = []
    for reason, share in NOISE_SHARES.items():
        chosen = rng.random(n) < share
        rows = records[np.tile(chosen, 2)].copy()
        if reason == "duplicate":
            rows = rows.assign(name=rows["name"] + "_dup", flag=rows["flag"] | 0x400)
        elif reason == "low_mapq":
            records.loc[np.tile(chosen, 2), ["mapq", "noise"]] = [LOW_MAPQ, reason]
            continue
        elif reason == "qcfail":
            records.loc[np.tile(chosen, 2), "flag"] |= 0x200
            records.loc[np.tile(chosen, 2), "noise"] = reason
            continue
        else:  # an extra alignment of one read of the pair
            rows = rows[rows["flag"] & 0x40 > 0]
            rows = rows.assign(flag=rows["flag"] | (0x100 if reason == "secondary" else 0x800))
        extra.append(rows.assign(noise=reason))
    records = pd.concat([records, *extra], ignore_index=True)
    records["tid"] = records["chrom"].map({chrom: i for i, chrom in enumerate(contigs)})
    return records.sort_values(["tid", "pos", "name"], kind="stable").reset_index(drop=True)


def binned_fragments(
    fragments: pd.DataFrame, sequences: dict[str, str], bin_size: int
) -> pd.DataFrame:
    """The binned-count equivalent of a BAM (no reads written): per bin chrom, start, end,
    fragments (by leftmost base) and the bin's GC fraction over A/C/G/T (NA without bases)."""
    frames = []
    for chrom, sequence in sequences.items():
        starts = np.arange(0, len(sequence), bin_size)
        ends = np.minimum(starts + bin_size, len(sequence))
        here = fragments.loc[fragments["chrom"] == chrom, "start"].to_numpy()
        counts = np.bincount(here // bin_size, minlength=len(starts))
        gc = []
        for start, end in zip(starts, ends):
            piece = sequence[start:end]
            acgt = len(piece) - piece.count("N")
            gc.append((piece.count("G") + piece.count("C")) / acgt if acgt else np.nan)
        frames.append(pd.DataFrame({"chrom": chrom, "start": starts, "end": ends,
                                    "fragments": counts, "gc": gc}))  # fmt: skip
    return pd.concat(frames, ignore_index=True).assign(mappability=np.nan)
