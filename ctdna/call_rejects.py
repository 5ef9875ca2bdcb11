"""Every plasma site, sample and tissue copy number ctdna-call did not use, as rejects rows
(file, row, patient, code, detail): nothing is dropped silently (DESIGN.md).

A site's not_used_reason maps to one registered code (SITE_CODES); a fixed-list site that is
also a tumour site of the patient is evaluated there, so its row is ``info``, not a loss.
"""

from __future__ import annotations

import pandas as pd

from ctdna import STAGE, call_io, site_calls
from ctdna import cn as cn_model
from stereosarc.rejects import reject, rows_rejected

SITE_CODES = {
    site_calls.FOREIGN: "ctdna_site_other_patient",
    site_calls.DUPLICATE: "ctdna_site_also_tumour_informed",
    "blacklisted": "ctdna_site_blacklisted",
    "no fragments": "ctdna_site_no_fragments",
    "no background error rate": "ctdna_site_no_background",
}  # not_used_reason values of ctdna.snv.site_table and ctdna.site_calls -> reject code


def _site_detail(row: dict) -> str:
    """'chr:pos ref>alt in sample', with the black-list reason when there is one."""
    text = f"{row['chrom']}:{int(row['pos'])} {row['ref']}>{row['alt']} in {row['sample']}"
    why = row.get("blacklist_reason")
    return f"{text} ({why})" if isinstance(why, str) and why else text


def site_rejects(detail: pd.DataFrame, rejects: list) -> None:
    """Every plasma site row that was not used, with its file, row and code (SITE_CODES)."""
    if detail.empty:
        return
    for row in detail[~detail["used"].astype(bool)].to_dict("records"):
        rejects.append(
            reject(
                STAGE,
                row.get(call_io.FILE_COLUMN),
                row.get(call_io.ROW_COLUMN),
                SITE_CODES[row["not_used_reason"]],
                detail=_site_detail(row),
                patient=row["patient"],
            )
        )


def sample_rejects(sheet, name, ctdna, unused, tissue, tissue_name, rejects, detail=None) -> None:
    """Plasma samples not evaluable, duplicate timepoints, unused tissue copy numbers."""
    rows = sheet.set_index("sample")[call_io.ROW_COLUMN]

    def located(frame: pd.DataFrame) -> pd.DataFrame:  # each sample's samplesheet row
        return frame.assign(_file=name, _row=frame["sample"].map(rows))

    where = ("_file", "_row")
    rejects += rows_rejected(
        STAGE,
        located(ctdna[ctdna["evaluable"] != True]),  # noqa: E712
        "ctdna_sample_not_evaluable",
        detail=lambda r: f"{r.sample}: {r.reason}",
        where=where,
    )
    rejects += rows_rejected(
        STAGE,
        located(unused),
        "ctdna_repeat_timepoint",
        detail=lambda r: f"{r.sample} at {r.timepoint} (earliest collection kept)",
        where=where,
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
                    "tissue_cn_not_used",
                    detail=why,
                    patient=patient,
                )
            )
