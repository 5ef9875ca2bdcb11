"""ctdna package of stereosarc-biomarkers."""

STAGE = "ctdna"  # rejects.tsv `stage` of every row this package writes (ctdna-count, ctdna-call)
