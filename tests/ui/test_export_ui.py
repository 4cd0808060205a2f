"""The patient window's "Export record…" (right of access: ``ops.export``): shown to
managers and administrators only; a save dialog, the export on the worker, then a box
saying where the file is and that it holds the patient's data unencrypted."""

from __future__ import annotations

import dataclasses
import json
import os
import zipfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from receptionist.context import Actor
from receptionist.models import Patient
from ui.app import stylesheet
from ui.desk import Desk
from ui.patients import PatientWindow

SHOT = Path(os.environ.get("EXPORT_SHOTS", "/tmp"))


def _patient(desk: Desk, number: str) -> str:
    def find(db: Any) -> str:
        with db.read() as s:
            return str(s.scalar(select(Patient.id).where(Patient.number == number)))

    return str(desk.tasks.run(lambda: find(desk.tasks.database())).result(timeout=30))


def _shot(widget: QWidget, name: str) -> None:
    widget.setStyleSheet(stylesheet())
    widget.adjustSize()
    assert widget.grab().save(str(SHOT / name))


def test_export_from_the_patient_window(qtbot: QtBot, desk: Desk, tmp_path: Path) -> None:
    pid = _patient(desk, "A-2")
    at_desk = PatientWindow(desk, pid)  # a receptionist's
    qtbot.addWidget(at_desk)
    assert at_desk.export_button.isHidden()

    admin = dataclasses.replace(desk, actor=Actor(user_id=None, role="admin", source="ui"))
    win = PatientWindow(admin, pid)
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.loaded, timeout=10_000):
        win.load()
    asked: list[QFileDialog] = []

    def save(parent: QWidget, suggested: str) -> QFileDialog:
        dialog = QFileDialog(parent, "Export", suggested)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        asked.append(dialog)
        return dialog

    win.record_export.save_factory = save
    qtbot.mouseClick(win.export_button, Qt.MouseButton.LeftButton)
    assert asked and asked[0].isVisible()
    assert asked[0].selectedFiles()[0].endswith("A-2-record.zip")
    win.record_export.export_to(str(tmp_path / "nowhere" / "x.zip"))
    qtbot.waitUntil(lambda: "does not exist" in win.note.text(), timeout=10_000)
    assert not win.record_export.busy and win.record_export.box is None
    target = tmp_path / "A-2-record.zip"
    with qtbot.waitSignal(win.record_export.exported, timeout=10_000):
        asked[0].fileSelected.emit(str(target))
        asked[0].done(QFileDialog.DialogCode.Accepted)
    with zipfile.ZipFile(target) as zf:
        data = json.loads(zf.read("record.json"))
        page = zf.read("record.html").decode()
    assert data["patient"]["family_name"] == "Öztürk" and len(data["appointments"]) == 2
    assert "Mehmet Öztürk" in page
    box = win.record_export.box
    assert box is not None and box.isVisible()
    assert str(target) in box.text() and "unencrypted: hand it to the patient" in box.text()
    assert str(target) in win.note.text()
    _shot(box, "export-record-done.png")
    win.setStyleSheet(stylesheet())
    assert win.grab().save(str(SHOT / "export-record-window.png"))
    box.accept()
