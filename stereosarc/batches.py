"""Batch reruns: may the per-sample results of earlier runs be combined with this run?

An earlier batch is an earlier run's --outdir. Its per-sample results (tmb-calc's summary,
ctdna-count's tables) are reused only when their provenance (stereosarc.provenance) shows
that this run would have produced the same result for the same sample: the same rule_version,
the same effective parameters (those that affect the result; reference files by sha256), and,
for a sample found in two places, the same input files. ctDNA calls depend on the panel of
normals, which is counted at every tumour's sites: every batch with ctDNA results must have
had the PoN of this run (same samples, same BAM checksums); this run recounts it at the sites
of all batches' tumours. A plasma sample counted before its patient gained a tumour sample is
stale. Every refusal names the batch, the file and the difference (BatchError, one line).
Method and layout: docs/usage.md, "Batch reruns".
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any

from stereosarc import provenance
from stereosarc.errors import InputError

# stage option -> the pipeline parameter that sets it (conf/modules.config), for messages
PARAMETER_OF = {
    "tmb-calc": {
        "mode": "tmb_mode",
        "min_vaf": "tmb_min_vaf",
        "max_vaf": "tmb_max_vaf",
        "min_depth": "tmb_min_depth",
        "min_alt": "tmb_min_alt",
        "max_pop_af": "tmb_max_pop_af",
        "tmb_high": "tmb_high_cutoff",
        "panel_is_coding": "tmb_panel_is_coding",
        "allow_empty_fields": "tmb_allow_empty_fields",
        "max_cosmic": "tmb_max_cosmic",
        "no_hotspots": "tmb_exclude_drivers",
        "no_cosmic": "tmb_exclude_drivers",
        "panel_bed": "panel_bed",
        "coding_bed": "tmb_coding_bed",
    },
    "ctdna-count": {
        "min_mapq": "ctdna_min_mapq",
        "min_baseq": "ctdna_min_baseq",
        "umi_tag": "ctdna_umi_tag",
        "targets": "ctdna_targets",
        "sites": "ctdna_sites",
        "fasta": "fasta",
    },
}
FREE_ARGS = {"tmb-calc": "tmb_args", "ctdna-count": "ctdna_count_args"}  # other options
STAGE_INPUT = {"tmb-calc": "panel_bed", "ctdna-count": "ctdna_targets"}  # the stage runs if set
TMB_THRESHOLDS = ("min_vaf", "max_vaf", "min_depth", "min_alt", "max_pop_af")  # params tmb_<name>


class BatchError(InputError):
    """Earlier results that cannot be combined with this run."""


def stage_arguments(stage: str, params: dict[str, Any], references: dict[str, str]) -> list[str]:
    """The command-line options of ``stage`` in this run: conf/modules.config's ext.args for
    the process (TMB or CTDNA_COUNT) and its reference files (``references``: option -> path
    of this run's file), plus placeholders for the per-sample ones."""
    if stage == "tmb-calc":
        args = [f"--mode={params['tmb_mode']}"]
        args += [f"--{n.replace('_', '-')}={params['tmb_' + n]}" for n in TMB_THRESHOLDS]
        args += [f"--tmb-high={params['tmb_high_cutoff']}"]
        args += ["--panel-is-coding"] if params.get("tmb_panel_is_coding") else []
        args += ["--allow-empty-fields"] if params.get("tmb_allow_empty_fields") else []
        excluded = params.get("tmb_exclude_drivers")
        args += [f"--max-cosmic={params['tmb_max_cosmic']}"] if excluded else []
        args += [] if excluded else ["--no-hotspots", "--no-cosmic"]
        args += ["--vcf=x", "--sample=x", "--patient=x", "--out-summary=x", "--out-trace=x"]
    else:
        args = [f"--min-mapq={params['ctdna_min_mapq']}"]
        args += [f"--min-baseq={params['ctdna_min_baseq']}"]
        args += [f"--umi-tag={params['ctdna_umi_tag']}"] if params.get("ctdna_umi_tag") else []
    args += shlex.split(params.get(FREE_ARGS[stage]) or "")
    return args + [f"--{option.replace('_', '-')}={path}" for option, path in references.items()]


def expected_parameters(stage: str, parsed: Any) -> dict[str, Any]:
    """The provenance parameters this run's ``stage`` would record (its parsed options)."""
    if stage == "tmb-calc":
        from tmb.cli import tmb_parameters  # here: only a run with TMB results needs it

        return tmb_parameters(parsed)
    return provenance.stage_parameters(stage, parsed)


def _shown(value: Any) -> str:
    if isinstance(value, dict) and "sha256" in value:
        return f"{value['name']} (sha256 {value['sha256'][:12]})"
    return "none" if value is None else str(value)


def parameter_differences(stage: str, found: dict, expected: dict) -> list[str]:
    """'ctdna_min_mapq 30 != 20 of this run' for each parameter that differs (reference files
    compared by sha256 only: a renamed copy is the same file)."""
    differences = []
    for option in sorted(set(found) | set(expected)):
        old, new = found.get(option), expected.get(option)
        if isinstance(old, dict) and isinstance(new, dict) and old["sha256"] == new["sha256"]:
            continue
        if old != new:
            name = PARAMETER_OF[stage].get(option, f"{FREE_ARGS[stage]} {option}")
            differences.append(f"{name} {_shown(old)} != {_shown(new)} of this run")
    return differences


@dataclass
class SampleResult:
    """One earlier per-sample result: its batch, provenance file and record."""

    batch: str
    path: str  # provenance file, relative to the batch folder
    record: dict[str, Any]

    @property
    def inputs(self) -> dict[str, str]:
        return {entry["role"]: entry["sha256"] for entry in self.record["inputs"]}

    @property
    def tumours(self) -> set[str]:
        return {role.split(":", 1)[1] for role in self.inputs if role.startswith("tumour:")}

    def where(self) -> str:
        return f"batch {self.batch}: {self.path}"


def check_result(result: SampleResult, stage: str, expected: dict[str, Any]) -> None:
    """Refuse a result of another stage, sample, rule_version or parameters."""
    record = result.record
    if record["stage"] != stage:
        raise BatchError(f"{result.where()}: stage {record['stage']} != {stage}")
    current = provenance.RULE_VERSIONS[stage]
    if record["rule_version"] != current:
        raise BatchError(
            f"{result.where()}: {stage} rule_version {record['rule_version']} != {current} "
            f"of this run (rerun that batch)"
        )
    differences = parameter_differences(stage, record["parameters"], expected)
    if differences:
        raise BatchError(f"{result.where()}: {'; '.join(differences)}")


@dataclass
class Cohort:
    """Earlier results accepted so far, by stage and sample (first batch given wins)."""

    results: dict[str, dict[str, SampleResult]] = field(
        default_factory=lambda: {"tmb-calc": {}, "ctdna-count": {}}
    )

    def add(self, stage: str, sample: str, result: SampleResult) -> bool:
        """Keep ``result`` unless the sample is there already; refused when the two were made
        from different input files. True when kept."""
        known = self.results[stage].get(sample)
        if known is None:
            self.results[stage][sample] = result
            return True
        if known.inputs != result.inputs:
            raise BatchError(
                f"sample {sample} is in {known.where()} and {result.where()} with different "
                f"inputs: {_input_difference(known.inputs, result.inputs)}"
            )
        return False


def _input_difference(first: dict[str, str], second: dict[str, str]) -> str:
    roles = sorted(r for r in set(first) | set(second) if first.get(r) != second.get(r))
    return ", ".join(
        f"{r} sha256 {(first.get(r) or 'none')[:12]} != {(second.get(r) or 'none')[:12]}"
        for r in roles
    )


def check_same_inputs(sample: str, result: SampleResult, current: dict[str, str]) -> None:
    """A sample both in an earlier batch and in this run must have the same input files
    (compared on the roles this run knows before counting: vcf, bam)."""
    earlier = {role: digest for role, digest in result.inputs.items() if role in current}
    if earlier != current:
        raise BatchError(
            f"sample {sample} is in {result.where()} and in this run's samplesheet with "
            f"different inputs: {_input_difference(earlier, current)}"
        )


def check_pon(batch: str, pon: dict[str, str], current: dict[str, str]) -> None:
    """The PoN of a batch with ctDNA results (sample -> BAM sha256) must be this run's."""
    if pon == current:
        return
    missing, extra = sorted(set(current) - set(pon)), sorted(set(pon) - set(current))
    changed = sorted(s for s in set(pon) & set(current) if pon[s] != current[s])
    raise BatchError(
        f"batch {batch}: another panel of normals (ctDNA calls depend on it): "
        f"not in that batch {missing or 'none'}; not in this run {extra or 'none'}; "
        f"other BAM {changed or 'none'}"
    )


def check_not_stale(result: SampleResult, sample: str, tumours: set[str]) -> None:
    """A plasma sample must have been counted at every tumour its patient has in the cohort."""
    if result.tumours != tumours:
        raise BatchError(
            f"{result.where()}: plasma {sample} was counted at tumours "
            f"{sorted(result.tumours) or 'none'}, its patient has {sorted(tumours) or 'none'} "
            f"in the combined cohort (count it again in this run)"
        )
