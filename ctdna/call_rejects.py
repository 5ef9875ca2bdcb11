"""Every plasma site, sample and tissue copy number ctdna-call did not use, as rejects rows
(file, row, patient, reason): nothing is dropped silently (DESIGN.md)."""

from __future__ import annotations

import pandas as pd

from ctdna import STAGE, call_io
from ctdna import cn as cn_model
from stereosarc.rejects import reject


def site_rejects(detail: pd.DataFrame, rejects: list) -> None:
    """Every plasma site row that was not used, with its file, row and reason."""
    if detail.empty:
        return
    for row in detail[~detail["used"].astype(bool)].to_dict("records"):
        extra = f" ({row['blacklist_reason']})" if row.get("blacklist_reason") else ""
        rejects.append(
            reject(
                STAGE,
                row.get(call_io.FILE_COLUMN),
                row.get(call_io.ROW_COLUMN),
                f"site {row['chrom']}:{int(row['pos'])} {row['ref']}>{row['alt']} of "
                f"{row['sample']} not used: {row['not_used_reason']}{extra}",
                patient=row["patient"],
            )
        )


def sample_rejects(sheet, name, ctdna, unused, tissue, tissue_name, rejects, detail=None) -> None:
    """Plasma samples not evaluable, duplicate timepoints, unused tissue copy numbers."""
    rows = sheet.set_index("sample")[call_io.ROW_COLUMN]
    for item in ctdna[ctdna["evaluable"] != True].itertuples():  # noqa: E712
        rejects.append(
            reject(
                STAGE,
                name,
                rows[item.sample],
                f"plasma sample {item.sample} not evaluable: {item.reason}",
                patient=item.patient,
            )
        )
    for item in unused.itertuples():
        rejects.append(
            reject(
                STAGE,
                name,
                rows[item.sample],
                f"second {item.timepoint} sample of the patient: not used "
                "in ctdna_dynamics (earliest collection kept)",
                patient=item.patient,
            )
        )
    plasma_patients = set(ctdna["patient"])
    site_genes = (
        set(zip(detail["patient"], detail["gene"], strict=True))
        if detail is not None and {"patient", "gene"} <= set(detail.columns)
        else set()
    )
    for item in tissue.to_dict("records"):
        gene, patient = item["gene"], item["patient"]
        used_gene = gene == cn_model.AMP_GENE or (patient, gene) in site_genes
        if not used_gene or patient not in plasma_patients:
            why = (
                f"gene {gene} is neither {cn_model.AMP_GENE} nor the gene of a tumour site"
                if not used_gene
                else "patient has no plasma sample"
            )
            rejects.append(
                reject(
                    STAGE,
                    tissue_name,
                    item[call_io.ROW_COLUMN],
                    f"tissue copy number not used: {why}",
                    patient=patient,
                )
            )
