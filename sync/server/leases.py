"""Leases: the one device of a clinic that may do a thing only one may do
(docs/sync-protocol.md, "Leases"). ``reminders``: the device that sends the clinic's
messages to patients.

``POST /v1/leases/{name}`` acquires or renews (``ttl_seconds`` from now) and answers
who holds it (its code and name); ``GET /v1/leases/{name}`` only answers who holds
it. The caller gets it when nobody holds it, when the holder's lease has lapsed, or,
``preferred`` (the clinic's named station), from a holder that was not preferred (a
stand-by). A preferred holder keeps it until it lapses, renewed or not: cut off from the
endpoint it still sends on the lease it was given, so a station named in its place
(renamed) is a new holder and waits for that (or for the old one to let go). ``release``
lets go of a lease the caller holds: it lapses at once, and whoever takes it next hears
the release as the holder's last renewal. When the caller takes a lease from another
device, the answer carries how long ago that device last renewed it
(``handover_age_seconds``, in every later renewal too): what that device may have sent,
the new holder leaves alone. Taken by ``force``, the age is counted from the force, and
``forced.renewed_at`` says that device's last renewal before it: what fell due between
the two, the new holder cannot know whether it went (it marks it for a person).
Every answer carries the endpoint's time (``now``): the PCs measure the lease's windows
by it, not by their own clocks (which may be minutes apart).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection, Row, insert, select, update

from receptionist.clock import Clock

from .auth import Caller, locked_device
from .bodies import Strict
from .schema import device, lease
from .store import Store, lock_clinic

NAMES = ("reminders",)
MAX_TTL = 7 * 86_400


class LeaseIn(Strict):
    ttl_seconds: Annotated[int, Field(ge=60, le=MAX_TTL)] = Field(
        description="how long the lease holds without a renewal"
    )
    preferred: bool = Field(
        default=False, description="the clinic named this device: it takes over from a stand-by"
    )
    release: bool = Field(default=False, description="let go of the lease, if held")
    force: bool = Field(
        default=False,
        description="a person says the holder is off: take it now, its lease ended (as "
        "the named station: preferred)",
    )
    actor: Annotated[str, Field(max_length=120)] = Field(
        default="", description="with ``force``: who decided it (a user name; no patient data)"
    )


class Forced(BaseModel):
    at: datetime = Field(description="when a person took the lease over")
    by: str = Field(description="who (the PC's user that decided it)")
    from_code: str = Field(description="the device whose lease it ended: its code")
    from_name: str = Field(default="", description="that device's name, as it joined")
    renewed_at: datetime = Field(
        description="that device's last renewal of the lease it ended (``at`` for a lease "
        "forced before session 18): what fell due between it and ``at`` that device may "
        "or may not have sent"
    )


class Holder(BaseModel):
    device_id: str
    code: str
    name: str = Field(default="", description="the device's name, as it joined the clinic")
    preferred: bool
    acquired_at: datetime
    renewed_at: datetime
    expires_at: datetime


class LeaseOut(BaseModel):
    name: str
    held: bool = Field(description="the caller holds the lease now")
    holder: Holder | None = Field(description="who holds it; null: nobody")
    handover_age_seconds: float | None = Field(
        description="the caller holds it, taken from another device that last renewed it "
        "this many seconds ago; null: no handover"
    )
    forced: Forced | None = Field(
        default=None,
        exclude_if=lambda forced: forced is None,  # the answer otherwise as it always was
        description="the holder took it over by a person's decision from a device whose "
        "lease had not lapsed; left out: not so",
    )

    now: datetime = Field(description="the endpoint's time of this answer")


def holder_of(store: Store, who: Caller, name: str, clock: Clock) -> LeaseOut:
    """Who holds ``name`` now, claiming nothing (a PC that does not send shows it)."""
    with store.read() as conn:
        return _answer(conn, who, name, clock.now())


def claim(store: Store, who: Caller, name: str, body: LeaseIn, clock: Clock) -> LeaseOut:
    """Acquire, renew or release ``name`` for the caller; who holds it after."""
    now = clock.now()
    with store.write() as conn:
        lock_clinic(conn, who.clinic_id)
        locked_device(conn, who)
        row = _row(conn, who.clinic_id, name)
        if body.release:
            if row is not None and row.device_id == who.id and row.expires_at > now:
                # Lapsed now, not gone: the next holder leaves alone what was sent by now.
                conn.execute(
                    update(lease)
                    .where(_key(who.clinic_id, name))
                    .values(renewed_at=now, expires_at=now)
                )
            return _answer(conn, who, name, now)
        if row is None:
            conn.execute(insert(lease).values(_taken(who, name, body, now, None)))
        elif row.device_id == who.id:
            conn.execute(
                update(lease).where(_key(who.clinic_id, name)).values(
                    preferred=body.preferred or body.force, renewed_at=now,
                    expires_at=now + timedelta(seconds=body.ttl_seconds),
                )
            )  # fmt: skip
        elif _may_take(row, body, now):  # lapsed, or a stand-by's: no need to force
            values = _taken(who, name, body, now, row.renewed_at)
            conn.execute(update(lease).where(_key(who.clinic_id, name)).values(values))
        elif body.force:
            # The person's word that the station holding it is off: its lease ends now,
            # as its let-go would, and what fell due before now was its own (the cutoff,
            # counted from ``forced_at``). ``handover_at`` keeps its last renewal: what
            # fell due between the two it may or may not have sent (``Forced.renewed_at``).
            values = _taken(who, name, body, now, row.renewed_at)
            values.update(forced_at=now, forced_by=body.actor.strip(), forced_from=row.device_id)
            conn.execute(update(lease).where(_key(who.clinic_id, name)).values(values))
        return _answer(conn, who, name, now)


def _may_take(row: Row[Any], body: LeaseIn, now: datetime) -> bool:
    """Lapsed, or the named station's from a stand-by. Not from a preferred holder that
    stopped renewing: cut off, it may be sending on its lease until that runs out."""
    if row.expires_at <= now:
        return True
    return (body.preferred or body.force) and not row.preferred


def _taken(
    who: Caller, name: str, body: LeaseIn, now: datetime, handover: datetime | None
) -> dict[str, Any]:
    return {
        "clinic_id": who.clinic_id, "name": name, "device_id": who.id,
        "preferred": body.preferred or body.force, "acquired_at": now, "renewed_at": now,
        "expires_at": now + timedelta(seconds=body.ttl_seconds), "handover_at": handover,
        "forced_at": None, "forced_by": None, "forced_from": None,
    }  # fmt: skip


def _key(clinic_id: str, name: str) -> Any:
    return (lease.c.clinic_id == clinic_id) & (lease.c.name == name)


def _row(conn: Connection, clinic_id: str, name: str) -> Row[Any] | None:
    return conn.execute(select(lease).where(_key(clinic_id, name))).first()


def _answer(conn: Connection, who: Caller, name: str, now: datetime) -> LeaseOut:
    row = _row(conn, who.clinic_id, name)
    if row is None or row.expires_at <= now:
        return LeaseOut(name=name, held=False, holder=None, handover_age_seconds=None, now=now)
    code, device_name = _device(conn, row.device_id)
    holder = Holder(
        device_id=row.device_id, code=code, name=device_name, preferred=row.preferred,
        acquired_at=row.acquired_at, renewed_at=row.renewed_at, expires_at=row.expires_at,
    )  # fmt: skip
    held = row.device_id == who.id
    # A forced lease's cutoff is the force (as before session 18, for the PCs that read
    # no more); its ``handover_at`` is the old holder's last renewal (``Forced``).
    since = row.forced_at or row.handover_at
    age = (now - since).total_seconds() if held and since else None
    forced = None
    if row.forced_at is not None:
        from_code, from_name = _device(conn, row.forced_from)
        forced = Forced(
            at=row.forced_at, by=row.forced_by or "", from_code=from_code, from_name=from_name,
            renewed_at=min(row.handover_at or row.forced_at, row.forced_at),
        )  # fmt: skip
    return LeaseOut(
        name=name, held=held, holder=holder, handover_age_seconds=age, now=now, forced=forced
    )


def _device(conn: Connection, device_id: str | None) -> tuple[str, str]:
    found = conn.execute(
        select(device.c.code, device.c.name).where(device.c.id == device_id)
    ).first()
    return (str(found.code), str(found.name or "")) if found is not None else ("", "")
