"""The compiled binning core (``ctdna/_bincore.c``) bound to the htslib the counting core uses.

``ctdna.fragcore.core()`` chooses and checks the htslib shared library ($CTDNA_HTSLIB: the
system libhts.so.3 or pysam's bundled one, htslib >= 1.10); the binning core is bound to the
same library, so both cores of one run read through one htslib.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ctdna import fragcore
from ctdna.exceptions import CountingCoreError

_bound_library: str | None = None


def core() -> ModuleType:
    """The ``ctdna._bincore`` module, bound to the counting core's htslib."""
    global _bound_library
    try:
        # by name: the compiled module has no source or stub for the type checker
        module = importlib.import_module("ctdna._bincore")
    except ImportError as err:
        raise CountingCoreError(fragcore.BUILD_FIX.replace("_fragcore", "_bincore")) from err
    library = fragcore.core().library
    if library != _bound_library:
        try:
            module.bind(library)
        except OSError as err:
            raise CountingCoreError(f"binning core: {err}") from err
        _bound_library = library
    return module
