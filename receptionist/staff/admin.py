"""Administering staff accounts: list them, change a role or the active flag, reset a
password. Needs the "staff.manage" permission; every change is audited (ids only).

The clinic must keep one active administrator: the last one can be neither demoted
nor disabled, and nobody can disable their own account while signed in with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.context import Ctx, require
from receptionist.errors import ValidationError
from receptionist.journal import records
from receptionist.models import StaffUser
from receptionist.roles import ROLES
from receptionist.staff import accounts as staff
from receptionist.texts import QT_TRANSLATE_NOOP, Text


@dataclass(frozen=True)
class StaffRow:
    """One account as a listing shows it (never the password hash)."""

    id: str
    username: str
    full_name: str
    role: str
    active: bool


def require_manage(ctx: Ctx) -> None:
    require(
        ctx,
        "staff.manage",
        Text(QT_TRANSLATE_NOOP("core", "Only an administrator can change staff accounts.")),
    )


def list_users(session: Session, ctx: Ctx) -> list[StaffRow]:
    """Every account that has not been deleted, by user name."""
    require_manage(ctx)
    query = select(StaffUser).where(StaffUser.deleted_at.is_(None)).order_by(StaffUser.username)
    return [row_of(u) for u in session.scalars(query)]


def row_of(user: StaffUser) -> StaffRow:
    """An account as plain data."""
    return StaffRow(user.id, user.username, user.full_name, user.role, user.active)


def get_user(session: Session, user_id: str) -> StaffUser:
    """The live account with this id, or NotFound."""
    missing = Text(
        QT_TRANSLATE_NOOP("core", "That staff account no longer exists; reopen the list.")
    )
    return records.live(session, StaffUser, user_id, missing)


def update_user(
    session: Session,
    ctx: Ctx,
    user_id: str,
    *,
    role: str | None = None,
    active: bool | None = None,
    full_name: str | None = None,
) -> StaffRow:
    """Change the role, active flag or full name of an account; ``None`` keeps a value."""
    require_manage(ctx)
    user = get_user(session, user_id)
    changes: dict[str, object] = {}
    if role is not None:
        if role not in ROLES:
            raise ValidationError("role", staff.unknown_role())
        changes["role"] = role
    if active is not None:
        if not active and user.id == ctx.actor.user_id:
            raise ValidationError(
                "active",
                Text(
                    QT_TRANSLATE_NOOP(
                        "core", "You cannot disable the account you are signed in with."
                    )
                ),
            )
        changes["active"] = active
    if full_name is not None:
        changes["full_name"] = staff.clean_full_name(full_name)
    _keep_an_admin(session, user, changes)
    records.update(session, ctx, user, "staff_user", changes)
    return row_of(user)


def _keep_an_admin(session: Session, user: StaffUser, changes: dict[str, object]) -> None:
    """Refuse a change that would leave the clinic without an active administrator."""
    stays_admin = changes.get("role", user.role) == "admin" and changes.get("active", user.active)
    if user.role != "admin" or not user.active or stays_admin:
        return
    others = session.scalars(
        select(StaffUser.id).where(
            StaffUser.role == "admin",
            StaffUser.active.is_(True),
            StaffUser.deleted_at.is_(None),
            StaffUser.id != user.id,
        )
    ).first()
    if others is None:
        field = "active" if "active" in changes and not changes["active"] else "role"
        raise ValidationError(
            field,
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "The clinic needs one active administrator; add another first."
                )
            ),
        )


def reset_password(session: Session, ctx: Ctx, user_id: str, password: str) -> None:
    """Give an account a new password (the user should change it after signing in)."""
    require_manage(ctx)
    user = get_user(session, user_id)
    staff.check_password(password)
    user.password_hash = staff._hasher.hash(password)  # the one hasher and its parameters
    records.save(session, ctx, user, "password_reset", "staff_user")
