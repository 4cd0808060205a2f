"""Two PCs' files, one clinic key: what one PC sends applies on the other with its own
stamps, is never echoed back, and edits made on both sides merge or are kept whole."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from factories import make_clinic, make_provider, make_service, weekdays
from handpulled import KEY, joined_pc
from sqlalchemy import select, text
from templates import Template

from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.journal import changefeed
from receptionist.models import Appointment, Patient, Provider, Service, SyncBase
from receptionist.ops import replica, retention
from receptionist.ops.patients import NewPatient, PatientRow, add, find
from receptionist.patients import record as patients
from receptionist.replica import bases
from receptionist.replica.apply import Pulled, merge3
from receptionist.replica.records import encode, values_of
from receptionist.replica.seal import Tampered
from receptionist.schedule import booking
from receptionist.store.storage import Database
from receptionist.store.vault import Created

MON_11 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def test_merge_takes_each_sides_own_changes_and_names_clashes() -> None:
    base = {"phone": "1", "notes": "", "email": None, "version": 1}
    mine = {"phone": "1", "notes": "Prefers mornings", "email": "a@x.tr", "version": 2}
    theirs = {"phone": "2", "notes": "", "email": "b@x.tr", "version": 2}
    merged, clashes = merge3(base, mine, theirs)
    assert merged["phone"] == "2" and merged["notes"] == "Prefers mornings"
    assert clashes == ["email"]
    same, none = merge3(base, {**base, "notes": "x"}, {**base, "notes": "x"})
    assert none == [] and same["notes"] == "x"


def test_a_documents_base_keeps_the_digest_of_its_bytes_and_merges_as_before() -> None:
    """The base keeps a document's bytes as their digest (issue #14): the merge reads
    the bytes unchanged on a side that holds the base's, and a base kept whole before
    0034 compares as the same."""
    raw, other = b"scan" * 100, b"other scan"
    sent, changed = base64.b64encode(raw).decode(), base64.b64encode(other).decode()
    kept = json.loads(bases.payload("patient_document", {"content": sent, "note": ""}))
    assert kept == {"content": f"sha256:{hashlib.sha256(raw).hexdigest()}:400", "note": ""}
    for base in (kept, {"content": sent, "note": ""}):  # kept now, or whole before 0034
        merged, clashes = merge3(
            base, {"content": sent, "note": "signed"}, {"content": changed, "note": ""},
            "patient_document",
        )  # fmt: skip
        assert clashes == [] and merged == {"content": changed, "note": "signed"}
        _, clashes = merge3(
            base, {"content": changed, "note": ""}, {"content": sent + "AAAA", "note": ""},
            "patient_document",
        )  # fmt: skip
        assert clashes == ["content"], "both sides' bytes changed, differently"


def admin(clock: FixedClock) -> Ctx:
    return Ctx(Actor(None, "admin", "ui"), clock)


@pytest.fixture
def pcs(
    tmp_path: Path, clock: FixedClock, pc_installs: dict[str, Template[Created]]
) -> Iterator[tuple[Database, Database]]:
    a = joined_pc(tmp_path / "a", clock, "A", pc_installs, first=True)
    with a.write() as s:
        ctx = admin(clock)
        make_clinic(s, ctx, hours=weekdays(("08:00", "18:00")))
        make_provider(s, ctx, "Dr Ayşe")
        make_service(s, ctx, "Check-up", 30)
        patients.create_patient(
            s, ctx, given_name="Zeynep", family_name="Kaya", phone="05321234567"
        )
    b = joined_pc(tmp_path / "b", clock, "B", pc_installs, first=False)
    yield a, b
    a.close()
    b.close()


def everything(db: Database) -> list[Pulled]:
    """Every row of ``db`` as records, as the endpoint would hand them on."""
    out = []
    with db.read() as s:
        for model in changefeed.synced_tables().values():
            for row in s.scalars(select(model)):
                out.append(Pulled(encode(row, "clinic-1", KEY), "device-A"))
    return out


def rows_of(db: Database) -> dict[str, list[dict[str, object]]]:
    with db.read() as s:
        return {
            entity: sorted((values_of(r) for r in s.scalars(select(m))), key=lambda v: str(v["id"]))
            for entity, m in changefeed.synced_tables().items()
        }


def test_a_joining_pc_gets_the_clinic_as_it_is_and_echoes_nothing(
    pcs: tuple[Database, Database], clock: FixedClock
) -> None:
    a, b = pcs
    applied = replica.apply_pull(b, admin(clock), everything(a), [], 42, last=True)
    assert applied.inserted > 5 and applied.clashes == []
    assert rows_of(b) == rows_of(a)
    assert [p.display_name for p in find(b, admin(clock), "zeynep")] == ["Zeynep Kaya"]
    assert replica.batch(b) == [], "rows from another PC are not this PC's changes"
    assert replica.cursor(b) == 42
    again = replica.apply_pull(b, admin(clock), everything(a), [], 43)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, applied.inserted)


def _patient(db: Database) -> str:
    with db.read() as s:
        found = s.scalar(select(Patient.id))
        assert found is not None
        return found


def _pulled(db: Database, patient_id: str) -> Pulled:
    with db.read() as s:
        row = s.get(Patient, patient_id)
        assert row is not None
        return Pulled(encode(row, "clinic-1", KEY), "device-A")


def test_edits_of_different_fields_merge_into_a_new_change(
    pcs: tuple[Database, Database], clock: FixedClock
) -> None:
    a, b = pcs
    replica.apply_pull(b, admin(clock), everything(a), [], 1)
    pid = _patient(a)
    with a.write() as s:
        patients.update_patient(s, admin(clock), pid, phone="05329998877")
    with b.write() as s:
        patients.update_patient(s, admin(clock), pid, notes="Prefers mornings")
    applied = replica.apply_pull(b, admin(clock), [_pulled(a, pid)], [], 2)
    assert applied.merged == 1 and applied.clashes == []
    with b.read() as s:
        row = s.get(Patient, pid)
        base = s.get(SyncBase, ("patient", pid))
        assert row is not None and base is not None
        assert (row.phone, row.notes) == ("+905329998877", "Prefers mornings")
        assert row.version == 3 and base.version == 2
    pushed = [c for c in replica.batch(b) if c.record.id == pid]
    assert [(c.base_version, c.record.version) for c in pushed] == [(2, 3)]


def test_a_clash_stays_mine_until_the_endpoint_holds_the_conflict(
    pcs: tuple[Database, Database], clock: FixedClock
) -> None:
    a, b = pcs
    replica.apply_pull(b, admin(clock), everything(a), [], 1)
    pid = _patient(a)
    with a.write() as s:
        patients.update_patient(s, admin(clock), pid, notes="Allergic to latex")
    with b.write() as s:
        patients.update_patient(s, admin(clock), pid, notes="Allergic to penicillin")
    applied = replica.apply_pull(b, admin(clock), [_pulled(a, pid)], [], 2)
    assert applied.clashes == [("patient", pid)]
    with b.read() as s:
        row, base = s.get(Patient, pid), s.get(SyncBase, ("patient", pid))
        assert row is not None and row.notes == "Allergic to penicillin"
        assert base is not None and base.version == 1, "the next push is refused as a conflict"


def test_a_tampered_record_applies_nothing_of_its_page(
    pcs: tuple[Database, Database], clock: FixedClock
) -> None:
    a, b = pcs
    page = everything(a)
    bad = page[-1]
    page[-1] = Pulled(type(bad.record)(**{**bad.record.__dict__, "version": 9}), "device-A")
    with pytest.raises(Tampered):
        replica.apply_pull(b, admin(clock), page, [], 5)
    assert all(not rows for rows in rows_of(b).values())
    assert replica.cursor(b) == 0


def test_a_booking_on_the_joined_pc_is_its_own_change_and_numbers_use_its_code(
    pcs: tuple[Database, Database], clock: FixedClock
) -> None:
    a, b = pcs
    replica.apply_pull(b, admin(clock), everything(a), [], 1)
    made = add(b, admin(clock), NewPatient("Omar", "Haddad"))
    assert isinstance(made, PatientRow) and made.number == "B-1"
    assert [(c.record.entity, c.record.id) for c in replica.batch(b)] == [("patient", made.id)]


def test_a_page_pulled_again_changes_nothing_this_pc_has_not_pushed(
    pcs: tuple[Database, Database], clock: FixedClock
) -> None:
    """A pull resumed from an older cursor brings records this PC has as its base
    already: its own unpushed edit stays as it is, not made into a new version."""
    a, b = pcs
    page = everything(a)
    replica.apply_pull(b, admin(clock), page, [], 1)
    pid = _patient(a)
    with b.write() as s:
        patients.update_patient(s, admin(clock), pid, notes="Prefers mornings")
        edited = s.get(Patient, pid)
        assert edited is not None
        version = edited.version
    again = replica.apply_pull(b, admin(clock), page, [], 1)
    assert again.merged == 0 and again.clashes == []
    with b.read() as s:
        row = s.get(Patient, pid)
        assert row is not None and (row.version, row.notes) == (version, "Prefers mornings")
    pushed = [c for c in replica.batch(b) if c.record.id == pid]
    assert [(c.base_version, c.record.version) for c in pushed] == [(1, version)]


def test_a_row_pointing_at_one_not_here_yet_waits_in_the_file_and_the_cursor_moves(
    pcs: tuple[Database, Database], clock: FixedClock
) -> None:
    """The waiting record is kept with the page's cursor: a pull cut short after this
    page resumes after it, and the next page takes the record up again."""
    a, b = pcs
    page = everything(a)
    patient = [p for p in page if p.record.entity == "patient"]
    rest = [p for p in page if p.record.entity != "patient"]
    pid = _patient(a)
    with a.write() as s:
        booked = booking.book(
            s, admin(clock), patient_id=pid, provider_id=s.scalars(select(Provider.id)).one(),
            service_id=s.scalars(select(Service.id)).one(), start=MON_11,
        )  # fmt: skip
        row = s.get(Appointment, booked.id)
        assert row is not None
        appointment = Pulled(encode(row, "clinic-1", KEY), "device-A")
    first = replica.apply_pull(b, admin(clock), [*rest, appointment], [], 7)
    assert [p.record.id for p in first.held] == [booked.id]
    assert replica.cursor(b) == 7, "past it: the record waits in the file"
    then = replica.apply_pull(b, admin(clock), patient, [], 9)
    assert then.held == [] and replica.cursor(b) == 9
    assert rows_of(b) == rows_of(a)


def test_a_pulled_tombstone_wins_over_this_pcs_own_deletion_and_edits(
    pcs: tuple[Database, Database], clock: FixedClock
) -> None:
    """Both PCs deleted the patient offline (the endpoint dropped the second tombstone):
    the endpoint's tombstone is applied as it is, so both PCs hold the same row."""
    a, b = pcs
    replica.apply_pull(b, admin(clock), everything(a), [], 1)
    pid = _patient(a)
    with a.write() as s:
        patients.delete_patient(s, admin(clock), pid)
    clock.advance(minutes=5)
    with b.write() as s:
        patients.delete_patient(s, admin(clock), pid)
    applied = replica.apply_pull(b, admin(clock), [_pulled(a, pid)], [], 2)
    assert applied.clashes == []
    with a.read() as s:
        theirs = values_of(s.get(Patient, pid))  # type: ignore[arg-type]
    with b.read() as s:
        assert values_of(s.get(Patient, pid)) == theirs  # type: ignore[arg-type]


def test_a_hold_placed_on_one_pc_keeps_the_patient_from_the_other_pcs_sweep(
    pcs: tuple[Database, Database], clock: FixedClock
) -> None:
    a, b = pcs
    replica.apply_pull(b, admin(clock), everything(a), [], 1)
    number = find(a, admin(clock), "zeynep")[0].number
    later = FixedClock(clock.now() + timedelta(days=3 * 365))  # Zeynep's time is over
    assert [p.number for p in retention.dry_run(b, admin(later), b.path.parent).patients] == [
        number
    ]
    retention.hold(a, admin(clock), number, "court case 12/2026")
    sent = [c for c in replica.batch(a) if c.record.entity == "patient_hold"]
    assert len(sent) == 1, "the hold is a change this PC sends"
    replica.apply_pull(b, admin(clock), everything(a), [], 2)
    assert retention.dry_run(b, admin(later), b.path.parent).patients == []
    assert retention.sweep(b, admin(later), b.path.parent).counts.get("patient", 0) == 0

    retention.unhold(a, admin(clock), number)  # lifted on A: a tombstone travels
    replica.apply_pull(b, admin(clock), everything(a), [], 3)
    swept = retention.sweep(b, admin(later), b.path.parent)
    assert swept.counts["patient"] == 1 and swept.counts["patient_hold"] == 1


def test_a_patient_swept_on_one_pc_leaves_no_freed_slot_naming_her_on_another(
    pcs: tuple[Database, Database], clock: FixedClock
) -> None:
    """Her appointment's purge, applied on B, frees its time there (the delete trigger,
    as for any deletion another PC made; A's sweep marks its own write, B's apply
    cannot); her own purge then takes those rows with her, as A's sweep does on A."""
    a, b = pcs
    pid = _patient(a)
    with a.write() as s:
        booking.book(
            s, admin(clock), patient_id=pid, provider_id=s.scalars(select(Provider.id)).one(),
            service_id=s.scalars(select(Service.id)).one(), start=MON_11,
        )  # fmt: skip
    replica.apply_pull(b, admin(clock), everything(a), [], 1)
    later = FixedClock(clock.now() + timedelta(days=3 * 365))
    swept = retention.sweep(a, admin(later), a.path.parent)
    assert swept.counts["patient"] == 1 and swept.counts["appointment"] == 1
    purges = [Pulled(c.record, "device-A") for c in replica.batch(a)]
    replica.apply_pull(b, admin(clock), purges, [], 2)
    naming = text("SELECT count(*) FROM freed_slot WHERE patient_id = :p")
    with b.read() as s:
        assert s.get(Patient, pid) is None and s.scalars(select(Appointment)).all() == []
        assert s.execute(naming, {"p": pid}).scalar_one() == 0
    with a.read() as s:
        assert s.execute(naming, {"p": pid}).scalar_one() == 0
