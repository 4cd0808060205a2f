"""The Reminders view (Front desk > Reminders…, Ctrl+Shift+R): the messages to patients,
queued, sent and failed, and Resend for one that failed, went unknown or was skipped.
Delivery log… opens the providers' answers (``deliverylog``). ``install`` also starts
the status bar's "Reminders: …" feed (``reminderstatus``).

Everything goes through ``receptionist.ops.reminders`` on the worker; the view only
shows rows. The reason column shows the core's short codes (``no_consent``, ``late``,
``permanent:invalid_number``) as they are: they are what the operator's guide lists;
a code the core explains (``receptionist.reminders.reasons``: a WhatsApp template
Meta refused) shows its sentence instead, with the code as the tooltip.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from receptionist.ops import reminders
from receptionist.ops.reminders import RESENDABLE, ReminderRow, ReminderStatus
from receptionist.store.storage import Database
from sync import reminderlease

from . import messages
from .actions import menu_holding, window_action
from .coretext import translated
from .deliverylog import DeliveryLog, DeliveryLogView
from .desk import Desk
from .events import Refresh
from .patients.table import short_datetime
from .reminderstatus import ReminderStatusFeed
from .rowsmodel import RowsModel, rows_table
from .tasks import DbOp

ENTITIES = ("appointment", "communication_entry")
# Filter -> the states it shows.
FILTERS: dict[str, tuple[str, ...]] = {
    "queued": ("pending", "sending"),
    "sent": ("sent",),
    "failed": ("failed", "unknown", "skipped"),
    "all": (),
}


class RemindersModel(RowsModel[ReminderRow]):
    def __init__(self, desk: Desk, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self._headers = (
            self.tr("When"), self.tr("Message"), self.tr("Channel"), self.tr("State"),
            self.tr("Why"),
        )  # fmt: skip

    def cell(self, row: ReminderRow, column: int) -> str:
        kinds = {
            "reminder": self.tr("Reminder, {0} before").format(row.rule),
            "confirmation": self.tr("Booking confirmation"),
            "reschedule": self.tr("Reschedule message"),
            "cancellation": self.tr("Cancellation message"),
        }
        states = {
            "pending": self.tr("Queued"), "sending": self.tr("Sending"),
            "sent": self.tr("Sent"), "failed": self.tr("Failed"),
            "skipped": self.tr("Skipped"), "unknown": self.tr("Unknown: check"),
            "withdrawn": self.tr("Withdrawn"),
        }  # fmt: skip
        values = (
            short_datetime(row.send_at, self.desk.clinic.tz),
            kinds.get(row.kind, row.kind),
            row.channel or "-",
            states.get(row.state, row.state),
            translated(row.explained) if row.explained else row.reason,
        )
        return values[column]

    def role_data(self, row: ReminderRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.UserRole + 1:
            return row.id
        if role == Qt.ItemDataRole.ToolTipRole and column == 4 and row.reason:
            return row.reason  # the code, as the operator's guide lists it
        if role == Qt.ItemDataRole.ToolTipRole and column == 2 and row.sent_to:
            return self.tr("Went to {0}").format(row.sent_to)
        return None


class RemindersView(QDialog):
    """Modeless. Asks its controller through signals; shows what it is given."""

    reloadRequested = Signal(tuple)  # the states to show
    resendRequested = Signal(str)  # reminder id
    logRequested = Signal()  # the providers' delivery log

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reminders")
        self.setWindowTitle(self.tr("Reminders"))
        self.model = RemindersModel(desk, self)
        self.filter = QComboBox(self)
        self.filter.setObjectName("remindersFilter")
        self.filter.setAccessibleName(self.tr("Show"))
        for key, label in (
            ("queued", self.tr("Queued")), ("sent", self.tr("Sent")),
            ("failed", self.tr("Failed, unknown or skipped")), ("all", self.tr("All")),
        ):  # fmt: skip
            self.filter.addItem(label, key)
        self.filter.currentIndexChanged.connect(lambda _: self.reload())
        self.table = rows_table(self, self.model, self.tr("Reminders"), name="remindersTable")
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._enable())
        self.resend = QPushButton(self.tr("&Resend"), self)
        self.resend.setObjectName("remindersResend")
        self.resend.clicked.connect(self._resend)
        self.log = QPushButton(self.tr("&Delivery log…"), self)
        self.log.setObjectName("remindersDeliveryLog")
        self.log.setToolTip(self.tr("Each answer the providers gave: no text, no address"))
        self.log.clicked.connect(self.logRequested)
        top = QHBoxLayout()
        shown = QLabel(self.tr("&Show:"), self)
        shown.setBuddy(self.filter)
        top.addWidget(shown)
        top.addWidget(self.filter, 1)
        top.addWidget(self.resend)
        top.addWidget(self.log)
        # A channel whose provider refused the credentials: what to do, above the list.
        self.attention = QLabel(self)
        self.attention.setObjectName("remindersAttention")
        self.attention.setProperty("state", "alert")
        self.attention.setWordWrap(True)
        self.attention.setAccessibleName(self.tr("Channels that need attention"))
        self.attention.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.attention)
        layout.addLayout(top)
        layout.addWidget(self.table)
        self.resize(820, 480)
        self._enable()

    def states(self) -> tuple[str, ...]:
        return FILTERS[str(self.filter.currentData())]

    def reload(self) -> None:
        self.reloadRequested.emit(self.states())

    def show_rows(self, rows: list[ReminderRow], attention: list[str] | None = None) -> None:
        self.model.set_rows(rows)
        self.show_attention(attention or [])
        self._enable()

    def show_attention(self, said: list[str]) -> None:
        """What to do about each channel whose provider refused the credentials."""
        self.attention.setText("\n".join(said))
        self.attention.setVisible(bool(said))

    def current(self) -> ReminderRow | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _enable(self) -> None:
        row = self.current()
        self.resend.setEnabled(row is not None and row.state in RESENDABLE)
        went = row.sent_to if row is not None and row.state in RESENDABLE else ""
        self.resend.setToolTip(
            self.tr("It went to {0}; sent again, it goes to the patient's address now").format(went)
            if went
            else ""
        )

    def _resend(self) -> None:
        row = self.current()
        if row is not None and row.state in RESENDABLE:
            self.resendRequested.emit(row.id)

    def present(self) -> None:
        self.show()
        self.raise_()
        self.activateWindow()
        self.table.setFocus()


class Reminders(QObject):
    """Opens the view and carries its work to the worker."""

    loaded = Signal()
    resent = Signal()

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.desk: Desk = window.desk
        self.view: RemindersView | None = None
        self.log: DeliveryLog | None = None
        Refresh(self.desk.events, ENTITIES, self._changed, self)

    def forget(self) -> None:
        if self.view is not None:
            self.view.deleteLater()
        self.view = None
        self.log = None  # the view was its parent

    def show_log(self) -> DeliveryLogView:
        """The providers' delivery log, over the Reminders view."""
        if self.log is None:
            self.log = DeliveryLog(self.desk, self._view())
        return self.log.show()

    def _view(self) -> RemindersView:
        if self.view is None:
            self.view = RemindersView(self.desk, self.window)
            self.view.reloadRequested.connect(self.load)
            self.view.resendRequested.connect(self.resend)
            self.view.logRequested.connect(self.show_log)
        return self.view

    def show(self) -> RemindersView:
        view = self._view()
        view.present()
        view.reload()
        return view

    def load(self, states: tuple[str, ...]) -> None:
        ctx = self.desk.ctx()

        def read(db: Database) -> tuple[list[ReminderRow], ReminderStatus]:
            sending = reminderlease.sending(reminderlease.seen(db))
            return reminders.listing(db, ctx, states=states), reminders.status(db, sending)

        op = DbOp(self.desk.tasks, read, self)
        op.success(self._show).failure(messages.report_exception).run()

    def _show(self, found: tuple[list[ReminderRow], ReminderStatus]) -> None:
        rows, status = found
        if self.view is not None:
            self.view.show_rows(rows, [translated(t) for t in status.attention_texts()])
        self.loaded.emit()

    def resend(self, reminder_id: str) -> None:
        ctx = self.desk.ctx()
        op = DbOp(self.desk.tasks, lambda db: reminders.resend(db, ctx, reminder_id), self)
        op.success(lambda _: self._resent()).failure(messages.report_exception).run()

    def _resent(self) -> None:
        self.resent.emit()
        messages.info(self.tr("The message goes again at the next round."))
        if self.view is not None:
            self.view.reload()

    def status_read(self, found: ReminderStatus) -> None:
        """The status bar's feed read the reminders' state (after the jobs ran, each
        minute): the line above the list follows it, the rows stay as they are."""
        if self.view is not None:
            self.view.show_attention([translated(t) for t in found.attention_texts()])

    def _changed(self) -> None:
        if self.view is not None and self.view.isVisible():
            self.view.reload()


def install(window: Any) -> None:
    """Add Reminders… to the Front desk menu (or a menu of its own)."""
    if window.findChild(Reminders) is not None:
        return
    controller = Reminders(window)
    window.userChanged.connect(controller.forget)
    feed = ReminderStatusFeed(window.desk, window)
    controller.resent.connect(feed.load)
    feed.loaded.connect(controller.status_read)
    feed.load()
    action = window_action(
        window, "reminders", controller.tr("&Reminders…"), "Ctrl+Shift+R",
        controller.tr("Messages to patients: queued, sent and failed"),
    )  # fmt: skip
    action.triggered.connect(controller.show)
    menu = menu_holding(window, "action_waitlist")
    if menu is not None:
        menu.addAction(action)
    else:
        window.menuBar().addMenu(controller.tr("&Reminders")).addAction(action)
