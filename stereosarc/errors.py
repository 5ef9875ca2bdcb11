"""Typed errors shared by every package; CLIs turn them into one-line messages."""


class InputError(ValueError):
    """An input file or value cannot be used; the message names file, row and column."""


class SchemaError(ValueError):
    """A table about to be written does not match its JSON schema in assets/schemas."""
