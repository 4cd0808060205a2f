"""A first download's fast paths leave the file as the ordinary ones would: bookings
written in bulk carry the same local copies (patient label, card kind) as the
trigger gives a booking made here, and the schema ends as it began
(receptionist/replica/bulkcards.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from factories import make_clinic, weekdays
from handpulled import joined_pc
from templates import Template
from test_replica_apply import admin, everything

from receptionist.clock import FixedClock
from receptionist.demo.generate import Sizes, generate
from receptionist.ops import replica
from receptionist.replica import bulkcards, deferred
from receptionist.store.storage import Database
from receptionist.store.vault import Created

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
SIZES = Sizes(providers=3, rooms=2, patients=25, appointments=150, days_back=10,
              days_ahead=10, open_weekends=True, longest_service=60)  # fmt: skip
COPIES = (
    "SELECT a.id, a.patient_label, k.provider_id, k.room_id, k.service_id, k.status"
    " FROM appointment AS a JOIN card_kind AS k ON k.no = a.card_kind"
)


@pytest.fixture
def pcs(
    tmp_path: Path, clock: FixedClock, pc_installs: dict[str, Template[Created]]
) -> Iterator[tuple[Database, Database]]:
    a = joined_pc(tmp_path / "a", clock, "A", pc_installs, first=True)
    b = joined_pc(tmp_path / "b", clock, "B", pc_installs, first=False)
    with a.write() as s:
        make_clinic(s, admin(clock), hours=weekdays(("08:00", "18:00")))
        generate(s.connection(), SIZES, NOW)
    yield a, b
    a.close()
    b.close()


def schema(db: Database) -> list[tuple[str, str, str]]:
    with db.raw() as conn:
        return sorted(conn.execute("SELECT type, name, sql FROM sqlite_master"))


def copies(db: Database) -> dict[str, tuple[str, ...]]:
    with db.raw() as conn:
        return {row[0]: tuple(row[1:]) for row in conn.execute(COPIES)}


def download(a: Database, b: Database, clock: FixedClock, page: int = 60) -> None:
    pulled = everything(a)
    pages = [pulled[at : at + page] for at in range(0, len(pulled), page)]
    for cursor, records in enumerate(pages, start=1):
        replica.apply_pull(b, admin(clock), records, [], cursor, last=cursor == len(pages))


def test_bulk_bookings_carry_the_copies_the_trigger_gives(
    pcs: tuple[Database, Database], clock: FixedClock
) -> None:
    a, b = pcs
    before = schema(b)
    download(a, b, clock)
    theirs, mine = copies(a), copies(b)  # A's bookings got theirs from the trigger
    assert len(mine) == SIZES.appointments
    assert mine == theirs
    assert all(label for label, *_ in mine.values())
    assert len({tuple(kind) for _, *kind in mine.values()}) > 1
    assert schema(b) == before, "the trigger is back, as it was"


def test_a_booking_made_after_a_bulk_download_still_gets_its_copies(
    pcs: tuple[Database, Database], clock: FixedClock
) -> None:
    a, b = pcs
    download(a, b, clock)
    with b.raw() as conn:
        columns = [c[1] for c in conn.execute("PRAGMA table_info(appointment)")]
        kept = ", ".join(c for c in columns if c not in ("id", "patient_label", "card_kind"))
        conn.execute(
            f"INSERT INTO appointment (id, {kept}) SELECT 'copy', {kept} FROM appointment LIMIT 1"
        )
        label, kind = conn.execute(
            "SELECT patient_label, card_kind FROM appointment WHERE id = 'copy'"
        ).fetchone()
    assert label and kind > 0


def test_a_failed_bulk_insert_leaves_the_trigger(pcs: tuple[Database, Database]) -> None:
    _, b = pcs
    names = ("id", "patient_id", "provider_id", "room_id", "service_id", "status")
    rows = [("x", "p", "d", None, "s", "booked")]  # misses NOT NULL columns: refused
    with pytest.raises(Exception, match="NOT NULL"), b.write() as s:
        raw = s.connection().connection.driver_connection
        bulkcards.insert(raw, names, rows)
    assert bulkcards.TRIGGER in {name for _, name, _ in schema(b)}


def test_a_first_download_builds_its_big_tables_indexes_at_its_end(
    pcs: tuple[Database, Database], clock: FixedClock
) -> None:
    a, b = pcs
    before = schema(b)
    pulled = sorted(everything(a), key=lambda p: p.record.entity != "patient")
    replica.apply_pull(b, admin(clock), pulled[:40], [], 1)
    with b.raw() as conn:
        left = {str(ix.name) for ix in deferred.missing(conn)}
    assert left >= {str(ix.name) for ix in deferred.secondary("patient")}
    replica.apply_pull(b, admin(clock), pulled[40:], [], 2, last=True)
    assert schema(b) == before
    assert copies(b) == copies(a)
