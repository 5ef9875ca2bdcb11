"""What the demo writes from the tumour variants (pure text and tables): the VEP-annotated
VCF of each tumour and the tumour-naive site list (ctdna_sites.tsv)."""

from __future__ import annotations

import pandas as pd

from stereosarc.demo.reference import HG38_LENGTHS

CSQ_FIELDS = (
    "Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|"
    "HGVSc|HGVSp|Existing_variation|gnomADe_AF|gnomADg_AF|MAX_AF|CANONICAL"
)


def vcf_header(sample: str) -> list[str]:
    """VCF 4.2 header: hg38 contigs with true lengths, FILTERs, VEP CSQ, FORMAT GT:AD:DP:AF."""
    lines = [
        "##fileformat=VCFv4.2",
        "##source=stereosarc-demo (synthetic)",
        "##reference=GRCh38",
        f"##tumor_sample={sample}",
        '##FILTER=<ID=PASS,Description="All filters passed">',
        '##FILTER=<ID=weak_evidence,Description="Mutation does not meet likelihood threshold">',
        '##FILTER=<ID=strand_bias,Description="Evidence for alt allele comes from one '
        'read direction only">',
        '##FILTER=<ID=clustered_events,Description="Clustered events observed in the tumor">',
    ]
    lines += [
        f"##contig=<ID={name},length={length},assembly=GRCh38>"
        for name, length in HG38_LENGTHS.items()
    ]
    lines += [
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths for the ref '
        'and alt alleles">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">',
        '##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fractions of alternate '
        'alleles in the tumor">',
        '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
        f'Ensembl VEP. Format: {CSQ_FIELDS}">',
        '##VEP="v110" cache="homo_sapiens/110_GRCh38" (synthetic annotation)',
        f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{sample}",
    ]
    return lines


def vcf_text(sample: str, variants: pd.DataFrame) -> str:
    """The whole VCF as text (records must already be sorted)."""
    lines = vcf_header(sample)
    for r in variants.itertuples(index=False):
        n_alt = r.alt.count(",") + 1
        genotype = "/".join(str(i) for i in range(n_alt + 1))
        lines.append(
            f"{r.chrom}\t{r.pos}\t.\t{r.ref}\t{r.alt}\t.\t{r.filter}\tCSQ={r.csq}\t"
            f"GT:AD:DP:AF\t{genotype}:{r.ad}:{r.dp}:{r.af}"
        )
    return "\n".join(lines) + "\n"


FIXED_LIST_TISSUE_PATIENTS = 3  # project choice: sites of 3 tissue patients act as absent hotspots


def fixed_site_list(patients: pd.DataFrame, by_patient: dict) -> pd.DataFrame:
    """The demo's tumour-naive site list (chrom, pos, ref, alt, gene), sorted and unique:
    every TP53 variant of the patients without a tumour block (only a fixed list can track
    them in plasma) and of the first FIXED_LIST_TISSUE_PATIENTS patients with one."""
    no_tissue = patients.loc[~patients["has_tissue"], "patient"].tolist()
    with_tissue = patients.loc[patients["has_tissue"], "patient"].tolist()
    chosen = no_tissue + with_tissue[:FIXED_LIST_TISSUE_PATIENTS]
    frames = [
        by_patient[p].loc[
            by_patient[p]["category"] == "tp53", ["chrom", "pos", "ref", "alt", "gene"]
        ]
        for p in chosen
    ]
    sites = pd.concat(frames, ignore_index=True).drop_duplicates()
    return sites.sort_values(["chrom", "pos", "ref", "alt"]).reset_index(drop=True)
