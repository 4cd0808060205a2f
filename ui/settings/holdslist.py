"""Settings > Retention's "Holds" section (issue #14): the patients on legal or medical
hold, whom no sweep removes (``ops.retention.holds_listed``: managers and
administrators), with the kind, since when, who placed it and why. Double-click or
Return opens the patient's window (where a hold is placed or lifted). It reads again
whenever a hold changes anywhere (the change feed's ``patient_hold``) and when shown.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from receptionist.freetext import printable
from receptionist.ops import retention
from receptionist.ops.retention import HoldView

from .. import messages
from ..desk import Desk
from ..events import Refresh
from ..patients.holdbox import kind_words
from ..patients.table import short_datetime
from ..tasks import DbOp
from .tablefit import fit_columns

ID_ROLE = Qt.ItemDataRole.UserRole
SHOWN_ROWS = 3  # the table's height in rows; more scroll


class HoldsTable(QTableWidget):
    """Return opens the current row's patient, as a double-click does."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentRow() >= 0:
            self.cellActivated.emit(self.currentRow(), 0)
            return
        super().keyPressEvent(event)


class HoldsSection(QGroupBox):
    openPatientRequested = Signal(str)  # patient id
    loaded = Signal()

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Holds: patients no sweep removes"), parent)
        self.setObjectName("holdsSection")
        self.desk = desk
        self.allowed = desk.actor.may("clinic.configure")
        self.holds: list[HoldView] = []
        self.table = HoldsTable(0, 5, self)
        self.table.setObjectName("holdsTable")
        self.table.setAccessibleName(self.tr("Patients on legal or medical hold"))
        self.table.setHorizontalHeaderLabels(
            [self.tr("Patient"), self.tr("Kind"), self.tr("Since"), self.tr("By"),
             self.tr("Reason")]
        )  # fmt: skip
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setToolTip(
            self.tr("Double-click or press Return to open the patient, and place or lift a hold "
                    "there (Consents tab)")
        )  # fmt: skip
        # Compact: as tall as its rows up to SHOWN_ROWS, the rest scrolls (the page's
        # policy and dry run keep their room at 1160 x 620).
        self.row_height = self.table.fontMetrics().height() + 8
        self.table.verticalHeader().setDefaultSectionSize(self.row_height)
        self.table.cellActivated.connect(lambda row, _col: self._open(row))
        self.table.cellDoubleClicked.connect(lambda row, _col: self._open(row))
        self.openPatientRequested.connect(self.open_patient)
        self.empty = QLabel(self)
        self.empty.setObjectName("holdsNote")
        self.empty.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        Refresh(desk.events, ("patient_hold",), self.reload, self)
        self._show([])

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.reload()

    def reload(self) -> None:
        if not self.allowed:  # only those who may hold read the list (the core's rule)
            return
        ctx = self.desk.ctx()
        op = DbOp(self.desk.tasks, lambda db: retention.holds_listed(db, ctx), self)
        op.success(self._show).failure(messages.report_exception).run()

    def _show(self, holds: list[HoldView]) -> None:
        self.holds = list(holds)
        self.table.setRowCount(len(self.holds))
        tz = self.desk.clinic.tz
        for row, hold in enumerate(self.holds):
            name = printable(hold.name, lines=False)
            by = printable(hold.placed_by, lines=False) or "—"  # a hold with no one's name
            cells = [f"{hold.number}  {name}", kind_words(hold.kind),
                     short_datetime(hold.placed_at, tz), by,
                     printable(hold.reason, lines=False)]  # fmt: skip
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                item.setData(ID_ROLE, hold.patient_id)
                self.table.setItem(row, column, item)
        fit_columns(self.table)
        self.table.setVisible(bool(self.holds))
        shown = min(max(len(self.holds), 1), SHOWN_ROWS)
        header = self.table.horizontalHeader().sizeHint().height()
        self.table.setFixedHeight(header + shown * self.row_height + 2 * self.table.frameWidth())
        self.setTitle(
            self.tr("Holds (%1): patients no sweep removes").replace("%1", f"{len(self.holds):,}")
            if self.holds
            else self.tr("Holds: patients no sweep removes")
        )
        self.empty.setVisible(not self.holds)  # the table's tooltip says what to do
        if not self.allowed:
            said = self.tr("Only a manager or an administrator can see the holds.")
        elif self.holds:
            said = self.tr("%n patient(s) on hold. Place or lift a hold in the patient's "
                           "window (Consents tab).", "", len(self.holds))  # fmt: skip
        else:
            said = self.tr("No patient is on hold. Place a hold in the patient's window "
                           "(Consents tab) when a court or a doctor asks for a record to be "
                           "kept.")  # fmt: skip
        self.empty.setText(said)
        self.loaded.emit()

    def _open(self, row: int) -> None:
        if 0 <= row < len(self.holds):
            self.openPatientRequested.emit(self.holds[row].patient_id)

    def open_patient(self, patient_id: str) -> None:
        """The patient's window, from the main window's Patients controller."""
        from ..patients import Patients  # here: ui.patients imports the booking dialog

        top = self.window().parentWidget()
        patients = top.findChild(Patients) if top is not None else None
        if isinstance(patients, Patients):
            patients.open_patient(patient_id)
