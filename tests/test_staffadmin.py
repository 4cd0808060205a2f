"""Staff administration: roles, the active flag, password resets; permissions and audit."""

from __future__ import annotations

import pytest
from factories import actor_ctx
from sqlalchemy import select

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.errors import PermissionDenied, UnlockError, ValidationError
from receptionist.models import AuditEvent
from receptionist.staff import accounts as staff
from receptionist.staff import admin as staffadmin
from receptionist.store.storage import Database


@pytest.fixture
def users(db: Database, ctx: Ctx) -> dict[str, str]:
    with db.write() as s:
        boss = staff.create_user(s, ctx, username="boss", password="boss-pass-1", role="admin")
        desk = staff.create_user(
            s, ctx, username="desk", password="desk-pass-1", role="receptionist"
        )
        return {"boss": boss.id, "desk": desk.id}


def test_lists_accounts_without_hashes(db: Database, ctx: Ctx, users: dict[str, str]) -> None:
    with db.read() as s:
        rows = staffadmin.list_users(s, ctx)
    assert [(r.username, r.role, r.active) for r in rows] == [
        ("boss", "admin", True),
        ("desk", "receptionist", True),
    ]
    assert not hasattr(rows[0], "password_hash")


@pytest.mark.parametrize("role", ["manager", "receptionist", "provider"])
def test_only_admins_manage_staff(
    db: Database, clock: FixedClock, users: dict[str, str], role: str
) -> None:
    other = actor_ctx(role, clock)
    with db.write() as s, pytest.raises(PermissionDenied):
        staffadmin.update_user(s, other, users["desk"], role="admin")
    with db.write() as s, pytest.raises(PermissionDenied):
        staffadmin.reset_password(s, other, users["desk"], "new-password")
    with db.read() as s, pytest.raises(PermissionDenied):
        staffadmin.list_users(s, other)


def test_change_role_and_deactivate_is_audited(
    db: Database, ctx: Ctx, users: dict[str, str]
) -> None:
    with db.write() as s:
        row = staffadmin.update_user(s, ctx, users["desk"], role="manager", active=False)
    assert (row.role, row.active) == ("manager", False)
    with db.read() as s:
        event = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert event is not None
        assert (event.action, event.entity_type, event.entity_id) == (
            "update",
            "staff_user",
            users["desk"],
        )
        with pytest.raises(UnlockError):
            staff.authenticate(s, ctx, "desk", "desk-pass-1")


def test_unknown_role_names_the_field(db: Database, ctx: Ctx, users: dict[str, str]) -> None:
    with db.write() as s, pytest.raises(ValidationError) as caught:
        staffadmin.update_user(s, ctx, users["desk"], role="janitor")
    assert caught.value.field == "role"


def test_the_last_admin_stays(db: Database, ctx: Ctx, users: dict[str, str]) -> None:
    with db.write() as s, pytest.raises(ValidationError) as caught:
        staffadmin.update_user(s, ctx, users["boss"], role="manager")
    assert caught.value.field == "role"
    with db.write() as s, pytest.raises(ValidationError) as caught:
        staffadmin.update_user(s, ctx, users["boss"], active=False)
    assert caught.value.field == "active"
    with db.write() as s:  # with a second admin, the first may step down
        staffadmin.update_user(s, ctx, users["desk"], role="admin")
        assert staffadmin.update_user(s, ctx, users["boss"], role="manager").role == "manager"


def test_cannot_disable_yourself(db: Database, clock: FixedClock, users: dict[str, str]) -> None:
    me = actor_ctx("admin", clock, user_id=users["boss"])
    with db.write() as s:
        staffadmin.update_user(s, me, users["desk"], role="admin")
    with db.write() as s, pytest.raises(ValidationError) as caught:
        staffadmin.update_user(s, me, users["boss"], active=False)
    assert caught.value.field == "active"


def test_reset_password(db: Database, ctx: Ctx, users: dict[str, str]) -> None:
    with db.write() as s, pytest.raises(ValidationError) as caught:
        staffadmin.reset_password(s, ctx, users["desk"], "short")
    assert caught.value.field == "password"
    with db.write() as s:
        staffadmin.reset_password(s, ctx, users["desk"], "a-new-password")
    with db.write() as s:
        assert staff.authenticate(s, ctx, "desk", "a-new-password").user_id == users["desk"]
        with pytest.raises(UnlockError):
            staff.authenticate(s, ctx, "desk", "desk-pass-1")
        actions = list(
            s.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == users["desk"]))
        )
    assert "password_reset" in actions


def test_the_unknown_name_check_costs_what_a_real_one_does() -> None:
    """The fixed hash an unknown name is checked against carries the parameters the
    hasher gives new passwords (else a wrong name would answer faster than a wrong
    password, telling which names exist)."""
    from argon2 import PasswordHasher, extract_parameters

    fresh = PasswordHasher().hash("any password")  # the product's hasher, unpatched
    assert extract_parameters(staff.UNKNOWN_NAME_HASH) == extract_parameters(fresh)
    assert PasswordHasher().verify(staff.UNKNOWN_NAME_HASH, "timing-equaliser")
