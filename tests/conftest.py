"""Shared test helpers: tiny VCF and BAM writers for fixtures generated in tmp_path, and the
demo cohorts that tests of several layers read (generated once per test session)."""

from __future__ import annotations

import resource
import shutil
from dataclasses import dataclass
from pathlib import Path

import pysam
import pytest

HG38_CHR17 = 83_257_441  # hg38 chr17 length (UCSC)

VEP_HEADER = (
    '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
    'Ensembl VEP. Format: Allele|Consequence|IMPACT|SYMBOL|gnomADe_AF">'
)


def write_vcf(
    path: Path,
    records: list[str],
    contig: str = "chr17",
    sample: str = "T1",
    annotation: str | None = VEP_HEADER,
    compress: bool = True,
) -> Path:
    """A small single-sample VCF; bgzipped and tabix-indexed when ``compress``."""
    header = [
        "##fileformat=VCFv4.2",
        f"##contig=<ID={contig},length={HG38_CHR17}>",
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
    ]
    if annotation:
        header.append(annotation)
    header.append(f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{sample}")
    text = "\n".join(header + records) + "\n"
    plain = path.with_suffix("") if compress and path.suffix == ".gz" else path
    plain.write_text(text)
    if compress:
        pysam.tabix_compress(str(plain), str(path), force=True)
        plain.unlink()
        pysam.tabix_index(str(path), preset="vcf", force=True)
    return path


def write_bam(path: Path, contig: str = "chr17", n_pairs: int = 4, index: bool = True) -> Path:
    """A coordinate-sorted paired-end BAM with a few pairs at chr17:7,675,000."""
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": contig, "LN": HG38_CHR17}]}
    with pysam.AlignmentFile(str(path), "wb", header=header) as bam:
        reads = []
        for i in range(n_pairs):
            for mate, start in ((1, 7_675_000 + i), (2, 7_675_060 + i)):
                read = pysam.AlignedSegment()
                read.query_name = f"pair{i}"
                read.query_sequence = "A" * 50
                read.flag = 99 if mate == 1 else 147
                read.reference_id = 0
                read.reference_start = start
                read.mapping_quality = 60
                read.cigarstring = "50M"
                read.next_reference_id = 0
                read.next_reference_start = 7_675_060 + i if mate == 1 else 7_675_000 + i
                read.template_length = 110 if mate == 1 else -110
                read.query_qualities = pysam.qualitystring_to_array("I" * 50)
                reads.append(read)
        for read in sorted(reads, key=lambda r: r.reference_start):
            bam.write(read)
    if index:
        pysam.index(str(path))
    return path


def require_tool(name: str) -> str:
    """Path of an independent tool, or skip with a clear message when it is absent."""
    found = shutil.which(name)
    if not found:
        pytest.skip(f"{name} is not installed (make test installs it from Debian)")
    return found


TINY_COHORT = ("--patients", "3", "--pon", "1")  # every stage's channels have a shape


@dataclass(frozen=True)
class GeneratedDemo:
    """A demo cohort folder and the CPU seconds (user + system) its generator used."""

    folder: Path
    cpu_seconds: float


def _generate(folder: Path, *options: str) -> GeneratedDemo:
    from tests.pipeline.nf import generate_demo

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    generate_demo(folder, *options)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return GeneratedDemo(folder, cpu)


@pytest.fixture(scope="session")
def tiny_demo(tmp_path_factory) -> Path:
    """A 3-patient demo cohort with 1 PoN (stub runs, fault runs, CLI write audit); read-only."""
    return _generate(tmp_path_factory.mktemp("tiny_demo") / "demo_data", *TINY_COHORT).folder


@pytest.fixture(scope="session")
def full_demo(tmp_path_factory) -> GeneratedDemo:
    """The default demo cohort (103 patients, 8 PoN, seed 20240601), generated once per session
    with its generator's CPU time; read-only (a test that changes a file works on a copy)."""
    return _generate(tmp_path_factory.mktemp("full_demo") / "demo_data")
