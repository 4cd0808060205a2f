"""Settings > Clinic > Message channels: "Send a test…" in each channel's part (issue
#14). It asks for an address or number, sends one fixed, patient-free text through
the channel as saved (``receptionist.ops.channeltest``, with the senders dispatch
uses) and shows the core's sentence under the button: sent, or what failed and what to
do. An administrator's or a manager's, as setting the channel up.

Off the GUI thread, as the take-over: the checks and the channel's sender (its secret
read from the keychain) on the database worker, the send on a thread of its own (a
slow server would hold every other screen's work until the client's timeout), the
audit on the database worker again. A busy bar shows meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from receptionist.ops import channeltest
from receptionist.ops.channeltest import TestMessage, TestResult
from receptionist.reminders.channels import Outcome, Sender
from receptionist.reminders.channelsettings import BY_CHANNEL
from receptionist.store.storage import Database

from .. import messages
from ..coretext import translated
from ..desk import Desk
from ..tasks import DbOp, TaskManager

# Asks for the address or number (the channel's), or None when the person cancels.
AskAddress = Callable[[QWidget, str], "str | None"]


def _tr(text: str) -> str:
    return QCoreApplication.translate("ChannelTest", text)


def ask_address(parent: QWidget, channel: str) -> str | None:
    """The address (e-mail) or the number (SMS, WhatsApp) to send the test message to."""
    if channel == "email":
        label = _tr("The e-mail address to send a test message to:")
    elif channel == "sms":
        label = _tr("The mobile number to send a test SMS to (with its country code, or of "
                    "the clinic's region):")  # fmt: skip
    else:
        label = _tr("The WhatsApp number to send a test message to (it must have written to "
                    "the clinic's WhatsApp number in the last 24 hours):")  # fmt: skip
    typed, ok = QInputDialog.getText(
        parent, _tr("Send a test message"), label, QLineEdit.EchoMode.Normal, ""
    )
    return typed.strip() if ok and typed.strip() else None


class ChannelTests(QObject):
    """The "Send a test…" button of each channel, with its busy bar and its result."""

    tested = Signal(object)  # TestResult: a test message sent or not (its sentence shown)
    refused = Signal(str)  # the channel whose test was refused before sending (the words shown)

    def __init__(
        self,
        page: QWidget,
        desk: Desk,
        forms: dict[str, QFormLayout],
        beside: Mapping[str, QWidget],
        allowed: bool,
        unsaved: Callable[[str], bool],
    ) -> None:
        super().__init__(page)
        self.page, self.desk, self.unsaved = page, desk, unsaved
        self.ask: AskAddress = ask_address
        # The network's thread: never the database worker. It holds no database and
        # goes with the page.
        self.worker = TaskManager(self, name="receptionist-channeltest")
        page.destroyed.connect(self.worker.release)
        self.buttons: dict[str, QPushButton] = {}
        self.busy: dict[str, QProgressBar] = {}
        self.results: dict[str, QLabel] = {}
        self.boxes: dict[str, QWidget] = {}
        self.forms: dict[str, QFormLayout] = {}
        for channel, form in forms.items():
            self._part(channel, form, beside.get(channel), allowed)

    def _part(self, channel: str, form: QFormLayout, beside: QWidget | None, allowed: bool) -> None:
        """The button, beside ``beside`` (the secret's buttons: the section fits a
        1366×768 screen with no row to spare), else at the foot of ``form``; the busy bar
        and the result at the foot of ``form``, hidden until a test."""
        box = QWidget(self.page)
        box.setObjectName(f"channelTest_{channel}")
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        # "Test…": beside Set and Remove in a channel's narrow column, "Send a test…"
        # made the section scroll sideways at 1160 px; its name and tip say it whole.
        button = QPushButton(_tr("Test…"), self.page)
        button.setAccessibleName(_tr("Send a test message"))
        # As narrow as its word allows (a style's least button width is wider): the
        # row beside Set and Remove must not make the column wider than the page.
        metrics = button.fontMetrics()
        button.setMinimumWidth(
            metrics.horizontalAdvance(button.text()) + 4 * metrics.averageCharWidth()
        )
        button.setObjectName(f"testChannel_{channel}")
        button.setAutoDefault(False)
        button.setEnabled(allowed)
        button.setToolTip(
            _tr(
                "Send a test message: one text with no patient's data, through this "
                "channel as saved, to an address or number you type"
            )
            if allowed
            else _tr("Only a manager or an administrator can send a test message.")
        )
        button.clicked.connect(lambda _c=False, ch=channel: self.start(ch))
        bar = QProgressBar(box)
        bar.setObjectName(f"testBusy_{channel}")
        bar.setRange(0, 0)  # busy: how long is not known
        bar.setTextVisible(False)
        bar.setMaximumHeight(6)
        bar.setAccessibleName(_tr("Sending the test message"))
        bar.hide()
        result = QLabel(box)
        result.setObjectName(f"testResult_{channel}")
        result.setWordWrap(True)
        result.setAccessibleName(_tr("The test message's result"))
        row = _row_of(beside) if beside is not None else None
        if row is not None and beside is not None:
            row.insertWidget(row.indexOf(beside) + 1, button)
        else:
            column.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)  # as wide as its words
        column.addWidget(bar)
        column.addWidget(result)
        self.boxes[channel], self.forms[channel] = box, form
        if row is None:
            form.addRow(box)
        else:  # put in its form when first shown: a hidden row takes room too
            box.hide()
        self.buttons[channel], self.busy[channel], self.results[channel] = button, bar, result

    # --- one test ------------------------------------------------------------------
    def start(self, channel: str) -> None:
        """Ask for the address, then send (unless the channel's part holds unsaved
        edits: the test goes with the saved settings, so it says to save first)."""
        if not self.buttons[channel].isEnabled():
            return
        if self.unsaved(channel):
            self._show(
                channel,
                _tr("Save the page first: a test message goes with the channel's saved settings."),
            )
            self.refused.emit(channel)
            return
        to = self.ask(self.page, channel)
        if to is None:
            return
        self._busy(channel, True)
        ctx = self.desk.ctx()

        def prepare(db: Database) -> tuple[TestMessage, Sender | Outcome]:
            from sync.channels.build import Senders  # smtplib, httpx: only to send

            test = channeltest.prepare(db, ctx, channel, to)
            return test, channeltest.sender_for(test, Senders(db))

        op = DbOp(self.desk.tasks, prepare, self.page)
        op.success(lambda made: self._send(channel, *made))
        op.failure(lambda exc: self._refused(channel, exc)).run()

    def _send(self, channel: str, test: TestMessage, sender: Sender | Outcome) -> None:
        if self.worker.closed():
            return
        self.worker.run(
            lambda: channeltest.send(test, sender),
            lambda outcome: self._record(channel, test, outcome),
            lambda exc: self._refused(channel, exc),
            owner=self.page,
        )

    def _record(self, channel: str, test: TestMessage, outcome: Outcome) -> None:
        ctx = self.desk.ctx()
        op = DbOp(self.desk.tasks, lambda db: channeltest.record(db, ctx, test, outcome), self.page)
        op.success(self._done).failure(lambda exc: self._refused(channel, exc)).run()

    def _done(self, result: TestResult) -> None:
        self._busy(result.channel, False)
        self._show(result.channel, translated(result.said), ok=result.sent)
        self.tested.emit(result)

    def _refused(self, channel: str, exc: BaseException) -> None:
        self._busy(channel, False)
        self._show(channel, messages.user_text(exc))
        self.refused.emit(channel)

    # --- showing -------------------------------------------------------------------
    def _busy(self, channel: str, busy: bool) -> None:
        self.buttons[channel].setEnabled(not busy)
        self._reveal(channel)
        self.busy[channel].setVisible(busy)
        if busy:
            self._show(channel, _tr("Sending a test message…"))

    def _reveal(self, channel: str) -> None:
        box, form = self.boxes[channel], self.forms[channel]
        if form.indexOf(box) < 0:
            form.addRow(box)
        box.show()

    def _show(self, channel: str, text: str, ok: bool | None = None) -> None:
        label = self.results[channel]
        self._reveal(channel)
        label.setText(text)
        label.setProperty("outcome", "" if ok is None else "sent" if ok else "failed")
        label.show()


def _row_of(widget: QWidget) -> QBoxLayout | None:
    """The box layout ``widget`` sits in directly (its row of buttons), or None."""
    parent = widget.parentWidget()
    stack = [parent.layout()] if parent is not None else []
    while stack:
        layout = stack.pop()
        if layout is None:
            continue
        if isinstance(layout, QBoxLayout) and layout.indexOf(widget) >= 0:
            return layout
        items = (layout.itemAt(i) for i in range(layout.count()))
        stack += [item.layout() for item in items if item is not None]
    return None


def channel_keys(channel: str) -> frozenset[str]:
    """The keys of ``channel``'s settings (its secret's among them)."""
    return BY_CHANNEL.get(channel, frozenset())
