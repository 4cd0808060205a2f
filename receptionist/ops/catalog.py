"""Operations on the clinic's catalogue: providers, services and rooms (more to come:
add, change, deactivate)."""

from __future__ import annotations

from dataclasses import dataclass

from receptionist.context import Ctx
from receptionist.models import Provider, Room, Service
from receptionist.schedule import catalog
from receptionist.store.storage import Database


@dataclass(frozen=True)
class Choice:
    """A provider, service or room to pick from a list."""

    id: str
    name: str


@dataclass(frozen=True)
class Choices:
    """The active providers, services and rooms, by name."""

    services: list[Choice]
    providers: list[Choice]
    rooms: list[Choice]


def choices(db: Database, ctx: Ctx) -> Choices:
    with db.read() as s:
        services = [Choice(x.id, x.name) for x in catalog.listing(s, Service)]
        providers = [Choice(x.id, x.name) for x in catalog.listing(s, Provider)]
        rooms = [Choice(x.id, x.name) for x in catalog.listing(s, Room)]
    return Choices(services, providers, rooms)
