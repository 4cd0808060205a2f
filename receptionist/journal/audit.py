"""The audit log: every change and every opening of a patient record, hash-chained.

Events name the actor, the action and the entity's kind and id - never patient data.
Each event's hash covers the previous hash, so ``verify`` finds an edited, inserted
or deleted event; the newest event's number and hash are also kept apart from the
log (``audit_head``, by a trigger), so events deleted from its end are found too.
``verify`` also holds the log against the file's rows (``coverage``: it must begin
with the clinic's creation and hold a creation event for every row), and, given an
:class:`~receptionist.journal.anchor.Anchor` taken earlier and kept outside the file,
checks that the log still holds the event the anchor recorded: the one check that a
key holder rewriting the whole log cannot pass. docs/privacy.md says what each proves.
Writes happen inside the caller's write transaction (BEGIN IMMEDIATE), which
serialises the chain across processes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receptionist.clock import Clock
from receptionist.context import Ctx
from receptionist.journal import checkpoint, coverage
from receptionist.journal.anchor import Anchor
from receptionist.journal.coverage import Problem
from receptionist.models import AuditEvent, AuditHead, to_micros
from receptionist.texts import QT_TRANSLATE_NOOP, Text

GENESIS = "0" * 64


def _digest(
    prev: str,
    seq: int,
    at: datetime,
    actor: str | None,
    source: str,
    action: str,
    entity_type: str,
    entity_id: str | None,
) -> str:
    return _chained(prev, seq, to_micros(at), actor, source, action, entity_type, entity_id)


def _chained(
    prev: str,
    seq: int,
    micros: int,
    actor: str | None,
    source: str,
    action: str,
    entity_type: str,
    entity_id: str | None,
) -> str:
    """:func:`_digest`, given the time as stored (microseconds)."""
    parts = [
        prev,
        str(seq),
        str(micros),
        actor or "",
        source,
        action,
        entity_type,
        entity_id or "",
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def record(
    session: Session, ctx: Ctx, action: str, entity_type: str, entity_id: str | None
) -> AuditEvent:
    # The chain goes on from the head, not from the newest row left in the log: after
    # events were deleted from its end, the gap stays visible instead of being
    # papered over by the next event.
    last = session.execute(select(AuditHead.seq, AuditHead.hash)).first()
    if last is None:  # no event yet (or a head removed by hand): the newest row left
        last = session.execute(
            select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
        ).first()
    seq = (last.seq + 1) if last else 1
    prev = last.hash if last else GENESIS
    at = ctx.clock.now()
    actor = ctx.actor
    event = AuditEvent(
        seq=seq,
        at=at,
        actor_id=actor.user_id,
        source=actor.source,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        prev_hash=prev,
        hash=_digest(prev, seq, at, actor.user_id, actor.source, action, entity_type, entity_id),
    )
    session.add(event)
    session.flush()
    return event


def record_many(session: Session, ctx: Ctx, events: list[tuple[str, str, str | None]]) -> None:
    """:func:`record` for each (action, entity type, entity id) of ``events``, in order,
    written in one statement on the driver: for rows added in bulk (a sync download),
    each still with its own event in the chain."""
    if not events:
        return
    session.flush()
    last = session.execute(select(AuditHead.seq, AuditHead.hash)).first()
    if last is None:
        last = session.execute(
            select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
        ).first()
    seq, prev = (last.seq, last.hash) if last else (0, GENESIS)
    at, actor = ctx.clock.now(), ctx.actor
    stamp = to_micros(at)
    rows = []
    for action, entity_type, entity_id in events:
        seq += 1
        digest = _chained(prev, seq, stamp, actor.user_id, actor.source, action, entity_type,
                          entity_id)  # fmt: skip
        rows.append((seq, stamp, actor.user_id, actor.source, action, entity_type, entity_id,
                     prev, digest))  # fmt: skip
        prev = digest
    raw = session.connection().connection.driver_connection
    assert raw is not None
    raw.executemany(
        "INSERT INTO audit_event (seq, at, actor_id, source, action, entity_type, entity_id,"
        " prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


@dataclass(frozen=True)
class VerifyResult:
    """What ``verify`` found. ``problem`` (a Text) says what is wrong, for a sentence;
    ``first_bad_seq`` is the first event it concerns, if it concerns one;
    ``anchor`` is the anchor the log was checked against, if one was given."""

    ok: bool
    events: int
    first_bad_seq: int | None = None
    problem: str = ""
    anchor: Anchor | None = None
    unchecked: bool = False  # the anchor's event went with the sweep, its hash too

    @property
    def message(self) -> Text:
        """The finding in one sentence, as ``receptionist audit verify`` prints it."""
        if self.ok and self.anchor is not None and self.unchecked:
            return Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The audit log is intact ({events} events), but the anchor of {taken} "
                    "cannot be checked: the retention sweep removed event {seq}, which it "
                    "recorded, and no checkpoint kept that event's hash.",
                ),
                events=self.events,
                seq=self.anchor.head_seq,
                taken=self.anchor.taken,
            )
        if self.ok and self.anchor is not None:
            return Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The audit log is intact ({events} events) and still holds event {seq} "
                    "as the anchor of {taken} recorded it.",
                ),
                events=self.events,
                seq=self.anchor.head_seq,
                taken=self.anchor.taken,
            )
        if self.ok:
            return Text(
                QT_TRANSLATE_NOOP("core", "The audit log is intact ({events} events)."),
                events=self.events,
            )
        if self.first_bad_seq is None:
            return Text(
                QT_TRANSLATE_NOOP("core", "The audit log was tampered with: {problem}."),
                problem=self.problem,
            )
        return Text(
            QT_TRANSLATE_NOOP("core", "The audit log was tampered with at event {seq}: {problem}."),
            seq=self.first_bad_seq,
            problem=self.problem,
        )


@dataclass(frozen=True)
class Walked:
    """How far the chain held: ``count`` events read, the last one ``last`` (hash
    ``last_hash``), or the ``problem`` that stopped it."""

    count: int
    last: int
    last_hash: str
    problem: Problem | None = None


def verify(
    session: Session, anchor: Anchor | None = None, now: datetime | None = None
) -> VerifyResult:
    """Check the chain, its end against the head, its start and length against the
    file's rows (``coverage``) and, when given, that it still holds ``anchor``.

    The chain is walked from the newest checkpoint, when the retention sweep removed
    the oldest events (``checkpoint.py``). ``now`` (the PC's clock) lets a cut, or an
    anchor whose event the cut removed, be refused when it is too young for a sweep."""
    walked = _walk(session)
    problem = walked.problem or _against_head(session, walked)
    point = checkpoint.newest(session) if now is not None else None
    if problem is None and point is not None and now is not None:
        problem = checkpoint.age_problem(session, point, now)
    if problem is None and anchor is not None:
        problem = _against_anchor(session, anchor, walked.last, now)
    if problem is None:
        problem = _against_rows(session, walked.count)
    if problem is None:
        lost = anchor is not None and checkpoint.unchecked(session, anchor.head_seq)
        return VerifyResult(True, walked.count, anchor=anchor, unchecked=lost)
    seq, text = problem
    return VerifyResult(False, walked.count, seq, text, anchor)


def holds(session: Session, anchor: Anchor, now: datetime | None = None) -> Text | None:
    """Why the log no longer holds ``anchor``'s event with its hash (None: it does).

    The quick check a sync round makes, without walking the chain: a rewrite that
    recomputed the hashes changes the anchored event's hash, and one that did not
    breaks the chain, which :func:`verify` reports."""
    head = session.get(AuditHead, 1)
    problem = _against_anchor(session, anchor, head.seq if head is not None else 0, now)
    point = checkpoint.newest(session) if now is not None else None
    if problem is None and point is not None and now is not None:
        problem = checkpoint.age_problem(session, point, now)  # a cut too young for a sweep
    return problem[1] if problem is not None else None


def _walk(session: Session) -> Walked:
    point = checkpoint.newest(session)
    if point is None:
        return walk(session, 0, GENESIS)
    return walk(session, point.seq, point.hash)


def walk(session: Session, after: int, prev: str, upto: int | None = None) -> Walked:
    """The chain from event ``after`` (hash ``prev``) on, up to ``upto`` (None: its end)."""
    expected_seq = after + 1
    count = 0
    found = select(AuditEvent).where(AuditEvent.seq > after)
    if upto is not None:
        found = found.where(AuditEvent.seq <= upto)
    rows = session.execute(found.order_by(AuditEvent.seq)).scalars()
    for ev in rows:
        count += 1
        problem: Text | None = None
        if ev.seq != expected_seq:
            problem = Text(QT_TRANSLATE_NOOP("core", "event {seq} is missing"), seq=expected_seq)
        elif ev.prev_hash != prev:
            problem = Text(QT_TRANSLATE_NOOP("core", "the chain is broken before this event"))
        elif ev.hash != _digest(
            prev, ev.seq, ev.at, ev.actor_id, ev.source, ev.action, ev.entity_type, ev.entity_id
        ):
            problem = Text(QT_TRANSLATE_NOOP("core", "this event was altered"))
        if problem is not None:
            return Walked(count, expected_seq - 1, prev, (ev.seq, problem))
        prev = ev.hash
        expected_seq += 1
    return Walked(count, expected_seq - 1, prev)


def _against_head(session: Session, walked: Walked) -> Problem | None:
    """The chain is whole; does it end where the head says?"""
    count, last = walked.count, walked.last
    head = session.get(AuditHead, 1)
    if head is None:
        if count == 0:
            return None  # no event yet, or every one deleted: _against_rows tells
        return last, Text(
            QT_TRANSLATE_NOOP("core", "the record of the log's newest event is missing")
        )
    if head.seq > last:
        if head.seq == last + 1:
            missing = Text(
                QT_TRANSLATE_NOOP("core", "event {seq} is missing from the end"), seq=head.seq
            )
        else:
            missing = Text(
                QT_TRANSLATE_NOOP("core", "events {first}-{last} are missing from the end"),
                first=last + 1,
                last=head.seq,
            )
        return last + 1, missing
    if head.seq < last or head.hash != walked.last_hash:
        return last, Text(
            QT_TRANSLATE_NOOP("core", "the record of the log's newest event does not match it")
        )
    return None


def _against_anchor(
    session: Session, anchor: Anchor, last: int, now: datetime | None = None
) -> Problem | None:
    """The chain is whole up to ``last``; does it still hold the anchor's event?"""
    if anchor.clinic_id != (coverage.clinic_id(session) or ""):
        return None, Text(
            QT_TRANSLATE_NOOP(
                "core",
                "the anchor was taken of another clinic, so this file is not the one it "
                "vouches for",
            )
        )
    if anchor.head_seq == 0:
        return None  # taken of an empty log: everything since is new
    if anchor.head_seq > last:
        return last + 1, Text(
            QT_TRANSLATE_NOOP(
                "core",
                "the log ends at event {last}, but it held event {seq} when the anchor of "
                "{taken} was taken: events were removed from its end (or this file is a "
                "copy from before the anchor)",
            ),
            last=last,
            seq=anchor.head_seq,
            taken=anchor.taken,
        )
    point = checkpoint.newest(session)
    if point is not None and anchor.head_seq <= point.seq:
        taken = anchor.head_at or anchor.taken_at
        return checkpoint.anchor_problem(session, anchor.head_seq, anchor.head_hash, taken, now)
    held = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == anchor.head_seq))
    if held != anchor.head_hash:
        return anchor.head_seq, Text(
            QT_TRANSLATE_NOOP(
                "core",
                "this event is not the one the anchor of {taken} recorded: the log was "
                "rewritten up to here",
            ),
            taken=anchor.taken,
        )
    return None


def _against_rows(session: Session, count: int) -> Problem | None:
    """The chain is whole and ends at its head; does it cover the file's rows?"""
    if count == 0:
        if not coverage.holds_data(session):
            return None
        return None, Text(
            QT_TRANSLATE_NOOP(
                "core", "the log is empty, but the clinic holds data: its events were deleted"
            )
        )
    return coverage.start_problem(session) or coverage.uncovered_problem(session)


def anchor(session: Session, clock: Clock) -> Anchor:
    """The log's head now, to keep outside the file. Take it of a log that
    :func:`verify` calls intact: an anchor vouches for the log as it is."""
    head = session.get(AuditHead, 1)
    seq, digest = (head.seq, head.hash) if head is not None else (0, GENESIS)
    return Anchor(
        clinic_id=coverage.clinic_id(session) or "",
        events=session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
        head_seq=seq,
        head_hash=digest,
        head_at=session.scalar(select(AuditEvent.at).where(AuditEvent.seq == seq)),
        taken_at=clock.now(),
    )
