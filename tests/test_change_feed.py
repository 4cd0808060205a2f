"""The change feed: every write of a synced row, logged in its transaction, in commit order."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from factories import make_clinic, make_patients, make_provider, make_service, weekdays
from sqlalchemy import delete, text, update
from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.journal import changefeed
from receptionist.journal.feed import Changes, Follower
from receptionist.models import Appointment, Patient, Room, Synced
from receptionist.patients import record
from receptionist.patients.search import rebuild_search_index
from receptionist.schedule import booking, catalog
from receptionist.store.storage import Database

MON_10 = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def entries(db: Database, after: int = 0) -> list[tuple[str, str, int, str, str | None]]:
    with db.read() as s:
        return [
            (c.entity, c.row_id, c.version, c.kind, c.origin) for c in changefeed.after(s, after)
        ]


def last(db: Database) -> int:
    with db.read() as s:
        return changefeed.last_seq(s)


def test_every_synced_column_is_watched_by_the_triggers(db: Database) -> None:
    """A column added to a synced model without re-creating its triggers would change
    rows that never reach the other PCs: the triggers of the newest schema name every
    synced column of every synced model."""
    with db.read() as s:
        rows = s.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
        sql = {name: body for name, body in rows}
    tables = changefeed.synced_tables()
    assert {"patient", "appointment", "clinic_setting", "staff_user"} <= set(tables)
    for table, model in tables.items():
        body = sql.get(f"tr_feed_{table}_update")
        assert body is not None, f"{table} has no change-feed triggers"
        watched = set(re.findall(r"NEW\.(\w+) IS NOT OLD\.", body))
        assert watched == set(changefeed.synced_columns(model)), table
        assert f"tr_feed_{table}_insert" in sql and f"tr_feed_{table}_delete" in sql


# The feed's reads in the code: each pages by ``seq`` (the table's key). Not listed:
# ``changefeed.last_change``, which walks back from the feed's end by ``seq`` and stops at
# the row's newest change (a scan in the plan, a few steps for a row changed lately).
LAST_SEQ = "SELECT max(seq) FROM change_log"  # the one read that may name the whole table
FEED_READS = (
    "SELECT seq, entity, row_id, version, kind, origin, at FROM change_log WHERE seq > 5"
    " ORDER BY seq",
    "SELECT seq, entity, row_id, at FROM change_log WHERE seq < 9 ORDER BY seq DESC LIMIT 50",
    "SELECT * FROM change_log WHERE seq > 5 AND origin IS NULL ORDER BY seq LIMIT 500",
    # changefeed.changed_since: a row's change at or after a known place
    "SELECT seq FROM change_log WHERE seq >= 5 AND entity IN ('patient') AND row_id = 'x' LIMIT 1",
    LAST_SEQ,
    # dispatch._last_news: the queued bookings' last moves, in one grouped read of the
    # feed's end (the newest moving entry of each within NEWS_DEPTH, then its time)
    "SELECT row_id, at FROM change_log WHERE seq IN (SELECT max(seq) FROM change_log"
    " WHERE seq > 5 AND entity = 'appointment' AND moved IS NOT 0 AND row_id IN ('x', 'y')"
    " GROUP BY row_id)",
)


def test_the_feed_is_append_only_with_no_index_beyond_its_sequence(db: Database) -> None:
    """Migration 0021: the feed keeps no (entity, row_id) index, which no reader used
    and each logged change (a sweep's every deletion) paid a random page for; every
    reader still seeks by ``seq``."""
    with db.read() as s:
        names = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'change_log'"
        indexes = s.execute(text(names)).scalars().all()
        assert indexes == []
        for sql in FEED_READS:
            plan = " ".join(row[-1] for row in s.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
            assert "INTEGER PRIMARY KEY" in plan or "SEARCH change_log" in plan, (sql, plan)
            assert "SCAN change_log" not in plan or sql == LAST_SEQ, (sql, plan)


def test_insert_update_tombstone_and_purge_are_logged_in_order(db: Database, ctx: Ctx) -> None:
    start = last(db)
    with db.write() as s:
        room = catalog.create_room(s, ctx, name="Room 1")
        room_id = room.id
    with db.write() as s:
        catalog.update_room(s, ctx, room_id, name="Room One")
    with db.write() as s:
        row = s.get(Room, room_id)
        assert row is not None
        row.deleted_at = ctx.clock.now()
        row.touch(ctx.clock.now())
    with db.write() as s:
        s.execute(delete(Room).where(Room.id == room_id))
    assert entries(db, start) == [
        ("room", room_id, 1, "insert", None),
        ("room", room_id, 2, "update", None),
        ("room", room_id, 3, "delete", None),
        ("room", room_id, 3, "purge", None),
    ]


def test_a_rolled_back_write_leaves_no_entry_and_no_gap(db: Database, ctx: Ctx) -> None:
    start = last(db)
    with pytest.raises(RuntimeError), db.write() as s:
        catalog.create_room(s, ctx, name="Never")
        raise RuntimeError("the desk cancelled")
    with db.write() as s:
        catalog.create_room(s, ctx, name="Kept")
    with db.read() as s:
        found = changefeed.after(s, start)
    assert [c.seq for c in found] == [start + 1]


def test_local_copies_kept_by_triggers_are_not_changes(db: Database, ctx: Ctx) -> None:
    """The search index, the card's patient label and its kind are local: rebuilding
    them logs nothing, so they are never sent to another PC."""
    with db.write() as s:
        make_clinic(s, ctx, hours=weekdays(("08:00", "18:00")))
        doctor = make_provider(s, ctx, "Dr Ayşe").id
        service = make_service(s, ctx, "Check-up", 30).id
        patient = record.create_patient(s, ctx, given_name="Zeynep", family_name="Kaya").id
        booking.book(
            s, ctx, patient_id=patient, provider_id=doctor, service_id=service,
            start=MON_10 + timedelta(hours=1),
        )  # fmt: skip
    start = last(db)
    with db.write() as s:
        rebuild_search_index(s)
        s.execute(text("UPDATE appointment SET patient_label = 'x', card_kind = card_kind"))
    assert entries(db, start) == []


def test_a_patient_change_is_one_entry_with_its_new_version(db: Database, ctx: Ctx) -> None:
    with db.write() as s:
        make_clinic(s, ctx)
        patient = record.create_patient(s, ctx, given_name="Ali", family_name="Kaya").id
    start = last(db)
    with db.write() as s:
        record.update_patient(s, ctx, patient, family_name="Kaya-Demir")
    assert entries(db, start) == [("patient", patient, 2, "update", None)]


def test_rows_from_another_pc_keep_their_stamps_and_are_not_in_the_outbox(
    db: Database, ctx: Ctx
) -> None:
    """A row applied from PC 2 is written with its own id, version and times, and is
    logged with PC 2 as its origin: this PC's outbox (local changes) never holds it."""
    start = last(db)
    made = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    values = {
        "id": "11111111-2222-3333-4444-555555555555",
        "name": "Room from PC 2",
        "active": True,
        "created_at": made,
        "updated_at": made + timedelta(minutes=5),
        "version": 7,
        "deleted_at": None,
    }
    with db.write() as s, changefeed.applying(s, "device-pc2"):
        assert changefeed.upsert(s, Room, values) is not None
    with db.read() as s:
        room = s.get(Room, values["id"])
        assert room is not None
        assert (room.version, room.created_at, room.updated_at) == (7, made, values["updated_at"])
        assert changefeed.after(s, start, local_only=True) == []
        assert [(c.origin, c.version) for c in changefeed.after(s, start)] == [("device-pc2", 7)]
        assert s.execute(text("SELECT count(*) FROM change_origin")).scalar() == 0
    # An older version of a row we hold is not applied over it.
    with db.write() as s, changefeed.applying(s, "device-pc2"):
        assert changefeed.upsert(s, Room, {**values, "version": 6, "name": "Old"}) is None
    with db.write() as s:  # and a change made here afterwards is local again
        catalog.update_room(s, ctx, values["id"], name="Room 2")
    with db.read() as s:
        assert [c.version for c in changefeed.after(s, start, local_only=True)] == [8]


def test_pages_walk_every_change_once(db: Database, ctx: Ctx) -> None:
    start = last(db)
    with db.write() as s:
        for n in range(1203):
            s.add(Room(name=f"r{n}", created_at=MON_10, updated_at=MON_10))
    with db.read() as s:
        seen = [c.seq for page in changefeed.pages(s, start) for c in page]
    assert seen == list(range(start + 1, start + 1204))


def test_the_follower_publishes_after_commit_and_sees_other_processes(
    db: Database, ctx: Ctx, data_dir: Path
) -> None:
    heard: list[Changes] = []
    db.events.subscribe(Changes, heard.append)
    follower = Follower(db)
    try:
        with db.write() as s:
            room = catalog.create_room(s, ctx, name="Room 1").id
        assert [c.ids("room") for c in heard] == [{room}]
        assert follower.poll() is None, "nothing new: an idle poll publishes nothing"
        _other_process_adds_rooms(data_dir, 3)
        found = follower.poll()
        assert found is not None and len(found.ids("room")) == 3
        assert heard[-1] is found
    finally:
        follower.close()


WRITER = """
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from receptionist.models import Room
from receptionist.store.vault import open_clinic
db = open_clinic(__import__("pathlib").Path(sys.argv[1]))
now = datetime.now(UTC)
for n in range(int(sys.argv[2])):
    with db.write() as s:
        s.add(Room(name=f"{sys.argv[3]}{n}", created_at=now, updated_at=now))
db.close()
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["RECEPTIONIST_PASSPHRASE"] = "correct horse battery"
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    return env


def _other_process_adds_rooms(data_dir: Path, count: int, tag: str = "x") -> None:
    subprocess.run(
        [sys.executable, "-c", WRITER, str(data_dir), str(count), tag], env=_env(), check=True
    )


@pytest.mark.slow
def test_two_processes_writing_at_once_give_every_change_once_in_commit_order(
    db: Database, data_dir: Path
) -> None:
    """Two writers at once; a reader following the feed meanwhile never sees a gap:
    each poll hands on exactly the numbers after the last one it saw."""
    follower = Follower(db)
    start = follower.cursor
    seen: list[int] = []
    db.events.subscribe(Changes, lambda c: seen.extend(e.seq for e in c.entries))
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(data_dir), "60", tag], env=_env())
        for tag in ("a", "b")
    ]
    try:
        while any(w.poll() is None for w in writers):
            follower.poll()
        follower.poll()
    finally:
        for w in writers:
            w.wait(timeout=60)
        follower.close()
    assert all(w.returncode == 0 for w in writers)
    assert seen == list(range(start + 1, start + 121)), "in order, once each, no gap"
    with db.read() as s:
        logged = changefeed.after(s, start, limit=1000)
        names = {r.name for r in s.query(Room)}
    assert [c.seq for c in logged] == seen
    assert {f"{t}{n}" for t in "ab" for n in range(60)} <= names


def test_every_kind_of_synced_row_reaches_the_feed(db: Database, ctx: Ctx) -> None:
    """Whoever writes: the ORM through the core, and plain SQL (a migration would)."""
    start = last(db)
    with db.write() as s:
        make_clinic(s, ctx)
        make_patients(s, ctx.clock.now(), (1,))
        s.execute(update(Patient).where(Patient.id == "p1").values(notes="by SQL"))
        s.execute(
            text(
                "INSERT INTO room (id, name, active, created_at, updated_at, version)"
                " VALUES ('r-sql', 'SQL room', 1, 0, 0, 1)"
            )
        )
    logged = {(c.entity, c.kind) for c in changefeed_after(db, start)}
    assert {("clinic", "insert"), ("clinic_setting", "insert"), ("patient", "insert")} <= logged
    assert ("patient", "update") in logged and ("room", "insert") in logged


def changefeed_after(db: Database, start: int) -> list[changefeed.Change]:
    with db.read() as s:
        return changefeed.after(s, start, limit=10_000)


def test_synced_models_are_the_tables_with_triggers() -> None:
    assert all(issubclass(m, Synced) for m in changefeed.synced_tables().values())
    assert "appointment" in changefeed.synced_tables()
    assert Appointment.__tablename__ == "appointment"


def _steps(db: Database, call: Callable[[Session], object]) -> int:
    """How many hundreds of SQLite VM steps ``call`` takes (its queries' real cost)."""
    ticks = [0]

    def tick() -> int:
        ticks[0] += 1
        return 0

    with db.read() as s:
        raw = s.connection().connection.driver_connection
        raw.set_progress_handler(tick, 100)
        try:
            call(s)
        finally:
            raw.set_progress_handler(None, 100)
    return ticks[0]


def test_an_undo_s_questions_to_the_feed_read_only_its_newest_part(db: Database) -> None:
    """The feed has no index by row (0021): an undo asks when the appointment last
    changed (just now) and whether a clashing one changed since; neither may read the
    whole feed, which a five-year clinic's is millions of rows."""
    old, moved = "0" * 36, "1" * 36
    with db.write() as s:
        fill = (
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000)"
            " INSERT INTO change_log (entity, row_id, version, kind, at)"
            " SELECT 'patient', printf('%036d', i + 9), 1, 'update', 0 FROM n"
        )
        add = (
            "INSERT INTO change_log (entity, row_id, version, kind, at)"
            " VALUES (:e, :r, 1, 'update', 0)"
        )
        s.execute(text(add), {"e": "appointment", "r": old})
        s.execute(text(fill))
        s.execute(text(add), {"e": "appointment", "r": moved})
    rows = ("appointment", "blocked_time")
    with db.read() as s:
        since = changefeed.last_change(s, rows, moved)
        assert since == changefeed.last_seq(s)
        assert changefeed.last_change(s, rows, old) < since
        assert not changefeed.changed_since(s, rows, old, since)
        assert changefeed.changed_since(s, rows, moved, since)
    assert _steps(db, lambda s: changefeed.last_change(s, rows, moved)) < 20
    assert _steps(db, lambda s: changefeed.changed_since(s, rows, old, since)) < 20
