"""An open patient window's Appointments tab follows the patient's appointments at
once (#16, Booking): booked from the window, moved, cancelled or a status changed on
the schedule, or written by the CLI; only the visits are read again, so what is
being typed in Details stays."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select
from uiseed import DAY, PASSPHRASE, USER, Seeded, at

from receptionist.models import AuditEvent
from receptionist.ops import appointments
from receptionist.ops.appointments import MoveRequest
from ui.desk import Desk
from ui.mainwindow import MainWindow
from ui.patients import Patients, PatientWindow, install

WAIT = 10_000
ROOT = Path(__file__).resolve().parents[2]


def on_worker(desk: Desk, fn: Any) -> Any:
    return desk.tasks.run(lambda: fn(desk.tasks.database())).result(timeout=30)


@pytest.fixture
def controller(window: MainWindow) -> Patients:
    install(window)
    found = window.findChild(Patients)
    assert found is not None
    return found


def open_record(qtbot: QtBot, controller: Patients, patient_id: str) -> PatientWindow:
    shown = controller.open_patient(patient_id)
    qtbot.waitUntil(lambda: shown.record is not None, timeout=WAIT)
    return shown


def patient_of(desk: Desk, appointment_id: str) -> str:
    info = on_worker(desk, lambda db: appointments.show(db, desk.ctx(), appointment_id))
    return str(info.patient_id)


def listed(shown: PatientWindow) -> dict[str, str]:
    """Every visit the Appointments tab shows: id -> status."""
    history = shown.history
    rows = [m.visit_at(r) for m in (history.upcoming, history.past) for r in range(m.rowCount())]
    return {v.id: v.status for v in rows}


def typed_email(qtbot: QtBot, shown: PatientWindow) -> None:
    """An unsaved edit in Details, which no reload of the visits may touch."""
    qtbot.keyClicks(shown.form.editors["email"], "typed@example.org")
    assert shown.form.changes() == {"email": "typed@example.org"}


def openings(desk: Desk) -> int:
    def count(db: Any) -> int:
        with db.read() as s:
            opened = select(func.count()).where(AuditEvent.action == "open")
            return int(s.scalar(opened.select_from(AuditEvent)) or 0)

    return int(on_worker(desk, count))


def test_a_visit_booked_from_the_patient_window_shows_in_its_appointments_at_once(
    qtbot: QtBot, window: MainWindow, controller: Patients, seeded: Seeded
) -> None:
    pid = patient_of(window.desk, seeded.ids["a3"])  # Layla Haddad: one visit, at 11:00
    shown = open_record(qtbot, controller, pid)
    assert set(listed(shown)) == {seeded.ids["a3"]}
    typed_email(qtbot, shown)
    qtbot.mouseClick(shown.book_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.booking.dialog is not None, timeout=WAIT)
    dialog = window.booking.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.picker.patient is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: dialog.service.count() > 0, timeout=WAIT)
    dialog.service.setCurrentIndex(0)  # Check-up
    dialog.asked.day.setDate(DAY + timedelta(days=2))  # Wednesday: ahead, nothing asked
    qtbot.waitUntil(
        lambda: dialog.slot_list.count() > 0 and not dialog.times.busy()
        and dialog.slot_list.slots()[0].start >= at("00:00", DAY + timedelta(days=2)),
        timeout=WAIT,
    )  # fmt: skip
    dialog.slot_list.setCurrentRow(0)
    booked: list[str] = []
    dialog.booked.connect(booked.append)
    dialog.book()
    qtbot.waitUntil(lambda: len(booked) == 1 and booked[0] in listed(shown), timeout=WAIT)
    assert shown.history.upcoming_label.text() == "Upcoming (2)"
    assert shown.form.changes() == {"email": "typed@example.org"}, "Details left alone"
    assert shown.form.value("email") == "typed@example.org"


def test_a_move_a_status_and_a_cancel_on_the_schedule_follow_in_the_open_window(
    qtbot: QtBot, window: MainWindow, controller: Patients, seeded: Seeded
) -> None:
    desk, a1, o2 = window.desk, seeded.ids["a1"], seeded.ids["o2"]
    pid = patient_of(desk, a1)  # Zeynep Kaya: a1 (09:00, past) and o2 (09:45, now)
    shown = open_record(qtbot, controller, pid)
    assert listed(shown) == {a1: "confirmed", o2: "booked"}
    typed_email(qtbot, shown)
    audited = openings(desk)
    on_worker(desk, lambda db: appointments.set_status(db, desk.ctx(), o2, "arrived"))
    qtbot.waitUntil(lambda: listed(shown).get(o2) == "arrived", timeout=WAIT)
    later = MoveRequest(start=at("16:00"))
    on_worker(desk, lambda db: appointments.move(db, desk.ctx(), o2, later))
    qtbot.waitUntil(
        lambda: shown.history.upcoming.rowCount() == 1
        and shown.history.upcoming.visit_at(0).start_utc == at("16:00"),
        timeout=WAIT,
    )  # fmt: skip
    on_worker(desk, lambda db: appointments.cancel(db, desk.ctx(), o2, "Called to cancel"))
    qtbot.waitUntil(lambda: listed(shown).get(o2) == "cancelled", timeout=WAIT)
    assert shown.form.changes() == {"email": "typed@example.org"}, "Details left alone"
    assert openings(desk) == audited, "reading the visits again is not a reopening"


def _cli(seeded: Seeded, *words: str) -> None:
    env = dict(os.environ)
    env.update(
        RECEPTIONIST_PASSPHRASE=PASSPHRASE,
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        PYTHONPATH=str(ROOT),
    )
    argv = [sys.executable, "-m", "receptionist.cli.main", "--data-dir", str(seeded.root)]
    done = subprocess.run([*argv, "--user", USER, *words], env=env, capture_output=True)
    assert done.returncode == 0, done.stderr.decode(errors="replace")


def test_a_status_written_by_the_cli_reaches_the_open_window(
    qtbot: QtBot, window: MainWindow, controller: Patients, seeded: Seeded
) -> None:
    a2 = seeded.ids["a2"]
    shown = open_record(qtbot, controller, patient_of(window.desk, a2))  # Mehmet Öztürk
    assert listed(shown)[a2] == "arrived"
    _cli(seeded, "appointment", "status", a2, "in_room")
    qtbot.waitUntil(lambda: listed(shown)[a2] == "in_room", timeout=WAIT)
