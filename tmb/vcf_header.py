"""A VCF header read by htslib without cyvcf2 (whose import loads numpy): the header reader
of tmb-calc's panel-sized path (tmb.rowwise; docs/tmb.md, "Start-up").

htslib parses the header (``bcf_hdr_read``: VCF, bgzipped/gzipped VCF, BCF) and writes it
back as VCF text (``bcf_hdr_format``, what ``bcftools view -h`` prints and cyvcf2's
``raw_header`` holds); the lines are then split here: ``##KEY=<ID=...,...>`` records keep
their values as htslib writes them (a Description keeps its quotes, as cyvcf2's
``HREC.info()`` gives it), ``#CHROM`` names the samples, ``##contig`` the contigs. The class
offers the part of cyvcf2's ``VCF`` surface that tmb.vcf_io and tmb.drivers read.
"""

from __future__ import annotations

from dataclasses import dataclass

from tmb import core, hts
from tmb.exceptions import VcfError

STRUCTURED_TYPES = {"INFO": "INFO", "FORMAT": "FORMAT", "FILTER": "FILTER", "contig": "CONTIG"}
SAMPLE_COLUMN = 9  # #CHROM POS ID REF ALT QUAL FILTER INFO FORMAT, then the samples


@dataclass(frozen=True)
class HeaderRecord:
    """One ``##KEY=<...>`` line: ``type`` as cyvcf2 names it, its key=value pairs."""

    type: str
    values: dict

    def info(self) -> dict:
        return dict(self.values)


def split_record(body: str) -> dict:
    """``ID=X,Number=1,Description="a, b"`` -> dict; commas inside quotes (with backslash
    escapes) do not split, quotes are kept."""
    values, key, start, quoted, escaped = {}, "", 0, False, False
    for at, char in enumerate(body + ","):
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "=" and not key and not quoted:
            key, start = body[start:at], at + 1
        elif char == "," and not quoted:
            if key:
                values[key] = body[start:at]
            key, start = "", at + 1
    return values


class VcfHeader:
    """The header of one VCF: samples, contigs (with lengths), INFO/FORMAT records."""

    def __init__(self, raw_header: str) -> None:
        self.raw_header = raw_header
        self.records: list[HeaderRecord] = []
        self.samples: list[str] = []
        for line in raw_header.splitlines():
            if line.startswith("#CHROM"):
                self.samples = line.split("\t")[SAMPLE_COLUMN:]
                continue
            key, _, value = line[2:].partition("=")
            if value.startswith("<") and value.endswith(">"):
                kind = STRUCTURED_TYPES.get(key, "STRUCTURED")
                self.records.append(HeaderRecord(kind, split_record(value[1:-1])))
        contigs = [r.values for r in self.records if r.type == "CONTIG"]
        self.seqnames = [c.get("ID", "") for c in contigs]
        self.seqlens = [int(c.get("length", "0") or 0) for c in contigs]

    @classmethod
    def read(cls, path) -> VcfHeader:
        """The header of ``path`` through htslib; VcfError naming the file when it fails."""
        hts.bind()
        try:
            text = core.module().hts_header(str(path))
        except OSError as err:
            raise VcfError(f"cannot read VCF {path}: {err}") from err
        return cls(text.decode("utf-8", "surrogateescape"))

    def header_iter(self) -> list[HeaderRecord]:
        return list(self.records)

    def get_header_type(self, key: str) -> dict:
        """The INFO (else FORMAT) record with ID ``key``; KeyError when neither exists."""
        for kind in ("INFO", "FORMAT"):
            for record in self.records:
                if record.type == kind and record.values.get("ID") == key:
                    return record.info()
        raise KeyError(key)

    def close(self) -> None:
        """Nothing to release: the file was closed once the header was read."""
