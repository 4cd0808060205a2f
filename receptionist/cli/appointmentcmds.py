"""appointment book|list|cancel|status, and slots."""

from __future__ import annotations

import argparse
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from receptionist import zones
from receptionist.cli import lookup
from receptionist.cli.common import App, whole_number
from receptionist.errors import ConflictError, ValidationError
from receptionist.models import Appointment, Patient, Provider, Room, Service
from receptionist.schedule import booking, catalog, lifecycle, slots


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    appt = sub.add_parser("appointment", help="book, list, cancel, change status")
    asub = appt.add_subparsers(dest="appointment_cmd", required=True)
    p = asub.add_parser("book", help="book an appointment")
    p.add_argument("--patient", required=True, help="patient number (A-12) or id")
    p.add_argument("--provider", required=True, help="id or an unambiguous name")
    p.add_argument("--service", required=True, help="id or an unambiguous name")
    p.add_argument("--start", required=True, help="ISO 8601 in the clinic's time zone")
    p.add_argument("--room", help="id or name")
    p.add_argument("--notes", default="")
    p.add_argument("--override", metavar="REASON", help="book despite conflicts (managers)")
    p.set_defaults(func=cmd_book)

    p = asub.add_parser("list", help="appointments of a day (or several)")
    p.add_argument("--date", help="YYYY-MM-DD in the clinic's zone (default: today)")
    p.add_argument("--days", type=whole_number(1, 366), default=1, help="1 to 366")
    p.add_argument("--provider")
    p.add_argument("--all", action="store_true", help="include cancelled and no-shows")
    p.set_defaults(func=cmd_list)

    p = asub.add_parser("cancel", help="cancel an appointment")
    p.add_argument("appointment", help="id or its first characters")
    p.add_argument("--reason", required=True)
    p.set_defaults(func=cmd_cancel)

    p = asub.add_parser("status", help="move an appointment along its life")
    p.add_argument("appointment")
    p.add_argument("status", choices=lifecycle.STATUSES)
    p.add_argument("--reason", default="")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("slots", help="the next free slots for a service")
    p.add_argument("--service", required=True)
    p.add_argument("--provider", help="default: any provider")
    p.add_argument("--from", dest="start_from", help="ISO 8601 local time (default: now)")
    p.add_argument(
        "--count", type=whole_number(1, slots.MAX_COUNT), default=5, help=f"1 to {slots.MAX_COUNT}"
    )
    p.set_defaults(func=cmd_slots)


def _zone(session: Session) -> Any:
    return zones.zone(catalog.get_clinic(session).timezone)


def describe(session: Session, appt: Appointment) -> dict[str, Any]:
    tz = _zone(session)
    patient = session.get(Patient, appt.patient_id)
    provider = session.get(Provider, appt.provider_id)
    service = session.get(Service, appt.service_id)
    room = session.get(Room, appt.room_id) if appt.room_id else None
    return {
        "id": appt.id,
        "start": appt.start_utc.astimezone(tz).isoformat(timespec="minutes"),
        "end": appt.end_utc.astimezone(tz).isoformat(timespec="minutes"),
        "when": span_text(appt.start_utc, appt.end_utc, tz),
        "status": appt.status,
        "patient_number": patient.number if patient else None,
        "patient": patient.display_name if patient else None,
        "provider": provider.name if provider else None,
        "service": service.name if service else None,
        "room": room.name if room else None,
        "override_reason": appt.override_reason or None,
    }


def span_text(start_utc: datetime, end_utc: datetime, tz: ZoneInfo) -> str:
    """'2026-12-10 10:00-10:30' in the clinic's zone. A time in the hour that repeats
    when the clocks go back is given with its UTC offset, which tells the two apart:
    '2030-10-27 02:30 (UTC+02:00)-02:30 (UTC+01:00)'."""
    start, end = start_utc.astimezone(tz), end_utc.astimezone(tz)

    def clock(moment: datetime) -> str:
        naive = moment.replace(tzinfo=None)
        repeated = (
            naive.replace(tzinfo=tz, fold=0).utcoffset()
            != naive.replace(tzinfo=tz, fold=1).utcoffset()
        )
        offset = moment.strftime("%z")
        return moment.strftime("%H:%M") + (f" (UTC{offset[:3]}:{offset[3:]})" if repeated else "")

    return f"{start:%Y-%m-%d} {clock(start)}-{clock(end)}"


def _line(d: dict[str, Any]) -> str:
    return (
        f"{d['id'][:8]}  {d['when']}  "
        f"{d['status']:<10} {d['provider'] or '':<22} {d['service'] or '':<18} "
        f"{d['patient_number'] or ''} {d['patient'] or ''}"
    )


def cmd_book(app: App) -> int:
    a = app.args
    with app.database() as db, db.write() as session:
        ctx = app.ctx(db)
        patient = lookup.patient(session, a.patient)
        provider = catalog.find(session, Provider, a.provider)
        service = catalog.find(session, Service, a.service)
        room = catalog.find(session, Room, a.room) if a.room else None
        start = zones.local_to_utc(a.start, _zone(session), field="start")
        if start.second or start.microsecond:  # every listing shows minutes only
            raise ValidationError(
                "start", "The start is in whole minutes (like 2026-03-02T09:30); leave out seconds."
            )
        try:
            appt = booking.book(
                session,
                ctx,
                patient_id=patient.id,
                provider_id=provider.id,
                service_id=service.id,
                start=start,
                room_id=room.id if room else None,
                notes=a.notes,
                override_reason=a.override,
            )
        except ConflictError as exc:
            reasons = " ".join(c.reason for c in exc.conflicts)
            raise ConflictError(
                f"Not booked. {reasons} Pick another time, or book it with --override REASON "
                "if your role allows.",
                exc.conflicts,
            ) from None
        data = describe(session, appt)
    app.emit(data, "Booked: " + _line(data))
    return 0


def _day(session: Session, text: str | None, now: datetime) -> date:
    if not text:
        return now.astimezone(_zone(session)).date()
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationError("date", "The date must look like 2026-12-01.") from exc
    if not zones.EARLIEST_YEAR <= day.year <= zones.LATEST_YEAR:
        raise ValidationError(
            "date", f"The year must be between {zones.EARLIEST_YEAR} and {zones.LATEST_YEAR}."
        )
    return day


def cmd_list(app: App) -> int:
    a = app.args
    with app.database() as db, db.read() as session:
        ctx = app.ctx(db)
        tz = _zone(session)
        day = _day(session, a.date, app.clock.now())
        if (day + timedelta(days=a.days)).year > zones.LATEST_YEAR:
            raise ValidationError(
                "days", f"The days listed must end before {zones.LATEST_YEAR + 1}."
            )
        start, end = (
            zones.local_to_utc(datetime.combine(d, time()), tz, field="date", boundary=True)
            for d in (day, day + timedelta(days=a.days))
        )
        provider_id = catalog.find(session, Provider, a.provider).id if a.provider else None
        rows = booking.list_appointments(
            session, ctx, start, end, provider_id=provider_id, include_inactive=a.all
        )
        data = [describe(session, r) for r in rows]
    app.emit(data, "\n".join(_line(d) for d in data) or "No appointments.")
    return 0


def cmd_cancel(app: App) -> int:
    with app.database() as db, db.write() as session:
        appt = lookup.appointment(session, app.args.appointment)
        booking.cancel(session, app.ctx(db), appt.id, app.args.reason)
        data = describe(session, appt)
    app.emit(data, "Cancelled: " + _line(data))
    return 0


def cmd_status(app: App) -> int:
    with app.database() as db, db.write() as session:
        appt = lookup.appointment(session, app.args.appointment)
        booking.set_status(session, app.ctx(db), appt.id, app.args.status, app.args.reason)
        data = describe(session, appt)
    app.emit(data, "Now: " + _line(data))
    return 0


def cmd_slots(app: App) -> int:
    a = app.args
    with app.database() as db, db.read() as session:
        ctx = app.ctx(db)
        tz = _zone(session)
        service = catalog.find(session, Service, a.service)
        provider = catalog.find(session, Provider, a.provider) if a.provider else None
        start_from = (
            zones.local_to_utc(a.start_from, tz, field="from", boundary=True)
            if a.start_from
            else None
        )
        found = slots.find_slots(
            session,
            ctx,
            service_id=service.id,
            provider_id=provider.id if provider else None,
            start_from=start_from,
            count=a.count,
        )
        names = {p.id: p.name for p in catalog.listing(session, Provider)}
        data: list[dict[str, str]] = [
            {
                "start": s.start.astimezone(tz).isoformat(timespec="minutes"),
                "end": s.end.astimezone(tz).isoformat(timespec="minutes"),
                "provider_id": s.provider_id,
                "provider": names.get(s.provider_id, ""),
                "when": span_text(s.start, s.end, tz),
            }
            for s in found
        ]
    text = "\n".join(f"{d['when']}  {d['provider']}" for d in data)
    app.emit(data, text or "No free slot in the next two months.")
    return 0
