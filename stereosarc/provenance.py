"""Provenance of a per-sample result, so that a later run can reuse it (batch reruns).

A provenance record (``<sample>.<stage>.provenance.json``, schema assets/schemas/
provenance.schema.json) says what produced a per-sample result: the stage (``tmb-calc`` or
``ctdna-count``), its ``rule_version`` (bumped whenever the counting or filter code changes
what the stage writes for the same inputs), the project version, the sample and patient, the
parameters that affect the result (the command's effective options; reference files as name
and sha256) and the sha256 of each input file (the tumour VCF; the plasma BAM and the tumour
VCFs or tumour site tables it was counted at). ``stereosarc.batches`` compares records of
earlier runs with this run (docs/usage.md, "Batch reruns").

Written by the stage's own process once its tables are written (no second interpreter);
imports neither pandas nor numpy. Checksums are full-file sha256 (hashlib, 1 MiB reads):
measured at about 325 MB/s on the 2-core development machine (2 ms for a demo BAM; about
30 s for a 10 GB BAM; docs/usage.md, "Batch reruns", says why not a partial checksum).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from stereosarc import __version__

PROVENANCE_FORMAT = 1  # version of the record layout (assets/schemas/provenance.schema.json)
# rule_version of each stage: bump when its code changes what it writes for the same inputs
RULE_VERSIONS = {"tmb-calc": 1, "ctdna-count": 1}
# result file name suffix per stage (the Nextflow modules'), after ``<sample>.``
SUFFIX = {"tmb-calc": "tmb.provenance.json", "ctdna-count": "ctdna_count.provenance.json"}
# options that are not parameters of the result: identity, inputs, outputs, logging, speed
NOT_PARAMETERS = {
    "tmb-calc": {
        "vcf", "sample", "patient", "bam", "out_summary", "out_trace", "chunk_records",
        "warn_panel_mb",
    },
    "ctdna-count": {
        "bam", "sample", "patient", "tumour", "manifest", "out_dir", "out_sites", "out_targets",
        "out_background", "out_rejects", "out_read_stats",
    },
}  # fmt: skip
COMMON_OPTIONS = {"log_level", "versions_out", "provenance"}  # logging, versions, this record
# options naming a reference file: recorded as {name, sha256} (None when not given)
REFERENCE_OPTIONS = {
    "tmb-calc": ("panel_bed", "coding_bed", "hotspots"),
    "ctdna-count": ("targets", "sites", "fasta"),
}
READ_BYTES = 1 << 20  # 1 MiB reads: hashlib's throughput plateaus above ~64 KiB


class ProvenanceError(ValueError):
    """A provenance record that is missing, unreadable or malformed."""


def sha256(path: str | os.PathLike) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(READ_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def file_entry(path: str | os.PathLike | None) -> dict[str, str] | None:
    """``{"name": file name, "sha256": hex}`` of a file, None when there is none."""
    if path is None or str(path) == "":
        return None
    return {"name": Path(path).name, "sha256": sha256(path)}


def _plain(value: Any) -> Any:
    """An option value as JSON: tuples become lists, paths text."""
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value


def stage_parameters(
    stage: str, args: Any, references: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The parameters of ``stage`` that affect its result, from its parsed arguments: every
    option but identities, inputs, outputs and logging; reference files as name and sha256
    (``references`` maps an option to a path standing in for it, e.g. the bundled hotspot
    list when the option is not given)."""
    skipped = NOT_PARAMETERS[stage] | COMMON_OPTIONS
    given = {**vars(args), **(references or {})}
    values = {
        name: _plain(value)
        for name, value in given.items()
        if name not in skipped and name not in REFERENCE_OPTIONS[stage]
    }
    for name in REFERENCE_OPTIONS[stage]:
        values[name] = file_entry(given.get(name))
    return dict(sorted(values.items()))


def record(
    stage: str,
    sample: str,
    patient: str | None,
    parameters: dict[str, Any],
    inputs: Iterable[tuple[str, str | os.PathLike]],
) -> dict[str, Any]:
    """The provenance record of one sample's result; ``inputs`` are (role, path) pairs, role
    ``vcf``, ``bam`` or ``tumour:<tumour sample id>``."""
    return {
        "format": PROVENANCE_FORMAT,
        "stage": stage,
        "rule_version": RULE_VERSIONS[stage],
        "project_version": __version__,
        "sample": sample,
        "patient": patient,
        "parameters": parameters,
        "inputs": [{"role": role, **(file_entry(path) or {})} for role, path in inputs],
    }


def write(path: str | os.PathLike, provenance: dict[str, Any]) -> None:
    """The record as JSON (sorted keys, one trailing newline), written atomically."""
    temporary = f"{os.fspath(path)}.tmp{os.getpid()}"
    text = json.dumps(provenance, indent=2, sort_keys=True) + "\n"
    Path(temporary).write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def read(path: str | os.PathLike) -> dict[str, Any]:
    """A record written by ``write``, checked against its schema (ProvenanceError if not)."""
    import jsonschema  # here: only the batch pre-flight reads records

    from stereosarc.schemas import load_schema

    try:
        provenance = json.loads(Path(path).read_text(encoding="utf-8"))
        jsonschema.validate(provenance, load_schema("provenance"))
    except (OSError, ValueError, jsonschema.ValidationError) as err:
        message = getattr(err, "message", str(err))
        raise ProvenanceError(f"{path}: not a provenance record: {message}") from err
    return provenance
