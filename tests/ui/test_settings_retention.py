"""Settings > Retention: the policy, the dry run, and "Sweep now" off the GUI thread."""

from __future__ import annotations

import dataclasses
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from factories import actor_ctx
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from receptionist.clock import FixedClock
from receptionist.context import Actor
from receptionist.jobs.core import SWEEP
from receptionist.jobs.lease import release, take
from receptionist.journal import notary
from receptionist.ops import auditwait, patients
from receptionist.ops import settings as settings_ops
from receptionist.store.storage import Database
from ui.app import stylesheet
from ui.desk import Desk
from ui.settings import SettingsDialog
from ui.settings.retentionpage import RetentionPage
from ui.sweepnote import SweepNote

LAPSED = "retention.lapsed_patients"


def on_worker(desk: Desk, fn: Any) -> Any:
    return desk.tasks.run(lambda: fn(desk.tasks.database())).result(timeout=30)


def shot(widget: QWidget, name: str) -> None:
    """Saved only when SETTINGS_SHOTS names a folder (to look at by eye)."""
    folder = os.environ.get("SETTINGS_SHOTS")
    if folder:
        widget.setStyleSheet(stylesheet())
        for _ in range(3):
            QApplication.sendPostedEvents()
            QApplication.processEvents()
        widget.grab().save(str(Path(folder) / f"{name}.png"))
        widget.setStyleSheet("")


def old_patient(desk: Desk) -> str:
    """A patient made three years ago and never seen since: past the default policy."""
    then = FixedClock(desk.clock.now() - timedelta(days=3 * 365))

    def add(db: Database) -> str:
        made = patients.add(db, actor_ctx("admin", then), patients.NewPatient("Old", "Timer"))
        return str(made.number)  # type: ignore[union-attr]

    return str(on_worker(desk, add))


def count_patients(desk: Desk, number: str) -> int:
    def run(db: Database) -> int:
        with db.read() as s:
            sql = text("SELECT count(*) FROM patient WHERE number = :n")
            return int(s.execute(sql, {"n": number}).scalar_one())

    return int(on_worker(desk, run))


def count_anonymised(db: Database) -> int:
    with db.read() as s:
        sql = text("SELECT count(*) FROM patient WHERE anonymised_at IS NOT NULL")
        return int(s.execute(sql).scalar_one())


class Asked:
    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.questions: list[str] = []

    def __call__(self, parent: Any, question: str) -> bool:
        self.questions.append(question)
        return self.answer


def open_page(qtbot: QtBot, desk: Desk) -> tuple[SettingsDialog, RetentionPage]:
    dialog = SettingsDialog(desk, confirm=lambda _parent, _page: "discard")
    qtbot.addWidget(dialog)
    dialog.show()
    page = dialog.findChild(RetentionPage)
    assert page is not None
    dialog.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.look is not None, timeout=10_000)
    return dialog, page


def test_a_dry_run_then_a_confirmed_sweep_removes_the_lapsed_patient(
    qtbot: QtBot, desk: Desk, tmp_path: Path
) -> None:
    admin = dataclasses.replace(desk, actor=Actor(user_id=None, role="admin", source="ui"))
    note = SweepNote(admin)  # the status bar's note, as the main window holds it
    qtbot.addWidget(note)
    with qtbot.waitSignal(note.shown, timeout=10_000):
        note.refresh()
    fresh = note.status
    assert fresh is not None and fresh.waiting_for_person and not fresh.could_be_due
    assert note.isHidden(), "a new clinic: nothing can be past its time, no note"
    number = old_patient(admin)
    with qtbot.waitSignal(note.shown, timeout=10_000):
        note.refresh()
    assert not note.isHidden() and "waiting for a person" in note.text()
    dialog, page = open_page(qtbot, admin)
    assert page.last_sweep.text() == "No sweep has run yet."
    assert not page.warning.isHidden() and "waiting for a person" in page.warning.text()
    titles = [dialog.tabs.tabText(i).replace("&", "") for i in range(dialog.tabs.count())]
    assert titles[-1] == "Retention"
    shown = page.findChild(type(page.note), "policy:retention.appointment_months")
    assert shown is not None and shown.text() == "24"
    kept = page.findChild(type(page.note), "policy:retention.audit_years")
    assert kept is not None and kept.text() == "10"  # audit events, years
    page._fill({"patient": 0, "appointment": 0, "audit_event": 7}, {})
    assert page.counts.item(2, 0).text() == "Audit events"
    assert page.counts.item(2, 1).text() == "7"
    assert not page.sweep_button.isEnabled(), "no sweep before a dry run"

    page.dry_button.click()
    qtbot.waitUntil(lambda: page.plan is not None or not page.busy, timeout=20_000)
    assert page.plan is not None, page.note.text()
    assert page.counts.item(0, 0).text() == "Patients"
    assert page.counts.item(0, 1).text() == "1"
    assert [page.patients.item(i).text() for i in range(page.patients.count())] == [
        f"{number}  Old Timer"
    ]
    assert page.sweep_button.isEnabled()
    shot(dialog, "settings-retention-dry-run")

    page.ask = no = Asked(False)
    page.sweep_button.click()
    assert no.questions and "Patients: 1" in no.questions[0]
    assert count_patients(admin, number) == 1, "cancelled: nothing was swept"

    page.ask = yes = Asked(True)
    page.sweep_button.click()
    qtbot.waitUntil(lambda: "Swept" in page.note.text(), timeout=30_000)
    assert yes.questions and count_patients(admin, number) == 0
    assert page.counts.item(0, 1).text() == "1" and not page.progress.isVisible()
    assert not page.sweep_button.isEnabled(), "a new sweep wants a new dry run"
    qtbot.waitUntil(lambda: page.warning.isHidden(), timeout=10_000)
    assert page.last_sweep.text().startswith("Last sweep: 20")
    shot(dialog, "settings-retention-swept")
    dialog.swept.connect(note.refresh)  # as Settings connects it
    with qtbot.waitSignal(note.shown, timeout=10_000):
        page.swept.emit()
    assert note.isHidden(), "on time: the note goes"

    page.records_button.click()
    records = page.records
    assert records is not None
    qtbot.waitUntil(lambda: records.table.rowCount() > 0, timeout=10_000)
    shown = [
        [records.table.item(r, c).text() for c in range(4)] for r in range(records.table.rowCount())
    ]
    assert ["Patients", "1"] in [row[1:3] for row in shown]
    # the settings' labels on screen, not their keys (#14: this pinned the keys)
    assert all(row[3].startswith("Keep patients, months") for row in shown)
    assert "Old" not in str(shown) and number not in str(shown)
    assert "They match what the audit log holds." in records.note.text()
    shot(records, "settings-retention-records")
    out = tmp_path / "records.csv"
    records.save_as = lambda _parent, _name: str(out)
    records.export_button.click()
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "at,sweep_id,kind,count,policy" and len(lines) == len(shown) + 1
    assert "Exported to" in records.note.text()
    receptionist = dataclasses.replace(admin, actor=Actor("u9", "receptionist", "ui"))
    other = SweepNote(receptionist)
    qtbot.addWidget(other)
    with qtbot.waitSignal(other.shown, timeout=10_000):
        other.show_status(dataclasses.replace(note.status, waiting_for_person=True))  # type: ignore[type-var]
    assert other.isHidden(), "a receptionist cannot sweep: no note for her"


def test_a_sweep_with_no_audit_event_waiting_asks_nobody_to_act(qtbot: QtBot, desk: Desk) -> None:
    """A PC that pinned an endpoint's key and keeps no sync state: no signature would
    come for a cut (``not_syncing``), but no audit event is past its time, so the note
    after "Sweep now" says nothing of waiting (as the CLI's ``sweep``)."""
    admin = dataclasses.replace(desk, actor=Actor(user_id=None, role="admin", source="ui"))

    def pin(db: Database) -> bool:
        with db.write() as s:
            return notary.pin(s, actor_ctx("admin", desk.clock), "A" * 43 + "=")

    assert on_worker(admin, pin)
    assert on_worker(admin, auditwait.why) is not None  # the reason a cut would wait stands
    old_patient(admin)
    _dialog, page = open_page(qtbot, admin)
    page.dry_button.click()
    qtbot.waitUntil(lambda: page.plan is not None or not page.busy, timeout=20_000)
    assert page.plan is not None, page.note.text()
    page.ask = Asked(True)
    page.sweep_button.click()
    qtbot.waitUntil(lambda: "Swept" in page.note.text(), timeout=30_000)
    assert "Waiting" not in page.note.text(), page.note.text()


def test_sweep_now_waits_while_a_sweep_runs_elsewhere(qtbot: QtBot, desk: Desk) -> None:
    admin = dataclasses.replace(desk, actor=Actor(user_id=None, role="admin", source="ui"))
    old_patient(admin)

    def hold(db: Database) -> None:
        with db.write() as s:
            assert take(s, SWEEP.name, "another-pc", admin.clock.now(), 60)

    on_worker(admin, hold)
    _dialog, page = open_page(qtbot, admin)
    page.dry_button.click()
    qtbot.waitUntil(lambda: page.plan is not None, timeout=20_000)
    assert not page.sweep_button.isEnabled()
    assert "running now" in page.note.text()

    def let_go(db: Database) -> None:
        with db.write() as s:
            release(s, SWEEP.name, "another-pc")

    on_worker(admin, let_go)
    page.refresh()
    qtbot.waitUntil(page.sweep_button.isEnabled, timeout=10_000)


def test_a_receptionist_may_not_dry_run_or_sweep(qtbot: QtBot, desk: Desk) -> None:
    _dialog, page = open_page(qtbot, desk)
    assert not page.dry_button.isEnabled() and not page.sweep_button.isEnabled()
    assert "manager or an administrator" in page.note.text()


def test_a_clinic_that_keeps_statistics_sees_and_sweeps_anonymisation(
    qtbot: QtBot, desk: Desk
) -> None:
    """``retention.lapsed_patients=anonymise`` (issue #14): the page says what the choice
    keeps, the dry run counts patients to anonymise, and the sweep keeps her row."""
    admin = dataclasses.replace(desk, actor=Actor(user_id=None, role="admin", source="ui"))
    number = old_patient(admin)
    ctx = actor_ctx("admin", admin.clock)
    on_worker(admin, lambda db: settings_ops.set_value(db, ctx, LAPSED, "anonymise"))
    _dialog, page = open_page(qtbot, admin)
    shown = page.findChild(type(page.note), f"policy:{LAPSED}")
    assert shown is not None and shown.text().startswith(
        "Anonymise: the patient's appointments stay"
    ), "the choice by its label, as Settings > Clinic offers it (not the stored word)"

    page.dry_button.click()
    qtbot.waitUntil(lambda: page.plan is not None or not page.busy, timeout=20_000)
    assert page.plan is not None, page.note.text()
    shot(_dialog, "settings-retention-anonymise-words")
    rows = {page.counts.item(r, 0).text(): page.counts.item(r, 1).text()
            for r in range(page.counts.rowCount())}  # fmt: skip
    assert rows["Patients anonymised (appointments kept)"] == "1" and rows["Patients"] == "0"
    said = {page.counts.item(r, 0).text(): page.counts.item(r, 2).text()
            for r in range(page.counts.rowCount())}  # fmt: skip
    assert "Lapsed patients: Anonymise" in said["Patients anonymised (appointments kept)"]
    assert "anonymise" not in said["Patients anonymised (appointments kept)"]
    assert "1 patient(s) would be anonymised" in page.note.text()
    page.ask = yes = Asked(True)
    page.sweep_button.click()
    qtbot.waitUntil(lambda: "Swept" in page.note.text(), timeout=30_000)
    assert yes.questions and "Patients anonymised (appointments kept): 1" in yes.questions[0]
    assert count_patients(admin, number) == 0, "her number replaced"
    assert on_worker(admin, count_anonymised) == 1, "her row stays, anonymised"
