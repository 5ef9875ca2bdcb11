"""ihc package of stereosarc-biomarkers."""
