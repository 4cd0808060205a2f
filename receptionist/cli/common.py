"""What every command shares: opening the clinic, the acting user, output."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from receptionist.clock import Clock, SystemClock
from receptionist.context import Ctx
from receptionist.errors import UserError
from receptionist.freetext import json_printable, printable
from receptionist.ops import staff as staff_ops
from receptionist.ops.maintenance import Step
from receptionist.store.secretfile import check_secret, read_secret_file
from receptionist.store.storage import Database
from receptionist.store.vault import AskSecret, default_data_dir, open_unlocked, unlock


@dataclass
class App:
    args: argparse.Namespace
    clock: Clock
    _key: bytes | None = field(default=None, init=False, repr=False)

    @property
    def data_dir(self) -> Path:
        given = getattr(self.args, "data_dir", None)
        return Path(given).expanduser() if given else default_data_dir()

    @property
    def as_json(self) -> bool:
        return bool(getattr(self.args, "json", False))

    def key(self) -> bytes:
        """The clinic's data key (keychain, environment or typed), asked for once."""
        if self._key is None:
            self._key = unlock(self.data_dir, ask=terminal_ask())
        return self._key

    @contextmanager
    def database(self) -> Iterator[Database]:
        db = open_unlocked(self.data_dir, self.key())
        try:
            yield db
        finally:
            db.close()

    def ctx(self, db: Database) -> Ctx:
        """Who runs this command: ``--user``, or the first active administrator."""
        return staff_ops.acting(db, self.clock, getattr(self.args, "user", None), "cli")

    def emit(self, data: Any, text: str) -> None:
        """Print ``text`` for people, or ``data`` as JSON with ``--json``. Either way,
        control characters and direction overrides in stored text (saved before they
        were refused, or by other means) reach the terminal as visible escapes, never
        raw (:func:`receptionist.freetext.printable`); the JSON still reads back the same."""
        if self.as_json:
            dumped = json.dumps(data, default=_json_default, ensure_ascii=False, indent=2)
            print(json_printable(dumped))
        else:
            print(printable(text))


def show_progress(step: Step) -> None:
    """A long operation's progress on stderr (stdout stays the result, JSON or text):
    "checking references (3/4)..."."""
    count = f" ({step.number}/{step.steps})" if step.steps > 1 else ""
    print(printable(f"{step.what}{count}..."), file=sys.stderr, flush=True)


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number from ``low`` to ``high``. Anything else is
    refused by argparse (exit 2) as "argument --days: must be a whole number from 1 to
    366", which names the option."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be a whole number from {low} to {high}")
        return value

    return parse


def examples(*lines: str) -> dict[str, Any]:
    """Keywords for ``add_parser`` that end a command's help with examples::

    sub.add_parser("book", help="book an appointment",
                   **examples("receptionist appointment book --patient A-12 ..."))
    """
    shown = "\n".join(f"  {line}" for line in lines)
    return {
        "epilog": f"examples:\n{shown}",
        "formatter_class": argparse.RawDescriptionHelpFormatter,
    }


def stdout_to_devnull() -> None:
    """What is left in stdout's buffer goes nowhere, so the flush at exit is quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)


def _json_default(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def terminal_ask() -> AskSecret | None:
    """Ask for a secret on the terminal; None when nobody is there to answer."""
    if not sys.stdin.isatty() or os.environ.get("CI"):
        return None

    def ask(prompt: str) -> str | None:
        try:
            typed = getpass.getpass(prompt + ": ")
        except (EOFError, KeyboardInterrupt):
            return None
        except UnicodeDecodeError:
            raise UserError(
                "What was typed is not UTF-8 text; check the terminal's encoding."
            ) from None
        return typed or None

    return ask


def read_secret(env_name: str, prompt: str, *, confirm: bool = False) -> str | None:
    """A secret from the environment, or typed (twice when ``confirm``), or None."""
    if os.environ.get(env_name):
        return check_secret(env_name, os.environ[env_name])
    file_var = env_name + "_FILE"
    if os.environ.get(file_var):
        return read_secret_file(file_var, Path(os.environ[file_var]))
    ask = terminal_ask()
    if ask is None:
        return None
    first = ask(prompt)
    if first and confirm and ask("Type it again") != first:
        raise UserError("The two entries differ; nothing was changed. Try again.")
    return first


def default_clock() -> Clock:
    return SystemClock()
