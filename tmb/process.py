"""Process settings of the tmb-calc command (not of the library): fewer idle threads and
fewer fresh memory pages per block.

- OpenBLAS (loaded by numpy and by scipy) starts one worker thread per core, which spin
  while waiting; tmb-calc makes no BLAS call. One thread each: about 0.5-0.7 CPU s less per
  run of the 1,000,000-record benchmark (bench/tmb). Must run before numpy is imported.
- glibc malloc returns large freed blocks to the kernel (mmap threshold, heap trim), so the
  next block's buffers of the same size fault in fresh pages (about half the page faults of
  a run). Keeping freed memory for reuse bounds the process at its largest block's working
  set, as before: memory stays flat in VCF size.
- The modules imported at start (numpy, cyvcf2, ...) hold some 10^4 objects that the cyclic
  garbage collector would traverse again at every full collection; they live until exit, so
  they are frozen out of its view (gc.freeze), without a collection first: importing leaves
  no cyclic garbage to free (0 objects), and the collection cost ~8 ms of start-up.
"""

from __future__ import annotations

import ctypes
import gc
import os

BLAS_THREADS = "1"  # tmb-calc performs no linear algebra
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt parameters (glibc malloc.h)
MMAP_THRESHOLD = 32 << 20  # largest value glibc accepts on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX)
TRIM_THRESHOLD = 256 << 20  # free heap kept for reuse before returning it to the kernel


def limit_blas_threads() -> None:
    """One OpenBLAS thread unless the caller's environment says otherwise."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", BLAS_THREADS)


def keep_freed_memory() -> None:
    """Ask glibc malloc to keep freed blocks for reuse (no-op without glibc's mallopt)."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)


def freeze_imported_objects() -> None:
    """Exclude the objects that exist now (imported modules) from later collections."""
    gc.freeze()
