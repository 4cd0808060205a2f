"""Patients: the search window, the patient window, consents and quick find (Ctrl+K)."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from receptionist.context import Actor, Ctx
from receptionist.models import AuditEvent, Patient
from receptionist.ops.patients import Visit
from receptionist.patients import record as patients
from receptionist.patients.search import PatientRow, rebuild_search_index
from receptionist.privacy import consents
from receptionist.store.storage import Database
from ui import messages
from ui.app import stylesheet
from ui.desk import Desk
from ui.mainwindow import MainWindow
from ui.patients import Patients, PatientWindow, install
from ui.patients.history import HistoryModel, HistoryPage
from ui.patients.search import PatientSearch
from ui.patients.table import PatientTableModel
from ui.quickfind import QuickFind

PHONE = "+905321234567"


def _prepare(db: Database, desk: Desk) -> dict[str, str]:
    """Index the seeded patients for search and give Zeynep Kaya (A-1) a phone."""
    with db.write() as s:
        rebuild_search_index(s)
        ids = {p.number: p.id for p in s.scalars(select(Patient))}
        admin = Ctx(Actor(user_id=None, role="admin", source="cli"), desk.clock)
        patients.update_patient(s, admin, ids["A-1"], phone="0532 123 45 67")
    return ids


def on_worker(desk: Desk, fn: Any) -> Any:
    return desk.tasks.run(lambda: fn(desk.tasks.database())).result(timeout=30)


@pytest.fixture
def ids(desk: Desk) -> dict[str, str]:
    return on_worker(desk, lambda db: _prepare(db, desk))  # type: ignore[no-any-return]


@pytest.fixture
def controller(window: MainWindow, ids: dict[str, str]) -> Patients:
    install(window)
    found = window.findChild(Patients)
    assert found is not None
    return found


def shot(widget: QWidget, name: str) -> None:
    """Saved only when PATIENT_SHOTS names a folder (to look at by eye)."""
    folder = os.environ.get("PATIENT_SHOTS")
    if folder:
        widget.setStyleSheet(stylesheet())
        widget.grab().save(str(Path(folder) / f"{name}.png"))
        widget.setStyleSheet("")


def action(window: MainWindow, name: str) -> QAction:
    found = window.findChild(QAction, f"action_{name}")
    assert found is not None
    return found


def open_search(qtbot: QtBot, window: MainWindow, text: str) -> PatientSearch:
    action(window, "patients").trigger()
    search = window.findChild(PatientSearch, "patientSearch")
    assert search is not None and search.isVisible()
    with qtbot.waitSignal(search.picker.shown, timeout=10_000):
        qtbot.keyClicks(search.picker.field, text)
    qtbot.waitUntil(lambda: search.picker.shown_query() == text, timeout=10_000)
    return search


def names(model: PatientTableModel) -> list[str]:
    return [model.row_at(r).display_name for r in range(model.rowCount())]


def open_record(qtbot: QtBot, controller: Patients, patient_id: str) -> PatientWindow:
    with qtbot.waitSignal(controller.opened, timeout=10_000) as opened:
        controller.open_patient(patient_id)
    shown: PatientWindow = opened.args[0]
    qtbot.waitUntil(lambda: shown.record is not None, timeout=10_000)
    return shown


def test_models_pass_the_model_tester(qtmodeltester: Any, qtbot: QtBot) -> None:
    table = PatientTableModel()
    qtmodeltester.check(table)
    table.set_rows(
        [
            PatientRow("p1", "A-1", "Zeynep Kaya", PHONE, date(1990, 5, 17)),
            PatientRow("p2", "A-2", "Mehmet Öztürk", None, None),
        ]
    )
    qtmodeltester.check(table)
    assert table.index(0, 3).data() and table.index(1, 2).data() == ""
    history = HistoryModel(ZoneInfo("Europe/Istanbul"))
    start = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    visit = Visit("v1", start, start + timedelta(minutes=30), "Check-up", "Dr. A", "no_show")
    history.set_visits([visit])
    qtmodeltester.check(history)
    assert history.index(0, 3).data() == "No-show"
    page = HistoryPage(ZoneInfo("Europe/Istanbul"))
    qtbot.addWidget(page)
    later = Visit(
        "v2", start + timedelta(days=7), start + timedelta(days=7, hours=1), "", "", "booked"
    )
    page.show_visits([visit, later], start + timedelta(days=1))
    assert page.past.visit_at(0) == visit and page.upcoming.visit_at(0) == later
    assert page.past_label.text() == "Past (1)"


def test_search_lists_the_seeded_patients(
    qtbot: QtBot, window: MainWindow, controller: Patients
) -> None:
    search = open_search(qtbot, window, "haddad")
    assert names(search.picker.model) == ["Layla Haddad"]
    assert search.open_button.isEnabled()
    shot(search, "patient_search")
    search.picker.field.clear()
    qtbot.keyClicks(search.picker.field, "a-1")
    qtbot.waitUntil(lambda: search.picker.shown_query() == "a-1", timeout=10_000)
    row = search.picker.model.row_at(0)
    assert (row.number, row.display_name, row.phone) == ("A-1", "Zeynep Kaya", PHONE)
    search.picker.field.clear()
    qtbot.keyClicks(search.picker.field, "nobody")
    qtbot.waitUntil(lambda: search.picker.shown_query() == "nobody", timeout=10_000)
    assert search.picker.model.rowCount() == 0 and "No patient" in search.picker.note.text()


def test_a_stale_search_result_is_dropped(qtbot: QtBot, desk: Desk, ids: dict[str, str]) -> None:
    search = PatientSearch(desk)
    qtbot.addWidget(search)
    finder = search.picker.finder
    seen: list[str] = []
    finder.found.connect(lambda query, _rows: seen.append(query))
    finder.set_query("kaya")
    finder.search_now()  # in flight now
    finder.set_query("smith")
    finder.search_now()  # only marks the finder dirty
    qtbot.waitUntil(lambda: "smith" in seen, timeout=10_000)
    assert seen == ["smith"]
    assert names(search.picker.model) == ["John Smith"]


def test_keyboard_down_and_enter_open_an_audited_patient_window(
    qtbot: QtBot, window: MainWindow, controller: Patients, ids: dict[str, str]
) -> None:
    search = open_search(qtbot, window, "ozturk")  # QTest cannot type "ö"; folding finds it
    assert names(search.picker.model) == ["Mehmet Öztürk"]
    qtbot.keyClick(search.picker.field, Qt.Key.Key_Down)
    assert search.picker.table.hasFocus() or QApplication.focusWidget() is search.picker.table
    with qtbot.waitSignal(controller.opened, timeout=10_000) as opened:
        qtbot.keyClick(search.picker.table, Qt.Key.Key_Return)
    shown: PatientWindow = opened.args[0]
    assert shown.objectName() == "patientWindow"
    qtbot.waitUntil(lambda: shown.record is not None, timeout=10_000)
    assert shown.heading.text() == "Mehmet Öztürk"
    assert shown.form.value("family_name") == "Öztürk"
    upcoming, past = shown.history.upcoming, shown.history.past
    assert upcoming.rowCount() + past.rowCount() == 2  # one cancelled: history keeps it
    assert {past.visit_at(r).status for r in range(past.rowCount())} | {
        upcoming.visit_at(r).status for r in range(upcoming.rowCount())
    } == {"arrived", "cancelled"}
    shot(shown, "patient_window")
    shown.tabs.setCurrentWidget(shown.history)
    shot(shown, "patient_history")

    def opened_events(db: Database) -> int:
        with db.read() as s:
            query = select(func.count()).where(
                AuditEvent.action == "open", AuditEvent.entity_id == ids["A-2"]
            )
            return int(s.scalar(query) or 0)

    assert on_worker(window.desk, opened_events) == 1


def test_a_bad_phone_is_shown_under_the_phone_field_and_nothing_is_saved(
    qtbot: QtBot,
    window: MainWindow,
    controller: Patients,
    ids: dict[str, str],
    told: list[messages.Message],
) -> None:
    shown = open_record(qtbot, controller, ids["A-1"])
    phone = shown.form.editors["phone"]
    email = shown.form.editors["email"]
    qtbot.keyClicks(email, "zeynep@example.org")
    phone.setFocus()
    phone.selectAll()  # type: ignore[union-attr]
    qtbot.keyClicks(phone, "12")
    qtbot.keyClick(phone, Qt.Key.Key_Return)  # Enter saves (the default button)
    error = shown.form.errors["phone"]
    qtbot.waitUntil(error.isVisible, timeout=10_000)
    assert "phone" in error.text() and error.accessibleName() == "Problem with phone"
    assert not shown.form.errors["email"].isVisible()
    assert "phone" in shown.note.text() and phone.hasFocus()
    assert [m for m in told if m.level >= messages.Level.WARNING] == []
    shot(shown, "patient_bad_phone")

    def stored(db: Database) -> tuple[str | None, str | None]:
        with db.read() as s:
            row = s.get(Patient, ids["A-1"])
            assert row is not None
            return row.phone, row.email

    assert on_worker(window.desk, stored) == (PHONE, None)
    phone.selectAll()  # type: ignore[union-attr]
    qtbot.keyClicks(phone, "0532 765 43 21")
    assert not error.isVisible()  # typing clears the old message
    with qtbot.waitSignal(shown.saved, timeout=10_000):
        qtbot.keyClick(phone, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert on_worker(window.desk, stored) == ("+905327654321", "zeynep@example.org")
    assert shown.form.changes() == {}


def test_a_save_that_makes_a_likely_duplicate_is_told_and_nothing_is_saved(
    qtbot: QtBot,
    window: MainWindow,
    controller: Patients,
    ids: dict[str, str],
    told: list[messages.Message],
) -> None:
    shown = open_record(qtbot, controller, ids["A-2"])
    for field, text in (("given_name", "Zeynep"), ("family_name", "Kaya"), ("phone", PHONE)):
        editor = shown.form.editors[field]
        editor.selectAll()  # type: ignore[union-attr]
        qtbot.keyClicks(editor, text)
    shown.save()
    qtbot.waitUntil(lambda: shown.note.text() == "Not saved.", timeout=10_000)
    errors = [m for m in told if m.level >= messages.Level.ERROR]
    assert len(errors) == 1 and "patient" in errors[0].text.lower()
    assert shown.save_button.isEnabled() and shown.form.changes()["given_name"] == "Zeynep"

    def name(db: Database) -> str:
        with db.read() as s:
            row = s.get(Patient, ids["A-2"])
            assert row is not None
            return row.given_name

    assert on_worker(window.desk, name) == "Mehmet"


def test_toggling_a_consent_records_the_decision(
    qtbot: QtBot, window: MainWindow, controller: Patients, ids: dict[str, str]
) -> None:
    shown = open_record(qtbot, controller, ids["A-3"])
    shown.tabs.setCurrentWidget(shown.consents)
    box = shown.consents.boxes["marketing"]
    assert not box.isChecked()
    assert shown.consents.dates["marketing"].text() == "No decision on file"
    with qtbot.waitSignal(shown.consentSaved, timeout=10_000) as saved:
        box.setFocus()
        qtbot.keyClick(box, Qt.Key.Key_Space)
    assert saved.args == ["marketing", True]
    assert box.isChecked() and box.isEnabled()
    assert shown.consents.dates["marketing"].text().startswith("Given ")
    shot(shown, "patient_consents")

    def state(db: Database) -> dict[str, bool]:
        with db.read() as s:
            return consents.current_consents(s, ids["A-3"])

    assert on_worker(window.desk, state)["marketing"] is True
    with qtbot.waitSignal(shown.consentSaved, timeout=10_000):
        qtbot.keyClick(box, Qt.Key.Key_Space)
    assert on_worker(window.desk, state)["marketing"] is False
    assert shown.consents.dates["marketing"].text().startswith("Withdrawn ")


def test_quick_find_by_keyboard_opens_the_patient(
    qtbot: QtBot, window: MainWindow, controller: Patients, ids: dict[str, str]
) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)
    qtbot.keyClick(window.schedule, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    quick = window.findChild(QuickFind, "quickFind")
    assert quick is not None and quick.isVisible()
    qtbot.waitUntil(quick.picker.field.hasFocus, timeout=5_000)
    with qtbot.waitSignal(quick.picker.shown, timeout=10_000):
        qtbot.keyClicks(quick.picker.field, "0532 123 45 67")
    assert names(quick.picker.model) == ["Zeynep Kaya"]
    shot(quick, "quick_find")
    with qtbot.waitSignal(controller.opened, timeout=10_000) as opened:
        qtbot.keyClick(quick.picker.field, Qt.Key.Key_Return)
    shown: PatientWindow = opened.args[0]
    assert shown.patient_id == ids["A-1"] and not quick.isVisible()
    qtbot.waitUntil(lambda: shown.heading.text() == "Zeynep Kaya", timeout=10_000)


def test_enter_typed_before_the_results_opens_the_first_match(
    qtbot: QtBot, window: MainWindow, controller: Patients, ids: dict[str, str]
) -> None:
    action(window, "quickFind").trigger()
    quick = window.findChild(QuickFind, "quickFind")
    assert quick is not None
    qtbot.waitUntil(quick.picker.field.hasFocus, timeout=5_000)
    qtbot.keyClicks(quick.picker.field, "smith")
    assert quick.picker.note.text() == "Searching…"
    with qtbot.waitSignal(controller.opened, timeout=10_000) as opened:
        qtbot.keyClick(quick.picker.field, Qt.Key.Key_Return)  # no results on screen yet
    assert opened.args[0].patient_id == ids["A-4"]


def test_closing_with_unsaved_changes_asks_twice_then_drops_them(
    qtbot: QtBot, window: MainWindow, controller: Patients, ids: dict[str, str]
) -> None:
    shown = open_record(qtbot, controller, ids["A-2"])
    address = shown.form.editors["address"]
    qtbot.keyClicks(address, "Moda Cd. 5")
    qtbot.keyClick(address, Qt.Key.Key_Escape)
    assert shown.isVisible() and "Not saved yet" in shown.note.text()
    qtbot.keyClick(address, Qt.Key.Key_Escape)
    assert not shown.isVisible()
    assert shown.form.changes() == {}, "left unsaved, as the note said"
    with qtbot.waitSignal(shown.loaded, timeout=10_000):
        assert controller.open_patient(ids["A-2"]) is shown  # a fresh, audited read


def test_the_lock_hides_patient_windows_and_disables_the_shortcuts(
    qtbot: QtBot, window: MainWindow, controller: Patients, ids: dict[str, str]
) -> None:
    shown = open_record(qtbot, controller, ids["A-4"])
    window.lock()
    assert not shown.isVisible() and not action(window, "quickFind").isEnabled()
    window.unlock()
    assert shown.isVisible() and action(window, "quickFind").isEnabled()
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus.index("&Appointment") < menus.index("&Patients") < menus.index("&Help")


def test_another_user_after_the_lock_sees_none_of_the_previous_windows(
    qtbot: QtBot, window: MainWindow, controller: Patients, ids: dict[str, str], told: list
) -> None:
    shown = open_record(qtbot, controller, ids["A-4"])
    window.lock()
    window.unlock(same_user=False)
    assert not shown.isVisible()
    assert controller.windows == {} and controller.search is None
    qtbot.waitUntil(lambda: any("previous user" in m.text for m in told))
    reopened = open_record(qtbot, controller, ids["A-4"])
    assert reopened is not shown, "a fresh, audited read for the new user"


def test_a_consent_decision_keeps_what_is_being_typed(
    qtbot: QtBot, window: MainWindow, controller: Patients, ids: dict[str, str]
) -> None:
    shown = open_record(qtbot, controller, ids["A-3"])
    qtbot.keyClicks(shown.form.editors["birth_date"], "1990-05-17")
    box = shown.consents.boxes["marketing"]
    with qtbot.waitSignal(shown.consentSaved, timeout=10_000):
        box.setFocus()
        qtbot.keyClick(box, Qt.Key.Key_Space)
    assert shown.form.changes() == {"birth_date": "1990-05-17"}
