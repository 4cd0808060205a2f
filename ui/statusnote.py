"""A field of the status bar that shows a state read from the database (``StatusNote``):
the retention sweep's note (``sweepnote``) and Google's field (``googlestatus``).

Each reads on the database worker (:meth:`StatusNote.read`): when started, every
``refresh_ms``, when a clinic setting changed (the feed says so), and after the
background jobs ran ``job`` (on a database of their own, so the feed of this window
would tell it only a moment later). Hidden until its first reading says otherwise; its
timer stops when the desk's worker shuts down. A reading that fails is logged
(``unread``: the type and place only) and the next one tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QWidget

from receptionist.journal.feed import Changes
from receptionist.safelog import describe

from .desk import Desk

if TYPE_CHECKING:
    from .mainwindow import MainWindow

log = logging.getLogger("receptionist.ui")


class StatusNote(QLabel):
    def __init__(
        self, desk: Desk, parent: QWidget | None, *, name: str, refresh_ms: int, job: str
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setContentsMargins(0, 0, 10, 0)
        self.desk = desk
        self.job = job
        self._jobs_seen = False
        self.timer = QTimer(self)
        self.timer.setInterval(refresh_ms)
        self.timer.timeout.connect(self.refresh)
        desk.events.changed.connect(self._changed)
        desk.tasks.shuttingDown.connect(self.stop)
        self.hide()

    def start(self) -> None:
        self.timer.start()
        self.refresh()

    def stop(self) -> None:
        self.timer.stop()

    def refresh(self) -> None:
        """Read again (on the database worker), unless the worker has shut down."""
        jobs = self.desk.jobs
        if jobs is not None and not self._jobs_seen:  # the jobs start after the window
            self._jobs_seen = True
            jobs.ran.connect(self._ran)
        if not self.desk.tasks.closed():
            self.read()

    def read(self) -> None:
        """Read the state on the database worker and show it (each field its own)."""
        raise NotImplementedError

    def _changed(self, changes: Changes) -> None:
        if changes.touches(("clinic_setting",)):
            self.refresh()

    def _ran(self, ran: list[object]) -> None:
        if any(getattr(r, "job", "") == self.job for r in ran):
            self.refresh()


def unread(what: str) -> Callable[[BaseException], None]:
    """A reading's failure handler: logs that ``what`` was not read, and why (type and
    place only: no patient data)."""

    def failed(exc: BaseException) -> None:
        log.warning("the %s was not read: %s", what, describe(exc))

    return failed


def add_to(window: MainWindow, note: StatusNote) -> StatusNote:
    """``note`` in ``window``'s status bar, started now."""
    window.statusBar().addPermanentWidget(note)
    note.start()
    return note
