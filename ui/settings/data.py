"""What the settings dialog shows, read and written on the database worker.

Every function here runs on the worker (``DbOp``) and calls ``receptionist.ops``:
each operation owns its transaction (a refused change writes nothing) and returns
plain frozen rows, so no ORM object crosses to the GUI thread. A save returns a fresh
:class:`Snapshot`, read after the change committed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from receptionist.context import Ctx
from receptionist.ops import catalog, reminders, servicerules, staff, timeoff
from receptionist.ops import settings as registry_ops
from receptionist.ops.catalog import ProviderRow, RoomRow, ServiceRow
from receptionist.ops.servicerules import RuleKeys
from receptionist.ops.settings import ClinicInfo, Entry
from receptionist.ops.staff import StaffRow
from receptionist.ops.timeoff import Block
from receptionist.store.storage import Database

Values = Mapping[str, Any]
TIME_OFF_AHEAD = timedelta(days=3 * 366)
# Scopes the dialog has pages for; of the secrets, the channels' passwords and tokens
# (the Clinic page's Message channels: whether one is kept, never its value).
SHOWN_SCOPES = ("clinic", "pc")
CHANNEL_SECRETS = {key: channel for channel, key in reminders.SECRETS.items()}

__all__ = [
    "Block",
    "ClinicInfo",
    "Entry",
    "ProviderRow",
    "RoomRow",
    "Saved",
    "ServiceRow",
    "Snapshot",
    "StaffRow",
    "Values",
    "add_time_off",
    "load",
    "remove_time_off",
    "save_provider",
    "save_room",
    "save_secret",
    "save_service",
    "save_settings",
    "save_staff",
]


@dataclass(frozen=True)
class Snapshot:
    clinic: ClinicInfo
    settings: tuple[Entry, ...]  # of the scopes the dialog shows
    providers: tuple[ProviderRow, ...]
    rooms: tuple[RoomRow, ...]
    services: tuple[ServiceRow, ...]
    time_off: tuple[Block, ...]
    staff: tuple[StaffRow, ...]  # empty unless the actor may manage staff
    # The keys of reminders.service_rules that are no service here (gone, or pending)
    rule_keys: RuleKeys = field(default_factory=RuleKeys)

    def entry(self, key: str) -> Entry | None:
        return next((e for e in self.settings if e.key == key), None)


@dataclass(frozen=True)
class Saved:
    id: str
    snapshot: Snapshot


def load(db: Database, ctx: Ctx) -> Snapshot:
    now = ctx.clock.now()
    return Snapshot(
        clinic=registry_ops.clinic_info(db),
        settings=tuple(
            e
            for e in registry_ops.entries(db, ctx)
            if e.scope in SHOWN_SCOPES or e.key in CHANNEL_SECRETS
        ),
        providers=tuple(catalog.providers(db, ctx, include_inactive=True)),
        rooms=tuple(catalog.rooms(db, ctx, include_inactive=True)),
        services=tuple(catalog.services(db, ctx, include_inactive=True)),
        time_off=tuple(
            timeoff.listing(
                db, ctx, start=now - timedelta(days=1), end=now + TIME_OFF_AHEAD, time_off_only=True
            )
        ),
        staff=tuple(staff.users(db, ctx)) if ctx.actor.may("staff.manage") else (),
        rule_keys=servicerules.keys(db, ctx),
    )


def save_settings(
    db: Database, ctx: Ctx, values: Values, as_stored: Collection[str] = ()
) -> Snapshot:
    """Settings by key, all checked before any is written. Those named in ``as_stored``
    were not edited where ``values`` were typed: they are written as stored now, not
    back as shown there (another window may have saved them since, #14)."""
    if as_stored:
        stored = {e.key: e.value for e in registry_ops.entries(db, ctx) if e.key in as_stored}
        values = {key: stored.get(key, value) for key, value in values.items()}
    registry_ops.set_many(db, ctx, values)
    return load(db, ctx)


def save_secret(db: Database, ctx: Ctx, channel: str, secret: str) -> Snapshot:
    """Keep ``channel``'s password or token on this PC ("" forgets it), by the operation
    ``receptionist channels set`` calls (an administrator's; audited, never its value)."""
    reminders.set_channel(db, ctx, channel, {}, secret)
    return load(db, ctx)


def save_provider(db: Database, ctx: Ctx, row_id: str | None, values: Values) -> Saved:
    if row_id is None:
        row_id = catalog.add_provider(db, ctx, **values).id
    else:
        catalog.update_provider(db, ctx, row_id, **values)
    return Saved(row_id, load(db, ctx))


def save_room(db: Database, ctx: Ctx, row_id: str | None, values: Values) -> Saved:
    if row_id is None:
        row_id = catalog.add_room(db, ctx, **values).id
    else:
        catalog.update_room(db, ctx, row_id, **values)
    return Saved(row_id, load(db, ctx))


def save_service(db: Database, ctx: Ctx, row_id: str | None, values: Values) -> Saved:
    if row_id is None:
        row_id = catalog.add_service(db, ctx, **values).id
    else:
        catalog.update_service(db, ctx, row_id, **values)
    return Saved(row_id, load(db, ctx))


def save_staff(db: Database, ctx: Ctx, row_id: str | None, values: Values) -> Saved:
    """A new account (user name, password, role, full name), or changes to one; a
    password given for an existing account replaces its password (in the same
    transaction as the other changes)."""
    password = str(values.get("password") or "")
    if row_id is None:
        row_id = staff.add_user(
            db,
            ctx,
            username=values["username"],
            password=password,
            role=values["role"],
            full_name=values["full_name"],
            active=values["active"],
        ).id
    else:
        staff.update_user(
            db,
            ctx,
            row_id,
            role=values["role"],
            active=values["active"],
            full_name=values["full_name"],
            password=password or None,
        )
    return Saved(row_id, load(db, ctx))


def add_time_off(
    db: Database, ctx: Ctx, provider_id: str, start: datetime, end: datetime, reason: str
) -> Saved:
    """Time off from ``start`` to ``end``: wall times in the clinic's zone (naive)."""
    block = timeoff.add(db, ctx, start=start, end=end, provider_id=provider_id, reason=reason)
    return Saved(block.id, load(db, ctx))


def remove_time_off(db: Database, ctx: Ctx, block_id: str) -> Snapshot:
    timeoff.remove(db, ctx, block_id)
    return load(db, ctx)
