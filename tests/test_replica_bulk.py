"""Pulled rows this PC never held are written in bulk (a first download): each still
audited as created, logged with its writer as origin (never echoed back), and a
patient placed in the search index in alphabetical order among those already here,
even where the index has no room left between two of them: all at once, at the end
of the pull (receptionist/patients/bulkindex.py)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest
from factories import make_clinic, weekdays
from handpulled import joined_pc
from sqlalchemy import func, select, text
from templates import Template
from test_replica_apply import KEY, admin, everything, rows_of

from receptionist.clock import FixedClock
from receptionist.journal import audit, changefeed
from receptionist.models import ChangeEntry, Patient
from receptionist.ops import replica
from receptionist.ops.patients import find
from receptionist.patients import bulkindex, searchindex
from receptionist.patients import record as patients
from receptionist.replica.apply import Pulled
from receptionist.replica.records import encode
from receptionist.store.storage import Database
from receptionist.store.vault import Created

NAMES = [
    ("Zeynep", "Kaya"), ("Ali", "Çelik"), ("Omar", "Haddad"), ("Ayşe", "Yılmaz"),
    ("Mehmet", "Demir"), ("Elif", "Aydın"), ("Can", "Öztürk"), ("Leyla", "Haddad"),
]  # fmt: skip


@pytest.fixture
def pcs(
    tmp_path: Path, clock: FixedClock, pc_installs: dict[str, Template[Created]]
) -> Iterator[tuple[Database, Database]]:
    a = joined_pc(tmp_path / "a", clock, "A", pc_installs, first=True)
    b = joined_pc(tmp_path / "b", clock, "B", pc_installs, first=False)
    with a.write() as s:
        make_clinic(s, admin(clock), hours=weekdays(("08:00", "18:00")))
        for given, family in NAMES * 3:
            patients.create_patient(s, admin(clock), given_name=given, family_name=family)
    catalogue = [p for p in everything(a) if p.record.entity != "patient"]
    replica.apply_pull(b, admin(clock), catalogue, [], 1)
    with b.write() as s:  # B has patients of its own, all crammed together in the index
        for i, (given, family) in enumerate([("Deniz", "Arslan"), ("Selin", "Yurt")]):
            made = patients.create_patient(s, admin(clock), given_name=given, family_name=family)
            s.flush()
            s.execute(text("UPDATE patient_search SET rowid = :n WHERE rowid = :o"),
                      {"n": 10 + i, "o": made.search_rowid})  # fmt: skip
            made.search_rowid = 10 + i
    yield a, b
    a.close()
    b.close()


def _pages(records: list[Pulled], size: int) -> list[list[Pulled]]:
    return [records[at : at + size] for at in range(0, len(records), size)]


def test_a_download_in_pages_is_indexed_audited_and_not_echoed(
    pcs: tuple[Database, Database], clock: FixedClock
) -> None:
    a, b = pcs
    with b.read() as s:
        before = changefeed.last_seq(s)
    pulled = [p for p in everything(a) if p.record.entity == "patient"]
    pages = _pages(pulled, 7)
    for cursor, page in enumerate(pages, start=2):
        replica.apply_pull(b, admin(clock), page, [], cursor, last=cursor == len(pages) + 1)
    with b.read() as s:
        keys = list(s.scalars(select(Patient.sort_key).order_by(Patient.search_rowid)))
        indexed = s.scalar(text("SELECT count(*) FROM patient_search"))
        origins = set(s.scalars(select(ChangeEntry.origin).where(ChangeEntry.seq > before)))
        verified = audit.verify(s)
    assert len(keys) == len(NAMES) * 3 + 2 and keys == sorted(keys)
    assert indexed == len(keys)
    assert [p.display_name for p in find(b, admin(clock), "haddad")].count("Omar Haddad") == 3
    assert origins == {"device-A"}, "pulled rows are logged as the writer's, not this PC's"
    assert len(replica.batch(b)) == 2, "only B's own two patients are B's changes"
    assert verified.ok, verified.problem  # every pulled row has its creation event
    a_rows, b_rows = rows_of(a), rows_of(b)
    assert b_rows["clinic"] == a_rows["clinic"]
    assert len(b_rows["patient"]) == len(a_rows["patient"]) + 2


def test_a_record_that_does_not_open_writes_nothing_of_its_page(
    pcs: tuple[Database, Database], clock: FixedClock
) -> None:
    a, b = pcs
    page = [p for p in everything(a) if p.record.entity == "patient"]
    bad = page[-1].record
    page[-1] = Pulled(encode_other(a, bad.id), "device-A")
    with pytest.raises(Exception, match="does not open"):
        replica.apply_pull(b, admin(clock), page, [], 1)
    with b.read() as s:
        assert s.scalar(select(Patient.id).where(Patient.family_name == "Kaya")) is None
        assert replica.cursor(b) == 1


def encode_other(db: Database, row_id: str) -> object:
    """A record of another row, relabelled as ``row_id``'s: its seal does not open."""
    with db.read() as s:
        other = s.scalars(select(Patient).where(Patient.id != row_id)).first()
        assert other is not None
        record = encode(other, "clinic-1", KEY)
    return type(record)(record.entity, row_id, record.version, record.deleted, record.key_gen,
                        record.clear, record.sealed)  # fmt: skip


@pytest.fixture
def one_name(
    tmp_path: Path, clock: FixedClock, pc_installs: dict[str, Template[Created]]
) -> Iterator[tuple[Database, Database]]:
    """A: one "Zeynep Zorlu" and 150 "Ayşe Yılmaz" (who sort before her); B: the
    clinic's catalogue, no patient."""
    a = joined_pc(tmp_path / "a", clock, "A", pc_installs, first=True)
    b = joined_pc(tmp_path / "b", clock, "B", pc_installs, first=False)
    with a.write() as s:
        make_clinic(s, admin(clock), hours=weekdays(("08:00", "18:00")))
        patients.create_patient(s, admin(clock), given_name="Zeynep", family_name="Zorlu")
        for _ in range(150):
            patients.create_patient(s, admin(clock), given_name="Ayşe", family_name="Yılmaz")
    replica.apply_pull(b, admin(clock), [p for p in everything(a) if p.record.entity != "patient"],
                       [], 1, last=True)  # fmt: skip
    yield a, b
    a.close()
    b.close()


def _one_name_pages(a: Database) -> list[list[Pulled]]:
    """Zorlu first, then the Yılmaz patients 10 a page: each page's fall in the gap
    between the last Yılmaz and Zorlu, the way one name's patients do all along a
    large clinic's download."""
    pulled = [p for p in everything(a) if p.record.entity == "patient"]
    with a.read() as s:
        zorlu = s.scalar(select(Patient.id).where(Patient.family_name == "Zorlu"))
    first = [p for p in pulled if p.record.id == zorlu]
    return [first, *_pages([p for p in pulled if p.record.id != zorlu], 10)]


@pytest.mark.parametrize("few", [500, 0], ids=["neighbours-asked", "all-read"])
def test_a_long_download_of_one_name_is_placed_once_with_room_to_spare(
    one_name: tuple[Database, Database], clock: FixedClock, monkeypatch: pytest.MonkeyPatch,
    few: int,
) -> None:  # fmt: skip
    monkeypatch.setattr(bulkindex, "_FEW", few)
    a, b = one_name
    pages = _one_name_pages(a)
    for cursor, page in enumerate(pages, start=2):
        replica.apply_pull(b, admin(clock), page, [], cursor)
    with b.read() as s:  # a pull cut short: written, not yet placed
        assert s.scalar(text("SELECT count(*) FROM patient_search")) == 0
        assert s.scalar(select(func.count()).where(Patient.search_rowid >= 0)) == 0
    replica.apply_pull(b, admin(clock), [], [], len(pages) + 2, last=True)  # the next round
    with b.read() as s:
        placed = s.execute(select(Patient.sort_key, Patient.search_rowid)
                           .order_by(Patient.search_rowid)).all()  # fmt: skip
        indexed = s.scalar(text("SELECT count(*) FROM patient_search"))
    keys, rowids = [k for k, _ in placed], [r for _, r in placed]
    assert len(placed) == 151 == indexed and keys == sorted(keys) and rowids[0] > 0
    # Placed one page at a time, each page halved the gap before Zorlu until the
    # patients had to be re-spaced one by one; placed once, they keep the full gap.
    assert min(high - low for low, high in pairwise(rowids)) >= searchindex.GAP
    assert len(find(b, admin(clock), "yılmaz", limit=200)) == 150


def test_many_patients_with_no_room_left_renumber_the_index(
    pcs: tuple[Database, Database], clock: FixedClock
) -> None:
    a, b = pcs  # B's two patients sit at rowids 10 and 11: A's all fall between them
    with a.write() as s:
        for _ in range(bulkindex._CRAMMED):
            patients.create_patient(s, admin(clock), given_name="Ayşe", family_name="Yılmaz")
    pulled = [p for p in everything(a) if p.record.entity == "patient"]
    replica.apply_pull(b, admin(clock), pulled, [], 2, last=True)
    with b.read() as s:
        keys = list(s.scalars(select(Patient.sort_key).order_by(Patient.search_rowid)))
        rowids = list(s.scalars(select(Patient.search_rowid).order_by(Patient.search_rowid)))
        indexed = s.scalar(text("SELECT count(*) FROM patient_search"))
    assert keys == sorted(keys) and indexed == len(keys) == len(pulled) + 2
    assert rowids[0] == searchindex.FIRST_ROWID, "renumbered from the start"
    assert len(find(b, admin(clock), "arslan")) == 1
