"""Typed errors of the demo generator."""

from stereosarc.errors import InputError


class DemoInputError(InputError):
    """A demo generator argument cannot be used (message names the option)."""
