"""One sync round of this PC: push what waits, then pull what the others did.

The endpoint is reached through an :class:`Endpoint` (``sync/client.py`` speaks HTTP);
every step on this PC's file is an operation of ``receptionist.ops.replica``, in a
transaction of its own, so a round stopped at any point (the network gone, the PC
killed) loses nothing and repeats nothing: a batch is resent as it was, and a pulled
page is applied with its cursor or not at all. Asked to stop (``run``'s ``stop``: the
app closing, the service stopping), a round ends before its next batch or page, never
inside one: what went and what was applied stay, the cursor at the last page applied,
and the next round goes on from there (``RoundResult.stopped``).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from receptionist.clock import Clock
from receptionist.context import Actor, Ctx
from receptionist.journal.anchor import Anchor
from receptionist.ops import audit as audit_ops
from receptionist.ops import conflicts, replica
from receptionist.ops.replica import Change, DeviceName, Pulled, PulledConflict
from receptionist.replica.chunks import Chunk, Wanted
from receptionist.store import heap, lookcopy
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

MAX_PAGES = 10_000
SYNC = Actor(
    user_id=None, role="admin", source="sync"
)  # who applies what others did  # a round never loops for ever on an endpoint that always has more


# A round's progress: told how many records have come down so far, after each page
# (the join wizard's download count). Long work reports through a callback like this.
PullProgress = Callable[[int], None]


class Unreachable(Exception):
    """The endpoint could not be reached (or answered 5xx): try again later."""


class ResetRequired(Exception):
    """The pull cursor is older than the endpoint's horizon."""


class Gap(Exception):
    """The endpoint has not applied the changes before this batch: it says which it has."""

    def __init__(self, last_seq: int) -> None:
        super().__init__(f"the endpoint's last sequence is {last_seq}")
        self.last_seq = last_seq


@dataclass(frozen=True)
class PushAnswer:
    last_seq: int
    conflicts: int = 0
    # A batch the endpoint had applied before (a retry after a lost answer): when it did
    # (None: applied now, or an endpoint older than s0009 that does not say).
    applied_at: datetime | None = None
    # Every change of the batch a repeat (``duplicate``): applied before, whether or
    # not the endpoint says when.
    repeated: bool = False


@dataclass(frozen=True)
class PullPage:
    records: list[Pulled]
    conflicts: list[PulledConflict]
    cursor: int
    more: bool
    horizon: int = 0  # the endpoint's horizon as the page read it: sent with the next pull


class Endpoint(Protocol):
    def push(self, changes: list[Change]) -> PushAnswer: ...

    def pull(self, cursor: int, horizon: int = 0) -> PullPage: ...

    def put_chunk(self, chunk: Chunk) -> None: ...

    def chunk(self, wanted: Wanted, index: int) -> tuple[int, str]: ...

    def resolve(self, conflict_id: str, resolution: str, forgotten: Sequence[str] = ()) -> None: ...

    def forget(self, conflict_id: str, ids: Sequence[str]) -> None: ...

    def my_anchor(self) -> Anchor | None: ...

    def put_anchor(self, anchor: Anchor, *, accepted_break: bool = False) -> bool: ...
    def device_names(self) -> dict[str, DeviceName]: ...


@dataclass
class RoundResult:
    pushed: int = 0
    pulled: int = 0
    merged: int = 0
    conflicts: int = 0
    clashes: list[tuple[str, str]] = field(default_factory=list)
    settled: list[str] = field(default_factory=list)  # conflicts merged without a clash
    cursor: int = 0
    uploaded: int = 0
    # Why this PC's audit log no longer holds the anchor the endpoint kept of it
    # (rewritten, or restored from a backup); None when it does.
    audit_problem: Text | None = None
    # The endpoint signs with another key than the one this PC pinned (``notary.check``).
    notary_problem: Text | None = None
    resolved: int = 0  # resolutions made here and sent
    swept: int = 0  # rows the endpoint no longer holds, removed after a full download
    erased: int = 0  # rows of erased patients removed here (a booking made offline for her)
    # Ended early at ``run``'s ``stop`` (between two batches or pages): the rest of the
    # round (and its record as the last sync, ``replica.finished``) is the next round's.
    stopped: bool = False


class _Stop(Exception):
    """The round was asked to stop: raised between two batches or pages."""


Stop = Callable[[], bool]


def _never() -> bool:
    return False


def push_all(
    db: Database,
    endpoint: Endpoint,
    result: RoundResult,
    step: Callable[[], list[Change]],
    stop: Stop = _never,
) -> None:
    for _ in range(MAX_PAGES):
        if stop():
            raise _Stop
        batch = step()
        if not batch:
            return
        for chunk in replica.chunks_of(db, batch):  # a large document's bytes go first
            endpoint.put_chunk(chunk)
        try:
            answer = endpoint.push(batch)
        except Gap as gap:
            # The endpoint has fewer of this PC's changes than the PC thought (its
            # database was restored from a backup): the batch goes again, numbered on
            # from the endpoint's last number.
            replica.renumber(db, gap.last_seq)
            continue
        if answer.last_seq > batch[-1].seq:
            # The endpoint has changes of this PC numbered past any it remembers
            # making (its file was restored from a backup): it took this batch for
            # repeats of those. It goes again, numbered on from the endpoint's last.
            replica.renumber(db, answer.last_seq)
            continue
        replica.answered(db, answer.last_seq, answer.applied_at, answer.repeated)
        result.pushed += len(batch)
        result.conflicts += answer.conflicts


def pull_all(
    db: Database,
    endpoint: Endpoint,
    result: RoundResult,
    ctx: Ctx,
    pulled: PullProgress | None = None,
    stop: Stop = _never,
) -> None:
    """Every page after this PC's cursor, each applied with its cursor, so a pull cut
    short (the network lost, the PC killed, ``stop`` saying so before a page) resumes
    after its last page. A pull from
    cursor 0 by a PC that holds rows from the endpoint (after a reset past the
    horizon) is a full download: its last page, in whichever round it comes, sweeps
    the rows it did not bring (``replica.sweep_gone``). ``pulled`` hears the records
    pulled so far after each page."""
    replica.restore_indexes(db)  # a download stopped before its end left them
    try:
        _pull_pages(db, endpoint, result, ctx, pulled, stop)
    except Exception:
        with suppress(Exception):  # else the next pull builds them; this error is the one told
            replica.restore_indexes(db)  # the pull resumes with them
        raise


def _pull_pages(
    db: Database,
    endpoint: Endpoint,
    result: RoundResult,
    ctx: Ctx,
    pulled: PullProgress | None = None,
    stop: Stop = _never,
) -> None:
    cursor, horizon = replica.position(db)
    replica.begin_full(db)
    names: dict[str, DeviceName] | None = None
    ahead = _Ahead(endpoint)
    for _ in range(MAX_PAGES):
        if stop():  # a page asked for ahead is left to finish on its own, not applied
            raise _Stop
        try:
            page = ahead.take(cursor, horizon)
        except ResetRequired:
            replica.reset_cursor(db)
            cursor = horizon = 0
            continue
        if page.more:
            ahead.ask(page.cursor, page.horizon)  # the next page comes while this one is written
        if page.conflicts and names is None:
            names = endpoint.device_names()  # kept with the conflicts: who booked where
        whole = replica.made_whole(db, page.records, lambda w: _chunks(endpoint, w))
        applied = replica.apply_pull(
            db, ctx, whole, page.conflicts, page.cursor, names, last=not page.more,
            horizon=page.horizon,
        )  # fmt: skip
        result.pulled += len(page.records)
        if pulled is not None:
            pulled(result.pulled)
        result.merged += applied.merged
        result.erased += applied.erased
        result.clashes += applied.clashes
        result.settled += applied.settled
        result.conflicts += len([c for c in page.conflicts if not c.resolved])
        cursor, horizon = page.cursor, page.horizon
        result.cursor = cursor
        if not page.more:
            result.swept = replica.sweep_gone(db, ctx)
            return


def _chunks(endpoint: Endpoint, wanted: Wanted) -> list[tuple[int, str]]:
    return [endpoint.chunk(wanted, index) for index in range(wanted.count)]


class _Ahead:
    """A pull's next page asked for while the PC writes this one: the endpoint, its
    database and the network work meanwhile (in a first download they were a fifth of
    its time, spent waiting). Pages are still asked for one at a time, each after the
    one before arrived, with the cursor it ended at: the same requests as one after
    another, answered in the same order. A page asked for and not taken (the round
    stopped) is left to finish on its own; nothing of it is applied."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.asked: tuple[int, int] | None = None
        self.fetching: threading.Thread | None = None
        self.answer: list[PullPage | BaseException] = []

    def ask(self, cursor: int, horizon: int) -> None:
        answer: list[PullPage | BaseException] = []

        def fetch() -> None:
            try:
                answer.append(self.endpoint.pull(cursor, horizon))
            except BaseException as exc:  # handed to the round, which takes the page
                answer.append(exc)

        self.asked, self.answer = (cursor, horizon), answer
        self.fetching = threading.Thread(target=fetch, name="pull-ahead", daemon=True)
        self.fetching.start()

    def take(self, cursor: int, horizon: int) -> PullPage:
        """The page after ``cursor``: the one asked for ahead, else asked for now."""
        fetching, self.fetching = self.fetching, None
        if fetching is None or self.asked != (cursor, horizon):
            return self.endpoint.pull(cursor, horizon)
        fetching.join()
        found = self.answer[0]
        if isinstance(found, BaseException):
            raise found
        return found


def keep_anchor(db: Database, endpoint: Endpoint, clock: Clock) -> Text | None:
    """Check this PC's audit log against the anchor the endpoint holds of it, then hand
    it the log's new head. A log that no longer holds the kept anchor gets no new one:
    the endpoint keeps the evidence until an admin accepts the break
    (``receptionist cloud anchor --accept``), and every round says so."""
    kept = endpoint.my_anchor()
    if kept is not None:
        problem = audit_ops.log_holds(db, kept, clock.now())
        if problem is not None:
            return Text(LOST, problem=problem, advice=ADVICE)
    now = audit_ops.head(db, clock)
    if kept is not None and now.head_seq <= kept.head_seq:
        return None
    if not endpoint.put_anchor(now):
        return REGRESSED
    return None


# What to do, said once: the same for both warnings; a restore from a backup is the
# usual cause.
ADVICE = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "The data still syncs. If this clinic file was restored from a backup, an "
        "administrator runs `receptionist cloud anchor --accept` to put the break on record; "
        "if not, run `receptionist audit verify` and tell whoever looks after the clinic's "
        "computers.",
    )
)
LOST = QT_TRANSLATE_NOOP(
    "core",
    "This PC's audit log no longer holds the anchor the cloud endpoint keeps of it: "
    "{problem}. {advice} Every sync says this until then.",
)
REGRESSED = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "The cloud endpoint holds a newer anchor of this PC's audit log than the log has: "
        "the log was rewritten, or restored from a backup, since. {advice}",
    ),
    advice=ADVICE,
)


# Python's cycle collector, during a round: a first collection after this many new
# objects (700 by default), and a full one after 1,000 of those.
ROUND_GC = (50_000, 20, 1_000)


_collector = threading.Lock()
_rounds: list[tuple[int, int, int]] = []  # the collector's thresholds, once per round running
_froze = False  # whether the first of the rounds running froze the heap (nothing had)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Python's cycle collector walks every object alive at each full collection. A
    round keeps tens of thousands alive (a page of records, the rows they become), and
    the collector walked them, and the program's own (its modules, SQLAlchemy's
    mappers), hundreds of times: a seventh of a download's time. For the round, what
    was alive before it is set aside (``gc.freeze``) and collections come rarer; the
    last round running (the app's loop and a command may overlap) undoes both. A heap
    frozen before (the app's, ``heap.settle``) is left frozen: unfreezing it put the
    collector back to walking all of it. Whether it was is ``heap.frozen()``'s answer:
    ``gc.get_freeze_count`` counts the frozen objects one by one, 13-30 ms a round."""
    global _froze
    with _collector:
        _rounds.append(gc.get_threshold())
        if len(_rounds) == 1:
            _froze = not heap.frozen()
            if _froze:
                gc.freeze()  # the round's own: not heap.freeze(), undone below
            gc.set_threshold(*ROUND_GC)
    try:
        yield
    finally:
        with _collector:
            first = _rounds[0]
            _rounds.pop()
            if not _rounds:
                gc.set_threshold(*first)
                if _froze and not heap.frozen():  # the app may have settled meanwhile
                    gc.unfreeze()


def run(
    db: Database,
    endpoint: Endpoint,
    clock: Clock,
    pulled: PullProgress | None = None,
    stop: Stop | None = None,
) -> RoundResult:
    """Upload what the first PC has not yet, push, pull (``pulled`` told how many
    records have come down so far, after each page); the outcome is kept (the status
    bar and `sync status` read it). Refused in a copy restored to look at (its changes
    are not the clinic's: ``store/lookcopy.py``). ``stop`` (``jobs.runner.stop_asked``)
    is asked before each batch and page: once it says so, the round ends there
    (``RoundResult.stopped``; the last sync's time and error are left as they were)."""
    lookcopy.refuse(db.path.parent, lookcopy.NO_SYNC)
    with fewer_collections():
        return _run(db, endpoint, clock, pulled, stop or _never)


def _run(
    db: Database, endpoint: Endpoint, clock: Clock, pulled: PullProgress | None, stop: Stop
) -> RoundResult:
    result = RoundResult()
    try:
        _steps(db, endpoint, clock, result, pulled, stop)
    except _Stop:
        replica.restore_indexes(db)  # a first download's, as after a failure: the desk's
        result.stopped = True
        return result
    except Unreachable as exc:
        replica.finished(db, clock, str(exc) or "unreachable")
        raise
    replica.finished(db, clock)
    return result


def _steps(
    db: Database,
    endpoint: Endpoint,
    clock: Clock,
    result: RoundResult,
    pulled: PullProgress | None,
    stop: Stop,
) -> None:
    """The round's steps, in order; ``_Stop`` between two when ``stop`` says so."""
    push_all(db, endpoint, result, lambda: replica.upload_page(db), stop)
    result.uploaded, result.pushed = result.pushed, 0
    push_all(db, endpoint, result, lambda: replica.batch(db), stop)
    pull_all(db, endpoint, result, Ctx(SYNC, clock), pulled, stop)
    # What pulling merged is a new change of this PC: send it now, not next round.
    push_all(db, endpoint, result, lambda: replica.batch(db), stop)
    # What people and merges settled on this PC (kept with the merge or the
    # person's change, so a round stopped here sends it next time): its changes
    # went in the pushes above, so the endpoint closes each conflict after them.
    for conflict_id, code in conflicts.unsent(db):
        if stop():
            raise _Stop
        # with the records this PC forgot (an anonymised patient's kept visit):
        # the endpoint forgets them too
        endpoint.resolve(conflict_id, code, conflicts.forgotten(db, conflict_id))
        conflicts.sent(db, conflict_id)
        result.resolved += 1
    # What this PC forgot of a conflict, settled or not (an anonymised patient's
    # record in a double booking left open for a person): the endpoint forgets it.
    for conflict_id, ids in conflicts.unforgotten(db):
        if stop():
            raise _Stop
        endpoint.forget(conflict_id, ids)
        conflicts.forgot(db, conflict_id, ids)
    if stop():
        raise _Stop
    result.audit_problem = keep_anchor(db, endpoint, clock)
