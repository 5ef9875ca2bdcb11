"""VCF body text read through htslib, the project's one VCF/BAM reader (issue 15).

The compiled reader's htslib side (``tmb/_vcfcore_hts.c``) is bound at run time, as the
ctDNA counting core is (ctdna/fragcore.py, whose library lookup is reused): the system
``libhts.so.3`` when present (Debian's, with libdeflate: the one bcftools uses), else pysam's
bundled htslib. htslib opens VCF, bgzipped or gzipped VCF and BCF; BCF records are written
back as VCF lines by htslib (``vcf_format``), so the same tokeniser reads every format.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from tmb import core
from tmb.exceptions import VcfError

LOG = logging.getLogger(__name__)
SYSTEM_SONAME = "libhts.so.3"  # htslib >= 1.10 soname (Debian libhts3), the one bcftools uses
MIN_HTSLIB = (1, 10)  # bcf1_t/htsFormat layouts of pysam's headers (as ctdna.fragcore)
_bound: str | None = None


def _libraries() -> Iterator[str]:
    """Candidates in order, each looked up only when the previous one failed: the system
    htslib by its soname (the dynamic linker's search, no ``ldconfig -p`` run), by the
    linker cache, then pysam's bundled copy (importing pysam costs ~20 ms of start-up)."""
    from ctdna.fragcore import pysam_htslib, system_htslib

    yield SYSTEM_SONAME
    found = system_htslib()
    if found and found != SYSTEM_SONAME:
        yield found
    yield pysam_htslib()


def bind() -> str:
    """Bind the reader to the first usable htslib; its version."""
    global _bound
    if _bound:
        return _bound
    problems = []
    for library in _libraries():
        try:
            version = core.module().hts_bind(library)
        except OSError as err:
            problems.append(str(err))
            continue
        match = re.match(r"(\d+)\.(\d+)", version)
        if match and (int(match.group(1)), int(match.group(2))) >= MIN_HTSLIB:
            LOG.debug("VCF reader bound to htslib %s (%s)", version, library)
            _bound = version
            return version
        problems.append(f"{library} is htslib {version}")
    raise VcfError(f"no usable htslib for the VCF reader ({'; '.join(problems)})")


def text_blocks(
    path, block_bytes: int, header_lines: int = 0
) -> Iterator[tuple[bytes, int, int, int]]:
    """``(text, 0, len(text), header_lines)``: blocks of whole VCF body lines of about
    ``block_bytes``; ``header_lines`` (nonzero for the first block only) counts the header
    lines before them (for a BCF, the lines of its header as VCF text, given by the caller)."""
    bind()
    reader = core.module()
    try:
        handle, is_bcf = reader.hts_reader(str(path))
    except OSError as err:
        raise VcfError(f"cannot read VCF {path}: {err}") from err
    done, first = False, True
    while not done:
        try:
            text, skipped, done = reader.hts_read(handle, block_bytes)
        except OSError as err:
            raise VcfError(f"cannot read VCF {path}: {err}") from err
        if text:
            yield text, 0, len(text), (skipped + header_lines * is_bcf) if first else skipped
            first = False
