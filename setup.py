"""Build of the compiled cores: ctdna-count's counting core (ctdna/_fragcore.c), ctdna-bin's
binning core (ctdna/_bincore.c) and
tmb-calc's VCF body reader (tmb/_vcfcore*.c); the rest of the package metadata is in
pyproject.toml.

The counting core includes pysam's htslib headers (pysam is a build requirement) but does not
link htslib: ctdna/fragcore.py binds it at run time to pysam's bundled htslib or the system
libhts.so.3 (docs/ctdna_counting.md, "Counting core"). The VCF reader needs only the Python
headers and the C library (docs/tmb.md, "How the VCF is read").
"""

import pysam
from setuptools import Extension, setup

HTSBIND = "stereosarc/_htsbind.c"  # run-time binding of htslib, shared by both cores
INCLUDE_DIRS = [*pysam.get_include(), "stereosarc"]  # htslib headers (pysam) and _htsbind.h
WARNINGS = ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"]

setup(
    ext_modules=[
        Extension(
            "ctdna._fragcore",
            sources=["ctdna/_fragcore.c", HTSBIND],
            include_dirs=INCLUDE_DIRS,
            depends=["stereosarc/_htsbind.h", "ctdna/_samfile.h"],
            extra_compile_args=WARNINGS,
        ),
        Extension(
            "ctdna._bincore",  # ctdna-bin's per-bin fragment counts (low-pass WGS)
            sources=["ctdna/_bincore.c", HTSBIND],
            include_dirs=INCLUDE_DIRS,
            depends=["stereosarc/_htsbind.h", "ctdna/_samfile.h"],
            extra_compile_args=WARNINGS,
        ),
        # -ffp-contract=off: no fused multiply-add, trace rounding as written
        Extension(
            "tmb._vcfcore",
            sources=[
                f"tmb/_vcfcore{part}.c"
                for part in ("", "_parse", "_format", "_annotation", "_text", "_trace", "_hts")
            ]
            + [HTSBIND],
            include_dirs=INCLUDE_DIRS,
            depends=["tmb/_vcfcore.h", "stereosarc/_htsbind.h"],
            # hidden: only PyInit is exported; the functions the sources
            # share cannot be interposed, so they are inlined where hot
            extra_compile_args=[*WARNINGS, "-ffp-contract=off", "-fvisibility=hidden"],
        ),
    ]
)
