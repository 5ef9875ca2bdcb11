"""Build of the compiled cores: ctdna-count's counting core (ctdna/_fragcore.c) and
tmb-calc's VCF body reader (tmb/_vcfcore*.c); the rest of the package metadata is in
pyproject.toml.

The counting core includes pysam's htslib headers (pysam is a build requirement) but does not
link htslib: ctdna/fragcore.py binds it at run time to pysam's bundled htslib or the system
libhts.so.3 (docs/ctdna_counting.md, "Counting core"). The VCF reader needs only the Python
headers and the C library (docs/tmb.md, "How the VCF is read").
"""

import pysam
from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "ctdna._fragcore",
            sources=["ctdna/_fragcore.c"],
            include_dirs=pysam.get_include(),
            extra_compile_args=[
                "-O2",
                "-Wall",
                "-Wextra",
                "-Wno-unused-parameter",
                "-Wno-missing-field-initializers",
            ],
        ),
        # -ffp-contract=off: no fused multiply-add, trace rounding as written
        Extension(
            "tmb._vcfcore",
            sources=[
                f"tmb/_vcfcore{part}.c"
                for part in ("", "_parse", "_format", "_annotation", "_text", "_trace", "_hts")
            ],
            include_dirs=pysam.get_include(),
            depends=["tmb/_vcfcore.h"],
            # hidden: only PyInit is exported; the functions the sources
            # share cannot be interposed, so they are inlined where hot
            extra_compile_args=[
                "-O2",
                "-Wall",
                "-Wextra",
                "-Wno-unused-parameter",
                "-Wno-missing-field-initializers",
                "-ffp-contract=off",
                "-fvisibility=hidden",
            ],
        ),
    ]
)
