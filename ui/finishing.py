"""The note shown while the app closes and a background job finishes its step.

Closing the app while a job runs (``ui/scheduler.JobScheduler.finishing``) asks it to
end at its next safe step, never cut short inside one (``jobs.runner.stop_asked``): the
reminders' round after the message under way (up to a silent mail server's 30 s: cut
short, it could go twice or be left "unknown"), the retention sweep after the batch
under way, the backup at once (its unfinished copy removed), a cloud sync before its
next batch or page, a Google sync before its next request. Meanwhile this note says,
per job, what it waits for (``receptionist.jobs.closing``), the GUI thread free (it
paints and answers the window manager); it appears only if the wait lasts
(``DELAY_MS``), and goes with the app. It has no Cancel: the wait ends by itself.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QLabel, QProgressBar, QVBoxLayout, QWidget

from receptionist.jobs import closing
from receptionist.jobs.core import BACKUP, SWEEP
from sync.jobs import CLOUD_SYNC, GOOGLE_SYNC, REMINDERS

from .coretext import translated
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
        heading = self._heading(job)
        if job:
            waits = self.tr("Receptionist closes once {0}.").format(translated(closing.once(job)))
            heading = f"{heading}\n{waits}"
        self.label = QLabel(heading, self)
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

    def _heading(self, job: str) -> str:
        """What is finishing ("" : between two jobs, the next not started)."""
        known = {
            REMINDERS.name: self.tr("Finishing a reminder round…"),
            SWEEP.name: self.tr("Finishing the retention sweep…"),
            BACKUP.name: self.tr("Stopping the backup…"),
            CLOUD_SYNC.name: self.tr("Finishing a cloud sync…"),
            GOOGLE_SYNC.name: self.tr("Finishing a Google Calendar sync…"),
        }
        if job in known:
            return known[job]
        named = job_name(job) if job else self.tr("jobs")  # as Settings > Jobs names it
        return self.tr("Finishing a background job ({0})…").format(named)

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
