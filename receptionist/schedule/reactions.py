"""The schedule's reactions to changes, whoever made them (the app, the CLI, sync).

A slot freed by a cancellation, a no-show, a deletion or a move (``freed_slot``,
written by a trigger) is offered to the waitlist: who on it fits that time is
published as a :class:`WaitlistOffer` on the database's event hub. The app shows it;
a PC with no app open simply has nobody to tell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.journal.feed import Changes
from receptionist.models import Appointment, FreedSlot, Provider, Service
from receptionist.store.storage import Database

from . import lifecycle, waitlist


@dataclass(frozen=True)
class WaitlistOffer:
    """A freed time and who on the waitlist fits it (best first)."""

    slot: waitlist.FreedSlot
    reason: str  # cancelled | no_show | deleted | moved


def _last_freed(session: Session) -> int:
    return int(session.scalar(select(func.max(FreedSlot.seq))) or 0)


def freed_time(session: Session, row: FreedSlot) -> tuple[datetime, datetime] | None:
    """The part of ``row``'s time that is free now: for a move within the provider's
    day, what the appointment no longer covers (the longer piece), else all of it."""
    start, end = row.start_utc, row.end_utc
    appt = session.get(Appointment, row.appointment_id)
    held = (
        row.reason == "moved"
        and appt is not None
        and appt.deleted_at is None
        and lifecycle.is_active(appt.status)
        and appt.provider_id == row.provider_id
    )
    if not held or appt is None or appt.end_utc <= start or appt.start_utc >= end:
        return start, end
    pieces = [(start, min(end, appt.start_utc)), (max(start, appt.end_utc), end)]
    lo, hi = max(pieces, key=lambda p: p[1] - p[0])
    return (lo, hi) if hi > lo else None


def offers(session: Session, ctx: Ctx, after_seq: int) -> tuple[list[WaitlistOffer], int]:
    """Offers for the slots freed after ``after_seq``; and the newest seq read."""
    rows = list(
        session.scalars(select(FreedSlot).where(FreedSlot.seq > after_seq).order_by(FreedSlot.seq))
    )
    found: list[WaitlistOffer] = []
    for row in rows:
        offer = _offer(session, ctx, row)
        if offer is not None:
            found.append(offer)
    return found, (rows[-1].seq if rows else after_seq)


def _offer(session: Session, ctx: Ctx, row: FreedSlot) -> WaitlistOffer | None:
    time = freed_time(session, row)
    if time is None:
        return None
    start, end = time
    fits = waitlist.candidates_for(session, ctx, start, end, row.provider_id, row.service_id)
    fits = [c for c in fits if c.patient_id != row.patient_id]
    if not fits:
        return None
    provider = session.get(Provider, row.provider_id)
    service = session.get(Service, row.service_id)
    slot = waitlist.FreedSlot(
        appointment_id=row.appointment_id,
        start_utc=start,
        end_utc=end,
        provider_name=provider.name if provider else "",
        service_name=service.name if service else "",
        candidates=fits,
        provider_id=row.provider_id,
        service_id=row.service_id,
    )
    return WaitlistOffer(slot, row.reason)


class WaitlistReaction:
    """Listens for appointment changes and publishes the waitlist's offers."""

    def __init__(self, db: Database, ctx: Callable[[], Ctx]) -> None:
        self.db, self._ctx = db, ctx
        with db.read() as session:
            self.cursor = _last_freed(session)
        self._remove = db.events.subscribe(Changes, self.on_changes)

    def on_changes(self, changes: Changes) -> None:
        if "appointment" not in changes.entities:
            return
        with self.db.read() as session:
            found, self.cursor = offers(session, self._ctx(), self.cursor)
        for offer in found:
            self.db.events.publish(offer)

    def close(self) -> None:
        self._remove()
