"""Generate a VEP-annotated single-sample somatic VCF of N records for the TMB benchmark.

Deterministic (seeded). Records are spread over chr1..chr22 in sorted order; ~40 % fall in a
panel BED written beside it (--bed), with a mix of FILTER, depths, VAFs, consequences and gnomAD
frequencies so every filter does work. Usage:
    python make_vcf.py --records 1000000 --out bench.vcf.gz --bed panel.bed [--seed 20240601]
"""

from __future__ import annotations

import argparse
import subprocess

import numpy as np

CONTIG_LENGTH = 10_000_000  # synthetic contig length (bp)
CONTIGS = [f"chr{i}" for i in range(1, 23)]
CSQ_FORMAT = "Allele|Consequence|IMPACT|SYMBOL|Feature|BIOTYPE|gnomADe_AF|gnomADg_AF|MAX_AF"
CONSEQUENCES = [
    "missense_variant",
    "synonymous_variant",
    "intron_variant",
    "stop_gained&splice_region_variant",
    "frameshift_variant",
    "3_prime_UTR_variant",
]


def header() -> str:
    lines = [
        "##fileformat=VCFv4.2",
        '##FILTER=<ID=PASS,Description="All filters passed">',
        '##FILTER=<ID=weak_evidence,Description="Mutect2 weak evidence">',
    ]
    lines += [f"##contig=<ID={c},length={CONTIG_LENGTH}>" for c in CONTIGS]
    lines += [
        '##INFO=<ID=AF,Number=A,Type=Float,Description="Caller allele frequency">',
        '##INFO=<ID=gnomADe_AF,Number=A,Type=Float,Description="gnomAD exomes AF (copy of '
        'the CSQ value, for tools that cannot read CSQ)">',
        '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
        f'Ensembl VEP. Format: {CSQ_FORMAT}">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">',
        '##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fractions">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOUR",
    ]
    return "\n".join(lines) + "\n"


def write(records: int, out: str, bed: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    per_contig = records // len(CONTIGS) + 1
    with open(bed, "w") as handle:  # 100 targets of 2 kb per contig, in its first 4 Mb
        for chrom in CONTIGS:
            for start in range(0, 4_000_000, 40_000):
                handle.write(f"{chrom}\t{start}\t{start + 2_000}\n")
    plain = out.removesuffix(".gz")
    written = 0
    with open(plain, "w") as vcf:
        vcf.write(header())
        for chrom in CONTIGS:
            n = min(per_contig, records - written)
            if n <= 0:
                break
            in_panel = rng.random(n) < 0.4
            target = rng.integers(0, 100, n) * 40_000 + rng.integers(0, 2_000, n)
            pos = np.sort(np.where(in_panel, target, rng.integers(0, CONTIG_LENGTH, n)) + 1)
            depth = rng.integers(20, 400, n)
            alt = np.minimum(rng.binomial(depth, rng.choice([0.02, 0.1, 0.3, 0.5], n)), depth)
            for i in range(n):
                cons = CONSEQUENCES[i % len(CONSEQUENCES)]
                gnomad = rng.choice(["", "", "0.0001", "0.02"])
                csq = ",".join(
                    f"T|{cons}|MODERATE|GENE{i % 500}|ENST{i}{t}|protein_coding|{gnomad}||"
                    for t in range(2)
                )
                filt = "PASS" if i % 7 else "weak_evidence"
                vaf = round(alt[i] / depth[i], 4)
                info = f"AF={vaf};" + (f"gnomADe_AF={gnomad};" if gnomad else "") + f"CSQ={csq}"
                vcf.write(
                    f"{chrom}\t{pos[i]}\t.\tC\tT\t.\t{filt}\t{info}\tGT:AD:DP:AF\t"
                    f"0/1:{depth[i] - alt[i]},{alt[i]}:{depth[i]}:{vaf}\n"
                )
            written += n
    if out.endswith(".gz"):
        subprocess.run(["bgzip", "-f", plain], check=True)
        subprocess.run(["tabix", "-f", "-p", "vcf", out], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--out", required=True)
    parser.add_argument("--bed", required=True)
    parser.add_argument("--seed", type=int, default=20240601)  # project default seed
    args = parser.parse_args()
    write(args.records, args.out, args.bed, args.seed)


if __name__ == "__main__":
    main()
