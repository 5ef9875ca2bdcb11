"""The one entry-point shape shared by every console script.

``main(argv=None)`` parses, sets up logging, runs, and turns the project's typed errors
into a single ``error: ...`` line on stderr with exit status 2 (no traceback as the UI).
``--versions-out PROCESS FILE`` (every console script) writes the Nextflow process's
versions.yml from the same process once the command succeeded: no second interpreter.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from stereosarc import __version__
from stereosarc.errors import InputError, SchemaError

EXIT_INPUT_ERROR = 2  # bad input or arguments, the convention of argparse and POSIX tools
EXIT_INTERNAL_ERROR = 3  # a schema violation on output: a bug, not the user's input
DISTRIBUTION = "stereosarc-biomarkers"  # pyproject.toml [project] name
PROJECT_PACKAGES = {"tmb", "ctdna", "ihc", "blood", "outcome", "stereosarc"}  # pyproject packages
IMPORT_NAMES = {"scikit-learn": "sklearn"}  # distributions whose import name is not the dist name


def make_parser(prog: str, description: str | None, example: str) -> argparse.ArgumentParser:
    """An ArgumentParser with --version, --log-level and an example in --help."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description=description,
        epilog=f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="verbosity of the log on stderr (default: INFO)",
    )
    parser.add_argument(
        "--versions-out",
        nargs=2,
        metavar=("PROCESS", "FILE"),
        help="on success also write FILE, the versions.yml of Nextflow process "
        "PROCESS: Python, this package, the dependencies this run imported "
        "and every htslib loaded into it",
    )
    return parser


def add_options(
    parser: argparse.ArgumentParser, rows: Iterable[tuple[str, Any, Any, str]]
) -> None:
    """One option per row ``(flag, type, default, help)``: the options of a command that take
    one typed value with a default, declared as a table rather than one call each (type None:
    the text as given)."""
    for flag, kind, default, text in rows:
        parser.add_argument(flag, type=kind, default=default, help=text)


def add_option_family(
    parser: argparse.ArgumentParser,
    flag: str,
    kind: Any,
    text: str,
    rows: Iterable[tuple[str, Any, str]],
) -> None:
    """Options that differ only in name, default and a word of their help: one per row
    ``(name, default, detail)``, flag ``flag.format(name)``, help ``text.format(detail)``."""
    add_options(parser, ((flag.format(n), kind, d, text.format(w)) for n, d, w in rows))


def setup_logging(level: str) -> None:
    """Human-readable log lines on stderr."""
    logging.basicConfig(
        level=getattr(logging, level),
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
        force=True,
    )


def run_cli(
    parser: argparse.ArgumentParser,
    action: Callable[[argparse.Namespace], None],
    argv: Sequence[str] | None = None,
) -> int:
    """Parse ``argv``, run ``action(args)``; typed errors become one line and an exit code."""
    args = parser.parse_args(argv)
    setup_logging(args.log_level)
    try:
        action(args)
        if args.versions_out:
            write_versions(*args.versions_out)
    except (InputError, FileNotFoundError, IsADirectoryError, PermissionError) as err:
        print(f"{parser.prog}: error: {_one_line(err)}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    except SchemaError as err:
        print(f"{parser.prog}: internal error: {_one_line(err)}", file=sys.stderr)
        return EXIT_INTERNAL_ERROR
    except ValueError as err:
        if type(err).__module__.split(".")[0] in PROJECT_PACKAGES:
            print(f"{parser.prog}: error: {_one_line(err)}", file=sys.stderr)
            return EXIT_INPUT_ERROR
        raise
    return 0


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())


class _DlInfo(ctypes.Structure):
    """glibc's Dl_info (dlfcn.h): which shared object defines an address."""

    _fields_ = [
        ("dli_fname", ctypes.c_char_p),
        ("dli_fbase", ctypes.c_void_p),
        ("dli_sname", ctypes.c_char_p),
        ("dli_saddr", ctypes.c_void_p),
    ]


def loaded_htslibs() -> list[tuple[str, str]]:
    """(file name, ``hts_version()``) of every htslib in this process: the one bound at run time
    (system libhts or pysam's libchtslib) and copies linked into extensions (cyvcf2). Each
    mapped shared object is asked for ``hts_version`` and dladdr names the object defining it.
    Empty where /proc/self/maps does not exist (not Linux)."""
    try:
        maps = Path("/proc/self/maps").read_text(encoding="utf-8")
    except OSError:
        return []
    paths = sorted(
        {
            fields[5]
            for fields in (line.split(maxsplit=5) for line in maps.splitlines())
            if len(fields) == 6 and ".so" in fields[5]
        }
    )
    found = {}
    for path in paths:
        try:
            hts_version = ctypes.CDLL(path).hts_version
        except (OSError, AttributeError):
            continue
        hts_version.restype = ctypes.c_char_p
        info = _DlInfo()
        ctypes.CDLL(None).dladdr(hts_version, ctypes.byref(info))
        found[Path(os.fsdecode(info.dli_fname or path.encode())).name] = hts_version().decode()
    return sorted(found.items())


def loaded_versions() -> dict[str, str]:
    """Python, this package, each declared dependency this process imported, and htslib."""
    import importlib.metadata  # here, not at start-up: only --versions-out needs them
    import platform

    versions = {"python": platform.python_version(), DISTRIBUTION: __version__}
    for requirement in importlib.metadata.requires(DISTRIBUTION) or []:
        if "extra ==" in requirement:
            continue
        name = re.split(r"[\s;<>=!~\[]", requirement, maxsplit=1)[0]
        if IMPORT_NAMES.get(name, name.replace("-", "_")) in sys.modules:
            versions[name] = importlib.metadata.version(name)
    htslibs = loaded_htslibs()
    if htslibs:
        versions["htslib"] = ", ".join(f"{version} ({name})" for name, version in htslibs)
    return versions


def write_versions(process: str, path: str) -> None:
    """versions.yml (nf-core layout: process, then tool: version), written atomically."""
    lines = [f"{json.dumps(process)}:"]
    lines += [f"  {name}: {json.dumps(version)}" for name, version in loaded_versions().items()]
    temporary = f"{path}.tmp{os.getpid()}"
    Path(temporary).write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(temporary, path)


PATH_FIELDS = {  # options field annotation -> how an argument's text becomes that value
    "Path": Path,
    "Path | None": lambda text: Path(text) if text else None,
    "tuple[Path, ...]": lambda texts: tuple(Path(text) for text in texts),
}


def options_from(options_class: type, args: argparse.Namespace, **converted: Any) -> Any:
    """The options dataclass of a command from its parsed arguments: every field named like
    an argument takes that argument's value (as a Path, optional Path or tuple of Paths when
    the field is annotated so), ``converted`` gives the others (tuples, parsed values); the
    namespace itself goes no further than the CLI."""
    given = vars(args)
    values = {
        f.name: PATH_FIELDS.get(str(f.type), lambda value: value)(given[f.name])
        for f in fields(options_class)
        if f.init and f.name in given
    }
    return options_class(**{**values, **converted})
