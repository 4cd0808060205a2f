"""Where the audit log begins after the retention sweep removed its oldest events.

The sweep (``retention/auditlog.py``) removes events ``1..P`` only when an anchor
kept outside the file, taken at event ``A >= P``, is still held by the log and the
chain verifies up to it. It then writes a checkpoint: ``P``, event ``P``'s hash and
time, and that anchor. Event ``P+1``'s ``prev_hash`` names event ``P``'s hash, so
:func:`receptionist.journal.audit.verify` walks the chain from the checkpoint as it
walked from the first event; ``audit_head`` is untouched. Every anchor taken at or
after ``P`` (in backups, at the endpoint, printed) still pins the checkpoint: event
``A``'s hash covers event ``P``'s through the chain between them.

A checkpoint holds only if the sweep wrote it: its "prune" event is in the log after
it, and the log still holds its anchor's event with the anchor's hash. Rows made by
the checkpoint's time may have lost their creation event with the removed events, so
the coverage check asks none of them (``coverage.py``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.models import AuditCheckpoint, AuditEvent
from receptionist.texts import QT_TRANSLATE_NOOP, Text

PRUNE: Final = "prune"
KIND: Final = "audit_checkpoint"
# ``retention.audit_years`` is at least this: an event younger than this cannot have
# been removed by a sweep, whatever the policy.
SHORTEST: Final = timedelta(days=3 * 365)

Problem = tuple[int | None, Text]


def newest(session: Session) -> AuditCheckpoint | None:
    """The checkpoint the log begins at now (None: it begins with event 1)."""
    return session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(1))


def start_problem(session: Session, point: AuditCheckpoint) -> Problem | None:
    """Why the log's start at ``point`` was not the sweep's doing (None: it was)."""
    pruned = session.scalar(
        select(AuditEvent.seq).where(
            AuditEvent.action == PRUNE,
            AuditEvent.entity_type == KIND,
            AuditEvent.entity_id == point.sweep_id,
            AuditEvent.seq > point.seq,
        )
    )
    held = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == point.anchor_seq))
    if pruned is None or point.anchor_seq <= point.seq or held != point.anchor_hash:
        return point.seq + 1, Text(
            QT_TRANSLATE_NOOP(
                "core",
                "the log begins with a checkpoint that no retention sweep wrote: its "
                "first events were removed",
            )
        )
    return None


def excused_until(session: Session, point: AuditCheckpoint) -> datetime:
    """Rows made by this time may have lost their creation event with the cut: the
    checkpoint's time, but never past the log's first event, whose time is under the
    chain's hashes (the checkpoint row is not: set in the future, it would excuse
    every row written outside the app)."""
    first = session.scalar(
        select(AuditEvent.at).where(AuditEvent.seq > point.seq).order_by(AuditEvent.seq).limit(1)
    )
    return point.at if first is None else min(point.at, first)


def age_problem(session: Session, point: AuditCheckpoint, now: datetime) -> Problem | None:
    """Why the log's first event, past ``point``, shows the cut was not the sweep's:
    the sweep keeps the newest event past its time (``retention/auditlog.py``), so the
    first event is at least :data:`SHORTEST` old at ``now``. Its time is under the
    chain's hashes (every anchor at or after it pins it), unlike the checkpoint row,
    which anyone with the file can write: a cut of younger events is found here."""
    first = session.scalar(
        select(AuditEvent.at).where(AuditEvent.seq > point.seq).order_by(AuditEvent.seq).limit(1)
    )
    if first is None or first < now - SHORTEST:
        return None
    return point.seq + 1, Text(
        QT_TRANSLATE_NOOP(
            "core",
            "the log begins after a checkpoint with an event too recent for the retention "
            "sweep to have removed the events before it: they were removed by hand",
        )
    )


def anchor_problem(
    session: Session, seq: int, digest: str, taken: datetime, now: datetime | None
) -> Problem | None:
    """An anchor of event ``seq`` (hash ``digest``, the event of time ``taken``) that
    is before the newest checkpoint: its event went with the sweep. It holds if a
    checkpoint at exactly ``seq`` has its hash; otherwise it can no longer be checked
    event by event, and is refused only if it is too young for any sweep to have
    removed its event (``now`` given: the verifying PC's clock)."""
    kept = session.get(AuditCheckpoint, seq)
    if kept is not None:
        if kept.hash == digest:
            return None
        return seq, Text(
            QT_TRANSLATE_NOOP(
                "core",
                "the checkpoint at this event does not have the hash the anchor recorded: "
                "the log was rewritten up to here",
            )
        )
    if now is not None and taken > now - SHORTEST:
        return seq, Text(
            QT_TRANSLATE_NOOP(
                "core",
                "this event, which an anchor recorded, is gone from the log, but it is "
                "too recent for the retention sweep to have removed it",
            )
        )
    return None


def unchecked(session: Session, seq: int) -> bool:
    """Whether an anchor of event ``seq`` can no longer be checked at all: the sweep
    removed its event, and no checkpoint kept that event's hash (the anchor was not
    known to the sweep: a backup kept elsewhere, a printed one)."""
    point = newest(session)
    if point is None or not 0 < seq <= point.seq:
        return False
    return session.get(AuditCheckpoint, seq) is None
