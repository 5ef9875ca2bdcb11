"""SNV calls of a cohort: each plasma sample on its own patient's tumour sites.

``call_snv_cohort`` runs ``ctdna.snv.call_sample`` for every plasma sample on its own
patient's tumour sites (PoN background, else the sample's own background), and
``ctdna.fixed.call_fixed`` on the fixed-list sites (``ctdna-count --sites``) that are not
tumour sites of the patient. The tissue copy state of each tumour site (the patient's
``tissue_copy_number`` of the site's gene and ``tissue_purity``, from the tissue table) is
attached to the site rows for the copy-number-aware tumour fraction
(``ctdna.tumour_fraction``).
"""

from __future__ import annotations

import math

import pandas as pd

from ctdna import fixed as fixed_model
from ctdna import snv as snv_model
from ctdna import snv_background
from ctdna.sites import FIXED_SITES


def _no_call(reason: str) -> snv_model.SnvCall:
    """An SNV result with nothing assessable (NA values, reason in words)."""
    return snv_model.SnvCall(0, None, None, None, None, None, None, None, None, False, reason)


def _sample_background(
    own: pd.DataFrame,
    sample: str,
    pon_background: pd.DataFrame,
    sample_backgrounds: pd.DataFrame | None,
) -> pd.DataFrame | None:
    """PoN background when there is one, else the sample's own (ctdna-count background)."""
    if not pon_background.empty:
        return pon_background
    if sample_backgrounds is not None and sample in set(sample_backgrounds["sample"]):
        own_rates = sample_backgrounds[sample_backgrounds["sample"] == sample]
        return snv_background.background_from_sample(own, own_rates)
    return None


FOREIGN = "tumour sample of another patient"  # not_used_reason of site rows of another patient
DUPLICATE = "also a tumour-informed site of the patient (evaluated once, there)"  # fixed row


def split_site_rows(rows: pd.DataFrame, own_tumours: set) -> tuple[pd.DataFrame, ...]:
    """(tumour-informed rows, fixed rows to test, rows not used) of one plasma sample.

    Tumour-informed: rows of the patient's own tumour samples. Fixed: rows of the fixed site
    list (tumour_sample FIXED_SITES) whose (chrom, pos, ref, alt) is not a tumour-informed
    site. Not used (used False, not_used_reason): other patients' rows, fixed duplicates.
    """
    own = rows[rows["tumour_sample"].isin(own_tumours)].assign(site_set="tumour")
    listed = rows[rows["tumour_sample"] == FIXED_SITES].assign(site_set=fixed_model.SITE_SET)
    key = snv_model.SITE_KEY
    duplicate = pd.MultiIndex.from_frame(listed[key]).isin(pd.MultiIndex.from_frame(own[key]))
    foreign = rows[~rows["tumour_sample"].isin(own_tumours | {FIXED_SITES})].assign(
        site_set="tumour", used=False, not_used_reason=FOREIGN
    )
    repeated = listed[duplicate].assign(used=False, not_used_reason=DUPLICATE)
    return own, listed[~duplicate], pd.concat([foreign, repeated])


def _tumour_call(own: pd.DataFrame, own_tumours: set, counted: bool, background, **call_options):
    """SnvCall of the tumour-informed rows, or a no-call with the reason (``counted``: the
    sample has site-count rows at all)."""
    if not own_tumours:
        return _no_call("no tumour VCF for this patient")
    if own.empty:
        return _no_call(
            "no tumour site in the targets" if counted else "no site counts for this sample"
        )
    if background is None:
        return _no_call("no PoN site counts and no sample background")
    return snv_model.call_sample(own, background, **call_options)


def _fixed_call(listed: pd.DataFrame, background, alpha: float) -> fixed_model.FixedCall:
    """FixedCall of the fixed rows to test (no background: not assessed, rows kept)."""
    if not listed.empty and background is None:
        call = fixed_model.no_fixed_call("no PoN site counts and no sample background")
        call.per_site = listed.assign(used=False, not_used_reason="no background error rate")
        return call
    return fixed_model.call_fixed(listed, background, alpha=alpha)


def with_tissue_state(
    rows: pd.DataFrame, patient: str, tissue: pd.DataFrame | None
) -> pd.DataFrame:
    """``rows`` with tissue_copy_number (the patient's copy number of the site's gene) and
    tissue_purity (the patient's purity), NA where the tissue table has none."""
    mine = (
        tissue[tissue["patient"] == patient]
        if tissue is not None and len(tissue)
        else pd.DataFrame(columns=["gene", "copy_number"])
    )
    copies = mine.set_index("gene")["copy_number"].astype(float)
    purity = (
        pd.to_numeric(mine["purity"], errors="coerce").dropna()
        if "purity" in mine.columns
        else pd.Series(dtype=float)
    )
    genes = rows["gene"] if "gene" in rows.columns else pd.Series(index=rows.index, dtype=object)
    return rows.assign(
        tissue_copy_number=genes.map(copies).astype(float),
        tissue_purity=float(purity.iloc[0]) if len(purity) else math.nan,
    )


def _split(table: pd.DataFrame | None, key: str) -> dict:
    """{value of ``key``: its rows of ``table``}, split once (linear; {} without a table)."""
    return dict(tuple(table.groupby(key, sort=False))) if table is not None else {}


def _empty(table: pd.DataFrame | None) -> pd.DataFrame | None:
    """No rows of ``table`` (None stays None)."""
    return table.iloc[:0] if table is not None else None


def call_snv_cohort(
    site_counts: pd.DataFrame,
    plasma: pd.DataFrame,
    tumour: pd.DataFrame,
    pon_background: pd.DataFrame,
    sample_backgrounds: pd.DataFrame | None,
    tissue: pd.DataFrame | None = None,
    **call_options,
) -> tuple[dict, dict, pd.DataFrame]:
    """SNV call of every plasma sample on its own patient's tumour sites, and the fixed-site
    (tumour-naive) test on its fixed sites.

    ``plasma``/``tumour``: samplesheet rows (patient, sample). Site rows of a plasma sample
    counted against another patient's tumour, and fixed rows repeating a tumour-informed
    site, are not used (used False and a not_used_reason). Returns ({sample: SnvCall},
    {sample: FixedCall}, per-site detail of all plasma samples with site_set).
    ``tissue``: tissue copy numbers (patient, gene, copy_number, optional purity).
    """
    calls, fixed_calls, details = {}, {}, []
    tumours_of = tumour.groupby("patient", sort=False)["sample"].agg(set).to_dict()
    rows_of = _split(site_counts, "sample")
    tissue_of = _split(tissue, "patient") if tissue is not None and len(tissue) else {}
    backgrounds_of = _split(sample_backgrounds, "sample")
    for item in plasma.sort_values("sample").itertuples(index=False):
        own_tumours = tumours_of.get(item.patient, set())
        rows = rows_of.get(item.sample, site_counts.iloc[:0])
        own, listed, unused = split_site_rows(rows, own_tumours)
        own = with_tissue_state(own, item.patient, tissue_of.get(item.patient, _empty(tissue)))
        background = _sample_background(
            pd.concat([own, listed]),
            item.sample,
            pon_background,
            backgrounds_of.get(item.sample, _empty(sample_backgrounds)),
        )
        call = _tumour_call(own, own_tumours, not rows.empty, background, **call_options)
        fixed_call = _fixed_call(listed, background, call_options.get("alpha", snv_model.ALPHA))
        calls[item.sample], fixed_calls[item.sample] = call, fixed_call
        details += [
            frame.assign(patient=item.patient)
            for frame in (call.per_site, fixed_call.per_site, unused)
            if len(frame)
        ]
    detail = pd.concat(details, ignore_index=True) if details else pd.DataFrame()
    return calls, fixed_calls, detail
