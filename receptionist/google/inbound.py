"""The rules for what comes back from Google.

- A provider's own event (not one of ours) becomes blocked time for that provider, so
  the slot finder and booking refuse it; its move replaces the block, its deletion
  (``status: cancelled``) or a "free" (transparent) event removes it. Its title is
  kept only when the clinic allows (``google.block_titles``).
- One of our events deleted in Google flags the appointment for the desk
  (``deleted_in_google``): never a silent cancel, and never put back in Google
  without a person deciding.
- One of our events whose time was changed in Google is a proposed move for the desk
  (``moved_in_google``, with Google's times).
- Any other change made in Google to one of our events loses: the clinic's data wins,
  and the event is pushed again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist import freetext, zones
from receptionist.context import Actor, Ctx
from receptionist.errors import NotFound, ValidationError
from receptionist.models import Appointment, GoogleBlock, GoogleCalendar, GoogleLink
from receptionist.schedule import blocked
from receptionist.schedule.clinic import get_clinic
from receptionist.settings import clinicstore
from receptionist.settings.google import BLOCK_TITLES
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from . import eventbody, register
from .outbox import HORIZON, NOT_SHOWN

SYNC_ACTOR = Actor(user_id=None, role="admin", source="sync")
FROM_GOOGLE = Text(QT_TRANSLATE_NOOP("core", "Google Calendar"))
LIVE = ("synced", "moved_in_google", "pending")


@dataclass
class Tally:
    blocked: int = 0
    conflicts: int = 0


@dataclass(frozen=True)
class Reading:
    """What applying events needs to know of the calendar and the clinic."""

    calendar_id: str
    provider_id: str
    tz: ZoneInfo
    keep_titles: bool
    ctx: Ctx


def reading(session: Session, ctx: Ctx, calendar: GoogleCalendar) -> Reading:
    tz = zones.zone(get_clinic(session).timezone)
    keep = bool(clinicstore.value(session, BLOCK_TITLES))
    return Reading(calendar.calendar_id, calendar.provider_id, tz, keep, ctx)


def apply(session: Session, how: Reading, events: Iterable[dict[str, Any]]) -> Tally:
    """Apply one page of events read from a calendar."""
    tally = Tally()
    for event in events:
        link = _link_for(session, how.calendar_id, event)
        if link is not None:
            tally.conflicts += _ours(session, how, link, event)
        elif eventbody.ours(event) is None:
            tally.blocked += _foreign(session, how, event)
    session.flush()
    return tally


def _link_for(session: Session, calendar_id: str, event: dict[str, Any]) -> GoogleLink | None:
    appointment_id = eventbody.ours(event)
    if appointment_id is not None:
        return session.get(GoogleLink, appointment_id)
    return session.scalar(
        select(GoogleLink).where(
            GoogleLink.calendar_id == calendar_id, GoogleLink.event_id == str(event.get("id"))
        )
    )


def _ours(session: Session, how: Reading, link: GoogleLink, event: dict[str, Any]) -> int:
    """One of our events as Google has it; 1 when the desk now has something to decide."""
    if link.calendar_id != how.calendar_id or link.state == "removed":
        return 0  # a copy left in a calendar it moved from, or one we deleted
    appt = session.get(Appointment, link.appointment_id)
    now = how.ctx.clock.now()
    if event.get("status") == "cancelled":
        return flag_deleted(session, link, appt, now)
    if str(event.get("etag", "")) == link.etag:
        return 0  # our own write coming back
    link.etag = str(event.get("etag", ""))
    times = eventbody.event_times(event, how.tz)
    if link.state == "pending":  # an insert whose answer was lost: the event is there
        return _adopt(link, event, times, now)
    if times is not None and appt is not None and _moved(link, appt, times):
        return propose_move(link, times, now)
    link.pushed_version = -1  # anything else changed in Google: ours is pushed again
    return 0


def _adopt(
    link: GoogleLink,
    event: dict[str, Any],
    times: tuple[datetime, datetime] | None,
    now: datetime,
) -> int:
    private = (event.get("extendedProperties") or {}).get("private") or {}
    version = str(private.get(eventbody.VERSION_KEY, ""))
    link.state, link.updated_at = "synced", now
    link.pushed_version = int(version) if version.isdigit() else -1
    link.pushed_start, link.pushed_end = times if times else (None, None)
    return 0


def flag_deleted(
    session: Session, link: GoogleLink, appt: Appointment | None, now: datetime
) -> int:
    """Our event is gone from Google: the desk decides, unless the appointment no
    longer wants one (then the link is simply removed). Either way what the register
    says went with it is withdrawn."""
    if link.state not in LIVE:
        return 0
    live = appt is not None and appt.deleted_at is None and appt.status not in NOT_SHOWN
    link.etag, link.updated_at = "", now
    register.withdraw(session, link.appointment_id, now)
    if not live:
        link.state = "removed"
        return 0
    link.state = "deleted_in_google"
    return 1


def propose_move(link: GoogleLink, times: tuple[datetime, datetime], now: datetime) -> int:
    known = link.state == "moved_in_google" and (link.proposed_start, link.proposed_end) == times
    link.state, link.updated_at = "moved_in_google", now
    link.proposed_start, link.proposed_end = times
    return 0 if known else 1


def _moved(link: GoogleLink, appt: Appointment, times: tuple[datetime, datetime]) -> bool:
    """Google's times are neither what we last sent nor the appointment's own."""
    sent = (link.pushed_start, link.pushed_end)
    return times != sent and times != (appt.start_utc, appt.end_utc)


def _foreign(session: Session, how: Reading, event: dict[str, Any]) -> int:
    """A provider's own event: the blocked time it holds follows it."""
    event_id = str(event.get("id", ""))
    row = session.get(GoogleBlock, (how.calendar_id, event_id))
    times = eventbody.event_times(event, how.tz)
    now = how.ctx.clock.now()
    holds = (
        event.get("status") != "cancelled"
        and event.get("transparency") != "transparent"
        and times is not None
        and times[1] > times[0]
        and times[1] >= now - HORIZON
    )
    if not holds:
        return _unblock(session, how, row) if row is not None else 0
    assert times is not None
    etag = str(event.get("etag", ""))
    if row is not None and row.etag == etag:
        return 0
    if row is not None:
        _unblock(session, how, row)
    block_id = _block(session, how, times, _reason(how, event))
    if block_id is None:
        return 1 if row is not None else 0
    session.add(
        GoogleBlock(calendar_id=how.calendar_id, event_id=event_id, block_id=block_id, etag=etag)
    )
    return 1


def _block(
    session: Session, how: Reading, times: tuple[datetime, datetime], reason: str
) -> str | None:
    try:
        row = blocked.add_blocked_time(
            session,
            how.ctx,
            start=times[0],
            end=times[1],
            provider_id=how.provider_id,
            kind="time_off",
            reason=reason,
        )
    except ValidationError:
        return None
    return row.id


def _unblock(session: Session, how: Reading, row: GoogleBlock) -> int:
    with contextlib.suppress(NotFound):  # removed at the desk already
        blocked.remove_blocked_time(session, how.ctx, row.block_id)
    session.delete(row)
    session.flush()
    return 1


def _reason(how: Reading, event: dict[str, Any]) -> str:
    title = str(event.get("summary") or "")
    if not how.keep_titles or not title:
        return FROM_GOOGLE
    try:
        return freetext.clean_text(title[:200], "reason", 200) or FROM_GOOGLE
    except ValidationError:
        return FROM_GOOGLE


def forget_unseen(session: Session, how: Reading, seen: set[str]) -> Tally:
    """After a whole read of a calendar: blocks of events no longer there go; events
    of ours no longer there are flagged for the desk."""
    tally = Tally()
    rows = session.scalars(select(GoogleBlock).where(GoogleBlock.calendar_id == how.calendar_id))
    for row in list(rows):
        if row.event_id not in seen:
            tally.blocked += _unblock(session, how, row)
    links = session.scalars(
        select(GoogleLink).where(
            GoogleLink.calendar_id == how.calendar_id, GoogleLink.state.in_(LIVE[:2])
        )
    )
    now = how.ctx.clock.now()
    for link in list(links):
        if link.event_id not in seen:
            appt = session.get(Appointment, link.appointment_id)
            tally.conflicts += flag_deleted(session, link, appt, now)
    session.flush()
    return tally
