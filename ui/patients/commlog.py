"""The patient's communication log: calls and messages, newest first, and a form to log one.

A failed message the dispatcher logged shows, after its summary (which visit, which
channel), what its reason code means and what to do (``ops.commlog.LogRow.explained``);
the code is in the tooltip (an older entry's summary, which ended with it, is shown
without it), and the chosen entry is said whole under the list. The form takes a channel, a
direction and a short summary; Ctrl+Enter (or Add) logs it now, as the signed-in user,
on the database worker. A summary the core refuses comes back under the summary box
and nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from receptionist.errors import ValidationError
from receptionist.ops import commlog
from receptionist.ops.commlog import CHANNELS, DIRECTIONS, LogRow
from receptionist.reminders import reasons
from receptionist.store.storage import Database

from .. import messages
from ..coretext import exception_text, one_line, translated
from ..desk import Desk
from ..fielderrors import error_line
from ..rowsmodel import RowsModel, rows_table
from ..tasks import DbOp
from .table import short_datetime

__all__ = ["CommLogModel", "CommLogPage", "LogRow", "channel_names", "direction_names"]


def channel_names() -> dict[str, str]:
    """Each channel's name for people, in the core's order."""
    names = {
        "phone": _tr("Phone call"), "sms": _tr("SMS"), "email": _tr("E-mail"),
        "whatsapp": _tr("WhatsApp"), "in_person": _tr("In person"), "letter": _tr("Letter"),
        "other": _tr("Other"),
    }  # fmt: skip
    return {channel: names.get(channel, channel) for channel in CHANNELS}


def direction_names() -> dict[str, str]:
    names = {"in": _tr("From the patient"), "out": _tr("To the patient")}
    return {direction: names[direction] for direction in DIRECTIONS}


def _tr(text: str) -> str:
    return QCoreApplication.translate("commlog", text)


class CommLogModel(RowsModel[LogRow]):
    def __init__(self, tz: ZoneInfo, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tz = tz
        self.channels = channel_names()
        self.directions = {"in": self.tr("In"), "out": self.tr("Out")}
        self._headers = (self.tr("When"), self.tr("Channel"), self.tr("In/out"),
                         self.tr("Summary"), self.tr("By"))  # fmt: skip

    def cell(self, row: LogRow, column: int) -> str:
        e = row.entry
        first_line = e.summary.splitlines()[0] if e.summary else ""
        if row.explained:  # a failed message: what its code means, and what to do
            first_line = f"{reasons.without_code(first_line)} {one_line(row.explained)}"
        values = (short_datetime(e.occurred_at, self.tz), self.channels.get(e.channel, e.channel),
                  self.directions.get(e.direction, e.direction), first_line, row.by)  # fmt: skip
        return values[column] if 0 <= column < len(values) else ""

    def whole(self, row: LogRow) -> str:
        """The entry's summary, whole; a failed message's with what to do and its code."""
        if not row.explained:
            return row.entry.summary
        said = f"{reasons.without_code(row.entry.summary)}\n\n{translated(row.explained)}"
        code = row.entry.reason or reasons.logged_code(row.entry.summary)
        return self.tr("{0} ({1})").format(said, code) if code else said

    def role_data(self, row: LogRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and column == 3 and row.explained:
            return self.whole(row)
        if role == Qt.ItemDataRole.ToolTipRole and column == 3:
            return row.entry.summary
        return None


class CommLogPage(QWidget):
    loaded = Signal()
    added = Signal()

    def __init__(self, desk: Desk, patient_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("patientCommLog")
        self.setAccessibleName(self.tr("Communication log"))
        self.desk, self.patient_id = desk, patient_id
        self.is_loaded = False
        self.model = CommLogModel(desk.clinic.tz, self)
        self.table = rows_table(self, self.model, self.tr("Calls and messages, newest first"),
                                name="commLogTable", stretch_column=3)  # fmt: skip
        self.channel = self._combo("logChannel", self.tr("Channel"), channel_names())
        self.direction = self._combo("logDirection", self.tr("Direction"), direction_names())
        self.summary = QPlainTextEdit(self)
        self.summary.setObjectName("logSummary")
        self.summary.setAccessibleName(self.tr("Summary"))
        self.summary.setPlaceholderText(self.tr("What was said or sent, in a line or two"))
        self.summary.setTabChangesFocus(True)
        self.summary.setFixedHeight(self.summary.fontMetrics().lineSpacing() * 3 + 14)
        self.summary_error = error_line(self, self.tr("Problem with the summary"))
        self.summary.textChanged.connect(self.summary_error.hide)
        self.add_button = QPushButton(self.tr("&Add to the log"), self)
        self.add_button.setObjectName("addLogEntry")
        self.add_button.setAccessibleName(self.tr("Add to the log"))
        self.add_button.setToolTip(self.tr("Add to the log (Ctrl+Enter)"))
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self.add)
        self.empty = QLabel(self.tr("No calls or messages logged yet."), self)
        self.empty.setObjectName("hintLabel")
        self.empty.hide()
        # The chosen entry, whole: a long summary (a failed message's advice) is cut
        # off in its row.
        self.chosen = QLabel(self)
        self.chosen.setObjectName("logChosen")
        self.chosen.setWordWrap(True)
        self.chosen.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.chosen.setAccessibleName(self.tr("The chosen entry, whole"))
        self.chosen.hide()
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._chosen())
        self.note = QLabel(self)
        self.note.setObjectName("windowNote")
        self.note.setWordWrap(True)
        self.note.setAccessibleName(self.tr("What happened"))
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.add)
        self._layout()
        self.add_button.setEnabled(desk.actor.may("patient.write"))

    def _combo(self, name: str, accessible: str, options: Mapping[str, str]) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.setAccessibleName(accessible)
        for value in options:
            combo.addItem(options[value], value)
        return combo

    def _layout(self) -> None:
        form = QGridLayout()
        form.setColumnStretch(4, 1)
        for column, (caption, editor) in enumerate(
            ((self.tr("C&hannel"), self.channel), (self.tr("Di&rection"), self.direction))
        ):
            label = QLabel(caption, self)
            label.setBuddy(editor)
            form.addWidget(label, 0, column * 2)
            form.addWidget(editor, 0, column * 2 + 1)
        summary = QLabel(self.tr("S&ummary"), self)
        summary.setBuddy(self.summary)
        form.addWidget(summary, 1, 0, Qt.AlignmentFlag.AlignTop)
        form.addWidget(self.summary, 1, 1, 1, 4)
        form.addWidget(self.summary_error, 2, 1, 1, 4)
        form.addWidget(self.add_button, 3, 4, Qt.AlignmentFlag.AlignRight)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.chosen)
        layout.addLayout(form)
        layout.addWidget(self.note)

    # --- the log -----------------------------------------------------------------------
    def load(self) -> None:
        ctx, pid = self.desk.ctx(), self.patient_id
        op = DbOp(self.desk.tasks, lambda db: commlog.listing(db, ctx, pid), self)
        op.success(self._show).run()

    def _show(self, rows: Sequence[LogRow]) -> None:
        self.model.set_rows(rows)
        self._chosen()
        self.empty.setVisible(not rows)
        self.is_loaded = True
        self.loaded.emit()

    def _chosen(self) -> None:
        """The chosen entry said whole under the list (hidden when none is chosen)."""
        index = self.table.currentIndex()
        row = self.model.row_at(index.row()) if index.isValid() else None
        self.chosen.setText(self.model.whole(row).replace("\n\n", " ") if row else "")
        self.chosen.setVisible(row is not None)

    def unsaved(self) -> bool:
        """A summary is typed but not yet added to the log."""
        return bool(self.summary.toPlainText().strip())

    def fields(self) -> dict[str, str]:
        return {
            "channel": str(self.channel.currentData()),
            "direction": str(self.direction.currentData()),
            "summary": self.summary.toPlainText(),
        }

    def add(self) -> None:
        if not self.add_button.isEnabled():
            return
        self.add_button.setEnabled(False)
        self.note.setText(self.tr("Saving…"))
        ctx, pid, fields = self.desk.ctx(), self.patient_id, self.fields()

        def add(db: Database) -> list[LogRow]:
            commlog.add(db, ctx, pid, channel=fields["channel"],
                        direction=fields["direction"], summary=fields["summary"])  # fmt: skip
            return commlog.listing(db, ctx, pid)

        op = DbOp(self.desk.tasks, add, self)
        op.success(self._added).failure(self._refused).run()

    def _added(self, rows: Sequence[LogRow]) -> None:
        self._show(rows)
        self.add_button.setEnabled(True)
        self.summary.clear()
        self.note.setText(self.tr("Logged."))
        self.table.selectRow(0)
        self.summary.setFocus()
        self.added.emit()

    def _refused(self, exc: BaseException) -> None:
        self.add_button.setEnabled(self.desk.actor.may("patient.write"))
        if isinstance(exc, ValidationError) and exc.field == "summary":
            self.summary_error.setText(exception_text(exc))
            self.summary_error.show()
            self.summary.setFocus()
            self.note.setText(self.tr("Not logged: check the summary."))
            return
        self.note.setText(messages.user_text(exc))
