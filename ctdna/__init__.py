"""ctdna package of stereosarc-biomarkers."""
