"""Driver / hotspot exclusion of tmb-calc: on by default (issue 15).

TMB estimates the passenger mutation rate; a recurrent driver allele (TP53 R175H, KRAS G12D)
is selected, not a sample of that rate, and on a ~1 Mb panel one of them adds ~1 mut/Mb to a
sarcoma's 1-3 mut/Mb. TSO500/DRAGEN TMB excludes alleles with a COSMIC count >= 50 and the
FoCR phase II study shows the over-estimate without such a rule (Vega et al. 2021, Ann Oncol
32:1626). Two rules, each switchable:

- the bundled hotspot list ``assets/tmb/hotspots_grch38.tsv`` (cancerhotspots.org v2, Chang
  et al. 2018; source and version in its header comment and docs/tmb.md), exact alleles
  CHROM:POS:REF:ALT on GRCh38; ``--hotspots`` replaces it, ``--no-hotspots`` switches it off;
- a COSMIC count field, when the VCF carries one (``COSMIC_FIELDS`` looked up in the CSQ/ANN
  sub-fields and INFO, or ``--cosmic-field``): alleles with count > ``--max-cosmic`` (49:
  count >= 50 excluded, TSO500) are not counted; ``--no-cosmic`` switches it off.

An allele excluded only by these rules is in the trace with reason ``hotspot`` /
``cosmic_count_above_max`` and counted in the summary's ``alleles_driver_excluded``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from stereosarc import genomics
from tmb import io, vcf_io
from tmb.exceptions import TmbInputError

if TYPE_CHECKING:  # tmb.command imports this module
    from tmb.command import TmbOptions

LOG = logging.getLogger(__name__)

# COSMIC count fields recognised without --cosmic-field (VEP custom annotation / SnpSift names)
COSMIC_FIELDS = ("COSMIC_CNT", "COSMIC_COUNT", "COSMIC_SAMPLE_COUNT")
MAX_COSMIC = 49.0  # TSO500/DRAGEN TMB: COSMIC count >= 50 is a hotspot, excluded
HOTSPOT_FILE = "hotspots_grch38.tsv"  # bundled list (assets/tmb), cancerhotspots.org v2
GRCH37_CHR1 = 249_250_621  # chr1 length in GRCh37 (hg19); GRCh38 is 248,956,422


def bundled_hotspots() -> Path:
    """The bundled list, beside the table schemas (assets/, or $STEREOSARC_ASSETS)."""
    from stereosarc.schemas import schema_dir

    return schema_dir().parent / "tmb" / HOTSPOT_FILE


def cosmic_field(vcf, options: TmbOptions) -> str | None:
    """``options.cosmic_field``; else the first COSMIC_FIELDS name the header declares; None
    when off (``options.no_cosmic``)."""
    if options.no_cosmic:
        return None
    if options.cosmic_field:
        return options.cosmic_field
    declared = vcf_io.declared_fields(vcf)
    found = next((name for name in COSMIC_FIELDS if name in declared), None)
    if found:
        LOG.info(
            "COSMIC count field %s found: alleles with count > %g are excluded",
            found,
            options.max_cosmic,
        )
    return found


def hotspot_list(vcf, options: TmbOptions, as_lists: bool = False):
    """``(Hotspots or None, label for the summary)``: ``options.hotspots``, else the bundled list
    (refused on a GRCh37 VCF, contig names matched to the VCF's chr prefix); a BED list's
    regions as tmb.region_lists when ``as_lists`` (tmb.io.read_hotspots)."""
    if options.no_hotspots:
        return None, None
    if options.hotspots:
        return io.read_hotspots(options.hotspots, as_lists=as_lists), Path(options.hotspots).name
    lengths = dict(zip(vcf.seqnames, vcf.seqlens, strict=False)) if vcf.seqnames else {}
    if GRCH37_CHR1 in (lengths.get("chr1"), lengths.get("1")):
        raise TmbInputError(
            f"{options.vcf}: the VCF is on GRCh37 (chr1 length {GRCH37_CHR1}) but "
            f"the bundled hotspot list is GRCh38; give --hotspots LIST on GRCh37 "
            "or --no-hotspots"
        )
    names = set(vcf.seqnames)
    chr_prefixed = not names or genomics.uses_chr_prefix(names)
    return io.read_hotspots(bundled_hotspots(), chr_prefixed, as_lists), f"bundled:{HOTSPOT_FILE}"
