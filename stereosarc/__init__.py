"""Shared ground floor of stereosarc-biomarkers: tables, schemas, pre-flight, demo cohort."""

__version__ = "0.1.0"
