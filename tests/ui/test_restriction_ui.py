"""The restriction of processing in the patient window: restricted and lifted from the
Consents tab, a badge under the name while it holds, what the file holds each time."""

from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from receptionist.models import Patient
from receptionist.patients.search import rebuild_search_index
from receptionist.privacy import restriction
from receptionist.store.storage import Database
from ui.app import stylesheet
from ui.desk import Desk
from ui.mainwindow import MainWindow
from ui.patients import Patients, PatientWindow, install, restrictionbox


def on_worker(desk: Desk, fn: Any) -> Any:
    return desk.tasks.run(lambda: fn(desk.tasks.database())).result(timeout=30)


@pytest.fixture
def ids(desk: Desk) -> dict[str, str]:
    def prepare(db: Database) -> dict[str, str]:
        with db.write() as s:
            rebuild_search_index(s)
            return {p.number: p.id for p in s.scalars(select(Patient))}

    return on_worker(desk, prepare)  # type: ignore[no-any-return]


@pytest.fixture
def controller(window: MainWindow, ids: dict[str, str]) -> Patients:
    install(window)
    found = window.findChild(Patients)
    assert found is not None
    return found


def open_record(qtbot: QtBot, controller: Patients, patient_id: str) -> PatientWindow:
    with qtbot.waitSignal(controller.opened, timeout=10_000) as opened:
        controller.open_patient(patient_id)
    shown: PatientWindow = opened.args[0]
    qtbot.waitUntil(lambda: shown.record is not None, timeout=10_000)
    return shown


def stored(desk: Desk, patient_id: str) -> tuple[bool, str]:
    def read(db: Database) -> tuple[bool, str]:
        with db.read() as s:
            row = s.get(Patient, patient_id)
            assert row is not None
            return row.restricted_at is not None, row.restriction_reason

    return on_worker(desk, read)  # type: ignore[no-any-return]


def test_restrict_and_lift_from_the_patient_window(
    qtbot: QtBot, window: MainWindow, controller: Patients, ids: dict[str, str], tmp_path: Path
) -> None:
    shown = open_record(qtbot, controller, ids["A-2"])
    shown.show()
    box = shown.restriction
    assert not shown.badge.isVisible()
    assert box.state.text().startswith("Not restricted")
    shown.tabs.setCurrentWidget(shown.consents)
    qtbot.keyClicks(box.reason, "Disputes her phone number")
    with qtbot.waitSignal(shown.restrictionSaved, timeout=10_000) as saved:
        qtbot.mouseClick(box.button, Qt.MouseButton.LeftButton)
    assert saved.args == [True]
    assert stored(window.desk, ids["A-2"]) == (True, "Disputes her phone number")
    assert shown.badge.isVisible() and "Processing restricted since" in shown.badge.text()
    assert box.state.text().startswith("Restricted since") and box.reason.isReadOnly()
    assert "Lift" in box.button.text()
    picture = shown.grab()
    assert picture.save(str(tmp_path / "patient-restricted.png"))
    folder = os.environ.get("PATIENT_SHOTS")
    if folder:
        shown.setStyleSheet(stylesheet())
        shown.grab().save(str(Path(folder) / "patient_restricted.png"))
        shown.setStyleSheet("")
    shown.load()  # opened again: what the file holds
    qtbot.waitUntil(lambda: shown.record is not None and shown.record.restricted, timeout=10_000)
    assert shown.badge.isVisible() and "Disputes her phone number" in box.reason.text()
    with qtbot.waitSignal(shown.restrictionSaved, timeout=10_000) as saved:
        qtbot.mouseClick(box.button, Qt.MouseButton.LeftButton)
    assert saved.args == [False]
    assert stored(window.desk, ids["A-2"]) == (False, "")
    assert not shown.badge.isVisible() and box.reason.text() == ""


def test_a_refused_reason_says_why_writes_nothing_and_keeps_the_reason_typed(
    qtbot: QtBot,
    window: MainWindow,
    controller: Patients,
    ids: dict[str, str],
    told: list[Any],
    tmp_path: Path,
) -> None:
    shown = open_record(qtbot, controller, ids["A-3"])
    shown.show()
    shown.tabs.setCurrentWidget(shown.consents)
    box = shown.restriction
    box.reason.setText("She disputes her address\x07")
    box.button.click()
    qtbot.waitUntil(lambda: box.isEnabled(), timeout=10_000)
    assert "reason" in shown.note.text() and told, "said, in the window and a box"
    assert stored(window.desk, ids["A-3"]) == (False, "")
    assert not shown.badge.isVisible() and "Restrict" in box.button.text()
    assert box.reason.text() == "She disputes her address\x07", "kept, to correct"
    assert not box.reason.isReadOnly()
    shown.setStyleSheet(stylesheet())
    assert shown.grab().save(str(tmp_path / "restriction-refused.png"))
    folder = os.environ.get("PATIENT_SHOTS")
    if folder:
        shown.grab().save(str(Path(folder) / "restriction_refused.png"))
    shown.setStyleSheet("")
    box.reason.setText("She disputes her address")  # corrected, pressed again: saved
    with qtbot.waitSignal(shown.restrictionSaved, timeout=10_000):
        box.button.click()
    assert stored(window.desk, ids["A-3"]) == (True, "She disputes her address")


def test_the_reason_s_limit_is_the_core_s() -> None:
    """One number: the box's limit is ``privacy.restriction.MAX_REASON`` itself."""
    source = Path(restrictionbox.__file__).read_text("utf-8")
    tree = ast.parse(source)
    assigned = [
        t.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        for t in node.targets
        if isinstance(t, ast.Name)
    ]
    assert "MAX_REASON" not in assigned
    assert "from receptionist.privacy.restriction import MAX_REASON" in source
    assert restrictionbox.MAX_REASON == restriction.MAX_REASON
