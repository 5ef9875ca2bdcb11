"""Build of the compiled counting core of ctdna-count (ctdna/_fragcore.c); the rest of the
package metadata is in pyproject.toml.

The core includes pysam's htslib headers (pysam is a build requirement) but does not link
htslib: ctdna/fragcore.py binds it at run time to pysam's bundled htslib or the system
libhts.so.3 (docs/ctdna_counting.md, "Counting core").
"""

import pysam
from setuptools import Extension, setup

setup(ext_modules=[Extension("ctdna._fragcore", sources=["ctdna/_fragcore.c"],
                             include_dirs=pysam.get_include(),
                             extra_compile_args=["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter",
                                                 "-Wno-missing-field-initializers"])])
