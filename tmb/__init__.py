"""tmb package of stereosarc-biomarkers."""
