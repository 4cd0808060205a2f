"""Opening an older file migrates it, after an encrypted copy of it is written beside it."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from factories import add_clinic, downgrade, make_patient
from sqlalchemy import text
from sqlalchemy.orm import Session

from receptionist.errors import InstanceLocked, NotOurFile
from receptionist.models import Appointment, Provider, Room, Service
from receptionist.store import migrate
from receptionist.store.lock import InstanceLock
from receptionist.store.storage import PLAINTEXT_MAGIC, Database
from receptionist.store.vault import DataDir, create, open_clinic, unlock


@pytest.fixture
def old_clinic(tmp_path: Path) -> Path:
    """A clinic as the first release left it: taken down to revision 0001 by the
    revisions' own downgrades, with a room, a patient and an appointment in it."""
    root = tmp_path / "old"
    created = create(root)
    db = Database(DataDir(root).db, created.key)
    with db.write() as s:
        seed_rows(s)
    downgrade(db, "0001")
    db.close()
    return root


def seed_rows(s: Session) -> None:
    now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    clinic = add_clinic(s, now)
    s.add(Room(id="r1", name="Room 1", created_at=now, updated_at=now))
    patient = make_patient(s, now, 1, "Ayse", "Yilmaz", id="p1")
    provider = Provider(name="Dr A", colour="#336699", created_at=now, updated_at=now)
    service = Service(name="Check-up", duration_minutes=30, created_at=now, updated_at=now)
    s.add_all([provider, service])
    s.flush()
    s.add(
        Appointment(
            id="a1",
            patient_id=patient.id,
            provider_id=provider.id,
            service_id=service.id,
            start_utc=now,
            end_utc=now + timedelta(minutes=30),
            created_at=now,
            updated_at=now,
        )
    )
    del clinic


def test_old_file_is_copied_then_migrated(
    old_clinic: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    reads: list[object] = []
    read = ScriptDirectory.from_config  # the session's memo (memos.py), counted here

    def counted(cls: type[ScriptDirectory], cfg: object) -> ScriptDirectory:
        reads.append(cfg)
        return read(cfg)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ScriptDirectory, "from_config", classmethod(counted))
        db = open_clinic(old_clinic)
    assert len(reads) == 1, "the folder of scripts is read once, not again at each step"
    try:
        said = [(r.name, r.getMessage()) for r in caplog.records if r.levelname == "INFO"]
        assert not [name for name, _ in said if name.startswith("alembic")], "one line, not 20"
        head = migrate.head_revision()
        # Counted along the chain, not from the numbers: branches are re-chained at merge.
        steps = len(
            list(ScriptDirectory.from_config(migrate._config()).iterate_revisions(head, "0001"))
        )
        assert [m for name, m in said if name == "receptionist.store.migrate"] == [
            f"schema upgraded from 0001 to {head} in {steps} steps;"
            f" the copy from before is {next(old_clinic.glob('clinic.db.before-0001-*'))}"
        ]
        assert migrate.current_revision(db) == migrate.head_revision()
        with db.read() as s:
            names = set(s.execute(text("SELECT name FROM sqlite_master")).scalars())
        assert {"ix_appointment_series", "ix_blocked_time_end", "ix_appointment_window"} <= names
        assert "waitlist_entry" in names
        assert "ix_patient_card" not in names and "ix_appointment_start" not in names
        label = s.execute(text("SELECT patient_label FROM appointment WHERE id = 'a1'"))
        assert label.scalar_one() == "Ayse Yilmaz", "the labels of existing rows are filled"
        kind = s.execute(
            text(
                "SELECT k.provider_id = a.provider_id AND k.room_id = '' AND"
                " k.service_id = a.service_id AND k.status = a.status"
                " FROM appointment AS a JOIN card_kind AS k ON k.no = a.card_kind"
            )
        )
        assert kind.scalar_one() == 1, "and so are their card kinds"
    finally:
        db.close()
    copies = list(old_clinic.glob("clinic.db.before-0001-*"))
    assert len(copies) == 1
    assert copies[0].read_bytes()[:16] != PLAINTEXT_MAGIC, "the copy stays encrypted"
    if os.name == "posix":
        assert stat.S_IMODE(copies[0].stat().st_mode) == 0o600, "and only the owner reads it"
    old = Database(copies[0], unlock(old_clinic, env={}))
    try:
        assert migrate.current_revision(old) == "0001"
        with old.read() as s:
            assert s.execute(text("SELECT name FROM room")).scalar_one() == "Room 1"
    finally:
        old.close()


def test_current_file_is_not_copied(data_dir: Path) -> None:
    open_clinic(data_dir).close()
    open_clinic(data_dir).close()
    assert not list(data_dir.glob("clinic.db.before-*"))


def test_newer_file_is_refused(data_dir: Path) -> None:
    db = open_clinic(data_dir)
    with db.write() as s:
        s.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    db.close()
    with pytest.raises(NotOurFile, match="newer version"):
        open_clinic(data_dir)


def test_one_app_per_data_folder(data_dir: Path) -> None:
    first = InstanceLock(DataDir(data_dir).lock)
    first.acquire()
    try:
        with pytest.raises(InstanceLocked, match="already running"):
            InstanceLock(DataDir(data_dir).lock).acquire()
    finally:
        first.release()
    with InstanceLock(DataDir(data_dir).lock):
        pass


def test_cli_writes_beside_a_running_app(data_dir: Path) -> None:
    """Two openers of one file (the app and the CLI): a write waits for the other, no error."""
    app, cli = open_clinic(data_dir), open_clinic(data_dir)
    try:
        with app.read() as s:
            s.execute(text("SELECT count(*) FROM room")).scalar_one()
            with cli.write() as w:
                w.execute(
                    text(
                        "INSERT INTO room (id, name, active, created_at, updated_at, "
                        "version) VALUES ('r2', 'Room 2', 1, 0, 0, 1)"
                    )
                )
        with app.read() as s:
            assert s.execute(text("SELECT count(*) FROM room")).scalar_one() == 1
    finally:
        app.close()
        cli.close()


def test_copy_holds_rows_still_in_the_wal(data_dir: Path) -> None:
    """A reader pins an old snapshot, so a checkpoint can't fold the WAL in: the copy
    must still hold the newest committed row."""
    reader, writer = open_clinic(data_dir), open_clinic(data_dir)
    try:
        with reader.read() as r:
            r.execute(text("SELECT count(*) FROM room")).scalar_one()
            with writer.write() as w:
                w.execute(
                    text(
                        "INSERT INTO room (id, name, active, created_at, updated_at, "
                        "version) VALUES ('r9', 'Room 9', 1, 0, 0, 1)"
                    )
                )
            copy = migrate.backup_before_upgrade(writer, "test")
    finally:
        reader.close()
        writer.close()
    old = Database(copy, unlock(data_dir, env={}))
    try:
        with old.read() as s:
            assert s.execute(text("SELECT name FROM room")).scalar_one() == "Room 9"
    finally:
        old.close()


def test_upgrade_reports_each_step_and_can_stop_between_them(old_clinic: Path) -> None:
    """A long upgrade tells the desk what it is doing; a Cancel stops it before the next
    step, leaving every finished step in place, and the next open carries on."""
    seen: list[tuple[int, int, str]] = []

    class Stop(Exception):
        pass

    def stop_at_third(done: int, total: int, what: str) -> None:
        seen.append((done, total, what))
        if done == 2:
            raise Stop

    with pytest.raises(Stop):
        open_clinic(old_clinic, on_step=stop_at_third)
    assert [w for _, _, w in seen] == ["copy", "0002", "0003"]
    assert all(total == len(_steps_from_0001()) for _, total, _ in seen)
    db = Database(DataDir(old_clinic).db, unlock(old_clinic, env={}))
    try:
        assert migrate.current_revision(db) == "0002", "the finished step stays, nothing more"
    finally:
        db.close()
    rest: list[tuple[int, int, str]] = []
    open_clinic(old_clinic, on_step=lambda d, t, w: rest.append((d, t, w))).close()
    assert rest[0][2] == "copy" and rest[1][2] == "0003" and rest[-1][2] == "done"
    assert rest[-1][0] == rest[-1][1]


def _steps_from_0001() -> list[str]:
    """An upgrade from 0001: the copy, then every later revision."""
    script = migrate.ScriptDirectory.from_config(migrate._config())
    return ["copy"] + [r.revision for r in script.walk_revisions() if r.revision != "0001"]
