"""Reading VEP CSQ and snpEff ANN per allele: '&' splitting, transcripts, allele matching."""

import math

import pytest

from tests.unit import tmb_single_values as single
from tmb import annotation

POP = ["gnomADe_AF", "gnomADg_AF", "MAX_AF", "AF"]


def vep_layout(fields="Allele|Consequence|SYMBOL|gnomADe_AF|gnomADg_AF"):
    return annotation.build_layout("CSQ", fields.split("|"), POP, None)


def test_parse_format_vep_and_snpeff():
    vep = '"Consequence annotations from Ensembl VEP. Format: Allele|Consequence|SYMBOL"'
    snpeff = "\"Functional annotations: 'Allele | Annotation | Annotation_Impact | Gene_Name'\""
    assert annotation.parse_format(vep) == ["Allele", "Consequence", "SYMBOL"]
    assert annotation.parse_format(snpeff) == [
        "Allele",
        "Annotation",
        "Annotation_Impact",
        "Gene_Name",
    ]


def test_missing_consequence_subfield_is_reported():
    with pytest.raises(KeyError, match="Consequence"):
        annotation.build_layout("CSQ", ["Allele", "SYMBOL"], POP, None)


@pytest.mark.parametrize(
    "ref, alts, keys",
    [
        ("A", ["C"], ["C"]),  # SNV: as is
        ("AT", ["A"], ["-"]),  # deletion: shared first base trimmed, empty -> '-'
        ("A", ["AGG"], ["GG"]),  # insertion
        ("A", ["T", "AT"], ["T", "AT"]),  # mixed first bases: nothing trimmed
        ("AC", ["A", "ACC"], ["-", "CC"]),  # multi-allelic indels sharing the first base
    ],
)
def test_vep_allele_keys(ref, alts, keys):
    assert single.vep_allele_keys(ref, alts) == keys


def test_several_transcripts_and_ampersand_consequences():
    value = (
        "C|splice_region_variant&synonymous_variant|TP53|0.0001|,"
        "C|missense_variant|TP53||0.0002&0.004,"
        "C|intron_variant|WRAP53||"
    )
    (allele,) = single.summarise(value, vep_layout(), ["C"])
    assert allele.consequences == {
        "splice_region_variant",
        "synonymous_variant",
        "missense_variant",
        "intron_variant",
    }
    assert allele.genes == {"TP53", "WRAP53"}
    assert allele.population_af == pytest.approx(0.004)  # max over fields, transcripts and '&'


def test_multiallelic_entries_go_to_their_own_allele():
    value = "C|missense_variant|KRAS|0.5|,G|synonymous_variant|KRAS||"
    first, second = single.summarise(value, vep_layout(), ["C", "G"])
    assert first.consequences == {"missense_variant"} and first.population_af == 0.5
    assert second.consequences == {"synonymous_variant"} and math.isnan(second.population_af)


def test_allele_num_takes_precedence():
    layout = vep_layout("Allele|Consequence|ALLELE_NUM")
    first, second = single.summarise(
        "-|frameshift_variant|2,T|missense_variant|1", layout, ["T", "-"]
    )
    assert first.consequences == {"missense_variant"}
    assert second.consequences == {"frameshift_variant"}


def test_snpeff_entries():
    names = ["Allele", "Annotation", "Annotation_Impact", "Gene_Name"]
    layout = annotation.build_layout("ANN", names, POP, None)
    (allele,) = single.summarise("T|stop_gained&splice_region_variant|HIGH|MDM2", layout, ["T"])
    assert allele.consequences == {"stop_gained", "splice_region_variant"} and allele.genes == {
        "MDM2"
    }


def test_empty_annotation_gives_empty_alleles():
    (allele,) = single.summarise(None, vep_layout(), ["C"])
    assert allele.consequences == set() and math.isnan(allele.population_af)


def test_max_number_ignores_non_numeric_terms():
    assert single.max_number("0.1&.&0.3") == 0.3
    assert math.isnan(single.max_number("."))
