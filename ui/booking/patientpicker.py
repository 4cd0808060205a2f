"""Patient typeahead: search as you type (through the worker), arrows and Enter pick.

Keystrokes restart a short timer; when it fires, one search goes to the worker and
any older answer still on its way is dropped. Enter picks the highlighted patient
(waiting for the search if one is due); once a patient is picked, Enter is left to
the dialog, where it books.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from receptionist.freetext import printable
from receptionist.ops import patients
from receptionist.ops.patients import PatientRow
from receptionist.patients.phones import display_phone

from .. import messages
from ..coretext import patient_name
from ..desk import Desk
from ..patients.table import short_date
from .latest import Latest

DEBOUNCE_MS = 40  # typeahead results must be on screen within 100 ms of a keystroke
ROWS_SHOWN = 5
SEARCH_LIMIT = 20
PICK_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def describe(row: PatientRow, region: str) -> str:
    """The patient in one line: name, number, phone (as read in ``region``), birth date."""
    phone = display_phone(row.phone, region)
    parts = [patient_name(row.display_name), row.number, phone, short_date(row.birth_date)]
    return printable("  ·  ".join(p for p in parts if p), lines=False)


class PatientPicker(QWidget):
    chosen = Signal(object)  # PatientRow | None

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.patient: PatientRow | None = None
        self._pick_when_ready = False
        self.query = QLineEdit(self)
        self.query.setObjectName("patientQuery")
        self.query.setPlaceholderText(self.tr("Name, phone, ID or patient number"))
        self.query.setAccessibleName(self.tr("Find a patient"))
        self.query.setToolTip(self.tr("Type to search; ↑ ↓ to move, Enter to pick"))
        self.query.setClearButtonEnabled(True)
        self.results = QListWidget(self)
        self.results.setObjectName("patientResults")
        self.results.setAccessibleName(self.tr("Patients found"))
        self.results.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.results.hide()  # shown while there is something to pick
        self.status = QLabel(self)
        self.status.setObjectName("patientStatus")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        for widget in (self.query, self.results, self.status):
            layout.addWidget(widget)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.search_now)
        self._search: Latest[list[PatientRow]] = Latest(
            desk.tasks, self, self._show_results, self._failed
        )
        self.query.textEdited.connect(self._edited)
        self.query.installEventFilter(self)
        self.results.itemClicked.connect(self._pick_item)
        self._say(self.tr("Type a name, a phone number or a patient number."))

    # --- searching -------------------------------------------------------------------
    def _edited(self, _text: str) -> None:
        if self.patient is not None:
            self.patient = None
            self.chosen.emit(None)
        self._pick_when_ready = False
        self._timer.start()

    def search_now(self) -> None:
        self._timer.stop()
        text = self.query.text().strip()
        if not text:
            self._search.forget()
            self.results.clear()
            self.results.hide()
            self._say(self.tr("Type a name, a phone number or a patient number."))
            return
        ctx = self.desk.ctx()
        self._say(self.tr("Searching…"))
        self._search.ask(lambda db: patients.find(db, ctx, text, limit=SEARCH_LIMIT))

    def pending(self) -> bool:
        return self._timer.isActive() or self._search.busy()

    def _show_results(self, rows: list[PatientRow]) -> None:
        self.results.clear()
        for row in rows:
            item = QListWidgetItem(describe(row, self.desk.clinic.phone_region), self.results)
            item.setData(Qt.ItemDataRole.UserRole, row)
        self.results.setVisible(bool(rows))
        shown = min(len(rows), ROWS_SHOWN)
        frame = 2 * self.results.frameWidth()
        self.results.setFixedHeight(self.results.sizeHintForRow(0) * shown + frame)
        if rows:
            self.results.setCurrentRow(0)
            self._say(self.tr("{0} found: ↑ ↓ to move, Enter to pick.").format(len(rows)))
        else:
            self._say(self.tr("No patient found. Add one with New patient (Alt+N)."))
        if self._pick_when_ready:
            self._pick_when_ready = False
            self.pick_current()

    def _failed(self, exc: BaseException) -> None:
        self._pick_when_ready = False
        self.results.clear()
        self.results.hide()
        self._say(messages.user_text(exc))

    # --- picking ---------------------------------------------------------------------
    def pick_current(self) -> bool:
        item = self.results.currentItem()
        if item is None:
            return False
        self._pick_item(item)
        return True

    def _pick_item(self, item: QListWidgetItem) -> None:
        row = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(row, PatientRow):
            self.choose(row)

    def choose(self, row: PatientRow) -> None:
        """Take ``row`` as the patient (picked from the list or just added)."""
        self._timer.stop()
        self._search.forget()
        self._pick_when_ready = False
        self.patient = row
        self.query.setText(patient_name(row.display_name))
        self.results.clear()
        self.results.hide()
        self._say(self.tr("Patient: {0}").format(describe(row, self.desk.clinic.phone_region)))
        self.chosen.emit(row)

    def _say(self, text: str) -> None:
        self.status.setText(text)

    # --- keys ------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.query and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            return self._key(event)
        return super().eventFilter(watched, event)

    def _key(self, event: QKeyEvent) -> bool:
        key = event.key()
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.results.count():
            step = 1 if key == Qt.Key.Key_Down else -1
            row = max(0, min(self.results.currentRow() + step, self.results.count() - 1))
            self.results.setCurrentRow(row)
            return True
        if key in PICK_KEYS and self.patient is None and self.query.text().strip():
            if self.pending():
                self._pick_when_ready = True
                self.search_now()
            elif not self.pick_current():
                self._say(self.tr("No patient found. Add one with New patient (Alt+N)."))
            return True
        return False
