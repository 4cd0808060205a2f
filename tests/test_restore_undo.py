"""A restore or an adoption that fails part-way puts everything back (#14, session 17's
review): whichever step fails (the look-only mark written, the clinic's files set aside,
one of them and not the next; the reminders' restoring marker written; the backup's
files put in place; the restored file opened), the data folder is as it was, byte for
byte: the clinic's own files in place and opening, no ``*.before-restore-*`` left, no
restoring marker, a copy's look-only mark as it was. The failure is an error that
names the folder and says nothing was changed. An adoption that fails leaves the copy
a copy and the clinic's newer backups where they were."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from backupclinic import admin, clinic_fixture, genuine_fixture
from sqlalchemy import text

from receptionist.cli.main import main
from receptionist.clock import FixedClock
from receptionist.errors import DiskFull, ReceptionistError, UserError
from receptionist.ops import backups
from receptionist.ops.patients import NewPatient, add, find
from receptionist.reminders import handover
from receptionist.settings import clinicstore
from receptionist.store import copymark, lookcopy
from receptionist.store.folder import RESTORED_COPY
from receptionist.store.storage import Database
from receptionist.store.vault import open_clinic

genuine = genuine_fixture()
clinic = clinic_fixture(backup_folder="nas")


def _backups(root: Path, db: Database, clock: FixedClock, count: int) -> list[Path]:
    """``count`` backups a day apart, a patient "Kept After" added after the first."""
    made = [backups.create(db, admin(clock), root).path]
    for _ in range(count - 1):
        clock.advance(days=1)
        if len(made) == 1:
            add(db, admin(clock), NewPatient("Kept", "After"))
        made.append(backups.create(db, admin(clock), root).path)
    clock.advance(hours=1)
    return made


LOCKS = {"app.lock", "clinic.db.inuse"}  # made by the locks, empty, kept by design


def _state(root: Path) -> dict[str, str]:
    """The data folder's files, each with its bytes hashed (its lock files' names only)."""
    if not root.exists():
        return {}
    return {
        p.name: "" if p.name in LOCKS else hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.iterdir()
        if p.is_file()
    } | {p.name + "/": "" for p in root.iterdir() if p.is_dir()}


# -- the faults: each installed before the restore, each an OS error of its step -----


def _full(name: str = "") -> OSError:
    return OSError(28, "No space left on device", name or None)


def _set_aside_part_way(monkeypatch: pytest.MonkeyPatch, root: Path) -> list[str]:
    """The clinic's key file cannot be moved (a program holds it open on Windows) once
    its database has moved: the set-aside stops part-way."""
    real = shutil.move
    moved: list[str] = []

    def move(src: str, dst: str | Path) -> object:
        if Path(src).name == "clinic.keys":
            raise PermissionError(13, "The process cannot access the file", str(src))
        done = real(src, dst)
        moved.append(Path(src).name)
        return done

    monkeypatch.setattr(shutil, "move", move)
    return moved


def _marker_fails(monkeypatch: pytest.MonkeyPatch, root: Path) -> list[str]:
    def restoring(at: Path, now: datetime) -> None:
        raise _full(str(at / handover.RESTORING))

    monkeypatch.setattr(handover, "restoring", restoring)
    return []


def _replace_fails(monkeypatch: pytest.MonkeyPatch, root: Path) -> list[str]:
    """The backup's key file is in place, its database cannot be put there."""
    real = os.replace

    def replace(src: str | Path, dst: str | Path, **kw: object) -> None:
        if Path(dst) == root / "clinic.db" and ".restore-" in str(src):
            raise _full(str(dst))
        real(src, dst, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", replace)
    return []


def _open_fails(monkeypatch: pytest.MonkeyPatch, root: Path) -> list[str]:
    """The restored file opens (its WAL made) and reading it then fails."""

    def value(*args: object, **kw: object) -> object:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(clinicstore, "value", value)
    return []


def _mark_fails_once_written(monkeypatch: pytest.MonkeyPatch, root: Path) -> list[str]:
    """A copy's new mark is written, and its folder's sync to disk then fails."""
    real = lookcopy.mark

    def mark(at: Path, *args: object, **kw: object) -> None:
        real(at, *args, **kw)  # type: ignore[arg-type]
        raise _full(str(Path(at) / RESTORED_COPY))

    monkeypatch.setattr(lookcopy, "mark", mark)
    return []


Fault = Callable[[pytest.MonkeyPatch, Path], list[str]]
FAULTS: dict[str, Fault] = {
    "set-aside part-way": _set_aside_part_way,
    "restoring marker": _marker_fails,
    "the replace": _replace_fails,
    "the open": _open_fails,
}


def _nothing_changed(told: pytest.ExceptionInfo[UserError], root: Path) -> None:
    said = str(told.value)
    assert str(root) in said and "nothing was changed" in said.lower(), said


@pytest.mark.parametrize("fault", FAULTS)
def test_a_restore_over_the_clinic_that_fails_at_any_step_leaves_it_as_it_was(
    clinic: tuple[Path, Database],
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
    fault: str,
) -> None:
    root, db = clinic
    old, newer = _backups(root, db, clock, 2)
    db.close()
    before = _state(root)
    moved = FAULTS[fault](monkeypatch, root)

    with pytest.raises(UserError) as told:
        backups.restore(root, old, clock)

    monkeypatch.undo()
    _nothing_changed(told, root)
    if fault == "set-aside part-way":
        assert moved == ["clinic.db"], "the fault did not stop the set-aside part-way"
    assert _state(root) == before, "the clinic's folder is not as it was"
    assert not list(root.glob("*.before-restore-*")) and not (root / handover.RESTORING).exists()
    assert newer.exists() and not list(newer.parent.glob("superseded-*"))
    back = open_clinic(root)
    try:
        assert len(find(back, admin(clock), "kept after")) == 1, "not the clinic's own file"
    finally:
        back.close()


@pytest.mark.parametrize("fault", [*FAULTS, "the mark"])
def test_a_restore_into_a_copy_that_fails_keeps_the_copy_and_its_mark_as_they_were(
    clinic: tuple[Path, Database],
    clock: FixedClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fault: str,
) -> None:
    root, db = clinic
    old, newer = _backups(root, db, clock, 2)
    db.close()
    look = tmp_path / "look"
    backups.restore(look, old, clock)
    mark = (look / RESTORED_COPY).read_bytes()
    before = _state(look)
    clock.advance(minutes=5)  # the new mark, were it left, would differ from the old
    (_mark_fails_once_written if fault == "the mark" else FAULTS[fault])(monkeypatch, look)

    with pytest.raises(UserError) as told:
        backups.restore(look, newer, clock)

    monkeypatch.undo()
    _nothing_changed(told, look)
    assert (look / RESTORED_COPY).read_bytes() == mark, "the copy's mark is not as it was"
    assert _state(look) == before, "the copy's folder is not as it was"
    copy = open_clinic(look)
    try:
        assert find(copy, admin(clock), "kept after") == [], "not the copy's own file"
    finally:
        copy.close()


@pytest.mark.parametrize("fault", ["the mark", "restoring marker", "the replace", "the open"])
def test_a_restore_into_an_empty_folder_that_fails_leaves_no_copy(
    clinic: tuple[Path, Database],
    clock: FixedClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fault: str,
) -> None:
    root, db = clinic
    (old,) = _backups(root, db, clock, 1)
    db.close()
    look = tmp_path / "look"
    (_mark_fails_once_written if fault == "the mark" else FAULTS[fault])(monkeypatch, look)

    with pytest.raises(UserError) as told:
        backups.restore(look, old, clock)

    monkeypatch.undo()
    _nothing_changed(told, look)
    assert set(_state(look)) <= LOCKS, "the failed restore left files behind"
    assert lookcopy.restored_copy(look) is None


# -- adopt --------------------------------------------------------------------------


def _copy_to_adopt(
    root: Path, db: Database, clock: FixedClock, tmp_path: Path
) -> tuple[Path, list[Path]]:
    """A copy restored from the oldest of three backups; the two newer ones."""
    old, newer, newest = _backups(root, db, clock, 3)
    db.close()
    look = tmp_path / "look"
    backups.restore(look, old, clock)
    return look, [newer, newest]


def _still_a_copy(look: Path, mark: bytes, newer: list[Path], clock: FixedClock) -> None:
    assert all(p.exists() for p in newer), "the clinic's newer backups were left moved"
    assert not list(newer[0].parent.glob("superseded-*")), "an empty superseded folder left"
    assert (look / RESTORED_COPY).read_bytes() == mark
    copy = open_clinic(look)
    try:
        with copy.read() as s:
            assert copymark.in_file(s) is not None, "the file's mark was lifted"
            adopted = s.execute(
                text("SELECT count(*) FROM audit_event WHERE action = 'adopt_restored_copy'")
            ).scalar_one()
        assert adopted == 0
    finally:
        copy.close()


def test_an_adoption_whose_backups_cannot_all_move_aside_leaves_the_copy_a_copy(
    clinic: tuple[Path, Database],
    clock: FixedClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first newer backup moves aside, the second cannot (the NAS went away): the
    first is put back, the copy stays a copy, and the error names the folder."""
    root, db = clinic
    look, newer = _copy_to_adopt(root, db, clock, tmp_path)
    copy = open_clinic(look)  # the mark goes into the file at the opening
    mark = (look / RESTORED_COPY).read_bytes()
    real = os.replace

    def replace(src: str | Path, dst: str | Path, **kw: object) -> None:
        if Path(src) == newer[1]:
            raise OSError(112, "Host is down", str(src))
        real(src, dst, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", replace)
    try:
        with pytest.raises(UserError) as told:
            backups.adopt(copy, admin(clock), look)
    finally:
        monkeypatch.undo()
        copy.close()
    said = str(told.value)
    assert str(newer[0].parent) in said and "nothing was changed" in said.lower(), said
    _still_a_copy(look, mark, newer, clock)


@pytest.mark.parametrize("step", ["the write", "lifting the mark"])
def test_an_adoption_that_fails_after_moving_the_backups_puts_them_back(
    clinic: tuple[Path, Database],
    clock: FixedClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    step: str,
) -> None:
    root, db = clinic
    look, newer = _copy_to_adopt(root, db, clock, tmp_path)
    copy = open_clinic(look)
    mark = (look / RESTORED_COPY).read_bytes()
    if step == "the write":

        def restored(*args: object) -> None:
            raise _full()

        monkeypatch.setattr(handover, "restored", restored)
    else:
        real = copymark.put_beside

        def put_beside(at: Path, value: bytes | None) -> None:
            if value is None:
                raise PermissionError(13, "Permission denied", str(Path(at) / RESTORED_COPY))
            real(at, value)

        monkeypatch.setattr(copymark, "put_beside", put_beside)
    try:
        with pytest.raises(ReceptionistError) as told:
            backups.adopt(copy, admin(clock), look)
    finally:
        monkeypatch.undo()
        copy.close()
    said = str(told.value)
    if step == "the write":  # the disk full: said as every write says it
        assert isinstance(told.value, DiskFull) and "Nothing was changed" in said, said
    else:
        assert isinstance(told.value, UserError), said
        assert str(look) in said and "still a copy" in said, said
    _still_a_copy(look, mark, newer, clock)


def test_an_adoption_that_cannot_put_a_backup_back_names_it_and_what_to_do(
    clinic: tuple[Path, Database],
    clock: FixedClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Session 18 (the "could not put back" error built one way for a restore and an
    adoption): the adoption's write fails after the newer backups moved aside, and one
    of them then cannot move back (the NAS went away). The error does not say nothing
    was changed; it names that backup and how to move it back by hand."""
    root, db = clinic
    look, newer = _copy_to_adopt(root, db, clock, tmp_path)
    copy = open_clinic(look)

    def restored(*args: object) -> None:
        raise _full()

    monkeypatch.setattr(handover, "restored", restored)
    real = os.replace

    def replace(src: str | Path, dst: str | Path, **kw: object) -> None:
        if Path(src).parent.name.startswith("superseded-") and Path(dst) == newer[1]:
            raise OSError(112, "Host is down", str(src))
        real(src, dst, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", replace)
    try:
        with pytest.raises(ReceptionistError) as told:
            backups.adopt(copy, admin(clock), look)
    finally:
        monkeypatch.undo()
        copy.close()
    said = str(told.value)
    assert not isinstance(told.value, UserError) and "nothing was changed" not in said.lower()
    (left,) = newer[1].parent.glob("superseded-*/" + newer[1].name)
    assert str(left) in said and str(look) in said and "Move each back" in said, said
    assert "still a copy restored to look at" in said and "is full)" in said, said
    assert newer[0].exists(), "the other backup was put back"


def test_a_restore_that_cannot_put_a_file_back_names_it_and_what_to_do(
    clinic: tuple[Path, Database],
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The marker cannot be written and the clinic's database then cannot be moved back
    either: the error does not say nothing was changed; it names the file set aside and
    how to put it back by hand (and doing so gives the clinic back)."""
    root, db = clinic
    (old,) = _backups(root, db, clock, 1)
    db.close()
    _marker_fails(monkeypatch, root)
    real = os.replace

    def replace(src: str | Path, dst: str | Path, **kw: object) -> None:
        if ".before-restore-" in Path(src).name and Path(dst).name == "clinic.db":
            raise PermissionError(13, "Permission denied", str(src))
        real(src, dst, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(ReceptionistError) as told:
        backups.restore(root, old, clock)
    monkeypatch.undo()

    said = str(told.value)
    assert not isinstance(told.value, UserError) and "nothing was changed" not in said.lower()
    (aside,) = root.glob("clinic.db.before-restore-*")
    assert str(aside) in said and "rename it back" in said, said
    assert (root / "clinic.keys").exists() and not (root / handover.RESTORING).exists()
    aside.rename(root / "clinic.db")  # as the sentence says
    open_clinic(root).close()


def test_the_cli_says_the_restore_failed_and_changed_nothing(
    clinic: tuple[Path, Database],
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, db = clinic
    (old,) = _backups(root, db, clock, 1)
    db.close()
    before = _state(root)
    _marker_fails(monkeypatch, root)
    monkeypatch.setenv("RECEPTIONIST_DATA_DIR", str(root))
    capsys.readouterr()
    assert main(["backup", "restore", str(old), "--yes"]) == 2
    said = capsys.readouterr().err
    assert f"could not be restored into {root}" in said and "Nothing was changed" in said
    assert "No space left on device" in said and "Traceback" not in said
    assert _state(root) == before
