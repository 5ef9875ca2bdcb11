"""VCF reading edge cases on tiny generated VCFs; each count derived by hand in the comment."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.unit.test_tmb_fixtures import csq, record, write_vcf
from tmb import vcf_io
from tmb.exceptions import VcfError
from tmb.filters import ChunkMemory, FilterSettings, judge_alleles, trace_frame
from tmb.regions import RegionIndex

PANEL = RegionIndex.build(pd.DataFrame([("chr1", 0, 100_000)], columns=["chrom", "start", "end"]))
POP = ("gnomADe_AF", "gnomADg_AF", "gnomAD_AF", "MAX_AF", "AF")


def needs(**kw):
    base = dict(
        vaf=True,
        depth=True,
        alt_reads=True,
        population=True,
        population_fields=POP,
        cosmic_field=None,
    )
    return vcf_io.FieldNeeds(**{**base, **kw})


def trace_of(path, sample="T1", settings=None, chunk=2, **kw):
    vcf = vcf_io.open_vcf(path)
    plan = vcf_io.plan_reading(vcf, path, sample, needs(**kw))
    seen, parts = ChunkMemory(), []
    for _, alleles in vcf_io.iter_allele_chunks(vcf, plan, chunk):
        parts.append(
            trace_frame(judge_alleles(alleles, settings or FilterSettings(), PANEL, memory=seen))
        )
    return pd.concat(parts, ignore_index=True), plan


def test_vep_multiallelic_each_alt_judged_alone(tmp_path):
    info = "CSQ=" + ",".join(
        [
            csq("C", "missense_variant"),
            csq("G", "synonymous_variant"),
            csq("T", "stop_gained", gnomade="0.01"),
        ]
    )
    path = write_vcf(
        tmp_path / "multiallelic.vcf",
        [record(100, "A", "C,G,T", info, sample="0/1:70,10,10,10:100:0.1,0.1,0.1")],
    )
    trace, _ = trace_of(path)
    # C missense counted; G synonymous not; T stop_gained but gnomADe 0.01 > 0.001
    assert trace["counted"].tolist() == [1, 0, 0]
    assert trace["reason"].tolist() == [
        "counted",
        "consequence_not_counted",
        "population_af_above_max",
    ]


def test_several_transcripts_any_nonsynonymous_counts(tmp_path):
    info = "CSQ=" + ",".join(
        [
            csq("C", "intron_variant", feature="T1"),
            csq("C", "splice_region_variant&missense_variant", feature="T2"),
        ]
    )
    trace, _ = trace_of(write_vcf(tmp_path / "transcripts.vcf", [record(100, "A", "C", info)]))
    assert trace["counted"].tolist() == [1]


def test_vep_indel_allele_matching(tmp_path):
    records = [
        record(200, "AT", "A", "CSQ=" + csq("-", "frameshift_variant")),
        record(300, "A", "AGG", "CSQ=" + csq("GG", "inframe_insertion")),
    ]
    trace, _ = trace_of(write_vcf(tmp_path / "indels.vcf", records))
    assert trace["counted"].tolist() == [1, 1]


def test_snpeff_ann_with_info_population_field(tmp_path):
    extra = ['##INFO=<ID=gnomAD_AF,Number=A,Type=Float,Description="gnomAD AF">']
    records = [
        record(
            100, "A", "C", "ANN=C|missense_variant|MODERATE|TP53|g|transcript|t;gnomAD_AF=0.002"
        ),
        record(200, "G", "T", "ANN=T|stop_gained&splice_region_variant|HIGH|TP53|g|transcript|t"),
        record(300, "G", "A", "ANN=A|synonymous_variant|LOW|TP53|g|transcript|t"),
    ]
    path = write_vcf(tmp_path / "snpeff.vcf", records, annotation="ANN", extra=extra)
    trace, plan = trace_of(path)
    assert plan.layout.tag == "ANN"
    # 100: gnomAD 0.002 > 0.001; 200: stop_gained (after '&' split), no AF = 0 -> counted;
    # 300 synonymous
    assert trace["counted"].tolist() == [0, 1, 0]


def test_info_af_is_never_a_population_frequency(tmp_path):
    line = record(100, "A", "C", "AF=0.4;CSQ=" + csq("C", "missense_variant"))
    path = write_vcf(tmp_path / "info_af.vcf", [line])
    trace, _ = trace_of(path)
    assert trace["counted"].tolist() == [1]  # INFO/AF 0.4 ignored; CSQ gnomAD fields empty = 0


def test_tumour_normal_vcf_uses_the_named_sample(tmp_path):
    info = "CSQ=" + csq("C", "missense_variant")
    line = record(100, "A", "C", info, sample="0/0:100,0:100:0\t0/1:80,20:100:0.2")
    path = write_vcf(tmp_path / "tumour_normal.vcf", [line], samples=("N1", "T1"))
    trace, plan = trace_of(path, sample="T1")
    assert plan.sample_name == "T1" and trace["vaf"].tolist() == [0.2]
    assert trace["counted"].tolist() == [1]


def test_tumor_sample_header_when_names_differ(tmp_path):
    line = record(
        100,
        "A",
        "C",
        "CSQ=" + csq("C", "missense_variant"),
        sample="0/0:100,0:100:0\t0/1:80,20:100:0.2",
    )
    path = write_vcf(
        tmp_path / "header.vcf",
        [line],
        samples=("NORMAL", "TUMOR"),
        extra=["##tumor_sample=TUMOR", "##normal_sample=NORMAL"],
    )
    _, plan = trace_of(path, sample="S9")
    assert plan.sample_name == "TUMOR"


def test_sample_not_found_is_an_error(tmp_path):
    path = write_vcf(tmp_path / "two.vcf", [], samples=("A", "B"))
    with pytest.raises(VcfError, match="two.vcf: tumour sample 'T1' not found"):
        trace_of(path)


def test_vaf_and_depth_fall_back_to_ad(tmp_path):
    line = (
        "chr1\t100\t.\tA\tC,G\t.\tPASS\tCSQ="
        + csq("C", "missense_variant")
        + ","
        + csq("G", "missense_variant")
        + "\tGT:AD\t0/1:60,30,2"
    )
    path = write_vcf(tmp_path / "no_af_dp.vcf", [line], formats=("GT", "AD"))
    trace, _ = trace_of(path)
    # depth = 60+30+2 = 92; C: 30/92 = 0.326 counted; G: 2 reads < 3 and 2/92 = 0.0217 < 0.05
    assert trace["depth"].tolist() == [92, 92]
    assert trace["vaf"].tolist() == pytest.approx([30 / 92, 2 / 92])
    assert trace["vaf_source"].tolist() == ["AD", "AD"]
    assert trace["counted"].tolist() == [1, 0]


def test_missing_fields_needed_by_active_filters(tmp_path):
    no_format = write_vcf(tmp_path / "no_ad_dp_af.vcf", [], formats=("GT",))
    with pytest.raises(VcfError, match="AD, DP and AF are all absent"):
        trace_of(no_format)
    only_af = write_vcf(tmp_path / "no_ad_field.vcf", [], formats=("GT", "AF", "DP"))
    with pytest.raises(VcfError, match="FORMAT/AD is needed by --min-alt"):
        trace_of(only_af)
    trace_of(only_af, alt_reads=False)  # that filter switched off: fine


def test_no_population_field_is_an_error(tmp_path):
    path = write_vcf(tmp_path / "no_pop.vcf", [], annotation="ANN")
    with pytest.raises(VcfError, match="no population frequency field"):
        trace_of(path)
    trace_of(path, population=False)


def test_no_annotation_header_is_an_error(tmp_path):
    path = write_vcf(tmp_path / "no_csq.vcf", [], annotation=None)
    with pytest.raises(VcfError, match="no_csq.vcf: no CSQ \\(VEP\\) or ANN"):
        trace_of(path)


def test_corrupt_gzip_is_an_error(tmp_path):
    path = tmp_path / "corrupt.vcf.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00garbage-not-deflate")
    with pytest.raises(VcfError, match="corrupt.vcf.gz"):
        vcf_io.open_vcf(path)
    plain = tmp_path / "named.vcf.gz"
    plain.write_text("##fileformat=VCFv4.2\n")
    with pytest.raises(VcfError, match="not a gzip"):
        vcf_io.open_vcf(plain)


def test_corruption_after_the_first_blocks_is_an_error_naming_the_file(tmp_path):
    import random

    import pysam

    rng = random.Random(20240601)  # seeded filler so the file does not compress to one block
    lines = [
        record(
            100 + i,
            "A",
            "C",
            "CSQ=" + csq("C", "missense_variant", gene=f"G{rng.randrange(10**8):08d}"),
        )
        for i in range(4000)
    ]
    plain = write_vcf(tmp_path / "big.vcf", lines)
    pysam.tabix_compress(str(plain), str(tmp_path / "big.vcf.gz"), force=True)
    whole = (tmp_path / "big.vcf.gz").read_bytes()
    cut = tmp_path / "cut.vcf.gz"
    cut.write_bytes(whole[: int(len(whole) * 0.8)])
    with pytest.raises(VcfError, match="cannot read VCF .*cut.vcf.gz"):
        trace_of(cut, chunk=1000)


def test_malformed_lines_are_errors_naming_file_line_and_column(tmp_path):
    good = record(100, "A", "C", "CSQ=" + csq("C", "missense_variant"))
    short = "chr1\t200\t.\tA\tC\t.\tPASS\t."  # 8 columns in a one-sample VCF
    path = write_vcf(tmp_path / "short_line.vcf", [good, short])  # 12 header lines, then 13, 14
    with pytest.raises(
        VcfError,
        match=r"short_line.vcf line 14: expected 10 tab-separated "
        r"columns, found 8",
    ):
        trace_of(path)
    bad_ad = record(
        300, "A", "C", "CSQ=" + csq("C", "missense_variant"), sample="0/1:90,x:100:0.1"
    )
    path = write_vcf(tmp_path / "bad_ad.vcf", [good, good, bad_ad])
    with pytest.raises(
        VcfError, match=r"bad_ad.vcf line 15, column FORMAT/AD: 'x' is not an integer"
    ):
        trace_of(path)
    bad_pos = record(0, "A", "C", "CSQ=" + csq("C", "missense_variant"))
    with pytest.raises(VcfError, match=r"pos0.vcf line 13, column POS"):
        trace_of(write_vcf(tmp_path / "pos0.vcf", [bad_pos]))


def test_blank_lines_and_crlf_line_ends(tmp_path):
    lines = [
        record(100, "A", "C", "CSQ=" + csq("C", "missense_variant")),
        "",
        record(200, "A", "C", "CSQ=" + csq("C", "missense_variant"), sample="0/1:90,10:100:."),
    ]
    path = write_vcf(tmp_path / "blank.vcf", lines)
    crlf = tmp_path / "crlf.vcf"
    crlf.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    for vcf in (path, crlf):
        trace, _ = trace_of(vcf)
        # blank line skipped; the CR is not part of the sample column: AF '.' -> AD 10/100
        assert trace["pos"].tolist() == [100, 200] and trace["counted"].tolist() == [1, 1]
        assert trace["vaf"].tolist() == [0.1, 0.1] and trace["vaf_source"].tolist()[1] == "AD"


def test_plain_gzip_bgzip_and_bcf_read_the_same_through_htslib(tmp_path):
    """One reader (htslib) for plain, bgzipped (several BGZF blocks), plain-gzipped VCF and
    its BCF twin (written by bcftools view -Ob, an independent writer)."""
    import gzip
    import subprocess

    import pysam

    from tests.conftest import require_tool

    lines = [
        record(
            100 + 7 * i,
            "A",
            "C,G",
            "CSQ=" + csq("C", "missense_variant") + "," + csq("G", "synonymous_variant"),
            sample="0/1:60,20,20:100:0.2,0.2",
        )
        for i in range(3000)
    ]  # > 64 kB: several BGZF blocks
    plain = write_vcf(tmp_path / "many.vcf", lines)
    pysam.tabix_compress(str(plain), str(tmp_path / "many.vcf.gz"), force=True)
    (tmp_path / "gzip.vcf.gz").write_bytes(gzip.compress(plain.read_bytes()))
    subprocess.run(
        [require_tool("bcftools"), "view", "-Ob", "-o", str(tmp_path / "many.bcf"), str(plain)],
        check=True,
    )
    expected, _ = trace_of(plain, chunk=1000)
    assert expected["counted"].tolist() == [1, 0] * 3000  # C missense, G synonymous
    for name in ("many.vcf.gz", "gzip.vcf.gz", "many.bcf"):
        trace, _ = trace_of(tmp_path / name, chunk=1000)
        pd.testing.assert_frame_equal(trace, expected)


def test_format_key_order_is_read_per_record(tmp_path):
    info = "CSQ=" + csq("C", "missense_variant")
    lines = [
        record(100, "A", "C", info),
        f"chr1\t200\t.\tA\tC\t.\tPASS\t{info}\tDP:AF:GT:AD\t100:0.3:0/1:70,30",
        f"chr1\t300\t.\tA\tC\t.\tPASS\t{info}\tAD:DP\t97,3:40",
    ]  # no AF: 3/100
    trace, _ = trace_of(write_vcf(tmp_path / "orders.vcf", lines))
    assert trace["vaf"].tolist() == [0.1, 0.3, 0.03]
    assert trace["depth"].tolist() == [100, 100, 40]
    assert trace["alt_reads"].tolist() == [10, 30, 3]
    # 300: VAF 0.03 < 0.05 and depth 40 < 50
    assert trace["counted"].tolist() == [1, 1, 0]


def test_prefetch_thread_stops_with_its_consumer_and_hands_errors_over():
    import time

    def numbers():
        yield from range(10)

    ahead = vcf_io.prefetched(numbers())
    assert next(ahead) == 0
    time.sleep(0.3)  # the producer fills the queue and waits
    ahead.close()  # must return, not wait for the producer forever

    def failing():
        yield 1
        raise ValueError("inflate failed")

    with pytest.raises(ValueError, match="inflate failed"):
        list(vcf_io.prefetched(failing()))
