"""A restore over the clinic does not undo what the clinic destroyed after the backup
(issue #14, session 18): an erasure made since stays made (re-applied to the restored
file, audited), the destruction records of the sweeps and erasures made since are kept
(and held by the restored log), the last sweep is still known and a person's review of
the policy still stands when the policy is the same; the restore's answer says so in
counts. A failure after the carry-over still puts the clinic back byte for byte."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from factories import CLOCK_START
from sqlalchemy import select
from tamper import PASSPHRASE, genuine_clinic
from templates import Template, make_template

from receptionist.cli import main as cli_main
from receptionist.cli.main import main
from receptionist.clock import FixedClock
from receptionist.context import SYSTEM, Actor, Ctx
from receptionist.errors import UserError
from receptionist.models import AuditEvent, Patient
from receptionist.ops import backups, encryption, restorecarry, retention, sweepstatus
from receptionist.ops import patients as patient_ops
from receptionist.ops import settings as settings_ops
from receptionist.reminders import handover
from receptionist.retention import records
from receptionist.store.storage import Database
from receptionist.store.vault import open_clinic, unlock


@pytest.fixture(scope="module")
def genuine(tmp_path_factory: pytest.TempPathFactory) -> Template[datetime]:
    def build(root: Path) -> datetime:
        clock = FixedClock(CLOCK_START)
        genuine_clinic(root, clock).close()
        return clock.now()

    return make_template(tmp_path_factory.mktemp("genuine-carry") / "clinic", build)


@pytest.fixture
def clinic(
    tmp_path: Path,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
    genuine: Template[datetime],
) -> Iterator[tuple[Path, Database]]:
    monkeypatch.setenv("RECEPTIONIST_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("RECEPTIONIST_CONFIG_DIR", str(tmp_path / "config"))
    root = tmp_path / "clinic"
    clock.set(genuine.copy_to(root))
    db = open_clinic(root)
    yield root, db
    db.close()


def admin(clock: FixedClock) -> Ctx:
    return Ctx(Actor(None, "admin", "cli"), clock)


def _only_patient(db: Database) -> str:
    with db.read() as s:
        (found,) = s.scalars(select(Patient.id)).all()
        return str(found)


def _erased_after_backup(root: Path, db: Database, clock: FixedClock) -> tuple[Path, str]:
    """A backup, then the clinic's patient erased (an hour later)."""
    made = backups.create(db, admin(clock), root).path
    patient = _only_patient(db)
    clock.advance(hours=1)
    patient_ops.delete(db, admin(clock), patient)
    clock.advance(hours=1)
    return made, patient


def test_an_erasure_made_after_the_backup_is_not_undone_by_a_restore(
    clinic: tuple[Path, Database], clock: FixedClock
) -> None:
    root, db = clinic
    made, patient = _erased_after_backup(root, db, clock)
    with db.read() as s:
        (erasure,) = {r.sweep_id for r in records.recent(s) if r.policy == records.ERASURE_POLICY}
    db.close()

    done = backups.restore(root, made, clock)

    assert done.carried is not None
    assert done.carried.erasures_reapplied == 1
    db = open_clinic(root)
    try:
        with db.read() as s:
            row = s.get(Patient, patient)
            assert row is not None and row.deleted_at is not None, "she came back"
            assert row.given_name == "" and row.family_name == "", "her name is back"
            kept = records.of_sweep(s, erasure)
            assert {(r.kind, r.count) for r in kept} >= {("patient", 1)}
            assert records.in_log(s, erasure) is True, "the restored log holds the record"
            events = s.execute(
                select(AuditEvent.action, AuditEvent.source).where(
                    AuditEvent.entity_type == "patient", AuditEvent.entity_id == patient
                )
            ).all()
        assert ("erasure_reapplied", "scheduler") in events, events
        assert ("delete", "scheduler") in events, "re-applied as the erasure, by the system"
        assert patient_ops.find(db, admin(clock), "Ayse") == []
    finally:
        db.close()


def test_a_sweep_made_after_the_backup_is_still_on_record_after_a_restore(
    clinic: tuple[Path, Database], clock: FixedClock
) -> None:
    root, db = clinic
    made = backups.create(db, admin(clock), root).path
    clock.advance(hours=1)
    person = admin(clock)
    retention.review(db, person, root)
    swept = retention.sweep(db, person, root)
    assert not sweepstatus.sweep_status(db, clock).waiting_for_person
    clock.advance(hours=1)
    db.close()

    done = backups.restore(root, made, clock)

    assert done.carried is not None and done.carried.records_kept >= 1
    assert done.carried.review_kept
    db = open_clinic(root)
    try:
        listed = retention.destruction_records(db, admin(clock))
        assert swept.sweep_id in {r.sweep_id for r in listed}, "the sweep's record is gone"
        assert retention.records_in_log(db, admin(clock), [swept.sweep_id]) == {
            swept.sweep_id: True
        }
        status = sweepstatus.sweep_status(db, clock)
        assert status.last_sweep == swept.at, "sweep status says never"
        assert not status.waiting_for_person, "the nightly sweep waits for a person again"
    finally:
        db.close()


def test_the_restore_s_answer_says_what_it_carried_over(
    clinic: tuple[Path, Database],
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, db = clinic
    made, _ = _erased_after_backup(root, db, clock)
    db.close()
    monkeypatch.setenv("RECEPTIONIST_DATA_DIR", str(root))
    monkeypatch.setattr(cli_main, "default_clock", lambda: clock)
    capsys.readouterr()

    assert main(["backup", "restore", str(made), "--yes"]) == 0
    said = capsys.readouterr().out
    assert "1 erasure(s) re-applied" in said and "destruction record" in said, said
    assert "Ayse" not in said

    assert main(["backup", "restore", str(made), "--yes", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    carried = data["carried"]
    # Restored over the clinic as it is now: her erasure is re-applied again, its
    # record kept again.
    assert carried["erasures_reapplied"] == 1 and carried["records_kept"] >= 1, carried


LOCKS = {"app.lock", "clinic.db.inuse"}


def _state(root: Path) -> dict[str, str]:
    return {
        p.name: "" if p.name in LOCKS else hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.iterdir()
        if p.is_file()
    } | {p.name + "/": "" for p in root.iterdir() if p.is_dir()}


def test_a_failure_after_the_carry_over_puts_the_clinic_back_byte_for_byte(
    clinic: tuple[Path, Database], clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, db = clinic
    made, patient = _erased_after_backup(root, db, clock)
    db.close()
    before = _state(root)
    applied: list[int] = []
    real = restorecarry.apply

    def apply(*args: object, **kw: object) -> object:
        done = real(*args, **kw)  # type: ignore[arg-type]
        applied.append(done.erasures_reapplied)
        return done

    def restored(*args: object, **kw: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(restorecarry, "apply", apply)
    monkeypatch.setattr(handover, "restored", restored)

    with pytest.raises(UserError) as told:
        backups.restore(root, made, clock)

    monkeypatch.undo()
    assert applied == [1], "the fault did not come after the carry-over"
    assert "nothing was changed" in str(told.value).lower()
    assert _state(root) == before, "the clinic's folder is not as it was"
    db = open_clinic(root)
    try:
        with db.read() as s:
            row = s.get(Patient, patient)
            assert row is not None and row.deleted_at is not None
    finally:
        db.close()


def test_a_review_of_a_policy_the_restore_undid_does_not_stand(
    clinic: tuple[Path, Database], clock: FixedClock
) -> None:
    """The policy changed after the backup and was reviewed and swept under: the
    restored policy is the older one, which no person reviewed, so the nightly sweep
    waits for a person (said), while the sweep stays on record."""
    root, db = clinic
    made = backups.create(db, admin(clock), root).path
    clock.advance(hours=1)
    person = admin(clock)
    settings_ops.set_value(db, person, "retention.appointment_months", 12)
    retention.review(db, person, root)
    swept = retention.sweep(db, person, root)
    clock.advance(hours=1)
    db.close()

    done = backups.restore(root, made, clock)

    assert done.carried is not None
    assert done.carried.review_lost and not done.carried.review_kept
    told = " ".join(str(t) for t in restorecarry.told(done.carried))
    assert "waits for a person" in told, told
    db = open_clinic(root)
    try:
        status = sweepstatus.sweep_status(db, clock)
        assert status.waiting_for_person, "a policy no person reviewed lets the sweep run"
        assert status.last_sweep == swept.at
    finally:
        db.close()


def test_a_hold_lifted_before_the_erasure_is_lifted_again_and_she_stays_erased(
    clinic: tuple[Path, Database], clock: FixedClock
) -> None:
    root, db = clinic
    patient = _only_patient(db)
    retention.hold(db, admin(clock), patient, "Court case 2026/14")
    made = backups.create(db, admin(clock), root).path
    clock.advance(hours=1)
    retention.unhold(db, admin(clock), patient)
    patient_ops.delete(db, admin(clock), patient)
    clock.advance(hours=1)
    db.close()

    done = backups.restore(root, made, clock)

    assert done.carried is not None and done.carried.erasures_reapplied == 1
    db = open_clinic(root)
    try:
        assert retention.held(db, admin(clock)) == []
        with db.read() as s:
            row = s.get(Patient, patient)
            assert row is not None and row.deleted_at is not None
    finally:
        db.close()


def test_a_hold_placed_after_the_backup_is_placed_again_by_the_restore(
    clinic: tuple[Path, Database], clock: FixedClock
) -> None:
    """A reviewer's finding: a legal hold placed after the backup was dropped by the
    restore, and with the policy's review carried the nightly sweep could remove the
    patient the hold kept. It is placed again (as the system), and the answer says so."""
    root, db = clinic
    patient = _only_patient(db)
    made = backups.create(db, admin(clock), root).path
    clock.advance(hours=1)
    retention.hold(db, admin(clock), patient, "legal: court letter 2026/14")
    clock.advance(hours=1)
    db.close()

    done = backups.restore(root, made, clock)

    assert done.carried is not None and done.carried.holds_placed == 1
    said = " ".join(str(t) for t in restorecarry.told(done.carried))
    assert "1 hold(s) placed after the backup placed again" in said, said
    db = open_clinic(root)
    try:
        (kept,) = retention.held(db, admin(clock))
        assert kept.patient_id == patient and kept.reason == "legal: court letter 2026/14"
    finally:
        db.close()


def test_a_clinic_file_that_cannot_be_read_is_restored_over_and_the_answer_says_so(
    clinic: tuple[Path, Database],
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The app offers the backup for a damaged file: the restore goes on, carrying
    nothing, and says what that leaves to do."""
    root, db = clinic
    made, _ = _erased_after_backup(root, db, clock)
    db.close()
    clinic_db = root / "clinic.db"
    data = bytearray(clinic_db.read_bytes())
    for page in range(1, len(data) // 4096 + 1):  # every page damaged
        data[(page - 1) * 4096 + 300] ^= 0x01
    clinic_db.write_bytes(bytes(data))
    monkeypatch.setenv("RECEPTIONIST_DATA_DIR", str(root))
    monkeypatch.setattr(cli_main, "default_clock", lambda: clock)
    capsys.readouterr()

    assert main(["backup", "restore", str(made), "--yes"]) == 0

    said = capsys.readouterr().out
    assert "Nothing could be carried over" in said and "Erase those patients again" in said
    db = open_clinic(root)
    db.close()


def test_a_patient_the_sweep_removed_after_the_backup_is_counted_and_swept_again(
    clinic: tuple[Path, Database], clock: FixedClock
) -> None:
    """Lapsed by the policy, she comes back with the backup and lapses again by the
    same policy: the restore counts her, and the nightly sweep (its review carried)
    removes her again with no person needed."""
    root, db = clinic
    then = Ctx(Actor(None, "admin", "cli"), FixedClock(clock.now() - timedelta(days=3 * 365)))
    old = patient_ops.add(db, then, patient_ops.NewPatient("Old", "Timer"))
    assert isinstance(old, patient_ops.PatientRow)
    made = backups.create(db, admin(clock), root).path
    clock.advance(hours=1)
    retention.review(db, admin(clock), root)
    assert retention.sweep(db, admin(clock), root).counts["patient"] == 1
    clock.advance(hours=1)
    db.close()

    done = backups.restore(root, made, clock)

    assert done.carried is not None
    assert done.carried.lapsed_back == 1 and done.carried.erasures_reapplied == 0
    told = " ".join(str(t) for t in restorecarry.told(done.carried))
    assert "1 patient(s) the retention sweep removed" in told, told
    db = open_clinic(root)
    try:
        assert retention.reviewed(db), "the nightly sweep would wait for a person"
        nightly = retention.sweep(db, Ctx(SYSTEM, clock), root)
        assert nightly.counts["patient"] == 1
        with db.read() as s:
            assert s.get(Patient, old.id) is None
    finally:
        db.close()


def test_a_clinic_rekeyed_after_the_backup_is_read_with_its_own_key(
    memory_keyring: object,
    clinic: tuple[Path, Database],
    clock: FixedClock,
) -> None:
    """The backup opens with the secret of its time, which stores its key in this PC's
    keychain; the clinic it replaces is read with the key the keychain held before
    (nothing stored by the reading: the restored clinic then opens with the keychain's)."""
    root, db = clinic
    # Beside the backup folder: the rekey's own backup would rotate it away (same day).
    made = backups.create(db, admin(clock), root, to=root.parent / "kept").path
    db.close()
    shown: list[str] = []
    encryption.rekey(
        root, unlock(root), admin(clock),
        new_passphrase=lambda: "the next long passphrase", show_code=shown.append,
    )  # fmt: skip
    db = open_clinic(root)  # with the new key, from the keychain
    patient = _only_patient(db)
    clock.advance(hours=1)
    patient_ops.delete(db, admin(clock), patient)
    clock.advance(hours=1)
    db.close()

    done = backups.restore(root, made, clock)  # the backup: RECEPTIONIST_PASSPHRASE's

    assert done.carried is not None and not done.carried.unread, done.carried
    assert done.carried.erasures_reapplied == 1
    db = open_clinic(root, env={})  # the keychain's key opens the restored clinic
    try:
        with db.read() as s:
            row = s.get(Patient, patient)
            assert row is not None and row.deleted_at is not None
    finally:
        db.close()


def test_a_clinic_whose_key_is_not_at_hand_is_not_restored_over_unless_asked(
    memory_keyring: object,
    clinic: tuple[Path, Database],
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A reviewer's finding: on a PC whose keychain does not hold the clinic's key (it
    was rekeyed after the backup), nothing could be read to carry over, and the restore
    went on: the erased patient came back. Refused now, nothing changed, naming how to
    give the key; ``without_carry`` restores anyway (the person said so)."""
    root, db = clinic
    made = backups.create(db, admin(clock), root, to=root.parent / "kept").path
    db.close()
    encryption.rekey(
        root, unlock(root), admin(clock),
        new_passphrase=lambda: "the next long passphrase", show_code=lambda _code: None,
    )  # fmt: skip
    db = open_clinic(root)
    patient = _only_patient(db)
    patient_ops.delete(db, admin(clock), patient)
    db.close()
    before = _state(root)
    monkeypatch.setattr(restorecarry, "stored_key", lambda _root: None)  # another PC

    with pytest.raises(UserError, match="--without-carry") as refused:
        backups.restore(root, made, clock)

    assert "RECEPTIONIST_PASSPHRASE_FILE" in str(refused.value)
    assert _state(root) == before, "nothing changed"
    done = backups.restore(root, made, clock, without_carry=True)
    assert done.carried is not None and done.carried.locked and done.carried.unread
