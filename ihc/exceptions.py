"""Typed errors of the ihc package (IHC markers); the CLI turns them into
one-line messages with exit status 2."""

from stereosarc.errors import InputError


class IhcInputError(InputError):
    """An IHC long table, QuPath manifest or QuPath export cannot be used; names file and row."""


class QuPathFormatError(IhcInputError):
    """A QuPath export lacks the columns needed for a density (area and positive counts)."""
