"""Erasing a patient from the patient window (issue #14): a manager's or an
administrator's "Erase patient…", a dialog that says what goes and what stays and asks
for the number or name typed back, the erasure on the worker, the window closed after.
A patient on hold is not erased: the dialog says why and offers no Erase."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from receptionist.context import Actor, Ctx
from receptionist.models import Patient
from receptionist.ops import backups, retention
from receptionist.store.storage import Database
from ui import messages
from ui.app import stylesheet
from ui.desk import Desk
from ui.mainwindow import MainWindow
from ui.patients import Patients, PatientWindow, install
from ui.patients.erasedialog import EraseDialog

SHOT = Path(os.environ.get("ERASE_SHOTS", "/tmp"))


def on_worker(desk: Desk, fn: Any) -> Any:
    return desk.tasks.run(lambda: fn(desk.tasks.database())).result(timeout=30)


def _numbers(db: Database) -> dict[str, tuple[str, bool]]:
    with db.read() as s:
        return {p.number: (p.id, p.deleted_at is not None) for p in s.scalars(select(Patient))}


def _opened(qtbot: QtBot, window: MainWindow, patient_id: str) -> PatientWindow:
    install(window)
    controller = window.findChild(Patients)
    assert controller is not None
    shown = controller.open_patient(patient_id)
    qtbot.waitUntil(lambda: shown.record is not None, timeout=10_000)
    return shown


def _asked(qtbot: QtBot, shown: PatientWindow) -> EraseDialog:
    qtbot.mouseClick(shown.erase_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: getattr(shown, "erase_dialog", None) is not None, timeout=10_000)
    qtbot.waitUntil(shown.erase_dialog.isVisible, timeout=10_000)
    return shown.erase_dialog


def _shot(dialog: EraseDialog, name: str) -> None:
    dialog.setStyleSheet(stylesheet())  # as the app styles it, after it was laid out
    dialog.adjustSize()
    assert dialog.grab().save(str(SHOT / name))


def test_a_receptionist_has_no_erase(qtbot: QtBot, window: MainWindow) -> None:
    ids = on_worker(window.desk, _numbers)
    shown = _opened(qtbot, window, ids["A-1"][0])
    assert shown.erase_button.isHidden()


def test_erase_from_the_patient_window(
    qtbot: QtBot, admin_window: MainWindow, told: list[messages.Message]
) -> None:
    desk = admin_window.desk
    ids = on_worker(desk, _numbers)
    admin = Ctx(Actor(user_id=None, role="admin", source="ui"), desk.clock)
    on_worker(desk, lambda db: retention.hold(db, admin, "A-3", "court case 2026/114"))
    held = _opened(qtbot, admin_window, ids["A-3"][0])
    dialog = _asked(qtbot, held)
    assert "on legal or medical hold (court case 2026/114)" in dialog.hold.text()
    assert dialog.erase.isHidden() and dialog.typed.isHidden()
    _shot(dialog, "erase-patient-on-hold.png")
    dialog.reject()
    held.done(0)

    on_worker(desk, lambda db: backups.create(db, admin, desk.root))  # a copy that keeps her
    shown = _opened(qtbot, admin_window, ids["A-2"][0])
    assert not shown.erase_button.isHidden()
    dialog = _asked(qtbot, shown)
    goes = dialog.goes.text()
    assert "• appointments: 2" in goes and "• consent decisions: 0" in goes
    assert "destruction record" in dialog.stays.text()
    assert "1 backup(s) or copies of the clinic kept beside it may still hold" in (
        dialog.stays.text()
    )
    assert not dialog.erase.isEnabled() and dialog.keep.isDefault()
    qtbot.keyClicks(dialog.typed, "Mehmet Ozturkk")
    assert not dialog.erase.isEnabled()
    dialog.typed.setText("")
    qtbot.keyClicks(dialog.typed, "mehmet  ozturk")  # case, accents and spacing aside
    assert dialog.erase.isEnabled()
    _shot(dialog, "erase-patient.png")
    with qtbot.waitSignal(shown.erased, timeout=10_000):
        qtbot.mouseClick(dialog.erase, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not shown.isVisible(), timeout=10_000)
    assert on_worker(desk, _numbers)["A-2"] == (ids["A-2"][0], True)
    assert any("Patient A-2 is erased." in str(m.text) for m in told)
    controller = admin_window.findChild(Patients)
    assert controller is not None and ids["A-2"][0] not in controller.windows
