"""A copy restored to look at takes no changes at all (#14, session 18): every write of
the core is refused in one place (``Database.write``) with lookcopy's sentence, so an
edit made in it is neither lost when it is thrown away nor mixed into the clinic when
it is adopted. Opening it (sign-in) and adopting it still write; once adopted, it
takes changes again."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from backupclinic import admin, clinic_fixture, genuine_fixture

from receptionist.cli.main import main
from receptionist.clock import FixedClock
from receptionist.ops import appointments, backups
from receptionist.ops import patients as patient_ops
from receptionist.ops import settings as settings_ops
from receptionist.ops import waitlist as waitlist_ops
from receptionist.ops.patients import NewPatient
from receptionist.store import lookcopy
from receptionist.store.storage import Database
from receptionist.store.vault import open_clinic

genuine = genuine_fixture()
clinic = clinic_fixture(backup_folder="nas")

SAID = r"This is a copy restored to look at \(from the backup of .*\); it takes no changes"


def _copy(root: Path, db: Database, clock: FixedClock, tmp_path: Path) -> tuple[Path, str]:
    """A copy restored to look at of the clinic holding one patient; her id."""
    pid = patient_ops.add(db, admin(clock), NewPatient("Ada", "Lovelace")).id
    made = backups.create(db, admin(clock), root)
    look = tmp_path / "look"
    backups.restore(look, made.path, clock)
    return look, pid


def test_a_copy_refuses_every_write_through_the_core(
    clinic: tuple[Path, Database], clock: FixedClock, tmp_path: Path
) -> None:
    root, db = clinic
    look, pid = _copy(root, db, clock, tmp_path)
    copy = open_clinic(look)
    try:
        ctx = admin(clock)
        later = clock.now() + timedelta(days=1)
        tries = {
            "move": lambda: appointments.move(
                copy, ctx, "a1", appointments.MoveRequest(start=later)
            ),
            "cancel": lambda: appointments.cancel(copy, ctx, "a1", "ill"),
            "arrived": lambda: appointments.set_status(copy, ctx, "a1", "arrived"),
            "patient edit": lambda: patient_ops.update(copy, ctx, pid, {"given_name": "Eve"}),
            "settings": lambda: settings_ops.set_text(copy, ctx, "clinic.name", "Elsewhere"),
            "waitlist": lambda: waitlist_ops.add(copy, ctx, waitlist_ops.Wishes(pid, "s1")),
            "new patient": lambda: patient_ops.add(copy, ctx, NewPatient("New", "One")),
        }
        for what, attempt in tries.items():
            with pytest.raises(lookcopy.LookOnlyCopy, match=SAID) as refused:
                attempt()
            assert "backup adopt" in str(refused.value), what
        # nothing was written
        assert patient_ops.show(copy, ctx, pid).fields["given_name"] == "Ada"
        assert settings_ops.get(copy, ctx, "clinic.name").value != "Elsewhere"
        assert waitlist_ops.listing(copy, ctx) == []
    finally:
        copy.close()


def test_the_cli_in_a_copy_refuses_a_change_and_says_so(
    clinic: tuple[Path, Database],
    clock: FixedClock,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, db = clinic
    look, pid = _copy(root, db, clock, tmp_path)
    db.close()
    capsys.readouterr()
    cli = ["--data-dir", str(look)]
    assert main([*cli, "patient", "update", pid, "--given-name", "Eve"]) == 2
    assert "takes no changes" in capsys.readouterr().err
    assert main([*cli, "settings", "set", "clinic.name", "Elsewhere"]) == 2
    assert "takes no changes" in capsys.readouterr().err
    copy = open_clinic(look)
    try:
        assert patient_ops.show(copy, admin(clock), pid).fields["given_name"] == "Ada"
    finally:
        copy.close()


def test_signing_in_and_adopting_a_copy_write_and_then_it_takes_changes(
    clinic: tuple[Path, Database], clock: FixedClock, tmp_path: Path
) -> None:
    from receptionist.ops import staff

    root, db = clinic
    look, pid = _copy(root, db, clock, tmp_path)
    db.close()
    copy = open_clinic(look)
    try:
        ctx = admin(clock)
        # a sign-in is checked and audited in a copy too (a wrong one: that, not the copy)
        with pytest.raises(Exception) as wrong:
            staff.sign_in(copy, clock, "nobody", "wrong password", "ui")
        assert not isinstance(wrong.value, lookcopy.LookOnlyCopy)
        backups.adopt(copy, ctx, look)
        assert lookcopy.restored_copy(look) is None
        patient_ops.update(copy, ctx, pid, {"given_name": "Eve"})
        assert patient_ops.show(copy, ctx, pid).fields["given_name"] == "Eve"
    finally:
        copy.close()


def test_a_copy_still_exports_a_patient_s_record(
    clinic: tuple[Path, Database], clock: FixedClock, tmp_path: Path
) -> None:
    """A reviewer's finding: an export changes nothing in the copy, but its audit went
    through a plain write, refused there since the copy takes no changes; it is one of
    the looks a copy keeps (audited), as opening a record is."""
    from receptionist.ops import export

    root, db = clinic
    look, pid = _copy(root, db, clock, tmp_path)
    copy = open_clinic(look)
    try:
        made = export.export_patient(copy, admin(clock), pid, tmp_path / "ada.zip")
        assert (tmp_path / "ada.zip").exists() and made is not None
    finally:
        copy.close()
