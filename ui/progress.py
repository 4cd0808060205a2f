"""The progress dialog of a long task: a bar, what is happening, and Cancel.

It appears only when the task takes longer than ``delay_ms`` (a small file never
flashes a dialog). Cancel (or Escape) asks the task's :class:`~ui.tasks.Progress` to
stop and says so; the dialog closes when the task's own callback calls ``finish``,
so what the user sees last is what happened.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .tasks import Progress

DELAY_MS = 400


class ProgressDialog(QDialog):
    def __init__(
        self, title: str, text: str, parent: QWidget | None = None, *, delay_ms: int = DELAY_MS
    ) -> None:
        super().__init__(parent)
        self.setObjectName("progressDialog")
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress: Progress | None = None
        self.finished_ = False
        self.cancellable = True
        self.label = QLabel(text, self)
        self.label.setObjectName("progressText")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.bar = QProgressBar(self)
        self.bar.setObjectName("progressBar")
        self.bar.setAccessibleName(self.tr("Progress"))
        self.bar.setRange(0, 0)  # busy until the first report
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setObjectName("progressCancel")
        self.cancel_button.setAccessibleName(self.tr("Cancel this task"))
        self.cancel_button.clicked.connect(self.cancel)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addLayout(row)
        self.setMinimumWidth(380)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._appear)
        self._delay_ms = delay_ms

    def start(self, progress: Progress) -> None:
        """Follow ``progress``; show up after the delay unless finished by then."""
        self.progress = progress
        if self._delay_ms <= 0:
            self._appear()
        else:
            self._timer.start(self._delay_ms)

    def _appear(self) -> None:
        if not self.finished_:
            self.show()
            self.cancel_button.setFocus()

    def show_progress(self, done: int, total: int) -> None:
        if total > 0:
            self.bar.setRange(0, 1000)
            self.bar.setValue(min(1000, done * 1000 // total))
        else:
            self.bar.setRange(0, 0)

    def set_text(self, text: str, *, cancellable: bool = True) -> None:
        if self.progress is not None and self.progress.cancelled:
            return  # "Cancelling…" stays until the task ends
        self.label.setText(text)
        self.cancellable = cancellable
        self.cancel_button.setEnabled(cancellable)

    def cancel(self) -> None:
        """Ask the task to stop, unless it said this part cannot be stopped."""
        if self.progress is None or self.progress.cancelled or self.finished_:
            return
        if not self.cancellable:
            return
        self.progress.cancel()
        self.label.setText(self.tr("Cancelling…"))
        self.cancel_button.setEnabled(False)

    def reject(self) -> None:
        """Escape cancels the task; the dialog stays until the task has stopped."""
        self.cancel()

    def finish(self) -> None:
        """The task is over (done, failed or cancelled): close for good."""
        self.finished_ = True
        self._timer.stop()
        self.done(QDialog.DialogCode.Accepted)
        self.deleteLater()
