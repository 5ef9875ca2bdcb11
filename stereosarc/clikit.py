"""The one entry-point shape shared by every console script.

``main(argv=None)`` parses, sets up logging, runs, and turns the project's typed errors
into a single ``error: ...`` line on stderr with exit status 2 (no traceback as the UI).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from stereosarc import __version__
from stereosarc.errors import InputError, SchemaError

EXIT_INPUT_ERROR = 2  # bad input or arguments, the convention of argparse and POSIX tools
EXIT_INTERNAL_ERROR = 3  # a schema violation on output: a bug, not the user's input


def make_parser(prog: str, description: str, example: str) -> argparse.ArgumentParser:
    """An ArgumentParser with --version, --log-level and an example in --help."""
    parser = argparse.ArgumentParser(
        prog=prog, description=description, epilog=f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--log-level", default="INFO",
                        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                        help="verbosity of the log on stderr (default: INFO)")
    return parser


def setup_logging(level: str) -> None:
    """Human-readable log lines on stderr."""
    logging.basicConfig(level=getattr(logging, level), stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s", force=True)


def run_cli(parser: argparse.ArgumentParser, action: Callable[[argparse.Namespace], None],
            argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, run ``action(args)``; typed errors become one line and an exit code."""
    args = parser.parse_args(argv)
    setup_logging(args.log_level)
    try:
        action(args)
    except (InputError, FileNotFoundError, IsADirectoryError, PermissionError) as err:
        print(f"{parser.prog}: error: {_one_line(err)}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    except SchemaError as err:
        print(f"{parser.prog}: internal error: {_one_line(err)}", file=sys.stderr)
        return EXIT_INTERNAL_ERROR
    except ValueError as err:
        if type(err).__module__.split(".")[0] in {"tmb", "ctdna", "ihc", "outcome", "stereosarc"}:
            print(f"{parser.prog}: error: {_one_line(err)}", file=sys.stderr)
            return EXIT_INPUT_ERROR
        raise
    return 0


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())
