"""Operations on the clinic's catalogue: its providers, services and rooms.

List, add, change, deactivate and reactivate each; the choices a booking offers. The
rules (names, colours, hours, durations, prices; who may configure) live in
``schedule.catalog`` and ``schedule.fieldrules``; each function here owns its
transaction and returns frozen rows, never an ORM object.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.models import Provider, Room, Service
from receptionist.reminders import servicerules
from receptionist.reminders.servicerules import RuleChange
from receptionist.schedule import catalog
from receptionist.store.storage import Database

Kind = Literal["provider", "service", "room"]
MODELS: dict[str, Any] = {
    "provider": Provider,
    "service": Service,
    "room": Room,
}
DEFAULT_PROVIDER_COLOUR = "#4a90d9"
DEFAULT_SERVICE_COLOUR = "#7fb77e"


@dataclass(frozen=True)
class Choice:
    """A provider, service or room to pick from a list."""

    id: str
    name: str
    minutes: int | None = None  # a service's length


@dataclass(frozen=True)
class Choices:
    """The active providers, services and rooms, by name."""

    services: list[Choice]
    providers: list[Choice]
    rooms: list[Choice]


@dataclass(frozen=True)
class ProviderRow:
    id: str
    name: str
    active: bool
    colour: str
    working_hours: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RoomRow:
    id: str
    name: str
    active: bool


@dataclass(frozen=True)
class ServiceRow:
    id: str
    name: str
    active: bool
    category: str
    duration_minutes: int
    price_minor: int
    currency: str
    buffer_before_minutes: int
    buffer_after_minutes: int
    colour: str


Row = ProviderRow | RoomRow | ServiceRow


def choices(db: Database, ctx: Ctx) -> Choices:
    with db.read() as s:
        services = [Choice(x.id, x.name, x.duration_minutes) for x in catalog.listing(s, Service)]
        providers = [Choice(x.id, x.name) for x in catalog.listing(s, Provider)]
        rooms = [Choice(x.id, x.name) for x in catalog.listing(s, Room)]
    return Choices(services, providers, rooms)


# --- rows as plain data --------------------------------------------------------------


def provider_row(p: Provider) -> ProviderRow:
    return ProviderRow(p.id, p.name, p.active, p.colour, dict(p.working_hours or {}))


def room_row(r: Room) -> RoomRow:
    return RoomRow(r.id, r.name, r.active)


def service_row(v: Service) -> ServiceRow:
    return ServiceRow(
        v.id,
        v.name,
        v.active,
        v.category,
        v.duration_minutes,
        v.price_minor,
        v.currency,
        v.buffer_before_minutes,
        v.buffer_after_minutes,
        v.colour,
    )


def _row(row: Provider | Room | Service) -> Row:
    if isinstance(row, Provider):
        return provider_row(row)
    if isinstance(row, Service):
        return service_row(row)
    return room_row(row)


# --- listing -------------------------------------------------------------------------


def providers(db: Database, ctx: Ctx, *, include_inactive: bool = False) -> list[ProviderRow]:
    """Providers by name; inactive ones only when asked for."""
    with db.read() as s:
        found = catalog.listing(s, Provider, include_inactive=include_inactive)
        return [provider_row(p) for p in found]


def services(db: Database, ctx: Ctx, *, include_inactive: bool = False) -> list[ServiceRow]:
    with db.read() as s:
        found = catalog.listing(s, Service, include_inactive=include_inactive)
        return [service_row(v) for v in found]


def rooms(db: Database, ctx: Ctx, *, include_inactive: bool = False) -> list[RoomRow]:
    with db.read() as s:
        found = catalog.listing(s, Room, include_inactive=include_inactive)
        return [room_row(r) for r in found]


def listing(db: Database, ctx: Ctx, kind: Kind, *, include_inactive: bool = False) -> list[Row]:
    """``providers``, ``services`` or ``rooms``, by ``kind``."""
    with db.read() as s:
        found = catalog.listing(s, MODELS[kind], include_inactive=include_inactive)
        return [_row(r) for r in found]


# --- adding --------------------------------------------------------------------------


def add_provider(
    db: Database,
    ctx: Ctx,
    *,
    name: str,
    colour: str = DEFAULT_PROVIDER_COLOUR,
    working_hours: Mapping[str, Any] | None = None,
    active: bool = True,
) -> ProviderRow:
    """A new provider (``working_hours`` empty: whenever the clinic is open)."""
    with db.write() as s:
        row = catalog.create_provider(
            s, ctx, name=name, colour=colour, working_hours=dict(working_hours or {})
        )
        _inactive_if(s, ctx, row, active)
        return provider_row(row)


def add_room(db: Database, ctx: Ctx, *, name: str, active: bool = True) -> RoomRow:
    with db.write() as s:
        row = catalog.create_room(s, ctx, name=name)
        _inactive_if(s, ctx, row, active)
        return room_row(row)


def add_service(
    db: Database,
    ctx: Ctx,
    *,
    name: str,
    duration_minutes: int,
    category: str = "",
    price_minor: int = 0,
    currency: str = "TRY",
    buffer_before_minutes: int = 0,
    buffer_after_minutes: int = 0,
    colour: str = DEFAULT_SERVICE_COLOUR,
    active: bool = True,
    reminders: RuleChange | None = None,
) -> ServiceRow:
    """A new service; ``reminders``: its own reminder rules, in the same transaction
    (None: the clinic's)."""
    with db.write() as s:
        row = catalog.create_service(
            s,
            ctx,
            name=name,
            duration_minutes=duration_minutes,
            category=category,
            price_minor=price_minor,
            currency=currency,
            buffer_before_minutes=buffer_before_minutes,
            buffer_after_minutes=buffer_after_minutes,
            colour=colour,
        )
        _inactive_if(s, ctx, row, active)
        if reminders is not None:
            servicerules.put(s, ctx, row.id, reminders.own)
        return service_row(row)


def _inactive_if(s: Session, ctx: Ctx, row: Provider | Room | Service, active: bool) -> None:
    """A row made inactive from the start (the app's form can ask for it): same
    transaction, so a refusal leaves nothing."""
    if not active:
        _update(s, ctx, type(row), row.id, {"active": False})


# --- changing ------------------------------------------------------------------------


def update_provider(
    db: Database,
    ctx: Ctx,
    provider_id: str,
    *,
    name: str | None = None,
    colour: str | None = None,
    working_hours: Mapping[str, Any] | None = None,
    active: bool | None = None,
) -> ProviderRow:
    """Change a provider; ``None`` keeps a value (``{}`` hours: whenever the clinic is open)."""
    hours = dict(working_hours) if working_hours is not None else None
    changes = dict(name=name, colour=colour, working_hours=hours, active=active)
    with db.write() as s:
        return provider_row(_update(s, ctx, Provider, provider_id, changes))


def update_room(
    db: Database, ctx: Ctx, room_id: str, *, name: str | None = None, active: bool | None = None
) -> RoomRow:
    with db.write() as s:
        return room_row(_update(s, ctx, Room, room_id, dict(name=name, active=active)))


def update_service(
    db: Database,
    ctx: Ctx,
    service_id: str,
    *,
    name: str | None = None,
    category: str | None = None,
    duration_minutes: int | None = None,
    price_minor: int | None = None,
    currency: str | None = None,
    buffer_before_minutes: int | None = None,
    buffer_after_minutes: int | None = None,
    colour: str | None = None,
    active: bool | None = None,
    reminders: RuleChange | None = None,
) -> ServiceRow:
    """Change a service; ``None`` keeps a value. ``reminders``: its own reminder rules
    (``RuleChange(None)``: the clinic's), in the same transaction: a refusal of either
    writes neither."""
    changes = dict(
        name=name,
        category=category,
        duration_minutes=duration_minutes,
        price_minor=price_minor,
        currency=currency,
        buffer_before_minutes=buffer_before_minutes,
        buffer_after_minutes=buffer_after_minutes,
        colour=colour,
        active=active,
    )
    with db.write() as s:
        row = _update(s, ctx, Service, service_id, changes)
        if reminders is not None:
            servicerules.put(s, ctx, row.id, reminders.own)
        return service_row(row)


def deactivate(db: Database, ctx: Ctx, kind: Kind, row_id: str) -> Row:
    """Take a provider, service or room out of use: it is offered for no new booking;
    its appointments and history stay."""
    return set_active(db, ctx, kind, row_id, False)


def reactivate(db: Database, ctx: Ctx, kind: Kind, row_id: str) -> Row:
    """Put a provider, service or room back in use."""
    return set_active(db, ctx, kind, row_id, True)


def set_active(db: Database, ctx: Ctx, kind: Kind, row_id: str, active: bool) -> Row:
    with db.write() as s:
        return _row(_update(s, ctx, MODELS[kind], row_id, {"active": active}))


_UPDATERS: dict[Any, Callable[..., Any]] = {
    Provider: catalog.update_provider,
    Room: catalog.update_room,
    Service: catalog.update_service,
}


def _update(s: Session, ctx: Ctx, model: Any, row_id: str, changes: dict[str, Any]) -> Any:
    given = {k: v for k, v in changes.items() if v is not None}
    return _UPDATERS[model](s, ctx, row_id, **given)
