"""A first download, as the round runs it: rows written in bulk are stored exactly as
the ORM stores them; the pages before the last are committed relaxed (not waiting for
the disk) and the last one durably; a download cut short resumes and converges."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from factories import make_clinic, make_provider, make_service, weekdays
from handpulled import joined_pc
from sqlalchemy import event, select
from templates import Template
from test_replica_apply import MON_11, admin, everything, rows_of

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.journal import audit, changefeed
from receptionist.models import Appointment, Patient, Provider, Service
from receptionist.ops import replica
from receptionist.ops.patients import find
from receptionist.patients import documents
from receptionist.patients import record as patients
from receptionist.replica.apply import DeviceName, Pulled
from receptionist.schedule import booking, waitlist
from receptionist.store import heap
from receptionist.store.storage import Database
from receptionist.store.vault import Created
from sync import round as rounds

FULL, NORMAL = 2, 1  # PRAGMA synchronous


@pytest.fixture
def pcs(
    tmp_path: Path, clock: FixedClock, pc_installs: dict[str, Template[Created]]
) -> Iterator[tuple[Database, Database]]:
    """A: a clinic with a value of every kind a column holds (times, a date, bytes,
    JSON, true and false); B: a new PC, nothing downloaded."""
    a = joined_pc(tmp_path / "a", clock, "A", pc_installs, first=True)
    with a.write() as s:
        ctx = admin(clock)
        make_clinic(s, ctx, hours=weekdays(("08:00", "18:00")))
        provider = make_provider(s, ctx, "Dr Ayşe")
        service = make_service(s, ctx, "Check-up", 30)
        ids = []
        for i, (given, family) in enumerate([("Zeynep", "Kaya"), ("Omar", "Haddad")] * 6):
            made = patients.create_patient(
                s, ctx, given_name=given, family_name=family, phone=f"05321234{i:03d}",
                email=f"p{i}@example.org", birth_date=date(1980 + i, 1 + i, 2 + i),
                consents={"optional_data": True},
            )  # fmt: skip
            ids.append(made.id)
        s.flush()
        documents.attach(s, ctx, ids[0], "scan.png", b"\x89PNG\x00\xff" * 40)
        waitlist.add(
            s, ctx, patient_id=ids[1], service_id=service.id, provider_id=provider.id,
            earliest=date(2026, 12, 1), times_of_day=["morning"], weekdays=["mon", "thu"],
        )  # fmt: skip
    b = joined_pc(tmp_path / "b", clock, "B", pc_installs, first=False)
    yield a, b
    a.close()
    b.close()


def _stored(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every synced table's synced columns as SQLite holds them (no ORM typing)."""
    found = {}
    with db.raw() as conn:
        for entity, model in changefeed.synced_tables().items():
            names = ", ".join(changefeed.synced_columns(model))
            found[entity] = conn.execute(f"SELECT {names} FROM {entity} ORDER BY id").fetchall()
    return found


def _upload_order(records: list[Pulled]) -> list[Pulled]:
    order = {name: i for i, name in enumerate(replica._tables())}
    return sorted(records, key=lambda p: order[p.record.entity])


class Pages:
    """An endpoint that hands out ``records`` a few a page, and stops answering after
    ``answers`` pages."""

    def __init__(self, records: list[Pulled], size: int, answers: int = 10_000) -> None:
        self.pages = [records[at : at + size] for at in range(0, len(records), size)]
        self.answers = answers

    def pull(self, cursor: int, horizon: int = 0) -> rounds.PullPage:
        if self.answers == 0:
            raise rounds.Unreachable("cut")
        self.answers -= 1
        return rounds.PullPage(
            self.pages[cursor], [], cursor + 1, more=cursor + 1 < len(self.pages)
        )

    def device_names(self) -> dict[str, DeviceName]:
        return {}


def test_rows_written_in_bulk_are_stored_as_the_orm_stores_them(
    pcs: tuple[Database, Database], clock: FixedClock
) -> None:
    a, b = pcs
    replica.apply_pull(b, admin(clock), everything(a), [], 1, last=True)
    mine, theirs = _stored(a), _stored(b)
    assert theirs["patient_document"] and theirs["waitlist_entry"]
    for entity, rows in mine.items():
        assert theirs[entity] == rows, entity


def test_pages_before_the_last_are_committed_relaxed_the_last_durably(
    pcs: tuple[Database, Database], clock: FixedClock
) -> None:
    a, b = pcs
    seen: list[int] = []

    def at_commit(conn: Any) -> None:
        if conn.get_execution_options().get("begin_immediate"):  # a write, not a read
            seen.append(int(conn.exec_driver_sql("PRAGMA synchronous").scalar()))

    event.listen(b.engine, "commit", at_commit)
    records = _upload_order(everything(a))
    rounds.pull_all(b, Pages(records, 5), rounds.RoundResult(), Ctx(rounds.SYNC, clock))
    pages = -(-len(records) // 5)
    # each page's write, then the round's own (the full download's sweep): durable
    assert seen[:pages] == [NORMAL] * (pages - 1) + [FULL]
    assert set(seen[pages:]) <= {FULL}
    with b.write() as s:  # the connection went back to the pool durable
        assert s.connection().exec_driver_sql("PRAGMA synchronous").scalar() == FULL


def test_a_download_cut_short_resumes_from_its_cursor_and_converges(
    pcs: tuple[Database, Database], clock: FixedClock
) -> None:
    a, b = pcs
    records = _upload_order(everything(a))
    ctx = Ctx(rounds.SYNC, clock)
    with pytest.raises(rounds.Unreachable):
        rounds.pull_all(b, Pages(records, 4, answers=3), rounds.RoundResult(), ctx)
    cursor = replica.cursor(b)
    assert 0 < cursor <= 3
    with b.read() as s:  # what the committed pages brought, and nothing of the rest
        here = {(e, r) for e, m in changefeed.synced_tables().items() for r in s.scalars(
            select(m.id))}  # fmt: skip
    assert here == {(p.record.entity, p.record.id) for p in records[: cursor * 4]}
    rounds.pull_all(b, Pages(records, 4), rounds.RoundResult(), ctx)
    assert rows_of(b) == rows_of(a)
    with b.read() as s:
        verified = audit.verify(s)
        parked = s.scalar(select(Patient.id).where(Patient.search_rowid < 0))
    assert verified.ok, verified.problem
    assert parked is None, "every patient was placed in the search index"
    assert len(find(b, admin(clock), "haddad")) == 6
    assert replica.batch(b) == [], "nothing pulled is echoed back"


def test_a_pulled_change_looks_up_only_the_rows_it_points_at_anew(
    pcs: tuple[Database, Database], clock: FixedClock
) -> None:
    a, b = pcs
    replica.apply_pull(b, admin(clock), everything(a), [], 1, last=True)
    with a.write() as s:
        pid = s.scalars(select(Patient.id)).first()
        assert pid is not None
        booked = booking.book(
            s, admin(clock), patient_id=pid,
            provider_id=s.scalars(select(Provider.id)).one(),
            service_id=s.scalars(select(Service.id)).one(), start=MON_11,
        )  # fmt: skip
    replica.apply_pull(b, admin(clock), _records_of(a, Appointment, booked.id), [], 2, last=True)
    with a.write() as s:
        row = s.get(Appointment, booked.id)
        assert row is not None
        row.notes, row.version = "bring the X-ray", row.version + 1
    asked: list[str] = []

    def look(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        asked.append(" ".join(statement.split()))

    event.listen(b.engine, "before_cursor_execute", look)
    replica.apply_pull(b, admin(clock), _records_of(a, Appointment, booked.id), [], 3, last=True)
    event.remove(b.engine, "before_cursor_execute", look)
    assert not [q for q in asked if "FROM patient WHERE patient.id =" in q]
    assert not [q for q in asked if "FROM provider WHERE provider.id =" in q]
    assert rows_of(b) == rows_of(a)


def _records_of(db: Database, model: Any, row_id: str) -> list[Pulled]:
    return [p for p in everything(db) if p.record.id == row_id]


def test_the_first_pcs_upload_is_cut_by_the_weight_of_its_documents(
    pcs: tuple[Database, Database], clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _ = pcs
    with a.write() as s:
        pid = s.scalars(select(Patient.id)).first()
        assert pid is not None
        for i in range(3):
            documents.attach(s, admin(clock), pid, f"scan-{i}.png", b"x" * 40_000)
    monkeypatch.setattr(replica, "BUDGET", 100_000)  # a document weighs about 75 KB
    sizes = []
    while batch := replica.upload_page(a):
        sizes.append((batch[0].record.entity, len(batch)))
        replica.answered(a, batch[-1].seq)
    pages = [n for entity, n in sizes if entity == "patient_document"]
    assert sum(pages) == 4 and len(pages) >= 3, "no page holds two documents of 40 KB"
    assert ("patient", 12) in sizes


class Cut:
    """An endpoint that answers nothing but a pull, and that by going away; it notes
    how often Python's cycle collector ran meanwhile."""

    def __init__(self) -> None:
        self.threshold: tuple[int, int, int] | None = None

    def pull(self, cursor: int, horizon: int = 0) -> rounds.PullPage:
        self.threshold = gc.get_threshold()
        raise rounds.Unreachable("gone")

    def push(self, changes: list[Any]) -> rounds.PushAnswer:
        raise AssertionError("nothing to push")


def test_a_round_collects_cycles_rarely_and_puts_the_collector_back_after(
    pcs: tuple[Database, Database], clock: FixedClock
) -> None:
    _, b = pcs
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    endpoint = Cut()
    with pytest.raises(rounds.Unreachable):
        rounds.run(b, endpoint, clock)  # type: ignore[arg-type]
    assert endpoint.threshold == rounds.ROUND_GC != before
    assert gc.get_threshold() == before and gc.get_freeze_count() == frozen


def test_rounds_that_overlap_put_the_collector_back_when_the_last_ends() -> None:
    heap.thaw()  # a command's process: nothing frozen before its round
    before = gc.get_threshold()
    first, second = rounds.fewer_collections(), rounds.fewer_collections()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # the app's round ends while a command's runs on
    assert gc.get_threshold() == rounds.ROUND_GC
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_round_leaves_frozen_the_heap_the_app_froze() -> None:
    """The app freezes its heap once its window is up (``heap.settle``); a round that
    unfroze it at its end put the collector back to walking all of it at each full
    pass. A round freezes (and unfreezes) only a heap nothing had frozen; one the app
    froze while the round ran is left frozen too."""
    heap.thaw()
    with rounds.fewer_collections():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
    frozen = heap.settle()
    with rounds.fewer_collections():
        pass
    assert gc.get_freeze_count() >= frozen > 0
    heap.thaw()
    with rounds.fewer_collections():
        heap.settle()  # the window came up during the round
    assert gc.get_freeze_count() > 0 and heap.frozen()


def test_a_round_asks_whether_the_heap_is_frozen_without_counting_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``gc.get_freeze_count`` walks every frozen object: asked at each round's start,
    13-30 ms a round for a large heap (a test worker's; the app's)."""
    counted: list[int] = []
    count = gc.get_freeze_count
    monkeypatch.setattr(gc, "get_freeze_count", lambda: counted.append(1) or count())
    for freeze in (heap.thaw, heap.freeze):
        freeze()
        with rounds.fewer_collections():
            assert count() > 0
        assert (count() > 0) == heap.frozen()
    assert counted == []


class Watched(Pages):
    """:class:`Pages` that notes each page asked for, as it is asked for."""

    def __init__(self, records: list[Pulled], size: int) -> None:
        super().__init__(records, size)
        self.asked = [threading.Event() for _ in self.pages]

    def pull(self, cursor: int, horizon: int = 0) -> rounds.PullPage:
        self.asked[cursor].set()
        return super().pull(cursor, horizon)


def test_the_next_page_is_asked_for_while_this_one_is_written(
    pcs: tuple[Database, Database], clock: FixedClock
) -> None:
    a, b = pcs
    endpoint = Watched(_upload_order(everything(a)), 5)
    asked_before_commit: list[bool] = []
    writes = iter(range(1, len(endpoint.pages)))

    def at_commit(conn: Any) -> None:
        if conn.get_execution_options().get("begin_immediate"):  # a page's write
            following = next(writes, None)
            if following is not None:
                asked_before_commit.append(endpoint.asked[following].wait(10))

    event.listen(b.engine, "commit", at_commit)
    rounds.pull_all(b, endpoint, rounds.RoundResult(), Ctx(rounds.SYNC, clock))  # type: ignore[arg-type]
    assert asked_before_commit == [True] * (len(endpoint.pages) - 1)
    assert rows_of(b) == rows_of(a)
