"""Typed errors of the blood package; the CLI turns them into one-line messages with exit
status 2."""

from stereosarc.errors import InputError


class LabsInputError(InputError):
    """A blood-marker or clinical table cannot be used; names file, row and column."""
