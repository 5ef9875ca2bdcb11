"""Blood inflammation markers (labs-markers): analytes and units, usable rows, same-draw
ratios, baseline and on-treatment values per patient. Method: docs/labs.md."""
