"""tmb-calc's two paths give the same bytes (docs/tmb.md, "Start-up"): the row-wise path
without numpy (tmb.rowwise, tmb.region_lists, tmb.vcf_header; VCFs up to
tmb.command.ROWWISE_MAX_BYTES) and the numpy path (tmb.filters, tmb.regions, cyvcf2's
header). Each case runs the command twice, once with the row-wise limit at -1 (numpy path),
and compares the summary and trace files byte for byte and the exit codes; the chunk size is
cut to 7 records in some cases so that duplicates and MNVs cross chunk boundaries.
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from tmb import command, region_lists, regions
from tmb.cli import main
from tmb.vcf_header import VcfHeader

DATA = Path(__file__).resolve().parents[1] / "data" / "tmb"
BENCH = Path(__file__).resolve().parents[2] / "bench" / "tmb" / "make_vcf.py"
ROWWISE_LIMIT = command.ROWWISE_MAX_BYTES  # as shipped (the tests set it per run)
FIXTURES = [
    ("callers/dragen.vcf", "S1-T"),
    ("callers/freebayes.vcf", "TUMOR"),
    ("callers/mutect2.vcf", "S1-T"),
    ("callers/strelka2_indels.vcf", "TUMOR"),
    ("callers/strelka2_snvs.vcf", "TUMOR"),
    ("callers/vardict.vcf", "S1-T"),
    ("callers/varscan2.vcf", "TUMOR"),
    ("phase/mutect2_phased.vcf", "T1"),
    ("phase/ps_phased.vcf", "T1"),
    ("mnv_and_indel_edges.vcf", "T1"),
    ("mnv_and_indel_edges.bcf", "T1"),
    ("hotspot_alleles.vcf", "T1"),
    ("empty_gnomade_af.vcf", "T1"),
    ("gnomade_af_one_value.vcf", "T1"),
]
OPTION_SETS = [  # with --max-pop-af 1 every run passes (exit 0): real traces are compared
    ["--allow-empty-fields"],
    ["--max-pop-af", "1", "--chunk-records", "7"],
    ["--max-pop-af", "1", "--mode", "all_coding", "--exclude-ch", "--no-hotspots"],
    ["--max-pop-af", "1", "--mnv-vaf-tolerance", "-1", "--min-vaf", "0", "--min-alt", "0"],
]


def whole_contigs_bed(path: Path, vcf: Path) -> Path:
    """A BED of every contig of the VCF's header, whole."""
    header = VcfHeader.read(vcf)
    lines = [f"{c}\t0\t{n}\n" for c, n in zip(header.seqnames, header.seqlens, strict=True)]
    path.write_text("".join(lines))
    return path


def run_both(tmp_path, monkeypatch, args: list[str]) -> int:
    outputs = {}
    for path, limit in (("rowwise", ROWWISE_LIMIT), ("numpy", -1)):
        monkeypatch.setattr(command, "ROWWISE_MAX_BYTES", limit)
        out = tmp_path / path
        out.mkdir(exist_ok=True)
        files = ["--out-summary", str(out / "s.tsv"), "--out-trace", str(out / "t.tsv")]
        code = main(args + files)
        read = [(out / n).read_bytes() if (out / n).exists() else None for n in ("s.tsv", "t.tsv")]
        outputs[path] = (code, *read)
    assert outputs["rowwise"] == outputs["numpy"]
    return outputs["rowwise"][0]


@pytest.mark.parametrize("options", OPTION_SETS, ids=range(len(OPTION_SETS)))
@pytest.mark.parametrize("fixture,sample", FIXTURES, ids=[f for f, _ in FIXTURES])
def test_fixture_paths_agree(tmp_path, monkeypatch, fixture, sample, options):
    bed = whole_contigs_bed(tmp_path / "panel.bed", DATA / fixture)
    args = ["--vcf", str(DATA / fixture), "--sample", sample, "--patient", "P1"]
    args += ["--panel-bed", str(bed), "--panel-is-coding"]
    code = run_both(tmp_path, monkeypatch, args + options)
    assert code == 0 or "--max-pop-af" not in options


@pytest.mark.parametrize("chunk", ["1000", "3"])
def test_edges_and_repeats_paths_agree(tmp_path, monkeypatch, chunk):
    """Indel edges on the fixture's own exon BED (anchored deletions, insertions at region
    ends), MNV chains, and every record written twice (duplicate alleles, in one chunk and
    across chunks)."""
    text = (DATA / "mnv_and_indel_edges.vcf").read_text().splitlines(keepends=True)
    body = [line for line in text if not line.startswith("#")]
    vcf = tmp_path / "twice.vcf"
    vcf.write_text("".join(line for line in text if line.startswith("#")) + "".join(body * 2))
    bed = DATA / "mnv_and_indel_edges.bed"
    for path in (DATA / "mnv_and_indel_edges.vcf", vcf):
        args = ["--vcf", str(path), "--sample", "T1", "--patient", "P1", "--panel-bed", str(bed)]
        args += ["--panel-is-coding", "--force-small-panel", "--max-pop-af", "1"]
        assert run_both(tmp_path, monkeypatch, args + ["--chunk-records", chunk]) == 0


@pytest.mark.parametrize("extra", [[], ["--chunk-records", "333", "--max-pop-af", "1"]])
def test_bench_vcf_paths_agree(tmp_path, monkeypatch, extra):
    """The bench generator's VCF (600 records) on its own panel, and against a coding BED and
    a hotspot BED (regions path of the hotspot rule)."""
    vcf, bed = tmp_path / "b.vcf.gz", tmp_path / "b.bed"
    cmd = [sys.executable, str(BENCH), "--records", "600", "--out", str(vcf), "--bed", str(bed)]
    subprocess.run(cmd + ["--seed", "7"], check=True, capture_output=True)
    coding, hotspots = tmp_path / "cds.bed", tmp_path / "hot.bed"
    lines = bed.read_text().splitlines()
    coding.write_text("".join(f"{c}\t{int(s) + 300}\t{e}\n" for c, s, e in map(str.split, lines)))
    hotspots.write_text("".join(f"{c}\t{s}\t{int(s) + 40}\n" for c, s, _ in map(str.split, lines)))
    args = ["--vcf", str(vcf), "--sample", "TUMOUR", "--patient", "P1", "--panel-bed", str(bed)]
    args += ["--pop-af-fields", "gnomADe_AF", "--coding-bed", str(coding)]
    run_both(tmp_path, monkeypatch, args + ["--hotspots", str(hotspots)] + extra)
    run_both(tmp_path, monkeypatch, args + extra)


def random_regions(rng: random.Random, n: int) -> list[tuple[str, int, int]]:
    out = []
    for _ in range(n):
        start = rng.randrange(0, 2000)
        out.append((rng.choice(["chr1", "chr2"]), start, start + rng.randrange(1, 120)))
    return out


def test_region_lists_match_numpy_regions():
    """Merge, intersection, bases and memberships of tmb.region_lists equal tmb.regions on
    random intervals (seed printed)."""
    seed = 20261207
    print("seed", seed)
    rng = random.Random(seed)
    for _ in range(40):
        left, right = random_regions(rng, rng.randrange(1, 30)), random_regions(rng, 25)
        as_lists = [region_lists.Regions(*map(list, zip(*t))) for t in (left, right)]
        as_arrays = [
            regions.Regions.of(dict(zip(regions.REGION_COLUMNS, zip(*t)))) for t in (left, right)
        ]
        both = region_lists.intersect_regions(*as_lists)
        expected = regions.intersect_regions(*as_arrays)
        assert (both.chrom, both.start, both.end) == tuple(
            getattr(expected, c).tolist() for c in regions.REGION_COLUMNS
        )
        assert region_lists.total_bases(as_lists[0]) == regions.total_bases(as_arrays[0])
        index, arrays = (
            region_lists.RegionIndex.build(as_lists[0]),
            regions.RegionIndex.build(as_arrays[0]),
        )
        spans = [(rng.choice(["chr1", "chr2", "chr3"]), rng.randrange(0, 2100)) for _ in range(50)]
        for chrom, start in spans:
            for end, within in ((start + 1, False), (start + 5, False), (start + 2, True)):
                found = arrays.spans_coded(
                    regions.np.zeros(1, int), [chrom], regions.np.array([start]),
                    regions.np.array([end]), regions.np.array([within]),
                )  # fmt: skip
                assert index.spans(chrom, start, end, within) == bool(found[0])
            assert index.contains(chrom, start) == bool(arrays.contains([chrom], [start])[0])


def test_panel_run_imports_no_numpy(tmp_path):
    """A panel-sized run loads neither numpy nor cyvcf2 (nor pandas, scipy, pyarrow)."""
    phase = DATA / "phase"
    args = [
        "--vcf", str(phase / "ps_phased.vcf"), "--sample", "T1", "--patient", "P1",
        "--panel-bed", str(phase / "panel.bed"), "--panel-is-coding", "--force-small-panel",
        "--max-pop-af", "1",
        "--out-summary", str(tmp_path / "s.tsv"), "--out-trace", str(tmp_path / "t.tsv"),
    ]  # fmt: skip
    heavy = ("numpy", "cyvcf2", "pandas", "pyarrow", "scipy")
    code = (
        f"import sys; from tmb.cli import main; code = main({args!r}); "
        f"print(code, sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "0 []"


def test_header_without_contigs_takes_the_numpy_path(tmp_path, monkeypatch):
    """Without ##contig lines cyvcf2 names the contigs from the index: such a VCF keeps the
    numpy path (tmb.command.open_header), and both runs agree."""
    text = (DATA / "mnv_and_indel_edges.vcf").read_text().splitlines(keepends=True)
    vcf = tmp_path / "no_contigs.vcf"
    vcf.write_text("".join(line for line in text if not line.startswith("##contig")))
    options = command.TmbOptions(
        vcf=str(vcf), sample="T1", patient="P1", panel_bed=str(DATA / "mnv_and_indel_edges.bed"),
        out_trace=str(tmp_path / "t.tsv"), panel_is_coding=True,
    )  # fmt: skip
    header, rowwise = command.open_header(options)
    assert not rowwise and type(header).__name__ == "VCF"  # cyvcf2's reader
    args = ["--vcf", str(vcf), "--sample", "T1", "--patient", "P1", "--panel-bed"]
    args += [str(DATA / "mnv_and_indel_edges.bed"), "--panel-is-coding", "--force-small-panel"]
    assert run_both(tmp_path, monkeypatch, args + ["--max-pop-af", "1"]) == 0
