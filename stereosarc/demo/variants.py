"""Somatic variants of each demo tumour (pure); their files: stereosarc.demo.variant_files.

Each record carries ``counted``: how many of its ALT alleles the TMB rule of issue 3 counts
with its defaults (FILTER PASS, start in the panel, 0.05 <= VAF <= 0.9, DP >= 50, alt reads
>= 3, population AF <= 0.001, a nonsynonymous consequence in some transcript). Counted alleles
are drawn well inside those limits and decoys well outside, so the truth does not hinge on
>= versus >. The true TMB count of a tumour is the sum of ``counted``.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd

from stereosarc.demo.reference import READ_FLANK, in_bed, pseudo_sequence, sort_bed

IMPACT = {
    "stop_gained": "HIGH",
    "frameshift_variant": "HIGH",
    "splice_acceptor_variant": "HIGH",
    "missense_variant": "MODERATE",
    "inframe_deletion": "MODERATE",
    "synonymous_variant": "LOW",
    "splice_region_variant": "LOW",
    "intron_variant": "MODIFIER",
    "non_coding_transcript_exon_variant": "MODIFIER",
}
DECOYS = (
    "synonymous",
    "intronic",
    "gnomad_common",
    "low_vaf",
    "low_depth",
    "not_pass",
    "off_panel",
    "high_vaf",
)  # each tumour gets 1-3 of each (issue 2 list)
COUNTED_VAF = (0.08, 0.6)  # well inside the 0.05-0.9 TMB window
COUNTED_DEPTH = (80, 600)  # well above DP >= 50
TP53_SYMBOL = ("TP53", "ENSG00000141510", "ENST00000269305", "ENST00000413465")
MULTIALLELIC_P = 0.3  # share of tumours with one multi-allelic record (one ALT counted)
TP53_INDEL_P = 0.15  # share of TP53 mutations that are small indels
TP53_EDGE = 15  # bp kept between a TP53 site and its target edges


def tmb_count(tmb_per_mb: float, panel_mb: float, high_cut: float = 10.0) -> int:
    """Counted alleles for a latent TMB, on the same side of ``high_cut`` as the latent value."""
    count = max(1, int(round(tmb_per_mb * panel_mb)))
    threshold = int(np.ceil(high_cut * panel_mb))
    if tmb_per_mb >= high_cut:
        return max(count, threshold)
    return min(count, threshold - 1)


class _Positions:
    """Unique positions for one tumour (no two records within 5 bp)."""

    def __init__(self) -> None:
        self.used: set[tuple[str, int]] = set()

    def free(self, chrom: str, pos: int, span: int = 1) -> bool:
        near = range(pos - 5, pos + span + 5)
        if any((chrom, p) in self.used for p in near):
            return False
        self.used.update((chrom, p) for p in range(pos, pos + span))
        return True


def _transcripts(
    rng, consequence: str, gene: tuple[str, str, str, str], allele: str, pop_af: str
) -> str:
    """Two or three '&'-joined CSQ transcript entries for one allele."""
    symbol, gene_id, canonical, second = gene
    extra = rng.choice(
        [
            "non_coding_transcript_exon_variant",
            "intron_variant",
            f"{consequence}&splice_region_variant",
        ]
    )
    entries = [
        (consequence, canonical, "protein_coding", "YES"),
        (extra, second, "protein_coding", ""),
    ]
    if rng.random() < 0.4:
        entries.append(("intron_variant", second.replace("ENST8", "ENST7"), "retained_intron", ""))
    out = []
    for csq, feature, biotype, flag in entries:
        impact = IMPACT.get(csq.split("&")[0], "MODIFIER")
        out.append(
            "|".join(
                [
                    allele,
                    csq,
                    impact,
                    symbol,
                    gene_id,
                    "Transcript",
                    feature,
                    biotype,
                    "",
                    "",
                    "",
                    "",
                    "",
                    pop_af,
                    pop_af if pop_af else "",
                    pop_af,
                    flag,
                ]
            )
        )
    return ",".join(out)


def _gene(interval_name: str) -> tuple[str, str, str, str]:
    number = int(interval_name.split("_")[0][1:]) if interval_name.startswith("G") else 0
    return (
        f"DEMO{number:03d}",
        f"ENSG9{number:010d}",
        f"ENST9{number:010d}",
        f"ENST8{number:010d}",
    )


def _alt_base(rng, ref: str) -> str:
    return str(rng.choice([b for b in "ACGT" if b != ref]))


def _record(chrom, pos, ref, alts, filt, ad, csq, counted, category, gene) -> dict:
    dp = int(sum(ad))
    af = ",".join(f"{a / dp:.4f}" for a in ad[1:])
    return {
        "chrom": chrom,
        "pos": int(pos),
        "ref": ref,
        "alt": ",".join(alts),
        "filter": filt,
        "ad": ",".join(str(int(a)) for a in ad),
        "dp": dp,
        "af": af,
        "csq": csq,
        "counted": int(counted),
        "category": category,
        "gene": gene,
    }


def _snv(
    rng,
    chrom,
    pos,
    consequence,
    gene,
    vaf,
    depth,
    filt="PASS",
    pop_af="",
    counted=0,
    category="counted",
) -> dict:
    ref = pseudo_sequence(chrom, pos - 1, pos)
    alt = _alt_base(rng, ref)
    alt_reads = max(1, int(round(vaf * depth)))
    csq = _transcripts(rng, consequence, gene, alt, pop_af)
    return _record(
        chrom,
        pos,
        ref,
        [alt],
        filt,
        [depth - alt_reads, alt_reads],
        csq,
        counted,
        category,
        gene[0],
    )


def _panel_site(
    rng, panel: pd.DataFrame, weights: np.ndarray, positions: _Positions
) -> tuple[str, int, str]:
    """A free 1-based position inside a panel interval (not the first/last 2 bp).

    ``weights`` is 0 for intervals near plasma capture targets: only the planted TP53 sites
    are sequenced in plasma, so no other tumour variant may lie where plasma reads are.
    """
    while True:
        row = panel.iloc[int(rng.choice(len(panel), p=weights))]
        pos = int(rng.integers(row["start"] + 3, row["end"] - 2))
        if positions.free(row["chrom"], pos):
            return row["chrom"], pos, row["name"]


def site_weights(
    panel: pd.DataFrame, targets: pd.DataFrame, flank: int = READ_FLANK
) -> np.ndarray:
    """Probability of drawing each panel interval: proportional to length, 0 near capture
    targets."""
    weights = (panel["end"] - panel["start"]).to_numpy(float)
    for t in targets.itertuples(index=False):
        near = (
            (panel["chrom"] == t.chrom)
            & (panel["end"] > t.start - 2 * flank)
            & (panel["start"] < t.end + 2 * flank)
        ).to_numpy()
        weights[near] = 0.0
    return weights / weights.sum()


# (VAF range, depth range) of the decoys that fail the read filters: a VAF below 5 % at good
# depth, and a depth below 50 at a clear VAF (the tmb-calc defaults, nextflow.config)
FAILING_READS = {"low_vaf": ((0.012, 0.035), (300, 900)), "low_depth": ((0.2, 0.5), (15, 40))}


def _decoy(rng, kind: str, panel, weights, positions) -> dict:
    chrom, pos, name = _panel_site(rng, panel, weights, positions)
    gene, depth = _gene(name), int(rng.integers(*COUNTED_DEPTH))
    vaf = rng.uniform(*COUNTED_VAF)
    if kind == "synonymous":
        return _snv(rng, chrom, pos, "synonymous_variant", gene, vaf, depth, category=kind)
    if kind == "intronic":
        return _snv(rng, chrom, pos, "intron_variant", gene, vaf, depth, category=kind)
    missense = partial(_snv, rng, chrom, pos, "missense_variant", gene, category=kind)
    if kind == "gnomad_common":
        return missense(rng.uniform(0.42, 0.55), depth, pop_af=f"{rng.uniform(0.005, 0.3):.4f}")
    if kind in FAILING_READS:
        vaf_range, depth_range = FAILING_READS[kind]
        return missense(rng.uniform(*vaf_range), int(rng.integers(*depth_range)))
    if kind == "not_pass":
        filt = str(rng.choice(["weak_evidence", "strand_bias", "clustered_events"]))
        return missense(vaf, depth, filt=filt)
    if kind == "high_vaf":
        return _snv(
            rng, chrom, pos, "stop_gained", gene, rng.uniform(0.95, 0.99), depth, category=kind
        )
    return _off_panel(rng, panel, chrom, pos, gene, vaf, depth, positions)


def _off_panel(rng, panel, chrom, pos, gene, vaf, depth, positions) -> dict:
    """A passing missense SNV 1-3 kb past a panel interval, outside every interval."""
    while True:
        candidate = pos + int(rng.integers(1000, 3000))
        if not in_bed(panel, chrom, candidate - 1) and positions.free(chrom, candidate):
            return _snv(
                rng, chrom, candidate, "missense_variant", gene, vaf, depth, category="off_panel"
            )


def _multiallelic(rng, panel, weights, positions) -> dict:
    """One record, two ALTs: the first counted (VAF ~0.2), the second at VAF ~0.02 (not)."""
    chrom, pos, name = _panel_site(rng, panel, weights, positions)
    ref = pseudo_sequence(chrom, pos - 1, pos)
    alts = list(rng.choice([b for b in "ACGT" if b != ref], 2, replace=False))
    depth = int(rng.integers(300, 600))
    ad = [0, int(round(0.2 * depth)), int(round(0.02 * depth))]
    ad[0] = depth - ad[1] - ad[2]
    gene = _gene(name)
    csq = ",".join(_transcripts(rng, "missense_variant", gene, a, "") for a in alts)
    return _record(chrom, pos, ref, alts, "PASS", ad, csq, 1, "multiallelic", gene[0])


def tp53_mutations(rng, targets: pd.DataFrame, n: int, positions: _Positions) -> list[dict]:
    """``n`` TP53 SNVs / small indels at sites inside the TP53 capture targets (counted)."""
    tp53 = targets[targets["gene"] == "TP53"].reset_index(drop=True)
    records: list[dict] = []
    while len(records) < n:
        row = tp53.iloc[int(rng.integers(len(tp53)))]
        pos = int(rng.integers(row["start"] + TP53_EDGE, row["end"] - TP53_EDGE))
        vaf, depth = rng.uniform(0.2, 0.6), int(rng.integers(150, 500))
        if rng.random() >= TP53_INDEL_P:
            if positions.free("chr17", pos):
                consequence = "stop_gained" if rng.random() < 0.15 else "missense_variant"
                records.append(
                    _snv(
                        rng,
                        "chr17",
                        pos,
                        consequence,
                        TP53_SYMBOL,
                        vaf,
                        depth,
                        counted=1,
                        category="tp53",
                    )
                )
            continue
        record = _indel(rng, pos, vaf, depth)
        if record is not None and positions.free("chr17", pos, len(record["ref"]) + 1):
            records.append(record)
    return records


def _indel(rng, pos: int, vaf: float, depth: int) -> dict | None:
    """A left-normalised TP53 deletion (1-3 bp) or insertion (1-2 bp); None if not normalised."""
    anchor = pseudo_sequence("chr17", pos - 1, pos)
    if rng.random() < 0.6:
        length = int(rng.integers(1, 4))
        ref = pseudo_sequence("chr17", pos - 1, pos + length)
        if ref[-1] == anchor:  # left-shiftable: the VCF would not be in normal form
            return None
        alt, allele = anchor, "-"
        consequence = "inframe_deletion" if length == 3 else "frameshift_variant"
    else:
        inserted = "".join(rng.choice(list("ACGT"), int(rng.integers(1, 3))))
        if inserted[-1] == anchor:
            return None
        ref, alt, allele, consequence = anchor, anchor + inserted, inserted, "frameshift_variant"
    alt_reads = int(round(vaf * depth))
    csq = _transcripts(rng, consequence, TP53_SYMBOL, allele, "")
    return _record(
        "chr17", pos, ref, [alt], "PASS", [depth - alt_reads, alt_reads], csq, 1, "tp53", "TP53"
    )


def tumour_variants(
    rng, panel: pd.DataFrame, targets: pd.DataFrame, n_counted: int, n_tp53: int
) -> pd.DataFrame:
    """All records of one tumour VCF, sorted; ``counted`` sums to max(n_counted, TP53 + multi)."""
    weights = site_weights(panel, targets)
    positions = _Positions()
    records = tp53_mutations(rng, targets, n_tp53, positions)
    if rng.random() < MULTIALLELIC_P:
        records.append(_multiallelic(rng, panel, weights, positions))
    for kind in DECOYS:
        records += [
            _decoy(rng, kind, panel, weights, positions) for _ in range(int(rng.integers(1, 4)))
        ]
    for _ in range(max(0, n_counted - sum(r["counted"] for r in records))):
        chrom, pos, name = _panel_site(rng, panel, weights, positions)
        consequence = str(
            rng.choice(
                ["missense_variant", "stop_gained", "splice_acceptor_variant"], p=[0.8, 0.12, 0.08]
            )
        )
        records.append(
            _snv(
                rng,
                chrom,
                pos,
                consequence,
                _gene(name),
                rng.uniform(*COUNTED_VAF),
                int(rng.integers(*COUNTED_DEPTH)),
                counted=1,
            )
        )
    frame = pd.DataFrame(records).rename(columns={"pos": "start"})
    frame = sort_bed(frame.assign(end=frame["start"])).rename(columns={"start": "pos"})
    return frame.drop(columns="end")
