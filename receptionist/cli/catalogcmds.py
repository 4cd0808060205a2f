"""provider, room and service: add and list."""

from __future__ import annotations

import argparse
from typing import Any

from receptionist.cli.common import App, whole_number
from receptionist.models import Provider, Room, Service
from receptionist.schedule import catalog
from receptionist.schedule.fieldrules import MAX_BUFFER_MINUTES, MAX_DURATION_MINUTES
from receptionist.schedule.hourstext import hours_text, parse_hours

BUFFER = whole_number(0, MAX_BUFFER_MINUTES)
BUFFER_HELP = f"minutes, 0 to {MAX_BUFFER_MINUTES}"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    prov = sub.add_parser("provider", help="providers (doctors, therapists, hygienists)")
    psub = prov.add_subparsers(dest="provider_cmd", required=True)
    p = psub.add_parser("add", help="add a provider")
    p.add_argument("name")
    p.add_argument("--colour", default="#4a90d9")
    p.add_argument("--hours", default="", help='e.g. "mon-fri 09:00-17:00; sat 09:00-13:00"')
    p.set_defaults(func=cmd_provider_add)
    p = psub.add_parser("list", help="list providers")
    p.add_argument("--all", action="store_true", help="include inactive ones")
    p.set_defaults(func=lambda app: _list(app, Provider))

    room = sub.add_parser("room", help="treatment rooms")
    rsub = room.add_subparsers(dest="room_cmd", required=True)
    p = rsub.add_parser("add", help="add a room")
    p.add_argument("name")
    p.set_defaults(func=cmd_room_add)
    p = rsub.add_parser("list", help="list rooms")
    p.add_argument("--all", action="store_true")
    p.set_defaults(func=lambda app: _list(app, Room))

    svc = sub.add_parser("service", help="services offered")
    ssub = svc.add_subparsers(dest="service_cmd", required=True)
    p = ssub.add_parser("add", help="add a service")
    p.add_argument("name")
    p.add_argument(
        "--minutes",
        type=whole_number(1, MAX_DURATION_MINUTES),
        required=True,
        help=f"duration, 1 to {MAX_DURATION_MINUTES}",
    )
    p.add_argument("--category", default="")
    p.add_argument("--price", default="0", help="e.g. 850.00 (in the clinic's currency)")
    p.add_argument("--currency", default="TRY")
    p.add_argument("--buffer-before", type=BUFFER, default=0, help=BUFFER_HELP)
    p.add_argument("--buffer-after", type=BUFFER, default=0, help=BUFFER_HELP)
    p.add_argument("--colour", default="#7fb77e")
    p.set_defaults(func=cmd_service_add)
    p = ssub.add_parser("list", help="list services")
    p.add_argument("--all", action="store_true")
    p.set_defaults(func=lambda app: _list(app, Service))


def _describe(row: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": row.id, "name": row.name, "active": row.active}
    if isinstance(row, Provider):
        data["colour"] = row.colour
        data["working_hours"] = row.working_hours
        data["hours_text"] = hours_text(row.working_hours)
    if isinstance(row, Service):
        data.update(
            category=row.category,
            minutes=row.duration_minutes,
            price=f"{row.price_minor / 100:.2f} {row.currency}",
            buffer_before=row.buffer_before_minutes,
            buffer_after=row.buffer_after_minutes,
            colour=row.colour,
        )
    return data


def _line(d: dict[str, Any]) -> str:
    extra = ""
    if "minutes" in d:
        extra = f"{d['minutes']:>4} min  {d['category']:<14} {d['price']:>14}"
    elif "hours_text" in d:
        extra = d["hours_text"]
    flag = "" if d["active"] else "  (inactive)"
    return f"{d['id'][:8]}  {d['name']:<28} {extra}{flag}"


def _list(app: App, model: type[catalog.Named]) -> int:
    with app.database() as db, db.read() as session:
        rows = [
            _describe(r) for r in catalog.listing(session, model, include_inactive=app.args.all)
        ]
    app.emit(rows, "\n".join(_line(r) for r in rows) or "None yet.")
    return 0


def cmd_provider_add(app: App) -> int:
    a = app.args
    week = parse_hours(a.hours) if a.hours else None
    with app.database() as db, db.write() as session:
        row = catalog.create_provider(
            session, app.ctx(db), name=a.name, colour=a.colour, working_hours=week
        )
        data = _describe(row)
    app.emit(data, f"Added provider {data['name']} ({data['id'][:8]}).")
    return 0


def cmd_room_add(app: App) -> int:
    with app.database() as db, db.write() as session:
        data = _describe(catalog.create_room(session, app.ctx(db), name=app.args.name))
    app.emit(data, f"Added room {data['name']}.")
    return 0


def _minor(text: str) -> int:
    import re
    from decimal import Decimal, InvalidOperation

    from receptionist.errors import ValidationError

    if len(re.findall(r"[.,]", text)) > 1 or re.search(r"[.,]\d{3}$", text.strip()):
        # "1,500" or "1.500" (Turkish) is fifteen hundred to one reader, 1.50 to another.
        raise ValidationError(
            "price", "Write the price without thousands separators, like 1500.00."
        )
    try:
        value = Decimal(text.replace(",", "."))
        if not value.is_finite():  # "NaN", "Infinity": Decimal reads them
            raise InvalidOperation
        exact = value == value.quantize(Decimal("0.01"))
    except InvalidOperation as exc:  # not a number, or too many digits to be a price
        raise ValidationError("price", "The price must be a number such as 850.00.") from exc
    if value < 0 or not exact:
        raise ValidationError("price", "The price must be positive with at most 2 decimals.")
    return int(value * 100)


def cmd_service_add(app: App) -> int:
    a = app.args
    with app.database() as db, db.write() as session:
        row = catalog.create_service(
            session,
            app.ctx(db),
            name=a.name,
            duration_minutes=a.minutes,
            category=a.category,
            price_minor=_minor(a.price),
            currency=a.currency,
            buffer_before_minutes=a.buffer_before,
            buffer_after_minutes=a.buffer_after,
            colour=a.colour,
        )
        data = _describe(row)
    app.emit(data, f"Added service {data['name']} ({data['minutes']} min).")
    return 0
