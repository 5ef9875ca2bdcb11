"""The compiled counting core (``ctdna/_fragcore.c``) bound to an htslib shared library.

The core reads BAM/CRAM through htslib functions resolved at run time, so the package needs
no htslib at build time beyond pysam's headers. Which library (environment variable
``CTDNA_HTSLIB``):

- ``auto`` (default): the system ``libhts.so.3`` when it loads and is htslib >= 1.10,
  else pysam's bundled htslib;
- ``system``: the system library (an error if absent); ``pysam``: pysam's bundled one;
- a path to an htslib shared library.

Why prefer the system library: Debian's htslib (the one samtools uses) inflates BGZF blocks
with libdeflate, pysam's wheel with zlib; on the benchmark BAM the same read loop takes about
1.5x longer with pysam's htslib (bench/ctdna/bench_count.py reports both). Counts are the
same with either (tests/crosscheck/test_ctdna_samtools.py runs both).
"""

from __future__ import annotations

import ctypes.util
import functools
import importlib
import logging
import os
import re
from dataclasses import dataclass
from types import ModuleType

from ctdna.exceptions import CountingCoreError

LOG = logging.getLogger(__name__)
ENVIRONMENT = "CTDNA_HTSLIB"
MIN_HTSLIB = (
    1,
    10,
)  # bam1_t with 64-bit positions, the layout compiled into the core (htslib 1.10 NEWS)
BUILD_FIX = (
    "the compiled counting core ctdna._fragcore is not built; fix: install a C compiler "
    "and the Python headers (Debian: gcc python3-dev) and rerun pip install -e ."
)


@dataclass(frozen=True)
class Binding:
    """The core module and the htslib it is bound to."""

    module: ModuleType
    library: str
    version: str


_bound: Binding | None = None


def pysam_htslib() -> str:
    """Path of pysam's bundled htslib (the shared object of pysam.libchtslib)."""
    import pysam.libchtslib

    return pysam.libchtslib.__file__


@functools.cache
def system_htslib() -> str | None:
    """Soname of the system htslib found by the dynamic linker's cache, or None. Asked once
    per process: find_library runs ``ldconfig -p`` (a child process) on every call, and the
    core is looked up once per counted region."""
    return ctypes.util.find_library("hts")


def _version_ok(version: str) -> bool:
    match = re.match(r"(\d+)\.(\d+)", version)
    if match is None:
        return False
    return (int(match.group(1)), int(match.group(2))) >= MIN_HTSLIB


def _candidates(choice: str) -> list[str]:
    """Libraries to try, in order, for a CTDNA_HTSLIB value."""
    if choice == "pysam":
        return [pysam_htslib()]
    if choice == "system":
        found = system_htslib()
        if found is None:
            raise CountingCoreError(
                f"{ENVIRONMENT}=system but no system htslib (libhts) is "
                f"installed; fix: apt-get install libhts3, or unset {ENVIRONMENT}"
            )
        return [found]
    if choice == "auto":
        found = system_htslib()
        return ([found] if found else []) + [pysam_htslib()]
    return [choice]


def core(choice: str | None = None) -> Binding:
    """The core bound to the library ``choice`` (default: $CTDNA_HTSLIB, else 'auto')."""
    global _bound
    choice = choice or os.environ.get(ENVIRONMENT, "auto")
    try:
        # by name: the compiled module has no source or stub for the type checker
        _fragcore = importlib.import_module("ctdna._fragcore")
    except ImportError as err:
        raise CountingCoreError(BUILD_FIX) from err
    candidates = _candidates(choice)
    if _bound is not None and _bound.library == candidates[0]:
        return _bound
    problems = []
    for library in candidates:
        try:
            version = _fragcore.bind(library)
        except OSError as err:
            problems.append(str(err))
            continue
        if _version_ok(version):
            _bound = Binding(_fragcore, library, version)
            LOG.debug("counting core bound to htslib %s (%s)", version, library)
            return _bound
        problems.append(
            f"{library} is htslib {version}, older than {'.'.join(map(str, MIN_HTSLIB))}"
        )
    _bound = None
    raise CountingCoreError(f"no usable htslib for the counting core ({'; '.join(problems)})")
