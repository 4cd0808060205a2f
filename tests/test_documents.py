"""Documents attached to a patient: stored encrypted, listed without their bytes, removed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from factories import actor_ctx, add_clinic, make_patients
from sqlalchemy import func, select

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.errors import NotFound, PermissionDenied, ValidationError
from receptionist.models import AuditEvent, CommunicationEntry, PatientDocument
from receptionist.patients import commlog, documents
from receptionist.patients import record as patients
from receptionist.store.storage import Database

MARKER = b"Qvxzzyplorbinate-scan-result-7731"


@pytest.fixture
def pid(db: Database, ctx: Ctx) -> str:
    with db.write() as s:
        add_clinic(s, ctx.clock.now())
        make_patients(s, ctx.clock.now(), (1, 2))
    return "p1"


def _attach(db: Database, ctx: Ctx, data: bytes, name: str = "scan.pdf", **kw: object) -> str:
    with db.write() as s:
        return documents.attach(s, ctx, "p1", name, data, **kw).id  # type: ignore[arg-type]


def _count(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(PatientDocument)) or 0)


def _last_event(db: Database) -> AuditEvent:
    with db.read() as s:
        event = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert event is not None
        s.expunge(event)
        return event


def test_round_trip(db: Database, ctx: Ctx, pid: str) -> None:
    data = bytes(range(256)) * 100 + MARKER
    doc_id = _attach(db, ctx, data, "C:\\Users\\desk\\Scans\\referral letter.pdf", note="Ref")
    with db.read() as s:
        (info,) = documents.list_documents(s, ctx, pid)
    assert info.id == doc_id and info.file_name == "referral letter.pdf"
    assert info.media_type == "application/pdf" and info.size_bytes == len(data)
    assert info.sha256 == hashlib.sha256(data).hexdigest() and info.note == "Ref"
    assert info.added_at == ctx.clock.now()
    with db.write() as s:
        read, content = documents.read_content(s, ctx, doc_id)
    assert content == data and read == info


def test_listing_is_newest_first_per_patient_and_leaves_the_bytes(
    db: Database, ctx: Ctx, clock: FixedClock, pid: str
) -> None:
    first = _attach(db, ctx, b"one", "a.txt")
    clock.advance(minutes=1)
    second = _attach(db, ctx, b"two", "b.png", media_type="Image/PNG")
    with db.write() as s:
        documents.attach(s, ctx, "p2", "other.txt", b"x")
    with db.read() as s:
        found = documents.list_documents(s, ctx, pid)
        loaded = [o for o in s.identity_map.values() if isinstance(o, PatientDocument)]
    assert [d.id for d in found] == [second, first]
    assert found[0].media_type == "image/png" and found[1].media_type == "text/plain"
    assert loaded == []  # metadata came as plain columns, no row (and no blob) was loaded


def test_unknown_type_falls_back(db: Database, ctx: Ctx, pid: str) -> None:
    _attach(db, ctx, b"\x00\x01", "blob.zzq")
    with db.read() as s:
        assert documents.list_documents(s, ctx, pid)[0].media_type == "application/octet-stream"


@pytest.mark.parametrize(
    ("name", "data", "kw", "field"),
    [
        ("big.bin", b"x" * (documents.MAX_BYTES + 1), {}, "content"),
        ("empty.txt", b"", {}, "content"),
        ("", b"x", {}, "file_name"),
        ("folder/", b"x", {}, "file_name"),
        ("a\x00.txt", b"x", {}, "file_name"),
        ("n" * 256, b"x", {}, "file_name"),
        ("a.txt", b"x", {"media_type": "not a type"}, "media_type"),
        ("a.txt", b"x", {"note": "n" * 1001}, "note"),
    ],
)
def test_bad_input_is_refused_with_nothing_written(
    db: Database, ctx: Ctx, pid: str, name: str, data: bytes, kw: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        _attach(db, ctx, data, name, **kw)
    assert refused.value.field == field
    message = str(refused.value)
    assert message.endswith(".") and message.count(". ") == 0 and "\x00" not in message
    assert _count(db) == 0


def test_size_limit_message_names_the_limit(db: Database, ctx: Ctx, pid: str) -> None:
    with pytest.raises(ValidationError, match="larger than 25 MB"):
        _attach(db, ctx, b"x" * (documents.MAX_BYTES + 1))
    _attach(db, ctx, b"x" * documents.MAX_BYTES, "exactly.bin")  # the limit itself is fine
    assert _count(db) == 1


def test_missing_patient_is_refused(db: Database, ctx: Ctx, pid: str) -> None:
    with db.write() as s:
        patients.delete_patient(s, ctx, "p2")
    with pytest.raises(NotFound), db.write() as s:
        documents.attach(s, ctx, "p2", "a.txt", b"x")
    assert _count(db) == 0


def test_audit_by_id_only(db: Database, ctx: Ctx, pid: str) -> None:
    doc_id = _attach(db, ctx, MARKER, "secret-name.txt", note="secret note")
    event = _last_event(db)
    assert (event.action, event.entity_type, event.entity_id) == ("create", "patient_document",
                                                                  doc_id)  # fmt: skip
    with db.write() as s:
        documents.read_content(s, ctx, doc_id)
    event = _last_event(db)
    assert (event.action, event.entity_id) == ("read", doc_id)
    with db.read() as s:
        rows = s.execute(select(AuditEvent)).scalars().all()
        text = " ".join(f"{e.action} {e.entity_type} {e.entity_id}" for e in rows)
    assert "secret" not in text


def test_remove_tombstones_and_wipes(db: Database, ctx: Ctx, pid: str) -> None:
    doc_id = _attach(db, ctx, MARKER, "x-ray.png", note="left knee")
    with db.write() as s:
        documents.remove(s, ctx, doc_id)
    with db.read() as s:
        assert documents.list_documents(s, ctx, pid) == []
        row = s.get(PatientDocument, doc_id)
        assert row is not None and row.deleted_at == ctx.clock.now() and row.version == 2
        assert (row.content, row.file_name, row.note, row.sha256) == (b"", "", "", "")
    assert _last_event(db).action == "delete"
    with pytest.raises(NotFound), db.write() as s:
        documents.read_content(s, ctx, doc_id)
    with pytest.raises(NotFound), db.write() as s:
        documents.remove(s, ctx, doc_id)


def test_permissions(db: Database, ctx: Ctx, clock: FixedClock, pid: str) -> None:
    doc_id = _attach(db, ctx, b"data", "a.txt")
    provider = actor_ctx("provider", clock, user_id="u9")
    with pytest.raises(PermissionDenied), db.write() as s:
        documents.attach(s, provider, pid, "b.txt", b"data")
    with pytest.raises(PermissionDenied), db.write() as s:
        documents.remove(s, provider, doc_id)
    with db.write() as s:  # a provider may read what is on file
        assert documents.read_content(s, provider, doc_id)[1] == b"data"
    nobody = actor_ctx("visitor", clock)
    with pytest.raises(PermissionDenied), db.read() as s:
        documents.list_documents(s, nobody, pid)
    assert _count(db) == 1


def _scan(root: Path, needle: bytes) -> list[str]:
    hits = []
    for path in root.iterdir():
        if path.is_file():
            data = path.read_bytes()
            if data.startswith(b"SQLite format 3"):
                hits.append(f"{path.name}: plaintext SQLite header")
            if needle in data:
                hits.append(f"{path.name}: document bytes")
    return hits


def test_document_never_in_clear(data_dir: Path, db: Database, ctx: Ctx, pid: str) -> None:
    payload = (MARKER + b"\n") * 5000  # ~170 KB: overflow pages, not just one page
    _attach(db, ctx, payload, "Qvxzzyplorbinate.txt")
    names = {p.name for p in data_dir.iterdir()}
    assert "clinic.db-wal" in names, "scan while the WAL holds the fresh pages"
    assert _scan(data_dir, MARKER) == []
    assert _scan(data_dir, b"Qvxzzyplorbinate") == []
    db.close()
    assert _scan(data_dir, MARKER) == []


def test_deleting_the_patient_wipes_their_documents_and_log(
    db: Database, ctx: Ctx, pid: str
) -> None:
    """Erasure reaches what is kept with the record: bytes, names and summaries go."""
    _attach(db, ctx, MARKER, "letter.pdf")
    with db.write() as s:
        commlog.add(s, ctx, pid, channel="phone", direction="in", summary="Called about X")
        documents.attach(s, ctx, "p2", "other.pdf", b"kept")
    with db.write() as s:
        patients.delete_patient(s, ctx, pid)
    with db.read() as s:
        gone = s.scalars(select(PatientDocument).where(PatientDocument.patient_id == pid)).one()
        entry = s.scalars(select(CommunicationEntry)).one()
        assert gone.deleted_at is not None and gone.content == b"" and gone.file_name == ""
        assert entry.deleted_at is not None and entry.summary == ""
        assert [d.file_name for d in documents.list_documents(s, ctx, "p2")] == ["other.pdf"]
