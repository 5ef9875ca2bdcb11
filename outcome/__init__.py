"""outcome package of stereosarc-biomarkers."""
