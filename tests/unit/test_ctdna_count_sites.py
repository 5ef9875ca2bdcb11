"""Site selection from tumour VCFs and targets BED (ctdna.sites, ctdna.io readers)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ctdna import io, sites
from ctdna.exceptions import ContigMismatchError, CtdnaInputError
from stereosarc import genomics
from tests.unit.test_ctdna_count_fixtures import write_tumour_vcf


@pytest.mark.parametrize(
    "ref, alt, expected",
    [
        ("C", "T", ("C", "T", "snv")),
        ("CTA", "C", ("CTA", "C", "deletion")),
        ("C", "CGT", ("C", "CGT", "insertion")),
        ("CTT", "CT", ("CT", "C", "deletion")),  # multi-allelic padding trimmed
        ("CT", "GA", ("CT", "GA", None)),  # MNV
        ("CT", "G", ("CT", "G", None)),  # complex
        ("C", "<DEL>", ("C", "<DEL>", None)),
        ("C", "*", ("C", "*", None)),
        ("C", "C", ("C", "C", None)),
    ],
)
def test_classify_alleles(ref, alt, expected):
    assert sites.classify_alleles(ref, alt) == expected


def test_alternate_contig_names():
    assert genomics.alternate_name("17") == "chr17"
    assert genomics.alternate_name("chr17") == "17"
    assert genomics.alternate_name("MT") == "chrM"


def test_contig_mismatch_is_refused():
    with pytest.raises(ContigMismatchError, match="'17'.*'chr17'"):
        sites.check_contig_naming({"17"}, {"chr17", "chr1"}, "VCF", "BAM")
    sites.check_contig_naming({"chr17", "17"}, {"chr17"}, "VCF", "BAM")  # some match: no error


def _targets():
    return pd.DataFrame(
        {
            "chrom": ["chr17", "chr17"],
            "start": [100, 500],
            "end": [200, 600],
            "gene": ["TP53", None],
            "_row": [1, 2],
        }
    )


def test_select_sites_keeps_pass_in_targets_and_rejects_complex():
    variants = pd.DataFrame(
        {
            "chrom": "chr17",
            "pos": [100, 101, 200, 201, 150, 550, 160],
            "ref": ["A", "C", "G", "T", "C", "CA", "CT"],
            "alt": ["T", "T", "A", "G", "T", "C", "GA"],
            "filter_pass": [True, True, True, True, False, True, True],
            "tissue_vaf": [0.1, 0.2, 0.3, 0.4, 0.5, math.nan, 0.7],
            "_row": range(1, 8),
        }
    )
    found, rejects, counts = sites.select_sites(variants, _targets(), "T1", "t.vcf.gz")
    # BED [100, 200) holds 1-based 101..200; pos 100 and 201 are outside
    assert found["pos"].tolist() == [101, 200, 550]
    assert found["variant_type"].tolist() == ["snv", "snv", "deletion"]
    assert found["gene"].tolist() == ["TP53", "TP53", None]
    assert found["vcf_row"].tolist() == [2, 3, 6]
    assert len(rejects) == 1 and rejects[0]["row"] == 7 and rejects[0]["column"] == "ALT"
    assert counts == {
        "records": 7,
        "not_pass": 1,
        "outside_targets": 2,
        "unsupported": 1,
        "repeated": 0,
        "sites": 3,
    }


def test_repeated_record_counted_once_with_a_reject():
    variants = pd.DataFrame(
        {
            "chrom": "chr17",
            "pos": [150, 150],
            "ref": "C",
            "alt": "T",
            "filter_pass": True,
            "tissue_vaf": 0.2,
            "_row": [1, 2],
        }
    )
    found, rejects, counts = sites.select_sites(variants, _targets(), "T1", "t.vcf.gz")
    assert len(found) == 1 and counts["repeated"] == 1
    assert rejects[0]["row"] == 2 and "repeats" in rejects[0]["detail"]


def test_select_sites_refuses_vcf_bed_naming_mismatch():
    variants = pd.DataFrame(
        {
            "chrom": ["17"],
            "pos": [150],
            "ref": ["A"],
            "alt": ["T"],
            "filter_pass": [True],
            "tissue_vaf": [0.1],
            "_row": [1],
        }
    )
    with pytest.raises(ContigMismatchError, match="targets BED"):
        sites.select_sites(variants, _targets(), "T1", "t.vcf.gz")


def test_read_tumour_vcf_af_then_ad_and_filters(tmp_path):
    vcf = write_tumour_vcf(
        tmp_path / "t.vcf.gz",
        [
            (150, "C", "T", "PASS", 0.25),
            (160, "G", "A", "PASS", None),
            (170, "G", "A,C", "PASS", None),
            (180, "T", "A", "LowQual", 0.5),
        ],
    )
    frame = io.read_tumour_vcf(vcf, "T1")
    assert frame["pos"].tolist() == [150, 160, 170, 170, 180]
    assert frame["alt"].tolist() == ["T", "A", "A", "C", "A"]
    assert frame["filter_pass"].tolist() == [True, True, True, True, False]
    # AF 0.25; AD 60,40 -> 40/100; AD 60,40,40 -> 40/140 each
    assert frame["tissue_vaf"].tolist() == pytest.approx([0.25, 0.4, 40 / 140, 40 / 140, 0.5])
    assert frame["_row"].tolist() == [1, 2, 3, 3, 4]


def test_read_tumour_vcf_ambiguous_sample_is_refused(tmp_path):
    path = tmp_path / "two.vcf"
    path.write_text(
        "##fileformat=VCFv4.2\n##contig=<ID=chr17,length=1000>\n"
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="GT">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\n"
        "chr17\t10\t.\tC\tT\t.\tPASS\t.\tGT\t0/1\t0/0\n"
    )
    with pytest.raises(CtdnaInputError, match="cannot tell the tumour sample"):
        io.read_tumour_vcf(path, "T1")
    assert io.read_tumour_vcf(path, "A")["pos"].tolist() == [10]


def test_read_targets_header_gene_and_errors(tmp_path):
    bed = tmp_path / "t.bed"
    bed.write_text("track name=x\n#c\ts\te\nchr17\t10\t20\tTP53\nchr17\t30\t40\n")
    targets = io.read_targets(bed)
    assert targets[["start", "end"]].values.tolist() == [[10, 20], [30, 40]]
    assert targets["gene"].tolist() == ["TP53", None]
    assert targets["_row"].tolist() == [3, 4]
    bed.write_text("chr17\t10\t20\tTP53\nchr17\tx\t40\n")
    with pytest.raises(CtdnaInputError, match="t.bed row 2, column start/end"):
        io.read_targets(bed)
    bed.write_text("chr17\t50\t40\n")
    with pytest.raises(CtdnaInputError, match="row 1, column end"):
        io.read_targets(bed)


@pytest.mark.parametrize("value", ["T1", "=x.vcf", "bad id=x.vcf", "T1="])
def test_parse_tumour_arg_refuses_malformed(value):
    with pytest.raises(CtdnaInputError):
        io.parse_tumour_arg(value)


def test_merge_sites_sorted_and_empty():
    assert sites.merge_sites([]).columns.tolist() == sites.SITE_COLUMNS
    frame = pd.DataFrame(
        [
            ["T2", "chr17", 5, "A", "C", "snv", "G", 0.1, "b.vcf", 1],
            ["T1", "chr17", 5, "A", "C", "snv", "G", 0.2, "a.vcf", 1],
            ["T1", "chr17", 2, "A", "G", "snv", "G", 0.3, "a.vcf", 2],
        ],
        columns=sites.SITE_COLUMNS,
    )
    merged = sites.merge_sites([frame])
    assert merged[["pos", "tumour_sample"]].values.tolist() == [[2, "T1"], [5, "T1"], [5, "T2"]]
