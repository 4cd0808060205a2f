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
setting changed (the policy), and once an hour (``statusnote.StatusNote``, as the
Google field); only for a user who may sweep (for another it reads nothing; the
window's ``userChanged`` asks again).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from receptionist.jobs.core import SWEEP
from receptionist.ops.sweepstatus import SweepStatus, sweep_status

from .coretext import translated
from .desk import Desk
from .statusnote import StatusNote, add_to, unread
from .tasks import DbOp

if TYPE_CHECKING:
    from .mainwindow import MainWindow

REFRESH_MS = 3_600_000


class SweepNote(StatusNote):
    shown = Signal(object)  # SweepStatus: the note was redrawn from it

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(desk, parent, name="sweepNote", refresh_ms=REFRESH_MS, job=SWEEP.name)
        self.setAccessibleName(self.tr("Retention sweep"))
        self.setProperty("state", "alert")
        self.status: SweepStatus | None = None

    def read(self) -> None:
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


_unread = unread("retention sweep's state")


def install(window: MainWindow) -> SweepNote:
    """The note, in ``window``'s status bar; started now."""
    note = SweepNote(window.desk, window)
    add_to(window, note)
    return note
