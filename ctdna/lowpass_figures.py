"""Report figures of low-pass WGS (matplotlib, Agg backend); each returns a Figure.

- ``genome_figure(ratios, segments, samples)``: genome-wide copy number, one panel per sample
  (small multiples): the log2 ratio of every unmasked bin as a dot (lowpass_ratios.tsv;
  masked bins are not drawn), each segment of lowpass_segments.tsv as a horizontal line at
  its mean log2 ratio (one line per segment), chromosomes on alternating shaded bands, and
  the sample's tumour fraction (95 % CI) and ploidy in the panel title (lowpass_samples.tsv);
  beyond VECTOR_DOTS bins in all the dots are an embedded bitmap (the report stays small).
- ``heatmap_figure(ratios)``: the cohort as a heatmap, samples x bins of log2 ratio on a
  diverging colour scale centred at 0 (blue loss, red gain, clipped at +-HEATMAP_LIMIT, with
  a colour bar), masked bins blank, chromosome boundaries as vertical lines.

The x axis is the genome laid end to end: chromosomes in natural order (1-22, X, Y, with or
without the ``chr`` prefix), each placed after the previous one's last bin end.
"""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (backend set first)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

HEATMAP_LIMIT = 1.0  # log2 ratio at which the heatmap colours saturate (one copy gain ~0.58)
PANEL_HEIGHT = 1.7  # inches per sample panel of the genome figure
Y_LIMITS = (-2.0, 2.0)  # log2 ratio axis of the genome figure (CNVkit scatter default range)
SHADE = "#eeeeee"  # background of every other chromosome
SEX_CHROMS = {"X": 23, "Y": 24, "M": 25, "MT": 25}  # order after the autosomes
# bin dots drawn as vector marks up to this many per figure; beyond, as one embedded bitmap
# per panel (a genome at 1 Mb bins has ~2,900 bins: a vector mark each would make a
# 120-sample cohort's figure tens of MB), segments and axes staying vector
VECTOR_DOTS = 20000


def chrom_key(name: str) -> tuple[int, str]:
    """Natural sort key of a contig name: 1 < 2 < ... < 22 < X < Y < others (by name)."""
    bare = re.sub(r"^chr", "", str(name), flags=re.IGNORECASE)
    if bare.isdigit():
        return int(bare), ""
    return SEX_CHROMS.get(bare.upper(), 100), bare


def genome_layout(ratios: pd.DataFrame) -> pd.DataFrame:
    """Per chromosome (natural order): ``offset`` (genome coordinate of its position 0),
    ``length`` (its last bin end) and ``middle`` (label position), from the bins."""
    ends = ratios.groupby("chrom")["end"].max()
    order = sorted(ends.index, key=chrom_key)
    lengths = ends.reindex(order).astype(float)
    offsets = lengths.cumsum() - lengths
    return pd.DataFrame(
        {"offset": offsets, "length": lengths, "middle": offsets + lengths / 2}, index=order
    )


def genome_x(frame: pd.DataFrame, layout: pd.DataFrame, column: str) -> np.ndarray:
    """Genome coordinate of ``frame[column]`` (a position on ``frame['chrom']``)."""
    return (frame[column].astype(float) + frame["chrom"].map(layout["offset"])).to_numpy()


def _shade(axis, layout: pd.DataFrame) -> None:
    """Every other chromosome on a grey band."""
    for i, (start, length) in enumerate(zip(layout["offset"], layout["length"], strict=True)):
        if i % 2:
            axis.axvspan(start, start + length, color=SHADE, zorder=0, lw=0)


def _title(sample: str, info: dict | None) -> str:
    """'sample: TF 0.12 (0.09-0.15), ploidy 2.1' from its lowpass_samples.tsv row."""
    if not info:
        return sample
    tf, low, high = (info.get(c) for c in ("tumour_fraction", "tf_ci_low", "tf_ci_high"))
    text = f"TF {tf:.3f}" if pd.notna(tf) else "TF NA"
    if pd.notna(tf) and pd.notna(low) and pd.notna(high):
        text += f" ({low:.3f}-{high:.3f})"
    ploidy = info.get("ploidy")
    text += f", ploidy {ploidy:.2f}" if pd.notna(ploidy) else ", ploidy NA"
    detected = info.get("detected")
    call = "NA" if pd.isna(detected) else "detected" if detected == 1 else "not detected"
    return f"{sample}: {text}, {call}"


def _sample_panel(axis, bins, segments, layout, title: str, raster: bool = False) -> None:
    """One sample: dots per unmasked bin (a bitmap when ``raster``), a line per segment,
    shaded chromosomes."""
    _shade(axis, layout)
    shown = bins[(bins["masked"] != 1) & bins["log2_ratio"].notna()]
    middle = (shown["start"].astype(float) + shown["end"].astype(float)) / 2
    x = middle.to_numpy() + shown["chrom"].map(layout["offset"]).to_numpy()
    y = shown["log2_ratio"].clip(*Y_LIMITS).to_numpy(float)
    sample = bins["sample"].iloc[0] if len(bins) else ""
    axis.scatter(x, y, s=2, color="tab:grey", lw=0, gid=f"bins-{sample}", rasterized=raster)
    segments = segments[segments["chrom"].isin(layout.index)]
    if len(segments):
        axis.hlines(
            segments["mean_log2"].clip(*Y_LIMITS).to_numpy(float),
            genome_x(segments, layout, "start"),
            genome_x(segments, layout, "end"),
            colors="tab:red",
            lw=1.6,
            gid=f"segments-{sample}",
        )
    axis.axhline(0, color="black", lw=0.5)
    axis.set_ylim(*Y_LIMITS)
    axis.set_xlim(0, float((layout["offset"] + layout["length"]).max()))
    axis.set_ylabel("log2 ratio", fontsize="x-small")
    axis.set_title(title, fontsize="small", loc="left")
    axis.tick_params(labelsize="x-small")


def genome_figure(
    ratios: pd.DataFrame, segments: pd.DataFrame, samples: pd.DataFrame | None = None
) -> Figure:
    """Genome-wide copy number per sample, one panel each (module doc); samples in the order
    of ``samples`` when given (else sorted), those without bins skipped."""
    layout = genome_layout(ratios)
    names = list(samples["sample"]) if samples is not None else []
    names = [s for s in names if s in set(ratios["sample"])]
    names += sorted(set(ratios["sample"]) - set(names))
    info = {} if samples is None else samples.set_index("sample").to_dict("index")
    figure, axes = plt.subplots(
        len(names), 1, figsize=(10, PANEL_HEIGHT * len(names) + 0.6), squeeze=False, sharex=True
    )
    raster = len(ratios) > VECTOR_DOTS
    for axis, sample in zip(axes[:, 0], names, strict=True):
        _sample_panel(
            axis,
            ratios[ratios["sample"] == sample],
            segments[segments["sample"] == sample],
            layout,
            _title(sample, info.get(sample)),
            raster,
        )
    bottom = axes[-1, 0]
    bottom.set_xticks(layout["middle"].to_numpy(), [_short(c) for c in layout.index])
    bottom.tick_params(axis="x", labelsize="xx-small")
    bottom.set_xlabel("chromosome (dots: bins; red lines: segments; masked bins not drawn)")
    figure.tight_layout()
    return figure


def _short(chrom: str) -> str:
    """Axis label of a contig: without 'chr'."""
    return re.sub(r"^chr", "", str(chrom), flags=re.IGNORECASE)


def heatmap_matrix(ratios: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(samples x bins log2 ratio, masked bins NaN, bins in genome order; the bins' chrom,
    start, end in column order)."""
    shown = ratios.assign(
        log2_ratio=ratios["log2_ratio"].where(ratios["masked"] != 1),
        _key=ratios["chrom"].map(chrom_key),
    )
    bins = (
        shown[["chrom", "start", "end", "_key"]]
        .drop_duplicates(["chrom", "start", "end"])
        .sort_values(["_key", "start"], kind="mergesort")
        .drop(columns="_key")
        .reset_index(drop=True)
    )
    matrix = shown.pivot_table(
        index="sample", columns=["chrom", "start"], values="log2_ratio", aggfunc="first"
    )
    columns = pd.MultiIndex.from_frame(bins[["chrom", "start"]])
    return matrix.reindex(columns=columns), bins


def heatmap_figure(ratios: pd.DataFrame) -> Figure:
    """Cohort heatmap of log2 ratios, samples x bins (module doc)."""
    matrix, bins = heatmap_matrix(ratios)
    figure, axis = plt.subplots(figsize=(10, 0.22 * len(matrix) + 1.8))
    image = axis.imshow(
        matrix.to_numpy(float),
        aspect="auto",
        interpolation="nearest",
        cmap="RdBu_r",
        vmin=-HEATMAP_LIMIT,
        vmax=HEATMAP_LIMIT,
    )
    chroms = bins["chrom"].to_numpy()
    starts = np.flatnonzero(np.r_[True, chroms[1:] != chroms[:-1]])
    for boundary in starts[1:]:
        axis.axvline(boundary - 0.5, color="black", lw=0.5)
    ends = np.r_[starts[1:], len(chroms)]
    axis.set_xticks((starts + ends - 1) / 2, [_short(c) for c in chroms[starts]])
    axis.tick_params(axis="x", labelsize="xx-small")
    axis.set_yticks(range(len(matrix)), list(matrix.index), fontsize="x-small")
    axis.set_xlabel("chromosome (blank: masked bin)")
    axis.set_title(f"Low-pass WGS log2 ratio, {len(matrix)} samples", fontsize="small")
    bar = figure.colorbar(image, ax=axis, extend="both", fraction=0.04, pad=0.01)
    bar.set_label(f"log2 ratio (clipped at +-{HEATMAP_LIMIT:g})", fontsize="x-small")
    figure.tight_layout()
    return figure
