"""``receptionist``: the admin command line.

Exit codes: 0 done, 2 bad input (the message names the field), 3 locked or wrong key,
1 anything else.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from receptionist import __version__
from receptionist.cli import appointmentcmds, catalogcmds, democmd, patientcmds, setupcmds
from receptionist.cli.common import App, default_clock, stdout_to_devnull
from receptionist.errors import ReceptionistError
from receptionist.freetext import json_printable, printable
from receptionist.safelog import describe

log = logging.getLogger("receptionist.cli")
MODULES = [setupcmds, catalogcmds, patientcmds, appointmentcmds, democmd]


class BadArguments(Exception):
    """The command line does not parse (argparse's error, raised instead of exiting)."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(message)
        self.parser = parser
        self.message = message

    @property
    def field(self) -> str | None:
        """The option the message is about (``--minutes`` -> "minutes"), if it names one."""
        found = re.search(r"(?:argument |required: )--([\w-]+)", self.message)
        return found.group(1) if found else None


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise BadArguments(self, message)


# Options of the whole program, accepted before or after the command's name.
GLOBAL_OPTIONS = (
    ("--data-dir", "the clinic's data folder (or RECEPTIONIST_DATA_DIR)"),
    ("--user", "the staff account acting (default: the first admin)"),
)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="receptionist", description="Receptionist: the clinic front desk, administered."
    )
    parser.add_argument("--version", action="version", version=f"receptionist {__version__}")
    for option, text in GLOBAL_OPTIONS:
        parser.add_argument(option, help=text)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in MODULES:
        module.register(sub)
    _global_options_on(sub)
    return parser


def _global_options_on(action: argparse._SubParsersAction[Any]) -> None:
    """Every command takes the global options too (``demo --data-dir DIR``); given
    there, they win, and not given there, they leave the value given before it."""
    for command in set(action.choices.values()):
        nested = [a for a in command._actions if isinstance(a, argparse._SubParsersAction)]
        for inner in nested:
            _global_options_on(inner)
        if nested:
            continue
        for option, text in GLOBAL_OPTIONS:
            if option not in command._option_string_actions:
                command.add_argument(option, help=text, default=argparse.SUPPRESS)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    # --json is accepted anywhere on the line, not only before the command.
    as_json = "--json" in words
    try:
        args = parser.parse_args([w for w in words if w != "--json"])
    except BadArguments as bad:
        bad.parser.print_usage(sys.stderr)
        print(printable(f"{bad.parser.prog}: error: {bad.message}"), file=sys.stderr)
        if as_json:
            said = {"error": bad.message, "field": bad.field, "exit_code": 2}
            _quietly(lambda: print(json_printable(json.dumps(said, ensure_ascii=False, indent=2))))
        return 2
    args.json = as_json
    app = App(args, default_clock())
    try:
        code: int = args.func(app)
        if sys.stdout is not None:
            sys.stdout.flush()  # here, so a closed pipe is caught below, not at exit
    except ReceptionistError as exc:
        field = _option(getattr(exc, "field", None))
        prefix = f"error ({field}): " if field else "error: "
        print(printable(prefix + str(exc)), file=sys.stderr)
        if as_json:  # a script reads stdout: the error is there too, as data
            error: dict[str, object] = {
                "error": str(exc),
                "field": field,
                "exit_code": exc.exit_code,
            }
            matches = getattr(exc, "matches", None)
            if matches:
                error["matches"] = list(matches)
            _quietly(lambda: print(json_printable(json.dumps(error, ensure_ascii=False, indent=2))))
        return exc.exit_code
    except BrokenPipeError:
        # Output piped into a reader that stopped (`| head`): not a failure to report.
        stdout_to_devnull()
        return 1
    except KeyboardInterrupt:
        print("Interrupted; nothing more was changed.", file=sys.stderr)
        return 1
    except Exception as exc:
        log.error("unexpected failure in %s: %s", args.command, describe(exc))
        print(
            "error: something unexpected went wrong; details (without patient data) were logged.",
            file=sys.stderr,
        )
        return 1
    return code


# Core field names that the CLI spells otherwise; the rest are the field with dashes.
_OPTIONS = {
    "duration_minutes": "minutes",
    "buffer_before_minutes": "buffer-before",
    "buffer_after_minutes": "buffer-after",
    "working_hours": "hours",
    "optional_data": "consent",
    "preferred_language": "language",
    "preferred_channel": "channel",
    "price_minor": "price",
    "override_reason": "override",
}


def _option(field: str | None) -> str | None:
    """The field as the user typed it on the command line (``--birth-date``)."""
    if not field:
        return None
    return _OPTIONS.get(field, field.replace("_", "-"))


def _quietly(write: Callable[[], None]) -> None:
    """Write to stdout; if its reader is gone, send what is left to /dev/null, so
    Python's own flush at exit does not fail a second time."""
    if sys.stdout is None:  # started with stdout closed: nobody to tell
        return
    try:
        write()
        sys.stdout.flush()
    except OSError:
        stdout_to_devnull()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
