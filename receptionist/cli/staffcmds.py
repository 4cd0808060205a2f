"""user add|list: staff accounts."""

from __future__ import annotations

import argparse

from sqlalchemy import select

from receptionist.cli.common import App, read_secret
from receptionist.errors import PermissionDenied, UserError
from receptionist.models import StaffUser
from receptionist.roles import ROLES
from receptionist.staff.accounts import create_user


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user_p = sub.add_parser("user", help="staff accounts")
    user_sub = user_p.add_subparsers(dest="user_cmd", required=True)
    p = user_sub.add_parser("add", help="add a staff account (password from prompt or env)")
    p.add_argument("username")
    p.add_argument("--role", choices=ROLES, default="receptionist")
    p.add_argument("--full-name", default="")
    p.set_defaults(func=cmd_user_add)
    p = user_sub.add_parser("list", help="list staff accounts")
    p.set_defaults(func=cmd_user_list)


def _password(env: str, what: str) -> str:
    value = read_secret(env, f"{what}", confirm=True)
    if not value:
        raise UserError(f"No {what.lower()} given; type it when asked or set {env}.")
    return value


def cmd_user_add(app: App) -> int:
    password = _password("RECEPTIONIST_USER_PASSWORD", "Password for the new account")
    with app.database() as db, db.write() as session:
        ctx = app.ctx(db)
        user = create_user(
            session,
            ctx,
            username=app.args.username,
            password=password,
            role=app.args.role,
            full_name=app.args.full_name,
        )
        data = {"id": user.id, "username": user.username, "role": user.role}
    app.emit(data, f"Added {data['username']} ({data['role']}).")
    return 0


def cmd_user_list(app: App) -> int:
    with app.database() as db, db.read() as session:
        if not app.ctx(db).actor.may("staff.manage"):
            raise PermissionDenied("Only an administrator can list staff accounts.")
        users = session.scalars(select(StaffUser).order_by(StaffUser.username)).all()
        rows = [
            {"username": u.username, "role": u.role, "active": u.active, "full_name": u.full_name}
            for u in users
        ]
    text = "\n".join(
        f"{r['username']:<20} {r['role']:<13} {'' if r['active'] else 'disabled'}" for r in rows
    )
    app.emit(rows, text or "No staff accounts.")
    return 0
