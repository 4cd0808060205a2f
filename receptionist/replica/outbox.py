"""What this PC pushes: its change feed's local entries, as a batch of records with
device sequence numbers, kept in ``sync_pending`` until the endpoint answers.

A batch is made once and resent as it is: if the answer to a push was lost, the
resend carries the same numbers and content, and the endpoint (which remembers the
last number it applied) applies nothing twice. Changes made meanwhile go in the next
batch. Each row is sent once per batch, as it is now; its base version is the one
the endpoint last had (``sync_base``), 0 for a row it never had.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from receptionist.journal import changefeed
from receptionist.models import PatientDocument, SyncPending

from . import chunks, gone, state
from .held import base_versions
from .held import rows as rows_of
from .records import CHUNK_BYTES, ROUTING, Record, tombstone

BATCH = 3_000  # changes a push: 10,000 offline changes go in four
# What a push may carry: the endpoint takes bodies up to 16 MB. A record's bytes are
# base64 twice (in the sealed JSON, then the seal), so a document of N bytes weighs
# about 16/9 N; other rows a few KB at most.
BUDGET = 12 * 1024 * 1024
SMALL = 4 * 1024  # what a row other than a document is counted as


@dataclass(frozen=True)
class Change:
    seq: int
    base_version: int
    record: Record

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "base_version": self.base_version, "record": self.record.to_json()}


def pending(session: Session) -> list[Change]:
    """The batch waiting for an answer, oldest first (empty when none)."""
    rows = session.scalars(select(SyncPending).order_by(SyncPending.device_seq))
    return [
        Change(r.device_seq, r.base_version, Record.from_json(json.loads(r.record))) for r in rows
    ]


def waiting(session: Session) -> int:
    """How many changes wait to be pushed: the pending batch and the feed after it."""
    sync = state.state(session)
    after = sync.pushed_change if sync else 0
    queued = session.scalar(select(func.count()).select_from(SyncPending)) or 0
    rows = {
        (c.entity, c.row_id)
        for page in changefeed.pages(session, after, local_only=True)
        for c in page
    }
    return int(queued) + len(rows)


def stage(session: Session, records: list[tuple[Record, int]]) -> list[Change]:
    """``records`` (each with its base version) given the next device sequence numbers
    and written to ``sync_pending``: the batch to push, in the caller's transaction."""
    sync = state.required(session)
    first = sync.next_device_seq
    batch = [Change(first + i, base, record) for i, (record, base) in enumerate(records)]
    if batch:
        session.execute(
            insert(SyncPending),
            [{"device_seq": c.seq, "entity": c.record.entity, "row_id": c.record.id,
              "base_version": c.base_version, "record": json.dumps(c.record.to_json())}
             for c in batch],
        )  # fmt: skip
    sync.next_device_seq = first + len(batch)
    session.flush()
    return batch


def next_batch(session: Session, limit: int = BATCH) -> list[Change]:
    """The batch to push: the pending one if there is one, else a new one made from the
    feed (and written to ``sync_pending`` in the caller's write transaction)."""
    found = pending(session)
    if found:
        return mended(session, found)
    sync = state.required(session)
    clinic, key = sync.clinic_id, state.current_key(session)
    rows: dict[tuple[str, str], changefeed.Change] = {}
    last = sync.pushed_change
    weight = 0
    for page in changefeed.pages(session, sync.pushed_change, local_only=True):
        for change in page:
            if (change.entity, change.row_id) not in rows:
                more = record_weight(session, change.entity, change.row_id)
                if rows and (len(rows) >= limit or weight + more > BUDGET):
                    break
                weight += more
            rows[(change.entity, change.row_id)] = change
            last = change.seq
        else:
            continue
        break
    held, bases = rows_of(session, list(rows)), base_versions(session, list(rows))
    purged = [k for k in rows if k not in held]
    routing = gone.routing_of(session, purged)  # a deleted appointment's clear fields
    staged: list[tuple[Record, int]] = []
    for (entity, row_id), logged in sorted(rows.items(), key=lambda item: item[1].seq):
        row = held.get((entity, row_id))
        if row is not None:
            record = chunks.encode_staged(session, row, clinic, key)
        else:
            clear = routing.get((entity, row_id))
            record = tombstone(entity, row_id, logged.version, logged.at, clinic, key, clear)
        staged.append((record, bases.get((entity, row_id), 0)))
    gone.forget(session, purged)
    sync.pushed_change = last
    return stage(session, staged)


def mended(session: Session, batch: list[Change]) -> list[Change]:
    """``batch`` with the routing fields filled in of each appointment's tombstone
    staged without them (before they travelled, the endpoint refused such a batch whole,
    every round), from what this PC still knows (``gone.routing_of``), in the caller's
    write transaction. One with nothing known goes as it is: the endpoint takes the
    fields from its own copy of the row, or drops a tombstone of a row it never had."""
    bare = [
        (c.record.entity, c.record.id)
        for c in batch
        if c.record.deleted and not c.record.clear and c.record.entity in ROUTING
    ]
    routing = gone.routing_of(session, bare) if bare else {}
    if not routing:
        return batch
    found = []
    for change in batch:
        clear = routing.get((change.record.entity, change.record.id))
        if clear and change.record.deleted and not change.record.clear:
            change = Change(change.seq, change.base_version, replace(change.record, clear=clear))
            session.execute(
                update(SyncPending)
                .where(SyncPending.device_seq == change.seq)
                .values(record=json.dumps(change.record.to_json()))
            )
        found.append(change)
    gone.forget(session, list(routing))
    session.flush()
    return found


def record_weight(session: Session, entity: str, row_id: str) -> int:
    """About how many bytes the row's record adds to a push."""
    if entity != PatientDocument.__tablename__:
        return SMALL
    size = session.scalar(select(PatientDocument.size_bytes).where(PatientDocument.id == row_id))
    return weight(entity, size)


def weight(entity: str, size_bytes: int | None) -> int:
    """:func:`record_weight` of a row whose size (a document's) is known already."""
    if entity != PatientDocument.__tablename__:
        return SMALL
    if (size_bytes or 0) > CHUNK_BYTES:
        # Its bytes go in chunks before the push, sealed and kept with the batch: a
        # batch holds about a budget of them (one document at least), not hundreds.
        return SMALL + (size_bytes or 0)
    return SMALL + (size_bytes or 0) * 16 // 9


def answered(session: Session, last_seq: int) -> None:
    """The endpoint applied (or skipped as applied) everything up to ``last_seq``; once
    no batch waits, it has accepted this PC's changes up to ``pushed_change``."""
    session.execute(delete(SyncPending).where(SyncPending.device_seq <= last_seq))
    chunks.forget_sent(session)
    if session.scalar(select(SyncPending.device_seq).limit(1)) is None:
        sync = state.required(session)
        sync.accepted_change = sync.pushed_change


def renumber(session: Session, last_seq: int) -> None:
    """The pending batch numbered on from ``last_seq`` + 1, in its order; the next
    number after it. For an endpoint that has fewer of this PC's changes than it
    thought (its database restored from a backup)."""
    sync = state.required(session)
    rows = list(session.scalars(select(SyncPending).order_by(SyncPending.device_seq)))
    for row in rows:
        session.delete(row)
    session.flush()
    for number, row in enumerate(rows, start=last_seq + 1):
        session.add(
            SyncPending(
                device_seq=number, entity=row.entity, row_id=row.row_id,
                base_version=row.base_version, record=row.record,
            )
        )  # fmt: skip
    sync.next_device_seq = last_seq + 1 + len(rows)
    session.flush()
