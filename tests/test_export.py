"""A patient's copy of her record (right of access and portability, ``ops.export``):
one zip holding ``record.json`` (every part of her record, and who received her data),
``record.html`` (a printable page naming her) and her documents' own bytes; written
whole or not at all, readable by its owner only, audited by her id; refused to a
receptionist, for an unknown or an erased patient, and over a file already there."""

from __future__ import annotations

import json
import stat
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from factories import actor_ctx, make_clinic, make_provider, make_service, weekdays
from sqlalchemy import select

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.errors import NotFound, PermissionDenied, UserError, ValidationError
from receptionist.models import AuditEvent, Base, GoogleDisclosure, Patient, Reminder
from receptionist.ops import access, accesspage, commlog, patients, retention
from receptionist.ops import export as exporting
from receptionist.ops.patients import NewPatient
from receptionist.patients import documents
from receptionist.schedule import booking
from receptionist.store.storage import Database

AT_10 = datetime(2026, 3, 3, 7, 0, tzinfo=UTC)  # Tuesday 10:00 in Istanbul
WEEK = timedelta(days=7)
SCAN = b"%PDF-1.4 referral letter\x00\xff"


def _her(db: Database, ctx: Ctx) -> str:
    """Ayşe: two appointments (one with notes), consents given and withdrawn, a document,
    a log entry, a hold, a message sent by SMS and two Google disclosures (one withdrawn
    from Google again)."""
    with db.write() as s:
        make_clinic(s, ctx)
        aksoy = make_provider(s, ctx, "Dr. Elif Aksoy", weekdays(("09:00", "17:00")))
        checkup = make_service(s, ctx, "Check-up", 30)
    new = NewPatient("Ayşe", "Yılmaz", "0532 123 45 67", consents={"reminder_sms": True})
    pid = patients.add(db, ctx, new).id  # type: ignore[union-attr]
    patients.consent(db, ctx, pid, "reminder_sms", False)
    with db.write() as s:
        for start, notes in ((AT_10, "bring the x-ray"), (AT_10 + timedelta(days=7), "")):
            booking.book(s, ctx, patient_id=pid, provider_id=aksoy.id, service_id=checkup.id,
                         start=start, notes=notes)  # fmt: skip
        documents.attach(s, ctx, pid, "referral.pdf", SCAN, note="from Dr. Kaya")
        at = ctx.clock.now()
        s.add(GoogleDisclosure(patient_id=pid, appointment_id="a1", what="initials",
                               recipient="Google Calendar aksoy@group", at=at))  # fmt: skip
        s.add(GoogleDisclosure(patient_id=pid, appointment_id="a0", what="name",
                               recipient="Google Calendar aksoy@group", at=at - WEEK,
                               withdrawn_at=at - WEEK + timedelta(minutes=75)))  # fmt: skip
        s.add(Reminder(appointment_id="a1", patient_id=pid, kind="reminder", rule="24h",
                       scheduled_for=at, send_at=at, appointment_start=AT_10, state="sent",
                       channel="sms", finished_at=at, sent_to="+905321234567",
                       created_at=at, updated_at=at))  # fmt: skip
    commlog.add(db, ctx, pid, channel="phone", direction="in", summary="asked to move the visit")
    retention.hold(db, ctx, "A-1", "court case 2026/114")
    return pid


def _events(db: Database, action: str) -> list[str | None]:
    with db.read() as s:
        query = select(AuditEvent.entity_id).where(AuditEvent.action == action)
        return list(s.scalars(query.order_by(AuditEvent.seq)))


def test_a_patient_gets_her_whole_record_in_one_zip(
    db: Database, ctx: Ctx, clock: FixedClock, tmp_path: Path
) -> None:
    pid = _her(db, ctx)
    out = tmp_path / "out"
    out.mkdir()
    dest = out / "ayse.zip"
    # An earlier export killed mid-write left its temporary file (patient data): this
    # one removes it (#14; a live writer's, locked, stays: tests/test_copy_kill.py).
    (out / ".receptionist-k1lled_1.tmp").write_bytes(b"PK half a record")
    done = exporting.export_patient(db, ctx, pid, dest)
    assert done.number == "A-1" and done.size_bytes == dest.stat().st_size
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert [p.name for p in out.iterdir()] == ["ayse.zip"], "no temporary file left"
    assert done.counts == {"appointments": 2, "waiting_list": 0, "communication_log": 1,
                           "messages_sent": 1, "documents": 1, "consent_decisions": 2,
                           "google_disclosures": 2}  # fmt: skip
    with zipfile.ZipFile(dest) as zf:
        data = json.loads(zf.read("record.json"))
        page = zf.read("record.html").decode()
        assert zf.read("documents/01-referral.pdf") == SCAN
    assert data["schema"] == access.SCHEMA and data["schema_version"] == 1
    assert data["patient"]["given_name"] == "Ayşe" and data["patient"]["phone"] == "+905321234567"
    assert data["clinic"]["timezone"] == "Europe/Istanbul"
    assert [(c["purpose"], c["granted"]) for c in data["consents"]["history"]] == [
        ("reminder_sms", True), ("reminder_sms", False)]  # fmt: skip
    assert data["consents"]["current"]["reminder_sms"] is False
    first = data["appointments"][0]
    assert (first["start"], first["provider"], first["service"], first["notes"]) == (
        AT_10.isoformat(),
        "Dr. Elif Aksoy",
        "Check-up",
        "bring the x-ray",
    )
    assert data["hold"]["reason"] == "court case 2026/114"
    assert data["communication_log"][0]["summary"] == "asked to move the visit"
    assert data["messages_sent"][0]["sent_to"] == "+905321234567"
    doc = data["documents"][0]
    assert (doc["name"], doc["note"], doc["size_bytes"]) == (
        "referral.pdf",
        "from Dr. Kaya",
        len(SCAN),
    )
    recipients = data["recipients"]
    assert recipients["google_calendar"][0]["recipient"] == "Google Calendar aksoy@group"
    withdrawn = clock.now() - WEEK + timedelta(minutes=75)
    assert [(g["appointment_id"], g["withdrawn_at"]) for g in recipients["google_calendar"]] == [
        ("a0", withdrawn.isoformat()), ("a1", None)]  # fmt: skip
    shown = withdrawn.astimezone(ZoneInfo("Europe/Istanbul")).strftime("%Y-%m-%d %H:%M")
    assert "<th>withdrawn</th>" in page and f"<td>{shown}</td></tr>" in page
    assert recipients["reminder_channels"][0]["channel"] == "sms"
    assert "Ayşe Yılmaz" in page and "Google Calendar aksoy@group" in page
    assert "2026-03-03 10:00" in page, "times in the clinic's zone"
    assert _events(db, exporting.ACTION) == [pid]
    assert _events(db, "read") == [doc["id"]], "the document's copy is audited as a read"


def test_the_refusals_write_nothing(
    db: Database, ctx: Ctx, clock: FixedClock, tmp_path: Path
) -> None:
    pid = _her(db, ctx)
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    taken = tmp_path / "taken.zip"
    taken.write_bytes(b"mine")
    refusals: list[tuple[Ctx, str, Path, type[Exception], str]] = [
        (actor_ctx("receptionist", clock), pid, tmp_path / "a.zip", PermissionDenied,
         "ask a manager or an administrator"),
        (ctx, "no-such-id", tmp_path / "b.zip", NotFound, "not on file"),
        (ctx, pid, taken, ValidationError, "already there"),
        (ctx, pid, tmp_path / "nowhere" / "c.zip", ValidationError, "does not exist"),
    ]  # fmt: skip
    for who, patient_id, dest, error, said in refusals:
        with pytest.raises(error, match=said):
            exporting.export_patient(db, who, patient_id, dest)
    if Path("/proc/self").is_dir():  # a folder no file can be made in, even by root
        with pytest.raises(UserError, match=r"not saved \(.+\); choose another place"):
            exporting.export_patient(db, ctx, pid, Path("/proc/c.zip"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.zip"]
    assert taken.read_bytes() == b"mine"
    assert _events(db, exporting.ACTION) == []
    retention.unhold(db, ctx, "A-1")
    patients.delete(db, ctx, pid)
    with pytest.raises(NotFound, match="Patient A-1 was erased"):
        exporting.export_patient(db, ctx, pid, tmp_path / "d.zip")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.zip"]


def test_every_table_with_rows_of_a_patient_has_its_place_in_the_copy() -> None:
    """A new table holding a patient's rows must be exported, or say why not."""
    with_patients = {
        name for name, table in Base.metadata.tables.items() if "patient_id" in table.columns
    }
    assert with_patients | {"patient"} == set(access.COVERED)


def test_the_page_of_an_anonymised_record_names_her_as_every_list_does(
    db: Database, ctx: Ctx
) -> None:
    """The printable page's heading names the patient by the one rule
    (``models.names.display_name``): "anonymised", a translatable Text, for one the
    retention sweep anonymised, never an empty name after "Patient record:"."""
    pid = _her(db, ctx)
    with db.write() as s:
        patient = s.get(Patient, pid)
        assert patient is not None
        data = access.gather(s, patient, ctx.clock.now())
    data["patient"] |= {"given_name": "", "family_name": ""}
    assert "<h1>Patient record: anonymised</h1>" in accesspage.page(data)
    translated = accesspage.page(data, lambda text: {"anonymised": "anonim"}.get(text, text))
    assert "<h1>Patient record: anonim</h1>" in translated
    data["patient"] |= {"given_name": "Ayşe", "family_name": "Yılmaz"}
    assert "<h1>Patient record: Ayşe Yılmaz</h1>" in accesspage.page(data)
