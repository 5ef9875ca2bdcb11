"""Which somatic caller wrote the VCF, and how its FORMAT fields give depth, allele depths and
VAF (issue 15). Detected from the header; the compiled reader then reads the keys by role.

| caller | detected by | allele depths (ref, alt) | depth | VAF |
|---|---|---|---|---|
| Mutect2 | ``##GATKCommandLine=<ID=Mutect2`` / ``##source=Mutect2`` | AD (Number=R) | DP | AF |
| DRAGEN | ``##DRAGENCommandLine`` / ``##source=DRAGEN`` | AD | DP | AF |
| VarDict | ``##source=VarDict`` | AD (Number=R) | DP | AF |
| FreeBayes | ``##source=freeBayes`` | AD, else RO + AO | DP | from depths |
| VarScan2 | ``##source=VarScan2`` | RD + AD (AD = alt depth, Number=1) | DP | FREQ (%) |
| Strelka2 | ``##source=strelka`` | tier-1 AU/CU/GU/TU (SNV); TAR, TIR (indel) | DP | from depths |
| other | (none of these) | AD | DP | AF |

Strelka2 writes two numbers per tier key (tier 1: reads passing its mapping-quality rule;
tier 2: all); tier 1 is used, as in Strelka2's own VAF formula (Strelka2 user guide,
"Somatic variant allele frequencies"). Strelka2 and VarScan2 name their samples NORMAL and
TUMOR. When no VAF is written, VAF = alt / (ref + alt depths) (vaf_source AD).
"""

from __future__ import annotations

import re

# Roles of FORMAT keys (tmb/_vcfcore.h enum, same order)
ROLES = ("AD", "DP", "AF", "RD", "ALTD", "FREQ", "RO", "AO", "AU", "CU", "GU", "TU", "TAR", "TIR")
ROLE = {name: code for code, name in enumerate(ROLES)}
STANDARD = (("AD", "AD"), ("DP", "DP"), ("AF", "AF"))  # (FORMAT key, role)
# FORMAT key -> role per caller; keys the header does not declare are dropped
KEYS = {
    "mutect2": STANDARD,
    "dragen": STANDARD,
    "vardict": STANDARD,
    "generic": STANDARD,
    "freebayes": STANDARD[:2] + (("RO", "RO"), ("AO", "AO")),
    "varscan2": (("RD", "RD"), ("AD", "ALTD"), ("DP", "DP"), ("FREQ", "FREQ")),
    "strelka2": (
        ("DP", "DP"),
        ("AU", "AU"),
        ("CU", "CU"),
        ("GU", "GU"),
        ("TU", "TU"),
        ("TAR", "TAR"),
        ("TIR", "TIR"),
    ),
}
SIGNATURES = (  # (caller, header pattern), first match wins
    ("mutect2", re.compile(r"^##(GATKCommandLine=<ID=Mutect2|source=Mutect2)", re.M)),
    ("dragen", re.compile(r"^##(DRAGENCommandLine|source=DRAGEN)", re.M | re.I)),
    ("strelka2", re.compile(r"^##source=strelka", re.M | re.I)),
    ("varscan2", re.compile(r"^##source=VarScan2", re.M | re.I)),
    ("freebayes", re.compile(r"^##source=freeBayes", re.M | re.I)),
    ("vardict", re.compile(r"^##source=VarDict", re.M | re.I)),
)
ALT_DEPTH_ROLES = {"AD", "ALTD", "AO", "TIR", "AU", "CU", "GU", "TU"}  # give alt reads
REF_DEPTH_ROLES = {"AD", "RD", "RO", "TAR", "AU", "CU", "GU", "TU"}


def detect(raw_header: str) -> str:
    """The caller whose signature the header carries, else 'generic'."""
    return next((name for name, pattern in SIGNATURES if pattern.search(raw_header)), "generic")


def format_keys(caller: str, declared: set) -> tuple[tuple[str, int], ...]:
    """(FORMAT key, role code) the reader reads for ``caller``, of the keys declared."""
    return tuple((key, ROLE[role]) for key, role in KEYS[caller] if key in declared)


def can_give(keys: tuple[tuple[str, int], ...]) -> dict:
    """Which quantities the keys can give: alt reads, depth, VAF."""
    roles = {ROLES[role] for _, role in keys}
    alt = bool(roles & ALT_DEPTH_ROLES)
    return {
        "alt_reads": alt,
        "depth": "DP" in roles or (alt and bool(roles & REF_DEPTH_ROLES)),
        "vaf": bool(roles & {"AF", "FREQ"}) or (alt and bool(roles & REF_DEPTH_ROLES)),
    }
