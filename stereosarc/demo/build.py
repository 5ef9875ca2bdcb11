"""Generate the whole demo cohort into a folder: compute with the pure modules, write with io.

Order: tables first, then VCFs and BAMs, README, and the ``.complete`` stamp last, so a folder
with a stamp is complete. A folder whose stamp records the same seed, patient and PoN counts
and generator version is left as it is; a folder with another demo stamp has its vcf/, bam/
and qupath/ folders removed first; a folder without a stamp is only overwritten (never
cleared: it may be a user's folder).
"""

from __future__ import annotations

import array
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd

from stereosarc import __version__
from stereosarc.demo import (
    GENERATOR_VERSION,
    io,
    labs,
    lowpass,
    lowpass_io,
    lowpass_plan,
    pathology,
    readme,
    reference,
    samples,
    variant_files,
    variants,
)
from stereosarc.demo.cohort import clinical_table, simulate_patients
from stereosarc.demo.reads import quality_pool, sample_reads

log = logging.getLogger(__name__)


def stamp_of(seed: int, n_patients: int, n_pon: int) -> dict:
    return {
        "seed": seed,
        "patients": n_patients,
        "pon": n_pon,
        "generator_version": GENERATOR_VERSION,
        "package_version": __version__,
    }


def all_variants(
    patients: pd.DataFrame, panel: pd.DataFrame, targets: pd.DataFrame, seed: int
) -> dict[str, pd.DataFrame]:
    """Tumour variants of every patient (written only for patients with a tumour block)."""
    panel_mb = reference.merged_length(panel) / 1e6
    out = {}
    for index, p in enumerate(patients.itertuples(index=False)):
        rng = np.random.default_rng([seed, 7, index])
        n_counted = variants.tmb_count(p.tmb_per_mb, panel_mb)
        out[p.patient] = variants.tumour_variants(
            rng, panel, targets, n_counted, int(p.n_tp53_mutations)
        )
    return out


def tmb_truth(patients: pd.DataFrame, by_patient: dict, panel_mb: float) -> pd.DataFrame:
    counted = [int(by_patient[p]["counted"].sum()) for p in patients["patient"]]
    table = pd.DataFrame({"patient": patients["patient"], "tmb_variants_counted": counted})
    table["panel_mb"] = panel_mb
    table["tmb_true"] = table["tmb_variants_counted"] / panel_mb
    table.loc[~patients["has_tissue"].to_numpy(), ["tmb_variants_counted", "tmb_true"]] = np.nan
    return table


def generate(outdir: Path, seed: int, n_patients: int, n_pon: int) -> bool:
    """Write the cohort into ``outdir``; False when a matching stamp made it skip the work."""
    stamp = stamp_of(seed, n_patients, n_pon)
    previous = io.read_stamp(outdir)
    if previous == stamp:
        log.info("%s already holds this cohort (stamp %s): nothing to do", outdir, stamp)
        return False
    began = time.monotonic()
    outdir.mkdir(parents=True, exist_ok=True)
    io.remove_stamp(outdir)
    if previous is not None:  # our own earlier cohort: drop its per-sample files
        log.info("%s holds another demo cohort (%s): regenerating", outdir, previous)
        io.clear_generated(outdir)
    elif any(outdir.iterdir()):
        log.warning(
            "%s is not empty and has no demo stamp: files of the same names are "
            "overwritten, others are left in place",
            outdir,
        )
    patients = simulate_patients(n_patients, seed)
    targets = reference.ctdna_targets()
    panel = reference.panel_bed(targets)
    panel_mb = reference.merged_length(panel) / 1e6
    plan = samples.plasma_plan(patients, n_pon, seed)
    by_patient = all_variants(patients, panel, targets, seed)
    shallow = lowpass_plan.lowpass_plan(plan, n_pon, seed)
    dirty = _write_tables(outdir, patients, plan, targets, panel, panel_mb, by_patient, seed,
                          shallow)  # fmt: skip
    _write_vcfs(outdir, patients, by_patient)
    _write_bams(outdir, plan, targets, by_patient)
    _write_lowpass(outdir, shallow, seed)
    io.write_text(outdir / "README.md", readme.readme_text(patients, plan, panel_mb, dirty, stamp))
    io.write_stamp(outdir, stamp)
    log.info(
        "demo cohort written to %s: %d patients, %d plasma + %d PoN samples, %.1f MB in %.0f s",
        outdir,
        n_patients,
        int((plan["type"] == "plasma").sum()),
        n_pon,
        io.folder_size(outdir) / 1e6,
        time.monotonic() - began,
    )
    return True


def _write_tables(outdir, patients, plan, targets, panel, panel_mb, by_patient, seed,
                  shallow) -> dict:  # fmt: skip
    io.write_csv(clinical_table(patients, seed), outdir / "clinical.csv", "demo_clinical")
    sheet = samples.samplesheet(patients, plan, lowpass_plan.samplesheet_rows(shallow))
    io.write_csv(sheet, outdir / "samplesheet.csv", "demo_samplesheet")
    io.write_tsv(lowpass_plan.truth(shallow), outdir / "truth_lowpass.tsv", "demo_truth_lowpass")
    ihc_plan = pathology.ihc_plan(patients, seed)
    ihc, ihc_dirty = pathology.ihc_table(patients, ihc_plan)
    io.write_csv(ihc, outdir / "ihc.csv", "demo_ihc")
    manifest, exports = pathology.qupath_exports(ihc_plan)
    for name, table in exports.items():
        io.write_plain_tsv(table, outdir / "qupath" / name)
    io.write_csv(manifest, outdir / "qupath" / "manifest.csv", "demo_qupath_manifest")
    lab_rows, offsets = labs.labs_table(patients, seed)
    io.write_csv(lab_rows, outdir / "labs.csv", "demo_labs")
    io.write_bed(panel, outdir / "panel.bed")
    io.write_bed(reference.coding_bed(panel), outdir / "coding.bed")
    io.write_bed(targets, outdir / "ctdna_targets.bed")
    io.write_fasta(
        reference.fasta_records(reference.read_regions(targets)), outdir / "reference_targets.fa"
    )
    io.write_tsv(pathology.tissue_cn(patients), outdir / "tissue_cn.tsv", "demo_tissue_cn")
    io.write_tsv(
        variant_files.fixed_site_list(patients, by_patient),
        outdir / "ctdna_sites.tsv",
        "demo_ctdna_sites",
    )
    io.write_tsv(samples.truth_samples(plan), outdir / "truth.tsv", "demo_truth")
    truth = samples.truth_patients(patients, tmb_truth(patients, by_patient, panel_mb))
    truth = truth.merge(offsets, on="patient", how="left")
    io.write_tsv(truth, outdir / "truth_patients.tsv", "demo_truth_patients")
    log.info(
        "tables: %d clinical, %d ihc, %d qupath files, %d lab rows",
        len(patients),
        len(ihc),
        len(exports),
        len(lab_rows),
    )
    return {
        "ihc": ihc_dirty,
        "labs": labs.dirty_rows(lab_rows),
        "qupath_patients": ihc_plan["qupath"],
        "low_viable": sorted(ihc_plan["low_viable"]),
        "pathologist_cps": sorted(ihc_plan["pathologist_cps"]),
        "two_blocks": sorted(ihc_plan["two_blocks"]),
    }


def _write_vcfs(outdir: Path, patients: pd.DataFrame, by_patient: dict) -> None:
    tumours = patients.loc[patients["has_tissue"], "patient"]
    for patient in tumours:
        sample = f"{patient}-T"
        io.write_vcf(
            variant_files.vcf_text(sample, by_patient[patient]),
            outdir / "vcf" / f"{sample}.vcf.gz",
        )
    log.info("%d tumour VCFs written", len(tumours))


def _write_bams(outdir: Path, plan: pd.DataFrame, targets: pd.DataFrame, by_patient: dict) -> None:
    qualities = [array.array("B", q.tolist()) for q in quality_pool()]
    no_sites = pd.DataFrame(columns=["chrom", "pos", "ref", "alt"])
    total = 0
    for s in plan.itertuples(index=False):
        tumour = by_patient.get(s.patient) if isinstance(s.patient, str) else None
        sites = tumour[tumour["category"] == "tp53"] if tumour is not None else no_sites
        reads = sample_reads(
            s.sample,
            s.tumour_fraction,
            s.mdm2_copy_number,
            s.error_rate,
            int(s.sample_seed),
            targets,
            sites,
        )
        io.write_bam(reads, outdir / "bam" / f"{s.sample}.bam", s.sample, __version__, qualities)
        total += len(reads["name"])
    log.info("%d BAMs written (%d reads)", len(plan), total)


def _write_lowpass(outdir: Path, shallow: pd.DataFrame, seed: int) -> None:
    """The reduced-genome FASTA (+ .fai) and one low-pass BAM per sample of ``shallow``
    (stereosarc.demo.lowpass_plan), each drawn with its own seed."""
    sequences = lowpass.reference_genome(seed, lowpass_plan.GENOME)
    lowpass_io.write_reference(sequences, outdir / lowpass_plan.REFERENCE)
    for s in shallow.itertuples(index=False):
        rng = np.random.default_rng(int(s.sample_seed))
        profile = lowpass_plan.tumour_profile(int(s.ploidy)) if s.type == "plasma" else []
        blocks = lowpass.block_table(sequences, profile, s.sex)
        fragments = lowpass.draw_fragments(blocks, s.tumour_fraction, lowpass_plan.DEPTH, rng)
        records = lowpass.plasma_records(fragments, list(sequences), rng)
        path = outdir / lowpass_plan.FOLDER / f"{s.sample}.bam"
        lowpass_io.write_lowpass_bam(records, sequences, path, s.sample)
    log.info("%d low-pass BAMs written (%s)", len(shallow), lowpass_plan.FOLDER)
