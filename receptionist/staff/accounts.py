"""Staff accounts: Argon2id password hashes, roles, sign-in."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receptionist.context import Actor, Ctx
from receptionist.errors import NotFound, PermissionDenied, UnlockError, ValidationError
from receptionist.freetext import clean_text, is_utf8
from receptionist.journal import audit, records
from receptionist.models import StaffUser
from receptionist.roles import ROLES
from receptionist.texts import QT_TRANSLATE_NOOP, Text

_hasher = PasswordHasher()
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 8
# What an unknown name is checked against, so that it takes as long as a known one. Made
# once with the hasher's parameters (tests/test_staffadmin.py checks they still match):
# hashing it at import cost every CLI command a third of a second before it began.
UNKNOWN_NAME_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$5SfVv5n+aa+bc7qQH+jsIA$"
    "mpp3LvSDuPBAb7v8E/kZI2/cOK4+czkL3/hqe2Q/Q1c"
)
_DUMMY_HASH = UNKNOWN_NAME_HASH  # the tests' fast hasher swaps this one for its own


def _check_new(username: str, password: str, role: str) -> None:
    if not USERNAME.match(username):
        raise ValidationError(
            "username",
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "A user name is 2-64 lower-case letters, digits, dots, dashes or underscores.",
                )
            ),
        )
    check_password(password)
    if role not in ROLES:
        raise ValidationError("role", unknown_role())


def check_password(password: str) -> None:
    """Refuse a new password too short, or with a broken character (a byte the
    terminal could not decode: it cannot be hashed)."""
    if len(password) < MIN_PASSWORD:
        raise ValidationError("password", password_too_short())
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            "password",
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "The password contains a broken character; type it again."
                )
            ),
        ) from None


def clean_full_name(value: object) -> str:
    """A staff member's full name: one line of at most 200 characters, no control
    characters (:mod:`receptionist.freetext`)."""
    return clean_text(value, "full_name", 200, lines=False)


def password_too_short() -> Text:
    """The message refusing a password shorter than :data:`MIN_PASSWORD`."""
    return Text(
        QT_TRANSLATE_NOOP("core", "A password needs at least {limit} characters."),
        limit=MIN_PASSWORD,
    )


def unknown_role() -> Text:
    """The message refusing a role that is not one of :data:`ROLES`."""
    return Text(
        QT_TRANSLATE_NOOP("core", "The role must be one of: {choices}."), choices=", ".join(ROLES)
    )


def create_user(
    session: Session,
    ctx: Ctx,
    *,
    username: str,
    password: str,
    role: str,
    full_name: str = "",
    bootstrap: bool = False,
) -> StaffUser:
    """Add a staff account. ``bootstrap`` allows the very first admin at ``init``."""
    username = username.strip().lower()
    if not bootstrap and not ctx.actor.may("staff.manage"):
        raise PermissionDenied(
            Text(QT_TRANSLATE_NOOP("core", "Only an administrator can add staff accounts."))
        )
    _check_new(username, password, role)
    full_name = clean_full_name(full_name)
    taken = session.scalar(select(func.count()).where(StaffUser.username == username))
    if taken:
        raise ValidationError(
            "username",
            Text(
                QT_TRANSLATE_NOOP("core", "The user name '{username}' is taken; pick another."),
                username=username,
            ),
        )
    user = StaffUser(
        username=username,
        full_name=full_name,
        password_hash=_hasher.hash(password),
        role=role,
        active=True,
    )
    records.insert(session, ctx, user, "staff_user")
    return user


def find_user(session: Session, username: str) -> StaffUser:
    name = username.strip().lower()
    user = None
    if is_utf8(name):  # else no account has it, and SQLite cannot take it
        user = session.scalar(select(StaffUser).where(StaffUser.username == name))
    if user is None or user.deleted_at is not None:
        raise NotFound(
            Text(
                QT_TRANSLATE_NOOP("core", "There is no staff account named '{username}'."),
                username=username,
            )
        )
    return user


def authenticate(session: Session, ctx: Ctx, username: str, password: str) -> Actor:
    """Check a sign-in; the same message for a wrong name or password."""
    user = session.scalar(select(StaffUser).where(StaffUser.username == username.strip().lower()))
    ok = False
    try:
        if user is None:
            _hasher.verify(_DUMMY_HASH, password + "x")
        else:
            ok = _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if user is None or not ok or not user.active or user.deleted_at is not None:
        raise UnlockError(
            Text(QT_TRANSLATE_NOOP("core", "The user name or password is not correct."))
        )
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    actor = Actor(user_id=user.id, role=user.role, source=ctx.actor.source)  # type: ignore[arg-type]
    audit.record(session, Ctx(actor, ctx.clock), "sign_in", "staff_user", user.id)
    return actor


def actor_for(session: Session, username: str, source: str) -> Actor:
    """The Actor of an existing account, for the CLI's ``--user``."""
    user = find_user(session, username)
    if not user.active:
        raise PermissionDenied(
            Text(
                QT_TRANSLATE_NOOP("core", "The staff account '{username}' is disabled."),
                username=username,
            )
        )
    return Actor(user_id=user.id, role=user.role, source=source)  # type: ignore[arg-type]
