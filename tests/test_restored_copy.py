"""A backup restored into an empty folder "to look at it" is a look-only copy: it
harms nothing of the clinic's (#14, session 16). It is marked so in its data folder;
its jobs do not run (no reminders, no sync, no backups, no sweep) until a person says
it replaces the clinic (``backup adopt``); the clinic's newer backups are moved aside
only when a restore replaces the clinic (or the copy is adopted), and the restore
says what it moved and where. A backup job that finds the audit log rewritten does
not say "ok"."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from backupclinic import admin, clinic_fixture, genuine_fixture
from sqlalchemy import text
from tamper import rechain, seq_of

from receptionist.cli.main import main
from receptionist.clock import FixedClock
from receptionist.errors import UserError
from receptionist.jobs.core import CORE, sweep_now
from receptionist.jobs.runner import Runner
from receptionist.ops import backups
from receptionist.ops import reminders as reminder_ops
from receptionist.ops.patients import NewPatient, add
from receptionist.store import backup as files
from receptionist.store import lookcopy
from receptionist.store.storage import Database
from receptionist.store.vault import clinic_id, open_clinic

genuine = genuine_fixture()
# The clinic, open, with this PC's backup folder set (as the auditor's PC had).
clinic = clinic_fixture(backup_folder="nas")


def two_backups(root: Path, db: Database, clock: FixedClock) -> tuple[backups.Made, backups.Made]:
    """An older and a newer backup in this PC's backup folder, a day apart."""
    old = backups.create(db, admin(clock), root)
    clock.advance(days=1)
    add(db, admin(clock), NewPatient("Newer", "Patient"))
    newer = backups.create(db, admin(clock), root)
    clock.advance(hours=1)
    return old, newer


def test_a_restore_into_an_empty_folder_is_a_copy_that_leaves_the_clinic_alone(
    clinic: tuple[Path, Database], clock: FixedClock, tmp_path: Path
) -> None:
    root, db = clinic
    old, newer = two_backups(root, db, clock)
    look = tmp_path / "look"
    done = backups.restore(look, old.path, clock)
    # the clinic's newer backup is where it was: the clinic was not replaced
    assert newer.path.exists(), "a look-only restore moved the clinic's newer backup"
    assert done.superseded == [] and not list((tmp_path / "nas").glob("superseded-*"))
    assert done.look_only and lookcopy.restored_copy(look) is not None
    assert lookcopy.restored_copy(root) is None
    copy = open_clinic(look)
    try:
        # its jobs do not run: no backup, no sweep, no job record
        assert Runner(CORE).run_due(copy, clock) == []
        with copy.read() as s:
            assert s.execute(text("SELECT count(*) FROM job_run")).scalar_one() == 0
        # nor by hand: the backup, the sweep, the reminders are refused, saying why
        with pytest.raises(UserError, match="copy restored to look at"):
            backups.create(copy, admin(clock), look)
        with pytest.raises(UserError, match="backup adopt"):
            Runner(CORE).run_now(copy, clock, "backup")
        with pytest.raises(UserError, match="copy restored to look at"):
            sweep_now(copy, admin(clock), look)
        with pytest.raises(UserError, match="copy restored to look at"):
            reminder_ops.run(copy, admin(clock), clock, {})
    finally:
        copy.close()
    assert {p.name for p in files.found_in(tmp_path / "nas")} == {old.path.name, newer.path.name}
    # a restore into the copy again keeps it a copy, and still moves nothing
    again = backups.restore(look, newer.path, clock)
    assert again.look_only and again.superseded == [] and old.path.exists()
    marked = lookcopy.restored_copy(look)
    assert marked is not None and marked.backup_made_at == again.created_at
    # the live clinic's log still holds its backups' anchors
    assert backups.log_against_backups(db, tmp_path / "nas", clinic_id(root), clock.now()) == ""
    assert backups.verify(newer.path).ok


def test_the_cli_restore_says_it_made_a_copy_and_how_it_would_replace_the_clinic(
    clinic: tuple[Path, Database],
    clock: FixedClock,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, db = clinic
    old, newer = two_backups(root, db, clock)
    look = tmp_path / "look"
    capsys.readouterr()
    assert main(["--data-dir", str(look), "backup", "restore", str(old.path), "--yes"]) == 0
    said = capsys.readouterr().out
    assert "copy to look at" in said and "sends nothing" in said
    assert "backup adopt" in said
    assert newer.path.exists()
    # a backup made from it by hand is refused; the clinic's backups verify
    assert main(["--data-dir", str(look), "backup", "create"]) == 2
    assert "copy restored to look at" in capsys.readouterr().err
    assert main(["--data-dir", str(root), "backup", "verify"]) == 0


def test_a_restore_over_the_clinic_says_what_it_moved_and_where(
    clinic: tuple[Path, Database],
    clock: FixedClock,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, db = clinic
    old, newer = two_backups(root, db, clock)
    db.close()
    capsys.readouterr()
    argv = ["--data-dir", str(root), "backup", "restore", str(old.path), "--yes"]
    assert main(argv) == 0
    said = capsys.readouterr().out
    aside = next((tmp_path / "nas").glob("superseded-*"))
    assert (aside / newer.path.name).exists() and not newer.path.exists()
    assert str(aside) in said and newer.path.name in said
    assert lookcopy.restored_copy(root) is None, "the clinic restored over itself is the clinic"
    clock.advance(minutes=5)
    assert main(["--data-dir", str(root), "--json", "backup", "create"]) == 0
    assert json.loads(capsys.readouterr().out)["audit_problem"] is None


def test_adopting_the_copy_makes_it_the_clinic(
    clinic: tuple[Path, Database],
    clock: FixedClock,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The old PC is gone: the copy is adopted. Its jobs run from then on, and the
    backups newer than the one it came from move aside then (said, with where)."""
    root, db = clinic
    old, newer = two_backups(root, db, clock)
    db.close()
    look = tmp_path / "look"
    backups.restore(look, old.path, clock)
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(["--data-dir", str(look), "backup", "adopt"]) == 2  # asked, not confirmed
    assert "--yes" in capsys.readouterr().err
    assert lookcopy.restored_copy(look) is not None and newer.path.exists()
    assert main(["--data-dir", str(look), "backup", "adopt", "--yes"]) == 0
    said = capsys.readouterr().out
    aside = next((tmp_path / "nas").glob("superseded-*"))
    assert (aside / newer.path.name).exists() and str(aside) in said
    assert lookcopy.restored_copy(look) is None
    adopted = open_clinic(look)
    try:
        clock.advance(days=1)
        ran = {r.job: r for r in Runner(CORE).run_due(adopted, clock)}
        assert ran["backup"].outcome == "ok", ran["backup"].error
        assert ran["backup"].counts["log_problem"] == 0
    finally:
        adopted.close()
    assert main(["--data-dir", str(look), "backup", "adopt", "--yes"]) == 2  # not a copy now


def test_a_backup_job_that_finds_the_log_rewritten_does_not_say_ok(
    clinic: tuple[Path, Database], clock: FixedClock, tmp_path: Path
) -> None:
    root, db = clinic
    backups.create(db, admin(clock), root)
    with db.write() as s:
        s.execute(text("DELETE FROM audit_event WHERE seq = :n"), {"n": seq_of(s, "open")})
        rechain(s)
    clock.advance(minutes=5)
    ran = Runner(CORE).run_now(db, clock, "backup")
    assert ran is not None
    assert ran.outcome == "failed", "a rewritten log was reported as an ok backup"
    assert ran.counts["log_problem"] == 1 and ran.counts["rotated"] == 0
    assert "The backup was written" in ran.error and "audit log" in ran.error
    assert len(files.found_in(tmp_path / "nas")) == 2  # written, and nothing rotated away


def test_the_network_side_of_a_copy_is_off_too(
    clinic: tuple[Path, Database],
    clock: FixedClock,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`receptionist service`, a cloud round and a Google round are refused in a copy;
    the network's jobs (reminders' dispatch, cloud sync) are not run by the runner."""
    from sync.cli import main as sync_main
    from sync.google import round as google_round
    from sync.jobs import NETWORK_JOBS
    from sync.round import run as cloud_round

    root, db = clinic
    old = backups.create(db, admin(clock), root)
    look = tmp_path / "look"
    backups.restore(look, old.path, clock)
    capsys.readouterr()
    assert sync_main(["--data-dir", str(look), "service", "--once"]) == 2
    assert "copy restored to look at" in capsys.readouterr().err
    copy = open_clinic(look)
    try:
        assert Runner((*CORE, *NETWORK_JOBS)).run_due(copy, clock) == []
        with pytest.raises(UserError, match="does not sync"):
            cloud_round(copy, object(), clock)  # type: ignore[arg-type]
        with pytest.raises(UserError, match="does not sync"):
            google_round.run(copy, clock)
    finally:
        copy.close()


def test_a_copy_of_the_reminder_station_says_it_sends_none(
    clinic: tuple[Path, Database],
    clock: FixedClock,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The auditor's copy said "This PC sends reminders" with the same queued messages."""
    from receptionist.ops import settings as settings_ops

    root, db = clinic
    settings_ops.set_value(db, admin(clock), "reminders.enabled", True)
    assert reminder_ops.status(db).mode == "here"
    old = backups.create(db, admin(clock), root)
    look = tmp_path / "look"
    backups.restore(look, old.path, clock)
    copy = open_clinic(look)
    try:
        found = reminder_ops.status(copy)
        assert found.mode == "copy" and found.queued == 0 and found.next_due is None
    finally:
        copy.close()
    capsys.readouterr()
    assert main(["--data-dir", str(look), "reminders", "status"]) == 0
    assert "copy restored to look at: it sends no reminders" in capsys.readouterr().out


def _copy_by_hand(source: Path, target: Path) -> Path:
    """The clinic file and its key file copied into another folder, as a person copies
    them (the folder's mark beside them left behind)."""
    target.mkdir()
    for name in ("clinic.db", "clinic.keys"):
        shutil.copy2(source / name, target / name)
    return target


def test_a_copy_of_the_copy_made_by_hand_is_still_a_copy_until_adopted(
    clinic: tuple[Path, Database], clock: FixedClock, tmp_path: Path
) -> None:
    """#14, session 17: the mark was only a file beside clinic.db, so the copy's files
    copied by hand into another folder (or the folder moved without its mark) opened as
    the clinic's live PC: its jobs ran, it would send the queued reminders again. The
    mark travels in the file: such a copy is a copy until adopted, and adopting it
    still moves the clinic's newer backups aside."""
    root, db = clinic
    old, newer = two_backups(root, db, clock)
    look = tmp_path / "look"
    backups.restore(look, old.path, clock)
    hand = _copy_by_hand(look, tmp_path / "hand")
    assert not (hand / lookcopy.MARKER).exists()
    copy = open_clinic(hand)
    try:
        marked = lookcopy.restored_copy(hand)
        assert marked is not None, "a hand copy of a restored copy opened as the clinic"
        assert marked.backup_made_at is not None and marked.backup_folder == old.path.parent
        assert Runner(CORE).run_due(copy, clock) == []
        with pytest.raises(UserError, match="copy restored to look at"):
            backups.create(copy, admin(clock), hand)
        with pytest.raises(UserError, match="copy restored to look at"):
            reminder_ops.run(copy, admin(clock), clock, {})
        adopted = backups.adopt(copy, admin(clock), hand)
        assert [p.name for p in adopted.superseded] == [newer.path.name]
    finally:
        copy.close()
    assert lookcopy.restored_copy(hand) is None
    assert lookcopy.restored_copy(look) is not None, "adopting one copy lifted another's mark"
    # the adopted copy is the clinic: copied by hand again, it is no copy
    twice = _copy_by_hand(hand, tmp_path / "twice")
    open_clinic(twice).close()
    assert lookcopy.restored_copy(twice) is None


def test_a_copy_marked_only_beside_its_file_gets_the_mark_into_it_when_opened(
    clinic: tuple[Path, Database], clock: FixedClock, tmp_path: Path
) -> None:
    """A copy restored before the mark went into the file (session 16), or a restore cut
    short before it wrote it, has the mark beside the file only: opening it puts the
    mark into the file, so a copy made by hand after that is a copy too."""
    root, db = clinic
    old = backups.create(db, admin(clock), root)
    look = tmp_path / "look"
    backups.restore(look, old.path, clock)
    copy = open_clinic(look)
    try:
        with copy.write(in_copy=True) as s:  # as session 16 left it: nothing in the file
            s.execute(text("DELETE FROM local_secret WHERE key = 'restored-copy'"))
    finally:
        copy.close()
    open_clinic(look).close()
    hand = _copy_by_hand(look, tmp_path / "hand")
    open_clinic(hand).close()
    assert lookcopy.restored_copy(hand) is not None
    assert json.loads((hand / lookcopy.MARKER).read_text("utf-8")) == json.loads(
        (look / lookcopy.MARKER).read_text("utf-8")
    )


def test_a_restore_into_a_hand_copy_never_opened_keeps_it_a_copy(
    clinic: tuple[Path, Database], clock: FixedClock, tmp_path: Path
) -> None:
    """The hand copy's mark is only in its file until it is opened: a restore into it
    reads it there, so it neither replaces the clinic nor moves its backups aside."""
    root, db = clinic
    old, newer = two_backups(root, db, clock)
    look = tmp_path / "look"
    backups.restore(look, old.path, clock)
    hand = _copy_by_hand(look, tmp_path / "hand")
    again = backups.restore(hand, old.path, clock)
    assert again.look_only and again.superseded == [], "a hand copy was restored as the clinic"
    assert newer.path.exists() and lookcopy.restored_copy(hand) is not None


def test_a_copy_refuses_to_resend_a_failed_message(
    clinic: tuple[Path, Database], clock: FixedClock, tmp_path: Path
) -> None:
    """Resend in a copy set a failed message back to queued: nothing went from the copy,
    but once adopted it went (and the clinic may have resent it too). The core refuses
    it as it refuses a dispatch round, and the message is left as it was."""
    from receptionist.models import Reminder

    root, db = clinic
    old = backups.create(db, admin(clock), root)
    look = tmp_path / "look"
    backups.restore(look, old.path, clock)
    copy = open_clinic(look)
    try:
        now = clock.now()
        with copy.write(in_copy=True) as s:
            failed = Reminder(
                appointment_id="a1", patient_id="p1", kind="confirmation", rule="confirmation",
                scheduled_for=now, send_at=now, appointment_start=now, state="failed",
                channel="sms", reason="permanent:invalid_number", attempts=1, created_at=now,
                updated_at=now,
            )  # fmt: skip
            s.add(failed)
            s.flush()
            made = failed.id
        with pytest.raises(lookcopy.LookOnlyCopy, match="sends no reminders"):
            reminder_ops.resend(copy, admin(clock), made)
        with copy.read() as s:
            kept = s.get(Reminder, made)
            assert kept is not None and (kept.state, kept.attempts) == ("failed", 1)
    finally:
        copy.close()


def test_a_copy_takes_no_bookings(
    clinic: tuple[Path, Database], clock: FixedClock, tmp_path: Path
) -> None:
    """A booking made in a copy to look at is not the clinic's (nobody at the clinic
    sees it, its patient is never reminded); adopted later, its messages would go from a
    booking the clinic never made. New appointments are refused, saying why; nothing
    is written."""
    from receptionist.models import Appointment
    from receptionist.ops import appointments

    root, db = clinic
    old = backups.create(db, admin(clock), root)
    look = tmp_path / "look"
    backups.restore(look, old.path, clock)
    copy = open_clinic(look)
    try:
        with copy.read() as s:
            before = s.query(Appointment).count()
        request = appointments.BookRequest("p1", "d1", "s1", clock.now())
        with pytest.raises(lookcopy.LookOnlyCopy, match="takes no changes"):
            appointments.book(copy, admin(clock), request)
        with copy.read() as s:
            assert s.query(Appointment).count() == before
    finally:
        copy.close()
