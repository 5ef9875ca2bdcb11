"""Synthetic STEREOSARC demo cohort: clinical, IHC, labs, VCFs, plasma BAMs with planted effects.

Entry point: ``stereosarc-demo --outdir DIR`` (stereosarc.demo.cli). Method: docs/demo.md.
"""

GENERATOR_VERSION = "4"  # bump whenever the output of a given seed changes (invalidates stamps)
DEFAULT_SEED = 20240601  # project-wide default seed (docs/development.md, Determinism)
