"""Staff accounts: who is acting (the account a command or a sign-in runs as), and
what an administrator does to accounts: list, add, change, deactivate, reset a password.

The rules (user names, password length, roles, the last administrator, one's own
account) live in ``staff.accounts`` and ``staff.admin``.
"""

from __future__ import annotations

from sqlalchemy import select

from receptionist.clock import Clock
from receptionist.context import Actor, Ctx
from receptionist.errors import NotFound
from receptionist.models import StaffUser
from receptionist.staff import accounts, admin
from receptionist.staff.admin import StaffRow
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

__all__ = [
    "StaffRow",
    "acting",
    "add_user",
    "deactivate_user",
    "find_user",
    "reactivate_user",
    "reset_password",
    "sign_in",
    "update_user",
    "users",
]

NO_ADMIN = Text(QT_TRANSLATE_NOOP("core", "This clinic has no active administrator; pass --user."))


def acting(db: Database, clock: Clock, username: str | None, source: str) -> Ctx:
    """The context of ``username`` (or, when none is given, of the first active
    administrator), acting from ``source`` ("cli", "scheduler", ...)."""
    with db.read() as s:
        if username:
            return Ctx(accounts.actor_for(s, username, source), clock)
        first = s.scalar(
            select(StaffUser.username)
            .where(StaffUser.role == "admin", StaffUser.active.is_(True))
            .where(StaffUser.deleted_at.is_(None))
            .order_by(StaffUser.created_at)
            .limit(1)
        )
        if first is None:
            raise NotFound(NO_ADMIN)
        return Ctx(accounts.actor_for(s, first, source), clock)


def sign_in(db: Database, clock: Clock, username: str, password: str, source: str) -> Actor:
    """Check a sign-in (the same message for a wrong name or password); audited (in a
    copy restored to look at too: opening it needs it)."""
    with db.write(in_copy=True) as s:
        return accounts.authenticate(
            s, Ctx(Actor(None, "receptionist", source), clock), username, password
        )


# --- administering accounts (the "staff.manage" permission; never the last admin) ----


def users(db: Database, ctx: Ctx) -> list[StaffRow]:
    """Every staff account, by user name (never a password hash)."""
    with db.read() as s:
        return admin.list_users(s, ctx)


def find_user(db: Database, ctx: Ctx, username: str) -> StaffRow:
    """The account called ``username`` (any case), for a front end that holds the name."""
    with db.read() as s:
        admin.require_manage(ctx)
        return admin.row_of(accounts.find_user(s, username))


def add_user(
    db: Database,
    ctx: Ctx,
    *,
    username: str,
    password: str,
    role: str,
    full_name: str = "",
    active: bool = True,
) -> StaffRow:
    """A new account; ``active=False`` makes it disabled from the start."""
    with db.write() as s:
        user = accounts.create_user(
            s, ctx, username=username, password=password, role=role, full_name=full_name
        )
        if not active:
            return admin.update_user(s, ctx, user.id, active=False)
        return admin.row_of(user)


def update_user(
    db: Database,
    ctx: Ctx,
    user_id: str,
    *,
    role: str | None = None,
    active: bool | None = None,
    full_name: str | None = None,
    password: str | None = None,
) -> StaffRow:
    """Change an account's role, active flag or full name, and (given a ``password``)
    reset its password, all in one transaction; ``None`` keeps a value."""
    with db.write() as s:
        if password:
            admin.reset_password(s, ctx, user_id, password)
        return admin.update_user(s, ctx, user_id, role=role, active=active, full_name=full_name)


def deactivate_user(db: Database, ctx: Ctx, user_id: str) -> StaffRow:
    """The account may no longer sign in (its history stays)."""
    return update_user(db, ctx, user_id, active=False)


def reactivate_user(db: Database, ctx: Ctx, user_id: str) -> StaffRow:
    return update_user(db, ctx, user_id, active=True)


def reset_password(db: Database, ctx: Ctx, user_id: str, password: str) -> StaffRow:
    """A new password for the account (its owner should change it after signing in)."""
    with db.write() as s:
        admin.reset_password(s, ctx, user_id, password)
        return admin.row_of(admin.get_user(s, user_id))
