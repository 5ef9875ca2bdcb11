"""The compiled VCF body reader of tmb-calc (``tmb/_vcfcore.c``) and its reading plan.

The extension tokenises blocks of VCF body text into per-allele columns and writes trace
lines; it applies no filter (tmb.filters decides). It is built by ``pip install -e .``
(setup.py) and needs nothing at run time beyond the Python it was built for. There is no
pure-Python reader beside it: a missing build is an error that names the fix.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from tmb.annotation import AnnotationLayout
from tmb.exceptions import VcfCoreError

FIRST_SAMPLE = 9  # VCF 4.x: CHROM POS ID REF ALT QUAL FILTER INFO FORMAT, then the samples
MAX_KEYS = 8  # FORMAT keys per plan the core accepts (tmb/_vcfcore.h MAX_KEYS)
MAX_FIELDS = 64  # population fields per plan the core accepts (tmb/_vcfcore.c MAX_FIELDS)
BUILD_FIX = (
    "the compiled VCF reader tmb._vcfcore is not built; fix: install a C compiler "
    "and the Python headers (Debian: gcc python3-dev) and rerun pip install -e ."
)


def module() -> ModuleType:
    """The extension module; VcfCoreError when it is not built."""
    try:  # by name: the compiled module has no source or stub for the type checker
        return importlib.import_module("tmb._vcfcore")
    except ImportError as err:
        raise VcfCoreError(BUILD_FIX) from err


def _index(value: int | None) -> int:
    return -1 if value is None else value


@dataclass(frozen=True)
class BodyPlan:
    """What to read from each record (decided from the header, tmb.vcf_io.plan_reading)."""

    n_columns: int
    sample_column: int  # 0-based among the samples
    layout: AnnotationLayout
    format_keys: tuple[tuple[str, int], ...]  # (FORMAT key, role) read (tmb.callers.ROLES)
    info_population: tuple[str, ...]
    info_cosmic: str | None

    def as_tuple(self) -> tuple:
        """The plan argument of ``_vcfcore.parse`` (layout in tmb/_vcfcore.c read_plan)."""
        layout = self.layout
        if len(layout.population) > MAX_FIELDS or len(self.info_population) > MAX_FIELDS:
            raise VcfCoreError(f"at most {MAX_FIELDS} population fields can be read")
        if len(self.format_keys) > MAX_KEYS:
            raise VcfCoreError(f"at most {MAX_KEYS} FORMAT keys can be read")
        return (
            self.n_columns,
            FIRST_SAMPLE + self.sample_column,
            tuple((key.encode(), role) for key, role in self.format_keys),
            layout.tag == "CSQ",
            layout.allele,
            layout.consequence,
            _index(layout.gene),
            _index(layout.allele_num),
            _index(layout.cosmic),
            tuple(layout.population),
            f"{layout.tag}=".encode(),
            tuple(f"{key}=".encode() for key in self.info_population),
            f"{self.info_cosmic}=".encode() if self.info_cosmic else b"",
        )
