"""Genome side of the demo: hg38 contigs, the pseudo-reference, capture targets and the panel.

The pseudo-reference base at (contig, 1-based position) is a fixed function of the position
(a splitmix64 hash, independent of the cohort seed), so VCF REF alleles, plasma reads and
``reference_targets.fa`` agree by construction without shipping a genome.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# UCSC hg38 chromosome lengths (hg38.chrom.sizes), in the order BAM/VCF headers list them.
HG38_LENGTHS = {
    "chr1": 248_956_422,
    "chr2": 242_193_529,
    "chr3": 198_295_559,
    "chr4": 190_214_555,
    "chr5": 181_538_259,
    "chr6": 170_805_979,
    "chr7": 159_345_973,
    "chr8": 145_138_636,
    "chr9": 138_394_717,
    "chr10": 133_797_422,
    "chr11": 135_086_622,
    "chr12": 133_275_309,
    "chr13": 114_364_328,
    "chr14": 107_043_718,
    "chr15": 101_991_189,
    "chr16": 90_338_345,
    "chr17": 83_257_441,
    "chr18": 80_373_285,
    "chr19": 58_617_616,
    "chr20": 64_444_167,
    "chr21": 46_709_983,
    "chr22": 50_818_468,
    "chrX": 156_040_895,
    "chrY": 57_227_415,
    "chrM": 16_569,
}
CONTIG_ORDER = {name: i for i, name in enumerate(HG38_LENGTHS)}
BASES = np.frombuffer(b"ACGT", dtype=np.uint8)

# TP53 exons 5-8 (GRCh38, NM_000546), exon-sized targets of 220-250 bp, 0-based half-open.
TP53_TARGETS = [
    (7_673_660, 7_673_880),
    (7_674_125, 7_674_345),
    (7_675_034, 7_675_254),
    (7_676_008, 7_676_258),
]
# Four exon-sized targets inside the MDM2 gene span chr12:68,808,177-68,850,686 (demo positions).
MDM2_TARGETS = [
    (68_818_150, 68_818_370),
    (68_825_400, 68_825_620),
    (68_834_500, 68_834_720),
    (68_839_250, 68_839_470),
]
# Two targets in CDK4 (hg38 chr12:57,747,727-57,752,310, minus strand), 220 bp each.
CDK4_TARGETS = [(57_747_650, 57_747_870), (57_750_900, 57_751_120)]
# Copy-neutral reference targets: 16 autosomes other than chr12 (MDM2/CDK4) and chr17 (TP53).
BACKBONE_CONTIGS = [
    "chr1",
    "chr2",
    "chr3",
    "chr4",
    "chr5",
    "chr6",
    "chr7",
    "chr8",
    "chr9",
    "chr10",
    "chr11",
    "chr13",
    "chr14",
    "chr15",
    "chr16",
    "chr18",
]
BACKBONE_START = (
    2_500_000  # backbone targets near the p-arm start: keeps the .bai linear index small
)
TARGET_LENGTH = 220  # bp, "~200-250 bp each" (issue 2)
READ_FLANK = 400  # bp kept around each target: the longest fragment (400 bp) that overlaps it
PANEL_MB = 1.1  # tissue panel size in Mb (issue 2: "~1.1 Mb")
PANEL_SEED = 7  # the panel is the assay: fixed, independent of the cohort seed
PANEL_EXONS_PER_GENE = 12  # exon-like intervals per panel gene (typical of hybrid-capture panels)
PANEL_OVERLAPS = 5  # deliberately overlapping interval pairs (tests BED merging downstream)


def pseudo_bases(contig: str, start0: int, end0: int) -> np.ndarray:
    """Pseudo-reference bases (uint8 ASCII) of [start0, end0) on ``contig``, 0-based half-open.

    Base at 1-based position p = 'ACGT'[splitmix64(contig index * 2^32 + p) >> 62].
    """
    positions = np.arange(start0 + 1, end0 + 1, dtype=np.uint64)
    key = positions + np.uint64(CONTIG_ORDER[contig] << 32)
    with np.errstate(over="ignore"):
        z = key + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return BASES[(z >> np.uint64(62)).astype(np.int64)]


def pseudo_sequence(contig: str, start0: int, end0: int) -> str:
    """The pseudo-reference of [start0, end0) as an upper-case string."""
    return pseudo_bases(contig, start0, end0).tobytes().decode("ascii")


def ctdna_targets() -> pd.DataFrame:
    """Plasma capture targets (chrom, start, end, gene), 0-based half-open, sorted."""
    rows = [("chr17", s, e, "TP53") for s, e in TP53_TARGETS]
    rows += [("chr12", s, e, "MDM2") for s, e in MDM2_TARGETS]
    rows += [("chr12", s, e, "CDK4") for s, e in CDK4_TARGETS]
    for number, contig in enumerate(BACKBONE_CONTIGS, start=1):
        start = BACKBONE_START + 10_000 * number
        rows.append((contig, start, start + TARGET_LENGTH, f"BACKBONE_{number:02d}"))
    return sort_bed(pd.DataFrame(rows, columns=["chrom", "start", "end", "gene"]))


def sort_bed(bed: pd.DataFrame) -> pd.DataFrame:
    """Rows in hg38 contig order, then start, then end."""
    order = bed["chrom"].map(CONTIG_ORDER)
    return (
        bed.assign(_order=order)
        .sort_values(["_order", "start", "end"], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def read_regions(targets: pd.DataFrame, flank: int = READ_FLANK) -> pd.DataFrame:
    """Targets +/- ``flank`` merged per contig (chrom, start, end, genes): where reads may lie."""
    rows: list[list] = []
    for row in targets.itertuples(index=False):
        start, end = max(0, row.start - flank), row.end + flank
        if rows and rows[-1][0] == row.chrom and start <= rows[-1][2]:
            rows[-1][2] = max(rows[-1][2], end)
            if row.gene not in rows[-1][3]:
                rows[-1][3].append(row.gene)
        else:
            rows.append([row.chrom, start, end, [row.gene]])
    frame = pd.DataFrame(rows, columns=["chrom", "start", "end", "genes"])
    frame["genes"] = frame["genes"].map(",".join)
    return frame


def fasta_records(regions: pd.DataFrame) -> list[tuple[str, str]]:
    """(header, sequence) per read region; header names the real contig and 1-based span."""
    records = []
    for row in regions.itertuples(index=False):
        header = (
            f"{row.chrom}:{row.start + 1}-{row.end} contig={row.chrom} "
            f"offset0={row.start} genes={row.genes}"
        )
        records.append((header, pseudo_sequence(row.chrom, row.start, row.end)))
    return records


def panel_bed(
    targets: pd.DataFrame, panel_mb: float = PANEL_MB, seed: int = PANEL_SEED
) -> pd.DataFrame:
    """Tissue TMB panel (chrom, start, end, name): gene-like clusters of exon-sized intervals.

    Includes the TP53/MDM2/CDK4 capture targets, and ``PANEL_OVERLAPS`` intervals that overlap
    their neighbour; the merged size is close to ``panel_mb`` Mb.
    """
    rng = np.random.default_rng(seed)
    rows = [
        (r.chrom, r.start, r.end, r.gene)
        for r in targets.itertuples(index=False)
        if not r.gene.startswith("BACKBONE")
    ]
    total, gene = sum(e - s for _, s, e, _ in rows), 0
    autosomes = [c for c in HG38_LENGTHS if c not in ("chrX", "chrY", "chrM")]
    while total < panel_mb * 1e6:
        gene += 1
        contig = autosomes[rng.integers(len(autosomes))]
        position = int(rng.integers(1_000_000, HG38_LENGTHS[contig] - 1_000_000))
        for exon in range(PANEL_EXONS_PER_GENE):
            length = int(rng.integers(120, 320))
            rows.append((contig, position, position + length, f"G{gene:03d}_E{exon + 1}"))
            total += length
            position += length + int(rng.integers(800, 6000))
    for index in rng.choice(
        np.arange(len(rows) - PANEL_EXONS_PER_GENE), PANEL_OVERLAPS, replace=False
    ):
        contig, start, end, name = rows[index]
        rows.append((contig, end - 40, end + 60, f"{name}_ovl"))
    return sort_bed(pd.DataFrame(rows, columns=["chrom", "start", "end", "name"]))


# Coding sequence outside the panel (chrX, which the panel avoids): a genome-wide CDS BED is
# larger than the panel; the TMB denominator is their intersection (docs/tmb.md).
OFF_PANEL_CDS = [("chrX", 20_000_000 + 5_000 * i, 20_000_150 + 5_000 * i) for i in range(8)]


def coding_bed(panel: pd.DataFrame) -> pd.DataFrame:
    """The demo's coding (CDS) BED: every panel interval is an exon of a panel gene, so it is
    coding, plus coding exons of genes the panel does not capture. panel ∩ coding = panel,
    so the planted TMB truth (panel_mb) is unchanged while tmb-calc takes the coding path."""
    rows = [(r.chrom, r.start, r.end, f"CDS_{r.name}") for r in panel.itertuples(index=False)]
    rows += [
        (chrom, start, end, f"CDS_OFFPANEL_{i + 1}")
        for i, (chrom, start, end) in enumerate(OFF_PANEL_CDS)
    ]
    return sort_bed(pd.DataFrame(rows, columns=["chrom", "start", "end", "name"]))


def merged_length(bed: pd.DataFrame) -> int:
    """Total bp of the union of the BED intervals (overlaps counted once)."""
    total = 0
    for _, group in sort_bed(bed).groupby("chrom", sort=False):
        starts, ends = group["start"].tolist(), group["end"].tolist()
        current_start, current_end = starts[0], ends[0]
        for start, end in zip(starts[1:], ends[1:], strict=True):
            if start > current_end:
                total += current_end - current_start
                current_start, current_end = start, end
            else:
                current_end = max(current_end, end)
        total += current_end - current_start
    return total


def in_bed(bed: pd.DataFrame, chrom: str, pos0: int) -> bool:
    """Whether 0-based position ``pos0`` lies in any interval of ``bed`` on ``chrom``."""
    rows = bed[bed["chrom"] == chrom]
    return bool(((rows["start"] <= pos0) & (pos0 < rows["end"])).any())
