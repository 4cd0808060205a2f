"""Destruction records: what each sweep destroyed, kept at least three years.

One row per sweep, kind and policy, its count added to batch by batch in the batch's
own transaction, so the record always says what was really deleted, even of a sweep
cut short. A sweep that destroyed nothing leaves one row too, of kind ``nothing``
(count 0, the whole policy it ran under): KVKK asks for a destruction at least every
six months, and an inspector asks whether it ran, not only what it took.

The records are also written into the audit log, whose hash chain covers them (a
record's table does not): just before the sweep's own ``sweep`` event, in the same
write, one event per setting of each policy the records name (``sweep_policy``,
``key=value``) followed by one per record under it (``sweep_count``, ``kind=count``)
(:func:`as_events`). ``audit verify`` then finds an edit of them, and :func:`in_log`
holds the records against them. The kinds are the records' own: whatever a sweep
records (a kind added for anonymised patients included) reaches the log unchanged.

A sweep cut short (killed, a full disk) after some batches and before that last write
leaves records the log holds nothing of. The next sweep writes them in first
(:func:`cut_short`, ``ops.retention``): the records as they are, then a
``sweep_cut_short`` event for that sweep (:data:`CUT_SHORT`), not a ``sweep`` one (it
never ended: the last sweep's time and a person's review read ``sweep`` events only),
so :func:`in_log` holds them against the log as any sweep's. Records older than the
log's first event are left out: their sweep's events may have gone with the log's
oldest (``retention.audit_years``), and are not written again at another time.

A patient's erasure writes its records the same way, before an ``erasure_records``
event (:data:`ERASED`). The other way round, :func:`gone` finds a sweep whose events
the log holds though its records were all deleted.

Records the log holds nothing of are told by why (:func:`unlogged`): written by a
version before the log kept a copy (a sweep before session 16, an erasure before
session 17: the table recorded them then as now, there is only no copy to hold them
against), a sweep cut short until the next one, or records older than the log itself.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from receptionist.models import AuditEvent, DestructionRecord
from receptionist.retention.review import ENTITY, SWEEP, SWEEP_CARRIED

NOTHING = "nothing"  # the kind of the row of a sweep that destroyed nothing
CSV_COLUMNS = ("at", "sweep_id", "kind", "count", "policy")


@dataclass(frozen=True)
class Record:
    sweep_id: str
    at: datetime
    kind: str
    count: int
    policy: str


def add(session: Session, sweep_id: str, at: datetime, kind: str, count: int, policy: str) -> None:
    """Add ``count`` destroyed rows (or files) of ``kind`` under ``policy`` to the sweep."""
    if count <= 0:
        return
    found = session.execute(
        update(DestructionRecord)
        .where(
            DestructionRecord.sweep_id == sweep_id,
            DestructionRecord.kind == kind,
            DestructionRecord.policy == policy,
        )
        .values(count=DestructionRecord.count + count, at=at)
    )
    if found.rowcount == 0:  # type: ignore[attr-defined]
        session.add(
            DestructionRecord(sweep_id=sweep_id, at=at, kind=kind, count=count, policy=policy)
        )
        session.flush()


def nothing(session: Session, sweep_id: str, at: datetime, policy: str) -> None:
    """Record that the sweep ran under ``policy`` and found nothing past its time."""
    session.add(DestructionRecord(sweep_id=sweep_id, at=at, kind=NOTHING, count=0, policy=policy))
    session.flush()


def count_before(session: Session, before: datetime) -> int:
    """How many records :func:`prune` would delete (the dry run)."""
    found = select(func.count()).select_from(DestructionRecord).where(DestructionRecord.at < before)
    return int(session.scalar(found) or 0)


def prune(session: Session, before: datetime) -> int:
    """Delete the records older than ``before`` (the policy keeps them >= 3 years)."""
    result = session.execute(delete(DestructionRecord).where(DestructionRecord.at < before))
    return int(result.rowcount)  # type: ignore[attr-defined]


def recent(
    session: Session, limit: int | None = 200, since: datetime | None = None
) -> list[Record]:
    """The newest records first (at most ``limit``; from ``since`` on, when given)."""
    query = select(DestructionRecord).order_by(DestructionRecord.id.desc()).limit(limit)
    if since is not None:
        query = query.where(DestructionRecord.at >= since)
    rows = session.scalars(query).all()
    return [Record(r.sweep_id, r.at, r.kind, r.count, r.policy) for r in rows]


def as_csv(found: Iterable[Record]) -> str:
    """``found`` as CSV for an inspector: a header row, then one row per record, the
    time in UTC (ISO 8601). Kinds, counts and policies only: no patient data."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in found:
        writer.writerow([r.at.isoformat(), r.sweep_id, r.kind, r.count, r.policy])
    return out.getvalue()


def of_sweep(session: Session, sweep_id: str) -> list[Record]:
    rows = session.scalars(
        select(DestructionRecord)
        .where(DestructionRecord.sweep_id == sweep_id)
        .order_by(DestructionRecord.id)
    ).all()
    return [Record(r.sweep_id, r.at, r.kind, r.count, r.policy) for r in rows]


# The audit events a sweep's records are written as (:func:`as_events`), entity
# ``retention`` like the sweep's own event; each entity id fits the column (36).
POLICY = "sweep_policy"  # one setting ("key=value") of the policy of the counts after it
SWEPT = "sweep_count"  # one record: "kind=count", under the policy before it
# A sweep's records written into the log by the next sweep, after these events: it was
# cut short before its own last write (:func:`cut_short`); the entity id is its id.
CUT_SHORT = "sweep_cut_short"

# A patient's erasure writes its records as a sweep does, followed by this event (not a
# ``sweep`` one: a person's review and the last sweep's time read those); the entity
# id is the erasure's records' id (``ops.patients.erase``).
ERASED = "erasure_records"
# Records carried into a restored file from the clinic the restore replaced
# (``ops.restorecarry``), written after them: an erasure's, or a sweep's cut short there.
# A sweep's that ran to its end there: ``review.SWEEP_CARRIED``. The entity id is its id.
CARRIED = "records_carried"
# The events a run of records is written just before.
ENDS = (SWEEP, ERASED, CUT_SHORT, CARRIED, SWEEP_CARRIED)
# The policy an erasure's destruction records name: a person's request, not a period
# (``ops.patients.erase``). An erasure's records are never a sweep cut short: one made
# before its records went into the log (session 17) is not written in as one.
ERASURE_POLICY = "erasure=request"
_PARTS = "; "  # how a record's policy joins its settings
# At most this many events before a sweep's own are read back as its records.
_MOST = 1000

Line = tuple[str, int, str]  # (kind, count, policy): a record as the log holds it


def as_events(found: Iterable[Record]) -> list[tuple[str, str, str | None]]:
    """The sweep's records ``found`` as audit events (action, entity type, entity id):
    per policy, in the order first named, its settings, then each record under it."""
    by_policy: dict[str, list[Record]] = {}
    for r in found:
        by_policy.setdefault(r.policy, []).append(r)
    events: list[tuple[str, str, str | None]] = []
    for why, rows in by_policy.items():
        events += [(POLICY, ENTITY, part) for part in why.split(_PARTS)]
        events += [(SWEPT, ENTITY, f"{r.kind}={r.count}") for r in rows]
    return events


def from_events(events: Sequence[tuple[str, str]]) -> Counter[Line]:
    """The records that :func:`as_events` wrote as ``events`` (action, entity id), in order."""
    found: Counter[Line] = Counter()
    parts: list[str] = []
    counted = False
    for action, entity_id in events:
        if action == POLICY:
            if counted:  # the settings of the next policy begin
                parts, counted = [], False
            parts.append(entity_id)
        elif action == SWEPT:
            kind, _, count = entity_id.rpartition("=")
            found[(kind, int(count), _PARTS.join(parts))] += 1
            counted = True
    return found


def logged(session: Session, sweep_id: str) -> Counter[Line] | None:
    """The records of sweep ``sweep_id`` as its audit events hold them: those written
    just before its ``sweep`` event (an erasure's: :data:`ERASED`; a sweep cut short:
    its ``sweep_cut_short`` one, :data:`CUT_SHORT`); None when the log has no such event
    (a sweep cut short, until the next sweep; one whose event the audit retention
    removed) or it has none before it (a sweep of a version that did not write them)."""
    seq = session.scalar(
        select(func.max(AuditEvent.seq)).where(
            AuditEvent.action.in_(ENDS),
            AuditEvent.entity_type == ENTITY,
            AuditEvent.entity_id == sweep_id,
        )
    )
    if seq is None:
        return None
    rows = session.execute(
        select(AuditEvent.action, AuditEvent.entity_type, AuditEvent.entity_id)
        .where(AuditEvent.seq < seq, AuditEvent.seq >= seq - _MOST)
        .order_by(AuditEvent.seq.desc())
    )
    run: list[tuple[str, str]] = []
    for action, entity_type, entity_id in rows:
        if action not in (POLICY, SWEPT) or entity_type != ENTITY or entity_id is None:
            break
        run.append((action, entity_id))
    return from_events(run[::-1]) if run else None


def in_log(session: Session, sweep_id: str) -> bool | None:
    """Whether sweep ``sweep_id``'s destruction records are those its audit events hold
    (the log's hash chain covers those); None when the log holds none (:func:`logged`)."""
    found = logged(session, sweep_id)
    if found is None:
        return None
    return found == Counter((r.kind, r.count, r.policy) for r in of_sweep(session, sweep_id))


# Why the log holds none of a sweep's (or an erasure's) records (:func:`unlogged`).
# Written by an earlier version, before the log kept a copy of them: a sweep's before
# session 16 (its ``sweep`` event, no records before it), an erasure's before session 17
# (no event of its records at all). The table recorded them then as it does now.
EARLIER = "earlier_version"
# A sweep cut short before its last write (or running now): the next sweep writes its
# records into the log (:func:`cut_short`).
CUT_SHORT_YET = "cut_short"
# Older than the log's first event: the log's own retention (``retention.audit_years``)
# removed the events of their time, and with them whatever copy they had.
OLDER_THAN_LOG = "older_than_log"


def unlogged(session: Session, sweep_id: str) -> str | None:
    """Why the audit log holds none of sweep ``sweep_id``'s records (:data:`EARLIER`,
    :data:`CUT_SHORT_YET` or :data:`OLDER_THAN_LOG`); None when it holds them (matching
    or not: :func:`in_log`) or the table has none of them."""
    if logged(session, sweep_id) is not None:
        return None
    rows = of_sweep(session, sweep_id)
    if not rows:
        return None
    ended = session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.action.in_(ENDS),
            AuditEvent.entity_type == ENTITY,
            AuditEvent.entity_id == sweep_id,
        )
    )
    if ended:  # its end is in the log, with no records before it
        return EARLIER
    first = session.scalar(select(AuditEvent.at).order_by(AuditEvent.seq).limit(1))
    if first is None or min(r.at for r in rows) < first:
        return OLDER_THAN_LOG
    if any(r.policy == ERASURE_POLICY for r in rows):  # an erasure is never cut short
        return EARLIER
    return CUT_SHORT_YET


def cut_short(session: Session) -> list[str]:
    """The sweeps whose records the log holds nothing of (no ``sweep`` event, no
    ``sweep_cut_short`` one), oldest first: sweeps cut short before their last write.
    Only those whose records are no older than the log's first event (the ones before
    may have had their events removed with the log's oldest). Run under the sweep's
    lease: a sweep still running is one of these too."""
    first = session.scalar(select(AuditEvent.at).order_by(AuditEvent.seq).limit(1))
    if first is None:
        return []
    ended = select(AuditEvent.entity_id).where(
        AuditEvent.entity_type == ENTITY,
        AuditEvent.action.in_(ENDS),
        AuditEvent.entity_id.is_not(None),
    )
    found = session.execute(
        select(DestructionRecord.sweep_id)
        .where(DestructionRecord.sweep_id.not_in(ended))
        .where(DestructionRecord.policy != ERASURE_POLICY)
        .group_by(DestructionRecord.sweep_id)
        .having(func.min(DestructionRecord.at) >= first)
        .order_by(func.min(DestructionRecord.id))
    )
    return [str(row[0]) for row in found]


def gone(session: Session, since: datetime) -> list[str]:
    """The sweeps (and erasures) since ``since`` (the records' own retention: older ones
    go with :func:`prune`) whose records the audit log holds though none of them is left
    in the table: deleted after the sweep. Their ids, oldest first."""
    ended = session.scalars(
        select(AuditEvent.entity_id)
        .where(
            AuditEvent.action.in_(ENDS),
            AuditEvent.entity_type == ENTITY,
            AuditEvent.at >= since,
            AuditEvent.entity_id.not_in(select(DestructionRecord.sweep_id)),
        )
        .order_by(AuditEvent.seq)
    ).all()
    # A sweep of a version that wrote no records into the log has nothing to hold.
    return [str(i) for i in dict.fromkeys(ended) if i is not None and logged(session, i)]
