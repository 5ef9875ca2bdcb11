"""Reading a somatic VCF into per-allele tables (all VCF reading of the tmb stage).

The header is read with cyvcf2 (htslib): samples, contigs, the CSQ/ANN ``Format:`` and the
FORMAT/INFO definitions, so a field an active filter needs and the header lacks is an error
before any record is read. The body is read by htslib (tmb.hts: VCF, bgzipped or gzipped
VCF, BCF written back as VCF lines) into blocks of whole lines of about BLOCK_BYTES, read
ahead in a background thread, and handed to the compiled reader (tmb/_vcfcore.c via
tmb.core), which turns a block into per-allele columns in one pass (no per-record Python).
Memory is flat in VCF size: one block at a time.
"""

from __future__ import annotations

import gzip
import queue
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from stereosarc import genomics
from tmb import annotation, callers, core, hts
from tmb.allele_columns import ALLELE_COLUMNS  # noqa: F401  (re-exported: allele columns)
from tmb.exceptions import VcfError

if TYPE_CHECKING:
    from tmb.alleles import AlleleTable
    from tmb.presence import FieldPresence

CHUNK_RECORDS = 1 << 20  # records per allele table at most (the block size bounds it first)
BLOCK_BYTES = 4 << 20  # decompressed text per block (4 MiB): bounded working set
PREFETCH_BLOCKS = 2  # text blocks read ahead by htslib in a background thread (memory bound)
GZIP_MAGIC = b"\x1f\x8b"  # RFC 1952 member header (bgzip writes gzip members)
BGZF_MAGIC = b"\x1f\x8b\x08\x04"  # gzip, deflate, FEXTRA: a BGZF block (SAM spec 4.1)
BGZF_EOF = bytes.fromhex(
    "1f8b08040000000000ff0600424302001b0003000000000000000000"
)  # SAM spec 4.1.2
ANNOTATION_TAGS = ("CSQ", "ANN")  # VEP, snpEff; CSQ preferred when both are present
CALLER_AF = "AF"  # INFO/AF is the caller's allele frequency, never a population frequency
FLOAT32_DECIMALS = 7  # float32 carries ~7.2 significant digits (IEEE 754 binary32)


@dataclass(frozen=True)
class FieldNeeds:
    """Which VCF fields the active filters need (a needed field absent is an error)."""

    vaf: bool
    depth: bool
    alt_reads: bool
    population: bool
    population_fields: tuple[str, ...]
    cosmic_field: str | None


@dataclass(frozen=True)
class ReadPlan:
    """How to read the VCF: tumour column, annotation layout, FORMAT/INFO fields present."""

    path: str
    column: int
    sample_name: str
    layout: annotation.AnnotationLayout
    info_population: tuple[str, ...]
    info_cosmic: str | None
    caller: str  # tmb.callers.detect
    format_keys: tuple  # (FORMAT key, role code) read from the tumour column
    n_samples: int = 1
    header_lines: int = 0  # lines of the header as VCF text (line numbers of BCF records)

    @property
    def body(self) -> core.BodyPlan:
        keys = self.format_keys
        return core.BodyPlan(
            core.FIRST_SAMPLE + self.n_samples,
            self.column,
            self.layout,
            keys,
            self.info_population,
            self.info_cosmic,
        )


def open_vcf(path: str | Path, header_only: bool = False):
    """Open ``path`` with cyvcf2, or only read its header through htslib
    (tmb.vcf_header.VcfHeader, no numpy import) when ``header_only``; a missing, non-VCF or
    corrupt-gzip file is a VcfError."""
    path = Path(path)
    if not path.exists():
        raise VcfError(f"{path}: VCF not found")
    with open(path, "rb") as handle:
        magic = handle.read(4)
        handle.seek(max(0, path.stat().st_size - len(BGZF_EOF)))
        tail = handle.read()
    if magic == BGZF_MAGIC and tail != BGZF_EOF:
        raise VcfError(f"cannot read VCF {path}: truncated (no BGZF end-of-file block)")
    magic = magic[:2]
    if path.suffix == ".gz" and magic != GZIP_MAGIC:
        raise VcfError(f"{path}: not a gzip/bgzip file although named .gz")
    if magic == GZIP_MAGIC:
        try:
            with gzip.open(path, "rb") as handle:
                handle.read(65536)
        except (OSError, EOFError, zlib.error) as err:
            raise VcfError(f"{path}: corrupt gzip data ({err})") from err
    if header_only:
        from tmb.vcf_header import VcfHeader

        return VcfHeader.read(path)
    import cyvcf2

    try:
        return cyvcf2.VCF(str(path), lazy=True, threads=1)
    except Exception as err:  # cyvcf2 raises OSError/Exception without the file name
        raise VcfError(f"cannot read VCF {path}: {err}") from err


def choose_tumour_column(vcf, path, sample: str) -> tuple[int, str]:
    """The tumour sample column and its name (stereosarc.genomics.tumour_column: the sample
    named ``sample``; else the only sample; else the one ``##tumor_sample=``; else the one
    TUMOR/TUMOUR column); a sites-only VCF is refused (TMB needs the tumour's FORMAT)."""
    samples = list(vcf.samples)
    try:
        column = genomics.tumour_column(samples, vcf.raw_header, sample)
    except genomics.TumourColumnError as err:
        raise VcfError(f"{path}: {err}") from err
    if column is None:
        raise VcfError(
            f"{path}: tumour sample '{sample}' not found among VCF samples (none: sites-only VCF)"
        )
    return column, samples[column]


def _has(vcf, kind: str, name: str) -> bool:
    return any(h.type == kind and h.info().get("ID") == name for h in vcf.header_iter())


def declared_fields(vcf) -> set:
    """INFO IDs and CSQ/ANN sub-field names the header declares."""
    names = {h.info().get("ID") for h in vcf.header_iter() if h.type == "INFO"}
    for tag in ANNOTATION_TAGS:
        if tag in names:
            names.update(annotation.parse_format(vcf.get_header_type(tag)["Description"]))
    return names


def _layout(vcf, path, needs: FieldNeeds) -> annotation.AnnotationLayout:
    tag = next((t for t in ANNOTATION_TAGS if _has(vcf, "INFO", t)), None)
    if tag is None:
        raise VcfError(
            f"{path}: no CSQ (VEP) or ANN (snpEff) INFO header; annotate the VCF "
            "first (consequences are needed to select coding variants)"
        )
    names = annotation.parse_format(vcf.get_header_type(tag)["Description"])
    try:
        return annotation.build_layout(
            tag, names, list(needs.population_fields), needs.cosmic_field
        )
    except KeyError as err:
        raise VcfError(
            f"{path}: INFO/{tag} header declares no '{err.args[0]}' sub-field "
            f"(found {'|'.join(names)})"
        ) from err


def plan_reading(vcf, path, sample: str, needs: FieldNeeds) -> ReadPlan:
    """Check the header against the active filters and decide how each value is read."""
    column, name = choose_tumour_column(vcf, path, sample)
    layout = _layout(vcf, path, needs)
    caller = callers.detect(vcf.raw_header)
    declared = {h.info().get("ID") for h in vcf.header_iter() if h.type == "FORMAT"}
    keys = callers.format_keys(caller, declared)
    if not keys:
        names = [k for k, _ in callers.KEYS[caller]]
        listed = ", ".join(names[:-1]) + " and " + names[-1]
        raise VcfError(
            f"{path}: FORMAT {listed} are all absent ({caller} VCF); cannot judge VAF or depth"
        )
    gives = callers.can_give(keys)
    problems = [
        (
            needs.vaf and not gives["vaf"],
            "a VAF (FORMAT/AF, or allele depths)",
            "--min-vaf/--max-vaf",
        ),
        (
            needs.depth and not gives["depth"],
            "a depth (FORMAT/DP, or allele depths)",
            "--min-depth",
        ),
        (needs.alt_reads and not gives["alt_reads"], "FORMAT/AD", "--min-alt"),
    ]
    for missing, field, option in problems:
        if missing:
            raise VcfError(
                f"{path}: {field} is needed by {option} but absent from the header "
                f"of this {caller} VCF (set {option} to disable that filter)"
            )
    info_population = tuple(
        f for f in needs.population_fields if f != CALLER_AF and _has(vcf, "INFO", f)
    )
    if needs.population and not (layout.population or info_population):
        raise VcfError(
            f"{path}: no population frequency field ({', '.join(needs.population_fields)}) "
            f"in INFO/{layout.tag} or INFO; INFO/AF is the caller's VAF and is never used "
            "(use --max-pop-af 1 to disable the population filter)"
        )
    info_cosmic = None
    if needs.cosmic_field and layout.cosmic is None:
        if not _has(vcf, "INFO", needs.cosmic_field):
            raise VcfError(
                f"{path}: COSMIC field '{needs.cosmic_field}' is neither an INFO/"
                f"{layout.tag} sub-field nor an INFO field"
            )
        info_cosmic = needs.cosmic_field
    return ReadPlan(
        str(path),
        column,
        name,
        layout,
        info_population,
        info_cosmic,
        caller,
        keys,
        len(vcf.samples),
        vcf.raw_header.count("\n"),
    )


def prefetched(items: Iterator, depth: int = PREFETCH_BLOCKS) -> Iterator:
    """``items`` produced by a background thread at most ``depth`` ahead (htslib releases the
    GIL, so decompression overlaps the processing of the previous block)."""
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop, end = threading.Event(), object()

    def offer(item) -> bool:
        """Queue ``item`` unless the consumer has stopped (then never block)."""
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer(item):
                    return
            offer(end)
        except BaseException as err:  # handed to the consumer, raised there
            offer(err)

    worker = threading.Thread(target=produce, name="vcf-inflate", daemon=True)
    worker.start()
    try:
        while (item := ready.get()) is not end:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


def _located(err, first_line: int, path: str) -> VcfError:
    index, column, message = err.args
    where = f", column {column}" if column else ""
    return VcfError(f"{path} line {first_line + index}{where}: {message}")


def iter_blocks(
    plan: ReadPlan,
    chunk_records: int = CHUNK_RECORDS,
    block_bytes: int = BLOCK_BYTES,
    presence: FieldPresence | None = None,
) -> Iterator[tuple[int, bytes, dict, dict]]:
    """Yield ``(records, text, columns, tables)`` of the compiled reader (``_vcfcore.parse``:
    columns as bytes of the types of tmb.allele_columns.TYPECODES), in VCF order;
    ``presence`` (tmb.presence.FieldPresence) counts the values found per read field."""
    reader, body, line = core.module(), plan.body.as_tuple(), 1
    blocks = hts.text_blocks(plan.path, block_bytes, plan.header_lines)
    for text, start, stop, header_lines in prefetched(blocks):
        line += header_lines
        while start < stop:
            try:
                start, records, lines, columns, tables, seen = reader.parse(
                    text, start, stop, max(chunk_records, 1), body
                )
            except reader.ParseError as err:
                raise _located(err, line, plan.path) from None
            line += lines
            if presence is not None:
                presence.add(records, seen)
            yield records, text, columns, tables


def iter_allele_chunks(
    vcf,
    plan: ReadPlan,
    chunk_records: int = CHUNK_RECORDS,
    block_bytes: int = BLOCK_BYTES,
    presence: FieldPresence | None = None,
) -> Iterator[tuple[int, AlleleTable]]:
    """Yield ``(records_in_chunk, alleles)`` (tmb.alleles.AlleleTable) of iter_blocks.

    ``vcf`` (the open cyvcf2 header reader) is not used for the body. At least one (possibly
    empty) chunk is yielded, so an empty VCF still gives a trace header.
    """
    from tmb.alleles import AlleleTable

    sample_field, yielded = core.FIRST_SAMPLE + plan.column, False
    for records, text, columns, tables in iter_blocks(plan, chunk_records, block_bytes, presence):
        yield records, AlleleTable.from_core(text, columns, tables, sample_field)
        yielded = True
    if not yielded:
        yield 0, AlleleTable.empty()
