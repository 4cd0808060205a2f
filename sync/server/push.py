"""A push, applied in one transaction under its clinic's lock.

Each change, in device-sequence order (docs/sync-protocol.md, "Push"):

- at or below the device's last sequence: a repeat, applied already (``duplicate``);
  a push of repeats only (a retry after a lost answer) is answered with ``applied_at``,
  when the push that applied them was (the device's ``applied_at``, s0009; no later);
- a tombstone: applied whatever the versions (an erasure wins); over a tombstone of
  the same or a newer version it changes nothing (``dropped``). An appointment's
  tombstone with no routing fields (staged by a PC before they travelled) takes them
  from the endpoint's own copy of the row; of a row it never had, it is acknowledged
  and dropped (``dropped``): nothing holds time there to free;
- an edit of a row the server holds as deleted, or of a row with a base version the
  server no longer holds (erased, and its tombstone purged): ``dropped``;
- a new row, or an edit made on the server's current version (or on this device's
  own last write of the row): ``applied``, at the next server sequence;
- any other edit: two PCs changed the row from one base; the server keeps its record
  and stores both as a conflict (``conflict``);
- an active appointment that overlaps another on its provider or room, refused by
  the database's own constraint: a conflict with every appointment it overlaps
  (``refused``). It still counts as done: the device's sequence moves past it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    and_,
    bindparam,
    delete,
    exists,
    false,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.exc import IntegrityError

from receptionist.clock import Clock
from receptionist.models.replica import ERASED  # a conflict closed for an erasure
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from . import bodies, chunks, conflicts, destroyed
from .auth import Caller, locked_device
from .incoming import APPOINTMENT_CLEAR, Change, check, slot_of
from .problems import ApiError
from .schema import INACTIVE_STATUSES, chunk, clinic, conflict, device, record
from .shapes import record_json, record_out
from .store import Store, lock_clinic

# One statement each, compiled once: a push of thousands of changes runs them per change.
_INSERT = insert(record)
_UPDATE = update(record).where(
    record.c.clinic_id == bindparam("w_clinic"),
    record.c.entity == bindparam("w_entity"),
    record.c.id == bindparam("w_id"),
)
_PREFETCH = 500  # ids per look-up of the rows a push touches


@dataclass(frozen=True)
class Stored:
    """The server's record of a row as a push found or left it."""

    entity: str
    id: str
    version: int
    deleted: bool
    key_gen: int
    clear: str
    sealed: str
    seq: int
    device_id: str

    @classmethod
    def of(cls, row: Row[Any]) -> Stored:
        return cls(
            row.entity, row.id, row.version, row.deleted, row.key_gen, row.clear, row.sealed,
            row.seq, row.device_id,
        )  # fmt: skip


@dataclass
class Batch:
    """What one push's changes share: who sent it, when, the next server sequence, and
    the server's records of the rows it touches (looked up at once, kept current)."""

    conn: Connection
    who: Caller
    now: datetime
    next_seq: int
    rows: dict[tuple[str, str], Stored]
    # Writes that cannot be refused (no appointment holding time), sent together: many
    # rows in one round trip. Flushed before any write that can be refused, so that
    # write meets every change before it.
    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    # New appointments holding time, sent together in one savepoint: the database
    # refuses the group if any overlaps, and they are then written one at a time, so
    # each meets every change before it as if it had been alone (see flush_slots).
    slots: list[_Slot] = field(default_factory=list)
    slot_rows: set[tuple[str, str]] = field(default_factory=set)

    def take_seq(self) -> int:
        self.next_seq += 1
        return self.next_seq - 1

    def flush(self) -> None:
        if self.inserts:
            self.conn.execute(_INSERT, self.inserts)
            self.inserts = []
        if self.updates:
            self.conn.execute(_UPDATE, self.updates)
            self.updates = []

    def flush_all(self) -> None:
        """Everything waiting, in order: an appointment's write that holds no time is
        never sent after a group of bookings it came after (it flushes them when it
        comes), so the rest waiting came before them, or does not hold time."""
        self.flush()
        self.flush_slots()

    def flush_slots(self) -> None:
        group, self.slots, self.slot_rows = self.slots, [], set()
        if not group:
            return
        try:
            with self.conn.begin_nested():
                self.conn.execute(_INSERT, [slot.values for slot in group])
            return
        except IntegrityError as exc:
            if not is_overlap(exc):
                raise
        for slot in group:  # one overlaps: each alone, in order
            try:
                with self.conn.begin_nested():
                    self.conn.execute(_INSERT, slot.values)
            except IntegrityError as exc:
                if not is_overlap(exc):
                    raise
                del self.rows[(slot.change.entity, slot.change.id)]  # it has nothing of it
                refused = _refused(self, slot.change, None, slot.seq)
                slot.result.outcome = refused.outcome
                slot.result.conflict_id = refused.conflict_id
                slot.result.record = refused.record


@dataclass
class _Slot:
    """A new appointment holding time, waiting in its batch's group: its result is
    "applied" unless the group's write finds it overlapping."""

    change: Change
    values: dict[str, Any]
    seq: int
    result: bodies.ChangeResult


def push(
    store: Store, who: Caller, body: bodies.PushIn, clock: Clock, horizon: timedelta
) -> bodies.PushOut:
    changes = check(body)
    with store.write() as conn:
        place = lock_clinic(conn, who.clinic_id)
        me = locked_device(conn, who)
        if body.first_seq > me.last_seq + 1:
            raise gap(me.last_seq)
        new = [change for change in changes if change.seq > me.last_seq]
        batch = Batch(conn, who, clock.now(), place.next_seq, _rows(conn, who.clinic_id, new))
        results = [
            _apply(batch, change)
            if change.seq > me.last_seq
            else bodies.ChangeResult(seq=change.seq, outcome="duplicate")
            for change in changes
        ]
        batch.flush_all()
        # A document deleted (or replaced) takes its chunks with it: no PC pulls them.
        documents = [c.id for c in new if c.entity == chunks.DOCUMENT]
        chunks.drop_stale(conn, who.clinic_id, documents, batch.now)
        chunks.claim(conn, who.clinic_id, documents)  # theirs now: no longer bounded
        last_seq = max([me.last_seq, *(c.seq for c in changes)])
        horizon_seq = purge(conn, who.clinic_id, batch.now, horizon, place.horizon_seq)
        conn.execute(
            update(clinic)
            .where(clinic.c.id == who.clinic_id)
            .values(next_seq=batch.next_seq, horizon_seq=horizon_seq)
        )
        # When the changes up to ``last_seq`` were applied: now, or (nothing new) before.
        applied_at = batch.now if new else me.applied_at
        conn.execute(
            update(device)
            .where(device.c.id == who.id)
            .values(last_seq=last_seq, last_seen_at=batch.now, applied_at=applied_at)
        )
    repeat = bool(changes) and not new  # a retry after a lost answer: say when it was applied
    return bodies.PushOut(
        last_seq=last_seq, results=results, applied_at=applied_at if repeat else None
    )


def _rows(conn: Connection, clinic_id: str, changes: list[Change]) -> dict[tuple[str, str], Stored]:
    """The server's records of the rows ``changes`` touch."""
    wanted: dict[str, set[str]] = {}
    for change in changes:
        wanted.setdefault(change.entity, set()).add(change.id)
    found: dict[tuple[str, str], Stored] = {}
    for entity, ids in wanted.items():
        ordered = sorted(ids)
        for at in range(0, len(ordered), _PREFETCH):
            rows = conn.execute(
                select(record).where(
                    record.c.clinic_id == clinic_id,
                    record.c.entity == entity,
                    record.c.id.in_(ordered[at : at + _PREFETCH]),
                )
            )
            found.update(((row.entity, row.id), Stored.of(row)) for row in rows)
    return found


def gap(last_seq: int) -> ApiError:
    return ApiError(
        409,
        "gap",
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "The push starts after a change the endpoint never received; send again "
                "from the change after {last_seq}.",
            ),
            last_seq=last_seq,
        ),
        last_seq=last_seq,
    )


def _apply(batch: Batch, change: Change) -> bodies.ChangeResult:
    if (change.entity, change.id) in batch.slot_rows:
        batch.flush_all()  # its row's fate in the group decides what this change meets
    current = batch.rows.get((change.entity, change.id))
    if change.borrowed:
        with_routing = routed(change, current)
        if with_routing is None:
            return _result(change, "dropped", current)  # nothing of it holds time here
        change = with_routing
    if current is None:
        if change.base_version is not None and not change.deleted:
            return _result(change, "dropped")  # erased, its tombstone purged since
        return _write(batch, change, None)
    if change.deleted:
        if current.deleted and change.version <= current.version:
            return _result(change, "dropped", current)
        return _write(batch, change, current)
    if current.deleted:
        return _result(change, "dropped", current)
    own = current.device_id == batch.who.id and change.version > current.version
    if change.base_version == current.version or own:
        return _write(batch, change, current)
    seq = batch.take_seq()
    found = conflicts.add(
        batch.conn, batch.who, "edit", change.entity, change.id,
        [change.travel(batch.who.id), record_json(current)], seq, batch.now,
    )  # fmt: skip
    return _result(change, "conflict", current, found)


def routed(change: Change, current: Stored | None) -> Change | None:
    """A tombstone sent with no routing fields, given those of the endpoint's own copy
    of its row; None when the endpoint holds no routed copy of it."""
    kept = json.loads(current.clear) if current is not None and current.clear else {}
    if not isinstance(kept, dict) or set(kept) != APPOINTMENT_CLEAR:
        return None
    slot = slot_of(kept, "record.clear")
    assert current is not None
    return replace(change, clear=current.clear, slot=slot, borrowed=False)


def _result(
    change: Change, outcome: bodies.Outcome, current: Stored | None = None,
    conflict_id: str | None = None,
) -> bodies.ChangeResult:  # fmt: skip
    return bodies.ChangeResult(
        seq=change.seq, outcome=outcome, conflict_id=conflict_id,
        record=record_out(current) if current is not None else None,
    )  # fmt: skip


def _write(batch: Batch, change: Change, current: Stored | None) -> bodies.ChangeResult:
    """Write ``change`` over ``current`` (None: a new row); a refused double booking
    becomes a conflict at the sequence the write would have taken."""
    seq = batch.take_seq()
    values = _values(batch, change, seq)
    if current is None:
        values.update(
            clinic_id=batch.who.clinic_id, entity=change.entity, id=change.id,
            created_at=batch.now,
        )  # fmt: skip
    else:
        values.update(w_clinic=batch.who.clinic_id, w_entity=change.entity, w_id=change.id)
    result = _result(change, "applied")
    if change.slot is not None and change.slot.holds(change.deleted) and current is None:
        batch.slots.append(_Slot(change, values, seq, result))
        batch.slot_rows.add((change.entity, change.id))
    elif change.slot is not None and change.slot.holds(change.deleted):
        batch.flush_all()
        try:
            with batch.conn.begin_nested():
                batch.conn.execute(_UPDATE, values)
        except IntegrityError as exc:
            if not is_overlap(exc):
                raise
            return _refused(batch, change, current, seq)
    else:
        if change.entity == "appointment":
            batch.flush_slots()  # it may free time: the bookings before it may not take it
        (batch.inserts if current is None else batch.updates).append(values)
    batch.rows[(change.entity, change.id)] = Stored(
        change.entity, change.id, change.version, change.deleted, change.key_gen, change.clear,
        change.sealed, seq, batch.who.id,
    )  # fmt: skip
    return result


def _values(batch: Batch, change: Change, seq: int) -> dict[str, Any]:
    slot = change.slot
    return {
        "version": change.version, "deleted": change.deleted, "key_gen": change.key_gen,
        "clear": change.clear, "sealed": change.sealed, "seq": seq,
        "device_id": batch.who.id, "written_at": batch.now,
        "provider_id": slot.provider_id if slot else None,
        "room_id": slot.room_id if slot else None,
        "service_id": slot.service_id if slot else None,
        "start_at": slot.start if slot else None, "end_at": slot.end if slot else None,
        "status": slot.status if slot else None, "override": slot.override if slot else None,
    }  # fmt: skip


def is_overlap(exc: IntegrityError) -> bool:
    """Whether the database refused a write as a double booking (PostgreSQL's
    exclusion constraint, SQLite's trigger)."""
    if getattr(exc.orig, "sqlstate", None) == "23P01":  # exclusion_violation
        return True
    return "appointment_overlap" in str(exc.orig)


def _refused(batch: Batch, change: Change, current: Stored | None, seq: int) -> bodies.ChangeResult:
    others = batch.conn.execute(
        select(record)
        .where(overlapping(batch.who.clinic_id, change))
        .order_by(record.c.start_at, record.c.id)
    ).all()
    records = [change.travel(batch.who.id), *(record_json(row) for row in others)]
    found = conflicts.add(
        batch.conn, batch.who, "overlap", change.entity, change.id, records, seq, batch.now
    )
    return _result(change, "refused", current, found)


def overlapping(clinic_id: str, change: Change) -> Any:
    """SQL: the appointments holding ``change``'s provider or room over its time."""
    slot = change.slot
    assert slot is not None
    same_place = record.c.provider_id == slot.provider_id
    if slot.room_id is not None:
        same_place = or_(same_place, record.c.room_id == slot.room_id)
    return and_(
        record.c.clinic_id == clinic_id,
        record.c.entity == "appointment",
        record.c.id != change.id,
        record.c.deleted == false(),
        record.c.override == false(),
        record.c.status.not_in(INACTIVE_STATUSES),
        record.c.start_at < slot.end,
        record.c.end_at > slot.start,
        same_place,
    )


def purge(
    conn: Connection, clinic_id: str, now: datetime, horizon: timedelta, horizon_seq: int
) -> int:
    """Delete the clinic's tombstones written ``horizon`` before ``now``, and empty the
    conflicts closed as erased before then (added to the day's destruction records);
    the new horizon (the highest server sequence purged: a
    pull from an older cursor must reset)."""
    before = now - horizon
    rule = f"tombstone older than {horizon.days} days"
    # Whether or not a tombstone goes now: the closing came after her tombstones, so
    # it passes the horizon at a later push, which may have none left to purge.
    forgotten = _forget_erased_conflicts(conn, clinic_id, before)
    destroyed.note(conn, clinic_id, now, destroyed.CONFLICT_RECORDS, forgotten, rule)
    old = (
        record.c.clinic_id == clinic_id,
        record.c.deleted == true(),
        record.c.written_at < before,
    )
    highest = conn.scalar(select(func.max(record.c.seq)).where(*old))
    if highest is None:
        return horizon_seq
    purged = exists().where(
        record.c.entity == chunk.c.entity, record.c.id == chunk.c.row_id, *old
    )  # the chunks of a document purged with it (any a push left: stored after it)
    chunks_gone = conn.execute(delete(chunk).where(chunk.c.clinic_id == clinic_id, purged))
    records_gone = conn.execute(delete(record).where(*old))
    destroyed.note(conn, clinic_id, now, destroyed.CHUNK_PURGED, chunks_gone.rowcount, rule)
    destroyed.note(conn, clinic_id, now, destroyed.TOMBSTONE, records_gone.rowcount, rule)
    return max(horizon_seq, int(highest))


def _forget_erased_conflicts(conn: Connection, clinic_id: str, before: datetime) -> int:
    """The sealed records of the conflicts closed as erased before ``before`` (the
    horizon), emptied; how many conflicts. They hold her values (her booking, its
    notes) and nobody will settle them. Only past the horizon: her tombstones went
    before the closing, so they are purged by now, and a PC that has not pulled the
    closing either pulled them (and closed it itself, sending again a refused booking
    it wrote, from these records) or must download the clinic again, and a download
    gets them empty."""
    done = conn.execute(
        update(conflict)
        .where(
            conflict.c.clinic_id == clinic_id,
            conflict.c.resolution == ERASED,
            conflict.c.resolved_at < before,
            conflict.c.records != "[]",
        )
        .values(records="[]")
    )
    return int(done.rowcount)
