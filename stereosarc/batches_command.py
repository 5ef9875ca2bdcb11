"""stereosarc-batches as a library call: this run and its earlier batches in, the cohort out.

Reads each earlier batch (stereosarc.batches_io), refuses what cannot be combined
(stereosarc.batches) and writes, for the cohort stages of this run: the cohort samplesheet
(every batch's rows and this run's), the reused per-sample tables (tmb/, counts/) and the
site tables of earlier tumours (tumour_sites/) at which this run counts its PoN and its
plasma samples of earlier patients. Docs: docs/usage.md, "Batch reruns".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stereosarc import batches, batches_io, provenance
from stereosarc.batches import BatchError, Cohort, SampleResult

LOG = logging.getLogger("stereosarc.batches")
STAGE_OF_TYPE = {"tumour": "tmb-calc", "plasma": "ctdna-count", "pon": "ctdna-count"}


@dataclass
class BatchOptions:
    """This run (validated samplesheet, params, reference files) and its earlier batches."""

    samplesheet: Path
    params: dict[str, Any]
    batches: list[tuple[str, Path]]  # (name as given, folder)
    references: dict[str, dict[str, str]]  # stage -> option -> this run's file
    out_dir: Path
    parse_stage_args: Callable[[str, list[str]], Any]  # (stage, argv) -> its parsed options


@dataclass
class Combined:
    """What the earlier batches add to this run."""

    cohort: Cohort = field(default_factory=Cohort)
    rows: list[dict[str, str]] = field(default_factory=list)  # earlier samplesheet rows
    folders: dict[str, Path] = field(default_factory=dict)  # batch -> folder
    sites: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # tumour -> sites


def expected(options: BatchOptions) -> dict[str, dict[str, Any]]:
    """The provenance parameters of each stage this run has (parsed as the process would)."""
    found = {}
    for stage, param in batches.STAGE_INPUT.items():
        if options.params.get(param):
            args = batches.stage_arguments(stage, options.params, options.references[stage])
            found[stage] = batches.expected_parameters(
                stage, options.parse_stage_args(stage, args)
            )
    return found


def _current_inputs(row: dict[str, str]) -> dict[str, str]:
    """sha256 of this run's input files of a samplesheet row (vcf; bam)."""
    roles = {"vcf": row.get("vcf"), "bam": row.get("bam")}
    return {role: provenance.sha256(path) for role, path in roles.items() if path}


def _read_batch(name: str, folder: Path, current: dict, parameters: dict, combined: Combined):
    """Check and keep one batch's results; return its PoN (sample -> BAM sha256), or None
    when the batch has no ctDNA results."""
    _, rows = batches_io.read_sheet(folder / batches_io.SHEET, name)
    pon: dict[str, str] | None = None
    counted: dict[str, SampleResult] = {}
    lowpass = [row["sample"] for row in rows if row.get("assay") == "lowpass_wgs"]
    if lowpass:
        raise BatchError(
            f"batch {name}: low-pass WGS samples ({', '.join(lowpass[:3])}"
            f"{', ...' if len(lowpass) > 3 else ''}) cannot be reused from an earlier batch yet: "
            "list their BAMs in this run's samplesheet instead"
        )
    for row in rows:
        sample, stage = row["sample"], STAGE_OF_TYPE[row["type"]]
        if stage not in parameters:
            param = batches.STAGE_INPUT[stage]
            raise BatchError(f"batch {name}: {row['type']} {sample} needs --{param} in this run")
        result = batches_io.read_result(folder, name, stage, sample)
        batches.check_result(result, stage, parameters[stage])
        if row["type"] != "tumour":
            counted[sample] = result
        if row["type"] == "pon":
            pon = {**(pon or {}), sample: result.inputs["bam"]}
            continue
        if sample in current:
            batches.check_same_inputs(sample, result, _current_inputs(current[sample]))
        elif combined.cohort.add(stage, sample, result):
            combined.rows.append(row)
            combined.folders[name] = folder
    if counted and pon is None:
        pon = {}
    _keep_sites(folder, counted, sorted(pon or {}), combined)
    return pon


def _keep_sites(folder: Path, counted: dict[str, SampleResult], pon: list[str], combined) -> None:
    """The sites of each tumour a batch counted at (its PoN's site counts first): the rows of
    the site counts, none for a tumour with no site inside the targets."""
    order = pon + sorted(set(counted) - set(pon))
    for tumour, sites in batches_io.tumour_sites(folder, order).items():
        combined.sites.setdefault(tumour, sites)
    for result in counted.values():
        for tumour in result.tumours:
            combined.sites.setdefault(tumour, [])


def _check_stale(combined: Combined, rows: list[dict[str, str]], current: dict) -> None:
    """Reused plasma counted at all its patient's tumours; this run's plasma of an earlier
    patient has the sites of that patient's earlier tumours."""
    tumours: dict[str, set[str]] = {}
    for row in rows:
        if row["type"] == "tumour":
            tumours.setdefault(row["patient"], set()).add(row["sample"])
    patient_of = {row["sample"]: row["patient"] for row in combined.rows}
    for sample, result in combined.cohort.results["ctdna-count"].items():
        batches.check_not_stale(result, sample, tumours.get(patient_of[sample], set()))
    for row in current.values():
        if row["type"] != "plasma":
            continue
        for tumour in sorted(tumours.get(row["patient"], set()) - set(current)):
            if tumour not in combined.sites:
                raise BatchError(
                    f"plasma {row['sample']} of this run: no earlier site counts of its "
                    f"patient's tumour {tumour} (no PoN or plasma of that batch counted it)"
                )


def combine(options: BatchOptions) -> Combined:
    """Check every batch against this run, then write the cohort inputs (module doc)."""
    header, current_rows = batches_io.read_sheet(options.samplesheet)
    current = {row["sample"]: row for row in current_rows}
    parameters = expected(options)
    current_pon = {
        s: provenance.sha256(r["bam"]) for s, r in current.items() if r["type"] == "pon"
    }
    combined = Combined()
    for name, folder in options.batches:
        pon = _read_batch(name, folder, current, parameters, combined)
        if pon is not None:
            batches.check_pon(name, pon, current_pon)
    rows = combined.rows + current_rows
    _check_stale(combined, rows, current)
    _write(options.out_dir, header, rows, combined)
    return combined


def _write(out: Path, header: list[str], rows: list, combined: Combined) -> None:
    """The cohort samplesheet, the reused tables and the earlier tumours' site tables."""
    out.mkdir(parents=True, exist_ok=True)
    batches_io.write_sheet(out / "samplesheet.valid.csv", header, rows)
    for stage, results in combined.cohort.results.items():
        for sample, result in sorted(results.items()):
            target = out / ("tmb" if stage == "tmb-calc" else "counts")
            batches_io.copy_tables(combined.folders[result.batch], stage, sample, target)
    earlier_tumours = {row["sample"] for row in combined.rows if row["type"] == "tumour"}
    for tumour in sorted(earlier_tumours & set(combined.sites)):
        batches_io.write_tumour_sites(out / "tumour_sites", tumour, combined.sites[tumour])
    LOG.info(
        "reusing %d tumour and %d plasma results of %d batch(es); %d earlier tumours' sites",
        len(combined.cohort.results["tmb-calc"]),
        len(combined.cohort.results["ctdna-count"]),
        len(combined.folders),
        len(earlier_tumours & set(combined.sites)),
    )
