"""Typed errors of the outcome package; the CLI turns them into one-line messages (exit 2)."""

from stereosarc.errors import InputError


class OutcomeInputError(InputError):
    """A clinical table or a per-patient table given to the merge cannot be used; names file,
    row and column."""
