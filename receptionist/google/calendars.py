"""Which Google calendar each provider's appointments go to, and the round's state row.

Mapping a provider (by name, as elsewhere) to a calendar id asks for all of the
provider's appointments to be pushed at the next round; mapping it to another
calendar moves them there (the blocked time read from the old one goes; the new one
is read whole). Two providers' calendars can be swapped in one ``map_many`` (``swap``).
Unmapping stops the sending and leaves the events already sent in Google. Calendar
ids are the connected account's (an address such as
``abc123@group.calendar.google.com``, or ``primary``).
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.errors import NotFound, ValidationError
from receptionist.freetext import has_controls
from receptionist.journal import audit, changefeed
from receptionist.models import (
    Appointment,
    GoogleBlock,
    GoogleCalendar,
    GoogleLink,
    GoogleState,
    Provider,
)
from receptionist.schedule import blocked, catalog
from receptionist.schedule.clinic import require_configure
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from .events import GoogleChanged

MAX_CALENDAR_ID = 1024
NOT_CONNECTED = "never"  # the state row's status while no account is connected here
CONNECTED = "connected"  # ... once one is, until the next round says how it went
NEEDS_RECONNECT = "needs_reconnect"  # Google refused the token: a person connects again
TAKEN = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "That calendar already shows another provider's appointments; give "
        "each provider a calendar of their own.",
    )
)

SAME_PROVIDER = Text(
    QT_TRANSLATE_NOOP("core", "Name two different providers to swap their calendars.")
)
NOT_MAPPED = QT_TRANSLATE_NOOP(
    "core",
    "{provider} has no Google calendar; `receptionist google status` lists the mapped providers.",
)


@dataclass(frozen=True)
class Mapping:
    provider_id: str
    provider: str
    calendar_id: str
    synced_once: bool  # a syncToken is kept: the calendar was read whole at least once


@dataclass(frozen=True)
class Unmapped:
    provider_id: str
    provider: str
    calendar_id: str
    links: int  # the provider's events in Google, left there and let go of
    blocks: int  # blocked time made from the calendar's own events, removed


def map_provider(db: Database, ctx: Ctx, provider_key: str, calendar_id: str) -> Mapping:
    """Send ``provider_key``'s appointments to ``calendar_id`` (audited)."""
    return map_many(db, ctx, {provider_key: calendar_id})[0]


def map_many(db: Database, ctx: Ctx, wanted: dict[str, str]) -> list[Mapping]:
    """Map each provider (by name or id) to its calendar, all or none (audited).

    Each calendar shows one provider's appointments once all of ``wanted`` is applied,
    so two providers' calendars can be swapped in one call."""
    checked = {key: _checked_calendar(calendar_id) for key, calendar_id in wanted.items()}
    with db.write() as s:
        require_configure(ctx)
        chosen = {catalog.find(s, Provider, key).id: cal for key, cal in checked.items()}
        _check_free(s, chosen)
        _vacate(s, ctx, chosen)
        made = [_map(s, ctx, provider_id, cal) for provider_id, cal in chosen.items()]
    db.events.publish(GoogleChanged("mapped"))
    return made


def swap(db: Database, ctx: Ctx, first_key: str, second_key: str) -> list[Mapping]:
    """Swap two mapped providers' calendars in one step (audited): each one's
    appointments move to the other's calendar at the next round."""
    with db.read() as s:
        require_configure(ctx)
        found = [catalog.find(s, Provider, key) for key in (first_key, second_key)]
        if found[0].id == found[1].id:
            raise ValidationError("provider", SAME_PROVIDER)
        rows = [s.get(GoogleCalendar, p.id) for p in found]
        for provider, row in zip(found, rows, strict=True):
            if row is None:
                raise ValidationError("provider", Text(NOT_MAPPED, provider=provider.name))
        first, second = (row.calendar_id for row in rows if row is not None)
    return map_many(db, ctx, {found[0].id: second, found[1].id: first})


def _check_free(s: Session, chosen: dict[str, str]) -> None:
    """Refuse a calendar that would show two providers' appointments."""
    final = {**calendar_of(s), **chosen}
    if len(set(final.values())) != len(final):
        raise ValidationError("calendar", TAKEN)


def _vacate(s: Session, ctx: Ctx, chosen: dict[str, str]) -> None:
    """The calendars being changed are let go of first (each its own placeholder, so a
    swap never holds one calendar twice), with the blocked time they made."""
    rows = [s.get(GoogleCalendar, provider_id) for provider_id in chosen]
    moving = [r for r in rows if r is not None and r.calendar_id != chosen[r.provider_id]]
    for row in moving:
        release_blocks(s, ctx, row.calendar_id)
        row.calendar_id = f"(changing) {row.provider_id}"
    s.flush()


def _map(s: Session, ctx: Ctx, provider_id: str, wanted: str) -> Mapping:
    provider = s.get(Provider, provider_id)
    assert provider is not None
    row = s.get(GoogleCalendar, provider.id)
    now = ctx.clock.now()
    if row is None:
        row = GoogleCalendar(provider_id=provider.id, calendar_id=wanted, mapped_at=now)
        s.add(row)
    elif row.calendar_id != wanted:
        row.calendar_id, row.sync_token, row.mapped_at = wanted, "", now
    row.full_push = True
    state(s)
    s.flush()
    audit.record(s, ctx, "google_map", "provider", provider.id)
    return Mapping(provider.id, provider.name, wanted, bool(row.sync_token))


def unmap(db: Database, ctx: Ctx, provider_key: str) -> Unmapped:
    """Stop sending ``provider_key``'s appointments to Google (audited).

    The events already in its calendar are left there (the calendar may be gone, or
    be the provider's own); what this PC knew of them is dropped, so mapping the
    provider again pushes afresh, and to the same calendar without duplicates (each
    event's id is derived from its appointment's). The blocked time made from the
    calendar's own events is removed: they no longer block the desk."""
    with db.write() as s:
        require_configure(ctx)
        provider = catalog.find(s, Provider, provider_key)
        row = s.get(GoogleCalendar, provider.id)
        if row is None:
            raise ValidationError("provider", Text(NOT_MAPPED, provider=provider.name))
        calendar_id = row.calendar_id
        blocks = release_blocks(s, ctx, calendar_id)
        links = _drop_links(s, provider.id)
        s.delete(row)
        s.flush()
        audit.record(s, ctx, "google_unmap", "provider", provider.id)
    db.events.publish(GoogleChanged("unmapped"))
    return Unmapped(provider.id, provider.name, calendar_id, links, blocks)


def forget_all(s: Session, ctx: Ctx) -> int:
    """Another account connected: every provider's mapping goes (its calendars are
    the old account's), with the blocked time read from them and the event map (what
    this PC knew of the events). Appointments are not touched; mapping a provider
    again pushes its appointments afresh. How many providers were mapped."""
    rows = list(s.scalars(select(GoogleCalendar)))
    for row in rows:
        release_blocks(s, ctx, row.calendar_id)
        s.delete(row)
        audit.record(s, ctx, "google_unmap", "provider", row.provider_id)
    s.execute(delete(GoogleLink))
    s.flush()
    return len(rows)


def _drop_links(s: Session, provider_id: str) -> int:
    """Forget the provider's appointments' events; how many of them are in Google."""
    mine = GoogleLink.appointment_id.in_(
        select(Appointment.id).where(Appointment.provider_id == provider_id)
    )
    there = select(func.count()).where(mine, GoogleLink.state.in_(("synced", "moved_in_google")))
    left = int(s.scalar(there) or 0)
    s.execute(delete(GoogleLink).where(mine))
    return left


def release_blocks(s: Session, ctx: Ctx, calendar_id: str) -> int:
    """Remove the blocked time made from ``calendar_id``'s own events; how many."""
    rows = list(s.scalars(select(GoogleBlock).where(GoogleBlock.calendar_id == calendar_id)))
    for row in rows:
        with contextlib.suppress(NotFound):  # removed at the desk already
            blocked.remove_blocked_time(s, ctx, row.block_id)
        s.delete(row)
    s.flush()
    return len(rows)


def provider_to_map(db: Database, ctx: Ctx, provider_key: str) -> str:
    """The name of the provider ``provider_key`` finds, checking first that ``ctx`` may
    map it (before a calendar is made for it in Google)."""
    with db.read() as s:
        require_configure(ctx)
        return catalog.find(s, Provider, provider_key).name


def mappings(session: Session) -> list[Mapping]:
    rows = session.execute(
        select(GoogleCalendar, Provider.name)
        .join(Provider, Provider.id == GoogleCalendar.provider_id)
        .order_by(Provider.name)
    ).all()
    return [Mapping(r.provider_id, name, r.calendar_id, bool(r.sync_token)) for r, name in rows]


def mapped(db: Database) -> dict[str, str]:
    """Each mapped provider's calendar id, read on its own (the mapping alone)."""
    with db.read() as s:
        return calendar_of(s)


def calendar_of(session: Session) -> dict[str, str]:
    """Each mapped provider's calendar id."""
    rows = session.execute(select(GoogleCalendar.provider_id, GoogleCalendar.calendar_id))
    return {provider: calendar for provider, calendar in rows}


def state(session: Session) -> GoogleState:
    """The round's state row, made on first use."""
    row = session.get(GoogleState, 1)
    if row is None:  # the feed's past is not Google's business: a new map pushes HORIZON on
        cursor = changefeed.last_seq(session)
        row = GoogleState(id=1, cursor=cursor, status="never", last_error="", last_counts="{}")
        session.add(row)
        session.flush()
    return row


def cache_link(session: Session, connected: bool) -> None:
    """Keep the state row's "connected" as the credentials say (the status bar reads
    the row, never the keychain): they may have been set or forgotten by hand since
    the last connect, or kept by an older version."""
    row = state(session)
    if connected and row.status == NOT_CONNECTED:
        row.status = CONNECTED
    elif not connected and row.status != NOT_CONNECTED:
        row.status, row.last_error = NOT_CONNECTED, ""


def finish_round(
    session: Session, status: str, error: str, counts: dict[str, int], now: datetime
) -> None:
    row = state(session)
    row.status, row.last_error, row.last_round_at = status, error, now
    row.last_counts = json.dumps(counts, sort_keys=True)


def _checked_calendar(calendar_id: str) -> str:
    wanted = calendar_id.strip()
    if not wanted or len(wanted) > MAX_CALENDAR_ID or has_controls(wanted) or " " in wanted:
        raise ValidationError(
            "calendar",
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "Give the calendar's id as Google shows it (Settings of the calendar → "
                    "Calendar ID), like abc123@group.calendar.google.com, or primary.",
                )
            ),
        )
    return wanted
