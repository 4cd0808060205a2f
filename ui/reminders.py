"""The Reminders view (Front desk > Reminders…, Ctrl+Shift+R): the messages to patients,
queued, sent and failed, each with its patient (number and name, as every list names a
patient) and its appointment (start in the clinic's time, provider); Resend for one
that failed, went unknown or was skipped (asked first when only the patient can undo
its reason: an opt-out; not offered in a copy restored to look at); Open patient
(double-click, the button or the row's context menu) for the patient's window, to fix
what the reason names (a number, a consent). Delivery log… opens the providers'
answers (``deliverylog``). ``install`` also starts the status bar's "Reminders: …" feed
(``reminderstatus``).

Everything goes through ``receptionist.ops.reminders`` on the worker (one query for the
rows, patients and providers included); the view only shows rows. Show picks the
states (queued, sent, failed or unknown, failed, unknown, skipped or withdrawn, all),
in the core's order (failed and unknown first, queued soonest first, the rest newest
first; one waiting to be tried again by its next try, which the When column shows,
"next try ..."); the patient box asks the core for one patient's messages (by number,
or a name or phone as the patient search finds it: a query, so a patient whose
messages are past the first 1,000 rows is found), a moment after the desk stops
typing; a result that lands after newer typing is dropped. The Why column gives each
reason's sentence (``receptionist.reminders.reasons``: what happened and what to do)
with the code as its tooltip, and the line under the list the whole sentence of the
chosen row. The Channel column names the channel as the communication log does.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QPoint, Qt, QTimer, Signal, SignalInstance
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from receptionist.ops import reminders
from receptionist.ops.reminders import CANNOT_RESEND, RESENDABLE, ReminderRow, ReminderStatus
from receptionist.store import lookcopy
from receptionist.store.storage import Database
from sync import reminderlease

from . import messages
from .actions import menu_holding, window_action
from .coretext import one_line, translated
from .deliverylog import DeliveryLog, DeliveryLogView
from .desk import Desk
from .events import Refresh
from .patients import Patients
from .patients.commlog import channel_names
from .patients.table import short_datetime
from .reminderstatus import ReminderStatusFeed
from .rowsmodel import RowsModel, rows_table
from .tasks import DbOp

ENTITIES = ("appointment", "communication_entry", "patient", "provider")
TYPING_MS = 250  # the patient box asks once the desk paused typing this long
# Reasons only the patient can undo: Resend asks first, saying why it will fail again.
ASK_BEFORE_RESEND = ("permanent:opted_out",)
# A message that may have arrived: Resend asks first (the core refuses it unconfirmed).
UNKNOWN = "unknown"
# ``ReminderStatus.mode`` of a PC that is not the reminder station: Resend is not here
# (``ops.reminders.resend`` refuses it there).
NOT_HERE = ("elsewhere", "standby", "unnamed")
# Filter -> the states it shows.
FILTERS: dict[str, tuple[str, ...]] = {
    "queued": ("pending", "sending"),
    "sent": ("sent",),
    "attention": ("failed", "unknown"),
    "failed": ("failed",),
    "unknown": ("unknown",),
    "skipped": ("skipped", "withdrawn"),
    "all": (),
}


# The permission ``ops.reminders.resend`` requires: a role without it is not offered Resend.
RESEND = "patient.write"


class RemindersModel(RowsModel[ReminderRow]):
    WHEN, NUMBER, PATIENT, APPOINTMENT, MESSAGE, CHANNEL, STATE, WHY = range(8)

    def __init__(self, desk: Desk, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.channels = channel_names()  # E-mail, SMS, WhatsApp, as the log names them
        self._headers = (
            self.tr("When"), self.tr("Number"), self.tr("Patient"), self.tr("Appointment"),
            self.tr("Message"), self.tr("Channel"), self.tr("State"), self.tr("Why"),
        )  # fmt: skip

    def patient(self, row: ReminderRow) -> str:
        """The patient's name as every list shows it ("anonymised" when nothing of it is
        left); a message whose patient is not on file any more says so."""
        if not row.patient_number:
            return self.tr("Not on file any more")
        return one_line(row.patient_name)

    def appointment(self, row: ReminderRow) -> str:
        start = short_datetime(row.appointment_start, self.desk.clinic.tz)
        provider = one_line(row.appointment_provider)
        return self.tr("{0}, {1}").format(start, provider) if provider else start

    def when(self, row: ReminderRow) -> str:
        """When it goes (or went): a queued message waiting to be tried again says its
        next try, not the time it was planned for."""
        if row.next_try_at is not None:
            return self.tr("next try {0}").format(
                short_datetime(row.next_try_at, self.desk.clinic.tz)
            )
        return short_datetime(row.send_at, self.desk.clinic.tz)

    def why(self, row: ReminderRow) -> str:
        return translated(row.explained) if row.explained else row.reason

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
            self.when(row),
            row.patient_number or "-",
            self.patient(row),
            self.appointment(row),
            kinds.get(row.kind, row.kind),
            self.channels.get(row.channel, row.channel) if row.channel else "-",
            states.get(row.state, row.state),
            self.why(row),
        )
        return values[column]

    def role_data(self, row: ReminderRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.UserRole + 1:
            return row.id
        if role != Qt.ItemDataRole.ToolTipRole:
            return None
        if column == self.WHY and row.reason:
            return row.reason  # the code, as the operator's guide lists it
        if column == self.WHEN and row.next_try_at is not None:
            planned = short_datetime(row.send_at, self.desk.clinic.tz)
            return self.tr("Planned for {0}; tried {1} times so far").format(planned, row.attempts)
        if column == self.CHANNEL and row.sent_to:
            return self.tr("Went to {0}").format(row.sent_to)
        if column in (self.NUMBER, self.PATIENT) and row.patient_erased:
            return self.tr("Erased: no record is left to open")
        if column in (self.NUMBER, self.PATIENT):
            return self.tr("Double-click to open the patient's window")
        return None


class RemindersView(QDialog):
    """Modeless. Asks its controller through signals; shows what it is given."""

    reloadRequested = Signal(tuple, str)  # the states to show, the patient box's text
    resendRequested = Signal(str)  # reminder id
    resendConfirmed = Signal(str)  # an unknown one's id, once the person said yes
    logRequested = Signal()  # the providers' delivery log
    openPatientRequested = Signal(str)  # patient id

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reminders")
        self.setWindowTitle(self.tr("Reminders"))
        self.desk = desk
        self.model = RemindersModel(desk, self)
        self.box: QMessageBox | None = None  # Resend's question, while it is asked
        # A copy restored to look at sends nothing: Resend is not offered (read again
        # at each load: the copy may be adopted meanwhile).
        self.look_only = lookcopy.restored_copy(desk.root) is not None
        # Set when this PC is not the reminder station (the core's status read says so):
        # the station's code ("-": none named). Resend is the station's.
        self.station_elsewhere: str | None = None
        self.typing = QTimer(self)  # the patient box asks once the desk paused
        self.typing.setSingleShot(True)
        self.typing.setInterval(TYPING_MS)
        self.typing.timeout.connect(self.reload)
        self.filter = QComboBox(self)
        self.filter.setObjectName("remindersFilter")
        self.filter.setAccessibleName(self.tr("Show"))
        for key, label in (
            ("queued", self.tr("Queued")), ("sent", self.tr("Sent")),
            ("attention", self.tr("Failed or unknown: waiting for you")),
            ("failed", self.tr("Failed")), ("unknown", self.tr("Unknown: check")),
            ("skipped", self.tr("Skipped or withdrawn")), ("all", self.tr("All")),
        ):  # fmt: skip
            self.filter.addItem(label, key)
        self.filter.currentIndexChanged.connect(lambda _: self.reload())
        self.search = QLineEdit(self)
        self.search.setObjectName("remindersPatient")
        self.search.setAccessibleName(self.tr("Patient"))
        self.search.setPlaceholderText(self.tr("Number, name or phone"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _: self.typing.start())
        self.table = rows_table(
            self, self.model, self.tr("Reminders"), name="remindersTable",
            stretch_column=RemindersModel.WHY,
        )  # fmt: skip
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._enable())
        self.table.doubleClicked.connect(lambda _: self._open_patient())
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._menu)
        self.open_patient = QPushButton(self.tr("&Open patient"), self)
        self.open_patient.setObjectName("remindersOpenPatient")
        self.open_patient.clicked.connect(self._open_patient)
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
        top.addWidget(self.filter)
        who = QLabel(self.tr("&Patient:"), self)
        who.setBuddy(self.search)
        top.addWidget(who)
        top.addWidget(self.search, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.open_patient)
        buttons.addWidget(self.resend)
        buttons.addWidget(self.log)
        # A channel whose provider refused the credentials: what to do, above the list.
        # On a PC that is not the reminder station: whose list this is (reminder rows
        # are never synced; what the station sent reaches here as log entries).
        self.elsewhere = QLabel(self)
        self.elsewhere.setObjectName("remindersElsewhere")
        self.elsewhere.setWordWrap(True)
        self.elsewhere.hide()
        self.attention = QLabel(self)
        self.attention.setObjectName("remindersAttention")
        self.attention.setProperty("state", "alert")
        self.attention.setWordWrap(True)
        self.attention.setAccessibleName(self.tr("Channels that need attention"))
        self.attention.hide()
        # The chosen message's reason, whole: what happened and what to do.
        self.why = QLabel(self)
        self.why.setObjectName("remindersWhy")
        self.why.setWordWrap(True)
        self.why.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.why.setAccessibleName(self.tr("Why, and what to do"))
        self.empty = QLabel(self)
        self.empty.setObjectName("hintLabel")
        self.empty.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.elsewhere)
        layout.addWidget(self.attention)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.why)
        layout.addLayout(buttons)
        self.resize(1180, 560)
        self._enable()

    def states(self) -> tuple[str, ...]:
        return FILTERS[str(self.filter.currentData())]

    def asked(self) -> tuple[tuple[str, ...], str]:
        """What the view shows now: the states, and the patient box's text."""
        return self.states(), self.search.text().strip()

    def reload(self) -> None:
        self.typing.stop()
        self.reloadRequested.emit(*self.asked())

    def show_rows(
        self,
        rows: list[ReminderRow],
        attention: list[str] | None = None,
        asked: tuple[tuple[str, ...], str] | None = None,
    ) -> bool:
        """Show ``rows``, read for ``asked`` (None: what is asked now); False, and
        nothing changes, when the desk asked for something else since (typed on, or
        chose another Show): the newer answer is on its way."""
        if asked is not None and asked != self.asked():
            return False
        chosen = self.current()
        self.look_only = lookcopy.restored_copy(self.desk.root) is not None
        self.model.set_rows(rows)
        ids = [r.id for r in rows]
        if chosen is not None and chosen.id in ids:
            self.table.setCurrentIndex(self.model.index(ids.index(chosen.id), 0))
        typed = self.search.text().strip()
        if rows:
            self.empty.setText("")
        elif typed:
            self.empty.setText(self.tr("No message of a patient matching “{0}”.").format(typed))
        else:
            self.empty.setText(self.tr("No messages to show."))
        self.empty.setVisible(not rows)
        self._enable()
        self.show_attention(attention or [])
        return True

    def show_where(self, mode: str, station: str) -> None:
        """On a PC that is not the reminder station (``ReminderStatus.mode``), say who
        plans and sends, that this list is this PC's own, and where what was sent shows."""
        own = self.tr(
            "This list shows only this PC's own messages; a patient's Communication tab "
            "shows what the station sent."
        )
        self.station_elsewhere = (station or "-") if mode in NOT_HERE else None
        self._enable()
        if mode == "elsewhere":
            said = self.tr(
                "Reminders are planned and sent by the reminder station, {0}; resend there."
            ).format(station)
        elif mode == "standby":
            said = self.tr(
                "This PC stands by for the reminder station, {0}: it sends only while the "
                "station is off."
            ).format(station)
        elif mode == "unnamed":
            said = self.tr(
                "No PC is named the reminder station: no PC sends reminders. A manager or an "
                "administrator names it in Settings > Clinic > Reminders."
            )
        else:
            self.elsewhere.hide()
            return
        self.elsewhere.setText(f"{said} {own}")
        self.elsewhere.show()

    def show_attention(self, said: list[str]) -> None:
        """What to do about each channel whose provider refused the credentials."""
        self.attention.setText("\n".join(said))
        self.attention.setVisible(bool(said))

    def current(self) -> ReminderRow | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _enable(self) -> None:
        row = self.current()
        resendable = row is not None and row.state in RESENDABLE
        allowed = self.desk.actor.may(RESEND)  # ``ops.reminders.resend`` asks the same
        elsewhere = self.station_elsewhere
        self.resend.setEnabled(resendable and allowed and not self.look_only and elsewhere is None)
        went = row.sent_to if row is not None and resendable else ""
        if not allowed:
            self.resend.setToolTip(translated(CANNOT_RESEND))
        elif self.look_only:
            self.resend.setToolTip(
                self.tr("This is a copy restored to look at: it sends no reminders.")
            )
        elif elsewhere is not None:
            self.resend.setToolTip(
                self.tr("Resend on the reminder station ({0}): this PC sends none.").format(
                    elsewhere
                )
            )
        elif went:
            self.resend.setToolTip(
                self.tr("It went to {0}; sent again, it goes to the patient's address now").format(
                    went
                )
            )
        else:
            self.resend.setToolTip("")
        self.open_patient.setEnabled(row is not None and not row.patient_erased)
        self.open_patient.setToolTip(
            self.tr("Erased: no record is left to open")
            if row is not None and row.patient_erased
            else self.tr("The patient's window, to fix what the reason names")
        )
        self.why.setText(self._why_text(row))
        self.why.setVisible(row is not None and bool(row.reason))

    def _why_text(self, row: ReminderRow | None) -> str:
        if row is None or not row.reason:
            return ""
        said = self.model.why(row)
        return said if said == row.reason else self.tr("{0} ({1})").format(said, row.reason)

    def _open_patient(self) -> None:
        row = self.current()
        if row is not None and not row.patient_erased:
            self.openPatientRequested.emit(row.patient_id)

    def _resend(self) -> None:
        row = self.current()
        refused = self.look_only or not self.desk.actor.may(RESEND)
        if row is None or row.state not in RESENDABLE or refused:
            return
        if row.state == UNKNOWN:
            self._ask_resend_unknown(row)
        elif row.reason in ASK_BEFORE_RESEND:
            self._ask_resend(row)
        else:
            self.resendRequested.emit(row.id)

    def _ask_resend_unknown(self, row: ReminderRow) -> None:
        """The channel never said whether an unknown message arrived: sent again, the
        patient may get it twice; asked (ask the patient) before it is queued."""
        said = self.tr(
            "This message may have arrived: sent again, the patient may get it twice. Ask "
            "the patient whether it came. Resend anyway?"
        )
        self._ask_first(row, said, self.resendConfirmed)

    def _ask_resend(self, row: ReminderRow) -> None:
        """A reason only the patient can undo (an opt-out): sent again, the message
        fails the same way unless the patient did; asked before it is queued."""
        said = self.tr(
            "Sent again now, it will fail the same way unless the patient has agreed to "
            "messages again. Resend anyway?"
        )
        self._ask_first(row, said, self.resendRequested)

    def _ask_first(self, row: ReminderRow, question: str, then: SignalInstance) -> None:
        """The row's reason and ``question``; "Resend anyway" emits ``then`` with its id
        (Cancel, the default, does nothing)."""
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            self.tr("Resend"),
            f"{self.model.why(row)}\n\n{question}",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("remindersResendQuestion")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("Resend anyway"))
        chosen = row.id

        def answered(result: int) -> None:
            self.box = None
            if result == QMessageBox.StandardButton.Yes:
                then.emit(chosen)

        box.finished.connect(answered)
        self.box = box
        box.open()

    def _menu(self, at: QPoint) -> None:
        """The chosen row's menu: a right click chose the row it pressed; the Menu key
        or Shift+F10 keeps the row the keyboard is on."""
        if self.current() is not None:
            self.context_menu().popup(self.table.viewport().mapToGlobal(at))

    def context_menu(self) -> QMenu:
        """The chosen row's actions, as its buttons offer them."""
        menu = QMenu(self)
        menu.setObjectName("remindersMenu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        opening = menu.addAction(self.tr("&Open patient"), self._open_patient)
        opening.setObjectName("remindersMenuOpenPatient")
        opening.setEnabled(self.open_patient.isEnabled())
        again = menu.addAction(self.tr("&Resend"), self._resend)
        again.setObjectName("remindersMenuResend")
        again.setEnabled(self.resend.isEnabled())
        return menu

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
            self.view.resendConfirmed.connect(self.resend_confirmed)
            self.view.logRequested.connect(self.show_log)
            self.view.openPatientRequested.connect(self.open_patient)
        return self.view

    def show(self) -> RemindersView:
        view = self._view()
        view.present()
        view.reload()
        return view

    def open_patient(self, patient_id: str) -> None:
        """The patient's window, over the Reminders view (a fresh, audited read)."""
        patients = self.window.findChild(Patients)
        if isinstance(patients, Patients):
            patients.open_patient(patient_id)

    def load(self, states: tuple[str, ...], patient: str = "") -> None:
        """The rows of ``states`` (of the patients ``patient`` finds: "" everyone's)."""
        ctx = self.desk.ctx()
        asked = (states, patient)

        def read(db: Database) -> tuple[list[ReminderRow], ReminderStatus]:
            sending = reminderlease.sending(reminderlease.seen(db))
            rows = reminders.listing(db, ctx, states=states, patient=patient)
            return rows, reminders.status(db, sending)

        op = DbOp(self.desk.tasks, read, self)
        op.success(lambda found: self._show(asked, found))
        op.failure(messages.report_exception).run()

    def _show(
        self, asked: tuple[tuple[str, ...], str], found: tuple[list[ReminderRow], ReminderStatus]
    ) -> None:
        """Rows for what the view asks now; an answer to an older ask is dropped (the
        newer one is on its way) and ``loaded`` waits for that."""
        rows, status = found
        if self.view is not None:
            said = [translated(t) for t in status.attention_texts()]
            if not self.view.show_rows(rows, said, asked):
                return
            self.view.show_where(status.mode, status.station)
        self.loaded.emit()

    def resend_confirmed(self, reminder_id: str) -> None:
        """An unknown message the person chose to resend after the question."""
        self.resend(reminder_id, confirmed=True)

    def resend(self, reminder_id: str, confirmed: bool = False) -> None:
        ctx = self.desk.ctx()
        op = DbOp(
            self.desk.tasks,
            lambda db: reminders.resend(db, ctx, reminder_id, confirmed=confirmed),
            self,
        )
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
