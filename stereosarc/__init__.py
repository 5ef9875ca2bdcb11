"""Shared plumbing of stereosarc-biomarkers: tables, schemas, pre-flight validation, demo cohort."""

__version__ = "0.1.0"
