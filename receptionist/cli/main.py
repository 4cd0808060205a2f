"""``receptionist``: the admin command line.

Exit codes: 0 done, 2 bad input (the message names the field), 3 locked, busy, wrong
key or damaged file, 1 anything else. Each run is logged (``receptionist.logs``): the
command's name, its outcome and how long it took, never the values given to it.
"""

from __future__ import annotations

import argparse
import difflib
import json
import logging
import re
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any, NoReturn, Protocol

from receptionist import __version__
from receptionist.cli import (
    appointmentcmds,
    backupcmds,
    catalogcmds,
    commlogcmds,
    conflictcmds,
    democmd,
    documentcmds,
    jobcmds,
    patientcmds,
    remindercmds,
    retentioncmds,
    settingscmds,
    setupcmds,
    staffcmds,
    timeoffcmds,
    waitlistcmds,
)
from receptionist.cli.common import App, default_clock, stdout_to_devnull
from receptionist.cli.lazy import Commands
from receptionist.errors import Damaged, ReceptionistError
from receptionist.freetext import json_printable, printable
from receptionist.logs import FILE_ONLY, logging_for
from receptionist.safelog import describe
from receptionist.store.storage import examining
from receptionist.texts import QT_TRANSLATE_NOOP, Text

log = logging.getLogger("receptionist.cli")
MODULES = [
    setupcmds, staffcmds, settingscmds, catalogcmds, timeoffcmds, patientcmds, documentcmds,
    commlogcmds, appointmentcmds, waitlistcmds, conflictcmds, remindercmds, backupcmds,
    retentioncmds, jobcmds, democmd,
]  # fmt: skip
# The module that registers each command: a command line whose command is named first
# builds that module's parsers only (the whole tree is some 500 ``add_argument`` calls,
# 20 to 30 ms of CPU), and those of the extra modules (``lazy.Commands``) that add or
# extend that command: the installed ``receptionist`` (``sync/cli.py``) imports none of
# the network's modules for a core command.
OWNERS: dict[str, Any] = {
    **dict.fromkeys(("audit", "check", "compact", "init", "passphrase", "rekey"), setupcmds),
    "user": staffcmds, "settings": settingscmds, "provider": catalogcmds,
    "room": catalogcmds, "service": catalogcmds, "timeoff": timeoffcmds,
    "patient": patientcmds, "document": documentcmds, "commlog": commlogcmds,
    "appointment": appointmentcmds, "slots": appointmentcmds, "waitlist": waitlistcmds,
    "conflicts": conflictcmds, "channels": remindercmds, "reminders": remindercmds,
    "backup": backupcmds, "sweep": retentioncmds, "jobs": jobcmds, "demo": democmd,
}  # fmt: skip


class BadArguments(Exception):
    """The command line does not parse (argparse's error, raised instead of exiting)."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(message)
        self.parser = parser
        self.message = message

    @property
    def field(self) -> str | None:
        """The option the message is about (``--minutes`` -> "minutes"), if it names one."""
        found = re.search(r"(?:argument |required: |unknown option )--([\w-]+)", self.message)
        return found.group(1) if found else None


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise BadArguments(self, message)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """A mistyped option is named before anything else is said, even when required
        options are missing too: "unknown option --provder; did you mean --provider?"."""
        words = list(sys.argv[1:] if args is None else args)
        if not any(isinstance(a, argparse._SubParsersAction) for a in self._actions):
            _refuse_unknown_options(self, words)
        return super().parse_known_args(words, namespace)


def _refuse_unknown_options(parser: argparse.ArgumentParser, words: list[str]) -> None:
    known = list(parser._option_string_actions)
    for word in words:
        if word == "--":
            return
        if not word.startswith("--") or len(word) < 3:
            continue
        option = word.split("=", 1)[0]
        if option in known or len([k for k in known if k.startswith(option)]) == 1:
            continue  # an option, or an abbreviation of exactly one
        near = difflib.get_close_matches(option, known, n=1, cutoff=0.6)
        hint = f"; did you mean {near[0]}?" if near else f"; `{parser.prog} --help` lists them"
        raise BadArguments(parser, f"unknown option {option}{hint}")


# Options of the whole program, accepted before or after the command's name.
GLOBAL_OPTIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("--data-dir", {"help": "the clinic's data folder (or RECEPTIONIST_DATA_DIR)"}),
    ("--user", {"help": "the staff account acting (default: the first admin)"}),
    (
        "--verbose",
        {
            "action": "store_true",
            "help": "also print the log's lines (what ran, failures, timings) on stderr",
        },
    ),
)
JSON_HELP = "machine-readable output on stdout, errors included"
# Every environment variable a command may read (README's table says more of each).
ENVIRONMENT: tuple[tuple[str, str], ...] = (
    ("RECEPTIONIST_DATA_DIR", "the clinic's data folder (as --data-dir)"),
    ("RECEPTIONIST_PASSPHRASE", "admin passphrase or recovery code, where no keychain"),
    ("RECEPTIONIST_ADMIN_PASSWORD", "init: the first administrator's password"),
    ("RECEPTIONIST_USER_PASSWORD", "user add: the new account's password"),
    ("RECEPTIONIST_NEW_PASSPHRASE", "passphrase, rekey: the new admin passphrase"),
    ("RECEPTIONIST_CHANNEL_SECRET", "channels set: the channel's password or token"),
    ("RECEPTIONIST_LOG_DIR", "where cli.log is written"),
    ("RECEPTIONIST_CONFIG_DIR", "where this PC's preferences are kept"),
    ("CI", "when set, nothing is asked on the terminal"),
)
EPILOG = (
    "each command's --help lists its options and examples, e.g.\n"
    "  receptionist appointment book --help\n\n"
    "environment (each secret may instead be in the file that NAME_FILE names):\n"
    + "\n".join(f"  {name:<29} {what}" for name, what in ENVIRONMENT)
)
# ``check`` opens a damaged file on purpose: it is the command that says what is wrong.
EXAMINES_DAMAGE = {"check"}
BEYOND_CHECK = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "The clinic file is damaged so badly that check cannot read it: restore the last "
        "good backup.",
    )
)


class CommandModule(Protocol):
    """A module of commands: it adds its parsers to the command line."""

    def register(self, sub: Any) -> None: ...  # an argparse._SubParsersAction


def build_parser(
    extra: Sequence[CommandModule] = (), command: str | None = None
) -> argparse.ArgumentParser:
    """The whole command line: the core's commands, and ``extra`` ones (the network's,
    from ``sync/``, which the core cannot import). With ``command`` (one that
    ``_command_first`` knows), only the modules that register or extend it: the same
    parsers for that command, none (or few) for the others."""
    parser = _Parser(
        prog="receptionist",
        description="Receptionist: the clinic front desk, administered.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"receptionist {__version__}")
    for option, settings in GLOBAL_OPTIONS:
        parser.add_argument(option, **settings)
    parser.add_argument("--json", action="store_true", help=JSON_HELP)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _modules(extra, command):
        module.register(sub)
    _global_options_on(sub)
    return parser


def _modules(extra: Sequence[CommandModule], command: str | None) -> list[CommandModule]:
    """The modules whose parsers a line of ``command`` needs, in the whole tree's order:
    all of them without a command, or when an extra module is not a ``Commands`` (it
    does not say what it adds)."""
    if command is None or not all(isinstance(m, Commands) for m in extra):
        return [*MODULES, *extra]
    own: list[CommandModule] = [OWNERS[command]] if command in OWNERS else []
    return own + [m for m in extra if isinstance(m, Commands) and m.needed_by(command)]


def _known(extra: Sequence[CommandModule]) -> set[str]:
    """The commands whose modules are known without importing any: none when an extra
    module does not say what it adds."""
    added = [m.adds for m in extra if isinstance(m, Commands)]
    if len(added) < len(extra):
        return set()
    return {*OWNERS, *(command for adds in added for command in adds)}


def _jobs(extra: Sequence[CommandModule]) -> tuple[Any, ...]:
    """The front end's background jobs (``jobs list|run`` add them to the core's),
    its modules imported only now, when a command asks for them."""
    found: list[Any] = []
    for module in extra:
        if isinstance(module, Commands):
            found.extend(module.carried_jobs())
        else:
            found.extend(getattr(module, "JOBS", ()))
    return tuple(found)


def _global_options_on(action: argparse._SubParsersAction[Any]) -> None:
    """Every command takes the global options too (``demo --data-dir DIR``); given
    there, they win, and not given there, they leave the value given before it."""
    for command in set(action.choices.values()):
        nested = [a for a in command._actions if isinstance(a, argparse._SubParsersAction)]
        for inner in nested:
            _global_options_on(inner)
        if nested:
            continue
        for option, settings in GLOBAL_OPTIONS:
            if option not in command._option_string_actions:
                command.add_argument(option, default=argparse.SUPPRESS, **settings)
        if "--json" not in command._option_string_actions:  # taken anywhere; listed here
            command.add_argument("--json", action="store_true", help=JSON_HELP)


def main(argv: Sequence[str] | None = None, extra: Sequence[CommandModule] = ()) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    with logging_for("cli", verbose="--verbose" in words):
        started = time.perf_counter()
        name, code, outcome = _run(words, extra)
        took = (time.perf_counter() - started) * 1000
        log.info("%s: exit %d (%s) in %.0f ms", name, code, outcome, took)
    return code


def _run(words: list[str], extra: Sequence[CommandModule] = ()) -> tuple[str, int, str]:
    """Parse and run one command line: (the command's name, exit code, outcome)."""
    # --json is accepted anywhere on the line, not only before the command.
    as_json = "--json" in words
    line = [w for w in words if w != "--json"]
    try:
        parser, args = _parse(line, extra)
    except BadArguments as bad:
        bad.parser.print_usage(sys.stderr)
        print(printable(f"{bad.parser.prog}: error: {bad.message}"), file=sys.stderr)
        if as_json:
            said = {"error": bad.message, "field": bad.field, "exit_code": 2}
            _quietly(lambda: print(json_printable(json.dumps(said, ensure_ascii=False, indent=2))))
        name = bad.parser.prog.removeprefix("receptionist").strip()  # built by the parser
        return name or "(no command)", 2, "bad arguments"
    args.json = as_json
    # A front end's background jobs ride with its commands (sync/ adds cloud sync),
    # imported only by the command that asks for them.
    args.extra_jobs = lambda: _jobs(extra)
    name = command_name(parser, args)
    app = App(args, default_clock())
    try:
        with _examining_if(args.command in EXAMINES_DAMAGE):
            code: int = args.func(app)
        if sys.stdout is not None:
            sys.stdout.flush()  # here, so a closed pipe is caught below, not at exit
    except ReceptionistError as exc:
        if isinstance(exc, Damaged):  # where it was met, for the log only
            log.error("%s met a damaged file: %s", name, describe(exc), extra=FILE_ONLY)
            if args.command in EXAMINES_DAMAGE:
                exc = Damaged(BEYOND_CHECK)
        _tell(exc, as_json)
        return name, exc.exit_code, _outcome(exc)
    except BrokenPipeError:
        # Output piped into a reader that stopped (`| head`): not a failure to report.
        stdout_to_devnull()
        return name, 1, "closed pipe"
    except KeyboardInterrupt:
        print("Interrupted; nothing more was changed.", file=sys.stderr)
        return name, 1, "interrupted"
    except Exception as exc:
        log.error("unexpected failure in %s: %s", name, describe(exc), extra=FILE_ONLY)
        print(
            "error: something unexpected went wrong; details (without patient data) were logged.",
            file=sys.stderr,
        )
        return name, 1, "unexpected failure"
    return name, code, "done"


def _parse(
    line: list[str], extra: Sequence[CommandModule]
) -> tuple[argparse.ArgumentParser, argparse.Namespace]:
    """The line parsed by the parsers of its command only, when the command comes first
    (after the program's own options); what that parser's top level refuses (a word it
    does not know, no command) is parsed again by the whole command line, so that each
    refusal and each help text is the one the whole tree gives. A refusal by the
    command's own parsers is the same in both: the same parsers, given the same words."""
    command = _command_first(line, _known(extra))
    if command is None:
        parser = build_parser(extra)
        return parser, parser.parse_args(line)
    parser = build_parser(extra, command)
    try:
        return parser, parser.parse_args(line)
    except BadArguments as bad:
        if bad.parser is not parser:
            raise
    parser = build_parser(extra)
    return parser, parser.parse_args(line)


def _command_first(line: list[str], known: set[str]) -> str | None:
    """The command's name, when it is the first word but for the program's own options
    spelled in full (``--data-dir DIR``, ``--user=NAME``, ``--verbose``) and one of
    ``known``; else None."""
    valued = [option for option, settings in GLOBAL_OPTIONS if "action" not in settings]
    flags = [option for option, settings in GLOBAL_OPTIONS if "action" in settings]
    words = iter(line)
    for word in words:
        if word in valued:
            next(words, None)
        elif word not in flags and not word.startswith(tuple(o + "=" for o in valued)):
            return word if word in known else None
    return None


def _examining_if(check: bool) -> AbstractContextManager[None]:
    return examining() if check else nullcontext()


def _tell(exc: ReceptionistError, as_json: bool) -> None:
    """The error's sentence on stderr, and with --json as data on stdout too."""
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


def _outcome(exc: ReceptionistError) -> str:
    """What the log says of a refusal: its kind and the option it names, not its text
    (a message may quote what was typed)."""
    field = _option(getattr(exc, "field", None))
    return f"{type(exc).__name__}, --{field}" if field else type(exc).__name__


def command_name(parser: argparse.ArgumentParser, args: argparse.Namespace) -> str:
    """``patient add``: the names of the (sub)commands chosen, from the parser's own
    choices (never a value typed on the line)."""
    words: list[str] = []
    current: argparse.ArgumentParser | None = parser
    while current is not None:
        chooser = next(
            (a for a in current._actions if isinstance(a, argparse._SubParsersAction)), None
        )
        chosen = getattr(args, chooser.dest, None) if chooser is not None else None
        if chooser is None or chosen not in chooser.choices:
            break
        words.append(chosen)
        current = chooser.choices[chosen]
    return " ".join(words)


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
