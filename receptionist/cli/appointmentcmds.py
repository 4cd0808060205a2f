"""appointment book|move|show|list|cancel|status, and slots.

Each handler turns what was typed into ids (``ops.lookup``) and clinic-local times
into UTC, then calls one operation of ``receptionist.ops``; the rules (conflicts and
their override, whole minutes, the lifecycle) are the core's, as in the app.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from receptionist import zones
from receptionist.cli.common import App, examples, whole_number
from receptionist.context import Ctx
from receptionist.errors import ConflictError, UserError, ValidationError
from receptionist.ops import agenda, appointments, catalog, lookup, slots
from receptionist.ops.appointmentinfo import info
from receptionist.ops.appointments import KEEP, AppointmentInfo, BookRequest, MoveRequest
from receptionist.schedule.agenda import clinic_info
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

NOT_BOOKED = QT_TRANSLATE_NOOP(
    "core",
    "Not booked. {reasons} Pick another time, or book it with --override REASON if your "
    "role allows.",
)
NOT_MOVED = QT_TRANSLATE_NOOP(
    "core",
    "Not moved. {reasons} Pick another time, or move it with --override REASON if your "
    "role allows.",
)
NOTHING_TO_MOVE = Text(
    QT_TRANSLATE_NOOP(
        "core", "Say what to change: --start, --end, --provider, --room or --no-room."
    )
)
ID_HELP = "the appointment's id, or its first 6 characters or more"
ISO_HELP = "ISO 8601 in the clinic's time zone, in whole minutes"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    appt = sub.add_parser("appointment", help="book, move, show, list, cancel, change status")
    asub = appt.add_subparsers(dest="appointment_cmd", required=True)
    _book(asub)
    _move(asub)
    _show(asub)
    _list(asub)
    _cancel(asub)
    _status(asub)
    _slots(sub)


def _book(asub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = asub.add_parser(
        "book",
        help="book an appointment",
        **examples(
            "receptionist appointment book --patient A-12 --provider Aksoy --service Check-up "
            "--start 2026-12-10T10:00",
            "receptionist appointment book --patient A-12 --provider Aksoy --service Check-up "
            "--start 2026-12-10T10:15 --override 'emergency, agreed with Dr Aksoy'",
        ),
    )
    p.add_argument("--patient", required=True, help="patient number (A-12) or id")
    p.add_argument("--provider", required=True, help="id or an unambiguous name")
    p.add_argument("--service", required=True, help="id or an unambiguous name")
    p.add_argument("--start", required=True, help=ISO_HELP)
    p.add_argument("--room", help="id or name (default: no room)")
    p.add_argument("--notes", default="", help="free text kept with the appointment")
    p.add_argument(
        "--override", metavar="REASON", help="book despite conflicts, saying why (managers)"
    )
    p.set_defaults(func=cmd_book)


def _move(asub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = asub.add_parser(
        "move",
        help="move an appointment: another time, length, provider or room",
        description="Checked like a booking, and like a drag on the schedule: a clash is\n"
        "refused unless a manager gives --override REASON. What is not given stays.",
        **examples(
            "receptionist appointment move 3f2a9c --start 2026-12-10T11:00",
            "receptionist appointment move 3f2a9c --provider Demir --no-room "
            "--override 'patient asked for Dr Demir'",
        ),
    )
    p.add_argument("appointment", metavar="ID", help=ID_HELP)
    p.add_argument("--start", help="the new start (" + ISO_HELP + "); the length is kept")
    p.add_argument("--end", help="the new end (" + ISO_HELP + "); alone, it resizes")
    p.add_argument("--provider", help="another provider: id or an unambiguous name")
    room = p.add_mutually_exclusive_group()
    room.add_argument("--room", help="another room: id or name")
    room.add_argument("--no-room", action="store_true", help="take the appointment's room away")
    p.add_argument(
        "--override", metavar="REASON", help="move despite conflicts, saying why (managers)"
    )
    p.set_defaults(func=cmd_move)


def _show(asub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = asub.add_parser(
        "show",
        help="one appointment: when, who, where, its status and notes",
        **examples(
            "receptionist appointment show 3f2a9c", "receptionist appointment show 3f2a9c --json"
        ),
    )
    p.add_argument("appointment", metavar="ID", help=ID_HELP)
    p.set_defaults(func=cmd_show)


def _list(asub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = asub.add_parser(
        "list",
        help="appointments of a day (or several)",
        **examples(
            "receptionist appointment list --date 2026-12-10",
            "receptionist appointment list --date 2026-12-07 --days 7 --provider Aksoy --all",
        ),
    )
    p.add_argument("--date", help="YYYY-MM-DD in the clinic's zone (default: today)")
    p.add_argument(
        "--days",
        type=whole_number(1, appointments.MAX_DAYS),
        default=1,
        help=f"how many days from --date: 1 to {appointments.MAX_DAYS} (default 1)",
    )
    p.add_argument("--provider", help="only this provider's: id or an unambiguous name")
    p.add_argument("--all", action="store_true", help="include cancelled and no-shows")
    p.set_defaults(func=cmd_list)


def _cancel(asub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = asub.add_parser(
        "cancel",
        help="cancel an appointment, saying why",
        **examples("receptionist appointment cancel 3f2a9c --reason 'Patient called'"),
    )
    p.add_argument("appointment", metavar="ID", help=ID_HELP)
    p.add_argument("--reason", required=True, help="why it is cancelled (kept with it)")
    p.set_defaults(func=cmd_cancel)


def _status(asub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = asub.add_parser(
        "status",
        help="move an appointment along its life",
        **examples(
            "receptionist appointment status 3f2a9c confirmed",
            "receptionist appointment status 3f2a9c cancelled --reason 'Patient called'",
            "receptionist appointment status 3f2a9c booked",
        ),
    )
    p.add_argument("appointment", metavar="ID", help=ID_HELP)
    p.add_argument(
        "status",
        choices=appointments.STATUSES,
        help="the new status: %(choices)s; 'booked' takes a no-show back "
        "(on its own day, while its time is still free)",
    )
    p.add_argument("--reason", default="", help="why (needed for cancelled)")
    p.set_defaults(func=cmd_status)


def _slots(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "slots",
        help="the next free slots for a service",
        **examples(
            "receptionist slots --service Check-up",
            "receptionist slots --service Check-up --provider Aksoy --from 2026-12-10T08:00 "
            "--count 10",
        ),
    )
    p.add_argument("--service", required=True, help="id or an unambiguous name")
    p.add_argument("--provider", help="id or an unambiguous name (default: any provider)")
    p.add_argument("--from", dest="start_from", help="ISO 8601 local time (default: now)")
    p.add_argument(
        "--count",
        type=whole_number(1, slots.MAX_COUNT),
        default=5,
        help=f"how many: 1 to {slots.MAX_COUNT} (default 5)",
    )
    p.set_defaults(func=cmd_slots)


# -- output ------------------------------------------------------------------------------


def described(a: AppointmentInfo, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": a.id,
        "start": a.start_utc.astimezone(tz).isoformat(timespec="minutes"),
        "end": a.end_utc.astimezone(tz).isoformat(timespec="minutes"),
        "when": span_text(a.start_utc, a.end_utc, tz),
        "status": a.status,
        "patient_number": a.patient_number,
        "patient": a.patient_name or None,
        "provider": a.provider_name or None,
        "service": a.service_name or None,
        "room": a.room_name,
        "override_reason": a.override_reason or None,
    }


def described_fully(a: AppointmentInfo, tz: ZoneInfo) -> dict[str, Any]:
    """:func:`described`, with the ids, the notes and why it was cancelled."""
    return {
        **described(a, tz),
        "patient_id": a.patient_id,
        "provider_id": a.provider_id,
        "service_id": a.service_id,
        "room_id": a.room_id,
        "series_id": a.series_id,
        "notes": a.notes,
        "cancellation_reason": a.cancellation_reason or None,
    }


def describe(session: Any, appointment: Any) -> dict[str, Any]:
    """Deprecated: ``patient show`` still reads its appointments itself and asks this with
    its session; once it goes through ``ops.appointments.of_patient`` this goes."""
    return described(info(session, appointment), clinic_info(session).tz)


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


def _shown(d: dict[str, Any]) -> str:
    """Every field of :func:`described_fully` on a line of its own."""
    labels = (
        ("id", "id"), ("when", "when"), ("status", "status"), ("patient_number", "patient"),
        ("patient", "name"), ("provider", "provider"), ("service", "service"),
        ("room", "room"), ("notes", "notes"), ("override_reason", "override"),
        ("cancellation_reason", "cancelled because"),
    )  # fmt: skip
    return "\n".join(f"{label + ':':<18} {d[key]}" for key, label in labels if d[key])


# -- handlers ----------------------------------------------------------------------------


def _zone(db: Database, ctx: Ctx) -> ZoneInfo:
    return agenda.clinic(db, ctx).tz


def _refused(exc: ConflictError, template: str) -> ConflictError:
    """The core's clashes, one sentence each, and what the CLI can do about them."""
    reasons = " ".join(str(c.reason) for c in exc.conflicts)
    return ConflictError(Text(template, reasons=reasons), exc.conflicts)


def cmd_book(app: App) -> int:
    a = app.args
    with app.database() as db:
        ctx = app.ctx(db)
        tz = _zone(db, ctx)
        request = BookRequest(
            patient_id=lookup.patient(db, a.patient).id,
            provider_id=lookup.provider(db, a.provider).id,
            service_id=lookup.service(db, a.service).id,
            start=zones.local_to_utc(a.start, tz, field="start"),
            room_id=lookup.room(db, a.room).id if a.room else None,
            notes=a.notes,
            override_reason=a.override,
        )
        try:
            booked = appointments.book(db, ctx, request)
        except ConflictError as exc:
            raise _refused(exc, NOT_BOOKED) from None
    data = described(booked, tz)
    app.emit(data, "Booked: " + _line(data))
    return 0


def cmd_move(app: App) -> int:
    a = app.args
    if not (a.start or a.end or a.provider or a.room or a.no_room):
        raise UserError(NOTHING_TO_MOVE)
    with app.database() as db:
        ctx = app.ctx(db)
        tz = _zone(db, ctx)
        appointment_id = lookup.appointment(db, a.appointment)
        request = MoveRequest(
            start=zones.local_to_utc(a.start, tz, field="start") if a.start else None,
            end=zones.local_to_utc(a.end, tz, field="end") if a.end else None,
            provider_id=lookup.provider(db, a.provider).id if a.provider else None,
            room_id=None if a.no_room else (lookup.room(db, a.room).id if a.room else KEEP),
            override_reason=a.override,
        )
        try:
            moved = appointments.move(db, ctx, appointment_id, request)
        except ConflictError as exc:
            raise _refused(exc, NOT_MOVED) from None
    data = described(moved, tz)
    app.emit(data, "Moved: " + _line(data))
    return 0


def cmd_show(app: App) -> int:
    with app.database() as db:
        ctx = app.ctx(db)
        found = appointments.show(db, ctx, lookup.appointment(db, app.args.appointment))
        data = described_fully(found, _zone(db, ctx))
    app.emit(data, _shown(data))
    return 0


def _date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            field, Text(QT_TRANSLATE_NOOP("core", "The date must look like 2026-12-01."))
        ) from None


def cmd_list(app: App) -> int:
    a = app.args
    first = _date(a.date, "date") if a.date else None
    with app.database() as db:
        ctx = app.ctx(db)
        provider_id = lookup.provider(db, a.provider).id if a.provider else None
        found = appointments.days(
            db, ctx, first, a.days, provider_id=provider_id, include_inactive=a.all
        )
        tz = _zone(db, ctx)
    data = [described(x, tz) for x in found]
    app.emit(data, "\n".join(_line(d) for d in data) or "No appointments.")
    return 0


def cmd_cancel(app: App) -> int:
    with app.database() as db:
        ctx = app.ctx(db)
        appointment_id = lookup.appointment(db, app.args.appointment)
        data = described(
            appointments.cancel(db, ctx, appointment_id, app.args.reason), _zone(db, ctx)
        )
    app.emit(data, "Cancelled: " + _line(data))
    return 0


def cmd_status(app: App) -> int:
    a = app.args
    with app.database() as db:
        ctx = app.ctx(db)
        appointment_id = lookup.appointment(db, a.appointment)
        now = appointments.set_status(db, ctx, appointment_id, a.status, a.reason)
        data = described(now, _zone(db, ctx))
    app.emit(data, "Now: " + _line(data))
    return 0


def cmd_slots(app: App) -> int:
    a = app.args
    with app.database() as db:
        ctx = app.ctx(db)
        tz = _zone(db, ctx)
        query = slots.SlotQuery(
            service_id=lookup.service(db, a.service).id,
            provider_id=lookup.provider(db, a.provider).id if a.provider else None,
            start_from=(
                zones.local_to_utc(a.start_from, tz, field="from", boundary=True)
                if a.start_from
                else None
            ),
            count=a.count,
        )
        found = slots.free(db, ctx, query)
        names = {p.id: p.name for p in catalog.choices(db, ctx).providers}
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
