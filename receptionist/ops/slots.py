"""Free times: the next slots for a service, checked by the rules a booking is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from receptionist.context import Ctx
from receptionist.schedule import slots
from receptionist.schedule.slots import Slot
from receptionist.store.storage import Database

__all__ = ["MAX_COUNT", "Slot", "SlotQuery", "free"]

MAX_COUNT = slots.MAX_COUNT


@dataclass(frozen=True)
class SlotQuery:
    """What free times are looked for: a service, and who, where, from when."""

    service_id: str
    provider_id: str | None = None  # None: any provider
    patient_id: str | None = None  # their own appointments are avoided too
    room_id: str | None = None
    start_from: datetime | None = None  # aware; None: now
    count: int = 5


def free(db: Database, ctx: Ctx, q: SlotQuery) -> list[Slot]:
    """The first ``q.count`` free slots, by start (each books without a conflict)."""
    with db.read() as s:
        return slots.find_slots(
            s,
            ctx,
            service_id=q.service_id,
            provider_id=q.provider_id,
            patient_id=q.patient_id,
            room_id=q.room_id,
            start_from=q.start_from,
            count=q.count,
        )
