"""The clinic's catalogue: its settings, providers, rooms, services and blocked time.

Changes need the "clinic.configure" permission and are audited. Lookups accept an id
or a name; a name matches exactly (ignoring case) or, failing that, as a unique part
of one name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit, hours
from .context import Ctx
from .errors import Ambiguous, NotFound, PermissionDenied, ValidationError
from .models import BlockedTime, Clinic, Provider, Room, Service

MAX_DURATION_MINUTES = 12 * 60  # also the longest appointment the conflict rules allow
MAX_BUFFER_MINUTES = 4 * 60
BLOCK_KINDS = ("blocked", "time_off")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$")
LABELS = {Provider: "provider", Room: "room", Service: "service"}

Named = TypeVar("Named", Provider, Room, Service)
Rule = Callable[[Any], object]


# -- field rules -----------------------------------------------------------------------


def _name(value: Any) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > 200 or "\x00" in text:
        raise ValidationError("name", "A name is 1-200 characters; type one.")
    return text


def _text(field: str, limit: int) -> Rule:
    def rule(value: Any) -> str:
        if not isinstance(value, str) or len(value) > limit or "\x00" in value:
            raise ValidationError(field, f"The {field} must be text of at most {limit} characters.")
        return value.strip()

    return rule


def _int(field: str, low: int, high: int) -> Rule:
    def rule(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            message = f"The {field} must be a whole number from {low} to {high}."
            raise ValidationError(field, message)
        return value

    return rule


def _colour(value: Any) -> str:
    if not isinstance(value, str) or not _COLOUR.match(value):
        raise ValidationError("colour", "A colour is written like #4a90d9.")
    return value.lower()


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValidationError("active", "Active must be true or false.")
    return value


def _upper(field: str, size: int) -> Rule:
    def rule(value: Any) -> str:
        if not isinstance(value, str) or not re.fullmatch(rf"[A-Za-z]{{{size}}}", value):
            raise ValidationError(field, f"The {field} is a {size}-letter code, like 'TR'.")
        return value.upper()

    return rule


def _timezone(value: Any) -> str:
    return hours.zone(value if isinstance(value, str) else "").key


def _slot_minutes(value: Any) -> int:
    minutes = _int("slot_minutes", 5, 120)(value)
    assert isinstance(minutes, int)
    if 1440 % minutes:
        raise ValidationError("slot_minutes", "The slot length must divide a day, like 10 or 15.")
    return minutes


CLINIC_RULES: dict[str, Rule] = {
    "name": _name,
    "timezone": _timezone,
    "phone_region": _upper("phone_region", 2),
    "locale": _text("locale", 16),
    "slot_minutes": _slot_minutes,
    "opening_hours": lambda v: hours.validate_hours(v, "opening_hours"),
}
PROVIDER_RULES: dict[str, Rule] = {
    "name": _name,
    "colour": _colour,
    "working_hours": hours.validate_hours,
    "active": _flag,
}
ROOM_RULES: dict[str, Rule] = {"name": _name, "active": _flag}
SERVICE_RULES: dict[str, Rule] = {
    "name": _name,
    "category": _text("category", 200),
    "duration_minutes": _int("duration_minutes", 1, MAX_DURATION_MINUTES),
    "price_minor": _int("price_minor", 0, 10**12),
    "currency": _upper("currency", 3),
    "buffer_before_minutes": _int("buffer_before_minutes", 0, MAX_BUFFER_MINUTES),
    "buffer_after_minutes": _int("buffer_after_minutes", 0, MAX_BUFFER_MINUTES),
    "colour": _colour,
    "active": _flag,
}


def _clean(changes: dict[str, Any], rules: dict[str, Rule]) -> dict[str, object]:
    return {key: rules[key](value) for key, value in changes.items() if value is not None}


def require_configure(ctx: Ctx) -> None:
    if not ctx.actor.may("clinic.configure"):
        raise PermissionDenied("Only a manager or an administrator can change clinic settings.")


def _create(session: Session, ctx: Ctx, row: Any, entity: str) -> None:
    now = ctx.clock.now()
    row.created_at = row.updated_at = now
    session.add(row)
    session.flush()
    audit.record(session, ctx, "create", entity, row.id)


def _update(session: Session, ctx: Ctx, row: Any, entity: str, changes: dict[str, object]) -> None:
    changed = {k: v for k, v in changes.items() if getattr(row, k) != v}
    if not changed:
        return
    for key, value in changed.items():
        setattr(row, key, value)
    row.touch(ctx.clock.now())
    session.flush()
    audit.record(session, ctx, "update", entity, row.id)


# -- the clinic --------------------------------------------------------------------------


def get_clinic(session: Session) -> Clinic:
    clinic = session.scalar(select(Clinic).where(Clinic.deleted_at.is_(None)).limit(1))
    if clinic is None:
        raise NotFound("The clinic has not been set up yet; enter its name and time zone first.")
    return clinic


def create_clinic(
    session: Session,
    ctx: Ctx,
    *,
    name: str,
    timezone: str,
    phone_region: str,
    locale: str = "en",
    slot_minutes: int = 15,
    opening_hours: dict[str, Any] | None = None,
) -> Clinic:
    require_configure(ctx)
    if session.scalar(select(Clinic.id).where(Clinic.deleted_at.is_(None)).limit(1)):
        raise ValidationError("clinic", "This database already holds a clinic; edit it instead.")
    fields = _clean(
        dict(
            name=name,
            timezone=timezone,
            phone_region=phone_region,
            locale=locale,
            slot_minutes=slot_minutes,
            opening_hours=opening_hours or {},
        ),
        CLINIC_RULES,
    )
    clinic = Clinic(**fields)
    _create(session, ctx, clinic, "clinic")
    return clinic


def update_clinic(session: Session, ctx: Ctx, **changes: Any) -> Clinic:
    """Change clinic settings (any of CLINIC_RULES' fields); ``None`` keeps a value."""
    require_configure(ctx)
    _unknown(changes, CLINIC_RULES)
    clinic = get_clinic(session)
    _update(session, ctx, clinic, "clinic", _clean(changes, CLINIC_RULES))
    return clinic


def _unknown(changes: dict[str, Any], rules: dict[str, Rule]) -> None:
    extra = sorted(set(changes) - set(rules))
    if extra:
        raise ValidationError(extra[0], f"'{extra[0]}' is not a setting that can be changed.")


# -- providers, rooms, services ----------------------------------------------------------


def create_provider(
    session: Session,
    ctx: Ctx,
    *,
    name: str,
    colour: str = "#4a90d9",
    working_hours: dict[str, Any] | None = None,
) -> Provider:
    require_configure(ctx)
    fields = _clean(
        dict(name=name, colour=colour, working_hours=working_hours or {}), PROVIDER_RULES
    )
    provider = Provider(active=True, **fields)
    _create(session, ctx, provider, "provider")
    return provider


def create_room(session: Session, ctx: Ctx, *, name: str) -> Room:
    require_configure(ctx)
    room = Room(name=_name(name), active=True)
    _create(session, ctx, room, "room")
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
    fields = _clean(
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
    service = Service(active=True, **fields)
    _create(session, ctx, service, "service")
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
    _unknown(changes, rules)
    row = get(session, model, row_id)
    _update(session, ctx, row, LABELS[model], _clean(changes, rules))
    return row


def get(session: Session, model: type[Named], row_id: str) -> Named:
    """The row with this id, or NotFound naming the kind of thing that is missing."""
    row = session.get(model, row_id)
    if row is None or row.deleted_at is not None:
        label = LABELS[model]
        raise NotFound(f"There is no {label} with that id; pick the {label} from the list again.")
    return row


def listing(session: Session, model: type[Named], *, include_inactive: bool = False) -> list[Named]:
    """Providers, rooms or services by name; inactive ones only when asked for."""
    query = select(model).where(model.deleted_at.is_(None)).order_by(model.name)
    if not include_inactive:
        query = query.where(model.active.is_(True))
    return list(session.scalars(query))


def find(session: Session, model: type[Named], key: str) -> Named:
    """By id, exact name (any case) or a unique part of a name; NotFound or Ambiguous."""
    row = session.get(model, key)
    if row is not None and row.deleted_at is None:
        return row
    label, wanted = LABELS[model], key.strip().casefold()
    rows = listing(session, model, include_inactive=True)
    pool = [r for r in rows if r.name.casefold() == wanted]
    pool = pool or [r for r in rows if wanted and wanted in r.name.casefold()]
    if len(pool) > 1:
        pool = [r for r in pool if r.active] or pool
    if len(pool) == 1:
        return pool[0]
    if not pool:
        raise NotFound(f"No {label} is called '{key.strip()}'; check the spelling.")
    raise Ambiguous(f"'{key.strip()}' matches {len(pool)} {label}s; type more of the name.")


# -- blocked time and time off -------------------------------------------------------------


def add_blocked_time(
    session: Session,
    ctx: Ctx,
    *,
    start: datetime,
    end: datetime,
    provider_id: str | None = None,
    room_id: str | None = None,
    kind: str = "blocked",
    reason: str = "",
) -> BlockedTime:
    """Block time for the whole clinic, one provider (time off) or one room."""
    require_configure(ctx)
    start, end = hours.as_utc(start, "start"), hours.as_utc(end, "end")
    if end <= start:
        raise ValidationError("end", "The end must be after the start; fix the times.")
    if kind not in BLOCK_KINDS:
        raise ValidationError("kind", "The kind must be 'blocked' or 'time_off'.")
    if kind == "time_off" and provider_id is None:
        raise ValidationError("provider", "Time off belongs to a provider; choose one.")
    if provider_id is not None:
        get(session, Provider, provider_id)
    if room_id is not None:
        get(session, Room, room_id)
    block = BlockedTime(
        start_utc=start,
        end_utc=end,
        provider_id=provider_id,
        room_id=room_id,
        kind=kind,
        reason=_text("reason", 1000)(reason),
    )
    _create(session, ctx, block, "blocked_time")
    return block


def remove_blocked_time(session: Session, ctx: Ctx, block_id: str) -> None:
    require_configure(ctx)
    block = session.get(BlockedTime, block_id)
    if block is None or block.deleted_at is not None:
        raise NotFound("That blocked time no longer exists; refresh the calendar.")
    now = ctx.clock.now()
    block.deleted_at = now
    block.touch(now)
    session.flush()
    audit.record(session, ctx, "delete", "blocked_time", block.id)


def list_blocked_time(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    provider_ids: Sequence[str] = (),
    room_ids: Sequence[str] = (),
    everything: bool = False,
) -> list[BlockedTime]:
    """Blocks overlapping ``[start, end)``: clinic-wide ones and those of the given
    providers and rooms (all of them with ``everything``), by start."""
    query = select(BlockedTime).where(
        BlockedTime.start_utc < end, BlockedTime.end_utc > start, BlockedTime.deleted_at.is_(None)
    )
    rows = session.scalars(query.order_by(BlockedTime.start_utc))
    return [b for b in rows if everything or _applies(b, provider_ids, room_ids)]


def _applies(block: BlockedTime, provider_ids: Sequence[str], room_ids: Sequence[str]) -> bool:
    if block.provider_id is None and block.room_id is None:
        return True
    return block.provider_id in provider_ids or block.room_id in room_ids
