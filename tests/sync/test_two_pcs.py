"""Two PCs, each with its own encrypted file, syncing through a real endpoint (SQLite and
PostgreSQL): the first uploads the clinic, the second joins with an invitation and gets
it, edits on both sides reach the other, and a clash made offline reaches both as a
conflict; all replicas end equal."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from serverkit import Endpoint
from sqlalchemy import select

from receptionist.clock import FixedClock
from receptionist.context import SYSTEM, Actor, Ctx
from receptionist.journal import audit, changefeed
from receptionist.models import Appointment, Patient, Provider, Service, SyncConflict
from receptionist.ops import replica
from receptionist.ops.patients import NewPatient, add, find, lift_restriction, restrict
from receptionist.ops.setup import ClinicSpec, initialise
from receptionist.patients import record as patients
from receptionist.privacy.restriction import restricted_ids
from receptionist.replica.records import values_of
from receptionist.schedule import booking, catalog
from receptionist.store.storage import Database
from receptionist.store.vault import create, open_clinic
from sync import cloud
from sync.server.commands import NewClinic

TUE_10 = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)  # 10:00 in Istanbul


@dataclass
class Pc:
    db: Database
    ctx: Ctx


def admin(clock: FixedClock) -> Ctx:
    return Ctx(Actor(None, "admin", "ui"), clock)


@pytest.fixture
def pc_a(tmp_path: Path, clock: FixedClock) -> Iterator[Pc]:
    spec = ClinicSpec("Moda Dental", "Europe/Istanbul", "TR", "boss", "admin-password-1")
    initialise(tmp_path / "a", spec, clock, passphrase="a long enough passphrase")
    db = open_clinic(tmp_path / "a", env={"RECEPTIONIST_PASSPHRASE": "a long enough passphrase"})
    ctx = admin(clock)
    with db.write() as s:
        doctor = catalog.create_provider(s, ctx, name="Dr Aydın")
        catalog.create_service(s, ctx, name="Check-up", duration_minutes=30)
        assert doctor.id
    add(db, ctx, NewPatient("Ayşe", "Yılmaz", "05321234567"))
    add(db, ctx, NewPatient("Omar", "Haddad"))
    yield Pc(db, ctx)
    db.close()


@pytest.fixture
def pc_b(tmp_path: Path, clock: FixedClock) -> Iterator[Pc]:
    create(tmp_path / "b", passphrase="another long passphrase")
    db = open_clinic(tmp_path / "b", env={"RECEPTIONIST_PASSPHRASE": "another long passphrase"})
    yield Pc(db, Ctx(SYSTEM, clock))
    db.close()


@pytest.fixture
def joined(endpoint: Endpoint, new_clinic: NewClinic, pc_a: Pc, pc_b: Pc) -> tuple[Pc, Pc]:
    cloud.connect(pc_a.db, pc_a.ctx, endpoint.url, new_clinic.code, "FRONT-1")
    first = cloud.sync_once(pc_a.db, pc_a.ctx.clock)
    assert first.uploaded > 10 and first.pushed == 0
    invitation = cloud.invite(pc_a.db, pc_a.ctx)
    cloud.join(pc_b.db, pc_b.ctx, endpoint.url, invitation.code, "FRONT-2")
    got = cloud.sync_once(pc_b.db, pc_b.ctx.clock)
    assert got.pulled >= first.uploaded
    return pc_a, pc_b


def replica_of(db: Database) -> dict[str, list[dict[str, object]]]:
    with db.read() as s:
        return {
            entity: sorted((values_of(r) for r in s.scalars(select(m))), key=lambda v: str(v["id"]))
            for entity, m in changefeed.synced_tables().items()
        }


def settle(*pcs: Pc) -> None:
    """Sync every PC until nothing moves (at most three times round)."""
    for _ in range(3):
        for pc in pcs:
            cloud.sync_once(pc.db, pc.ctx.clock)


def test_the_second_pc_gets_the_clinic_and_both_end_equal(joined: tuple[Pc, Pc]) -> None:
    a, b = joined
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
