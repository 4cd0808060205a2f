"""user add|list|update|deactivate|reactivate|reset-password: staff accounts."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from receptionist.cli.common import App, examples, read_secret
from receptionist.context import Ctx
from receptionist.errors import UserError
from receptionist.ops import staff
from receptionist.ops.staff import StaffRow
from receptionist.roles import ROLES
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

PASSWORD_ENV = "RECEPTIONIST_USER_PASSWORD"
ROLE_HELP = "one of: " + ", ".join(ROLES)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user_p = sub.add_parser("user", help="staff accounts")
    user_sub = user_p.add_subparsers(dest="user_cmd", required=True)
    p = user_sub.add_parser(
        "add",
        help=f"add a staff account (its password from {PASSWORD_ENV} or asked)",
        **examples("receptionist user add ayse --role receptionist --full-name 'Ayşe Kaya'"),
    )
    p.add_argument("username", help="2-64 lower-case letters, digits, dots, dashes, underscores")
    p.add_argument("--role", choices=ROLES, default="receptionist", help=ROLE_HELP)
    p.add_argument("--full-name", default="", help="the person's name, as lists show it")
    p.set_defaults(func=cmd_user_add)
    p = user_sub.add_parser(
        "list", help="list staff accounts", **examples("receptionist user list --json")
    )
    p.set_defaults(func=cmd_user_list)
    p = user_sub.add_parser(
        "update",
        help="change an account's role or full name",
        **examples(
            "receptionist user update ayse --role manager",
            "receptionist user update ayse --full-name 'Ayşe Kaya Demir'",
        ),
    )
    p.add_argument("username", help="the account's user name")
    p.add_argument("--role", choices=ROLES, help=ROLE_HELP)
    p.add_argument("--full-name", help="the person's name, as lists show it")
    p.set_defaults(func=cmd_user_update)
    for name, active, what in (
        ("deactivate", False, "the account may no longer sign in (its history stays)"),
        ("reactivate", True, "the account may sign in again"),
    ):
        p = user_sub.add_parser(name, help=what, **examples(f"receptionist user {name} ayse"))
        p.add_argument("username", help="the account's user name")
        p.set_defaults(func=lambda app, on=active: _set_active(app, on))
    p = user_sub.add_parser(
        "reset-password",
        help=f"give an account a new password (from {PASSWORD_ENV} or asked)",
        **examples(f"receptionist user reset-password ayse   # the password from {PASSWORD_ENV}"),
    )
    p.add_argument("username", help="the account's user name")
    p.set_defaults(func=cmd_user_reset_password)


def _password(what: str) -> str:
    value = read_secret("RECEPTIONIST_USER_PASSWORD", what, confirm=True)
    if not value:
        raise UserError(
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "No password given; type it when asked or set {variable}."
                ),
                variable=PASSWORD_ENV,
            )
        )
    return value


def describe(row: StaffRow) -> dict[str, Any]:
    return asdict(row)


def _line(row: StaffRow) -> str:
    return f"{row.username:<20} {row.role:<13} {'' if row.active else 'disabled'}".rstrip()


def _on_account(app: App, change: Callable[[Database, Ctx, str], StaffRow]) -> StaffRow:
    """``change`` applied to the account named on the command line."""
    with app.database() as db:
        ctx = app.ctx(db)
        found = staff.find_user(db, ctx, app.args.username)
        return change(db, ctx, found.id)


def cmd_user_add(app: App) -> int:
    password = _password("Password for the new account")
    a = app.args
    with app.database() as db:
        row = staff.add_user(
            db,
            app.ctx(db),
            username=a.username,
            password=password,
            role=a.role,
            full_name=a.full_name,
        )
    app.emit(describe(row), f"Added {row.username} ({row.role}).")
    return 0


def cmd_user_list(app: App) -> int:
    with app.database() as db:
        rows = staff.users(db, app.ctx(db))
    app.emit([describe(r) for r in rows], "\n".join(map(_line, rows)) or "No staff accounts.")
    return 0


def cmd_user_update(app: App) -> int:
    a = app.args
    if a.role is None and a.full_name is None:
        raise UserError(
            Text(QT_TRANSLATE_NOOP("core", "Nothing to change: give --role or --full-name."))
        )
    row = _on_account(
        app,
        lambda db, ctx, uid: staff.update_user(db, ctx, uid, role=a.role, full_name=a.full_name),
    )
    app.emit(describe(row), f"Updated {row.username}: {row.role}, {row.full_name or '-'}.")
    return 0


def _set_active(app: App, active: bool) -> int:
    row = _on_account(app, lambda db, ctx, uid: staff.update_user(db, ctx, uid, active=active))
    state = "may sign in" if row.active else "may no longer sign in"
    app.emit(describe(row), f"{row.username} {state}.")
    return 0


def cmd_user_reset_password(app: App) -> int:
    password = _password("New password")
    row = _on_account(app, lambda db, ctx, uid: staff.reset_password(db, ctx, uid, password))
    app.emit(describe(row), f"The password of {row.username} was reset.")
    return 0
