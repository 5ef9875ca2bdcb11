"""MDM2 log2 ratios of ctdna-count + ctdna-call against CNVkit (PyPI cnvkit, own venv) on the
same generated BAMs: a panel of normals (PoN) and plasma samples with a known MDM2/CDK4 gain.

Cohort (seed printed): 28 capture targets of 200 bp on chr1, chr5, chr12, chr17 (16
BACKBONE reference targets, MDM2 x 6 and CDK4 x 3 on chr12, TP53 x 3 on chr17); 10 PoN and
6 plasma samples. Fragments per target: Poisson(500 x library scale x capture efficiency
(log-normal sd 0.4, shared by all samples, cancelled by the PoN) x sample-target bias
(log-normal sd 0.03) x copy ratio), ratio R = 1 + f (C - 2) / 2 at MDM2 and CDK4; fragment
length ~ N(167, 20) bp with 2 x 100 bp reads, so most mates overlap; 10 % extra duplicate
copies (flag 0x400) and 4 % pairs at MAPQ 5.

Pipelines:
- ours: ``ctdna-count --min-mapq 20`` per BAM, then ``ctdna-call`` (reference = BACKBONE,
  TP53 excluded): per-target ``log2_ratio`` (ctdna_cn.tsv) and ``mdm2_log2_ratio``;
- CNVkit 0.9.14: ``coverage -q 20`` (samtools bedcov read depth: duplicates excluded,
  overlapping mates counted twice), ``reference --no-gc --no-edge --no-rmask`` (no FASTA:
  no GC or RepeatMasker column either) and ``fix --no-gc --no-edge --no-rmask``, with an
  empty antitarget BED (no off-target bins), then ``genemetrics -t 0 -m 1`` (gene log2 =
  bin-weighted mean);
- CNVkit from fragment depth: the same, but ``coverage`` reads mosdepth's per-base
  fragment depth (bedGraph; shown equal to ctdna-count's depth in test_ctdna_depth_tools).

What cannot be made equal, and so the comparison is not exact: CNVkit re-centres each
sample on the median of per-chromosome medians of *all* bins (amplified ones included),
ctdna-call on the median ratio of the reference targets; CNVkit averages the PoN as the
biweight location of log2 values, ctdna-call as the median of linear normalised depths;
CNVkit's gene log2 is the weight-averaged bin log2, ours log2(sum depth / sum PoN).
``recentred`` subtracts from CNVkit's bins the median of its BACKBONE bins (our
normalisation), which removes the first difference; ``reference_mdm2_offset`` measures the
second at the MDM2 targets. The agreement numbers are printed (``-s``) and written in
docs/ctdna.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ctdna.call_cli import call_main
from ctdna.count_cli import count_main
from stereosarc.tables import read_output_table
from tests.conftest import require_tool
from tests.crosscheck.cnvkit_cohort import PLASMA, targets_frame, write_cohort

pytestmark = pytest.mark.crosscheck

SEED = 20240601  # project default seed (docs/development.md)
ROOT = Path(__file__).resolve().parents[2]
CNVKIT_VENV = ROOT / ".venv-cnvkit"  # git-ignored, created by scripts/setup_cnvkit.sh


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    print(f"seed {SEED}")
    folder = tmp_path_factory.mktemp("ctdna_cnvkit")
    targets, bams = write_cohort(folder, np.random.default_rng(SEED))
    return folder, targets, bams


def _ours(folder: Path, bams: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(ctdna_cn.tsv of the plasma samples, ctdna.tsv) from ctdna-count + ctdna-call."""
    sheet = ["patient,sample,type,timepoint,vcf,bam,cfdna_ng_per_ml,collection_date"]
    for name, bam in bams.items():
        sheet.append(_sheet_row(name, bam))
        assert (
            count_main(
                [
                    "--bam",
                    str(bam),
                    "--sample",
                    name,
                    "--targets",
                    str(folder / "targets.bed"),
                    "--min-mapq",
                    "20",
                    "--no-background",
                    "--out-sites",
                    str(folder / f"{name}.site_counts.tsv"),
                    "--out-targets",
                    str(folder / f"{name}.target_depth.tsv"),
                ]
            )
            == 0
        )
    (folder / "samplesheet.valid.csv").write_text("\n".join(sheet) + "\n")
    out = folder / "ours"
    assert (
        call_main(
            [
                "--samplesheet",
                str(folder / "samplesheet.valid.csv"),
                "--target-depth",
                *[str(folder / f"{n}.target_depth.tsv") for n in bams],
                "--outdir",
                str(out),
            ]
        )
        == 0
    )
    cn = read_output_table(out / "ctdna_cn.tsv")
    return cn[cn["type"] == "plasma"], read_output_table(out / "ctdna.tsv")


def _sheet_row(name: str, bam: Path) -> str:
    if name.startswith("PON"):
        return f",{name},pon,,,{bam},,"
    return f"{name},{name},plasma,baseline,,{bam},,"


CNVKIT_DRIVER = r"""
import json, sys
from cnvlib import commands
for argv in json.load(open(sys.argv[1])):
    args = commands.parse_args(argv)
    args.func(args)
"""


def _cnvkit_python() -> Path:
    """.venv-cnvkit's python, installing CNVkit there first if needed; skip if impossible."""
    try:
        subprocess.run(
            [str(ROOT / "scripts" / "setup_cnvkit.sh")],
            check=True,
            capture_output=True,
            text=True,
            timeout=1200,
            env={**os.environ, "PYTHON": sys.executable},
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as err:
        detail = getattr(err, "stderr", "") or err
        pytest.skip(f"cnvkit could not be installed into {CNVKIT_VENV}: {detail}")
    return CNVKIT_VENV / "bin" / "python"


def _cnvkit(folder: Path, inputs: dict, tag: str) -> tuple[pd.DataFrame, ...]:
    """(.cnr bins and genemetrics genes of the plasma samples, reference.cnn);
    ``inputs``: sample -> BAM or bedGraph."""
    python = _cnvkit_python()
    work = folder / f"cnvkit_{tag}"
    work.mkdir(exist_ok=True)
    (work / "anti.bed").write_text("")
    bed, anti = str(folder / "targets.bed"), str(work / "anti.bed")
    argvs = []
    for name, path in inputs.items():
        mapq = ["-q", "20"] if path.suffix == ".bam" else []  # bedGraph: mosdepth filtered
        argvs += [
            ["coverage", *mapq, str(path), bed, "-o", f"{work}/{name}.targetcoverage.cnn"],
            ["coverage", str(path), anti, "-o", f"{work}/{name}.antitargetcoverage.cnn"],
        ]
    pon = [n for n in inputs if n.startswith("PON")]
    plasma = [n for n in inputs if n not in pon]
    corrections = ["--no-gc", "--no-edge", "--no-rmask"]
    argvs.append(
        [
            "reference",
            *[f"{work}/{n}.{k}coverage.cnn" for n in pon for k in ("target", "antitarget")],
            *corrections,
            "-o",
            f"{work}/reference.cnn",
        ]
    )
    for name in plasma:
        argvs += [
            [
                "fix",
                f"{work}/{name}.targetcoverage.cnn",
                f"{work}/{name}.antitargetcoverage.cnn",
                f"{work}/reference.cnn",
                *corrections,
                "-o",
                f"{work}/{name}.cnr",
            ],
            [
                "genemetrics",
                f"{work}/{name}.cnr",
                "-t",
                "0",
                "-m",
                "1",
                "-o",
                f"{work}/{name}.genemetrics.tsv",
            ],
        ]
    (work / "argv.json").write_text(json.dumps(argvs))
    (work / "driver.py").write_text(CNVKIT_DRIVER)
    run = subprocess.run(
        [str(python), str(work / "driver.py"), str(work / "argv.json")],
        capture_output=True,
        text=True,
        cwd=work,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    bins = pd.concat(
        [pd.read_csv(work / f"{n}.cnr", sep="\t").assign(sample=n) for n in plasma],
        ignore_index=True,
    )
    genes = pd.concat(
        [pd.read_csv(work / f"{n}.genemetrics.tsv", sep="\t").assign(sample=n) for n in plasma],
        ignore_index=True,
    )
    reference = pd.read_csv(work / "reference.cnn", sep="\t")
    return bins, genes, reference


def _fragment_bedgraphs(folder: Path, bams: dict) -> dict:
    """mosdepth per-base fragment depth (same filters as ctdna-count) as CNVkit bedGraphs."""
    mosdepth, tabix = require_tool("mosdepth"), require_tool("tabix")
    graphs = {}
    for name, bam in bams.items():
        prefix = folder / f"{name}.frag"
        subprocess.run(
            [mosdepth, "-Q", "20", "-F", str(0xF04), str(prefix), str(bam)],
            check=True,
            capture_output=True,
        )
        graphs[name] = Path(f"{prefix}.per-base.bed.gz")
        subprocess.run([tabix, "-f", "-p", "bed", str(graphs[name])], check=True)
    return graphs


def _recentred(bins: pd.DataFrame) -> pd.Series:
    """CNVkit bin log2 minus the sample's median over BACKBONE bins (our normalisation)."""
    backbone = bins[bins["gene"].str.startswith("BACKBONE")]
    return bins["log2"] - bins["sample"].map(backbone.groupby("sample")["log2"].median())


def _agreement(ours: pd.Series, theirs: pd.Series) -> dict:
    """Pearson r, mean difference (ours - CNVkit), mean and max absolute difference."""
    diff = ours.to_numpy() - theirs.to_numpy()
    return {
        "r": float(np.corrcoef(ours, theirs)[0, 1]),
        "mean_diff": float(diff.mean()),
        "mean_abs": float(np.abs(diff).mean()),
        "max_abs": float(np.abs(diff).max()),
    }


def _relative(values: pd.Series, genes: pd.Series) -> pd.Series:
    """log2 values minus their median over the BACKBONE targets."""
    return values - values[genes.str.startswith("BACKBONE")].median()


def _reference_offset(cn: pd.DataFrame, reference: pd.DataFrame) -> float:
    """Mean over MDM2 targets of our PoN reference log2 minus CNVkit's (each relative to its
    BACKBONE median): the part of the per-target difference due to how the PoN is averaged."""
    both = cn.drop_duplicates(["chrom", "start", "end"]).merge(
        reference.rename(columns={"chromosome": "chrom"}),
        on=["chrom", "start", "end"],
        suffixes=("", "_cnvkit"),
        validate="one_to_one",
    )
    diff = _relative(np.log2(both["pon_norm_depth"]), both["gene"]) - _relative(
        both["log2"], both["gene"]
    )
    return float(diff[both["gene"] == "MDM2"].mean())


def _compare(
    cn: pd.DataFrame,
    ctdna: pd.DataFrame,
    bins: pd.DataFrame,
    genes: pd.DataFrame,
    reference: pd.DataFrame,
) -> dict:
    """Agreement per target (all targets of the plasma samples) and for the MDM2 gene,
    against CNVkit as it is and recentred on its BACKBONE bins."""
    key = ["sample", "chrom", "start", "end"]
    bins = bins.rename(columns={"chromosome": "chrom"}).assign(recentred=_recentred(bins))
    merged = cn.merge(bins, on=key, suffixes=("", "_cnvkit"), validate="one_to_one")
    assert len(merged) == len(cn) == len(PLASMA) * len(targets_frame())
    mdm2 = genes[genes["gene"] == "MDM2"].set_index("sample")
    backbone = bins[bins["gene"].str.startswith("BACKBONE")].groupby("sample")["log2"].median()
    ours_gene = ctdna.set_index("sample")["mdm2_log2_ratio"].loc[mdm2.index]
    mdm2_bins = merged[merged["gene"] == "MDM2"]
    return {
        "target": _agreement(merged["log2_ratio"], merged["log2"]),
        "target_recentred": _agreement(merged["log2_ratio"], merged["recentred"]),
        "mdm2_targets_recentred": _agreement(mdm2_bins["log2_ratio"], mdm2_bins["recentred"]),
        "gene": _agreement(ours_gene, mdm2["log2"]),
        "gene_recentred": _agreement(ours_gene, mdm2["log2"] - backbone.loc[mdm2.index]),
        "reference_mdm2_offset": _reference_offset(cn, reference),
        "per_sample": pd.DataFrame(
            {
                "ours": ours_gene,
                "cnvkit": mdm2["log2"],
                "cnvkit_recentred": mdm2["log2"] - backbone,
            }
        ),
    }


def _report(tag: str, result: dict) -> None:
    print(f"\n== CNVkit input: {tag}")
    for what in ("target", "target_recentred", "mdm2_targets_recentred", "gene", "gene_recentred"):
        print(what, {k: round(v, 4) for k, v in result[what].items()})
    print("reference_mdm2_offset (ours - CNVkit)", round(result["reference_mdm2_offset"], 4))
    truth = {name: np.log2(1 + f * (c - 2) / 2) for name, f, c in PLASMA}
    print(result["per_sample"].assign(truth=pd.Series(truth)).round(4).to_string())


@pytest.fixture(scope="module")
def ours(cohort):
    folder, _, bams = cohort
    return _ours(folder, bams)


def _check(result: dict, ctdna: pd.DataFrame) -> None:
    """Agreement bounds (measured over 4 seeds: per-target mean |diff| 0.014-0.021 and gene
    max |diff| 0.012-0.047 after recentring), the reference explaining the MDM2 targets'
    mean difference, and the same MDM2 calls at CNVkit's 0.2 gain threshold."""
    assert result["target"]["r"] >= 0.99
    assert result["target_recentred"]["r"] >= 0.995
    assert result["target_recentred"]["mean_abs"] <= 0.03
    assert result["gene_recentred"]["max_abs"] <= 0.06
    offset = result["mdm2_targets_recentred"]["mean_diff"] + result["reference_mdm2_offset"]
    assert abs(offset) <= 0.01
    per_sample = result["per_sample"]
    assert ((per_sample["ours"] >= 0.2) == (per_sample["cnvkit_recentred"] >= 0.2)).all()
    called = ctdna.set_index("sample")["mdm2_amplified"].loc[per_sample.index]
    assert list(called) == [0, 1, 1, 1, 1, 1]  # P1 has f = 0


def test_log2_ratios_agree_with_cnvkit_on_the_bams(cohort, ours):
    folder, _, bams = cohort
    result = _compare(*ours, *_cnvkit(folder, bams, "bam"))
    _report("BAM (read depth)", result)
    _check(result, ours[1])


def test_log2_ratios_agree_with_cnvkit_on_fragment_depth(cohort, ours):
    """CNVkit fed the fragment depth ctdna-count computes (mosdepth per-base, same filters):
    only the normalisation, the PoN average and the gene aggregation differ."""
    folder, _, bams = cohort
    result = _compare(*ours, *_cnvkit(folder, _fragment_bedgraphs(folder, bams), "fragments"))
    _report("mosdepth fragment depth (bedGraph)", result)
    _check(result, ours[1])
