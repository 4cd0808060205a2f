"""``receptionist``: the admin command line.

Exit codes: 0 done, 2 bad input (the message names the field), 3 locked or wrong key,
1 anything else.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence

from .. import __version__
from ..errors import ReceptionistError
from ..safelog import describe
from . import appointmentcmds, catalogcmds, democmd, patientcmds, setupcmds
from .common import App, default_clock

log = logging.getLogger("receptionist.cli")
MODULES = [setupcmds, catalogcmds, patientcmds, appointmentcmds, democmd]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="receptionist", description="Receptionist: the clinic front desk, administered."
    )
    parser.add_argument("--version", action="version", version=f"receptionist {__version__}")
    parser.add_argument("--data-dir", help="the clinic's data folder (or RECEPTIONIST_DATA_DIR)")
    parser.add_argument("--user", help="the staff account acting (default: the first admin)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    # --json is accepted anywhere on the line, not only before the command.
    as_json = "--json" in words
    args = parser.parse_args([w for w in words if w != "--json"])
    args.json = as_json
    app = App(args, default_clock())
    try:
        code: int = args.func(app)
        if sys.stdout is not None:
            sys.stdout.flush()  # here, so a closed pipe is caught below, not at exit
    except ReceptionistError as exc:
        field = _option(getattr(exc, "field", None))
        prefix = f"error ({field}): " if field else "error: "
        print(prefix + str(exc), file=sys.stderr)
        if as_json:  # a script reads stdout: the error is there too, as data
            error: dict[str, object] = {
                "error": str(exc),
                "field": field,
                "exit_code": exc.exit_code,
            }
            matches = getattr(exc, "matches", None)
            if matches:
                error["matches"] = list(matches)
            _quietly(lambda: print(json.dumps(error, ensure_ascii=False, indent=2)))
        return exc.exit_code
    except BrokenPipeError:
        # Output piped into a reader that stopped (`| head`): not a failure to report.
        _stdout_to_devnull()
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
        _stdout_to_devnull()


def _stdout_to_devnull() -> None:
    """What is left in stdout's buffer goes nowhere, so the flush at exit is quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
