"""Two PCs, each with its own encrypted file, syncing through a real endpoint (SQLite and
PostgreSQL): the first uploads the clinic, the second joins with an invitation and gets
it, edits on both sides reach the other, and a clash made offline reaches both as a
conflict; all replicas end equal."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pairkit import Pc, admin, join_pair, make_pc_a, make_pc_b, owed
from serverkit import Endpoint
from sqlalchemy import event, select
from templates import MemoryKeyring

from receptionist.clock import FixedClock
from receptionist.journal import audit, changefeed
from receptionist.models import Appointment, Patient, Provider, Service, SyncConflict
from receptionist.ops import replica
from receptionist.ops.patients import NewPatient, add, find, lift_restriction, restrict
from receptionist.patients import record as patients
from receptionist.privacy.restriction import restricted_ids
from receptionist.replica.records import values_of
from receptionist.schedule import booking, catalog
from receptionist.settings import secretstore, tokenbook
from receptionist.store.storage import Database
from sync import cloud
from sync.server.commands import NewClinic

TUE_10 = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)  # 10:00 in Istanbul


@pytest.fixture
def pc_a(tmp_path: Path, clock: FixedClock) -> Iterator[Pc]:
    pc = make_pc_a(tmp_path / "a", clock)
    yield pc
    pc.db.close()


@pytest.fixture
def pc_b(tmp_path: Path, clock: FixedClock) -> Iterator[Pc]:
    pc = make_pc_b(tmp_path / "b", clock)
    yield pc
    pc.db.close()


@pytest.fixture
def joined_here(endpoint: Endpoint, new_clinic: NewClinic, pc_a: Pc, pc_b: Pc) -> tuple[Pc, Pc]:
    """The pair the other tests take as ``joined`` (copied from one made once a session,
    tests/sync/pairkit.py), made here by the product's connect, upload, join and
    download, for the test of that."""
    join_pair(endpoint.url, new_clinic.code, pc_a, pc_b)
    return pc_a, pc_b


def replica_of(db: Database) -> dict[str, list[dict[str, object]]]:
    with db.read() as s:
        return {
            entity: sorted((values_of(r) for r in s.scalars(select(m))), key=lambda v: str(v["id"]))
            for entity, m in changefeed.synced_tables().items()
        }


def settle(*pcs: Pc) -> None:
    """Sync every PC until each holds what every other sent (at most three times
    round; pairkit.owed)."""
    for _ in range(3):
        rounds = [cloud.sync_once(pc.db, pc.ctx.clock) for pc in pcs]  # every PC's
        if not owed(rounds):
            return


def test_the_second_pc_gets_the_clinic_and_both_end_equal(
    joined_here: tuple[Pc, Pc], tmp_path: Path, config_folder: Path, memory_keyring: MemoryKeyring
) -> None:
    a, b = joined_here
    assert_book(tmp_path, config_folder, memory_keyring)  # the connect's and the join's
    assert replica_of(b.db) == replica_of(a.db)
    for pc in (a, b):  # rows from the endpoint are audited as created, from "sync"
        with pc.db.read() as s:
            result = audit.verify(s)
            assert result.ok, result.message
    assert [p.display_name for p in find(b.db, admin(b.ctx.clock), "ayse")] == ["Ayşe Yılmaz"]
    assert replica.status(b.db).waiting == 0, "nothing pulled is pushed back"
    made = add(b.db, admin(b.ctx.clock), NewPatient("Layla", "Haddad"))
    assert made.number.startswith("B-")  # type: ignore[union-attr]


def _patient(pc: Pc, name: str) -> str:
    found = find(pc.db, admin(pc.ctx.clock), name)
    assert len(found) == 1
    return found[0].id


def assert_book(tmp_path: Path, config_folder: Path, keychain: MemoryKeyring) -> None:
    """The device token book (settings.tokenbook) in this test's config folder names
    folders ``a`` and ``b``, each with the name its token has in the keychain."""
    book = json.loads((config_folder / tokenbook.FILE_NAME).read_text("utf-8"))
    assert set(book["written"]) == set(book["in_use"].values())
    assert sorted(book["in_use"]) == [str((tmp_path / name).resolve()) for name in "ab"]
    for name in book["in_use"].values():
        assert keychain.get_password(secretstore.SERVICE, name)


def test_a_copied_pair_writes_its_device_tokens_in_the_tests_book(
    joined: tuple[Pc, Pc], tmp_path: Path, config_folder: Path, memory_keyring: MemoryKeyring
) -> None:
    """A copied pair leaves in this test's token book what the product's connect and
    join write there (test_the_second_pc_gets_the_clinic_and_both_end_equal). A client
    of the endpoint (made for every round and every lease check) reads the PC's sync
    state and token and nothing more: not the conflicts, the waiting changes or the
    notary's keys a whole status counts."""
    assert_book(tmp_path, config_folder, memory_keyring)
    a, _ = joined
    read: list[str] = []

    def seen(*args: object) -> None:
        read.append(str(args[2]))

    event.listen(a.db.engine, "before_cursor_execute", seen)
    with cloud.client_for(a.db) as client:
        event.remove(a.db.engine, "before_cursor_execute", seen)
        assert client.http.headers["Authorization"] == f"Bearer {replica.token(a.db)}"
        assert client.url == replica.status(a.db).server_url
    assert read and not [
        sql for sql in read if re.search(r"sync_conflict|change_log|audit_event", sql)
    ]


def test_edits_on_both_pcs_reach_the_other(joined: tuple[Pc, Pc]) -> None:
    a, b = joined
    ayse = _patient(a, "ayse")
    with a.db.write() as s:
        patients.update_patient(s, a.ctx, ayse, phone="05329998877")
    with b.db.write() as s:
        patients.update_patient(s, admin(b.ctx.clock), ayse, notes="Prefers mornings")
    settle(a, b)
    for pc in (a, b):
        with pc.db.read() as s:
            row = s.get(Patient, ayse)
            assert row is not None and (row.phone, row.notes) == (
                "+905329998877",
                "Prefers mornings",
            )
    assert replica_of(a.db) == replica_of(b.db)


def test_a_double_booking_made_offline_reaches_both_pcs_as_a_conflict(
    joined: tuple[Pc, Pc],
) -> None:
    a, b = joined
    ayse, omar = _patient(a, "ayse"), _patient(a, "omar")
    with a.db.read() as s:
        doctor = catalog.find(s, Provider, "Aydın").id
        service = catalog.find(s, Service, "Check-up").id
    for pc, patient in ((a, ayse), (b, omar)):  # both offline: neither sees the other
        with pc.db.write() as s:
            booking.book(
                s, admin(pc.ctx.clock), patient_id=patient, provider_id=doctor,
                service_id=service, start=TUE_10,
            )  # fmt: skip
    settle(a, b)
    for pc in (a, b):
        with pc.db.read() as s:
            booked = s.scalars(select(Appointment).where(Appointment.start_utc == TUE_10)).all()
            assert {x.patient_id for x in booked} == {ayse, omar}, "both bookings on every PC"
            open_ = s.scalars(select(SyncConflict).where(SyncConflict.resolved_at.is_(None))).all()
            assert [c.kind for c in open_] == ["overlap"]
    assert replica_of(a.db) == replica_of(b.db)


def test_a_restriction_marked_on_one_pc_holds_on_the_other(joined: tuple[Pc, Pc]) -> None:
    """The restriction of processing travels sealed with the patient (issue #14): the
    reminder station on the other PC honours it, and lifting it travels too."""
    a, b = joined
    ayse = _patient(a, "ayse")
    restrict(a.db, admin(a.ctx.clock), ayse, "disputes her address")
    settle(a, b)
    with b.db.read() as s:
        row = s.get(Patient, ayse)
        assert row is not None and row.restricted_at is not None
        assert row.restriction_reason == "disputes her address"
        assert restricted_ids(s) == {ayse}
    lift_restriction(b.db, admin(b.ctx.clock), ayse)
    settle(a, b)
    with a.db.read() as s:
        row = s.get(Patient, ayse)
        assert row is not None and (row.restricted_at, row.restriction_reason) == (None, "")
    assert replica_of(a.db) == replica_of(b.db)
