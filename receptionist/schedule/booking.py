"""Booking, moving, cancelling and advancing appointments.

Every change is validated and checked against the rules in :mod:`conflicts` (through
:mod:`drafts`) before anything is written, so an error leaves the database as it was.
A clash raises ConflictError listing the reasons, unless an override reason is given
by someone who may override ("booking.override"): then the appointment is saved with
``override_by`` and ``override_reason`` set and an "override" audit event. An override
reason given when nothing clashes is ignored, and a move to a clean time clears the
override marks: ``override_reason`` is non-empty exactly when the appointment breaks
a rule. A booking whose start has already passed (a walk-in entered afterwards) is
saved and audited as a "book_past" event. Reading appointments is in :mod:`appointments`.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Final

from sqlalchemy.orm import Session

from receptionist import zones
from receptionist.context import Ctx, require
from receptionist.errors import IllegalTransition, ValidationError
from receptionist.freetext import clean_text
from receptionist.journal import audit, records
from receptionist.models import Appointment
from receptionist.schedule import appointments, drafts, lifecycle, overrides, undo

# The `name as name` imports are names that moved out of this module; callers keep them.
from receptionist.schedule.appointments import get_appointment as get_appointment
from receptionist.schedule.appointments import list_appointments as list_appointments
from receptionist.schedule.clinic import get_clinic
from receptionist.schedule.conflicts import Conflict
from receptionist.schedule.drafts import Draft as Draft
from receptionist.schedule.drafts import check as check
from receptionist.schedule.overrides import is_overridden as is_overridden
from receptionist.texts import QT_TRANSLATE_NOOP, Text
from receptionist.zones import as_utc


class Keep(Enum):
    """Marks an argument of :func:`reschedule` left as it is (``None`` means "no room")."""

    KEEP = "keep"


KEEP: Final = Keep.KEEP

# The audit event of a booking whose time had already begun when it was made.
BOOKED_IN_THE_PAST: Final = "book_past"

CANNOT_BOOK: Final = Text(QT_TRANSLATE_NOOP("core", "Your role cannot book appointments."))


# -- changes -----------------------------------------------------------------------------


def book(
    session: Session,
    ctx: Ctx,
    *,
    patient_id: str,
    provider_id: str,
    service_id: str,
    start: datetime,
    end: datetime | None = None,
    room_id: str | None = None,
    notes: str = "",
    override_reason: str | None = None,
    series_id: str | None = None,
) -> Appointment:
    """Book an appointment; ``end`` defaults to start plus the service's duration."""
    draft = Draft(patient_id, provider_id, service_id, start, end, room_id)
    return book_draft(session, ctx, draft, notes, override_reason, series_id)


def book_draft(
    session: Session,
    ctx: Ctx,
    draft: Draft,
    notes: str = "",
    override_reason: str | None = None,
    series_id: str | None = None,
) -> Appointment:
    """:func:`book`, taking a :class:`Draft`."""
    require(ctx, "appointment.book", CANNOT_BOOK)
    override = overrides.reason(ctx, override_reason)
    notes = drafts.clean_notes(notes)
    start, end, found = drafts.plan(session, draft)
    override_by, reason = overrides.settle(ctx, found, override)
    appointment = Appointment(
        patient_id=draft.patient_id,
        provider_id=draft.provider_id,
        service_id=draft.service_id,
        room_id=draft.room_id,
        start_utc=start,
        end_utc=end,
        status="booked",
        notes=notes,
        booked_by=ctx.actor.user_id,
        series_id=series_id,
        override_by=override_by,
        override_reason=reason,
    )
    records.insert(session, ctx, appointment, "appointment")
    overrides.record(session, ctx, appointment)
    if appointment.start_utc < ctx.clock.now():  # a walk-in entered afterwards, say
        audit.record(session, ctx, BOOKED_IN_THE_PAST, "appointment", appointment.id)
    return appointment


def reschedule(
    session: Session,
    ctx: Ctx,
    appointment_id: str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    provider_id: str | None = None,
    room_id: str | Keep | None = KEEP,
    override_reason: str | None = None,
) -> Appointment:
    """Move and/or resize an appointment, or give it another provider or room.

    A new ``start`` alone keeps the length; ``end`` alone resizes.
    """
    require(
        ctx,
        "appointment.book",
        Text(QT_TRANSLATE_NOOP("core", "Your role cannot move appointments.")),
    )
    override = overrides.reason(ctx, override_reason)
    appt = appointments.load(session, appointment_id)
    if appt.status in lifecycle.FINAL:
        raise IllegalTransition(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "An appointment that is {status} cannot be moved; book a new one instead.",
                ),
                status=lifecycle.label(appt.status),
            )
        )
    draft = _moved(appt, start, end, provider_id, room_id)
    new_start, new_end, found = drafts.plan(session, draft, exclude_id=appt.id)
    override_by, reason = overrides.settle(ctx, found, override)
    after = (new_start, new_end, draft.provider_id, draft.room_id, reason)
    if after == _placement(appt):
        return appt
    appt.start_utc, appt.end_utc, appt.provider_id, appt.room_id = after[:4]
    appt.override_by, appt.override_reason = override_by, reason
    records.save(session, ctx, appt, "reschedule", "appointment")
    overrides.record(session, ctx, appt)
    return appt


def check_move(
    session: Session,
    ctx: Ctx,
    appointment_id: str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    provider_id: str | None = None,
    room_id: str | Keep | None = KEEP,
) -> list[Conflict]:
    """What :func:`reschedule` with these arguments would clash with, writing nothing
    (the dry run while a card is dragged): the same draft, the same checks."""
    appt = appointments.get_appointment(session, ctx, appointment_id)
    draft = _moved(appt, start, end, provider_id, room_id)
    return drafts.check(session, ctx, draft, exclude_id=appt.id)


def _moved(
    appt: Appointment,
    start: datetime | None,
    end: datetime | None,
    provider_id: str | None,
    room_id: str | Keep | None,
) -> Draft:
    """The draft of ``appt`` moved as asked; what is not given is kept."""
    room = appt.room_id if isinstance(room_id, Keep) else room_id
    length = appt.end_utc - appt.start_utc
    new_start = appt.start_utc if start is None else as_utc(start, "start")
    new_end = new_start + length if end is None else end
    provider = provider_id or appt.provider_id
    return Draft(appt.patient_id, provider, appt.service_id, new_start, new_end, room)


def _placement(appt: Appointment) -> tuple[datetime, datetime, str, str | None, str]:
    return appt.start_utc, appt.end_utc, appt.provider_id, appt.room_id, appt.override_reason


def cancel(session: Session, ctx: Ctx, appointment_id: str, reason: str) -> Appointment:
    """Cancel an appointment, saying why; it stops holding its time at once."""
    require(
        ctx,
        "appointment.book",
        Text(QT_TRANSLATE_NOOP("core", "Your role cannot cancel appointments.")),
    )
    text = clean_text(reason, "reason", drafts.MAX_REASON_CHARS)
    if not text:
        raise ValidationError(
            "reason", Text(QT_TRANSLATE_NOOP("core", "Say why the appointment is cancelled."))
        )
    appt = appointments.load(session, appointment_id)
    drafts.refuse_anonymised(session, appt.patient_id)  # a reason is words about her
    lifecycle.check_move(appt.status, "cancelled")
    appt.status, appt.cancellation_reason = "cancelled", text
    records.save(session, ctx, appt, "cancel", "appointment")
    return appt


def set_status(
    session: Session, ctx: Ctx, appointment_id: str, status: str, reason: str = ""
) -> Appointment:
    """Move an appointment along its life (see :mod:`lifecycle`).

    Setting the status it already has changes nothing (a double click is harmless);
    "cancelled" goes through :func:`cancel` and needs a reason; a no-show set back to
    "booked" is taken back (:func:`undo.take_back`: its own day, its time still free).
    """
    if status == "cancelled":
        return cancel(session, ctx, appointment_id, reason)
    require(
        ctx,
        "appointment.status",
        Text(QT_TRANSLATE_NOOP("core", "Your role cannot change appointment statuses.")),
    )
    appt = appointments.load(session, appointment_id)
    if appt.status == status:
        return appt
    now = ctx.clock.now()
    if lifecycle.takes_back(appt.status, status):  # a no-show booked again, same day
        undo.take_back(session, ctx, appt, status, now)
        return appt
    lifecycle.check_move(appt.status, status)
    _check_timing(session, appt, status, now)
    if status == "arrived":
        appt.arrived_at = now
    appt.status = status
    records.save(session, ctx, appt, f"status_{status}", "appointment", now)
    return appt


def _check_timing(session: Session, appt: Appointment, status: str, now: datetime) -> None:
    """Refuse a status the appointment's time does not allow yet (``lifecycle.not_yet``)."""
    if status != "no_show" and status not in lifecycle.ON_THE_DAY:
        return
    tz = zones.zone(get_clinic(session).timezone)
    if not lifecycle.not_yet(status, appt.start_utc, now, tz):
        return
    start = appt.start_utc.astimezone(tz)
    if status == "no_show":
        raise IllegalTransition(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The appointment starts at {start}; mark it a no-show once that time "
                    "has passed.",
                ),
                start=f"{start:%Y-%m-%d %H:%M}",
            )
        )
    raise IllegalTransition(
        Text(
            QT_TRANSLATE_NOOP(
                "core", "The appointment is on {day}; it can be marked {status} from that day on."
            ),
            day=f"{start:%Y-%m-%d}",
            status=lifecycle.label(status),
        )
    )
