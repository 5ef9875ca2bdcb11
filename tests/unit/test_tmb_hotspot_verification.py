"""Every allele of the bundled hotspot list has a verification row (issue 15).

``assets/tmb/hotspots_verification.tsv`` records, per listed GRCh38 allele, the public source
that states it ('direct') or the verified allele of the same exon it is derived from by its
cDNA offset ('codon'). This test recomputes what the table claims from its own columns: the
c. bases against the genomic REF/ALT on the gene's strand, each 'codon' position from its
anchor, and that no listed allele lacks a row (or a row lacks its allele).
"""

from __future__ import annotations

import re

from tmb import drivers

VERIFICATION = drivers.bundled_hotspots().with_name("hotspots_verification.tsv")
COMPLEMENT = str.maketrans("ACGT", "TGCA")
HGVS_C = re.compile(r"^c\.(\d+)([ACGT])>([ACGT])$")
CTNNB1_ANCHOR = {"gene": "CTNNB1", "chrom": "chr3", "pos": 41224610, "c": 98, "strand": "+"}


def table(path) -> list[dict]:
    lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
    names = lines[0].split("\t")
    return [dict(zip(names, line.split("\t"))) for line in lines[1:]]


def test_every_listed_allele_has_exactly_one_verification_row():
    key = ("chrom", "pos", "ref", "alt", "gene", "protein_change")
    listed = sorted(tuple(r[k] for k in key) for r in table(drivers.bundled_hotspots()))
    verified = sorted(tuple(r[k] for k in key) for r in table(VERIFICATION))
    assert listed == verified and len(set(verified)) == len(verified) == 50


def test_cdna_bases_match_the_genomic_alleles_on_the_gene_strand():
    for row in table(VERIFICATION):
        _, ref, alt = HGVS_C.match(row["hgvs_c"]).groups()
        if row["strand"] == "-":
            ref, alt = ref.translate(COMPLEMENT), alt.translate(COMPLEMENT)
        assert (ref, alt) == (row["ref"], row["alt"]), row


def test_direct_rows_cite_sources_and_codon_rows_follow_from_their_anchor():
    rows = table(VERIFICATION)
    direct = {f"{r['gene']}:{r['protein_change']}": r for r in rows if r["evidence"] == "direct"}
    for row in rows:
        assert row["evidence"] in ("direct", "codon"), row
        if row["evidence"] == "direct":
            assert row["anchor"] == "." and "stored public file" in row["sources"], row
            continue
        if row["anchor"] == "CTNNB1:c.98":
            anchor = CTNNB1_ANCHOR
        else:
            found = direct[row["anchor"]]
            anchor = dict(found, pos=int(found["pos"]), c=int(HGVS_C.match(found["hgvs_c"])[1]))
        assert anchor["gene"] == row["gene"] and anchor["chrom"] == row["chrom"], row
        assert anchor["strand"] == row["strand"], row
        step = int(HGVS_C.match(row["hgvs_c"])[1]) - anchor["c"]
        expected = anchor["pos"] + (step if row["strand"] == "+" else -step)
        assert int(row["pos"]) == expected, row
    assert "lyfe-sci.com/variant/NM_001098209.2:c.98C" in VERIFICATION.read_text()
