"""A push's changes, checked whole before anything is written.

What the endpoint can check it does: the device sequences run on without a hole, the
entity is one the PCs sync, the version moves past its base, and the clear fields are
exactly the ones that may travel in the clear (an appointment's routing fields, none
for anything else), of the right types. The sealed text stays opaque.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from receptionist.journal.changefeed import synced_tables
from receptionist.replica.records import ROUTING

from . import bodies
from .problems import bad_request, unknown_entity
from .schema import INACTIVE_STATUSES

APPOINTMENT_CLEAR = frozenset((*ROUTING["appointment"], "override"))


@cache
def entities() -> frozenset[str]:
    return frozenset(synced_tables())


@dataclass(frozen=True)
class Slot:
    """An appointment's routing fields, as the double-booking constraints read them."""

    provider_id: str
    room_id: str | None
    service_id: str
    start: datetime
    end: datetime
    status: str
    override: bool

    def holds(self, deleted: bool) -> bool:
        """Whether it holds its provider's and room's time."""
        return not (deleted or self.override or self.status in INACTIVE_STATUSES)


@dataclass(frozen=True)
class Change:
    seq: int
    base_version: int | None
    entity: str
    id: str
    version: int
    deleted: bool
    key_gen: int
    clear: str  # JSON, as it is kept and given back
    sealed: str
    slot: Slot | None
    # An appointment's tombstone sent with no routing fields (staged by a PC before its
    # tombstones carried them): the push takes them from the endpoint's own copy of the
    # row, or acknowledges and drops it when it holds none (``push.routed``).
    borrowed: bool = False

    def travel(self, device_id: str) -> dict[str, Any]:
        """The record as it travels, with the device that sent it."""
        return {
            "entity": self.entity, "id": self.id, "version": self.version,
            "deleted": self.deleted, "key_gen": self.key_gen, "clear": json.loads(self.clear),
            "sealed": self.sealed, "device": device_id,
        }  # fmt: skip


def check(body: bodies.PushIn) -> list[Change]:
    """The changes of ``body``; ApiError 400 naming the first thing wrong."""
    changes = []
    for i, change in enumerate(body.changes):
        where = f"changes.{i}"
        if change.seq != body.first_seq + i:
            raise bad_request(f"{where}.seq", "sequence numbers must run on from first_seq")
        changes.append(_change(change, where))
    return changes


def _change(change: bodies.ChangeIn, where: str) -> Change:
    rec = change.record
    if rec.entity not in entities():
        raise unknown_entity(f"{where}.record.entity")
    if change.base_version is not None and rec.version <= change.base_version:
        raise bad_request(f"{where}.record.version", "a change's version must pass its base")
    borrowed = rec.entity in ROUTING and rec.deleted and not rec.clear
    routed = rec.entity == "appointment" and not borrowed
    slot = _slot(rec.clear, f"{where}.record.clear") if routed else None
    if slot is None and rec.clear:
        raise bad_request(f"{where}.record.clear", "only an appointment has clear fields")
    clear = json.dumps(rec.clear, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return Change(
        change.seq, change.base_version, rec.entity, rec.id, rec.version, rec.deleted,
        rec.key_gen, clear, rec.sealed, slot, borrowed,
    )  # fmt: skip


def slot_of(clear: dict[str, Any], where: str) -> Slot:
    """An appointment's routing fields, checked (ApiError 400 naming what is wrong)."""
    return _slot(clear, where)


def _slot(clear: dict[str, Any], where: str) -> Slot:
    if set(clear) != APPOINTMENT_CLEAR:
        wanted = ", ".join(sorted(APPOINTMENT_CLEAR))
        raise bad_request(where, f"an appointment's clear fields are exactly {wanted}")
    for field, limit in (("provider_id", 64), ("service_id", 64), ("status", 16)):
        _text(clear[field], f"{where}.{field}", limit, optional=False)
    _text(clear["room_id"], f"{where}.room_id", 64, optional=True)
    if not isinstance(clear["override"], bool):
        raise bad_request(f"{where}.override", "it must be true or false")
    start, end = (
        _time(clear["start_utc"], where, "start_utc"),
        _time(clear["end_utc"], where, "end_utc"),
    )
    if end <= start:
        raise bad_request(f"{where}.end_utc", "an appointment must end after it starts")
    return Slot(
        clear["provider_id"], clear["room_id"], clear["service_id"], start, end,
        clear["status"], clear["override"],
    )  # fmt: skip


def _text(value: object, where: str, limit: int, *, optional: bool) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str) or not 1 <= len(value) <= limit or not value.isprintable():
        raise bad_request(where, f"it must be text of 1 to {limit} characters")


def _time(value: object, where: str, field: str) -> datetime:
    try:
        found = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        found = None
    if found is None or found.tzinfo is None:
        raise bad_request(f"{where}.{field}", "it must be an ISO 8601 time with its offset")
    return found
