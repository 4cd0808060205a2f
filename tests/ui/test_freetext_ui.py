"""The app shows no raw control character or direction override from stored text
(#11, item 5): old data written past the checks is drawn with visible escapes in the
patient window, the tables and lists, the schedule's cards and the core's messages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select, update

from receptionist.freetext import has_controls
from receptionist.models import Patient
from receptionist.ops.patients import Visit
from receptionist.patients.search import PatientRow
from receptionist.schedule.cards import AgendaItem
from receptionist.texts import QT_TRANSLATE_NOOP, Text
from ui.coretext import translated
from ui.desk import Desk
from ui.mainwindow import MainWindow
from ui.patients import Patients, install
from ui.patients.history import HistoryModel
from ui.patients.table import PatientTableModel
from ui.pinboard import PinModel, Pinned
from ui.schedule.frame import elided
from ui.settings.rows import RowModel

ESC = "Zeynep\x1b[2J"
OVERRIDE = "Kaya\u202eexe.gnp"
NOTES = "call back\x1b]0;hacked\x07\r\nsecond line\x9b31m"
ADDRESS = "Moda Cd. 5\u202e\nKadıköy"
START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


def clean(text: object) -> bool:
    """Nothing in ``text`` acts on the display (line breaks and tabs may stay)."""
    return isinstance(text, str) and not has_controls(text, lines=True)


def test_tables_and_lists_show_escapes(qapp: Any) -> None:
    table = PatientTableModel()
    table.set_rows([PatientRow("p1", "A-1", f"{ESC} {OVERRIDE}", "+90\u202e5", date(1990, 1, 1))])
    texts = [table.index(0, c).data() for c in range(table.columnCount())]
    assert all(clean(t) for t in texts) and "Zeynep\\x1b[2J" in texts[1]
    history = HistoryModel(ZoneInfo("Europe/Istanbul"))
    history.set_visits([Visit("v1", START, START + timedelta(minutes=30), ESC, OVERRIDE, "booked")])
    for column in range(history.columnCount()):
        for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole,
                     Qt.ItemDataRole.ToolTipRole):  # fmt: skip
            value = history.index(0, column).data(role)
            assert value is None or clean(value), (column, role, value)
    settings = RowModel(lambda row: row.name)

    class Named:
        id, name, active = "r1", OVERRIDE, True

    settings.set_rows([Named()])
    assert settings.index(0).data() == "Kaya\\u202eexe.gnp"
    pins = PinModel()
    item = AgendaItem("a1", ESC, START, START, "p", None, "s", OVERRIDE, "#fff", "booked")
    pins.pin(Pinned(item, "Mon 09:00", "Dr\x1b[31m"))
    assert clean(pins.index(0).data()) and "\n" in pins.index(0).data()


def test_schedule_cards_draw_escapes(qapp: Any) -> None:
    drawn: list[str] = []

    class Painter:
        def font(self) -> QFont:
            return QFont()

        def drawText(self, _rect: QRectF, _align: Any, text: str) -> None:
            drawn.append(text)

    elided(Painter(), QRectF(0, 0, 2000, 20), f"{ESC} · {OVERRIDE}\n", Qt.AlignmentFlag.AlignLeft,
           QFontMetrics(QFont()))  # type: ignore[arg-type]  # fmt: skip
    assert drawn == ["Zeynep\\x1b[2J · Kaya\\u202eexe.gnp\\x0a"]


def test_core_messages_echoing_a_name_show_escapes(qapp: Any) -> None:
    text = Text(QT_TRANSLATE_NOOP("core", "A service is already called '{name}'; pick another "
                                  "name."), name=OVERRIDE)  # fmt: skip
    assert (
        translated(text) == "A service is already called 'Kaya\\u202eexe.gnp'; pick another name."
    )
    assert translated("plain\x1b[0m") == "plain\\x1b[0m"


def test_the_patient_window_shows_old_data_escaped(
    qtbot: QtBot, window: MainWindow, desk: Desk
) -> None:
    def old_data(db: Any) -> str:
        with db.write() as s:
            s.execute(
                update(Patient)
                .where(Patient.number == "A-1")
                .values(given_name=ESC, family_name=OVERRIDE, notes=NOTES, address=ADDRESS)
            )
            return str(s.scalar(select(Patient.id).where(Patient.number == "A-1")))

    patient_id = desk.tasks.run(lambda: old_data(desk.tasks.database())).result(timeout=30)
    install(window)
    controller = window.findChild(Patients)
    assert controller is not None
    with qtbot.waitSignal(controller.opened, timeout=10_000) as opened:
        controller.open_patient(patient_id)
    shown = opened.args[0]
    qtbot.waitUntil(lambda: shown.record is not None, timeout=10_000)
    assert clean(shown.windowTitle()) and clean(shown.heading.text())
    assert shown.heading.text() == "Zeynep\\x1b[2J Kaya\\u202eexe.gnp"
    notes = shown.form.editors["notes"]
    address = shown.form.editors["address"]
    assert isinstance(notes, QPlainTextEdit) and isinstance(address, QLineEdit)
    assert notes.toPlainText() == "call back\\x1b]0;hacked\\x07\nsecond line\\x9b31m"
    assert clean(address.text())
    for widget in shown.findChildren(QWidget):
        for getter in ("text", "toPlainText", "windowTitle", "toolTip"):
            try:
                value = getattr(widget, getter)()
            except (AttributeError, TypeError):  # not this widget's way to show text
                continue
            assert clean(value), (widget.objectName(), getter, value)
    assert shown.form.changes() == {}, "showing escapes is not an edit"
