"""The providers' delivery log (Reminders view > Delivery log…), read only: each answer
an SMS, WhatsApp or e-mail provider gave about a message, newest first, filtered by
channel and outcome. No text and no address (the log keeps none): the time, the
channel, the provider's status and code, the appointment's short id, the outcome.

It reads through ``receptionist.ops.deliveries`` on the worker; the view only shows rows.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from receptionist.ops import deliveries
from receptionist.ops.deliveries import DeliveryRow

from . import messages
from .choices import choice_box
from .desk import Desk
from .patients.table import short_datetime
from .rowsmodel import RowsModel, rows_table
from .tasks import DbOp

SHOWN = 1000  # the newest this many: the log is kept six months


class DeliveryLogModel(RowsModel[DeliveryRow]):
    def __init__(self, desk: Desk, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self._headers = (
            self.tr("When"), self.tr("Channel"), self.tr("Provider status"),
            self.tr("Appointment"), self.tr("Outcome"),
        )  # fmt: skip

    def outcome(self, row: DeliveryRow) -> str:
        said = {
            "sent": self.tr("Sent"), "transient": self.tr("Try again later"),
            "permanent": self.tr("Refused"), "unknown": self.tr("Unknown: check"),
            "none": self.tr("No answer"),
        }.get(row.outcome, row.outcome)  # fmt: skip
        return said if row.action == "send" else self.tr("Status lookup: {0}").format(said)

    def cell(self, row: DeliveryRow, column: int) -> str:
        channels = {
            "sms": self.tr("SMS"),
            "whatsapp": self.tr("WhatsApp"),
            "email": self.tr("E-mail"),
        }
        values = (
            short_datetime(row.at, self.desk.clinic.tz),
            channels.get(row.channel, row.channel),
            row.provider_status or "-",
            row.appointment_short or "-",
            self.outcome(row),
        )
        return values[column]

    def role_data(self, row: DeliveryRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and column == 2 and row.provider_id:
            return self.tr("Provider's message id: {0}").format(row.provider_id)
        if role == Qt.ItemDataRole.ToolTipRole and column == 3 and row.appointment_id:
            return row.appointment_id
        return None


class DeliveryLogView(QDialog):
    """Modeless. Asks for rows through ``reloadRequested`` (channel, outcome: "" any)."""

    reloadRequested = Signal(str, str)

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("deliveryLog")
        self.setWindowTitle(self.tr("Delivery log"))
        self.model = DeliveryLogModel(desk, self)
        self.channel = choice_box(
            self, "deliveryChannel", self.tr("Channel"),
            [("", self.tr("All")), ("sms", self.tr("SMS")), ("whatsapp", self.tr("WhatsApp")),
             ("email", self.tr("E-mail"))], self.reload,
        )  # fmt: skip
        self.outcome = choice_box(
            self, "deliveryOutcome", self.tr("Outcome"),
            [("", self.tr("All")), ("sent", self.tr("Sent")),
             ("transient", self.tr("Try again later")), ("permanent", self.tr("Refused")),
             ("unknown", self.tr("Unknown")), ("none", self.tr("No answer"))], self.reload,
        )  # fmt: skip
        self.table = rows_table(self, self.model, self.tr("Delivery log"), name="deliveryTable")
        self.empty = QLabel(self.tr("No provider answers logged."), self)
        self.empty.setObjectName("deliveryEmpty")
        self.empty.hide()
        top = QHBoxLayout()
        for text, box in (
            (self.tr("C&hannel:"), self.channel),
            (self.tr("&Outcome:"), self.outcome),
        ):
            label = QLabel(text, self)
            label.setBuddy(box)
            top.addWidget(label)
            top.addWidget(box, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addWidget(buttons)
        self.resize(760, 460)

    def reload(self) -> None:
        self.reloadRequested.emit(str(self.channel.currentData()), str(self.outcome.currentData()))

    def show_rows(self, rows: list[DeliveryRow]) -> None:
        self.model.set_rows(rows)
        self.empty.setVisible(not rows)

    def present(self) -> None:
        self.show()
        self.raise_()
        self.activateWindow()
        self.table.setFocus()


class DeliveryLog(QObject):
    """Opens the view and reads its rows on the worker."""

    loaded = Signal()

    def __init__(self, desk: Desk, parent: QWidget) -> None:
        super().__init__(parent)
        self.desk = desk
        self.parent_widget = parent
        self.view: DeliveryLogView | None = None

    def show(self) -> DeliveryLogView:
        if self.view is None:
            self.view = DeliveryLogView(self.desk, self.parent_widget)
            self.view.reloadRequested.connect(self.load)
        self.view.present()
        self.view.reload()
        return self.view

    def load(self, channel: str, outcome: str) -> None:
        ctx = self.desk.ctx()

        def read(db: Any) -> list[DeliveryRow]:
            return deliveries.listing(
                db, ctx, channel=channel or None, outcome=outcome or None, limit=SHOWN
            )

        op = DbOp(self.desk.tasks, read, self)
        op.success(self._show).failure(messages.report_exception).run()

    def _show(self, rows: list[DeliveryRow]) -> None:
        if self.view is not None:
            self.view.show_rows(rows)
        self.loaded.emit()
