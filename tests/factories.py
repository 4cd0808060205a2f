"""Builders of test data: the clinic, its providers, rooms and services, patients, actors.

The clinic and its catalogue go through the core (validated and audited), as the desk
would make them. ``add_clinic`` and ``make_patient`` write plain ORM rows instead, for
tests that want no audit event or a patient with a given number and search position.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy.orm import Session

from receptionist.clock import Clock
from receptionist.context import Actor, Ctx
from receptionist.journal import audit
from receptionist.models import Clinic, ClinicSetting, Patient, Provider, Room, Service, setting_id
from receptionist.roles import Role
from receptionist.schedule import catalog, clinic
from receptionist.store.storage import Database

Hours = dict[str, list[list[str]]]
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")
# Where the ``clock`` fixture starts: a Monday, 10:00 in Istanbul.
CLOCK_START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def weekdays(*periods: tuple[str, str], days: Iterable[str] = WORKDAYS) -> Hours:
    """The same opening periods on each of ``days`` (Monday to Friday by default)."""
    return {day: [[lo, hi] for lo, hi in periods] for day in days}


def actor_ctx(role: str, clock: Clock, user_id: str | None = None, source: str = "ui") -> Ctx:
    """A Ctx acting as ``role`` (any string, so a test can name a role that does not exist)."""
    return Ctx(Actor(user_id=user_id, role=cast(Role, role), source=source), clock)


def make_clinic(
    session: Session,
    ctx: Ctx,
    *,
    name: str = "Moda",
    tz: str = "Europe/Istanbul",
    region: str = "TR",
    hours: Hours | None = None,
) -> Clinic:
    """The clinic, created through the core (so audited)."""
    return clinic.create_clinic(
        session, ctx, name=name, timezone=tz, phone_region=region, opening_hours=hours
    )


def add_clinic(
    session: Session,
    now: datetime,
    *,
    name: str = "Test",
    tz: str = "Europe/Istanbul",
    **settings: Any,
) -> Clinic:
    """A bare clinic row in Turkey and its settings, written without an audit event.

    ``settings`` are clinic settings by the clinic's field names (``slot_minutes=15``,
    ``opening_hours={...}``).
    """
    row = Clinic(created_at=now, updated_at=now)
    session.add(row)
    given = {"name": name, "timezone": tz, "phone_region": "TR", **settings}
    for field, value in given.items():
        key = clinic.FIELDS[field].key
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        stamp = {"created_at": now, "updated_at": now}
        session.add(ClinicSetting(id=setting_id(key), key=key, value=text, **stamp))
    return row


def set_clinic(session: Session, **settings: Any) -> None:
    """Change clinic settings (by field name) in place, without an audit event."""
    for field, value in settings.items():
        row = session.get(ClinicSetting, setting_id(clinic.FIELDS[field].key))
        assert row is not None, f"no setting row for {field}"
        row.value = json.dumps(value, ensure_ascii=False, sort_keys=True)


def make_provider(
    session: Session, ctx: Ctx, name: str, hours: Hours | None = None, **fields: Any
) -> Provider:
    return catalog.create_provider(session, ctx, name=name, working_hours=hours, **fields)


def make_service(session: Session, ctx: Ctx, name: str, minutes: int, **fields: Any) -> Service:
    return catalog.create_service(session, ctx, name=name, duration_minutes=minutes, **fields)


def make_room(session: Session, ctx: Ctx, name: str) -> Room:
    return catalog.create_room(session, ctx, name=name)


def make_patient(
    session: Session,
    now: datetime,
    n: int,
    given: str = "A",
    family: str = "B",
    *,
    number: str | None = None,
    **fields: Any,
) -> Patient:
    """A patient row at search position ``n`` (number "T-<n>" unless given), flushed.

    Written straight to the table: no audit event, no search index entry.
    """
    patient = Patient(
        search_rowid=n,
        number=number or f"T-{n}",
        given_name=given,
        family_name=family,
        created_at=now,
        updated_at=now,
        **fields,
    )
    session.add(patient)
    session.flush()
    return patient


def audit_created(session: Session, ctx: Ctx, entity: str, ids: Iterable[str]) -> None:
    """The creation events the core would have written for rows made straight to the
    table (``make_patient``), for a test whose log must cover its rows (``audit.verify``)."""
    for row_id in ids:
        audit.record(session, ctx, "create", entity, row_id)


def make_patients(session: Session, now: datetime, ns: Iterable[int], **fields: Any) -> list[str]:
    """Patients with ids "p<n>" for each ``n``; their ids."""
    return [make_patient(session, now, n, id=f"p{n}", **fields).id for n in ns]


def make_small_clinic(session: Session, ctx: Ctx, hours: Hours) -> dict[str, str]:
    """The Moda clinic with Dr Ayşe working ``hours`` and patients "p1" and "p2".

    Returns ids by short name: {"ayse": ...}; a test adds its own services and rooms.
    """
    make_clinic(session, ctx)
    ayse = make_provider(session, ctx, "Dr Ayşe", hours)
    make_patients(session, ctx.clock.now(), (1, 2))
    return {"ayse": ayse.id}


def downgrade(db: Database, revision: str) -> None:
    """Take ``db``'s schema down to ``revision`` with the revisions' own downgrades."""
    from alembic import command

    from receptionist.store import migrate

    cfg = migrate._config()
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
        conn.commit()
