"""Settings > Retention > "Destruction records…" tells a sweep whose records were all
deleted though the audit log still holds its counts (#14, session 17's review): before,
the dialog read "No sweep has run yet." and nothing was noticed."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot
from sqlalchemy import text

from receptionist.context import Actor
from receptionist.ops import retention
from receptionist.store.storage import Database
from ui.desk import Desk
from ui.settings.destructionrecords import DestructionRecordsDialog
from ui.settings.retentionpage import kind_name


def on_worker(desk: Desk, fn: Any) -> Any:
    return desk.tasks.run(lambda: fn(desk.tasks.database())).result(timeout=30)


def _swept_then_records_deleted(desk: Desk) -> None:
    def run(db: Database) -> None:
        ctx = desk.ctx()
        retention.review(db, ctx, db.path.parent)
        retention.sweep(db, ctx, db.path.parent)
        with db.write() as s:
            s.execute(text("DELETE FROM destruction_record"))

    on_worker(desk, run)


def _shown(qtbot: QtBot, desk: Desk) -> DestructionRecordsDialog:
    dialog = DestructionRecordsDialog(desk, kind_name)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.load()
    qtbot.waitUntil(lambda: bool(dialog.note.text()), timeout=20_000)
    return dialog


def test_a_sweep_whose_records_were_deleted_is_told(
    qtbot: QtBot, desk: Desk, tmp_path: Path
) -> None:
    admin = dataclasses.replace(desk, actor=Actor(user_id=None, role="admin", source="ui"))
    _swept_then_records_deleted(admin)
    dialog = _shown(qtbot, admin)
    said = dialog.note.text()
    assert said.startswith("No destruction records."), said
    assert "holds the counts of 1 sweep(s) whose destruction records are gone" in said
    qtbot.wait(50)  # the note's new height laid out
    assert dialog.grab().save(str(tmp_path / "destruction-records-gone.png"))
    print(tmp_path / "destruction-records-gone.png")


def test_a_clinic_that_never_swept_still_reads_so(qtbot: QtBot, desk: Desk) -> None:
    admin = dataclasses.replace(desk, actor=Actor(user_id=None, role="admin", source="ui"))
    assert _shown(qtbot, admin).note.text() == "No sweep has run yet."


def test_records_from_before_the_log_kept_a_copy_are_said_so(
    qtbot: QtBot, desk: Desk, tmp_path: Path
) -> None:
    """#14, session 18: a sweep of a version before session 16 (its records, its own
    event, none of theirs) left the note silent on the audit log, as if its copy were
    missing; it says the records were kept here at the time and the copy began later."""
    admin = dataclasses.replace(desk, actor=Actor(user_id=None, role="admin", source="ui"))

    def run(db: Database) -> None:
        ctx = admin.ctx()
        retention.review(db, ctx, db.path.parent)
        retention.sweep(db, ctx, db.path.parent)
        with db.write() as s:
            s.execute(text("DELETE FROM audit_event WHERE action IN ('sweep_policy',"
                           " 'sweep_count')"))  # fmt: skip

    on_worker(admin, run)
    dialog = _shown(qtbot, admin)
    said = dialog.note.text()
    assert "from before the audit log kept a copy" in said, said
    assert "recorded here when they were made" in said and "nothing to do" in said, said
    assert "match what the audit log holds" not in said and "differ" not in said, said
    qtbot.wait(50)  # the note's new height laid out
    assert dialog.grab().save(str(tmp_path / "destruction-records-earlier.png"))
    print(tmp_path / "destruction-records-earlier.png")
