"""The patient operations, called as any front end calls them, with no Qt: show (the
audited opening), update, consent, history and delete. Each owns its transaction, a
refusal writes nothing, and what comes back is plain data."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from factories import actor_ctx, make_clinic, make_provider, make_room, make_service, weekdays
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.errors import NotFound, PermissionDenied, UserError, ValidationError
from receptionist.models import (
    Appointment,
    AuditEvent,
    Patient,
    PatientDocument,
    SyncConflict,
)
from receptionist.ops import patients, retention
from receptionist.ops.patients import Duplicates, NewPatient, PatientRecord, Visit
from receptionist.patients import documents
from receptionist.retention import records as destruction
from receptionist.schedule import booking
from receptionist.store.storage import Database

AT_10 = datetime(2026, 3, 3, 7, 0, tzinfo=UTC)  # Tuesday 10:00 in Istanbul


@pytest.fixture
def clinic(db: Database, ctx: Ctx) -> dict[str, str]:
    with db.write() as s:
        make_clinic(s, ctx)
        aksoy = make_provider(s, ctx, "Dr. Elif Aksoy", weekdays(("09:00", "17:00")))
        checkup = make_service(s, ctx, "Check-up", 30)
        room = make_room(s, ctx, "Room 1")
        ids = {"provider": aksoy.id, "service": checkup.id, "room": room.id}
    new = NewPatient("Ayşe", "Yılmaz", "0532 123 45 67", fields={"email": "a@example.com"})
    added = patients.add(db, ctx, new)
    assert not isinstance(added, Duplicates)
    return {**ids, "patient": added.id}


def events(db: Database, action: str | None = None) -> list[tuple[str, str, str | None]]:
    with db.read() as s:
        query = select(AuditEvent.action, AuditEvent.entity_type, AuditEvent.entity_id)
        if action is not None:
            query = query.where(AuditEvent.action == action)
        return [tuple(row) for row in s.execute(query.order_by(AuditEvent.seq))]  # type: ignore[misc]


def stored(db: Database, patient_id: str) -> Patient:
    with db.read() as s:
        row = s.get(Patient, patient_id)
        assert row is not None
        s.expunge(row)
        return row


def book(db: Database, ctx: Ctx, ids: dict[str, str], start: datetime, room: bool = False) -> str:
    with db.write() as s:
        appt = booking.book(
            s,
            ctx,
            patient_id=ids["patient"],
            provider_id=ids["provider"],
            service_id=ids["service"],
            start=start,
            room_id=ids["room"] if room else None,
        )
        return appt.id


def test_show_is_an_audited_opening_that_returns_plain_data(
    db: Database, ctx: Ctx, clinic: dict[str, str]
) -> None:
    pid = clinic["patient"]
    before = events(db, "open")
    shown = patients.show(db, ctx, pid)
    assert events(db, "open") == [*before, ("open", "patient", pid)]
    assert isinstance(shown, PatientRecord) and dataclasses.is_dataclass(shown)
    assert (shown.number, shown.display_name) == ("A-1", "Ayşe Yılmaz")
    assert shown.fields["phone"] == "+905321234567" and shown.fields["email"] == "a@example.com"
    assert tuple(shown.fields) == patients.FIELDS
    assert shown.consents == dict.fromkeys(patients.CONSENT_PURPOSES, False)
    assert shown.consent_dates == {} and shown.visits == ()
    assert shown.timezone == "Europe/Istanbul"
    with pytest.raises(NotFound):
        patients.show(db, ctx, "no-such-id")


def test_the_history_lists_every_status_with_names_oldest_first(
    db: Database, ctx: Ctx, clinic: dict[str, str]
) -> None:
    first = book(db, ctx, clinic, AT_10, room=True)
    second = book(db, ctx, clinic, AT_10 + timedelta(days=1))
    with db.write() as s:
        booking.cancel(s, ctx, second, "Patient called")
    visits = patients.history(db, ctx, clinic["patient"])
    assert visits == (
        Visit(first, AT_10, AT_10 + timedelta(minutes=30), "Check-up", "Dr. Elif Aksoy",
              "booked", "Room 1", None),
        Visit(second, AT_10 + timedelta(days=1), AT_10 + timedelta(days=1, minutes=30),
              "Check-up", "Dr. Elif Aksoy", "cancelled", "", None),
    )  # fmt: skip
    later = patients.history(db, ctx, clinic["patient"], since=AT_10 + timedelta(hours=1))
    assert [v.id for v in later] == [second]
    assert patients.show(db, ctx, clinic["patient"]).visits == visits


def test_update_saves_the_changes_and_the_consents_in_one_go(
    db: Database, ctx: Ctx, clinic: dict[str, str]
) -> None:
    pid = clinic["patient"]
    saved = patients.update(
        db,
        ctx,
        pid,
        {"phone": "0533 765 43 21", "email": "", "birth_date": "1990-05-17"},
        consents={"optional_data": True, "reminder_sms": True},
    )
    assert isinstance(saved, PatientRecord)
    assert saved.fields["phone"] == "+905337654321" and saved.fields["email"] is None
    assert saved.fields["birth_date"] == date(1990, 5, 17)
    assert saved.consents["optional_data"] and saved.consents["reminder_sms"]
    assert stored(db, pid).phone == "+905337654321"
    assert ("update", "patient", pid) in events(db, "update")
    assert [row.number for row in patients.find(db, ctx, "0533 765")] == ["A-1"]


def test_a_refused_update_writes_nothing(db: Database, ctx: Ctx, clinic: dict[str, str]) -> None:
    pid = clinic["patient"]
    before, version = events(db), stored(db, pid).version
    with pytest.raises(ValidationError) as caught:
        patients.update(db, ctx, pid, {"phone": "12", "email": "b@example.com"},
                        consents={"marketing": True})  # fmt: skip
    assert caught.value.field == "phone"
    with pytest.raises(ValidationError) as caught:  # optional data needs its consent
        patients.update(db, ctx, pid, {"gender": "female"}, consents={"marketing": True})
    assert caught.value.field == "gender"
    with pytest.raises(PermissionDenied):
        patients.update(db, actor_ctx("provider", ctx.clock), pid, {"notes": "x"})
    assert events(db) == before and stored(db, pid).version == version
    assert stored(db, pid).email == "a@example.com"
    assert not patients.show(db, ctx, pid).consents["marketing"]


def test_an_update_that_makes_a_likely_duplicate_comes_back_unsaved(
    db: Database, ctx: Ctx, clinic: dict[str, str]
) -> None:
    other = patients.add(db, ctx, NewPatient("Ali", "Kaya", "0505 111 22 33"))
    assert not isinstance(other, Duplicates)
    before = events(db)
    dup = patients.update(db, ctx, other.id, {"given_name": "Ayşe", "family_name": "Yılmaz",
                                              "phone": "0532 123 45 67"})  # fmt: skip
    assert isinstance(dup, Duplicates)
    assert [row.number for row in dup.matches] == ["A-1"] and "patient" in dup.message.lower()
    assert events(db) == before and stored(db, other.id).given_name == "Ali"
    saved = patients.update(db, ctx, other.id, {"given_name": "Ayşe", "family_name": "Yılmaz",
                                                "phone": "0532 123 45 67"},
                            allow_duplicate=True)  # fmt: skip
    assert isinstance(saved, PatientRecord) and saved.display_name == "Ayşe Yılmaz"


def test_add_record_gives_back_the_record_as_saved(db: Database, ctx: Ctx, clinic: dict) -> None:
    new = NewPatient("Can", "Öz", "0505 111 22 33", consents={"reminder_email": True})
    added = patients.add_record(db, ctx, new)
    assert isinstance(added, PatientRecord) and added.number == "A-2"
    assert added.consents["reminder_email"] and added.visits == ()
    again = patients.add_record(db, ctx, new)
    assert isinstance(again, Duplicates) and [r.number for r in again.matches] == ["A-2"]


def test_withdrawing_optional_data_erases_it(
    db: Database, ctx: Ctx, clock: FixedClock, clinic: dict[str, str]
) -> None:
    pid = clinic["patient"]
    given = patients.consent(db, ctx, pid, "optional_data", True)
    assert given.consents["optional_data"] and given.consent_dates["optional_data"] == clock.now()
    patients.update(db, ctx, pid, {"gender": "female", "birth_date": "1990-05-17"})
    clock.advance(minutes=5)
    withdrawn = patients.consent(db, ctx, pid, "optional_data", False)
    assert not withdrawn.consents["optional_data"]
    assert withdrawn.fields["gender"] is None and withdrawn.fields["birth_date"] is None
    assert withdrawn.consent_dates["optional_data"] == clock.now()
    with pytest.raises(ValidationError):
        patients.consent(db, ctx, pid, "pigeon_post", True)


def test_delete_takes_the_patient_out_of_search_and_wipes_their_documents(
    db: Database, ctx: Ctx, clinic: dict[str, str]
) -> None:
    pid = clinic["patient"]
    with db.write() as s:
        documents.attach(s, ctx, pid, "referral.pdf", b"%PDF-1.7 secret")
    with pytest.raises(PermissionDenied):
        patients.delete(db, actor_ctx("provider", ctx.clock), pid)
    assert patients.find(db, ctx, "ayse") != []
    patients.delete(db, ctx, pid)
    assert patients.find(db, ctx, "ayse") == []
    assert stored(db, pid).deleted_at is not None
    with db.read() as s:
        doc = s.scalars(select(PatientDocument)).one()
        assert (doc.content, doc.file_name, doc.deleted_at is not None) == (b"", "", True)
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "delete", AuditEvent.entity_id == pid)) == 1  # fmt: skip
    with pytest.raises(NotFound):
        patients.show(db, ctx, pid)


def _conflict(s: Session, cid: str, kind: str, row_id: str, bookings: list[str]) -> None:
    records = json.dumps([{"id": b, "device": "another-pc"} for b in bookings])
    s.add(SyncConflict(id=cid, kind=kind, entity="appointment", row_id=row_id,
                       records=records, created_at=AT_10))  # fmt: skip


def test_an_erasure_is_a_managers_stops_at_a_hold_and_closes_her_booking_conflicts(
    db: Database, ctx: Ctx, clinic: dict[str, str]
) -> None:
    """Issue #14: erasure needs ``patient.erase`` (a receptionist may not); a patient
    on legal or medical hold is refused with the hold's reason, nothing written; the
    plan counts what goes, the erasure removes it, writes its destruction records (no
    patient data) and closes the conflicts on her bookings: an edit of one, a double
    booking of hers and one other's, and one of hers and two others' when hers is the
    booking the endpoint refused (it took the others: they cannot clash); one of hers
    and two others', one of which the endpoint refused, stays open for a person, her
    sealed record dropped from it."""
    pid = clinic["patient"]
    hers = book(db, ctx, clinic, AT_10)
    omar = patients.add(db, ctx, NewPatient("Omar", "Haddad"))
    assert not isinstance(omar, Duplicates)
    his = [
        book(db, ctx, {**clinic, "patient": omar.id}, AT_10 + timedelta(hours=h)) for h in (1, 2)
    ]
    with db.write() as s:
        documents.attach(s, ctx, pid, "referral.pdf", b"%PDF-1.7 secret")
        booked = s.get(Appointment, hers)
        assert booked is not None
        booked.notes, booked.override_reason = "knee pain since the fall", "her cousin's slot"
        _conflict(s, "edit", "edit", hers, [hers, hers])
        _conflict(s, "pair", "overlap", his[0], [his[0], hers])
        _conflict(s, "three", "overlap", his[0], [his[0], hers, his[1]])
        _conflict(s, "refused", "overlap", hers, [hers, his[0], his[1]])
    desk = actor_ctx("receptionist", ctx.clock)
    for call in (patients.erasure_plan, patients.delete):
        with pytest.raises(PermissionDenied, match="may not erase"):
            call(db, desk, pid)
    retention.hold(db, ctx, pid, "court case 2026/114")
    plan = patients.erasure_plan(db, ctx, pid)
    assert (plan.number, plan.name, plan.hold_reason) == (
        stored(db, pid).number, "Ayşe Yılmaz", "court case 2026/114",
    )  # fmt: skip
    assert plan.counts == {"appointment": 1, "waitlist_entry": 0, "consent": 0,
                           "patient_document": 1, "communication_entry": 0}  # fmt: skip
    with pytest.raises(UserError, match=r"on legal or medical hold \(court case 2026/114\)"):
        patients.delete(db, ctx, pid)
    assert stored(db, pid).deleted_at is None, "refused: nothing written"
    retention.unhold(db, ctx, pid)

    gone = patients.delete(db, ctx, pid)

    assert gone == {"patient": 1, **plan.counts}
    with db.read() as s:
        kept = {r.kind: (r.count, r.policy) for r in destruction.recent(s)}
        booked = s.get(Appointment, hers)
        assert booked is not None and booked.deleted_at is not None
        assert (booked.notes, booked.override_reason) == ("", ""), "her words go too"
        rows = {c.id: c for c in s.scalars(select(SyncConflict))}
    assert kept == {
        "patient": (1, "erasure=request"), "appointment": (1, "erasure=request"),
        "patient_document": (1, "erasure=request"),
    }  # fmt: skip
    for cid in ("edit", "pair", "refused"):
        assert (rows[cid].resolution, rows[cid].records, rows[cid].unsent) == ("erased", "[]", True)
    three = rows["three"]
    assert three.resolved_at is None
    assert [r["id"] for r in json.loads(three.records)] == his
