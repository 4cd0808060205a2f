"""Who is acting: the staff account a command or a sign-in runs as."""

from __future__ import annotations

from sqlalchemy import select

from receptionist.clock import Clock
from receptionist.context import Actor, Ctx
from receptionist.errors import NotFound
from receptionist.models import StaffUser
from receptionist.staff import accounts
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

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
    """Check a sign-in (the same message for a wrong name or password); audited."""
    with db.write() as s:
        return accounts.authenticate(
            s, Ctx(Actor(None, "receptionist", source), clock), username, password
        )
