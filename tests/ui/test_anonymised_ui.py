"""A patient the retention sweep anonymised has no name left: the patient window's
heading, the search table and the booking dialog's patient field say "anonymised"
(``receptionist.models.names``, translated by ``ui.coretext.one_line``), never an
empty name."""

from __future__ import annotations

import os
from pathlib import Path

from pytestqt.qtbot import QtBot
from sqlalchemy import select, update

from receptionist.models import Patient
from receptionist.models.names import ANONYMISED
from receptionist.ops.patients import PatientRecord
from receptionist.store.storage import Database
from ui.app import stylesheet
from ui.booking import BookingDialog
from ui.desk import Desk
from ui.mainwindow import MainWindow
from ui.patients import Patients, install
from ui.patients.table import PatientTableModel


def _anonymise(db: Database, desk: Desk) -> str:
    """Zeynep Kaya (A-1) as the sweep leaves her: no names, ``anonymised_at`` set."""
    with db.write() as s:
        s.execute(
            update(Patient)
            .where(Patient.number == "A-1")
            .values(given_name="", family_name="", anonymised_at=desk.clock.now())
        )
        return str(s.scalar(select(Patient.id).where(Patient.number == "A-1")))


def _shot(qtbot: QtBot, widget: object, name: str, folder: Path) -> None:
    widget.setStyleSheet(stylesheet())  # type: ignore[attr-defined]
    assert widget.grab().save(str(folder / f"{name}.png"))  # type: ignore[attr-defined]


def test_an_anonymised_patient_is_shown_as_anonymised(
    qtbot: QtBot, window: MainWindow, desk: Desk, tmp_path: Path
) -> None:
    folder = Path(os.environ.get("PATIENT_SHOTS") or tmp_path)
    patient_id = desk.tasks.run(lambda: _anonymise(desk.tasks.database(), desk)).result(30)
    install(window)
    controller = window.findChild(Patients)
    assert controller is not None
    with qtbot.waitSignal(controller.opened, timeout=10_000) as opened:
        controller.open_patient(patient_id)
    shown = opened.args[0]
    qtbot.waitUntil(lambda: shown.record is not None, timeout=10_000)
    record: PatientRecord = shown.record
    assert record.display_name == ANONYMISED and record.row().display_name == ANONYMISED
    # a heading (and the window's title) capitalised, as each language does it: its own
    # words (#14: this pinned the lower-case "anonymised" of a name's place)
    assert shown.heading.text() == "Anonymised patient"
    assert shown.windowTitle().startswith("Anonymised patient – ")
    _shot(qtbot, shown, "anonymised-patient", folder)

    table = PatientTableModel()
    table.set_rows([record.row()])
    assert table.cell(table.row_at(0), 1) == "anonymised"

    dialog = BookingDialog(desk, patient=record.row())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.picker.patient is not None, timeout=10_000)
    assert dialog.picker.query.text() == "anonymised"
    _shot(qtbot, dialog, "anonymised-booking", folder)
