"""Audit events kept ``retention.audit_years`` (10 by default): the sweep removes the
older ones only behind a checkpoint an anchor kept outside the file vouches for, and
the log still verifies after it, and tampering with what remains is still found."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from factories import actor_ctx, make_clinic
from sqlalchemy import text
from templates import Template, make_template

from receptionist.cli.main import main
from receptionist.clock import FixedClock, SystemClock
from receptionist.context import Ctx
from receptionist.journal import audit
from receptionist.journal.anchor import Anchor
from receptionist.ops import backups, retention
from receptionist.ops import patients as patient_ops
from receptionist.ops.setup import ClinicSpec, initialise
from receptionist.retention import auditlog, records
from receptionist.store.storage import Database
from receptionist.store.vault import Created, clinic_id, create, open_clinic

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
OPENED = NOW - timedelta(days=12 * 365)  # the clinic opened twelve years ago
CUT = datetime(2016, 11, 16, 9, 0, tzinfo=UTC)  # ten years before NOW
PASSPHRASE = "correct horse battery"  # as the clinic_template's (conftest)


def at(when: datetime) -> Ctx:
    return actor_ctx("admin", FixedClock(when), source="cli")


def _grow_old(root: Path) -> int:
    """A clinic opened twelve years ago, with patients added over the years (on hold,
    so their records stay whatever the patients' policy); how many of its events are
    older than ten years."""
    create(root, passphrase=PASSPHRASE)
    db = open_clinic(root)
    try:
        with db.write() as s:
            make_clinic(s, at(OPENED))
        made = [
            patient_ops.add(db, at(NOW - timedelta(days=years * 365)),
                            patient_ops.NewPatient("Old", f"Timer{years}"))
            for years in (11.5, 11, 10.5, 3, 1)
        ]  # fmt: skip
        for patient in made:
            retention.hold(db, at(NOW), patient.number, "kept for the test")  # type: ignore[union-attr]
        with db.read() as s:
            return int(
                s.execute(
                    text("SELECT count(*) FROM audit_event WHERE at < :cut"),
                    {"cut": CUT.timestamp() * 1e6},
                ).scalar_one()
            )
    finally:
        db.close()


@pytest.fixture(scope="module")
def old_template(tmp_path_factory: pytest.TempPathFactory) -> Template[int]:
    """The old clinic (``_grow_old``), made once for the module."""
    return make_template(tmp_path_factory.mktemp("old") / "clinic", _grow_old)


@pytest.fixture
def data_dir(
    request: pytest.FixtureRequest, tmp_path: Path, clinic_template: Template[Created]
) -> Path:
    """This test's own clinic: a copy of the old one when it asks for ``old_log``,
    else of a new one (as everywhere)."""
    root = tmp_path / "clinic"
    if "old_log" in request.fixturenames:
        request.getfixturevalue("old_template").copy_to(root)
    else:
        clinic_template.copy_to(root)
    return root


@pytest.fixture
def old_log(db: Database, old_template: Template[int]) -> int:
    """``db`` is a copy of the old clinic (``data_dir``); how many of its events are
    older than ten years."""
    return old_template.made


def anchor_now(db: Database, when: datetime = NOW) -> Anchor:
    with db.read() as s:
        return audit.anchor(s, FixedClock(when))


def verify(db: Database, anchor: Anchor | None = None) -> audit.VerifyResult:
    with db.read() as s:
        return audit.verify(s, anchor=anchor, now=NOW)


def one(db: Database, sql: str) -> object:
    with db.read() as s:
        return s.execute(text(sql)).scalar_one()


def test_old_events_go_behind_a_checkpoint_and_the_log_still_verifies(
    db: Database, old_log: int
) -> None:
    assert old_log > 3
    plan = retention.dry_run(db, at(NOW), db.path.parent)
    # The newest event past its time stays, the first of the log (its time is hashed).
    assert plan.counts["audit_event"] == old_log - 1
    assert plan.policies["audit_event"] == "retention.audit_years=10"
    kept = anchor_now(db)

    swept = retention.sweep(db, at(NOW), db.path.parent, audit_anchor=kept)

    assert swept.counts["audit_event"] == old_log - 1 and swept.audit_waiting == 0
    assert ("audit_event", old_log - 1, "retention.audit_years=10") in {
        (r.kind, r.count, r.policy) for r in swept.records
    }
    assert one(db, f"SELECT count(*) FROM audit_event WHERE at < {int(CUT.timestamp() * 1e6)}") == 1
    assert one(db, "SELECT min(seq) FROM audit_event") == old_log
    assert one(db, "SELECT seq FROM audit_checkpoint") == old_log - 1
    first_prev = one(db, "SELECT prev_hash FROM audit_event ORDER BY seq LIMIT 1")
    assert one(db, "SELECT hash FROM audit_checkpoint") == first_prev
    # The patients made eleven years ago lost their creation events, and stay.
    assert one(db, "SELECT count(*) FROM patient") == 5
    assert verify(db).ok, verify(db).message
    assert verify(db, kept).ok, verify(db, kept).message  # the anchor taken before still holds
    assert verify(db, anchor_now(db)).ok
    # Nothing more is past its time.
    again = retention.sweep(db, at(NOW), db.path.parent, audit_anchor=kept)
    assert again.counts.get("audit_event", 0) == 0 and verify(db).ok


def test_with_no_anchor_outside_the_file_no_event_goes(db: Database, old_log: int) -> None:
    before = one(db, "SELECT count(*) FROM audit_event")
    swept = retention.sweep(db, at(NOW), db.path.parent)
    assert swept.audit_waiting == old_log - 1 and swept.counts.get("audit_event", 0) == 0
    # Only the sweep's events were added: its own, and its records' (none removed).
    with db.read() as s:
        written = 1 + len(records.as_events(records.of_sweep(s, swept.sweep_id)))
    assert one(db, "SELECT count(*) FROM audit_event") == int(before) + written
    assert one(db, "SELECT count(*) FROM audit_checkpoint") == 0


def test_a_backups_anchor_vouches_for_the_cut(db: Database, old_log: int) -> None:
    made = backups.create(db, at(NOW), db.path.parent)
    swept = retention.sweep(db, at(NOW + timedelta(hours=1)), db.path.parent)
    assert swept.counts["audit_event"] == old_log - 1
    assert verify(db).ok
    # The backup's anchor still holds, for `backup create` and `backup verify`.
    assert backups.log_against_backups(db, made.path.parent, clinic_id(db.path.parent), NOW) == ""


def test_a_backup_whose_anchored_event_went_still_holds(db: Database) -> None:
    """A clinic idle for years: last week's backup anchored an event that is now
    eleven years old, which the sweep removes; the backup's anchor still holds (the
    checkpoint at that event has its hash), so `backup create` and `backup verify`
    still pass."""
    with db.write() as s:
        make_clinic(s, at(OPENED))
    patient_ops.add(db, at(OPENED + timedelta(days=30)), patient_ops.NewPatient("Old", "Timer"))
    made = backups.create(db, at(NOW - timedelta(days=7)), db.path.parent)
    swept = retention.sweep(db, at(NOW), db.path.parent, audit_anchor=anchor_now(db))
    assert swept.counts["audit_event"] > 0
    with db.read() as s:
        assert s.execute(text("SELECT count(*) FROM audit_event WHERE seq <= 2")).scalar_one() == 0
    assert backups.log_against_backups(db, made.path.parent, clinic_id(db.path.parent), NOW) == ""
    newer = backups.create(db, at(NOW + timedelta(hours=1)), db.path.parent)
    assert newer.log_problem == ""
    # The newest backup's anchor is checked with the chain, the older one on its own.
    assert backups.log_against_backups(db, made.path.parent, clinic_id(db.path.parent), NOW) == ""
    assert verify(db).ok


def test_a_log_that_fails_its_anchor_is_not_cut(db: Database, old_log: int) -> None:
    """Tampering before the sweep: removing the old events would remove the evidence."""
    kept = anchor_now(db)
    with db.write() as s:
        s.execute(text("UPDATE audit_event SET action = 'read' WHERE seq = 2"))
    swept = retention.sweep(db, at(NOW), db.path.parent, audit_anchor=kept)
    assert swept.audit_waiting == old_log - 1
    assert one(db, "SELECT count(*) FROM audit_checkpoint") == 0
    assert not verify(db).ok


@pytest.fixture
def cut(db: Database, old_log: int) -> Anchor:
    """The log after a sweep removed its old events; the anchor that vouched for it."""
    kept = anchor_now(db)
    assert retention.sweep(db, at(NOW), db.path.parent, audit_anchor=kept).counts["audit_event"]
    return kept


@pytest.mark.parametrize(
    ("tamper", "found"),
    [
        ("UPDATE audit_event SET action = 'read'"
         " WHERE seq = (SELECT max(seq) - 1 FROM audit_event)", "altered"),
        ("DELETE FROM audit_checkpoint", "missing"),
        ("UPDATE audit_checkpoint SET hash = replace(hash, substr(hash, 1, 1), 'x')", "broken"),
        # More events cut, with a checkpoint no sweep wrote (no "prune" event names it).
        ("UPDATE audit_checkpoint SET seq = seq + 1, hash = (SELECT hash FROM audit_event"
         " WHERE seq = audit_checkpoint.seq + 1), sweep_id = 'forged';"
         " DELETE FROM audit_event WHERE seq <= (SELECT seq FROM audit_checkpoint)",
         "checkpoint"),
    ],
)  # fmt: skip
def test_tampering_with_what_remains_is_still_found(
    db: Database, cut: Anchor, tamper: str, found: str
) -> None:
    with db.write() as s:
        for statement in tamper.split(";"):
            s.execute(text(statement))
    result = verify(db)
    assert not result.ok and found in result.problem, result.problem


def test_a_checkpoint_time_set_late_excuses_no_record_written_outside_the_app(
    db: Database, cut: Anchor
) -> None:
    """The checkpoint's time is not under the hashes: set in the future, it must not
    excuse a record with no creation event (here an old patient, whose creation event
    went with the cut, passed off as made yesterday)."""
    yesterday = int((NOW - timedelta(days=1)).timestamp() * 1e6)
    with db.write() as s:
        s.execute(
            text(
                "UPDATE patient SET created_at = :t WHERE created_at = (SELECT min(created_at)"
                " FROM patient)"
            ),
            {"t": yesterday},
        )
    before = verify(db)
    assert not before.ok and "no creation event" in before.problem
    with db.write() as s:
        s.execute(text("UPDATE audit_checkpoint SET at = :t"), {"t": yesterday + 10**12})
    result = verify(db)
    assert not result.ok and "no creation event" in result.problem, result.problem


def test_an_anchor_too_young_for_the_cut_is_refused(db: Database, old_log: int) -> None:
    """A checkpoint past an anchor of last month's log: no sweep removes a month-old event."""
    recent = Anchor("", 0, old_log - 2, "0" * 64, NOW - timedelta(days=30), NOW)
    kept = anchor_now(db)
    retention.sweep(db, at(NOW), db.path.parent, audit_anchor=kept)
    with db.read() as s:
        clinic = audit.anchor(s, FixedClock(NOW)).clinic_id
    young = Anchor(clinic, 0, recent.head_seq, recent.head_hash, recent.head_at, NOW)
    result = verify(db, young)
    assert not result.ok and "too recent" in result.problem
    with db.read() as s:  # the sync round's quick check of the endpoint's anchor
        assert "too recent" in str(audit.holds(s, young, NOW))
    old = Anchor(clinic, 0, young.head_seq, young.head_hash, OPENED, OPENED)
    assert verify(db, old).ok  # an anchor of events old enough to go: nothing left to check


def test_sweep_with_an_audit_anchor_through_the_cli(
    cli_env: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    opened = SystemClock().now() - timedelta(days=11 * 365)
    spec = ClinicSpec("Moda Dental", "Europe/Istanbul", "TR", "admin", "admin-password")
    initialise(cli_env, spec, FixedClock(opened))
    database = open_clinic(cli_env)
    try:
        patient_ops.add(database, at(opened), patient_ops.NewPatient("Old", "Timer"))
    finally:
        database.close()
    capsys.readouterr()
    assert main(["--json", "sweep", "--dry-run"]) == 0
    planned = json.loads(capsys.readouterr().out)["counts"]["audit_event"]
    assert planned > 0
    assert main(["--json", "sweep", "--yes"]) == 0
    assert json.loads(capsys.readouterr().out)["audit_waiting"] == planned
    assert main(["--json", "audit", "anchor"]) == 0
    kept = tmp_path / "anchor.json"
    kept.write_text(capsys.readouterr().out)
    assert main(["--json", "sweep", "--yes", "--audit-anchor", str(kept)]) == 0
    swept = json.loads(capsys.readouterr().out)
    # Every event was old but the newest, which stays: the first sweep's event is new.
    assert swept["counts"]["audit_event"] == planned and swept["audit_waiting"] == 0
    assert main(["--json", "audit", "verify", "--anchor", str(kept)]) == 0
    assert json.loads(capsys.readouterr().out)["ok"]
    assert main(["sweep", "--audit-anchor", str(tmp_path / "nowhere.json")]) == 2
    assert "anchor" in capsys.readouterr().err


@pytest.fixture
def hand_cut(db: Database) -> Anchor:
    """An attacker with the file removed last month's events behind a checkpoint of
    their own (the sweep's code, called without its age rule), vouched for by the
    newest backup's anchor (returned); last week's backup anchored a removed event."""
    with db.write() as s:
        make_clinic(s, at(NOW - timedelta(days=30)))
    patient_ops.add(db, at(NOW - timedelta(days=20)), patient_ops.NewPatient("A", "One"))
    backups.create(db, at(NOW - timedelta(days=7)), db.path.parent)
    patient_ops.add(db, at(NOW - timedelta(days=5)), patient_ops.NewPatient("B", "Two"))
    backups.create(db, at(NOW - timedelta(days=1)), db.path.parent)
    newest, week_old = backups.kept_anchors(db.path.parent)[:2]
    assert week_old.head_seq < newest.head_seq - 1
    with db.write() as s:
        auditlog.prune(s, at(NOW), week_old.head_seq + 1, newest, "f" * 36)
    return newest


def test_a_cut_by_hand_of_recent_events_is_found_by_the_backups(
    db: Database, hand_cut: Anchor
) -> None:
    """The next backup (and `backup verify`) must say so: last week's anchor names a
    removed event far too young for any sweep."""
    folder = backups.folder_for(db.path.parent)
    found = backups.log_against_backups(db, folder, clinic_id(db.path.parent), NOW)
    assert "no longer holds the event" in found or "removed by hand" in found, found


def test_a_cut_by_hand_of_recent_events_fails_verify_even_with_the_newest_anchor(
    db: Database, hand_cut: Anchor
) -> None:
    """The chain from the forged checkpoint holds the newest anchor; the log's first
    event, whose time that anchor pins, is a month old: no sweep cut before it."""
    for anchor in (hand_cut, None):
        result = verify(db, anchor)
        assert not result.ok and "removed by hand" in result.problem, result.problem
    with db.read() as s:  # an anchor taken now would vouch for the cut log
        assert not audit.verify(s, now=NOW).ok
        # The sync round's quick check of the endpoint's anchor finds it too.
        assert "removed by hand" in str(audit.holds(s, hand_cut, NOW))
