"""ctdna-bin against Debian samtools on a low-pass BAM from the project's simulator
(stereosarc.demo.lowpass: a 10 Mb reduced genome, a male sample at TF 0.3 with a focal gain,
duplicates, low-MAPQ, QC-fail, secondary and supplementary records; seed printed).

- fragments per bin == ``samtools view -c -F 0xF04 -q 20 -e 'pos>=S && pos<=E && (mpos>pos ||
  (mpos==pos && flag.read1))' chrom:S-E`` (the documented rule, written in samtools' own
  filter language; read 1 is the leftmost mate of only half of the simulated pairs);
- short / long per bin == the same command with ``tlen`` limits 90-150 / 151-220 added;
- GC per bin (``--fasta``) == a direct count of ``samtools faidx`` output: (G + C) / (A + C +
  G + T), N excluded.
"""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from ctdna import lowpass_bins
from ctdna.bin_command import BinRunOptions, bin_sample
from stereosarc.demo import lowpass, lowpass_io
from tests.conftest import require_tool

pytestmark = pytest.mark.crosscheck
SEED = 20240601
BIN = 250_000  # 40 bins over the reduced genome: samtools runs once per bin and class
REPRESENTATIVE = "(mpos>pos || (mpos==pos && flag.read1))"
LENGTHS = {"fragments": "", "short": " && ((tlen>=90 && tlen<=150) || (tlen<=-90 && tlen>=-150))",
           "long": " && ((tlen>=151 && tlen<=220) || (tlen<=-151 && tlen>=-220))"}  # fmt: skip


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    print(f"seed {SEED}")
    folder = tmp_path_factory.mktemp("lowpass")
    rng = np.random.default_rng(SEED)
    sequences = lowpass.reference_genome(SEED)
    gain = [lowpass.Segment("chr1", 1_000_000, 1_500_000, 5)]
    blocks = lowpass.block_table(sequences, gain, "male")
    fragments = lowpass.draw_fragments(blocks, 0.3, 0.3, rng)
    records = lowpass.plasma_records(fragments, list(sequences), rng)
    fasta = lowpass_io.write_reference(sequences, folder / "reduced.fa")
    bam = lowpass_io.write_lowpass_bam(records, sequences, folder / "plasma.bam", "S1")
    return bam, fasta


def _samtools_count(samtools, bam, chrom, start, end, extra):
    expression = f"pos>={start + 1} && pos<={end} && {REPRESENTATIVE}{extra}"
    command = [samtools, "view", "-c", "-F", "0xF04", "-q", "20", "-e", expression, str(bam),
               f"{chrom}:{start + 1}-{end}"]  # fmt: skip
    return int(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def test_bins_equal_samtools_counts_per_bin(simulated):
    samtools = require_tool("samtools")
    bam, _ = simulated
    bins = lowpass_bins.bin_fragments(bam, lowpass_bins.BinOptions(bin_size=BIN))
    assert bins["fragments"].sum() > 5000 and bins["short"].sum() > 500
    for column, extra in LENGTHS.items():
        expected = [
            _samtools_count(samtools, bam, b.chrom, b.start, b.end, extra)
            for b in bins.itertuples(index=False)
        ]
        assert list(bins[column]) == expected, column


def _faidx_gc(samtools, fasta, chrom, start, end) -> float:
    region = f"{chrom}:{start + 1}-{end}"
    text = subprocess.run([samtools, "faidx", str(fasta), region], check=True,
                          capture_output=True, text=True).stdout  # fmt: skip
    sequence = "".join(text.splitlines()[1:]).upper()
    acgt = sum(sequence.count(base) for base in "ACGT")
    return (sequence.count("G") + sequence.count("C")) / acgt


def test_gc_per_bin_equals_a_direct_count_of_samtools_faidx(simulated):
    samtools = require_tool("samtools")
    bam, fasta = simulated
    table = bin_sample(BinRunOptions("S1", bam=bam, fasta=fasta, bin_size=BIN))
    expected = [_faidx_gc(samtools, fasta, b.chrom, b.start, b.end)
                for b in table.itertuples(index=False)]  # fmt: skip
    np.testing.assert_allclose(table["gc"], expected, rtol=0, atol=1e-12)
    assert table["gc"].between(0.3, 0.65).all()
