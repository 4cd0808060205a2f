"""settings list|get|set: the settings registry, every scope (clinic, this PC, secrets)."""

from __future__ import annotations

import argparse
from typing import Any

from receptionist.cli.common import App, examples, read_secret
from receptionist.errors import UserError, ValidationError
from receptionist.ops import settings
from receptionist.ops.settings import Entry
from receptionist.settings import registry
from receptionist.settings.registry import SCOPES
from receptionist.texts import QT_TRANSLATE_NOOP, Text, message

SECRET_ENV = "RECEPTIONIST_SETTING_SECRET"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    top = sub.add_parser("settings", help="the clinic's settings, this PC's, and secrets")
    ssub = top.add_subparsers(dest="settings_cmd", required=True)
    p = ssub.add_parser(
        "list",
        help="every setting: key, scope, type, value and default",
        **examples("receptionist settings list", "receptionist settings list --scope pc --json"),
    )
    p.add_argument("--scope", choices=SCOPES, help="only the settings of this scope")
    p.set_defaults(func=cmd_list)
    p = ssub.add_parser(
        "get",
        help="one setting: its value, default, and what it is for",
        **examples("receptionist settings get schedule.slot_minutes"),
    )
    p.add_argument("key", help="the setting's key, like schedule.slot_minutes")
    p.set_defaults(func=cmd_get)
    p = ssub.add_parser(
        "set",
        help=f"change a setting (a secret is read from {SECRET_ENV} or asked, never typed here)",
        **examples(
            "receptionist settings set schedule.slot_minutes 10",
            'receptionist settings set schedule.opening_hours "mon-fri 09:00-18:00"',
        ),
    )
    p.add_argument("key", help="the setting's key, like schedule.slot_minutes")
    p.add_argument(
        "value",
        nargs="?",
        help="the new value as text: 30, true, Europe/Istanbul, #4a90d9, 'mon-fri 09:00-17:00'",
    )
    p.add_argument("--forget", action="store_true", help="a secret only: forget it")
    p.set_defaults(func=cmd_set)


def describe(entry: Entry) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": entry.key,
        "scope": entry.scope,
        "type": entry.type,
        "value": entry.value,
        "default": entry.default,
        "label": entry.label,
        "help": entry.help,
        "set": entry.is_set,
        "editable": entry.editable,
    }
    if entry.scope != "secret":
        data["text"] = entry.text
    return data


def _line(entry: Entry) -> str:
    default = "" if entry.scope == "secret" else f"  (default {entry.kind.show(entry.default)})"
    return f"{entry.key:<28} {entry.scope:<7} {entry.text}{default}"


def cmd_list(app: App) -> int:
    with app.database() as db:
        entries = settings.entries(db, app.ctx(db), app.args.scope)
    app.emit([describe(e) for e in entries], "\n".join(map(_line, entries)))
    return 0


def cmd_get(app: App) -> int:
    with app.database() as db:
        entry = settings.get(db, app.ctx(db), app.args.key)
    app.emit(describe(entry), f"{_line(entry)}\n{entry.label}: {entry.help}")
    return 0


def cmd_set(app: App) -> int:
    a = app.args
    setting = registry.setting(a.key)  # an unknown key is refused before any question
    if setting.scope == "secret":
        text = _secret(a.key, a.value, a.forget)
    elif a.forget:
        raise ValidationError(
            "forget",
            Text(
                QT_TRANSLATE_NOOP("core", "--forget is for secrets; give {key} a value instead."),
                key=setting.key,
            ),
        )
    elif a.value is None:
        raise ValidationError(
            "value",
            Text(
                QT_TRANSLATE_NOOP("core", "Give the new value of {key}: {hint}"),
                key=setting.key,
                hint=setting.kind.hint(),
            ),
        )
    else:
        text = a.value
    with app.database() as db:
        try:
            entry = settings.set_text(db, app.ctx(db), setting.key, text)
        except ValidationError as exc:  # the value typed was refused: name VALUE
            raise ValidationError("value", message(exc)) from None
    said = f"{entry.key} is now {entry.text}."
    note = settings.note_on(entry.key, entry.value) if setting.scope == "pc" else ""
    app.emit(describe(entry), f"{said} {note}" if note else said)
    return 0


def _secret(key: str, typed: str | None, forget: bool) -> str:
    """A secret's new value: never from the command line, where other users of the PC
    and the shell's history would see it."""
    if typed is not None:
        raise ValidationError(
            "value",
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "{key} is a secret: leave the value out and set {variable}, or type it "
                    "when asked.",
                ),
                key=key,
                variable=SECRET_ENV,
            ),
        )
    if forget:
        return ""
    secret = read_secret(SECRET_ENV, f"New value of {key}", confirm=True)
    if not secret:
        raise UserError(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "No secret given; type it when asked or set {variable} (--forget clears it).",
                ),
                variable=SECRET_ENV,
            )
        )
    return secret
