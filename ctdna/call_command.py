"""ctdna-call as a library call: options in, the cohort ctDNA tables out.

One ctDNA level per plasma sample (tumour-informed SNVs and MDM2 copy number against the
panel of normals) and per-patient dynamics; method: docs/ctdna.md. The compute lives in
ctdna/cn.py, ctdna/snv.py, ctdna/site_calls.py, ctdna/levels.py and ctdna/dynamics.py, the
file handling in ctdna/call_io.py, the rejects in ctdna/call_rejects.py; this module reads
the inputs and runs them in order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ctdna import (
    STAGE,
    call_io,
    call_rejects,
    lowpass_levels,
    pon_check,
    site_calls,
    snv_background,
)
from ctdna import cn as cn_model
from ctdna import dynamics as dynamics_model
from ctdna import levels as levels_model
from ctdna import lod as lod_model
from ctdna import markers as markers_model
from ctdna import snv as snv_model
from ctdna.exceptions import CtdnaInputError
from ctdna.level_markers import CallSettings
from ctdna.methods import LOWPASS
from stereosarc.rejects import reject, reject_table, rows_rejected
from stereosarc.schemas import load_schema

LOG = logging.getLogger("ctdna.call")
CN_GENES = ("MDM2", "CDK4")  # 12q13-15 amplicon of well-/dedifferentiated liposarcoma (WHO 2020)
# SNV gene, not a diploid reference: TP53 loss is common in sarcoma (choice)
CN_EXCLUDE = ("TP53",)
SITE_DETAIL_COLUMNS = list(load_schema("ctdna_sites")["properties"])  # ctdna_sites.tsv, in order
CN_TABLE_COLUMNS = list(load_schema("ctdna_cn")["properties"])  # columns, in order: the schema


@dataclass(frozen=True)
class CallOptions:
    """What ctdna-call reads and the thresholds it applies (defaults: the model modules)."""

    samplesheet: Path  # samplesheet.valid.csv from stereosarc-validate
    site_counts: tuple[Path, ...] = ()  # *.site_counts.tsv (ctdna-count)
    target_depth: tuple[Path, ...] = ()  # *.target_depth.tsv (ctdna-count)
    background: tuple[Path, ...] = ()  # *.background.tsv (ctdna-count), used without a PoN
    tissue_cn: Path | None = None  # patient, gene, copy_number[, purity]
    clinical: Path | None = None  # progression_date, for the lead time
    lowpass: Path | None = None  # lowpass_samples.tsv (ctdna-lowpass), low-pass WGS results
    alpha: float = snv_model.ALPHA  # detection level of the test family
    ci_level: float = cn_model.CI_LEVEL
    multiplicity: str = "auto"  # SNV copy-state model: auto, het or tissue_vaf
    max_lod: float = lod_model.MAX_LOD_TF  # largest LoD95 TF at which a negative counts
    tissue_amp_cn: float = markers_model.TISSUE_AMP_CN
    cn_genes: tuple[str, ...] = CN_GENES
    cn_exclude: tuple[str, ...] = CN_EXCLUDE
    amp_log2: float = cn_model.AMP_LOG2
    amp_z: float = cn_model.AMP_Z
    min_pon: int = cn_model.MIN_PON
    default_cn: float | None = None  # MDM2 tumour copy number when tissue_cn has none
    molecular_response: float = dynamics_model.RESPONSE_DECREASE

    def __post_init__(self) -> None:
        if self.default_cn is not None and self.default_cn <= 2:
            raise CtdnaInputError(f"--default-cn {self.default_cn:g}: must be > 2 (amplified)")
        if self.tissue_amp_cn <= 2:
            raise CtdnaInputError(
                f"--tissue-amp-cn {self.tissue_amp_cn:g}: must be > 2 (a gain "
                "above the diploid copy number)"
            )


def call_cohort(options: CallOptions) -> dict[str, pd.DataFrame]:
    """{schema name: table} of ctdna-call: ctdna, ctdna_dynamics, ctdna_sites,
    ctdna_blacklist, ctdna_cn, ctdna_pon_check and rejects."""
    full_sheet = call_io.read_samplesheet(options.samplesheet)
    sheet, lowpass_plasma = split_assays(full_sheet)
    known = set(sheet.loc[sheet["type"].isin(["plasma", "pon"]), "sample"])
    rejects: list[dict] = []
    depth = _known_rows(
        call_io.read_target_depth(list(options.target_depth)), known, "target depth", rejects
    )
    sites = _known_rows(
        call_io.read_site_counts(list(options.site_counts)), known, "site counts", rejects
    )
    for what, table in (("target depth", depth), ("site counts", sites)):
        missing = sorted(known - set(table["sample"]))
        if missing:
            LOG.warning(
                "no %s for %d plasma/PoN samples: %s", what, len(missing), ", ".join(missing)
            )
    background = call_io.read_background(list(options.background))
    tissue = call_io.read_tissue_cn(options.tissue_cn)
    progression = call_io.read_progression(options.clinical)
    gene, targets = _copy_number(options, sheet, depth, tissue)
    settings = _call_settings(options, gene, sites)
    calls, fixed, detail, pon_background = _snv(
        options, sheet, sites, background, tissue, settings.test_level
    )
    plasma = sheet[sheet["type"] == "plasma"]
    mdm2 = tissue[tissue["gene"] == cn_model.AMP_GENE].set_index("patient")["copy_number"]
    ctdna = levels_model.cohort_levels(
        plasma, levels_model.snv_frame(calls, fixed), gene, mdm2.astype(float), settings
    )
    ctdna = _with_lowpass(ctdna, lowpass_plasma, options, rejects)
    dynamics, unused = dynamics_model.cohort_dynamics(
        ctdna, progression, options.molecular_response
    )
    call_rejects.site_rejects(detail, rejects)
    call_rejects.sample_rejects(
        full_sheet,
        Path(options.samplesheet).name,
        ctdna,
        unused,
        tissue,
        Path(options.tissue_cn).name if options.tissue_cn else "",
        rejects,
        detail,
    )
    LOG.info(
        "%d plasma samples: %d detected, %d not detected, %d not evaluable",
        len(ctdna),
        int((ctdna["detected"] == True).sum()),  # noqa: E712
        int((ctdna["detected"] == False).sum()),  # noqa: E712
        int(ctdna["detected"].isna().sum()),
    )
    return {
        "ctdna": ctdna,
        "ctdna_dynamics": dynamics,
        "ctdna_sites": detail.reindex(columns=SITE_DETAIL_COLUMNS).sort_values(
            ["patient", "sample", "chrom", "pos", "ref", "alt", "site_set", "tumour_sample"],
            kind="mergesort",
        ),
        "ctdna_blacklist": pon_background[pon_background["blacklisted"].astype(bool)],
        "ctdna_cn": targets,
        "ctdna_pon_check": _pon_check(sheet, sites, options.alpha),
        "rejects": reject_table(rejects),
    }


def split_assays(sheet: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the samplesheet without its low-pass rows, the low-pass plasma rows): samplesheet
    column ``assay`` = ``lowpass_wgs`` marks low-pass WGS samples; empty, ``capture`` or no
    column at all is the capture panel."""
    if "assay" not in sheet.columns:
        return sheet, sheet.iloc[0:0]
    lowpass = sheet["assay"] == LOWPASS
    return sheet[~lowpass], sheet[lowpass & (sheet["type"] == "plasma")]


def _with_lowpass(
    ctdna: pd.DataFrame, lowpass_plasma: pd.DataFrame, options: CallOptions, rejects: list
) -> pd.DataFrame:
    """ctdna.tsv with a row per low-pass plasma sample (ctdna.lowpass_levels), sorted by
    patient and sample; unchanged when the run has no low-pass sample and no --lowpass."""
    results = call_io.read_lowpass(options.lowpass)
    if results is None and lowpass_plasma.empty:
        return ctdna
    if results is not None and options.lowpass is not None:
        stray = results[~results["sample"].isin(set(lowpass_plasma["sample"]))]
        rejects += rows_rejected(
            STAGE,
            stray.assign(_file=Path(options.lowpass).name),
            "unknown_sample",
            detail=lambda r: f"low-pass result of {r.sample}: not a low-pass plasma sample",
            column="sample",
            where=("_file", call_io.ROW_COLUMN),
        )
    rows = lowpass_levels.cohort_rows(lowpass_plasma, results, options.max_lod, list(ctdna))
    LOG.info("low-pass WGS: %d plasma samples in ctdna.tsv", len(rows))
    both = pd.concat([ctdna, rows], ignore_index=True) if len(ctdna) else rows
    return both.sort_values(["patient", "sample"], kind="mergesort").reset_index(drop=True)


def _known_rows(table: pd.DataFrame, known: set, what: str, rejects: list) -> pd.DataFrame:
    """Rows of samples that are plasma/pon in the samplesheet; the others to rejects."""
    unknown = table[~table["sample"].isin(known)]
    for row in unknown.to_dict("records"):
        rejects.append(
            reject(
                STAGE,
                row[call_io.FILE_COLUMN],
                row[call_io.ROW_COLUMN],
                "unknown_sample",
                detail=f"{what} of sample {row['sample']!r}",
                column="sample",
            )
        )
    if len(unknown):
        LOG.warning("%d %s rows of samples absent from the samplesheet", len(unknown), what)
    return table[table["sample"].isin(known)]


def _copy_number(
    options: CallOptions, sheet: pd.DataFrame, depth: pd.DataFrame, tissue: pd.DataFrame
):
    """(MDM2 gene result per sample, ctdna_cn target table)."""
    plasma, pon = sheet[sheet["type"] == "plasma"], sheet[sheet["type"] == "pon"]
    if depth.empty:
        return None, pd.DataFrame(columns=CN_TABLE_COLUMNS)
    norm = cn_model.normalise_depth(depth, list(options.cn_genes), list(options.cn_exclude))
    pon_ids = sorted(set(pon["sample"]) & set(norm["sample"]))
    copies = cn_model.sample_copy_numbers(plasma, tissue, cn_model.AMP_GENE, options.default_cn)
    gene = cn_model.call_gene(
        norm,
        pon_ids,
        cn_model.AMP_GENE,
        copies,
        options.amp_log2,
        options.amp_z,
        options.min_pon,
        options.ci_level,
    )
    pon_calls = gene[gene["sample"].isin(pon_ids)]["amplified"]
    LOG.info(
        "copy number: %d PoN samples; MDM2 amplified in %d of %d PoN samples (leave-one-out)",
        len(pon_ids),
        int((pon_calls == True).sum()),  # noqa: E712
        len(pon_calls),
    )
    targets = cn_model.target_table(norm, pon_ids)
    kinds = sheet.set_index("sample")
    targets["patient"] = targets["sample"].map(kinds["patient"])
    targets["type"] = targets["sample"].map(kinds["type"])
    return gene, targets[CN_TABLE_COLUMNS]


def _snv(
    options: CallOptions,
    sheet: pd.DataFrame,
    sites: pd.DataFrame,
    background: pd.DataFrame,
    tissue: pd.DataFrame,
    test_level: float,
):
    """({sample: SnvCall}, {sample: FixedCall}, per-site detail, PoN background)."""
    plasma, tumour = sheet[sheet["type"] == "plasma"], sheet[sheet["type"] == "tumour"]
    pon_sites = sites[sites["sample"].isin(sheet.loc[sheet["type"] == "pon", "sample"])]
    pon_background = (
        snv_background.background_from_pon(pon_sites)
        if not pon_sites.empty
        else pd.DataFrame(columns=snv_background.BACKGROUND_COLUMNS)
    )
    LOG.info(
        "SNV background: %d PoN sites, %d black-listed",
        len(pon_background),
        int(pon_background["blacklisted"].astype(bool).sum()),
    )
    calls, fixed, detail = site_calls.call_snv_cohort(
        sites,
        plasma,
        tumour,
        pon_background,
        background if len(background) else None,
        tissue,
        alpha=test_level,
        ci_level=options.ci_level,
        multiplicity=options.multiplicity,
        max_lod=options.max_lod,
    )
    _log_fixed(calls, fixed)
    return calls, fixed, detail, pon_background


def _log_fixed(calls: dict, fixed: dict) -> None:
    """How many plasma samples had fixed sites, were called tumour-naive, had a called site."""
    tested = [sample for sample, call in fixed.items() if not call.per_site.empty]
    if not tested:
        return
    naive = [s for s in tested if levels_model.snv_mode(calls[s], fixed[s]) == "tumour_naive"]
    LOG.info(
        "fixed sites: %d plasma samples tested, %d tumour-naive (no used tumour "
        "site), %d with a called fixed site",
        len(tested),
        len(naive),
        sum(fixed[s].n_called > 0 for s in tested),
    )


def _pon_check(sheet: pd.DataFrame, sites: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Leave-one-donor-out test of every PoN donor (ctdna.pon_check), logged and returned."""
    pon_sites = sites[sites["sample"].isin(sheet.loc[sheet["type"] == "pon", "sample"])]
    if pon_sites.empty:
        return pd.DataFrame(columns=pon_check.PON_CHECK_COLUMNS)
    check = pon_check.leave_one_donor_out(pon_sites, alpha)
    result = pon_check.summary(check)
    LOG.info("PoN leave-one-donor-out check: %s", result)
    return check


def _call_settings(options: CallOptions, gene, sites: pd.DataFrame) -> CallSettings:
    """Per-test level alpha / k over the run's test kinds (ctdna.markers) and thresholds."""
    cn_test = gene is not None and bool(pd.to_numeric(gene["z"], errors="coerce").notna().any())
    k = markers_model.family_size(not sites.empty, cn_test)
    LOG.info("detection family: %d test kind(s), each at alpha/k = %g", k, options.alpha / k)
    return CallSettings(
        test_level=options.alpha / k,
        max_lod=options.max_lod,
        amp_log2=options.amp_log2,
        amp_z=options.amp_z,
        tissue_amp_cn=options.tissue_amp_cn,
    )
