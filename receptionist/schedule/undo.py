"""Ways back: a no-show taken back, and a change just made undone.

A *take-back* books a no-show again (``lifecycle.takes_back``): on its own day only
(``lifecycle.check_take_back``) and only while its time is still free - the booking's
own checks (:mod:`drafts`) say whether it is; if not, their first reason is given.

Only what came after the change counts against it: an appointment or a block already
there, unchanged, lived beside this one before (booked over a clash) and may again.
An override reason the appointment had covers what no later change brought (the
hours): never a patient booked, or a block added, since.

An *undo* puts back what one change (a status, a move, a cancel) altered, from the
:class:`Undo` the change handed out. It is refused, saying why, when the appointment
has changed again since (its version moved on), when the change is older than
:data:`UNDO_WINDOW`, when the change was not a step the lifecycle allows
(``lifecycle.undoes``), or when the time it gives back is no longer free (an undone
cancel or no-show, an undone move). The undo is audited as ``undo_<kind>`` and, like
every write of an appointment, reaches the change feed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Final, Literal

from sqlalchemy.orm import Session

from receptionist import zones
from receptionist.context import Ctx, require
from receptionist.errors import ConflictError, IllegalTransition
from receptionist.journal import changefeed, records
from receptionist.models import Appointment
from receptionist.schedule import appointments, drafts, lifecycle, overrides
from receptionist.schedule.clinic import get_clinic
from receptionist.schedule.conflicts import Conflict
from receptionist.texts import QT_TRANSLATE_NOOP, Text

UndoKind = Literal["status", "move", "cancel"]
UNDO_WINDOW: Final = timedelta(minutes=10)
_ROWS: Final = ("appointment", "blocked_time")  # the tables a clash comes from


@dataclass(frozen=True)
class Before:
    """What a change may alter on an appointment, as it was before the change."""

    status: str
    arrived_at: datetime | None
    cancellation_reason: str
    start_utc: datetime
    end_utc: datetime
    provider_id: str
    room_id: str | None
    override_by: str | None
    override_reason: str


@dataclass(frozen=True)
class Undo:
    """How to undo one change: the appointment, what it was, the version the change left."""

    appointment_id: str
    kind: UndoKind
    before: Before
    version: int


def snapshot(appt: Appointment) -> Before:
    return Before(
        appt.status,
        appt.arrived_at,
        appt.cancellation_reason,
        appt.start_utc,
        appt.end_utc,
        appt.provider_id,
        appt.room_id,
        appt.override_by,
        appt.override_reason,
    )


def token(appt: Appointment, kind: UndoKind, before: Before) -> Undo:
    """The undo of the change just saved on ``appt`` (flushed: its version is the new one)."""
    return Undo(appt.id, kind, before, appt.version)


# -- taking a no-show back ------------------------------------------------------------------


def take_back(session: Session, ctx: Ctx, appt: Appointment, status: str, now: datetime) -> None:
    """Book the no-show ``appt`` again as ``status``, or raise saying why not."""
    tz = zones.zone(get_clinic(session).timezone)
    lifecycle.check_take_back(appt.start_utc, now, tz)
    found = _clashes(session, appt, snapshot(appt))
    if found:
        raise IllegalTransition(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The no-show cannot be taken back: {problem} Book a new appointment instead.",
                ),
                problem=found[0].reason,
            )
        )
    appt.status = status
    records.save(session, ctx, appt, "take_back", "appointment", now)


def _clashes(session: Session, appt: Appointment, at: Before) -> list[Conflict]:
    """What ``appt``, placed as ``at`` says, would clash with that came after its last
    change (a time booked again, a block added): an appointment that was there,
    unchanged, before it lived beside it then and may now."""
    draft = drafts.Draft(
        appt.patient_id, at.provider_id, appt.service_id, at.start_utc, at.end_utc, at.room_id
    )
    found = drafts.plan(session, draft, exclude_id=appt.id)[2]
    since = changefeed.last_change(session, _ROWS, appt.id)
    return [c for c in found if not _older(session, c, since)]


def _older(session: Session, clash: Conflict, since: int) -> bool:
    """Whether the clashing row was last changed before ``since`` (a change-feed number).

    The feed's order is this PC's commit order: a booking synced from a PC whose clock
    is behind carries an older ``updated_at`` yet came later, and must count as later."""
    if clash.other_id is None:
        return False
    # ``since`` 0 (the appointment's change is older than the feed): nothing is older.
    return since > 0 and not changefeed.changed_since(session, _ROWS, clash.other_id, since)


# -- undoing a change -----------------------------------------------------------------------

_CANNOT = {
    "status": Text(QT_TRANSLATE_NOOP("core", "Your role cannot change appointment statuses.")),
    "move": Text(QT_TRANSLATE_NOOP("core", "Your role cannot move appointments.")),
    "cancel": Text(QT_TRANSLATE_NOOP("core", "Your role cannot cancel appointments.")),
}
_PERMISSION = {
    "status": "appointment.status",
    "move": "appointment.book",
    "cancel": "appointment.book",
}


def undo(session: Session, ctx: Ctx, done: Undo) -> Appointment:
    """Put back what the change ``done`` altered; raise (writing nothing) when the
    rules above refuse."""
    require(ctx, _PERMISSION[done.kind], _CANNOT[done.kind])
    appt = appointments.load(session, done.appointment_id)
    now = ctx.clock.now()
    _check_still_undoable(appt, done, now)
    before = done.before
    freed = appt.status in lifecycle.INACTIVE and before.status not in lifecycle.INACTIVE
    moved = (before.start_utc, before.end_utc, before.provider_id, before.room_id) != (
        appt.start_utc,
        appt.end_utc,
        appt.provider_id,
        appt.room_id,
    )
    if freed or moved:
        _check_free(session, ctx, appt, before, now)
    for name, value in asdict(before).items():
        setattr(appt, name, value)
    records.save(session, ctx, appt, f"undo_{done.kind}", "appointment", now)
    overrides.record(session, ctx, appt)
    return appt


def _check_still_undoable(appt: Appointment, done: Undo, now: datetime) -> None:
    if appt.version != done.version:
        raise IllegalTransition(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The appointment has been changed again since, so that change cannot be "
                    "undone; change it from its card instead.",
                )
            )
        )
    if now - appt.updated_at > UNDO_WINDOW:
        raise IllegalTransition(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "That change was made more than {minutes} minutes ago and can no longer "
                    "be undone; change the appointment from its card instead.",
                ),
                minutes=int(UNDO_WINDOW.total_seconds() // 60),
            )
        )
    if not lifecycle.undoes(done.before.status, appt.status):
        lifecycle.check_move(appt.status, done.before.status)  # says why, naming both


def _check_free(
    session: Session, ctx: Ctx, appt: Appointment, before: Before, now: datetime
) -> None:
    """The time the undo gives back must still be free (a no-show's: on its own day)."""
    if appt.status == "no_show":
        tz = zones.zone(get_clinic(session).timezone)
        lifecycle.check_take_back(appt.start_utc, now, tz)
    found = _clashes(session, appt, before)
    if before.override_reason and ctx.actor.may("booking.override"):
        # Its reason still holds for the hours; not for an appointment or a block that
        # came after the change (``_clashes`` kept only those).
        found = [c for c in found if c.other_id is not None]
    if not found:
        return
    raise ConflictError(
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "That change cannot be undone: {problem} Book or move the appointment anew "
                "instead.",
            ),
            problem=found[0].reason,
        ),
        found,
    )
