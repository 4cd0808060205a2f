"""Records as they travel to the cloud endpoint: sealed, bound to their place, and
refused by the PC when anything about them was changed there."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from factories import make_clinic, make_provider, make_service, weekdays

from receptionist.context import Ctx
from receptionist.journal import changefeed
from receptionist.models import Appointment, Patient
from receptionist.patients import record as patients
from receptionist.replica.records import Record, decode, encode, values_of
from receptionist.replica.seal import ClinicKey, Tampered
from receptionist.schedule import booking
from receptionist.store.storage import Database

CLINIC = "clinic-1"
KEY = ClinicKey(1, bytes(range(32)))
MON_11 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def rows(db: Database, ctx: Ctx) -> dict[str, str]:
    with db.write() as s:
        make_clinic(s, ctx, hours=weekdays(("08:00", "18:00")))
        doctor = make_provider(s, ctx, "Dr Ayşe").id
        service = make_service(s, ctx, "Check-up", 30).id
        patient = patients.create_patient(
            s, ctx, given_name="Zeynep", family_name="Kılıç", phone="0532 123 45 67",
            notes="Allergic to penicillin", consents={"reminder_sms": True},
            alert="Needs wheelchair access",
        ).id  # fmt: skip
        appointment = booking.book(
            s, ctx, patient_id=patient, provider_id=doctor, service_id=service, start=MON_11,
            notes="Bring the X-ray",
        ).id  # fmt: skip
    return {"patient": patient, "appointment": appointment}


def test_every_synced_row_travels_sealed_and_comes_back_the_same(
    db: Database, rows: dict[str, str]
) -> None:
    with db.read() as s:
        for entity, model in changefeed.synced_tables().items():
            for row in s.query(model).all():
                record = Record.from_json(
                    json.loads(json.dumps(encode(row, CLINIC, KEY).to_json()))
                )
                found_model, values = decode(record, CLINIC, {1: KEY})
                assert found_model is model
                assert values == values_of(row), entity


def test_the_server_sees_no_patient_data(db: Database, rows: dict[str, str]) -> None:
    with db.read() as s:
        patient = s.get(Patient, rows["patient"])
        appointment = s.get(Appointment, rows["appointment"])
        assert patient is not None and appointment is not None
        shipped = json.dumps([encode(r, CLINIC, KEY).to_json() for r in (patient, appointment)])
    for secret in ("Zeynep", "Kılıç", "K\\u0131l\\u0131\\u00e7", "5321234567", "penicillin",
                   "X-ray", "Allergic", "wheelchair"):  # fmt: skip
        assert secret not in shipped
    clear = encode_clear(db, rows["appointment"])
    assert set(clear) == {"provider_id", "room_id", "service_id", "start_utc", "end_utc",
                          "status", "override"}  # fmt: skip


def encode_clear(db: Database, appointment_id: str) -> dict[str, object]:
    with db.read() as s:
        row = s.get(Appointment, appointment_id)
        assert row is not None
        return encode(row, CLINIC, KEY).clear


@pytest.mark.parametrize("change", ["version", "id", "clinic", "generation", "flip", "clear"])
def test_a_record_changed_on_the_way_is_refused(
    db: Database, rows: dict[str, str], change: str
) -> None:
    with db.read() as s:
        row = s.get(Appointment, rows["appointment"])
        assert row is not None
        good = encode(row, CLINIC, KEY)
    keys, clinic = {1: KEY}, CLINIC
    if change == "version":
        bad = replace(good, version=good.version + 1)  # a replay under a new number
    elif change == "id":
        bad = replace(good, id=rows["patient"])  # a payload moved to another row
    elif change == "clinic":
        bad, clinic = good, "clinic-2"
    elif change == "generation":
        bad, keys = replace(good, key_gen=2), {1: KEY, 2: ClinicKey(2, bytes(32))}
    elif change == "flip":
        raw = bytearray(good.sealed.encode())
        raw[30] = ord("A") if raw[30] != ord("A") else ord("B")
        bad = replace(good, sealed=raw.decode())
    else:
        later = (MON_11 + timedelta(hours=2)).isoformat()
        bad = replace(good, clear={**good.clear, "start_utc": later})
    with pytest.raises(Tampered, match="cloud endpoint"):
        decode(bad, clinic, keys)


def test_a_record_from_the_endpoint_applies_with_its_own_stamps(
    db: Database, rows: dict[str, str], ctx: Ctx
) -> None:
    """Decoded values go straight into changefeed.upsert: nothing stamped over them."""
    with db.read() as s:
        row = s.get(Appointment, rows["appointment"])
        assert row is not None
        sent = encode(row, CLINIC, KEY)
    model, values = decode(sent, CLINIC, {1: KEY})
    with db.write() as s, changefeed.applying(s, "device-2"):
        assert changefeed.upsert(s, model, values) is None, "the same version: nothing to do"
        newer = changefeed.upsert(s, model, {**values, "version": sent.version + 1})
        assert newer is not None and newer.updated_at == values["updated_at"]


def test_malformed_records_are_value_errors() -> None:
    for data in (None, [], {"entity": 1}, {"entity": "a", "id": "b", "sealed": "c",
                 "version": -1, "key_gen": 1, "clear": {}},
                 {"entity": "a", "id": "b", "sealed": "c", "version": True, "key_gen": 1,
                  "clear": {}}):  # fmt: skip
        with pytest.raises(ValueError):
            Record.from_json(data)
