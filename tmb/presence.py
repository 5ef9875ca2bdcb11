"""Declared fields that never carry a value: the check that keeps a filter from passing
silently (issue 15).

A filter reading a field that the header declares but no record fills is either a no-op
(population AF and COSMIC count: missing = 0, every allele passes; a VCF declaring
INFO/gnomADe_AF with no value in any of 2,734 records raised TMB by 20 %) or a wall (VAF,
depth, alt reads: missing fails, TMB 0). Either way the result would look like a TMB and not
be one. The compiled reader counts the values it finds per read field (tmb/_vcfcore.c
``seen``); after the whole VCF is read, every field an active filter reads that the header
declares and that held no value in any record is named. tmb-calc refuses the run, or with
``--allow-empty-fields`` warns and lists the fields in the summary column ``empty_fields``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tmb import callers

STRELKA_EITHER = ("AU", "CU", "GU", "TU", "TAR", "TIR")  # SNV VCF: xU only; indel VCF: TAR/TIR


@dataclass
class FieldPresence:
    """Values found per read field over the whole VCF, in the reader's ``seen`` order:
    FORMAT AD, DP, AF; annotation population sub-fields; INFO population fields; COSMIC."""

    labels: tuple[str, ...]  # e.g. FORMAT/AD, CSQ/gnomADe_AF, INFO/gnomAD_AF, INFO/COSMIC_CNT
    active: tuple[bool, ...]  # declared in the header and read by an active filter
    options: tuple[str, ...]  # the option switching that filter off
    values: list = field(default_factory=list)
    records: int = 0
    annotated_alleles: int = 0  # alleles with at least one consequence term

    def __post_init__(self) -> None:
        self.values = [0] * len(self.labels)

    @classmethod
    def of(cls, plan, needs) -> FieldPresence:
        """Fields of ``plan`` (tmb.vcf_io.ReadPlan) and whether ``needs`` (FieldNeeds) uses
        them."""
        layout = plan.layout
        labels = [f"FORMAT/{key}" for key, _ in plan.format_keys]
        roles = [callers.ROLES[role] for _, role in plan.format_keys]
        active = [
            needs.depth
            if role == "DP"
            else needs.vaf
            if role in ("AF", "FREQ")
            else (needs.alt_reads or needs.vaf or needs.depth)
            for role in roles
        ]
        options = [
            "--min-depth"
            if role == "DP"
            else "--min-vaf/--max-vaf"
            if role in ("AF", "FREQ")
            else "--min-alt/--min-vaf/--min-depth"
            for role in roles
        ]
        if plan.caller == "strelka2":  # SNV tiers or indel tiers: each VCF fills one kind only
            active = [on and role not in STRELKA_EITHER for on, role in zip(active, roles)]
        populations = [f"{layout.tag}/{name}" for name in layout.population_names]
        populations += [f"INFO/{name}" for name in plan.info_population]
        labels += populations
        active += [needs.population] * len(populations)
        options += ["--max-pop-af 1 or --pop-af-fields"] * len(populations)
        cosmic = (
            f"{layout.tag}/{needs.cosmic_field}"
            if layout.cosmic is not None
            else f"INFO/{plan.info_cosmic}"
        )
        labels.append(cosmic)
        active.append(bool(needs.cosmic_field))
        options.append("--cosmic-field/--max-cosmic")
        return cls(tuple(labels), tuple(active), tuple(options))

    def add(self, records: int, seen: tuple) -> None:
        """Count one block: ``seen`` as returned by ``_vcfcore.parse``."""
        self.records += records
        for i, count in enumerate(seen):
            self.values[i] += count

    def empty(self) -> list[tuple[str, str]]:
        """(field, option) of every declared field an active filter reads that no record
        filled; nothing when the VCF has no record."""
        if not self.records:
            return []
        return [
            (label, option)
            for label, on, option, count in zip(
                self.labels, self.active, self.options, self.values
            )
            if on and not count
        ]

    def message(self, path, tag: str) -> str | None:
        """One line naming the empty fields (and an annotation with no consequence), or None."""
        by_option: dict = {}
        for label, option in self.empty():
            by_option.setdefault(option, []).append(label)
        parts = [
            f"{', '.join(labels)} (or switch off: {option})"
            for option, labels in by_option.items()
        ]
        if self.records and not self.annotated_alleles:
            parts.append(f"INFO/{tag} consequences (annotate the VCF)")
        if not parts:
            return None
        return (
            f"{path}: declared but without a value in any of {self.records} records: "
            f"{'; '.join(parts)}; a filter on an empty field passes or fails every allele "
            "silently (use --allow-empty-fields to go on with a warning)"
        )

    def names(self) -> str | None:
        """Comma-joined empty fields for the summary column ``empty_fields`` (None: none)."""
        names = [label for label, _ in self.empty()]
        return ",".join(names) if names else None
