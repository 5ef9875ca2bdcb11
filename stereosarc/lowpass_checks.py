"""Pre-flight of the low-pass WGS rows of the samplesheet (column ``assay``, issue 13).

``assay`` is ``capture`` (the default: an empty cell or no column) or ``lowpass_wgs``.
Low-pass rows are plasma (patient, timepoint) or pon rows with a BAM/CRAM and no VCF; when the
ctDNA stage runs (``--ctdna_targets``: low-pass samples are processed inside it) they need the
reference FASTA of ``--lowpass_fasta`` (GC per bin); when the run has low-pass
plasma and a low-pass PoN, the PoN has at least ``LOWPASS_MIN_PON`` samples; and, when the
FASTA has a .fai index beside it (cheap: no sequence read), every contig shared with a BAM
header has the same length in both (another build otherwise). Each problem names file, row
and column.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from stereosarc.errors import InputError
from stereosarc.problems import Problems
from stereosarc.tables import ROW_COLUMN

CAPTURE, LOWPASS = "capture", "lowpass_wgs"  # assets/schema_input.json, column assay
LOWPASS_MIN_PON = 5  # = ctdna.lowpass_pon.MIN_PON (median and MAD per bin; tested equal)


def fill_assay(sheet: pd.DataFrame) -> pd.DataFrame:
    """``assay`` with the default (capture) in empty cells."""
    assay = sheet["assay"] if "assay" in sheet else pd.Series(None, index=sheet.index)
    return sheet.assign(assay=assay.where(assay.notna(), CAPTURE))


def lowpass_rows(sheet: pd.DataFrame) -> pd.DataFrame:
    return sheet[sheet["assay"] == LOWPASS]


def check_lowpass_rows(
    sheet: pd.DataFrame,
    name: str,
    lowpass_fasta: Path | None,
    problems: Problems,
    ctdna_stage: bool = True,
) -> None:
    """Refusals of the module docstring that need no file opened (after fill_assay);
    ``ctdna_stage``: whether the run has a ctDNA stage (else no FASTA is needed)."""
    rows = lowpass_rows(sheet)
    for _, row in rows[rows["type"] == "tumour"].iterrows():
        problems.add(f"{name} row {row[ROW_COLUMN]}, column type: a {LOWPASS} row is plasma "
                     "or pon (a tumour row has no assay)")  # fmt: skip
    for _, row in rows[rows["vcf"].notna() & (rows["type"] != "tumour")].iterrows():
        problems.add(f"{name} row {row[ROW_COLUMN]}, column vcf: a {LOWPASS} row takes no VCF "
                     "(low-pass WGS is tumour-agnostic); give the tumour VCF on its own "
                     "tumour row")  # fmt: skip
    if len(rows) and lowpass_fasta is None and ctdna_stage:
        first = rows[ROW_COLUMN].iloc[0]
        problems.add(f"{name} row {first}, column assay: {len(rows)} {LOWPASS} row(s) need "
                     "--lowpass_fasta (the reference FASTA the low-pass BAMs were aligned "
                     "to: GC per bin)")  # fmt: skip
    pon = rows[rows["type"] == "pon"]
    if (rows["type"] == "plasma").any() and 0 < len(pon) < LOWPASS_MIN_PON:
        listed = ", ".join(str(r) for r in pon[ROW_COLUMN])
        problems.add(
            f"{name} rows {listed}, column type: {len(pon)} {LOWPASS} pon row(s); a low-pass "
            f"panel of normals needs at least {LOWPASS_MIN_PON} (median and MAD per bin), or "
            "none (the ratios are then the corrected depth alone)"
        )


def fasta_lengths(fasta: Path) -> dict[str, int] | None:
    """Contig lengths from the FASTA's .fai (None when there is no index: not checked)."""
    index = Path(f"{fasta}.fai")
    if not index.is_file():
        return None
    lengths = {}
    for line in index.read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        if len(fields) >= 2 and fields[1].isdigit():
            lengths[fields[0]] = int(fields[1])
    return lengths


def bam_lengths(path: Path, fasta: Path | None) -> dict[str, int]:
    """Contig lengths of a BAM/CRAM header."""
    import pysam

    mode = "rc" if path.suffix == ".cram" else "rb"
    try:
        reference = str(fasta) if fasta else None
        with pysam.AlignmentFile(
            str(path), mode, check_sq=False, reference_filename=reference
        ) as handle:
            return dict(zip(handle.references, handle.lengths))
    except (OSError, ValueError) as err:
        raise InputError(f"{path}: cannot read alignment header ({err})") from err


def check_lowpass_references(
    sheet: pd.DataFrame, name: str, lowpass_fasta: Path | None, problems: Problems
) -> None:
    """Contig lengths of each low-pass BAM against the FASTA's .fai (module docstring)."""
    lengths = fasta_lengths(lowpass_fasta) if lowpass_fasta else None
    if not lengths or lowpass_fasta is None:
        return
    for _, row in lowpass_rows(sheet).iterrows():
        if not row["bam"] or not Path(row["bam"]).is_file():
            continue
        where = f"{name} row {row[ROW_COLUMN]}, column bam"
        try:
            header = bam_lengths(Path(row["bam"]), lowpass_fasta)
        except InputError as err:
            problems.add(f"{where}: {err}")
            continue
        shared = sorted(set(header) & set(lengths))
        if not shared:
            problems.add(f"{where}: no contig of the BAM header is in {lowpass_fasta.name} "
                         "(contig naming 1 vs chr1, or another reference)")  # fmt: skip
        differ = [c for c in shared if header[c] != lengths[c]]
        if differ:
            contig = differ[0]
            problems.add(f"{where}: contig {contig} is {header[contig]} bp in the BAM header "
                         f"but {lengths[contig]} bp in {lowpass_fasta.name} ({len(differ)} "
                         "contig(s) differ): another reference build")  # fmt: skip
