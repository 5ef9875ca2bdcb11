"""Streaming a somatic VCF into per-allele tables (all VCF reading of the tmb stage).

One row per ALT allele: position, FILTER, tumour depth / alt reads / VAF, and what the
annotation (VEP CSQ or snpEff ANN) says about that allele. Records are read with cyvcf2 one at a
time and handed out in chunks, so memory stays flat in VCF size. cyvcf2's integer missing
sentinels (negative values) become NaN here.
"""

from __future__ import annotations

import gzip
import math
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tmb import annotation
from tmb.exceptions import VcfError

CHUNK_RECORDS = 20_000  # records per chunk: bounded memory, amortised DataFrame overhead
ANNOTATION_TAGS = ("CSQ", "ANN")  # VEP, snpEff; CSQ preferred when both are present
CALLER_AF = "AF"  # INFO/AF is the caller's allele frequency, never a population frequency
TUMOR_SAMPLE_RE = re.compile(r"^##tumor_sample=(\S+)", re.MULTILINE)  # Mutect2/GATK header line
GZIP_MAGIC = b"\x1f\x8b"  # RFC 1952 member header
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
    has_af: bool
    has_ad: bool
    has_dp: bool


def open_vcf(path: str | Path):
    """Open ``path`` with cyvcf2; a missing, non-VCF or corrupt-gzip file is a VcfError."""
    import cyvcf2

    path = Path(path)
    if not path.exists():
        raise VcfError(f"{path}: VCF not found")
    with open(path, "rb") as handle:
        magic = handle.read(2)
    if path.suffix == ".gz" and magic != GZIP_MAGIC:
        raise VcfError(f"{path}: not a gzip/bgzip file although named .gz")
    if magic == GZIP_MAGIC:
        try:
            with gzip.open(path, "rb") as handle:
                handle.read(65536)
        except (OSError, EOFError, zlib.error) as err:
            raise VcfError(f"{path}: corrupt gzip data ({err})") from err
    try:
        return cyvcf2.VCF(str(path), lazy=True, threads=1)
    except Exception as err:  # cyvcf2 raises OSError/Exception without the file name
        raise VcfError(f"cannot read VCF {path}: {err}") from err


def choose_tumour_column(vcf, path, sample: str) -> tuple[int, str]:
    """The VCF sample named ``sample``; else the only sample; else ``##tumor_sample=``."""
    samples = list(vcf.samples)
    if sample in samples:
        return samples.index(sample), sample
    if len(samples) == 1:
        return 0, samples[0]
    match = TUMOR_SAMPLE_RE.search(vcf.raw_header)
    if match and match.group(1) in samples:
        return samples.index(match.group(1)), match.group(1)
    raise VcfError(f"{path}: tumour sample '{sample}' not found among VCF samples "
                   f"{samples or '(none: sites-only VCF)'} and no usable ##tumor_sample= header")


def _has(vcf, kind: str, name: str) -> bool:
    return any(h.type == kind and h.info().get("ID") == name for h in vcf.header_iter())


def _layout(vcf, path, needs: FieldNeeds) -> annotation.AnnotationLayout:
    tag = next((t for t in ANNOTATION_TAGS if _has(vcf, "INFO", t)), None)
    if tag is None:
        raise VcfError(f"{path}: no CSQ (VEP) or ANN (snpEff) INFO header; annotate the VCF "
                       "first (consequences are needed to select coding variants)")
    names = annotation.parse_format(vcf.get_header_type(tag)["Description"])
    try:
        return annotation.build_layout(tag, names, list(needs.population_fields),
                                       needs.cosmic_field)
    except KeyError as err:
        raise VcfError(f"{path}: INFO/{tag} header declares no '{err.args[0]}' sub-field "
                       f"(found {'|'.join(names)})") from err


def plan_reading(vcf, path, sample: str, needs: FieldNeeds) -> ReadPlan:
    """Check the header against the active filters and decide how each value is read."""
    column, name = choose_tumour_column(vcf, path, sample)
    layout = _layout(vcf, path, needs)
    has = {f: _has(vcf, "FORMAT", f) for f in ("AF", "AD", "DP")}
    if not any(has.values()):
        raise VcfError(f"{path}: FORMAT AD, DP and AF are all absent; cannot judge VAF or depth")
    problems = [(needs.vaf and not (has["AF"] or has["AD"]), "FORMAT/AF or FORMAT/AD", "--min-vaf/--max-vaf"),
                (needs.depth and not (has["DP"] or has["AD"]), "FORMAT/DP or FORMAT/AD", "--min-depth"),
                (needs.alt_reads and not has["AD"], "FORMAT/AD", "--min-alt")]
    for missing, field, option in problems:
        if missing:
            raise VcfError(f"{path}: {field} is needed by {option} but absent from the header "
                           f"(set {option} to disable that filter)")
    info_population = tuple(f for f in needs.population_fields
                            if f != CALLER_AF and _has(vcf, "INFO", f))
    if needs.population and not (layout.population or info_population):
        raise VcfError(f"{path}: no population frequency field ({', '.join(needs.population_fields)}) "
                       f"in INFO/{layout.tag} or INFO; INFO/AF is the caller's VAF and is never used "
                       "(use --max-pop-af 1 to disable the population filter)")
    info_cosmic = None
    if needs.cosmic_field and layout.cosmic is None:
        if not _has(vcf, "INFO", needs.cosmic_field):
            raise VcfError(f"{path}: COSMIC field '{needs.cosmic_field}' is neither an INFO/"
                           f"{layout.tag} sub-field nor an INFO field")
        info_cosmic = needs.cosmic_field
    return ReadPlan(str(path), column, name, layout, info_population, info_cosmic,
                    has["AF"], has["AD"], has["DP"])


def _format_row(record, field: str, column: int, present: bool) -> list[float] | None:
    """The tumour column's values of FORMAT ``field`` as floats; missing entries are NaN."""
    if not present:
        return None
    values = record.format(field)
    if values is None:
        return None
    row = values[column].tolist()
    if values.dtype.kind == "i":  # cyvcf2 missing / end-of-vector sentinels are negative
        return [math.nan if v < 0 else float(v) for v in row]
    # float32 noise removed: 0.1 not 0.1000000015 (NaN stays NaN)
    return [round(v, FLOAT32_DECIMALS) for v in row]


def _info_allele_value(record, field: str, i: int) -> float:
    value = record.INFO.get(field)
    if value is None:
        return math.nan
    if isinstance(value, tuple):
        value = value[i] if i < len(value) else None
    elif isinstance(value, str) and "," in value:
        parts = value.split(",")
        value = parts[i] if i < len(parts) else None
    if value is None:
        return math.nan
    return annotation.max_number(str(value)) if isinstance(value, str) else float(value)


def _sample_values(record, plan: ReadPlan, n_alt: int):
    """Per-ALT (depth, alt_reads, vaf, vaf_source) lists for the tumour column."""
    ad = _format_row(record, "AD", plan.column, plan.has_ad)
    dp = _format_row(record, "DP", plan.column, plan.has_dp)
    af = _format_row(record, "AF", plan.column, plan.has_af)
    ad_ok = ad is not None and len(ad) == n_alt + 1
    ad_total = math.fsum(ad) if ad_ok else math.nan  # NaN if any AD entry is missing
    depth = float(dp[0]) if dp is not None and len(dp) else math.nan
    if math.isnan(depth):
        depth = ad_total
    rows = []
    for i in range(n_alt):
        alt_reads = ad[i + 1] if ad_ok else math.nan
        vaf = af[i] if af is not None and i < len(af) else math.nan
        source = "FORMAT/AF"
        if math.isnan(vaf):
            vaf = alt_reads / ad_total if ad_ok and ad_total > 0 else math.nan
            source = "AD" if not math.isnan(vaf) else None
        rows.append((depth, alt_reads, vaf, source))
    return rows


def _record_rows(record, plan: ReadPlan) -> list[tuple]:
    alts, ref = record.ALT, record.REF
    keys = annotation.vep_allele_keys(ref, alts) if plan.layout.tag == "CSQ" else alts
    notes = annotation.summarise(record.INFO.get(plan.layout.tag), plan.layout, keys)
    filt = record.FILTER or "PASS"  # cyvcf2 gives None for PASS and '.'
    chrom, pos = record.CHROM, record.POS
    rows = []
    for i, (alt, note, values) in enumerate(zip(alts, notes, _sample_values(record, plan, len(alts)))):
        for field in plan.info_population:
            note.update_max("population_af", _info_allele_value(record, field, i))
        if plan.info_cosmic:
            note.update_max("cosmic_count", _info_allele_value(record, plan.info_cosmic, i))
        rows.append((chrom, pos, ref, alt, i + 1, filt, *values, note.population_af,
                     "&".join(sorted(note.consequences)) or None,
                     ",".join(sorted(note.genes)) or None, note.cosmic_count))
    return rows


ALLELE_COLUMNS = ["chrom", "pos", "ref", "alt", "allele_index", "filter", "depth", "alt_reads",
                  "vaf", "vaf_source", "population_af", "consequences", "genes", "cosmic_count"]


def iter_allele_chunks(vcf, plan: ReadPlan, chunk_records: int = CHUNK_RECORDS
                       ) -> Iterator[tuple[int, pd.DataFrame]]:
    """Yield ``(records_in_chunk, alleles)`` DataFrames with ALLELE_COLUMNS, in VCF order.

    At least one (possibly empty) chunk is yielded, so an empty VCF still gives a trace header.
    """
    rows, n_records, yielded = [], 0, False
    for record in _records(vcf, plan.path):
        rows.extend(_record_rows(record, plan))
        n_records += 1
        if n_records == chunk_records:
            yield n_records, pd.DataFrame(rows, columns=ALLELE_COLUMNS)
            rows, n_records, yielded = [], 0, True
    if n_records or not yielded:
        yield n_records, pd.DataFrame(rows, columns=ALLELE_COLUMNS)


def _records(vcf, path: str):
    """cyvcf2 records; htslib decoding errors (truncated/corrupt data) become a VcfError."""
    iterator = iter(vcf)
    while True:
        try:
            record = next(iterator)
        except StopIteration:
            return
        except Exception as err:  # cyvcf2 raises bare Exception/OSError without the file name
            raise VcfError(f"cannot read VCF {path}: {err}") from err
        yield record
