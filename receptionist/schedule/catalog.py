"""The clinic's catalogue: its providers, rooms and services.

Changes need the "clinic.configure" permission and are audited. Lookups accept an id
or a name; a name matches exactly (ignoring case) or, failing that, as a unique part
of one name. The clinic's own settings are in :mod:`clinic`, blocked time in
:mod:`blocked`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.errors import Ambiguous, NotFound, ValidationError
from receptionist.folding import fold, tokens
from receptionist.freetext import is_utf8
from receptionist.journal import records
from receptionist.models import Provider, Room, Service
from receptionist.schedule import fieldrules, hours
from receptionist.schedule.clinic import (
    get_clinic as get_clinic,  # moved; the CLI still reads it from here
)
from receptionist.schedule.clinic import require_configure
from receptionist.schedule.fieldrules import MAX_BUFFER_MINUTES, MAX_DURATION_MINUTES, Rule
from receptionist.texts import QT_TRANSLATE_NOOP, Text

LABELS = {Provider: "provider", Room: "room", Service: "service"}
# LABELS as a message names them, one and several.
_KIND = {
    Provider: Text(QT_TRANSLATE_NOOP("core", "provider")),
    Room: Text(QT_TRANSLATE_NOOP("core", "room")),
    Service: Text(QT_TRANSLATE_NOOP("core", "service")),
}
_KINDS = {
    Provider: Text(QT_TRANSLATE_NOOP("core", "providers")),
    Room: Text(QT_TRANSLATE_NOOP("core", "rooms")),
    Service: Text(QT_TRANSLATE_NOOP("core", "services")),
}

Named = TypeVar("Named", Provider, Room, Service)

PROVIDER_RULES: dict[str, Rule] = {
    "name": fieldrules.name,
    "colour": fieldrules.colour,
    "working_hours": hours.validate_hours,
    "active": fieldrules.flag,
}
ROOM_RULES: dict[str, Rule] = {"name": fieldrules.name, "active": fieldrules.flag}
SERVICE_RULES: dict[str, Rule] = {
    "name": fieldrules.name,
    "category": fieldrules.text("category", 200),
    "duration_minutes": fieldrules.whole("duration_minutes", 1, MAX_DURATION_MINUTES),
    "price_minor": fieldrules.whole("price_minor", 0, 10**12),
    "currency": fieldrules.code("currency", 3),
    "buffer_before_minutes": fieldrules.whole("buffer_before_minutes", 0, MAX_BUFFER_MINUTES),
    "buffer_after_minutes": fieldrules.whole("buffer_after_minutes", 0, MAX_BUFFER_MINUTES),
    "colour": fieldrules.colour,
    "active": fieldrules.flag,
}


def create_provider(
    session: Session,
    ctx: Ctx,
    *,
    name: str,
    colour: str = "#4a90d9",
    working_hours: dict[str, Any] | None = None,
) -> Provider:
    require_configure(ctx)
    fields = fieldrules.clean(
        dict(name=name, colour=colour, working_hours=working_hours or {}), PROVIDER_RULES
    )
    refuse_taken_name(session, Provider, str(fields["name"]))
    provider = Provider(active=True, **fields)
    records.insert(session, ctx, provider, "provider")
    return provider


def create_room(session: Session, ctx: Ctx, *, name: str) -> Room:
    require_configure(ctx)
    room = Room(name=refuse_taken_name(session, Room, fieldrules.name(name)), active=True)
    records.insert(session, ctx, room, "room")
    return room


def create_service(
    session: Session,
    ctx: Ctx,
    *,
    name: str,
    duration_minutes: int,
    category: str = "",
    price_minor: int = 0,
    currency: str = "TRY",
    buffer_before_minutes: int = 0,
    buffer_after_minutes: int = 0,
    colour: str = "#7fb77e",
) -> Service:
    require_configure(ctx)
    fields = fieldrules.clean(
        dict(
            name=name,
            duration_minutes=duration_minutes,
            category=category,
            price_minor=price_minor,
            currency=currency,
            colour=colour,
            buffer_before_minutes=buffer_before_minutes,
            buffer_after_minutes=buffer_after_minutes,
        ),
        SERVICE_RULES,
    )
    refuse_taken_name(session, Service, str(fields["name"]))
    service = Service(active=True, **fields)
    records.insert(session, ctx, service, "service")
    return service


def update_provider(session: Session, ctx: Ctx, provider_id: str, **changes: Any) -> Provider:
    """Change name, colour, working_hours or active; ``None`` keeps a value."""
    return _update_named(session, ctx, Provider, provider_id, changes, PROVIDER_RULES)


def update_room(session: Session, ctx: Ctx, room_id: str, **changes: Any) -> Room:
    return _update_named(session, ctx, Room, room_id, changes, ROOM_RULES)


def update_service(session: Session, ctx: Ctx, service_id: str, **changes: Any) -> Service:
    return _update_named(session, ctx, Service, service_id, changes, SERVICE_RULES)


def _update_named(
    session: Session,
    ctx: Ctx,
    model: type[Named],
    row_id: str,
    changes: dict[str, Any],
    rules: dict[str, Rule],
) -> Named:
    require_configure(ctx)
    fieldrules.refuse_unknown(changes, rules)
    row = get(session, model, row_id)
    cleaned = fieldrules.clean(changes, rules)
    if "name" in cleaned:
        refuse_taken_name(session, model, str(cleaned["name"]), exclude_id=row.id)
    records.update(session, ctx, row, LABELS[model], cleaned)
    return row


def refuse_taken_name(
    session: Session, model: type[Named], name: str, *, exclude_id: str | None = None
) -> str:
    """``name``, unless another active row of ``model`` has it (any case): two providers
    with one name could never be told apart by name. A retired row's name may be reused."""
    wanted = name.strip().casefold()
    for row in listing(session, model):
        if row.id != exclude_id and row.name.strip().casefold() == wanted:
            raise ValidationError(
                "name",
                Text(
                    QT_TRANSLATE_NOOP(
                        "core", "A {kind} is already called '{name}'; pick another name."
                    ),
                    kind=_KIND[model],
                    name=name.strip(),
                ),
            )
    return name


def get(session: Session, model: type[Named], row_id: str) -> Named:
    """The row with this id, or NotFound naming the kind of thing that is missing."""
    missing = Text(
        QT_TRANSLATE_NOOP(
            "core", "There is no {kind} with that id; pick the {kind} from the list again."
        ),
        kind=_KIND[model],
    )
    return records.live(session, model, row_id, missing)


def listing(session: Session, model: type[Named], *, include_inactive: bool = False) -> list[Named]:
    """Providers, rooms or services by name; inactive ones only when asked for."""
    query = select(model).where(model.deleted_at.is_(None)).order_by(model.name)
    if not include_inactive:
        query = query.where(model.active.is_(True))
    return list(session.scalars(query))


_ID_PREFIX = re.compile(r"^[0-9a-f]{6,}$")


def find(session: Session, model: type[Named], key: str) -> Named:
    """By id, or by name; NotFound or Ambiguous.

    Names are tried loosest last, and the first way that finds any name decides, so a
    looser way never makes a name ambiguous that a stricter one found alone: the name
    itself (any case); the same letters (accents and Turkish İ/ı folded as patient
    search folds them: "isik" finds "Işık"); a part of the name; a part of the folded
    name; every typed word starting a word of it ("oz mehmet" finds "Dr. Mehmet Öz");
    the letters with the spaces left out ("checkup" finds "Check-up")."""
    row = session.get(model, key) if is_utf8(key) else None  # else no id, and SQL refuses it
    if row is not None and row.deleted_at is None:
        return row
    wanted = key.strip().casefold()
    if _ID_PREFIX.match(wanted):  # the 8 characters listings print
        by_id = [
            r for r in listing(session, model, include_inactive=True) if r.id.startswith(wanted)
        ]
        if len(by_id) == 1:
            return by_id[0]
    rows = listing(session, model, include_inactive=True)
    folded, words = fold(key), tokens(key)
    squashed = folded.replace(" ", "")
    names = [(r, r.name.strip().casefold(), fold(r.name)) for r in rows]
    ways: list[Callable[[str, str], bool]] = [
        lambda name, _: name == wanted,
        lambda _, name: name == folded,
        lambda name, _: bool(wanted) and wanted in name,
        lambda _, name: bool(folded) and folded in name,
        lambda _, name: (
            bool(words) and all(any(part.startswith(w) for part in name.split()) for w in words)
        ),
        lambda _, name: bool(squashed) and squashed in name.replace(" ", ""),
    ]
    pool: list[Named] = []
    for matches in ways:
        pool = [r for r, name, name_folded in names if matches(name, name_folded)]
        if pool:
            break
    if len(pool) > 1:
        pool = [r for r in pool if r.active] or pool
    if len(pool) == 1:
        return pool[0]
    if not pool:
        raise NotFound(
            Text(
                QT_TRANSLATE_NOOP("core", "No {kind} is called '{name}'; check the spelling."),
                kind=_KIND[model],
                name=key.strip(),
            ),
            model.__tablename__,
        )
    raise Ambiguous(
        Text(
            QT_TRANSLATE_NOOP("core", "'{name}' matches {count} {kinds}; type more of the name."),
            name=key.strip(),
            count=len(pool),
            kinds=_KINDS[model],
        ),
        model.__tablename__,
    )
