"""The steps of a Google round that touch the clinic's file, each its own
transaction, for ``sync/google`` to call between its requests (front ends open no
transaction of their own).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist import zones
from receptionist.clock import Clock
from receptionist.context import Ctx
from receptionist.models import Appointment, GoogleCalendar, GoogleLink
from receptionist.schedule.clinic import get_clinic
from receptionist.store.storage import Database

from . import calendars, eventbody, inbound, outbox, shared
from .events import GoogleChanged
from .outbox import Push
from .status import credentials


@dataclass(frozen=True)
class Begun:
    credentials: str | None  # the authorized-user JSON, None: not connected
    providers: list[str]  # the mapped providers, whose calendars are read


def begin(db: Database, clock: Clock) -> Begun:
    """Queue what the change feed holds; the credentials and calendars to read."""
    with db.write() as s:
        found = credentials(s)
        calendars.cache_link(s, bool(found))
        outbox.queue(s, clock.now())
        return Begun(found, list(s.scalars(select(GoogleCalendar.provider_id))))


def calendar(db: Database, provider_id: str) -> tuple[str, str] | None:
    """A provider's calendar id and syncToken ("" for a whole read), None if unmapped."""
    with db.read() as s:
        row = s.get(GoogleCalendar, provider_id)
        return (row.calendar_id, row.sync_token) if row is not None else None


def drop_token(db: Database, provider_id: str) -> None:
    """Google said the token expired (410): the next read is a whole one."""
    with db.write() as s:
        row = s.get(GoogleCalendar, provider_id)
        if row is not None:
            row.sync_token = ""


@dataclass(frozen=True)
class Page:
    """One page of events read from a calendar. ``next_token`` is given on the last
    page only; ``seen`` (every id of a whole read, on its last page) lets go of what
    is no longer there."""

    provider_id: str
    calendar_id: str
    items: list[dict[str, Any]]
    last: bool
    next_token: str = ""
    seen: frozenset[str] | None = None


def apply_page(db: Database, ctx: Ctx, page: Page) -> inbound.Tally | None:
    """Apply a page by the rules; None if the provider was remapped meanwhile."""
    with db.write() as s:
        row = s.get(GoogleCalendar, page.provider_id)
        if row is None or row.calendar_id != page.calendar_id:
            return None
        how = inbound.reading(s, ctx, row)
        tally = inbound.apply(s, how, page.items)
        if page.last:
            if page.seen is not None:
                more = inbound.forget_unseen(s, how, set(page.seen))
                tally.blocked += more.blocked
                tally.conflicts += more.conflicts
            row.sync_token = page.next_token
        return tally


def work(db: Database) -> list[Push]:
    with db.read() as s:
        return outbox.work(s)


@dataclass(frozen=True)
class Done:
    """What came of one push: ``kind`` sent (``event`` is Google's answer), removed,
    settled, relocated, gone (deleted in Google), or seen (``event`` is Google's copy
    read after a 412)."""

    kind: str
    push: Push
    event: dict[str, Any] | None = None


def record(db: Database, clock: Clock, outcomes: Iterable[Done]) -> int:
    """Write what came of pushes, in one transaction; the desk's new decisions."""
    raised = 0
    now = clock.now()
    with db.write() as s:
        tz = zones.zone(get_clinic(s).timezone)
        for done in outcomes:
            raised += _record(s, done, now, tz)
    return raised


def _record(s: Session, done: Done, now: datetime, tz: ZoneInfo) -> int:
    push = done.push
    if s.get(GoogleLink, push.appointment_id) is None:
        return 0  # the provider was unmapped meanwhile: what was sent stays, as unmapping says
    if done.kind == "sent" and done.event is not None:
        outbox.sent(s, push, done.event, now, tz)
    elif done.kind == "removed":
        outbox.removed(s, push, now)
    elif done.kind == "settled":
        outbox.settled(s, push, now)
    elif done.kind == "relocated":
        outbox.relocated(s, push, now)
    elif done.kind == "gone":
        link = s.get(GoogleLink, push.appointment_id)
        appt = s.get(Appointment, push.appointment_id)
        return inbound.flag_deleted(s, link, appt, now) if link is not None else 0
    elif done.kind == "seen" and done.event is not None:
        return _merge(s, push, done.event, now, tz)
    return 0


def _merge(s: Session, push: Push, found: dict[str, Any], now: datetime, tz: ZoneInfo) -> int:
    """After a 412: Google's time, when changed there, becomes a proposed move; the
    rest of the clinic's data goes over it."""
    link = s.get(GoogleLink, push.appointment_id)
    appt = s.get(Appointment, push.appointment_id)
    if link is None or appt is None:
        return 0
    times = eventbody.event_times(found, tz)
    if times is None or times in (
        (link.pushed_start, link.pushed_end),
        (appt.start_utc, appt.end_utc),
    ):
        return 0
    return inbound.propose_move(link, times, now)


def finish(
    db: Database, clock: Clock, status: str, error: str, counts: dict[str, int], used: str
) -> None:
    """The round's outcome kept, and shared with the other PCs (``google.shared``).
    When the account was disconnected or connected again while the round ran (on the
    Google thread, with the credentials it began with: ``used``), the round's status
    was the old link's: the state row says how the link stands now instead, so the
    status bar never says "connected" with no account, nor "needs reconnect" of a new
    one because the old token was refused."""
    with db.write() as s:
        current = credentials(s)
        if current != used:
            status = calendars.CONNECTED if current else calendars.NOT_CONNECTED
            error = ""
        calendars.finish_round(s, status, error, counts, clock.now())
        shared.share(s, Ctx(inbound.SYNC_ACTOR, clock), bool(current))
    db.events.publish(GoogleChanged("round", status))
