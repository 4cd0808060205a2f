"""Patients: create, update, open, delete; audit, duplicates, consents, faithful storage."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from factories import actor_ctx, add_clinic
from sqlalchemy import func, select, text

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.errors import DuplicatePatient, NotFound, PermissionDenied, ValidationError
from receptionist.models import AuditEvent, Consent, Device, Patient
from receptionist.patients.record import (
    create_patient,
    delete_patient,
    open_by_number,
    open_patient,
    update_patient,
)
from receptionist.patients.search import search_patients
from receptionist.privacy.consents import current_consents, record_consent
from receptionist.store.storage import Database

PHONE = "0532 123 45 67"


@pytest.fixture
def clinic(db: Database, clock: FixedClock) -> Database:
    with db.write() as s:
        add_clinic(s, clock.now())
    return db


def events(db: Database) -> list[tuple[str, str, str | None]]:
    with db.read() as s:
        rows = s.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
        return [(e.action, e.entity_type, e.entity_id) for e in rows]


def counts(db: Database) -> tuple[int | None, ...]:
    with db.read() as s:
        return (
            s.scalar(select(func.count()).select_from(Patient)),
            s.scalar(select(func.count()).select_from(AuditEvent)),
            s.scalar(text("SELECT count(*) FROM patient_search")),
            s.scalar(select(func.coalesce(func.max(Device.patient_counter), 0))),
        )


def test_create_stamps_numbers_indexes_and_audits(clinic: Database, ctx: Ctx) -> None:
    with clinic.write() as s:
        p = create_patient(s, ctx, given_name="İsmail", family_name="Işık", phone=PHONE,
                           email="ismail@example.com", national_id="10000000146")  # fmt: skip
    assert (p.number, p.version, p.phone) == ("A-1", 1, "+905321234567")
    assert p.created_at == p.updated_at == ctx.clock.now()
    assert events(clinic) == [("create", "patient", p.id)]
    assert counts(clinic) == (1, 1, 1, 1)


def test_update_bumps_version_and_audits(clinic: Database, ctx: Ctx, clock: FixedClock) -> None:
    with clinic.write() as s:
        p = create_patient(s, ctx, given_name="Ayşe", family_name="Kaya")
    clock.advance(minutes=5)
    with clinic.write() as s:
        q = update_patient(s, ctx, p.id, family_name="Demir", phone=PHONE)
        assert (q.version, q.updated_at, q.created_at) == (2, clock.now(), p.created_at)
    with clinic.write() as s:
        update_patient(s, ctx, p.id, family_name="Demir")  # no change: no event
    with clinic.read() as s:
        assert [r.id for r in search_patients(s, ctx, "demir ayş")] == [p.id]
        assert search_patients(s, ctx, "kaya") == []
    assert [e[0] for e in events(clinic)] == ["create", "update"]


def test_open_is_audited_and_needs_read_permission(clinic: Database, ctx: Ctx) -> None:
    with clinic.write() as s:
        p = create_patient(s, ctx, given_name="Ali", family_name="Kaya")
    with clinic.write() as s:
        assert open_patient(s, ctx, p.id).given_name == "Ali"
        assert open_by_number(s, ctx, "a-1").id == p.id
        with pytest.raises(NotFound):
            open_by_number(s, ctx, "A-99")
        with pytest.raises(NotFound):
            open_patient(s, ctx, "no-such-id")
    assert [e[0] for e in events(clinic)] == ["create", "open", "open"]
    stranger = actor_ctx("nobody", ctx.clock, "u1")
    with clinic.write() as s, pytest.raises(PermissionDenied):
        open_patient(s, stranger, p.id)


def test_provider_may_read_but_not_write(clinic: Database, ctx: Ctx) -> None:
    provider = actor_ctx("provider", ctx.clock, "doc")
    with clinic.write() as s, pytest.raises(PermissionDenied):
        create_patient(s, provider, given_name="Ali", family_name="Kaya")
    with clinic.write() as s:
        p = create_patient(s, ctx, given_name="Ali", family_name="Kaya")
    with clinic.write() as s:
        assert open_patient(s, provider, p.id).id == p.id
        with pytest.raises(PermissionDenied):
            update_patient(s, provider, p.id, notes="x")


def test_audit_events_hold_no_patient_data(clinic: Database, ctx: Ctx) -> None:
    with clinic.write() as s:
        p = create_patient(s, ctx, given_name="Zeynep", family_name="Öztürk", phone=PHONE,
                           national_id="10000000146", consents={"optional_data": True},
                           birth_date=date(1990, 1, 2))  # fmt: skip
        update_patient(s, ctx, p.id, email="zeynep@example.com")
        open_patient(s, ctx, p.id)
    with clinic.read() as s:
        consent_ids = set(s.scalars(select(Consent.id)))
        columns = AuditEvent.__table__.columns.keys()
        rows = list(s.execute(select(AuditEvent.__table__).order_by("seq")).mappings())
    assert set(columns) == {"seq", "at", "actor_id", "source", "action", "entity_type",
                            "entity_id", "prev_hash", "hash"}  # fmt: skip
    assert [r["action"] for r in rows] == ["create", "consent.give", "update", "open"]
    assert {r["entity_id"] for r in rows} == {p.id} | consent_ids
    for r in rows:  # everything else is a kind, a source, a time or a hash
        assert r["actor_id"] is None and r["source"] == "cli"
        assert r["entity_type"] in {"patient", "consent"}
        assert len(r["hash"]) == len(r["prev_hash"]) == 64


def test_duplicate_phone_id_or_name_and_birth_date(clinic: Database, ctx: Ctx) -> None:
    consent = {"optional_data": True}
    with clinic.write() as s:
        p = create_patient(s, ctx, given_name="İsmail", family_name="Işık", phone=PHONE,
                           national_id="10000000146", birth_date="1980-04-05",
                           consents=consent)  # fmt: skip
    attempts = [
        {"given_name": "Other", "family_name": "Person", "phone": "+90 532 123 4567"},
        {"given_name": "Other", "family_name": "Person", "national_id": "10000000146"},
        {"given_name": "ISMAIL", "family_name": "ışık", "birth_date": date(1980, 4, 5)},
    ]
    for fields in attempts:
        with clinic.write() as s, pytest.raises(DuplicatePatient) as caught:
            create_patient(s, ctx, consents=consent, **fields)  # type: ignore[arg-type]
        assert caught.value.matches == [p.id]
        assert "open" in str(caught.value) and "confirm" in str(caught.value)
        assert "İsmail" not in str(caught.value) and "532" not in str(caught.value)
    with clinic.write() as s:  # same name, other birth date: not a duplicate
        create_patient(s, ctx, given_name="İsmail", family_name="Işık",
                       birth_date="1981-04-05", consents=consent)  # fmt: skip
        twin = create_patient(s, ctx, given_name="Ayşe", family_name="Işık", phone=PHONE,
                              allow_duplicate=True)  # fmt: skip
    with clinic.write() as s, pytest.raises(DuplicatePatient):
        update_patient(s, ctx, twin.id, phone=None, national_id="10000000146")
    assert counts(clinic)[0] == 3


def test_ten_megabyte_note_refused_with_nothing_written(clinic: Database, ctx: Ctx) -> None:
    before = counts(clinic)
    with clinic.write() as s, pytest.raises(ValidationError) as caught:
        create_patient(s, ctx, given_name="Ali", family_name="Kaya", notes="x" * 10_000_000)
    assert caught.value.field == "notes" and "1 MB" in str(caught.value)
    assert counts(clinic) == before
    with clinic.write() as s:
        p = create_patient(s, ctx, given_name="Ali", family_name="Kaya")
    with clinic.write() as s, pytest.raises(ValidationError):
        update_patient(s, ctx, p.id, notes="x" * 10_000_000)
    with clinic.read() as s:
        assert s.get(Patient, p.id).notes == ""  # type: ignore[union-attr]


def test_nul_refused(clinic: Database, ctx: Ctx) -> None:
    with clinic.write() as s, pytest.raises(ValidationError) as caught:
        create_patient(s, ctx, given_name="Al\x00i", family_name="Kaya")
    assert caught.value.field == "given_name" and "NUL" in str(caught.value)
    assert counts(clinic)[0] == 0


def test_rtl_and_combining_text_round_trip(clinic: Database, ctx: Ctx) -> None:
    notes = "مرحبا\u200f — e\u0301 (decomposed) \u202bRTL embed\u202c\n\ttabs  kept "
    address = "شارع الملك فهد، الرياض\u200e 12345"
    with clinic.write() as s:
        p = create_patient(s, ctx, given_name="مُحَمَّد", family_name="Zeyne\u0301p",
                           notes=notes, address=address)  # fmt: skip
    with clinic.read() as s:
        stored = s.execute(select(Patient).where(Patient.id == p.id)).scalar_one()
        assert stored.notes == notes and stored.address == address
        assert stored.given_name == "مُحَمَّد"
        assert stored.family_name == "Zeynép"  # names are stored NFC
        assert [r.id for r in search_patients(s, ctx, "محمد zeynep")] == [p.id]


def test_sql_looking_text_is_just_text(clinic: Database, ctx: Ctx) -> None:
    sql = "'; DROP TABLE patient; --"
    with clinic.write() as s:
        p = create_patient(s, ctx, given_name=sql, family_name='Robert"); DELETE FROM x; --',
                           notes=sql, address="1' OR '1'='1")  # fmt: skip
    with clinic.read() as s:
        stored = s.get(Patient, p.id)
        assert stored is not None and (stored.given_name, stored.notes) == (sql, sql)
        assert [r.id for r in search_patients(s, ctx, "drop table")] == [p.id]
        assert [r.id for r in search_patients(s, ctx, sql)] == [p.id]
        assert [r.id for r in search_patients(s, ctx, '"); DELETE')] == [p.id]


def test_optional_data_needs_consent(clinic: Database, ctx: Ctx) -> None:
    for field, value in (("gender", "female"), ("birth_date", date(1990, 1, 1))):
        with clinic.write() as s, pytest.raises(ValidationError) as caught:
            create_patient(s, ctx, given_name="Ali", family_name="Kaya", **{field: value})  # type: ignore[arg-type]
        assert caught.value.field == field and "consent" in str(caught.value)
    with clinic.write() as s:
        p = create_patient(s, ctx, given_name="Ali", family_name="Kaya")
        with pytest.raises(ValidationError):
            update_patient(s, ctx, p.id, gender="male")
        update_patient(s, ctx, p.id, gender="male", consents={"optional_data": True})
        assert current_consents(s, p.id)["optional_data"] is True
        update_patient(s, ctx, p.id, birth_date="1990-01-01")  # consent now on file
    with clinic.read() as s:
        stored = s.get(Patient, p.id)
        assert stored is not None and (stored.gender, stored.birth_date) == (
            "male",
            date(1990, 1, 1),
        )


def test_consents_latest_decision_counts_and_withdrawal_erases(
    clinic: Database, ctx: Ctx, clock: FixedClock
) -> None:
    with clinic.write() as s:
        p = create_patient(s, ctx, given_name="Ali", family_name="Kaya", gender="male",
                           consents={"optional_data": True, "reminder_sms": True})  # fmt: skip
        assert current_consents(s, p.id) == {
            "reminder_sms": True, "reminder_whatsapp": False, "reminder_email": False,
            "marketing": False, "optional_data": True,
        }  # fmt: skip
    clock.advance(days=1)
    with clinic.write() as s:
        c = record_consent(s, ctx, p.id, "optional_data", False, source="phone")
        record_consent(s, ctx, p.id, "reminder_sms", False)
        record_consent(s, ctx, p.id, "reminder_sms", True)  # same instant: the later one wins
        assert (c.recorded_at, c.recorded_by, c.source) == (clock.now(), None, "phone")
        with pytest.raises(ValidationError) as caught:
            record_consent(s, ctx, p.id, "telepathy", True)
        assert caught.value.field == "purpose"
    with clinic.read() as s:
        state = current_consents(s, p.id)
        assert state["optional_data"] is False and state["reminder_sms"] is True
        stored = s.get(Patient, p.id)
        assert stored is not None and stored.gender is None and stored.version == 2
        assert s.scalar(select(func.count()).select_from(Consent)) == 5
    actions = [e[0] for e in events(clinic)]
    assert actions.count("consent.give") == 3 and actions.count("consent.withdraw") == 2
    # the erasure of gender is audited right after the withdrawal that caused it
    assert actions[-4:] == ["consent.withdraw", "update", "consent.withdraw", "consent.give"]


def test_delete_tombstones_and_unindexes(clinic: Database, ctx: Ctx, clock: FixedClock) -> None:
    with clinic.write() as s:
        p = create_patient(s, ctx, given_name="Ali", family_name="Kaya", phone=PHONE)
    clock.advance(seconds=1)
    with clinic.write() as s:
        delete_patient(s, ctx, p.id)
    with clinic.write() as s:
        assert search_patients(s, ctx, "kaya") == []
        assert search_patients(s, ctx, "a-1") == []
        with pytest.raises(NotFound):
            open_patient(s, ctx, p.id)
        stored = s.get(Patient, p.id)
        assert stored is not None and stored.deleted_at == clock.now() and stored.version == 2
        create_patient(s, ctx, given_name="Veli", family_name="Kaya", phone=PHONE)  # no warning
    assert counts(clinic)[2] == 1


def test_clinic_must_exist(db: Database, ctx: Ctx) -> None:
    with db.write() as s, pytest.raises(NotFound):
        create_patient(s, ctx, given_name="Ali", family_name="Kaya")


def test_birth_date_today_in_clinic_time(clinic: Database, ctx: Ctx, clock: FixedClock) -> None:
    clock.set(clock.now().replace(hour=22))  # 01:00 next day in Istanbul
    tomorrow_utc = clock.now().date() + timedelta(days=1)
    with clinic.write() as s:
        p = create_patient(s, ctx, given_name="Bebek", family_name="Kaya",
                           birth_date=tomorrow_utc, consents={"optional_data": True})  # fmt: skip
        assert p.birth_date == tomorrow_utc


def test_front_desk_alert_is_kept_audited_found_and_cleared(
    clinic: Database, ctx: Ctx, clock: FixedClock
) -> None:
    with clinic.write() as s:
        p = create_patient(s, ctx, given_name="Ayşe", family_name="Kaya", alert="  Wheelchair ")
    assert p.alert == "Wheelchair", "stripped like every other text"
    clock.advance(minutes=5)
    with clinic.write() as s:
        q = update_patient(s, ctx, p.id, alert="Pays by insurance X")
        assert (q.alert, q.version) == ("Pays by insurance X", 2)
    with clinic.read() as s:
        assert [r.alert for r in search_patients(s, ctx, "ayşe kaya")] == ["Pays by insurance X"]
    with clinic.write() as s:
        assert update_patient(s, ctx, p.id, alert=None).alert == ""  # a blank one clears it
    assert [e[0] for e in events(clinic)] == ["create", "update", "update"]


@pytest.mark.parametrize(
    "alert", ["x" * 201, "Wheelchair\x1b[2J", "two\nlines", "photo\u202egnp", "nul\x00"]
)
def test_front_desk_alert_refuses_long_text_and_escapes(
    clinic: Database, ctx: Ctx, alert: str
) -> None:
    with clinic.write() as s:
        p = create_patient(s, ctx, given_name="Ayşe", family_name="Kaya")
    with pytest.raises(ValidationError) as refused, clinic.write() as s:
        update_patient(s, ctx, p.id, alert=alert)
    assert refused.value.field == "alert"
    with clinic.read() as s:
        assert s.get(Patient, p.id).alert == ""  # type: ignore[union-attr]
