"""provider, room and service: add, list, update, deactivate, reactivate."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from receptionist.cli.common import App, examples, whole_number
from receptionist.errors import UserError
from receptionist.ops import catalog, lookup
from receptionist.ops.catalog import Kind, ProviderRow, Row, ServiceRow
from receptionist.schedule.clinicsettings import WeeklyHours
from receptionist.schedule.fieldrules import (
    MAX_BUFFER_MINUTES,
    MAX_DURATION_MINUTES,
    price_from_text,
)
from receptionist.schedule.hourstext import hours_text
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

if TYPE_CHECKING:
    Parsers = argparse._SubParsersAction[argparse.ArgumentParser]
BUFFER = whole_number(0, MAX_BUFFER_MINUTES)
MINUTES = whole_number(1, MAX_DURATION_MINUTES)
HOURS_HELP = (
    'weekly hours, e.g. "mon-fri 09:00-17:00; sat 09:00-13:00"; "none": whenever the clinic is open'
)
HOURS_LABEL = Text(QT_TRANSLATE_NOOP("core", "Working hours"))
FINDERS: dict[str, Callable[[Database, str], lookup.Found]] = {
    "provider": lookup.provider,
    "service": lookup.service,
    "room": lookup.room,
}


def register(sub: Parsers) -> None:
    _providers(sub)
    _rooms(sub)
    _services(sub)


def _providers(sub: Parsers) -> None:
    prov = sub.add_parser("provider", help="providers (doctors, therapists, hygienists)")
    psub = prov.add_subparsers(dest="provider_cmd", required=True)
    p = psub.add_parser(
        "add",
        help="add a provider",
        **examples('receptionist provider add "Dr. Elif Aksoy" --hours "mon-fri 09:00-17:00"'),
    )
    p.add_argument("name", help="the provider's name, as lists and the schedule show it")
    p.add_argument("--colour", default=catalog.DEFAULT_PROVIDER_COLOUR, help="like #4a90d9")
    p.add_argument("--hours", default="", help=HOURS_HELP)
    p.set_defaults(func=cmd_provider_add)
    p = psub.add_parser(
        "update",
        help="change a provider's name, colour or weekly hours",
        **examples(
            'receptionist provider update aksoy --hours "mon-thu 09:00-17:00"',
            'receptionist provider update "Dr. Elif Aksoy" --name "Dr. Elif Aksoy-Kaya"',
        ),
    )
    p.add_argument("provider", help="id or an unambiguous name")
    p.add_argument("--name", help="a new name")
    p.add_argument("--colour", help="like #4a90d9")
    p.add_argument("--hours", help=HOURS_HELP)
    p.set_defaults(func=cmd_provider_update)
    _listing(psub, "provider", "providers")
    _retiring(psub, "provider", "aksoy")


def _rooms(sub: Parsers) -> None:
    room = sub.add_parser("room", help="treatment rooms")
    rsub = room.add_subparsers(dest="room_cmd", required=True)
    p = rsub.add_parser("add", help="add a room", **examples('receptionist room add "Room 2"'))
    p.add_argument("name", help="the room's name")
    p.set_defaults(func=cmd_room_add)
    p = rsub.add_parser(
        "update",
        help="rename a room",
        **examples('receptionist room update "Room 2" --name "Surgery"'),
    )
    p.add_argument("room", help="id or an unambiguous name")
    p.add_argument("--name", help="a new name")
    p.set_defaults(func=cmd_room_update)
    _listing(rsub, "room", "rooms")
    _retiring(rsub, "room", '"Room 2"')


def _services(sub: Parsers) -> None:
    svc = sub.add_parser("service", help="services offered")
    ssub = svc.add_subparsers(dest="service_cmd", required=True)
    p = ssub.add_parser(
        "add",
        help="add a service",
        **examples(
            'receptionist service add "Check-up" --minutes 30 --category General --price 850.00'
        ),
    )
    p.add_argument("name", help="the service's name")
    p.add_argument("--minutes", type=MINUTES, required=True, help=f"1 to {MAX_DURATION_MINUTES}")
    _service_options(p, adding=True)
    p.set_defaults(func=cmd_service_add)
    p = ssub.add_parser(
        "update",
        help="change a service's name, duration, price, buffers or colour",
        **examples(
            "receptionist service update check-up --minutes 40",
            "receptionist service update whitening --price 1500.00 --currency EUR",
        ),
    )
    p.add_argument("service", help="id or an unambiguous name")
    p.add_argument("--name", help="a new name")
    p.add_argument("--minutes", type=MINUTES, help=f"duration, 1 to {MAX_DURATION_MINUTES}")
    _service_options(p, adding=False)
    p.set_defaults(func=cmd_service_update)
    _listing(ssub, "service", "services")
    _retiring(ssub, "service", "whitening")


def _service_options(p: argparse.ArgumentParser, *, adding: bool) -> None:
    buffer = f"minutes, 0 to {MAX_BUFFER_MINUTES}"
    p.add_argument("--category", default="" if adding else None, help="e.g. General")
    p.add_argument(
        "--price",
        default="0" if adding else None,
        help="e.g. 850.00 (in the currency; no thousands separators)",
    )
    p.add_argument(
        "--currency", default="TRY" if adding else None, help="three letters, e.g. TRY or EUR"
    )
    p.add_argument("--buffer-before", type=BUFFER, default=0 if adding else None, help=buffer)
    p.add_argument("--buffer-after", type=BUFFER, default=0 if adding else None, help=buffer)
    p.add_argument(
        "--colour",
        default=catalog.DEFAULT_SERVICE_COLOUR if adding else None,
        help="like #7fb77e",
    )


def _listing(sub: Parsers, kind: Kind, plural: str) -> None:
    p = sub.add_parser(
        "list",
        help=f"list {plural}",
        **examples(f"receptionist {kind} list", f"receptionist {kind} list --all --json"),
    )
    p.add_argument("--all", action="store_true", help="include inactive ones")
    p.set_defaults(func=lambda app: _list(app, kind))


def _retiring(sub: Parsers, kind: Kind, example: str) -> None:
    p = sub.add_parser(
        "deactivate",
        help=f"take a {kind} out of use (no new bookings; history stays)",
        **examples(f"receptionist {kind} deactivate {example}"),
    )
    p.add_argument(kind, help="id or an unambiguous name")
    p.set_defaults(func=lambda app: _set_active(app, kind, False))
    p = sub.add_parser(
        "reactivate",
        help=f"put a {kind} back in use",
        **examples(f"receptionist {kind} reactivate {example}"),
    )
    p.add_argument(kind, help="id or an unambiguous name")
    p.set_defaults(func=lambda app: _set_active(app, kind, True))


# --- output ----------------------------------------------------------------------------


def describe(row: Row) -> dict[str, Any]:
    data: dict[str, Any] = {"id": row.id, "name": row.name, "active": row.active}
    if isinstance(row, ProviderRow):
        hours = dict(row.working_hours)
        data.update(colour=row.colour, working_hours=hours, hours_text=hours_text(hours))
    if isinstance(row, ServiceRow):
        data.update(
            category=row.category,
            minutes=row.duration_minutes,
            price=f"{row.price_minor / 100:.2f} {row.currency}",
            price_minor=row.price_minor,
            currency=row.currency,
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


def _done(app: App, row: Row, what: str) -> int:
    data = describe(row)
    app.emit(data, f"{what} {data['name']} ({data['id'][:8]}).")
    return 0


def _list(app: App, kind: Kind) -> int:
    with app.database() as db:
        rows = catalog.listing(db, app.ctx(db), kind, include_inactive=app.args.all)
    described = [describe(r) for r in rows]
    app.emit(described, "\n".join(_line(r) for r in described) or "None yet.")
    return 0


def _set_active(app: App, kind: Kind, active: bool) -> int:
    with app.database() as db:
        ctx = app.ctx(db)
        found = FINDERS[kind](db, getattr(app.args, kind))
        row = catalog.set_active(db, ctx, kind, found.id, active)
    return _done(app, row, "Reactivated" if active else "Deactivated")


def _changes(given: dict[str, Any], options: str) -> dict[str, Any]:
    """The changes asked for; none at all is bad input, naming the options."""
    chosen = {k: v for k, v in given.items() if v is not None}
    if not chosen:
        raise UserError(
            Text(
                QT_TRANSLATE_NOOP("core", "Nothing to change: give at least one of {options}."),
                options=options,
            )
        )
    return chosen


def _hours(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    week = WeeklyHours().parse(text, "hours", HOURS_LABEL)
    assert isinstance(week, dict)
    return week


# --- commands --------------------------------------------------------------------------


def cmd_provider_add(app: App) -> int:
    a = app.args
    week = _hours(a.hours) if a.hours else None
    with app.database() as db:
        ctx = app.ctx(db)
        row = catalog.add_provider(db, ctx, name=a.name, colour=a.colour, working_hours=week)
    return _done(app, row, "Added provider")


def cmd_provider_update(app: App) -> int:
    a = app.args
    given = dict(name=a.name, colour=a.colour, working_hours=_hours(a.hours))
    changes = _changes(given, "--name, --colour, --hours")
    with app.database() as db:
        ctx = app.ctx(db)
        found = lookup.provider(db, a.provider)
        row = catalog.update_provider(db, ctx, found.id, **changes)
    return _done(app, row, "Updated provider")


def cmd_room_add(app: App) -> int:
    with app.database() as db:
        row = catalog.add_room(db, app.ctx(db), name=app.args.name)
    return _done(app, row, "Added room")


def cmd_room_update(app: App) -> int:
    changes = _changes(dict(name=app.args.name), "--name")
    with app.database() as db:
        ctx = app.ctx(db)
        found = lookup.room(db, app.args.room)
        row = catalog.update_room(db, ctx, found.id, **changes)
    return _done(app, row, "Updated room")


def _service_fields(a: argparse.Namespace) -> dict[str, Any]:
    return dict(
        category=a.category,
        price_minor=None if a.price is None else price_from_text(a.price),
        currency=a.currency,
        buffer_before_minutes=a.buffer_before,
        buffer_after_minutes=a.buffer_after,
        colour=a.colour,
    )


def cmd_service_add(app: App) -> int:
    a = app.args
    fields = _service_fields(a)
    with app.database() as db:
        row = catalog.add_service(
            db, app.ctx(db), name=a.name, duration_minutes=a.minutes, **fields
        )
    data = describe(row)
    app.emit(data, f"Added service {data['name']} ({data['minutes']} min).")
    return 0


def cmd_service_update(app: App) -> int:
    a = app.args
    given = dict(name=a.name, duration_minutes=a.minutes, **_service_fields(a))
    options = "--name, --minutes, --category, --price, --currency, --buffer-before, "
    changes = _changes(given, options + "--buffer-after, --colour")
    with app.database() as db:
        ctx = app.ctx(db)
        found = lookup.service(db, a.service)
        row = catalog.update_service(db, ctx, found.id, **changes)
    return _done(app, row, "Updated service")
