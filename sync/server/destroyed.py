"""The endpoint's destruction records (issue #14: KVKK's erasure regulation asks for a
record of each destruction, kept at least three years; docs/privacy.md).

The endpoint's housekeeping runs inside the requests that make it due (a push purges
tombstones past the horizon, a chunk stored drops unclaimed ones, a connect, invite,
join or revoke lets go of spent credentials) and at the endpoint's start, many times
a day. Each run adds what it removed to one row per clinic, UTC day, kind and rule,
in the run's own transaction (a run rolled back records nothing): how many, and the
first and last time that day. No id of what went, no content. Rows older than
:data:`KEEP` go at the next housekeeping of credentials (:func:`prune`), counted as
``destruction_record``. ``receptionist server destructions`` reads them (:func:`read`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from .schema import destruction

KEEP = timedelta(days=3 * 365 + 1)  # at least three years, a leap day included

# The kinds of what goes, and the rules that remove them (docs/privacy.md).
INVITATION_KEY = "invitation_key"  # an invitation's clinic key, as the inviting PC wrapped it
INVITATION = "invitation"  # an invitation's row (its id's hash, times)
CONNECT_CODE = "connect_code"  # a connect code's row (its hash, times)
DEVICE_TOKEN = "device_token"  # a revoked device's token hash
CHUNK_UNCLAIMED = "chunk_unclaimed"  # a document's chunk no record claims
CHUNK_STALE = "chunk_stale"  # a chunk of a document deleted, or at a newer version
CHUNK_PURGED = "chunk_purged"  # a chunk of a document whose tombstone was purged
TOMBSTONE = "tombstone"  # a deleted row's sealed record, past the horizon
# a conflict closed for a patient's erasure: its sealed records, past the horizon; an
# anonymised patient's record in a conflict, when a PC settles it (``conflicts._forget``)
CONFLICT_RECORDS = "conflict_records"
RECORD = "destruction_record"  # these records themselves, past three years


@dataclass(frozen=True)
class Destroyed:
    clinic_id: str
    day: str
    kind: str
    rule: str
    count: int
    first_at: datetime
    last_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "clinic_id": self.clinic_id, "day": self.day, "kind": self.kind,
            "rule": self.rule, "count": self.count, "first_at": self.first_at,
            "last_at": self.last_at,
        }  # fmt: skip


def note(conn: Connection, clinic_id: str, now: datetime, kind: str, count: int, rule: str) -> None:
    """Add ``count`` of ``kind``, removed under ``rule`` at ``now``, to the day's record."""
    if count <= 0:
        return
    values = {
        "clinic_id": clinic_id, "day": now.date().isoformat(), "kind": kind, "rule": rule,
        "count": count, "first_at": now, "last_at": now,
    }  # fmt: skip
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(destruction).values(**values)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["clinic_id", "day", "kind", "rule"],
            set_={"count": destruction.c.count + count, "last_at": now},
        )
    )


def prune(conn: Connection, clinic_id: str, now: datetime) -> int:
    """Drop the clinic's records older than :data:`KEEP`; how many (itself recorded)."""
    before = (now - KEEP).date().isoformat()
    gone = int(
        conn.execute(
            delete(destruction).where(
                destruction.c.clinic_id == clinic_id, destruction.c.day < before
            )
        ).rowcount
    )
    note(conn, clinic_id, now, RECORD, gone, f"kept {KEEP.days} days")
    return gone


def read(
    conn: Connection, *, clinic_id: str | None = None, since: date | None = None
) -> list[Destroyed]:
    """The records, oldest day first (of one clinic, from a day on, when given)."""
    query = select(destruction).order_by(
        destruction.c.day, destruction.c.clinic_id, destruction.c.kind, destruction.c.rule
    )
    if clinic_id is not None:
        query = query.where(destruction.c.clinic_id == clinic_id)
    if since is not None:
        query = query.where(destruction.c.day >= since.isoformat())
    return [
        Destroyed(
            r.clinic_id, r.day, r.kind, r.rule, int(r._mapping["count"]), r.first_at, r.last_at
        )
        for r in conn.execute(query)
    ]
