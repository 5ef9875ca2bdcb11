"""Typed errors of the tmb stage; the CLI turns them into one line naming the file."""

from __future__ import annotations

from stereosarc.errors import InputError


class TmbInputError(InputError):
    """An input of tmb-calc (VCF, BED, BAM, hotspot list, option) cannot be used."""


class VcfError(TmbInputError):
    """The VCF cannot be read, or lacks a field an active filter needs."""


class RegionError(TmbInputError):
    """A BED file is malformed, or its contigs do not match the VCF's."""


class PanelTooSmallError(TmbInputError):
    """The denominator is below the refusal threshold and --force-small-panel was not given."""


class VcfCoreError(ValueError):
    """The compiled VCF reader (tmb._vcfcore) is not built, or was given an impossible plan."""
