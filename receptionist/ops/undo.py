"""Changes a front end can take back: a status, a cancel, a move - and the undo itself.

Each change runs as its plain operation does (``ops.appointments``, ``ops.today``),
in one transaction, and also hands out the :class:`Undo` of what it altered (None
when it altered nothing). :func:`undo` puts that back under the rules of
:mod:`receptionist.schedule.undo` (nothing changed since, recent, the time still
free), audited and on the change feed like every appointment write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.models import Appointment
from receptionist.ops.appointmentinfo import AppointmentInfo, info
from receptionist.ops.appointments import MoveRequest, reschedule
from receptionist.schedule import appointments, booking, today
from receptionist.schedule import undo as rules
from receptionist.schedule.undo import UNDO_WINDOW, Undo, UndoKind
from receptionist.store.storage import Database

__all__ = ["UNDO_WINDOW", "Done", "Undo", "cancel", "mark", "move", "set_status", "undo"]


@dataclass(frozen=True)
class Done:
    """A saved change: the appointment now, and how to undo it (None: nothing changed)."""

    appointment: AppointmentInfo
    undo: Undo | None


def set_status(db: Database, ctx: Ctx, appointment_id: str, status: str, reason: str = "") -> Done:
    """``ops.appointments.set_status``, undoable."""
    kind: UndoKind = "cancel" if status == "cancelled" else "status"
    return _undoable(
        db,
        appointment_id,
        kind,
        lambda s: booking.set_status(s, ctx, appointment_id, status, reason),
    )


def cancel(db: Database, ctx: Ctx, appointment_id: str, reason: str) -> Done:
    """``ops.appointments.cancel``, undoable."""
    return _undoable(
        db, appointment_id, "cancel", lambda s: booking.cancel(s, ctx, appointment_id, reason)
    )


def mark(db: Database, ctx: Ctx, appointment_id: str, status: str) -> Done:
    """``ops.today.mark`` (the today board's keys), undoable."""
    return _undoable(
        db, appointment_id, "status", lambda s: today.mark(s, ctx, appointment_id, status)
    )


def move(db: Database, ctx: Ctx, appointment_id: str, req: MoveRequest) -> Done:
    """``ops.appointments.move`` (a drag, a drop from the pinboard), undoable."""
    return _undoable(db, appointment_id, "move", lambda s: reschedule(s, ctx, appointment_id, req))


def undo(db: Database, ctx: Ctx, done: Undo) -> AppointmentInfo:
    """Take the change back, or raise saying why it no longer can be (nothing written)."""
    with db.write() as s:
        return info(s, rules.undo(s, ctx, done))


def _undoable(
    db: Database,
    appointment_id: str,
    kind: UndoKind,
    change: Callable[[Session], Appointment],
) -> Done:
    with db.write() as s:
        found = appointments.load(s, appointment_id)
        before, version = rules.snapshot(found), found.version
        appt = change(s)
        s.flush()
        token = rules.token(appt, kind, before) if appt.version != version else None
        return Done(info(s, appt), token)
