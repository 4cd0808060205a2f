"""A patient the retention sweep anonymised, at the desk (issue #14).

She is anonymised here as the sweep does it (``retention.anonymise``: her names,
phone and the rest emptied, an ``ANON-`` number, her visits kept without their
notes). Every screen that names her says the one translated word
(``receptionist.models.names.ANONYMISED``, context "core"); her window is read-only,
with a banner that says why; her kept visits still show; no search finds her.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTranslator
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from uiseed import Seeded

from receptionist.context import Actor
from receptionist.models import Patient
from receptionist.retention import anonymise
from receptionist.store.storage import Database
from ui import undo
from ui.app import stylesheet
from ui.cancel import CancelDialog
from ui.desk import Desk
from ui.mainwindow import MainWindow
from ui.patients import Patients, PatientWindow, install
from ui.patients.anonymised import BANNER_STYLE
from ui.pinboard import PinModel, Pinned
from ui.quickfind import QuickFind
from ui.schedule import look
from ui.schedule.cardmenu import VisitActions, build_card_menu
from ui.schedule.cardtext import card_text, tooltip
from ui.schedule.drag import Ghost
from ui.schedule.frame import CardFonts
from ui.schedule.paint import ghost_label
from ui.today import FrontDesk
from ui.today import install as install_front_desk

# "anonymised" as a Turkish and an Arabic .qm would give it (context "core").
WORDS = {"tr": "anonimleştirilmiş", "ar": "مجهول الهوية"}
# Her window's heading, a heading of each language's own (context "anonymised").
HEADINGS = {"anonimleştirilmiş": "Anonimleştirilmiş hasta", "مجهول الهوية": "مريض مجهول الهوية"}


class OneWord(QTranslator):
    """A translator for the core's "anonymised" (and her window's heading) only, as a
    built .qm would be."""

    def __init__(self, word: str) -> None:
        super().__init__()
        self.word = word

    def translate(  # type: ignore[override]
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        if (context, source) == ("anonymised", "Anonymised patient"):
            return HEADINGS[self.word]
        return self.word if (context, source) == ("core", "anonymised") else None

    def isEmpty(self) -> bool:
        return False


@pytest.fixture(params=sorted(WORDS))
def word(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[str]:
    translator = OneWord(WORDS[request.param])
    assert qapp.installTranslator(translator)
    yield translator.word
    qapp.removeTranslator(translator)


def on_worker(desk: Desk, fn: Any) -> Any:
    return desk.tasks.run(lambda: fn(desk.tasks.database())).result(timeout=30)


def anonymised(desk: Desk, number: str = "A-1") -> tuple[str, str]:
    """Zeynep Kaya (A-1: two visits on the seeded Monday) anonymised as the sweep's
    batch does it; her id and her new number."""

    def run(db: Database) -> tuple[str, str]:
        with db.write() as s:
            patient_id = str(s.scalar(select(Patient.id).where(Patient.number == number)))
            done = anonymise.anonymise(s, [patient_id], desk.clock.now())
            assert done["patient_anonymised"] == 1
            return patient_id, str(s.scalar(select(Patient.number).where(Patient.id == patient_id)))

    found: tuple[str, str] = on_worker(desk, run)
    return found


def main_window(qtbot: QtBot, desk: Desk) -> MainWindow:
    """The main window, opened after the anonymisation (its schedule shows her visits)."""
    window = MainWindow(desk)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.model.loaded, timeout=10_000):
        window.start()
    install(window)
    return window


def manager(desk: Desk) -> Desk:
    """The desk of a manager: Erase and Export are hers to see."""
    return dataclasses.replace(desk, actor=Actor(user_id=None, role="manager", source="ui"))


def open_window(qtbot: QtBot, window: MainWindow, patient_id: str) -> PatientWindow:
    controller = window.findChild(Patients)
    assert controller is not None
    with qtbot.waitSignal(controller.opened, timeout=10_000) as opened:
        controller.open_patient(patient_id)
    shown: PatientWindow = opened.args[0]
    qtbot.waitUntil(lambda: shown.record is not None, timeout=10_000)
    return shown


def shot(widget: QWidget, name: str) -> None:
    """Saved only when ANONYMISED_SHOTS names a folder (to look at by eye)."""
    folder = os.environ.get("ANONYMISED_SHOTS")
    if folder:
        widget.setStyleSheet(stylesheet())
        for _ in range(3):
            QApplication.sendPostedEvents()
            QApplication.processEvents()
        assert widget.grab().save(str(Path(folder) / f"{name}.png"))
        widget.setStyleSheet("")


def test_every_screen_names_her_with_the_one_translated_word(
    qtbot: QtBot, desk: Desk, seeded: Seeded, word: str
) -> None:
    patient_id, _number = anonymised(desk)
    window = main_window(qtbot, desk)
    cards = {c.item.id: c for c in window.model.items()}
    card = cards[seeded.ids["a1"]]
    item = card.item
    assert item.patient_name == "", "a card's name is the appointment's copy: emptied"

    # The schedule: the card, its tooltip, its menu's title, the ghost of a drag.
    fonts = CardFonts(QFont())
    assert card_text(item, "09:00–09:30", 400, 60, fonts).first == word
    assert tooltip(item, "09:00–09:30").startswith(f"{word}\n")
    menu = build_card_menu(window, item, lambda _i, _s: None, lambda _i: None)
    assert menu.title().startswith(f"{word}: ")
    assert f" · {word}" in ghost_label(Ghost(item, 0, 9 * 60, 9 * 60 + 30))
    # Cancelling it asks about her by that word; the Undo beside a saved status too.
    asked: list[str] = []

    def factory(appointment_id: str, who: str, parent: QWidget, when: str) -> CancelDialog:
        asked.append(who)
        return CancelDialog(appointment_id, who, parent, when)

    window.status_ops.cancel_factory = factory
    window.status_ops.ask_cancel(item.id)
    assert asked == [word]
    dialog = window.status_ops.dialog
    assert dialog is not None and f" {word} " in dialog.question.text()
    dialog.reject()
    assert f" {word} " in undo.saved(item.patient_name, "arrived")
    # The pinboard, holding her visit to reschedule.
    pins = PinModel()
    pins.pin(Pinned(item, "Mon 09:00", "Dr. Ayşe Demir"))
    assert str(pins.index(0).data()).startswith(f"{word} · Check-up")

    # The today board (its own read of the names) and her window.
    install_front_desk(window)
    front = window.findChild(FrontDesk)
    assert front is not None
    board = front.show_board()
    qtbot.waitUntil(lambda: board.model.row_of(item.id) >= 0, timeout=10_000)
    assert board.model.index(board.model.row_of(item.id), 1).data() == word
    shown = open_window(qtbot, window, patient_id)
    # her window's heading is a heading in her language's way (#14: this pinned the
    # lower-case word that stands in a name's place)
    assert shown.heading.text() == HEADINGS[word]
    assert shown.windowTitle().startswith(f"{HEADINGS[word]} – ANON-")


def test_her_window_is_read_only_and_says_why(qtbot: QtBot, desk: Desk, seeded: Seeded) -> None:
    desk = manager(desk)
    patient_id, number = anonymised(desk)
    window = main_window(qtbot, desk)
    shown = open_window(qtbot, window, patient_id)
    assert shown.record is not None and shown.record.anonymised
    shot(shown, "anonymised-patient-window")

    assert shown.banner.isVisible()
    said = shown.banner.text()
    assert said.startswith("Anonymised on 2 Mar 2026 under the retention policy.")
    assert "no personal data" in said and "cannot be edited, booked or given consent" in said
    # Save, Book, Erase and Export: shown disabled, each saying why.
    for button in (shown.save_button, shown.book_button, shown.erase_button,
                   shown.export_button):  # fmt: skip
        assert button.isVisible() and not button.isEnabled(), button.text()
        assert "anonymised" in button.toolTip(), button.text()
    assert "no personal data" in shown.erase_button.toolTip()
    assert shown.booking_patient() is None, "Ctrl+N books nobody from her window"
    # Her details can be read, not edited.
    for field, editor in shown.form.editors.items():
        if isinstance(editor, QLineEdit | QPlainTextEdit):
            assert editor.isReadOnly(), field
            assert editor.placeholderText() == "", f"no example invites typing in {field}"
        else:
            assert isinstance(editor, QComboBox) and not editor.isEnabled(), field
    # Consents, the log and the documents are closed; her appointments are there.
    tabs = shown.tabs
    closed = {tabs.tabText(i) for i in range(tabs.count()) if not tabs.isTabEnabled(i)}
    # and her notes (#14: this pinned the Notes tab open on an empty box)
    assert closed == {"&Consents", "Commun&ication", "D&ocuments", "No&tes"}
    assert shown.heading.text() == "Anonymised patient", "a heading, capitalised"
    for i in range(tabs.count()):
        if not tabs.isTabEnabled(i):
            assert "anonymised" in tabs.tabToolTip(i)
    assert tabs.currentWidget() is shown.history, "she opens on her kept visits"
    assert shown.history.upcoming.rowCount() + shown.history.past.rowCount() == 2
    assert shown.summary.text() == f"Patient {number}"

    # Ctrl+S saves nothing (the button is off; the shortcut goes through it).
    shown.save()
    assert shown.note.text() == ""

    # Another patient's window, opened by the same manager, is as it always was.
    other = on_worker(desk, lambda db: _id_of(db, "A-2"))
    theirs = open_window(qtbot, window, other)
    assert not theirs.banner.isVisible() and not theirs.record.anonymised  # type: ignore[union-attr]
    for button in (theirs.save_button, theirs.book_button, theirs.erase_button,
                   theirs.export_button):  # fmt: skip
        assert button.isEnabled(), button.text()
    assert all(theirs.tabs.isTabEnabled(i) for i in range(theirs.tabs.count()))
    phone = theirs.form.editors["phone"]
    assert isinstance(phone, QLineEdit)
    assert not phone.isReadOnly() and phone.placeholderText().startswith("e.g. ")


def _id_of(db: Database, number: str) -> str:
    with db.read() as s:
        return str(s.scalar(select(Patient.id).where(Patient.number == number)))


def test_her_visit_opens_her_window_but_books_nobody_and_no_search_finds_her(
    qtbot: QtBot, desk: Desk, seeded: Seeded
) -> None:
    _patient_id, number = anonymised(desk)
    window = main_window(qtbot, desk)
    shot(window, "anonymised-visit-on-the-schedule")
    item = {c.item.id: c.item for c in window.model.items()}[seeded.ids["a1"]]
    theirs = {c.item.id: c.item for c in window.model.items()}[seeded.ids["a2"]]

    menu = build_card_menu(window, item, lambda _i, _s: None, lambda _i: None,
                           visit=_visit(window))  # fmt: skip
    book = _action(menu, "bookNext")
    assert not book.isEnabled() and "anonymised" in book.toolTip()
    assert menu.toolTipsVisible(), "the menu shows why"
    assert _action(menu, "openPatient").isEnabled()
    other = build_card_menu(window, theirs, lambda _i, _s: None, lambda _i: None,
                            visit=_visit(window))  # fmt: skip
    assert _action(other, "bookNext").isEnabled()

    # Quick find (and Find patients, and the booking dialog: one search) never
    # finds her: not by her new number, not by her old name or phone.
    controller = window.findChild(Patients)
    assert controller is not None
    quick: QuickFind = controller.show_quick_find()
    for typed in (number, "Zeynep", "Kaya"):
        with qtbot.waitSignal(quick.picker.shown, timeout=10_000):
            quick.picker.field.setText(typed)
        assert quick.picker.model.rowCount() == 0, typed
    with qtbot.waitSignal(quick.picker.shown, timeout=10_000):
        quick.picker.field.setText("Mehmet")
    assert quick.picker.model.rowCount() == 1, "the search itself works"


def _visit(window: MainWindow) -> VisitActions:
    return VisitActions(window.schedule.openPatientRequested.emit,
                        window.schedule.bookNextRequested.emit)  # fmt: skip


def _action(menu: Any, name: str) -> Any:
    found = [a for a in menu.actions() if a.objectName() == name]
    assert len(found) == 1, name
    return found[0]


def test_the_banner_reads() -> None:
    """Its words on its background reach WCAG AA (as tests/ui/test_contrast.py checks
    the rest of the app's colours)."""
    text, fill = QColor("#1f2d3d"), QColor("#eef2f6")
    assert f"color: {text.name()}" in BANNER_STYLE and f"background: {fill.name()}" in BANNER_STYLE
    assert look.contrast(text, fill) >= 4.5
