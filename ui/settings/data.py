"""What the settings dialog shows, read and written on the database worker.

Every function here runs on the worker (``DbOp``) and returns plain frozen data, so no
ORM object crosses to the GUI thread. Each save runs in one write transaction (a
refused change writes nothing) and returns a fresh :class:`Snapshot` with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.models import Provider, Room, Service
from receptionist.schedule import blocked, catalog, clinic
from receptionist.staff import accounts as staff
from receptionist.staff import admin as staffadmin
from receptionist.staff.admin import StaffRow
from receptionist.store.storage import Database

Values = Mapping[str, Any]
TIME_OFF_AHEAD = timedelta(days=3 * 366)


@dataclass(frozen=True)
class ClinicData:
    name: str
    timezone: str
    phone_region: str
    slot_minutes: int
    opening_hours: Mapping[str, Any]
    wait_alert_minutes: int = 15


@dataclass(frozen=True)
class Row:
    """A provider, room or service: its id, name, active flag and its other fields."""

    id: str
    name: str
    active: bool
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class TimeOff:
    id: str
    provider_id: str
    start_utc: datetime
    end_utc: datetime
    reason: str


@dataclass(frozen=True)
class Snapshot:
    clinic: ClinicData
    providers: tuple[Row, ...]
    rooms: tuple[Row, ...]
    services: tuple[Row, ...]
    time_off: tuple[TimeOff, ...]
    staff: tuple[StaffRow, ...]  # empty unless the actor may manage staff


@dataclass(frozen=True)
class Saved:
    id: str
    snapshot: Snapshot


SERVICE_FIELDS = (
    "category",
    "duration_minutes",
    "price_minor",
    "currency",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "colour",
)


def load(db: Database, ctx: Ctx) -> Snapshot:
    with db.read() as s:
        return _snapshot(s, ctx)


def _snapshot(s: Session, ctx: Ctx) -> Snapshot:
    c = clinic.get_clinic(s)
    now = ctx.clock.now()
    blocks = blocked.list_blocked_time(
        s, now - timedelta(days=1), now + TIME_OFF_AHEAD, everything=True
    )
    return Snapshot(
        clinic=ClinicData(
            c.name,
            c.timezone,
            c.phone_region,
            c.slot_minutes,
            dict(c.opening_hours or {}),
            c.wait_alert_minutes,
        ),
        providers=tuple(
            _row(p, {"colour": p.colour, "working_hours": p.working_hours or {}})
            for p in catalog.listing(s, Provider, include_inactive=True)
        ),
        rooms=tuple(_row(r, {}) for r in catalog.listing(s, Room, include_inactive=True)),
        services=tuple(
            _row(v, {f: getattr(v, f) for f in SERVICE_FIELDS})
            for v in catalog.listing(s, Service, include_inactive=True)
        ),
        time_off=tuple(
            TimeOff(b.id, b.provider_id, b.start_utc, b.end_utc, b.reason)
            for b in blocks
            if b.kind == "time_off" and b.provider_id is not None
        ),
        staff=tuple(staffadmin.list_users(s, ctx)) if ctx.actor.may("staff.manage") else (),
    )


def _row(row: Provider | Room | Service, fields: dict[str, Any]) -> Row:
    return Row(row.id, row.name, row.active, fields)


def save_clinic(db: Database, ctx: Ctx, values: Values) -> Snapshot:
    with db.write() as s:
        clinic.update_clinic(s, ctx, **values)
        return _snapshot(s, ctx)


def save_provider(db: Database, ctx: Ctx, row_id: str | None, values: Values) -> Saved:
    with db.write() as s:
        if row_id is None:
            fields = {k: v for k, v in values.items() if k != "active"}
            row_id = catalog.create_provider(s, ctx, **fields).id
        catalog.update_provider(s, ctx, row_id, **values)
        return Saved(row_id, _snapshot(s, ctx))


def save_room(db: Database, ctx: Ctx, row_id: str | None, values: Values) -> Saved:
    with db.write() as s:
        if row_id is None:
            row_id = catalog.create_room(s, ctx, name=values["name"]).id
        catalog.update_room(s, ctx, row_id, **values)
        return Saved(row_id, _snapshot(s, ctx))


def save_service(db: Database, ctx: Ctx, row_id: str | None, values: Values) -> Saved:
    with db.write() as s:
        if row_id is None:
            fields = {k: v for k, v in values.items() if k != "active"}
            row_id = catalog.create_service(s, ctx, **fields).id
        catalog.update_service(s, ctx, row_id, **values)
        return Saved(row_id, _snapshot(s, ctx))


def save_staff(db: Database, ctx: Ctx, row_id: str | None, values: Values) -> Saved:
    """A new account (user name, password, role, full name), or changes to one; a
    password given for an existing account replaces its password."""
    with db.write() as s:
        password = str(values.get("password") or "")
        if row_id is None:
            user = staff.create_user(
                s,
                ctx,
                username=values["username"],
                password=password,
                role=values["role"],
                full_name=values["full_name"],
            )
            row_id = user.id
        elif password:
            staffadmin.reset_password(s, ctx, row_id, password)
        staffadmin.update_user(
            s,
            ctx,
            row_id,
            role=values["role"],
            active=values["active"],
            full_name=values["full_name"],
        )
        return Saved(row_id, _snapshot(s, ctx))


def add_time_off(
    db: Database, ctx: Ctx, provider_id: str, start: datetime, end: datetime, reason: str
) -> Saved:
    with db.write() as s:
        block = blocked.add_blocked_time(
            s, ctx, start=start, end=end, provider_id=provider_id, kind="time_off", reason=reason
        )
        return Saved(block.id, _snapshot(s, ctx))


def remove_time_off(db: Database, ctx: Ctx, block_id: str) -> Snapshot:
    with db.write() as s:
        blocked.remove_blocked_time(s, ctx, block_id)
        return _snapshot(s, ctx)
