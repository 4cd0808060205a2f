"""The status bar's retention note (``sweepNote``): "Retention sweep: waiting for a
person (Settings → Retention)" or "Retention sweep: none in six months (Settings →
Retention)", with the whole warning as its tooltip. Hidden when the periodic
destruction is on time, and for those who cannot sweep (only a manager or an
administrator can act on it).

The nightly sweep waits for a person's sweep after each change of the policy (and
while the clock looks wrong, ``retention.clockcheck``), so a
clinic that never opens Settings > Retention would destroy nothing, ever; KVKK asks
for a destruction at least every six months. Quiet while nothing could be past its
time yet (a brand-new clinic: ``retention.firstdue``). It reads ``ops.sweepstatus`` on the
database worker at start, after the background jobs ran the sweep, when a clinic
setting changed (the policy), and once an hour; only for a user who may sweep (for
another it reads nothing; the window's ``userChanged`` asks again).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QLabel, QWidget

from receptionist.jobs.core import SWEEP
from receptionist.journal.feed import Changes
from receptionist.ops.sweepstatus import SweepStatus, sweep_status
from receptionist.safelog import describe

from .coretext import translated
from .desk import Desk
from .tasks import DbOp

if TYPE_CHECKING:
    from .mainwindow import MainWindow

log = logging.getLogger("receptionist.ui")
REFRESH_MS = 3_600_000


class SweepNote(QLabel):
    shown = Signal(object)  # SweepStatus: the note was redrawn from it

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sweepNote")
        self.setAccessibleName(self.tr("Retention sweep"))
        self.setProperty("state", "alert")
        self.setContentsMargins(0, 0, 10, 0)
        self.desk = desk
        self.status: SweepStatus | None = None
        self._jobs_seen = False
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        desk.events.changed.connect(self._changed)
        desk.tasks.shuttingDown.connect(self.timer.stop)
        self.hide()

    def start(self) -> None:
        self.timer.start()
        self.refresh()

    def refresh(self) -> None:
        jobs = self.desk.jobs
        if jobs is not None and not self._jobs_seen:  # the jobs start after the window
            self._jobs_seen = True
            jobs.ran.connect(self._ran)
        if self.desk.tasks.closed():
            return
        if not self.desk.actor.may("clinic.configure"):  # who can never see it: no read
            self.hide()
            return
        clock = self.desk.clock
        op = DbOp(self.desk.tasks, lambda db: sweep_status(db, clock), self)
        op.success(self.show_status).failure(_unread).run()

    def show_status(self, status: SweepStatus) -> None:
        self.status = status
        warnings = status.warnings()
        may = self.desk.actor.may("clinic.configure")
        if status.waiting_matters or status.clock_doubt is not None:
            self.setText(self.tr("Retention sweep: waiting for a person (Settings → Retention)"))
        else:
            self.setText(self.tr("Retention sweep: none in six months (Settings → Retention)"))
        self.setToolTip("\n".join(translated(w) for w in warnings))
        self.setVisible(bool(warnings) and may)
        self.shown.emit(status)

    def _changed(self, changes: Changes) -> None:
        if changes.touches(("clinic_setting",)):
            self.refresh()

    def _ran(self, ran: list[object]) -> None:
        if any(getattr(r, "job", "") == SWEEP.name for r in ran):
            self.refresh()


def _unread(exc: BaseException) -> None:
    log.warning("the retention sweep's state was not read: %s", describe(exc))


def install(window: MainWindow) -> SweepNote:
    """The note, in ``window``'s status bar; started now."""
    note = SweepNote(window.desk, window)
    window.statusBar().addPermanentWidget(note)
    note.start()
    return note
