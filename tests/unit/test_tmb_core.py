"""The compiled VCF reader (tmb/_vcfcore.c) on the edges of its block-wise reading, its number
grammar and its trace number format; each expected value derived by hand in the comment."""

from __future__ import annotations

import math
import random
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.test_tmb_fixtures import csq, record, write_vcf
from tests.unit.test_tmb_vcf import PANEL, needs, trace_of
from tmb import core, vcf_io
from tmb.exceptions import VcfCoreError, VcfError
from tmb.filters import ChunkMemory, FilterSettings, judge_alleles, trace_frame
from tmb.outputs import TRACE_DECIMALS, trace_lines

SEED = 20240601  # project default seed (docs/development.md)


def chunks_of(path, block_bytes, chunk=1000):
    """Trace frame of ``path`` read in text blocks of ``block_bytes``."""
    vcf = vcf_io.open_vcf(path)
    plan = vcf_io.plan_reading(vcf, path, "T1", needs())
    seen, parts = ChunkMemory(), []
    for _, alleles in vcf_io.iter_allele_chunks(vcf, plan, chunk, block_bytes=block_bytes):
        parts.append(judge_alleles(alleles, FilterSettings(), PANEL, memory=seen))
    return parts


def test_a_line_longer_than_the_block_and_a_very_long_csq(tmp_path):
    # 5,000 transcripts (~200 kB of CSQ): intron on all, one missense, gnomADe 0.0001 on one
    # and 0.0005 on another -> consequences 'intron_variant&missense_variant' sorted, largest
    # population AF 0.0005 <= 0.001 -> counted; the short records around it count as usual.
    entries = [csq("C", "intron_variant", feature=f"T{i}") for i in range(5000)]
    entries[2500] = csq("C", "missense_variant", feature="T2500", gnomade="0.0001")
    entries[4999] = csq("C", "intron_variant", feature="T4999", gnomadg="0.0005")
    lines = [
        record(100, "A", "C", "CSQ=" + csq("C", "missense_variant")),
        record(200, "A", "C", "CSQ=" + ",".join(entries)),
        record(300, "A", "G", "CSQ=" + csq("G", "synonymous_variant")),
    ]
    path = write_vcf(tmp_path / "long_csq.vcf", lines)
    assert len(lines[1]) > 190_000
    for block_bytes in (64, 4096, 1 << 22):  # far smaller than the line, and the default
        frames = [trace_frame(t) for t in chunks_of(path, block_bytes)]
        rows = [row for frame in frames for row in frame.to_dict("records")]
        assert [r["pos"] for r in rows] == [100, 200, 300]
        assert rows[1]["consequences"] == "intron_variant&missense_variant"
        assert rows[1]["population_af"] == 0.0005 and rows[1]["genes"] == "TP53"
        assert [r["counted"] for r in rows] == [1, 1, 0]


def test_trace_bytes_do_not_depend_on_block_or_chunk_size(tmp_path):
    rng = random.Random(SEED)
    print(f"seed {SEED}")
    lines = [
        record(
            100 + 3 * i,
            "A",
            rng.choice(["C", "G", "C,G"]),
            "CSQ="
            + csq("C", rng.choice(["missense_variant", "intron_variant"]))
            + ","
            + csq("G", "stop_gained", gnomade=rng.choice(["", "0.01"])),
            sample=rng.choice(["0/1:80,20:100:0.2", "0/1:60,20,20:100:0.2,0.2", "0/1:99,1:100:."]),
        )
        for i in range(400)
    ]
    path = write_vcf(tmp_path / "many.vcf", lines)
    reference = b"".join(trace_lines(t) for t in chunks_of(path, 1 << 22))
    for block_bytes, chunk in ((128, 1000), (1000, 7), (50_000, 1)):
        assert b"".join(trace_lines(t) for t in chunks_of(path, block_bytes, chunk)) == reference


@pytest.mark.parametrize("block_bytes", [64, 1 << 22])
def test_errors_name_file_line_and_column_in_any_block(tmp_path, block_bytes):
    good = record(100, "A", "C", "CSQ=" + csq("C", "missense_variant"))
    cases = {  # 12 header lines: record k is on line 12 + k
        "ad": (
            record(300, "A", "C", "CSQ=.", sample="0/1:90,0x10:100:0.1"),
            r"line 18, column FORMAT/AD: '0x10' is not an integer",
        ),
        "af": (
            record(300, "A", "C", "CSQ=.", sample="0/1:90,10:100:0.1x"),
            r"line 18, column FORMAT/AF: '0.1x' is not a number",
        ),
        "pos": (
            record(0, "A", "C", "CSQ=.").replace("\t0\t", "\t12x\t", 1),
            r"line 18, column POS: '12x' is not an integer",
        ),
        "control": (good.replace("PASS", "PA\x01SS"), r"line 18: control character 1 in the text"),
        "columns": (good + "\textra", r"line 18: expected 10 tab-separated columns, found 11"),
    }
    for name, (bad, message) in cases.items():
        path = write_vcf(tmp_path / f"bad_{name}.vcf", [good] * 5 + [bad, good])
        with pytest.raises(VcfError, match=f"bad_{name}.vcf {message}"):
            chunks_of(path, block_bytes)


def test_vcf_number_grammar(tmp_path):
    # VCF 4.3 Integer [-+]?[0-9]+ and Float, e.g. '.5', '5.', '1e-1', 'inf'; '.' is missing
    samples = [
        "0/1:+90,+10:100:.5",
        "0/1:90,10:+100:5e-2",
        "0/1:90,10:100:1E-1",
        "0/1:90,10:100:.",
        "0/1:-1,10:100:inf",
    ]
    lines = [
        record(100 + 10 * i, "A", "C", "CSQ=" + csq("C", "missense_variant"), sample=s)
        for i, s in enumerate(samples)
    ]
    trace, _ = trace_of(write_vcf(tmp_path / "numbers.vcf", lines))
    # AF .5, 0.05, 0.1; '.' -> AD 10/100; inf (above max VAF); AD -1 -> missing -> depth DP
    assert trace["vaf"].tolist()[:4] == [0.5, 0.05, 0.1, 0.1]
    assert math.isinf(trace["vaf"].iloc[4])
    assert trace["alt_reads"].tolist() == [10, 10, 10, 10, 10]
    assert trace["counted"].tolist() == [1, 1, 1, 1, 0]


def test_annotation_numbers_skip_non_numbers():
    assert core.module().max_number(b"0.1&x&.&3e-1") == pytest.approx(0.3)
    assert core.module().max_number(b"1_0&0x10") != core.module().max_number(b"1_0&0x10")  # NaN


def test_trace_floats_match_the_former_pyarrow_writer():
    """Trace floats: rounded half to even at the 10th decimal and written shortest, as the
    former writer did with pyarrow.compute.round and a cast to string (pyarrow is pinned)."""
    pa = pytest.importorskip("pyarrow")
    pc = pytest.importorskip("pyarrow.compute")
    rng = random.Random(SEED)
    values = [
        0.0,
        -0.0,
        1.0,
        388.0,
        0.5593,
        1e-7,
        3.98e-06,
        1e-5,
        1e15,
        1e10,
        9999999999.0,
        99999999999.99998,
        2.5e-10,
        1.5e-10,
        5e-11,
        0.30000000000000004,
        1 / 3,
        math.inf,
        -math.inf,
        123456789.123456789,
        12345678901.5,
    ]
    values += [rng.random() * 10 ** rng.randint(-12, 12) for _ in range(3000)]
    values += [rng.randint(0, 10**6) / 10 ** rng.randint(0, 11) for _ in range(3000)]
    expected = pc.cast(pc.round(pa.array(values), TRACE_DECIMALS), pa.string()).to_pylist()
    found = [core.module().trace_float(v).decode() for v in values]
    assert found == expected
    assert core.module().trace_float(math.nan) == b"NA"


def test_missing_build_is_a_clear_error(monkeypatch):
    import tmb

    monkeypatch.delattr(tmb, "_vcfcore", raising=False)
    monkeypatch.setitem(sys.modules, "tmb._vcfcore", None)  # import fails as if never built
    with pytest.raises(VcfCoreError, match="not built; fix: .*pip install -e"):
        core.module()


def test_tmb_calc_run_imports_neither_pandas_nor_scipy(tmp_path):
    """The command's start-up cost (docs/tmb.md, "Benchmark"): a whole run imports numpy and
    cyvcf2, never pandas, pyarrow, scipy (the interval is tmb.poisson) or matplotlib; the
    shared table writer (stereosarc.tables) imports pandas only for DataFrames."""
    phase = Path(__file__).resolve().parents[1] / "data" / "tmb" / "phase"
    args = [
        "--vcf", str(phase / "ps_phased.vcf"), "--sample", "T1", "--patient", "P1",
        "--panel-bed", str(phase / "panel.bed"), "--panel-is-coding", "--force-small-panel",
        "--max-pop-af", "1", "--out-summary", str(tmp_path / "s.tsv"),
        "--out-trace", str(tmp_path / "t.tsv"),
    ]  # fmt: skip
    heavy = ("pandas", "pyarrow", "scipy", "matplotlib", "importlib.metadata")
    code = (
        f"import sys; from tmb.cli import main; code = main({args!r}); "
        f"print(code, sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "0 []"
