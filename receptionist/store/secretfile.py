"""Secrets given through the environment: a variable's value, or a file it names.

``RECEPTIONIST_PASSPHRASE_FILE`` and every other ``*_FILE`` secret is read through
:func:`read_secret_file`, so a file that is not text, or that never ends
(``/dev/zero``), is refused with a sentence naming the variable instead of failing
somewhere later; a value holding a byte that is not UTF-8 (a lone surrogate after
Python decodes the environment) is refused by :func:`check_secret`.
"""

from __future__ import annotations

from pathlib import Path

from receptionist.errors import UserError
from receptionist.texts import QT_TRANSLATE_NOOP, Text

MAX_SECRET_FILE = 64 * 1024  # a passphrase or password is one line; this is plenty


def read_secret_file(variable: str, path: Path) -> str:
    """The secret in ``path`` (UTF-8, its final line end dropped), named by ``variable``."""
    path = path.expanduser()
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_SECRET_FILE + 1)
    except OSError as exc:
        raise UserError(
            Text(
                QT_TRANSLATE_NOOP("core", "{variable} names {path}, which cannot be read."),
                variable=variable,
                path=str(path),
            )
        ) from exc
    if len(raw) > MAX_SECRET_FILE:
        raise UserError(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "{variable} names {path}, which is larger than {limit} KB; the file "
                    "should hold the secret alone, on one line.",
                ),
                variable=variable,
                path=str(path),
                limit=MAX_SECRET_FILE // 1024,
            )
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "{variable} names {path}, which is not UTF-8 text; save the secret in it "
                    "as UTF-8.",
                ),
                variable=variable,
                path=str(path),
            )
        ) from exc
    return text.rstrip("\r\n")


def check_secret(variable: str, value: str) -> str:
    """``value`` if it is text; a byte that was not UTF-8 in the environment is refused."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise UserError(
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "{variable} holds a byte that is not UTF-8 text; set it again."
                ),
                variable=variable,
            )
        ) from None
    return value
