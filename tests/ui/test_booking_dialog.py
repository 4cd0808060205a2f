"""The booking dialog: keyboard only, inline new patient, clashes and overrides."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTime
from PySide6.QtWidgets import QApplication, QLineEdit, QMenu, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select
from uiseed import DAY, Seeded, at

from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.models import Appointment, AuditEvent, Patient, Service
from receptionist.patients import record as patients
from receptionist.patients.search import PatientRow, rebuild_search_index
from receptionist.schedule import booking
from receptionist.store import vault
from ui.booking import BookingDialog
from ui.booking.slotlist import SLOT_ROLE
from ui.desk import Desk
from ui.mainwindow import MainWindow

WAIT = 10_000


@pytest.fixture(autouse=True)
def indexed(seeded: Seeded) -> None:
    """The seed adds patients row by row, outside the search index; index them."""
    db = vault.open_clinic(seeded.root)
    try:
        with db.write() as s:
            rebuild_search_index(s)
    finally:
        db.close()


def _focus() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def _type(qtbot: QtBot, text: str) -> None:
    qtbot.keyClicks(_focus(), text)


def _press(
    qtbot: QtBot, key: Qt.Key, mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    qtbot.keyClick(_focus(), key, mods)


def _read(seeded: Seeded, stmt: object) -> list[object]:
    db = vault.open_clinic(seeded.root)
    try:
        with db.read() as s:
            return list(s.execute(stmt))  # type: ignore[call-overload]
    finally:
        db.close()


def _open(qtbot: QtBot, desk: Desk, **kwargs: object) -> BookingDialog:
    dialog = BookingDialog(desk, **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=WAIT)  # shortcuts (Alt+N) need it
    qtbot.waitUntil(lambda: dialog.service.count() > 0, timeout=WAIT)
    qtbot.waitUntil(lambda: _focus() is dialog.picker.query, timeout=WAIT)
    return dialog


def _pick_patient(qtbot: QtBot, dialog: BookingDialog, name: str) -> None:
    _type(qtbot, name)
    _press(qtbot, Qt.Key.Key_Return)  # before the search has even answered
    qtbot.waitUntil(lambda: dialog.picker.patient is not None, timeout=WAIT)


def _slots_settled(dialog: BookingDialog) -> bool:
    return dialog.slot_list.count() > 0 and not dialog.times.busy()


def test_booking_from_the_schedule_by_keyboard_only(
    qtbot: QtBot, window: MainWindow, seeded: Seeded
) -> None:
    view = window.schedule
    view.setFocus()
    view.set_cursor(1, 15 * 4)  # Omar, 15:00: free
    qtbot.keyClick(view, Qt.Key.Key_Return)
    dialog = window.booking.dialog
    assert dialog is not None and dialog.objectName() == "bookingDialog"
    qtbot.waitUntil(lambda: _focus() is dialog.picker.query, timeout=WAIT)
    qtbot.waitUntil(lambda: dialog.provider.count() > 1, timeout=WAIT)
    assert dialog.provider.currentData() == seeded.ids["omar"]  # prefilled from the click
    _pick_patient(qtbot, dialog, "layla")
    assert dialog.picker.patient is not None
    assert dialog.picker.patient.display_name == "Layla Haddad"
    assert _focus() is dialog.service  # picking moves on
    _press(qtbot, Qt.Key.Key_Down)  # the first service: Check-up
    assert dialog.service.currentText() == "Check-up (30 min)"  # with its length
    _press(qtbot, Qt.Key.Key_Tab)
    assert _focus() is dialog.provider
    _press(qtbot, Qt.Key.Key_Tab)
    assert _focus() is dialog.asked.day  # the day asked about: the one clicked
    assert dialog.asked.value() == at("15:00")
    _press(qtbot, Qt.Key.Key_Tab)
    assert _focus() is dialog.asked.time
    _press(qtbot, Qt.Key.Key_Tab)
    assert _focus() is dialog.slot_list
    qtbot.waitUntil(lambda: _slots_settled(dialog), timeout=WAIT)
    slot = dialog.slot_list.current_slot()
    assert slot is not None and (slot.start, slot.provider_id) == (at("15:00"), seeded.ids["omar"])
    _press(qtbot, Qt.Key.Key_Down)  # the next free time: 15:15
    _press(qtbot, Qt.Key.Key_Tab)
    assert _focus() is dialog.notes
    _type(qtbot, "First visit")
    with qtbot.waitSignal(window.model.loaded, timeout=WAIT):
        _press(qtbot, Qt.Key.Key_Return)
    rows = _read(
        seeded,
        select(Appointment.id, Appointment.start_utc, Appointment.notes).where(
            Appointment.provider_id == seeded.ids["omar"], Appointment.start_utc == at("15:15")
        ),
    )
    assert len(rows) == 1 and rows[0][2] == "First visit"  # type: ignore[index]
    assert rows[0][0] in {p.item.id for p in window.model.items()}  # type: ignore[index]


def test_new_appointment_action_opens_the_dialog(qtbot: QtBot, window: MainWindow) -> None:
    action = window.booking.action
    assert action.shortcut().toString() == "Ctrl+N" and "(Ctrl+N)" in action.toolTip()
    menus = [m for m in window.menuBar().findChildren(QMenu) if window.actions_.book in m.actions()]
    assert menus and menus[0].actions()[0] is action
    action.trigger()
    dialog = window.booking.dialog
    assert dialog is not None and dialog.objectName() == "bookingDialog" and dialog.isVisible()
    assert dialog.provider.currentIndex() == 0  # "Any provider"


def test_escape_closes_without_booking(qtbot: QtBot, desk: Desk) -> None:
    dialog = _open(qtbot, desk)
    with qtbot.waitSignal(dialog.rejected, timeout=WAIT):
        _press(qtbot, Qt.Key.Key_Escape)


def test_enter_without_a_patient_says_so_inline(qtbot: QtBot, desk: Desk) -> None:
    dialog = _open(qtbot, desk)
    dialog.book()
    assert dialog.isVisible() and dialog.error.text() == "Pick the patient first."
    assert _focus() is dialog.picker.query


def test_typeahead_drops_stale_answers(qtbot: QtBot, desk: Desk) -> None:
    dialog = _open(qtbot, desk)
    shown: list[int] = []
    picker = dialog.picker
    original = picker._show_results

    def counting(rows: list[PatientRow]) -> None:
        shown.append(len(rows))
        original(rows)

    picker._search._on_result = counting
    for text in ("john", "zeynep"):
        picker.query.setText(text)
        picker.search_now()
    qtbot.waitUntil(lambda: not picker.pending(), timeout=WAIT)
    assert shown == [1]
    assert picker.results.item(0).text().startswith("Zeynep Kaya")


@pytest.fixture
def phoned(desk: Desk, clock: FixedClock) -> str:
    """A patient with a phone on file (the seed has none with a phone)."""

    def add() -> str:
        ctx = Ctx(Actor(user_id=None, role="admin", source="cli"), clock)
        with desk.tasks.database().write() as s:
            return patients.create_patient(
                s, ctx, given_name="Ali", family_name="Veli", phone="0532 123 45 67"
            ).id

    return desk.tasks.run(add).result(timeout=30)


def test_new_patient_inline_warns_of_a_duplicate(
    qtbot: QtBot, desk: Desk, seeded: Seeded, phoned: str
) -> None:
    dialog = _open(qtbot, desk)
    form = dialog.new_form
    _type(qtbot, "Alican Veli")
    _press(qtbot, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: form.isVisible(), timeout=WAIT)
    assert (form.given.text(), form.family.text()) == ("Alican", "Veli")
    _press(qtbot, Qt.Key.Key_H, Qt.KeyboardModifier.AltModifier)
    assert _focus() is form.phone
    _type(qtbot, "+90 532 123 45 67")
    _press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: form.warning.isVisible(), timeout=WAIT)
    assert "already on file" in form.warning.text()
    assert form.matches.count() == 1 and form.matches.item(0).text().startswith("Ali Veli")
    assert _focus() is form.matches
    _press(qtbot, Qt.Key.Key_Return)  # use the patient on file
    assert dialog.picker.patient is not None and dialog.picker.patient.id == phoned
    assert not form.isVisible() and dialog.isVisible()
    count = select(func.count()).select_from(Patient).where(Patient.family_name == "Veli")
    assert _read(seeded, count)[0][0] == 1  # type: ignore[index]


def test_new_patient_added_anyway_is_picked(
    qtbot: QtBot, desk: Desk, seeded: Seeded, phoned: str
) -> None:
    dialog = _open(qtbot, desk)
    form = dialog.new_form
    _press(qtbot, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: _focus() is form.given, timeout=WAIT)  # a mnemonic clicks late
    _type(qtbot, "Ayla")
    _press(qtbot, Qt.Key.Key_Tab)
    _press(qtbot, Qt.Key.Key_Return)  # no family name: refused inline
    qtbot.waitUntil(lambda: form.error.isVisible(), timeout=WAIT)
    assert "Traceback" not in form.error.text()
    form.family.setFocus()
    _type(qtbot, "Veli")
    _press(qtbot, Qt.Key.Key_Tab)
    _type(qtbot, "05321234567")
    _press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: form.warning.isVisible(), timeout=WAIT)
    _press(qtbot, Qt.Key.Key_Y, Qt.KeyboardModifier.AltModifier)  # Add anyway
    qtbot.waitUntil(lambda: dialog.picker.patient is not None, timeout=WAIT)
    assert dialog.picker.patient is not None and dialog.picker.patient.id != phoned
    assert dialog.picker.patient.display_name == "Ayla Veli"


def _clash(qtbot: QtBot, desk: Desk, seeded: Seeded) -> BookingDialog:
    """Ayşe at 12:30 - her lunch break - for John Smith: the picked time clashes."""
    dialog = _open(qtbot, desk, provider_id=seeded.ids["ayse"], start=at("12:30"))
    _pick_patient(qtbot, dialog, "smith")
    _press(qtbot, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: _slots_settled(dialog), timeout=WAIT)
    first = dialog.slot_list.item(0)
    qtbot.waitUntil(lambda: "not free" in first.text(), timeout=WAIT)  # the dry run answered
    assert first.data(SLOT_ROLE).start == at("12:30")
    assert dialog.slot_list.current_slot().start == at("13:30")  # type: ignore[union-attr]
    assert not dialog.conflicts.isVisible()  # a free time is chosen
    dialog.slot_list.setFocus()
    _press(qtbot, Qt.Key.Key_Up)
    # Why it is not free shows at once, before Enter; the list keeps the keyboard.
    assert dialog.conflicts.isVisible() and _focus() is dialog.slot_list
    assert "working hours" in dialog.conflicts.reasons.text().lower()
    sb = dialog.slot_list.horizontalScrollBar()
    assert not sb.isVisible() and sb.maximum() == 0  # never a sideways scroll
    _press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.conflicts.isVisible(), timeout=WAIT)
    assert "working hours" in dialog.conflicts.reasons.text().lower()
    return dialog


def _appointments_at(seeded: Seeded, start: datetime) -> list[object]:
    return _read(seeded, select(Appointment.override_reason).where(Appointment.start_utc == start))


def test_a_clash_is_shown_and_a_receptionist_cannot_override(
    qtbot: QtBot, desk: Desk, seeded: Seeded
) -> None:
    dialog = _clash(qtbot, desk, seeded)
    assert dialog.findChild(QLineEdit, "overrideReason") is None
    assert "only a manager" in dialog.conflicts.advice.text()
    assert dialog.isVisible() and _appointments_at(seeded, at("12:30")) == []


def test_a_manager_books_over_a_clash_with_a_reason(
    qtbot: QtBot, desk: Desk, seeded: Seeded
) -> None:
    manager = dataclasses.replace(desk, actor=Actor(user_id="u1", role="manager", source="ui"))
    dialog = _clash(qtbot, manager, seeded)
    field = dialog.findChild(QLineEdit, "overrideReason")
    assert field is not None and _focus() is field
    _press(qtbot, Qt.Key.Key_Return)  # no reason yet: asked for one
    assert dialog.error.text() == "Say why you book over the clash."
    _type(qtbot, "Toothache, the doctor agreed")
    with qtbot.waitSignal(dialog.booked, timeout=WAIT):
        _press(qtbot, Qt.Key.Key_Return)
    assert [r[0] for r in _appointments_at(seeded, at("12:30"))] == [  # type: ignore[index]
        "Toothache, the doctor agreed"
    ]


def test_screenshot(qtbot: QtBot, desk: Desk, seeded: Seeded, tmp_path: Path) -> None:
    dialog = _clash(qtbot, dataclasses.replace(desk, actor=Actor("u1", "manager")), seeded)
    dialog.notes.setText("Bring the X-ray")
    assert dialog.grab().save(str(tmp_path / "booking.png"))


def test_escape_with_typed_notes_warns_first(qtbot: QtBot, desk: Desk) -> None:
    dialog = _open(qtbot, desk)
    dialog.notes.setText("Bring the X-ray")
    dialog.reject()
    assert dialog.isVisible() and "Esc again" in dialog.error.text()
    assert dialog.unsaved()
    with qtbot.waitSignal(dialog.rejected, timeout=WAIT):
        dialog.reject()


def test_a_filled_in_dialog_only_asks_for_the_time(
    qtbot: QtBot, desk: Desk, seeded: Seeded
) -> None:
    """As the waitlist opens it: patient and service given, the free times from a date."""
    (row,) = [
        PatientRow(p.id, p.number, f"{p.given_name} {p.family_name}", p.phone, p.birth_date)
        for (p,) in _read(seeded, select(Patient).where(Patient.family_name == "Smith"))
    ]
    (service_id,) = [
        s for (s,) in _read(seeded, select(Service.id).where(Service.name == "Cleaning"))
    ]
    dialog = BookingDialog(
        desk, provider_id=seeded.ids["ayse"], patient=row, service_id=service_id,
        search_from=at("00:00", DAY + timedelta(days=1)),
    )  # fmt: skip
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: dialog.slot_list.count() > 0, timeout=WAIT)
    assert dialog.picker.patient == row and dialog.service.currentText() == "Cleaning (45 min)"
    assert dialog.asked.value() == at("00:00", DAY + timedelta(days=1))  # the date asked
    assert dialog.provider.currentData() == seeded.ids["ayse"]
    assert _focus() is dialog.slot_list
    assert all(s.start >= at("00:00", DAY + timedelta(days=1)) for s in dialog.slot_list.slots())
    assert not dialog.unsaved()  # filled in by the app: Esc closes at once
    dialog.notes.setText("Bring the X-ray")
    assert dialog.unsaved()
    dialog.notes.clear()
    with qtbot.waitSignal(dialog.booked, timeout=WAIT) as booked:
        qtbot.keyClick(dialog.slot_list, Qt.Key.Key_Return)
    (appt,) = [
        a for (a,) in _read(seeded, select(Appointment).where(Appointment.id == booked.args[0]))
    ]
    assert (appt.patient_id, appt.service_id) == (row.id, service_id)


def test_the_date_and_from_time_ask_for_another_day(
    qtbot: QtBot, desk: Desk, seeded: Seeded
) -> None:
    """ "Thursday afternoon?": the free times start on the day and at the time asked."""
    dialog = _open(qtbot, desk, provider_id=seeded.ids["omar"])
    _pick_patient(qtbot, dialog, "smith")
    _press(qtbot, Qt.Key.Key_Down)  # Check-up
    qtbot.waitUntil(lambda: _slots_settled(dialog), timeout=WAIT)
    assert dialog.slot_list.slots()[0].start == at("10:15")  # from now: Monday, after o1
    thursday = DAY + timedelta(days=3)
    dialog.asked.time.setTime(QTime(14, 0))
    dialog.asked.day.setDate(thursday)
    qtbot.waitUntil(
        lambda: (
            _slots_settled(dialog) and dialog.slot_list.slots()[0].start == at("14:00", thursday)
        ),
        timeout=WAIT,
    )
    assert all(s.start >= at("14:00", thursday) for s in dialog.slot_list.slots())


def test_booking_in_the_past_asks_first_and_the_status_bar_says_what_was_booked(
    qtbot: QtBot, window: MainWindow, seeded: Seeded, told: list[object]
) -> None:
    """A walk-in entered afterwards: 09:15 when it is 10:00 - asked, then booked."""
    window.booking.book_at(seeded.ids["ayse"], at("09:30"))
    dialog = window.booking.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.service.count() > 0, timeout=WAIT)
    dialog.picker.query.setFocus()
    _pick_patient(qtbot, dialog, "layla")
    dialog.service.setCurrentIndex(0)  # Check-up: 09:30-10:00 is free
    qtbot.waitUntil(lambda: _slots_settled(dialog), timeout=WAIT)
    qtbot.waitUntil(lambda: "picked" not in dialog.slot_list.item(0).text(), timeout=WAIT)
    dialog.slot_list.setCurrentRow(0)
    assert dialog.slot_list.current_slot().start == at("09:30")  # type: ignore[union-attr]
    assert not dialog.conflicts.isVisible()
    dialog.book()
    box = dialog.findChild(QMessageBox, "pastBookingBox")
    assert box is not None and box.isVisible()
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.No)  # the safe one
    hers = select(Appointment).where(
        Appointment.start_utc == at("09:30"), Appointment.provider_id == seeded.ids["ayse"]
    )
    assert _read(seeded, hers) == []
    with qtbot.waitSignal(window.model.loaded, timeout=WAIT):
        box.button(QMessageBox.StandardButton.Yes).click()
    (appt,) = [a for (a,) in _read(seeded, hers)]
    events = _read(
        seeded,
        select(AuditEvent.entity_id).where(AuditEvent.action == booking.BOOKED_IN_THE_PAST),
    )
    assert [e[0] for e in events] == [appt.id]  # type: ignore[index]
    said = window.statusBar().currentMessage()
    assert said == "Booked Layla Haddad with Dr. Ayşe Demir, Mon 2 Mar 09:30"
