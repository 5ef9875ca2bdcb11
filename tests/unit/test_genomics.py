"""stereosarc.genomics: one BED interval rule, contig naming, the tumour column of a VCF."""

from __future__ import annotations

import gzip

import pytest

from stereosarc import genomics
from stereosarc.errors import InputError


def _bed(tmp_path, text: str, name: str = "panel.bed"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_bed_skips_headers_and_keeps_names_and_lines(tmp_path):
    path = _bed(tmp_path, "track name=x\n#c\nbrowser p\n\n1\t10\t20\tTP53\n1\t30\t31\n")
    assert genomics.read_bed(path) == [
        genomics.BedInterval("1", 10, 20, "TP53", 5),
        genomics.BedInterval("1", 30, 31, None, 6),
    ]


def test_gzipped_bed_is_read(tmp_path):
    path = tmp_path / "targets.bed.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("chr17\t7668401\t7687490\tTP53\n")
    assert genomics.read_bed(path)[0].end == 7687490


def test_zero_length_interval_is_refused_with_file_and_line(tmp_path):
    path = _bed(tmp_path, "1\t10\t20\n1\t30\t30\n")
    with pytest.raises(genomics.BedError, match=r"panel\.bed row 2, column end: interval 30-30"):
        genomics.read_bed(path)


@pytest.mark.parametrize("line", ["1\t20\t10", "1\t-1\t10"])
def test_reversed_or_negative_interval_is_refused(tmp_path, line):
    with pytest.raises(genomics.BedError, match="row 1, column end"):
        genomics.read_bed(_bed(tmp_path, line + "\n"))


@pytest.mark.parametrize(
    "text, message",
    [("1\t10\n", "at least 3"), ("1\tten\t20\n", "not integers"), ("#only\n", "no intervals")],
)
def test_malformed_bed_lines_name_the_problem(tmp_path, text, message):
    with pytest.raises(genomics.BedError, match=message):
        genomics.read_bed(_bed(tmp_path, text))


def test_missing_bed_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="targets BED file not found"):
        genomics.read_bed(tmp_path / "nope.bed", "targets BED")


@pytest.mark.parametrize(
    "contig, other", [("17", "chr17"), ("chr17", "17"), ("MT", "chrM"), ("chrM", "MT")]
)
def test_alternate_contig_names(contig, other):
    assert genomics.alternate_name(contig) == other


def test_contig_in_naming_of_a_reference():
    assert genomics.in_naming_of("chr7", chr_prefixed=False) == "7"
    assert genomics.in_naming_of("7", chr_prefixed=False) == "7"
    assert genomics.in_naming_of("MT", chr_prefixed=True) == "chrM"
    assert genomics.uses_chr_prefix(["chr1", "chr2"]) and not genomics.uses_chr_prefix(["1"])


def test_naming_mismatch_only_when_nothing_shared():
    assert genomics.naming_mismatch({"17"}, {"chr17", "chr1"})
    assert not genomics.naming_mismatch({"17", "chr17"}, {"chr17"})
    assert not genomics.naming_mismatch({"GL000220.1"}, {"chr1"})  # unrelated, not renaming
    assert not genomics.naming_mismatch(set(), {"chr1"})


MUTECT_HEADER = "##fileformat=VCFv4.2\n##tumor_sample=T1\n##normal_sample=N1\n"


def test_named_tumour_wins_over_header():
    assert genomics.tumour_column(["N1", "T1", "T2"], MUTECT_HEADER, "T2") == 2


def test_single_sample_is_the_tumour_whatever_its_name():
    assert genomics.tumour_column(["whatever"], MUTECT_HEADER, "T9") == 0


def test_tumor_sample_header_picks_the_column():
    assert genomics.tumour_column(["N1", "T1"], MUTECT_HEADER, "P01-T") == 1


def test_two_tumor_sample_headers_are_refused_not_first_taken():
    """The disagreement case: ctdna took the first ##tumor_sample, tmb refused; now refused."""
    header = MUTECT_HEADER + "##tumor_sample=T2\n"
    with pytest.raises(genomics.TumourColumnError, match="no single ##tumor_sample"):
        genomics.tumour_column(["N1", "T1", "T2"], header, "P01-T")


def test_strelka_tumor_column_is_the_fallback():
    """The other disagreement case: tmb fell back to TUMOR, ctdna refused; now TUMOR."""
    assert genomics.tumour_column(["NORMAL", "TUMOR"], "##fileformat=VCFv4.1\n", "P01-T") == 1


def test_header_naming_an_absent_sample_is_ignored():
    header = "##tumor_sample=GONE\n"
    with pytest.raises(genomics.TumourColumnError, match=r"\['N1', 'X'\]"):
        genomics.tumour_column(["N1", "X"], header, "P01-T")


def test_sites_only_vcf_has_no_tumour_column():
    assert genomics.tumour_column([], MUTECT_HEADER, "T1") is None


def test_tmb_and_ctdna_readers_apply_the_one_interval_rule(tmp_path):
    """tmb used to accept end == start (a zero-base interval); both now refuse it."""
    from ctdna import io as ctdna_io
    from ctdna.exceptions import CtdnaInputError
    from tmb import io as tmb_io
    from tmb.exceptions import RegionError

    path = _bed(tmp_path, "chr1\t100\t200\tTP53\nchr1\t300\t300\tMDM2\n")
    with pytest.raises(RegionError, match="row 2, column end: interval 300-300"):
        tmb_io.read_bed(path, "panel BED")
    with pytest.raises(CtdnaInputError, match="row 2, column end: interval 300-300"):
        ctdna_io.read_targets(path)


def test_ground_floor_imports_without_pandas():
    """tmb-calc's start-up: the ground modules import neither pandas nor pyarrow."""
    import subprocess
    import sys

    code = (
        "import sys, stereosarc.protocol, stereosarc.rejects, stereosarc.genomics, "
        "stereosarc.tables; print(sorted(m for m in ('pandas', 'pyarrow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "[]"
