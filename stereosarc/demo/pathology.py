"""IHC long table, QuPath annotation exports and tissue copy number of the demo (pure).

Densities are cells per mm² of tumour area. PD-L1 is given as cell counts per block, so that
CPS = (PD-L1+ tumour cells + PD-L1+ lymphocytes + PD-L1+ macrophages) / viable tumour cells
x 100 equals the patient's latent CPS within the block noise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Median immune-cell densities (cells/mm²) in soft-tissue sarcoma, order of magnitude of
# Petitprez et al. Nature 2020 (sarcoma immune classes); log-sd 0.8 across patients.
DENSITY_MEDIANS = {
    "CD3": 350.0,
    "CD4": 180.0,
    "CD8": 150.0,
    "CD20": 25.0,
    "CD45": 500.0,
    "CD68": 220.0,
    "CD163": 260.0,
    "FOXP3": 30.0,
}
DENSITY_LOG_SD = 0.8
TWO_BLOCKS_P = 0.12  # share of patients with two tumour blocks (A and B)
BLOCK_LOG_SD = 0.25  # block-to-block variation of densities (log scale)
CPS_BLOCK_RANGE = (0.85, 1.15)  # block-to-block factor on CPS (keeps CPS on its side of 1)
PDL1_SHARES = (0.5, 0.35, 0.15)  # PD-L1+ tumour cells, lymphocytes, macrophages (assumption)
N_LOW_VIABLE = 3  # patients with < 100 viable tumour cells (not evaluable, issue 2)
N_PATHOLOGIST_CPS = 2  # patients with a pathologist CPS row instead of counts (issue 2)
N_QUPATH = 10  # patients whose CD8 and FOXP3 come from QuPath exports (issue 2)
QUPATH_MARKERS = ("CD8", "FOXP3")
GHOST_PATIENT = "P999"  # planted: a patient absent from clinical.csv


def _latent_densities(rng, patients: pd.DataFrame) -> pd.DataFrame:
    hot = rng.normal(0, 1, len(patients))  # shared "immune-hot" factor across markers
    values = {
        m: median * np.exp(0.6 * hot + rng.normal(0, DENSITY_LOG_SD * 0.8, len(patients)))
        for m, median in DENSITY_MEDIANS.items()
    }
    return pd.DataFrame(values, index=patients["patient"])


def ihc_plan(patients: pd.DataFrame, seed: int) -> dict:
    """Which patients have IHC, two blocks, low viability, pathologist CPS or QuPath exports."""
    rng = np.random.default_rng([seed, 3])
    with_ihc = patients.loc[patients["has_tissue"], "patient"].to_list()
    two = [p for p in with_ihc if rng.random() < TWO_BLOCKS_P]
    single = [p for p in with_ihc if p not in two]
    picks = rng.permutation(single)
    n_low = min(N_LOW_VIABLE, len(picks) // 3)
    n_cps = min(N_PATHOLOGIST_CPS, len(picks) // 3)
    n_qupath = min(N_QUPATH, max(1, len(picks) // 3))
    return {
        "patients": with_ihc,
        "two_blocks": set(two),
        "low_viable": set(picks[:n_low]),
        "pathologist_cps": set(picks[n_low : n_low + n_cps]),
        "qupath": sorted(picks[len(picks) - n_qupath :]),
        "seed": seed,
        "densities": _latent_densities(rng, patients),
    }


def _pdl1_rows(rng, patient: str, sample: str, cps: float, low_viable: bool) -> list[tuple]:
    viable = int(rng.integers(40, 96)) if low_viable else int(rng.integers(400, 6000))
    positives = cps * rng.uniform(*CPS_BLOCK_RANGE) * viable / 100
    total = int(
        np.ceil(positives) if cps >= 1 else np.floor(positives)
    )  # keep CPS on its side of 1
    tumour, lymphocytes = int(round(total * PDL1_SHARES[0])), int(round(total * PDL1_SHARES[1]))
    counts = (tumour, lymphocytes, total - tumour - lymphocytes)
    return [
        (patient, sample, "PD-L1", "viable_tumour_cells", str(viable)),
        (patient, sample, "PD-L1", "pdl1_pos_tumour_cells", str(counts[0])),
        (patient, sample, "PD-L1", "pdl1_pos_lymphocytes", str(counts[1])),
        (patient, sample, "PD-L1", "pdl1_pos_macrophages", str(counts[2])),
    ]


def ihc_table(patients: pd.DataFrame, plan: dict) -> tuple[pd.DataFrame, dict]:
    """ihc.csv rows (strings) and the spreadsheet rows of the planted dirty records."""
    rng = np.random.default_rng([plan["seed"], 4])
    cps = patients.set_index("patient")["cps"]
    rows = []
    for patient in plan["patients"]:
        blocks = (
            [f"{patient}-T-A", f"{patient}-T-B"]
            if patient in plan["two_blocks"]
            else [f"{patient}-T"]
        )
        for sample in blocks:
            for marker, value in plan["densities"].loc[patient].items():
                if patient in plan["qupath"] and marker in QUPATH_MARKERS:
                    continue
                density = value * np.exp(rng.normal(0, BLOCK_LOG_SD)) if len(blocks) > 1 else value
                rows.append((patient, sample, marker, "density_per_mm2", f"{density:.1f}"))
            if patient in plan["pathologist_cps"]:
                rows.append((patient, sample, "PD-L1", "cps", f"{cps[patient]:.1f}"))
            else:
                rows += _pdl1_rows(
                    rng, patient, sample, cps[patient], patient in plan["low_viable"]
                )
    table = pd.DataFrame(rows, columns=["patient", "sample", "marker", "metric", "value"])
    dirty_patient = plan["patients"][0] if plan["patients"] else patients["patient"].iloc[0]
    dirty = pd.DataFrame(
        [
            (GHOST_PATIENT, f"{GHOST_PATIENT}-T", "CD8", "density_per_mm2", "123.4"),
            (dirty_patient, f"{dirty_patient}-T", "CD3", "percent_positive", "135.0"),
        ],
        columns=table.columns,
    )
    table = pd.concat([table, dirty], ignore_index=True)
    n = len(table)
    return table, {"ghost_patient_row": n, "percent_over_100_row": n + 1}  # spreadsheet rows


def qupath_exports(plan: dict) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Manifest (file, patient, sample, marker) and one annotation table per file name."""
    rng = np.random.default_rng([plan["seed"], 5])
    manifest: list[tuple[str, str, str, str]] = []
    files: dict[str, pd.DataFrame] = {}
    for k, patient in enumerate(plan["qupath"]):
        for marker in QUPATH_MARKERS:
            name = f"{patient}-T_{marker}.tsv"
            legacy = (k + len(manifest)) % 2 == 1  # alternate header spellings (issue 2)
            files[name] = _annotations(
                rng, patient, marker, plan["densities"].loc[patient, marker], legacy
            )
            manifest.append((name, patient, f"{patient}-T", marker))
    return pd.DataFrame(manifest, columns=["file", "patient", "sample", "marker"]), files


def _annotations(rng, patient: str, marker: str, density: float, legacy: bool) -> pd.DataFrame:
    """3-5 tumour annotations whose pooled density (sum positive / sum area) ~ ``density``."""
    n = int(rng.integers(3, 6))
    area_um2 = rng.uniform(4e5, 3e6, n)
    positive = np.round(density * area_um2 / 1e6 * rng.uniform(0.7, 1.3, n)).astype(int)
    detections = positive + rng.integers(2000, 9000, n)
    um, cls = ("um", "Classification") if legacy else ("µm", "Class")
    return pd.DataFrame(
        {
            "Image": f"{patient}-T_{marker}.ndpi",
            "Name": [f"Tumor region {i + 1}" for i in range(n)],
            cls: "Tumor",
            "Parent": "Root object (Image)",
            "ROI": "Polygon",
            f"Centroid X {um}": [f"{x:.1f}" for x in rng.uniform(2000, 40000, n)],
            f"Centroid Y {um}": [f"{y:.1f}" for y in rng.uniform(2000, 30000, n)],
            "Num Detections": detections,
            "Num Positive": positive,
            "Positive %": [
                f"{100 * p / d:.4f}" for p, d in zip(positive, detections, strict=True)
            ],
            "Num Positive per mm^2": [
                f"{p / (a / 1e6):.4f}" for p, a in zip(positive, area_um2, strict=True)
            ],
            f"Area {um}^2": [f"{a:.1f}" for a in area_um2],
        }
    )


def tissue_cn(patients: pd.DataFrame) -> pd.DataFrame:
    """tissue_cn.tsv: MDM2 copy number of amplified liposarcomas with a tumour block."""
    rows = patients[patients["has_tissue"] & (patients["mdm2_copy_number"] > 2)]
    return pd.DataFrame(
        {
            "patient": rows["patient"],
            "gene": "MDM2",
            "copy_number": rows["mdm2_copy_number"].astype(int),
        }
    ).reset_index(drop=True)
