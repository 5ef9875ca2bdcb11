"""QuPath annotation-measurement exports: header variants, encodings, area-weighted density."""

from __future__ import annotations

import math

import pytest

from ihc import densities, io
from ihc.exceptions import QuPathFormatError

ROWS = [
    ("Tumor", "500000", "1000", "50", "950", "5", "100"),
    ("Tumor", "1500000", "3000", "250", "2750", "8.333", "166.67"),
]


def export(
    path,
    class_header="Classification",
    micro="µm",
    rows=ROWS,
    encoding="utf-8",
    extra=(),
    squared="^2",
):
    header = [
        "Image",
        "Name",
        class_header,
        f"Area {micro}{squared}",
        "Num Detections",
        "Num Positive",
        "Num Negative",
        "Positive %",
        f"Num Positive per mm{squared}",
        *extra,
    ]
    lines = ["\t".join(header)] + ["\t".join(("a.svs", f"R{i}") + r) for i, r in enumerate(rows)]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


@pytest.mark.parametrize("class_header", ["Class", "Classification"])
@pytest.mark.parametrize("micro", ["µm", "μm", "um", "?m", "\ufffdm", "Âµm", "Î¼m"])
def test_header_variants_give_the_same_density(tmp_path, class_header, micro):
    table = io.read_qupath_export(export(tmp_path / "x.tsv", class_header, micro))
    rows, rejects = densities.qupath_rows(table, "P1", "P1-A", "CD8")
    values = dict(zip(rows["metric"], rows["value"]))
    # (50 + 250) cells / (0.5 + 1.5) mm² = 150 per mm²; 300 / 4000 detections = 7.5 %
    assert values["density_per_mm2"] == pytest.approx(150.0)
    assert values["percent_positive"] == pytest.approx(7.5)
    assert rejects == []


@pytest.mark.parametrize("squared", ["^2", "²", "?", "\ufffd"])
def test_squared_unit_variants_are_recognised(tmp_path, squared):
    """'Area ?m?' and 'Num Positive per mm?' (both µ and ² lost in a re-encoding)."""
    table = io.read_qupath_export(export(tmp_path / "x.tsv", micro="?m", squared=squared))
    assert table["area_mm2"].tolist() == [0.5, 1.5]
    assert table["positive_per_mm2"].tolist() == [100.0, 166.67]


def test_latin1_export_is_read(tmp_path):
    table = io.read_qupath_export(export(tmp_path / "x.txt", encoding="latin-1"))
    assert table["area_mm2"].tolist() == [0.5, 1.5]


def test_ignore_class_is_excluded_with_a_reject(tmp_path):
    rows = ROWS + [("Ignore*", "100", "10", "9", "1", "90", "90000")]
    table = io.read_qupath_export(export(tmp_path / "x.tsv", rows=rows))
    found, rejects = densities.qupath_rows(table, "P1", "P1-A", "CD8")
    assert dict(zip(found["metric"], found["value"]))["density_per_mm2"] == pytest.approx(150.0)
    assert [(r["row"], r["file"]) for r in rejects] == [(4, "x.tsv")]  # spreadsheet row


def test_density_from_per_mm2_when_counts_absent(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("Class,Area um^2,Num Positive per mm^2\nTumor,2000000,10\nTumor,1000000,40\n")
    found, _ = densities.qupath_rows(io.read_qupath_export(path), "P1", "A", "CD3")
    values = dict(zip(found["metric"], found["value"]))
    # (10 * 2 + 40 * 1) / 3 mm² = 20 per mm²; no counts -> no percentage
    assert values == {"density_per_mm2": pytest.approx(20.0)}


def test_pixel_areas_are_refused(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_text("Class\tArea px^2\tNum Positive\nTumor\t100\t5\n")
    with pytest.raises(QuPathFormatError, match="pixel calibration"):
        io.read_qupath_export(path)


def test_export_without_positive_columns_is_refused(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_text("Class\tArea µm^2\nTumor\t100\n")
    with pytest.raises(QuPathFormatError, match="no 'Num Positive'"):
        io.read_qupath_export(path)


def test_text_in_a_number_column_names_row_and_column(tmp_path):
    rows = [ROWS[0], ("Tumor", "abc", "1", "1", "0", "100", "1")]
    # the second annotation is the third line of the file: spreadsheet row 3 (header = row 1)
    with pytest.raises(QuPathFormatError, match=r"x.tsv row 3, column Area µm\^2: 'abc'"):
        io.read_qupath_export(export(tmp_path / "x.tsv", rows=rows))


def test_single_annotation_without_area_uses_its_density(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_text("Class\tNum Positive per mm^2\tPositive %\nTumor\t33.5\t4\n")
    found, _ = densities.qupath_rows(io.read_qupath_export(path), "P1", "A", "CD3")
    assert dict(zip(found["metric"], found["value"])) == {
        "density_per_mm2": 33.5,
        "percent_positive": 4.0,
    }
    assert not math.isnan(found["value"].sum())


def test_stored_latin1_windows_export(request):
    """tests/data/ihc/qupath_latin1_class.txt: QuPath 0.2-style 'Class' header, µ as byte
    0xB5 (Latin-1), an Ignore* annotation. Hand-derived: (100 + 300) / (0.5 + 1.5) mm² = 200
    per mm²; 400 / 8000 detections = 5 %."""
    path = request.path.parents[1] / "data" / "ihc" / "qupath_latin1_class.txt"
    found, rejects = densities.qupath_rows(io.read_qupath_export(path), "P1", "A", "CD8")
    assert dict(zip(found["metric"], found["value"])) == {
        "density_per_mm2": pytest.approx(200.0),
        "percent_positive": pytest.approx(5.0),
    }
    assert [r["row"] for r in rejects] == [3]  # spreadsheet row: the header is row 1
