"""Which appointments a plan looks at: all of them once, then only what changed.

A dispatch round runs every minute, and planning every upcoming appointment each time
(10,000 of them: a fifth of a second of a write transaction) made the desk's writes
wait that long every minute. A :class:`Memo` keeps, in memory, how far the plans of a
``Database`` got: the change feed's end (``seq``) and the horizon's end (``until``)
the last complete pass covered. A round then plans only:

- the appointments changed since (the feed: a booking, move or cancellation, from this
  PC or synced), and those whose communication-log entries changed (the start the
  patient was last told: ``plan._told``);
- those the horizon reached since (``start`` in the old ``until`` .. the new one).

Nothing else can change a plan: time passing only lets reminder times pass (planning
never adds a message for a time passed), and what dispatch does with a row (sent,
failed, held) is no news to planning; a row queued again for an appointment moved or
cancelled meanwhile is withdrawn by dispatch as planning would have
(``compose.appointment_stop``).

A full pass, in batches of ``plan.MAX_ADDS`` rows (each its own short transaction,
the soonest appointments first: ``cursor`` is where the next batch goes on), plans
everything: the first round of a process, after the clinic's or a service's settings
changed (the rules, quiet hours, the station), after the clock went back, the feed
went back (a restore), a purged communication-log entry (its appointment unknown),
more changes than a batch takes, and at least every ``FULL_EVERY`` as a safety net.
The memo changes only once a plan's transaction committed (``dispatch``): a rolled-back
plan leaves it as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

FULL_EVERY = timedelta(hours=1)
_US = timedelta(microseconds=1)
# A change to any of these may change every appointment's plan.
_WHOLE = ("clinic_setting", "service")


@dataclass(frozen=True)
class Memo:
    """How far a ``Database``'s plans got (times: stored microseconds, UTC)."""

    basis: Any = None  # (config, confirmations since) planned under; None: nothing yet
    seq: int = 0  # the feed's end that every appointment was planned after
    at: int = 0  # when the last plan ran
    until: int = 0  # the horizon's end it covered
    cursor: tuple[int, str] | None = None  # a full pass under way: planned up to (start, id)
    began: int = 0  # when the last full pass began
    pass_seq: int = 0  # the feed's end when it began


def start(memo: Memo, basis: Any, at: int, top: int) -> Memo | None:
    """The memo with a full pass begun, if one is due (None: go on from ``memo``)."""
    if memo.cursor is not None and memo.basis == basis and memo.at <= at:
        return None  # a full pass under way goes on
    stale = (
        memo.basis != basis
        or at < memo.at
        or top < memo.seq
        or at - memo.began >= FULL_EVERY // _US
    )
    return full(memo, basis, at, top) if stale else None


def full(memo: Memo, basis: Any, at: int, top: int) -> Memo:
    """A full pass begun: every appointment of the window, from the soonest."""
    return Memo(basis, memo.seq, at, 0, (at, ""), at, top)


def changed(session: Session, seq: int, top: int) -> tuple[set[str], set[str]] | None:
    """The appointments changed in the feed after ``seq`` (up to ``top``), and those
    whose communication-log entries changed; None when a full pass is needed."""
    if top - seq > _MOST_CHANGES:
        return None
    query = text("SELECT entity, row_id, kind FROM change_log WHERE seq > :seq AND seq <= :top")
    appts: set[str] = set()
    entries: set[str] = set()
    for entity, row_id, kind in session.execute(query, {"seq": seq, "top": top}):
        if entity in _WHOLE or (entity == "communication_entry" and kind == "purge"):
            return None
        if entity == "appointment":
            appts.add(row_id)
        elif entity == "communication_entry":
            entries.add(row_id)
    return appts, _told_of(session, sorted(entries))


_MOST_CHANGES = 20_000  # more: a full pass reads no more than the feed would


def _told_of(session: Session, entries: list[str]) -> set[str]:
    query = text(
        "SELECT DISTINCT appointment_id FROM communication_entry"
        " WHERE appointment_id IS NOT NULL AND id IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    found: set[str] = set()
    for chunk in range(0, len(entries), 500):
        found |= {r[0] for r in session.execute(query, {"ids": entries[chunk : chunk + 500]})}
    return found


def went_on(memo: Memo, at: int, until: int, cursor: tuple[int, str] | None, top: int) -> Memo:
    """The memo after a plan: a full pass still under way (``cursor``), or everything
    planned up to ``top`` and ``until``."""
    if cursor is not None:
        return replace(memo, at=at, cursor=cursor)
    seq = memo.pass_seq if memo.cursor is not None else top
    return replace(memo, seq=seq, at=at, until=until, cursor=None)
