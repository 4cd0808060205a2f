"""The patients at the desk (#16, Patients): Book from the record (and Ctrl+N there),
New patient, the two finders' roles, phones in national form, languages by name and
dates as lists show them, and the front-desk alert on the card, the record and when
booking."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QLocale, QPoint, QPointF, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QComboBox, QMenu
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from uiseed import Seeded

from receptionist.context import Actor, Ctx
from receptionist.models import Patient
from receptionist.ops import patients as ops_patients
from receptionist.patients import record as patients
from receptionist.patients.search import rebuild_search_index
from receptionist.store.storage import Database
from ui.booking import BookingDialog
from ui.desk import Desk
from ui.mainwindow import MainWindow
from ui.patients import Patients, PatientWindow, install
from ui.patients.newpatient import NewPatientDialog
from ui.patients.search import PatientSearch
from ui.quickfind import QuickFind
from ui.schedule import look

WAIT = 10_000
ROOT = Path(__file__).resolve().parents[2]
ALERT = "Needs wheelchair access"


def _prepare(db: Database, desk: Desk) -> dict[str, str]:
    """Index the seeded patients; Zeynep Kaya (A-1) gets a Turkish phone, a birth date
    and an alert; John Smith (A-4) a British phone."""
    with db.write() as s:
        rebuild_search_index(s)
        ids = {p.number: p.id for p in s.scalars(select(Patient))}
        admin = Ctx(Actor(user_id=None, role="admin", source="cli"), desk.clock)
        patients.update_patient(
            s, admin, ids["A-1"], phone="0532 123 45 67", birth_date="1990-05-17",
            preferred_language="tr", alert=ALERT, consents={"optional_data": True},
        )  # fmt: skip
        patients.update_patient(s, admin, ids["A-4"], phone="+44 20 7946 0958")
    return ids


def on_worker(desk: Desk, fn: Any) -> Any:
    return desk.tasks.run(lambda: fn(desk.tasks.database())).result(timeout=30)


@pytest.fixture
def ids(window: MainWindow) -> dict[str, str]:
    desk = window.desk
    found: dict[str, str] = on_worker(desk, lambda db: _prepare(db, desk))
    return found


@pytest.fixture
def controller(window: MainWindow, ids: dict[str, str]) -> Patients:
    install(window)
    found = window.findChild(Patients)
    assert found is not None
    return found


def action(window: MainWindow, name: str) -> QAction:
    found = window.findChild(QAction, f"action_{name}")
    assert found is not None
    return found


def open_record(qtbot: QtBot, controller: Patients, patient_id: str) -> PatientWindow:
    with qtbot.waitSignal(controller.opened, timeout=WAIT) as opened:
        controller.open_patient(patient_id)
    shown: PatientWindow = opened.args[0]
    qtbot.waitUntil(lambda: shown.record is not None, timeout=WAIT)
    return shown


def booking_opened(qtbot: QtBot, window: MainWindow) -> BookingDialog:
    qtbot.waitUntil(lambda: window.booking.dialog is not None, timeout=WAIT)
    dialog = window.booking.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.picker.patient is not None, timeout=WAIT)
    return dialog


def stored(window: MainWindow, patient_id: str, field: str) -> object:
    def read(db: Database) -> object:
        with db.read() as s:
            return getattr(s.get(Patient, patient_id), field)

    return on_worker(window.desk, read)


# --- Book from the patient window --------------------------------------------------------
def test_the_patient_windows_book_button_books_this_patient(
    qtbot: QtBot, window: MainWindow, controller: Patients, ids: dict[str, str]
) -> None:
    shown = open_record(qtbot, controller, ids["A-2"])
    assert shown.book_button.isEnabled() and "Ctrl+N" in shown.book_button.toolTip()
    qtbot.mouseClick(shown.book_button, Qt.MouseButton.LeftButton)
    dialog = booking_opened(qtbot, window)
    assert dialog.picker.patient is not None and dialog.picker.patient.id == ids["A-2"]
    dialog.close()


def test_the_patient_to_book_is_the_row_a_search_finds_made_by_one_builder(
    qtbot: QtBot, window: MainWindow, controller: Patients, ids: dict[str, str]
) -> None:
    """The window's patient to book, a search's row and the waitlist's are alike: one
    builder (``search.patient_row``) makes every ``PatientRow``."""
    shown = open_record(qtbot, controller, ids["A-1"])
    ctx = window.desk.ctx()
    found = on_worker(window.desk, lambda db: ops_patients.find(db, ctx, "Zeynep Kaya"))
    row = next(r for r in found if r.id == ids["A-1"])
    assert shown.booking_patient() == row
    assert (row.display_name, row.alert) == ("Zeynep Kaya", ALERT)
    assert row.birth_date == date(1990, 5, 17)
    built = [
        str(path.relative_to(ROOT))
        for folder in ("receptionist", "ui")
        for path in (ROOT / folder).rglob("*.py")
        for line in path.read_text("utf-8").splitlines()
        if "PatientRow(" in line and "class PatientRow" not in line
    ]
    assert built == ["receptionist/patients/search.py"], built


def test_ctrl_n_in_the_patient_window_books_this_patient_and_elsewhere_nobody(
    qtbot: QtBot, window: MainWindow, controller: Patients, ids: dict[str, str]
) -> None:
    shown = open_record(qtbot, controller, ids["A-1"])
    shown.activateWindow()
    qtbot.waitUntil(shown.isActiveWindow, timeout=WAIT)
    qtbot.keyClick(shown.form.editors["email"], Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = booking_opened(qtbot, window)
    assert dialog.picker.patient is not None and dialog.picker.patient.id == ids["A-1"]
    assert dialog.alert.isVisible() and ALERT in dialog.alert.text()
    dialog.close()
    shown.close()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    window.booking.action.trigger()  # from the schedule: nobody is filled in
    qtbot.waitUntil(lambda: window.booking.dialog is not None, timeout=WAIT)
    assert window.booking.dialog is not None and window.booking.dialog.picker.patient is None
    window.booking.dialog.close()


# --- New patient, and the two finders ----------------------------------------------------
def test_the_patients_menu_offers_new_patient_and_it_opens_the_added_record(
    qtbot: QtBot, window: MainWindow, controller: Patients
) -> None:
    menu = next(
        m for a in window.menuBar().actions() if isinstance(m := a.menu(), QMenu)
        and a.text() == "&Patients"
    )  # fmt: skip
    names = [a.objectName() for a in menu.actions()]
    assert names == ["action_newPatient", "action_patients", "action_quickFind"]
    action(window, "newPatient").trigger()
    dialog = window.findChild(NewPatientDialog, "newPatientDialog")
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT)  # else Enter is the schedule's
    qtbot.keyClicks(dialog.form.given, "Deniz")
    qtbot.keyClicks(dialog.form.family, "Aksoy")
    qtbot.keyClicks(dialog.form.phone, "0533 111 22 33")
    with qtbot.waitSignal(controller.opened, timeout=WAIT) as opened:
        qtbot.keyClick(dialog.form.phone, Qt.Key.Key_Return)
    shown: PatientWindow = opened.args[0]
    qtbot.waitUntil(lambda: shown.record is not None, timeout=WAIT)
    assert shown.heading.text() == "Deniz Aksoy" and not dialog.isVisible()
    assert shown.form.value("phone") == "0533 111 22 33"


def _typed(qtbot: QtBot, finder: QuickFind | PatientSearch, text: str) -> None:
    with qtbot.waitSignal(finder.picker.shown, timeout=WAIT):
        qtbot.keyClicks(finder.picker.field, text)
    qtbot.waitUntil(lambda: finder.picker.shown_query() == text, timeout=WAIT)


def test_quick_find_jumps_and_books_or_adds_from_one_box(
    qtbot: QtBot, window: MainWindow, controller: Patients, ids: dict[str, str]
) -> None:
    quick = controller.show_quick_find()
    assert quick.picker.finder.limit == 8  # one patient is wanted: a few best matches
    assert not quick.actions_.book.isEnabled()  # nobody found yet
    _typed(qtbot, quick, "kaya")
    assert quick.actions_.book.isEnabled()
    qtbot.mouseClick(quick.actions_.book, Qt.MouseButton.LeftButton)
    dialog = booking_opened(qtbot, window)
    assert dialog.picker.patient is not None and dialog.picker.patient.id == ids["A-1"]
    assert not quick.isVisible(), "the box has done its job"
    dialog.close()
    quick = controller.show_quick_find()
    _typed(qtbot, quick, "Nobody Here")
    qtbot.mouseClick(quick.actions_.new, Qt.MouseButton.LeftButton)
    new = controller.new
    assert new is not None and new.isVisible()
    assert (new.form.given.text(), new.form.family.text()) == ("Nobody", "Here")
    new.close()


def test_find_patients_is_a_list_to_browse_that_stays_open_with_book_and_new(
    qtbot: QtBot, window: MainWindow, controller: Patients, ids: dict[str, str]
) -> None:
    search = controller.show_search()
    assert search.windowTitle() == "Find patients" and search.picker.finder.limit == 100
    _typed(qtbot, search, "smith")
    assert search.picker.model.rowCount() == 1
    qtbot.mouseClick(search.actions_.book, Qt.MouseButton.LeftButton)
    dialog = booking_opened(qtbot, window)
    assert dialog.picker.patient is not None and dialog.picker.patient.id == ids["A-4"]
    assert search.isVisible(), "the list stays open beside what it opened"
    dialog.close()
    qtbot.mouseClick(search.actions_.new, Qt.MouseButton.LeftButton)
    assert controller.new is not None and controller.new.isVisible()
    controller.new.close()


# --- phones, languages and dates ---------------------------------------------------------
def test_phones_show_in_the_clinics_national_form_and_foreign_ones_international(
    qtbot: QtBot, window: MainWindow, controller: Patients, ids: dict[str, str]
) -> None:
    search = controller.show_search()
    _typed(qtbot, search, "smith")
    assert search.picker.model.index(0, 2).data() == "+44 20 7946 0958"
    search.picker.field.clear()
    _typed(qtbot, search, "kaya")
    assert search.picker.model.index(0, 2).data() == "0532 123 45 67"
    shown = open_record(qtbot, controller, ids["A-1"])
    assert shown.summary.text() == "Patient A-1 · 0532 123 45 67"
    assert shown.form.value("phone") == "0532 123 45 67"
    assert shown.form.changes() == {}, "the number as shown is not a change"
    qtbot.mouseClick(shown.book_button, Qt.MouseButton.LeftButton)
    dialog = booking_opened(qtbot, window)
    assert "0532 123 45 67" in dialog.picker.status.text()
    dialog.close()
    assert stored(window, ids["A-1"], "phone") == "+905321234567"  # stored as E.164


def test_the_language_shows_by_name_and_the_birth_date_as_lists_show_dates(
    qtbot: QtBot, window: MainWindow, controller: Patients, ids: dict[str, str]
) -> None:
    shown = open_record(qtbot, controller, ids["A-1"])
    language = shown.form.editors["preferred_language"]
    assert isinstance(language, QComboBox)
    assert language.currentText() == "Türkçe (Turkish)" and language.currentData() == "tr"
    born = QLocale().toString(QLocale().toDate("1990-05-17", "yyyy-MM-dd"), "d MMM yyyy")
    assert shown.form.value("birth_date") == born  # "17 May 1990", as the lists show it
    editor = shown.form.editors["birth_date"]
    editor.setFocus()
    editor.selectAll()  # type: ignore[union-attr]
    later = QLocale().toString(QLocale().toDate("1991-06-02", "yyyy-MM-dd"), "d MMM yyyy")
    qtbot.keyClicks(editor, later)
    language.setCurrentIndex(language.findData("ar"))
    language.activated.emit(language.currentIndex())
    assert shown.form.changes() == {"birth_date": "1991-06-02", "preferred_language": "ar"}
    with qtbot.waitSignal(shown.saved, timeout=WAIT):
        shown.save()
    assert stored(window, ids["A-1"], "birth_date") == date(1991, 6, 2)
    assert stored(window, ids["A-1"], "preferred_language") == "ar"
    assert language.currentText() == "العربية (Arabic)"


# --- the front-desk alert ----------------------------------------------------------------
def test_the_alert_is_edited_in_the_form_and_shown_under_the_name(
    qtbot: QtBot, window: MainWindow, controller: Patients, ids: dict[str, str]
) -> None:
    shown = open_record(qtbot, controller, ids["A-2"])
    assert not shown.alert.isVisible()
    editor = shown.form.editors["alert"]
    qtbot.keyClicks(editor, "Pays by insurance X")
    with qtbot.waitSignal(shown.saved, timeout=WAIT):
        shown.save()
    assert stored(window, ids["A-2"], "alert") == "Pays by insurance X"
    assert shown.alert.isVisible() and shown.alert.text() == "Alert: Pays by insurance X"
    editor.setText("Ramp\x1b[2J")  # type: ignore[union-attr]  # pasted: an escape in it
    shown.save()
    qtbot.waitUntil(shown.form.errors["alert"].isVisible, timeout=WAIT)
    assert stored(window, ids["A-2"], "alert") == "Pays by insurance X"  # nothing saved


def test_a_card_of_a_patient_with_an_alert_has_a_mark_and_says_it_in_its_tooltip(
    qtbot: QtBot, window: MainWindow, controller: Patients, ids: dict[str, str], seeded: Seeded
) -> None:
    with qtbot.waitSignal(window.model.loaded, timeout=WAIT):
        window.model.reload()
    view = window.schedule
    for key, alerted in (("a1", True), ("a2", False)):  # Zeynep's check-up; Mehmet's
        found = window.model.find(seeded.ids[key])
        assert found is not None
        col, card = found
        rect = view.geo.card_rect(col, card)
        view.set_cursor(col, card.top // view.geo.slot_minutes)
        tip = view.tooltip_at(view.port().to_viewport(rect.center()))
        assert (f"Alert: {ALERT}" in tip.splitlines()) is alerted, tip
        corner = view.port().to_viewport(QPointF(rect.left() + 2, rect.top() + 2))
        image = view.viewport().grab().toImage()
        pixel = image.pixelColor(QPoint(int(corner.x()), int(corner.y())))
        assert (pixel.rgb() == look.ALERT.rgb()) is alerted
    assert QApplication.instance() is not None
