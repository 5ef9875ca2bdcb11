"""Low-pass WGS samples of the demo cohort (pure): which plasma draws are also sequenced
shallowly, their tumours' copy-number profiles, and their samplesheet and truth rows.

Subset: ``N_BASELINE`` baseline plasma samples, for each TF of ``N_BASELINE`` evenly spaced
targets over [0, ``MAX_TF``] the not yet chosen sample of the nearest TF (ties: sample id), so
the TFs spread from 0 to ~30 % as far as the cohort has them; plus the month-6 draw of the
first ``N_MONTH6`` of those patients that have one. A low-pass sample is the same blood draw as its
capture sample (same TF, date and cfDNA yield), sample id ``<capture id>-LP``. Tumour ploidy:
every ``TRIPLOID_EVERY``-th patient of the subset is near-triploid, the others near-diploid;
profiles in ``tumour_profile``. Germline sex drawn per patient (seeded). PoN: ``N_PON``
healthy-donor plasmas (``LPON01`` ...), sexes alternating, when the demo has a PoN at all.

Genome: ``GENOME`` (a few Mb; stereosarc.demo.lowpass draws its sequence), sequenced at
``DEPTH``x and binned in ``BIN_SIZE`` bp bins: about 250 fragments per bin (as 1 Mb bins at
0.5x), 80 autosomal bins, so that the demo shows the method in a few seconds
(conf/test.config sets ``lowpass_bin_size``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stereosarc.demo.lowpass import Segment

GENOME = {"chr1": 1_500_000, "chr2": 1_250_000, "chr3": 1_250_000, "chrX": 500_000,
          "chrY": 250_000}  # fmt: skip
BIN_SIZE = 50_000  # bp: 80 autosomal bins (ctdna.lowpass_model needs >= 30)
DEPTH = 1.0  # x: about 250 fragments per 50 kb bin (read pairs of 2 x 100 bp)
N_BASELINE = 12  # baseline samples sequenced low-pass (issue 13: "a subset of patients")
N_MONTH6 = 4  # of those patients, the first with a month-6 draw also get it
N_PON = 6  # low-pass PoN donors (>= ctdna.lowpass_pon.MIN_PON = 5)
MAX_TF = 0.3  # TF range of the subset's targets (0 to 30 %)
TRIPLOID_EVERY = 3  # every third patient of the subset has a near-triploid tumour
FOLDER = "lowpass"  # demo sub-folder of the low-pass BAMs and the reference FASTA
REFERENCE = f"{FOLDER}/reference.fa"


def tumour_profile(ploidy: int) -> list[Segment]:
    """Copy-number segments of a tumour (elsewhere: ``ploidy`` copies; chrX/chrY germline):
    an arm-level gain, a whole-chromosome loss relative to the ploidy and a focal gain."""
    base = [] if ploidy == 2 else [Segment(c, 0, n, ploidy) for c, n in GENOME.items()
                                   if c not in ("chrX", "chrY")]  # fmt: skip
    changes = [
        Segment("chr1", 0, 750_000, ploidy + 1),  # arm-level gain
        Segment("chr2", 0, 1_250_000, ploidy - 1),  # whole-chromosome loss
        Segment("chr3", 400_000, 700_000, ploidy + 3),  # focal amplification
    ]
    return changes + base  # the first segment containing a block wins (simulator)


def lowpass_plan(plan: pd.DataFrame, n_pon: int, seed: int) -> pd.DataFrame:
    """One row per low-pass sample: patient, sample, type, timepoint, tumour_fraction, sex,
    ploidy, collection_date, cfdna_ng_per_ml, sample_seed (``plan``: samples.plasma_plan)."""
    rng = np.random.default_rng([seed, 13])
    baseline = plan[plan["timepoint"] == "baseline"].sort_values("sample")
    picked: list[int] = []
    for target in np.linspace(0, MAX_TF, min(N_BASELINE, len(baseline))):
        distance = (baseline["tumour_fraction"] - target).abs().drop(index=picked)
        picked.append(distance.idxmin())  # first of equals: the lowest sample id
    chosen = baseline.loc[picked].sort_values("patient")
    patients = chosen["patient"].tolist()
    month6 = plan[(plan["timepoint"] == "month6") & plan["patient"].isin(patients)]
    month6 = month6.sort_values("patient").head(N_MONTH6)
    rows = pd.concat([chosen, month6]).sort_values(["patient", "sample"], kind="stable")
    sex = dict(zip(patients, rng.choice(["female", "male"], len(patients))))
    ploidy = {p: 3 if i % TRIPLOID_EVERY == TRIPLOID_EVERY - 1 else 2
              for i, p in enumerate(patients)}  # fmt: skip
    table = rows[["patient", "sample", "type", "timepoint", "tumour_fraction",
                  "collection_date", "cfdna_ng_per_ml"]].assign(
        sample=rows["sample"] + "-LP", sex=rows["patient"].map(sex),
        ploidy=rows["patient"].map(ploidy),
    )  # fmt: skip
    donors = N_PON if n_pon > 0 else 0
    pon = pd.DataFrame({
        "patient": None, "sample": [f"LPON{i:02d}" for i in range(1, donors + 1)], "type": "pon",
        "timepoint": None, "tumour_fraction": 0.0, "collection_date": None,
        "cfdna_ng_per_ml": np.nan, "sex": [("female", "male")[i % 2] for i in range(donors)],
        "ploidy": 2,
    })  # fmt: skip
    table = pd.concat([table, pon], ignore_index=True)
    table["sample_seed"] = rng.integers(0, 2**31, len(table))
    return table


def samplesheet_rows(lowpass: pd.DataFrame) -> pd.DataFrame:
    """Samplesheet rows (assay lowpass_wgs, BAM under FOLDER) of the low-pass samples."""
    return lowpass.assign(
        vcf=None, bam=FOLDER + "/" + lowpass["sample"] + ".bam", assay="lowpass_wgs",
        cfdna_ng_per_ml=lowpass["cfdna_ng_per_ml"].map(
            lambda value: None if pd.isna(value) else f"{value:.2f}"),
    )  # fmt: skip


def truth(lowpass: pd.DataFrame) -> pd.DataFrame:
    """truth_lowpass.tsv: per low-pass sample the planted TF, ploidy, sex and depth."""
    columns = ["patient", "sample", "type", "timepoint", "tumour_fraction", "ploidy", "sex"]
    table = lowpass[columns].assign(depth_x=DEPTH)
    table["patient"] = table["patient"].astype(object)
    return table.reset_index(drop=True)
