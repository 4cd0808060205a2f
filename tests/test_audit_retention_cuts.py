"""The sweep's later cuts: a backup's anchor whose event the cut removed can still be
checked (a checkpoint keeps that event's hash), one the sweep never knew is said to
be unchecked rather than verified, and a later cut walks only the events no earlier
cut walked (docs/privacy.md, "Keeping audit events for a limited time")."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from factories import actor_ctx, make_clinic
from sqlalchemy import text

from receptionist.cli.main import main
from receptionist.clock import FixedClock, SystemClock
from receptionist.context import Ctx
from receptionist.journal import audit
from receptionist.journal.anchor import Anchor
from receptionist.models import AuditCheckpoint
from receptionist.ops import backups, retention
from receptionist.ops import patients as patient_ops
from receptionist.ops.setup import ClinicSpec, initialise
from receptionist.store.storage import Database
from receptionist.store.vault import open_clinic

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
YEAR = timedelta(days=365)


def at(when: datetime) -> Ctx:
    return actor_ctx("admin", FixedClock(when), source="cli")


def add(db: Database, when: datetime, name: str) -> None:
    made = patient_ops.add(db, at(when), patient_ops.NewPatient("Old", name))
    retention.hold(db, at(when), made.number, "kept for the test")  # type: ignore[union-attr]


def anchor_now(db: Database, when: datetime = NOW) -> Anchor:
    with db.read() as s:
        return audit.anchor(s, FixedClock(when))


@pytest.fixture
def old_backup(db: Database) -> Anchor:
    """A clinic opened twelve years ago whose backup of eleven years ago (in the
    backup folder, where the sweep finds it) anchored an event in the middle of what
    is now past ``retention.audit_years``; that backup's anchor."""
    with db.write() as s:
        make_clinic(s, at(NOW - 12 * YEAR))
    add(db, NOW - 11.5 * YEAR, "A")
    backups.create(db, at(NOW - 11.4 * YEAR), db.path.parent)
    for years, name in ((11, "B"), (10.5, "C"), (3, "D"), (1, "E")):
        add(db, NOW - years * YEAR, name)
    (kept,) = backups.kept_anchors(db.path.parent)
    return kept


def test_a_backups_anchor_whose_event_the_cut_removed_is_still_checked(
    db: Database, old_backup: Anchor
) -> None:
    swept = retention.sweep(db, at(NOW), db.path.parent, audit_anchor=anchor_now(db))
    assert swept.counts["audit_event"] > old_backup.head_seq
    with db.read() as s:
        assert s.execute(text("SELECT min(seq) FROM audit_event")).scalar_one() > (
            old_backup.head_seq
        )
        # The cut stopped a batch at the backup's event: its hash is kept.
        kept = s.get(AuditCheckpoint, old_backup.head_seq)
        assert kept is not None and kept.hash == old_backup.head_hash
        result = audit.verify(s, anchor=old_backup, now=NOW)
        assert result.ok and not result.unchecked, result.message
        forged = replace(old_backup, head_hash="e" * 64)  # a backup of a rewritten log
        found = audit.verify(s, anchor=forged, now=NOW)
        assert not found.ok and "rewritten" in found.problem


def test_a_backup_written_elsewhere_vouches_and_its_event_is_kept(
    db: Database, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A backup written with --to is one of the clinic's: its anchor vouches for the
    cut (no anchor given), and its event's hash is kept by a checkpoint."""
    root, nas = db.path.parent, tmp_path_factory.mktemp("nas")
    with db.write() as s:
        make_clinic(s, at(NOW - 12 * YEAR))
    add(db, NOW - 11.5 * YEAR, "A")
    backups.create(db, at(NOW - 11.4 * YEAR), root, to=nas)
    add(db, NOW - 11 * YEAR, "B")
    backups.create(db, at(NOW - 1 * YEAR), root, to=nas)
    old, recent = sorted(backups.kept_anchors(root), key=lambda a: a.head_seq)
    swept = retention.sweep(db, at(NOW), root)
    assert swept.counts["audit_event"] > old.head_seq and swept.audit_waiting == 0
    with db.read() as s:
        kept = s.get(AuditCheckpoint, old.head_seq)
        assert kept is not None and kept.hash == old.head_hash
        assert audit.verify(s, anchor=recent, now=NOW).ok


def test_an_anchor_the_sweep_never_knew_is_said_to_be_unchecked(
    db: Database, old_backup: Anchor, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A backup kept in another folder: its event went, and no checkpoint kept it."""
    elsewhere = tmp_path_factory.mktemp("nas")
    retention.sweep(db, at(NOW), db.path.parent, audit_anchor=anchor_now(db))
    unknown = replace(old_backup, head_seq=old_backup.head_seq - 1)
    with db.read() as s:
        result = audit.verify(s, anchor=unknown, now=NOW)
    assert result.ok and result.unchecked
    assert "cannot be checked" in str(result.message)
    backups.create(db, at(NOW), db.path.parent, to=elsewhere)
    root = db.path.parent
    there = backups.listing(db, at(NOW), root, folder=elsewhere)
    assert there and backups.unchecked_anchors(db, there) == []  # its event is kept
    assert backups.unchecked_anchors(db, backups.listing(db, at(NOW), root)) == []


def walks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Where each walk of the chain began (event number), as the sweep walks it."""
    began: list[int] = []
    real = audit.walk

    def spy(session: object, after: int, prev: str, upto: int | None = None) -> object:
        began.append(after)
        return real(session, after, prev, upto)  # type: ignore[arg-type]

    monkeypatch.setattr(audit, "walk", spy)
    return began


def test_a_later_cut_walks_only_from_the_last_anchor_walked(
    db: Database, old_backup: Anchor, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = anchor_now(db)
    began = walks(monkeypatch)
    assert retention.sweep(db, at(NOW), db.path.parent, audit_anchor=first).counts["audit_event"]
    assert began == [0]  # the first cut walks the whole log
    later = NOW + 8 * YEAR
    add(db, later - timedelta(days=1), "F")
    second = anchor_now(db, later)
    began.clear()
    with db.read() as s:
        start = s.execute(text("SELECT max(seq) FROM audit_checkpoint")).scalar_one()
    swept = retention.sweep(db, at(later), db.path.parent, audit_anchor=second)
    assert swept.counts["audit_event"] > 0
    # The events about to go (from the checkpoint), then from the first cut's anchor:
    # not the events the first cut walked and this one keeps.
    assert began == [start, first.head_seq - 1]
    with db.read() as s:
        assert audit.verify(s, anchor=second, now=later).ok


def test_a_later_cut_still_finds_tampering_in_what_it_walks(
    db: Database, old_backup: Anchor
) -> None:
    first = anchor_now(db)
    retention.sweep(db, at(NOW), db.path.parent, audit_anchor=first)
    later = NOW + 8 * YEAR
    add(db, later - timedelta(days=1), "F")
    second = anchor_now(db, later)
    with db.write() as s:  # the first cut's anchor event itself, rewritten
        s.execute(text(f"UPDATE audit_event SET action = 'read' WHERE seq = {first.head_seq}"))
    swept = retention.sweep(db, at(later), db.path.parent, audit_anchor=second)
    assert swept.counts.get("audit_event", 0) == 0 and swept.audit_waiting > 0


def test_a_later_cut_refuses_a_row_it_would_excuse_without_its_creation_event(
    db: Database, old_backup: Anchor
) -> None:
    """A patient passed off as eleven years old whose creation event was renamed
    (before the first cut's anchor, where the later cut no longer walks the chain):
    cutting would excuse it for good, so nothing goes."""
    first = anchor_now(db)
    retention.sweep(db, at(NOW), db.path.parent, audit_anchor=first)
    later = NOW + 8 * YEAR
    add(db, later - timedelta(days=1), "F")
    second = anchor_now(db, later)
    with db.write() as s:
        newest = s.execute(text("SELECT id FROM patient ORDER BY created_at DESC LIMIT 1 OFFSET 1"))
        patient = newest.scalar_one()
        old = int((NOW - 4 * YEAR).timestamp() * 1e6)  # in the second cut's window
        s.execute(text(f"UPDATE patient SET created_at = {old} WHERE id = '{patient}'"))
        s.execute(
            text(
                "UPDATE audit_event SET entity_id = 'gone'"
                f" WHERE entity_id = '{patient}' AND action = 'create'"
            )
        )
    swept = retention.sweep(db, at(later), db.path.parent, audit_anchor=second)
    assert swept.counts.get("audit_event", 0) == 0 and swept.audit_waiting > 0
    swept = retention.sweep(db, at(later), db.path.parent, audit_anchor=second)
    assert swept.counts.get("audit_event", 0) == 0 and swept.audit_waiting > 0


def test_backup_verify_names_a_backup_whose_anchor_can_no_longer_be_checked(
    cli_env: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A backup moved by hand to another folder (the sweep never saw it: it deletes
    expired backups only where this PC wrote them) anchored an event the sweep
    removed: `backup verify` says it cannot be checked, not that it verifies."""
    now = SystemClock().now()
    spec = ClinicSpec("Moda Dental", "Europe/Istanbul", "TR", "admin", "admin-password")
    initialise(cli_env, spec, FixedClock(now - 12 * YEAR))
    other = tmp_path / "nas"
    db = open_clinic(cli_env)
    try:
        for years, name in ((11.5, "A"), (11.4, None), (11, "B"), (10.5, "C"), (3, "D")):
            if name is None:
                backups.create(db, at(now - years * YEAR), cli_env, to=other)
            else:
                made = patient_ops.add(
                    db, at(now - years * YEAR), patient_ops.NewPatient("O", name)
                )
                retention.hold(db, at(now - years * YEAR), made.number, "kept")  # type: ignore[union-attr]
        other = other.rename(tmp_path / "moved-by-hand")
        swept = retention.sweep(db, at(now), cli_env, audit_anchor=anchor_now(db, now))
        assert swept.counts["audit_event"] > 0
    finally:
        db.close()
    capsys.readouterr()
    assert main(["--json", "backup", "verify", "--folder", str(other)]) == 0
    [unchecked] = json.loads(capsys.readouterr().out)["unchecked_backups"]
    assert main(["backup", "verify", "--folder", str(other)]) == 0
    said = capsys.readouterr().out
    assert "can no longer be checked" in said
    # the anchor's time is the clinic's, as every other the CLI tells (session 18: UTC)
    taken = datetime.fromisoformat(unchecked).astimezone(ZoneInfo("Europe/Istanbul"))
    assert f"older backups ({taken:%Y-%m-%d %H:%M})" in said and "UTC" not in said, said


def test_a_later_cut_refuses_to_remove_an_event_altered_since_the_first_cut(
    db: Database, old_backup: Anchor
) -> None:
    """An event between the first cut's checkpoint and that cut's anchor, altered
    afterwards, is evidence: the later cut would remove it, so nothing goes (the
    anchored event's hash is unchanged, the altered event's own is not)."""
    first = anchor_now(db)
    retention.sweep(db, at(NOW), db.path.parent, audit_anchor=first)
    later = NOW + 8 * YEAR
    add(db, later - timedelta(days=1), "F")
    second = anchor_now(db, later)
    with db.write() as s:
        start = s.execute(text("SELECT min(seq) FROM audit_event")).scalar_one()
        assert start + 1 < first.head_seq
        s.execute(text(f"UPDATE audit_event SET source = 'ui' WHERE seq = {start + 1}"))
    with db.read() as s:
        assert not audit.verify(s, anchor=second, now=later).ok  # the tampering shows
    swept = retention.sweep(db, at(later), db.path.parent, audit_anchor=second)
    assert swept.counts.get("audit_event", 0) == 0 and swept.audit_waiting > 0
    with db.read() as s:
        assert not audit.verify(s, anchor=second, now=later).ok  # and still shows
