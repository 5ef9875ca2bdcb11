"""Tiny VCF/BED writers shared by the tmb tests (and a check that they produce what they say)."""

from __future__ import annotations

from pathlib import Path

import cyvcf2

VEP_FIELDS = "Allele|Consequence|IMPACT|SYMBOL|Feature|gnomADe_AF|gnomADg_AF|MAX_AF"
SNPEFF_DESC = (
    "Functional annotations: 'Allele | Annotation | Annotation_Impact | Gene_Name | "
    "Gene_ID | Feature_Type | Feature_ID'"
)
FORMAT_LINES = {
    "GT": '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    "AD": '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">',
    "DP": '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
    "AF": '##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fraction">',
}


def vcf_header(
    samples=("T1",),
    annotation="CSQ",
    formats=("GT", "AD", "DP", "AF"),
    extra=(),
    contigs=("chr1", "chr2"),
) -> list[str]:
    lines = [
        "##fileformat=VCFv4.2",
        '##FILTER=<ID=PASS,Description="All filters passed">',
        '##FILTER=<ID=LowQual,Description="Low quality">',
    ]
    lines += [f"##contig=<ID={c},length=1000000>" for c in contigs]
    lines.append('##INFO=<ID=AF,Number=A,Type=Float,Description="Caller allele frequency">')
    if annotation == "CSQ":
        lines.append(
            '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations '
            f'from Ensembl VEP. Format: {VEP_FIELDS}">'
        )
    elif annotation == "ANN":
        lines.append(f'##INFO=<ID=ANN,Number=.,Type=String,Description="{SNPEFF_DESC}">')
    lines += [FORMAT_LINES[f] for f in formats] + list(extra)
    lines.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(samples))
    return lines


def write_vcf(path: Path, records: list[str], **header) -> Path:
    """A plain-text VCF with the given records (tab-separated strings)."""
    path.write_text("\n".join(vcf_header(**header) + list(records)) + "\n")
    return path


def write_bed(path: Path, rows: list[tuple]) -> Path:
    path.write_text("".join("\t".join(str(v) for v in row) + "\n" for row in rows))
    return path


def csq(
    allele: str,
    consequence: str,
    gene: str = "TP53",
    gnomade: str = "",
    gnomadg: str = "",
    max_af: str = "",
    feature: str = "ENST1",
) -> str:
    return f"{allele}|{consequence}|MODERATE|{gene}|{feature}|{gnomade}|{gnomadg}|{max_af}"


def record(
    pos: int,
    ref: str,
    alt: str,
    info: str,
    sample: str = "0/1:90,10:100:0.1",
    chrom: str = "chr1",
    filt: str = "PASS",
) -> str:
    return f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t.\t{filt}\t{info}\tGT:AD:DP:AF\t{sample}"


def test_written_vcf_is_readable(tmp_path):
    path = write_vcf(
        tmp_path / "one.vcf", [record(100, "A", "C", "CSQ=" + csq("C", "missense_variant"))]
    )
    variants = list(cyvcf2.VCF(str(path)))
    assert len(variants) == 1 and variants[0].POS == 100 and variants[0].ALT == ["C"]
