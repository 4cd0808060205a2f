"""The note shown while the app closes and a background job finishes its step.

Closing the app while the reminders' round sends (``ui/scheduler.JobScheduler.finishing``)
waits for the message under way to get its answer (up to a silent mail server's 30 s),
never cut short: cut short, it could go twice or be left "unknown". Meanwhile this note
says so, the GUI thread free (it paints and answers the window manager); it appears only
if the wait lasts (``DELAY_MS``), and goes with the app. It has no Cancel: the wait ends
by itself.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QLabel, QProgressBar, QVBoxLayout, QWidget

from sync.jobs import REMINDERS

from .progress import DELAY_MS
from .settings.jobwords import job_name


class FinishingNote(QDialog):
    def __init__(
        self, job: str, parent: QWidget | None = None, *, delay_ms: int = DELAY_MS
    ) -> None:
        super().__init__(parent)
        self.setObjectName("finishingDialog")
        self.setWindowTitle(self.tr("Receptionist is closing"))
        self.setWindowModality(Qt.WindowModality.NonModal)
        if job == REMINDERS.name:
            text = self.tr(
                "Finishing a reminder round…\nReceptionist closes once the message being "
                "sent has its answer (up to about half a minute); the other messages go at "
                "the next round."
            )
        else:
            named = job_name(job) if job else self.tr("jobs")  # as Settings > Jobs names it
            text = self.tr("Finishing a background job ({0})…").format(named)
        self.label = QLabel(text, self)
        self.label.setObjectName("finishingText")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        bar = QProgressBar(self)
        bar.setObjectName("finishingBar")
        bar.setAccessibleName(self.tr("Waiting"))
        bar.setRange(0, 0)  # busy: how long it takes is the provider's
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(bar)
        self.setMinimumWidth(380)
        self.done_ = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._appear)
        self._timer.start(max(delay_ms, 0))

    def _appear(self) -> None:
        if not self.done_:
            self.show()

    def reject(self) -> None:
        """Escape does not stop the wait: it ends by itself."""

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.done_:
            event.ignore()  # the window's close button: the same

    def finish(self) -> None:
        self.done_ = True
        self._timer.stop()
        self.hide()
        self.deleteLater()
