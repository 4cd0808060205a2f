"""The operations on what is kept with a patient, called with no Qt: documents (attach
with progress and cancel, list, read, save a copy, remove) and the communication log
(add, list with who logged each entry)."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from factories import add_clinic, make_patients
from sqlalchemy import func, select

from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.errors import NotFound, PermissionDenied, ValidationError
from receptionist.models import AuditEvent, CommunicationEntry, PatientDocument
from receptionist.ops import commlog, documents
from receptionist.staff import accounts
from receptionist.store.storage import Database


@pytest.fixture
def pid(db: Database, ctx: Ctx) -> str:
    with db.write() as s:
        add_clinic(s, ctx.clock.now())
        make_patients(s, ctx.clock.now(), (1, 2))
    return "p1"


def count(db: Database, model: type) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def actions(db: Database) -> list[str]:
    with db.read() as s:
        return list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


class Recorder:
    """A progress that records its reports and cancels at the ``cancel_at``-th check."""

    def __init__(self, cancel_at: int | None = None) -> None:
        self.reports: list[tuple[int, int]] = []
        self.checks = 0
        self.cancel_at = cancel_at

    def report(self, done: int, total: int = 0) -> None:
        self.reports.append((done, total))

    def check(self) -> None:
        self.checks += 1
        if self.checks == self.cancel_at:
            raise KeyboardInterrupt  # what a cancel raises is the front end's own


# --- documents ------------------------------------------------------------------------
def test_attach_a_file_in_chunks_with_progress(
    db: Database, ctx: Ctx, pid: str, tmp_path: Path
) -> None:
    source = tmp_path / "x-ray.png"
    data = os.urandom(2 * documents.CHUNK_BYTES + 10)
    source.write_bytes(data)
    progress = Recorder()
    added = documents.attach(db, ctx, pid, source, note="left knee", progress=progress)
    size = len(data)
    assert progress.reports == [(documents.CHUNK_BYTES, size), (2 * documents.CHUNK_BYTES, size),
                                (size, size), (size, size)]  # fmt: skip
    assert (added.file_name, added.media_type, added.size_bytes) == ("x-ray.png", "image/png", size)
    assert added.note == "left knee"
    assert [d.id for d in documents.listing(db, ctx, pid)] == [added.id]
    info, content = documents.read(db, ctx, added.id)
    assert content == data and info == added
    assert actions(db)[-2:] == ["create", "read"]


@pytest.mark.parametrize("cancel_at", [1, 2, 4, 5])
def test_a_cancel_at_any_check_writes_nothing(
    db: Database, ctx: Ctx, pid: str, tmp_path: Path, cancel_at: int
) -> None:
    """Checks 1-3 come between chunks, 4 after reading, 5 inside the write transaction."""
    source = tmp_path / "scan.pdf"
    source.write_bytes(b"x" * (2 * documents.CHUNK_BYTES + 1))
    before = actions(db)
    with pytest.raises(KeyboardInterrupt):
        documents.attach(db, ctx, pid, source, progress=Recorder(cancel_at))
    assert count(db, PatientDocument) == 0 and actions(db) == before


def test_a_file_that_cannot_be_read_names_the_file(
    db: Database, ctx: Ctx, pid: str, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError) as refused:
        documents.attach(db, ctx, pid, tmp_path / "missing.pdf")
    assert refused.value.field == "file" and "missing" not in str(refused.value)
    huge = tmp_path / "huge.iso"
    with huge.open("wb") as out:
        out.truncate(documents.MAX_BYTES + 1)
    with pytest.raises(ValidationError) as refused:
        documents.attach(db, ctx, pid, huge)
    assert refused.value.field == "content" and str(refused.value) == documents.too_big_message()
    assert count(db, PatientDocument) == 0


def test_save_a_copy_owner_only_and_never_over_a_file_unless_told(
    db: Database, ctx: Ctx, pid: str, tmp_path: Path
) -> None:
    source = tmp_path / "referral.pdf"
    source.write_bytes(b"%PDF-1.7 referral")
    doc = documents.attach(db, ctx, pid, source)
    target = tmp_path / "out" / "copy.pdf"
    with pytest.raises(ValidationError) as refused:  # no such folder: refused before reading
        documents.save_copy(db, ctx, doc.id, target)
    assert refused.value.field == "to" and actions(db)[-1] == "create"
    target.parent.mkdir()
    assert documents.save_copy(db, ctx, doc.id, target) == doc
    assert target.read_bytes() == b"%PDF-1.7 referral"
    if os.name == "posix":
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    target.write_bytes(b"mine")
    reads = actions(db).count("read")
    with pytest.raises(ValidationError, match="already there"):
        documents.save_copy(db, ctx, doc.id, target)
    with pytest.raises(ValidationError, match="folder"):
        documents.save_copy(db, ctx, doc.id, target.parent, replace=True)
    assert target.read_bytes() == b"mine" and actions(db).count("read") == reads
    documents.save_copy(db, ctx, doc.id, target, replace=True)
    assert target.read_bytes() == b"%PDF-1.7 referral"
    assert sorted(p.name for p in target.parent.iterdir()) == ["copy.pdf"], "no temporary left"


def test_a_name_taken_while_the_copy_is_written_is_not_overwritten(
    db: Database, ctx: Ctx, pid: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "a.txt"
    source.write_bytes(b"ours")
    doc = documents.attach(db, ctx, pid, source)
    target = tmp_path / "out" / "copy.txt"
    target.parent.mkdir()
    real_read = documents.read

    def read_then_someone_writes(*args: object) -> tuple[documents.DocumentInfo, bytes]:
        found = real_read(*args)  # type: ignore[arg-type]
        target.write_bytes(b"theirs")
        return found

    monkeypatch.setattr(documents, "read", read_then_someone_writes)
    with pytest.raises(ValidationError, match="already there"):
        documents.save_copy(db, ctx, doc.id, target)
    assert target.read_bytes() == b"theirs"

    def no_hard_links(*_args: object) -> None:  # FAT on a USB stick
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_hard_links)
    target.unlink()
    with pytest.raises(ValidationError, match="already there"):
        documents.save_copy(db, ctx, doc.id, target)
    assert target.read_bytes() == b"theirs"
    monkeypatch.setattr(documents, "read", real_read)
    target.unlink()
    documents.save_copy(db, ctx, doc.id, target)
    assert target.read_bytes() == b"ours"
    assert [p.name for p in target.parent.iterdir()] == ["copy.txt"], "no temporary left"


def test_find_by_id_or_prefix_then_remove(db: Database, ctx: Ctx, pid: str, tmp_path: Path) -> None:
    source = tmp_path / "a.txt"
    source.write_bytes(b"x")
    doc = documents.attach(db, ctx, pid, source)
    assert documents.find(db, doc.id) == doc.id
    assert documents.find(db, doc.id[:8].upper()) == doc.id
    with pytest.raises(ValidationError):
        documents.find(db, "zz")
    provider = Ctx(Actor("u9", "provider", "cli"), ctx.clock)
    with pytest.raises(PermissionDenied):
        documents.remove(db, provider, doc.id)
    documents.remove(db, ctx, doc.id)
    assert documents.listing(db, ctx, pid) == []
    with pytest.raises(NotFound):
        documents.find(db, doc.id)
    with pytest.raises(NotFound):
        documents.read(db, ctx, doc.id)


# --- the communication log ---------------------------------------------------------------
def test_log_entries_come_back_with_who_logged_them(
    db: Database, ctx: Ctx, clock: FixedClock, pid: str
) -> None:
    with db.write() as s:
        user = accounts.create_user(s, ctx, username="deniz", password="a-good-password-1",
                                    role="receptionist")  # fmt: skip
        user_id = user.id
    desk = Ctx(Actor(user_id, "receptionist", "ui"), clock)
    first = commlog.add(db, desk, pid, channel="phone", direction="in", summary="Asked to move")
    assert first.by == "deniz" and first.entry.occurred_at == clock.now()
    older = commlog.add(db, ctx, pid, channel="letter", direction="out", summary="Recall",
                        occurred_at=clock.now() - timedelta(days=2))  # fmt: skip
    assert older.by == ""  # the system, or an account since removed
    assert [(r.entry.id, r.by) for r in commlog.listing(db, ctx, pid)] == [
        (first.entry.id, "deniz"),
        (older.entry.id, ""),
    ]
    assert [r.entry.id for r in commlog.listing(db, ctx, pid, limit=1)] == [first.entry.id]


def test_a_time_without_a_zone_is_the_clinics_wall_clock(db: Database, ctx: Ctx, pid: str) -> None:
    as_text = commlog.add(db, ctx, pid, channel="sms", direction="out", summary="Sent",
                          occurred_at="2026-03-01T09:30")  # fmt: skip
    naive = commlog.add(db, ctx, pid, channel="sms", direction="out", summary="Sent",
                        occurred_at=datetime(2026, 3, 1, 9, 30))  # fmt: skip
    istanbul_0930 = datetime(2026, 3, 1, 6, 30, tzinfo=UTC)
    assert as_text.entry.occurred_at == naive.entry.occurred_at == istanbul_0930


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": "2026-03-09T10:00"}, "occurred_at"),  # a week ahead
        ({"channel": "fax"}, "channel"),
        ({"direction": "sideways"}, "direction"),
        ({"summary": "  "}, "summary"),
        ({"summary": "a\x1b[2Jb"}, "summary"),
    ],
)
def test_a_refused_entry_writes_nothing(
    db: Database, ctx: Ctx, pid: str, kw: dict[str, str], field: str
) -> None:
    given = {"channel": "phone", "direction": "in", "summary": "ok", **kw}
    before = actions(db)
    with pytest.raises(ValidationError) as refused:
        commlog.add(db, ctx, pid, **given)  # type: ignore[arg-type]
    assert refused.value.field == field
    assert count(db, CommunicationEntry) == 0 and actions(db) == before
