"""Settings > Jobs (``jobsPage``): each background job, its last run and how it
ended, when it is next due; "Run now" for a manager or an administrator.

The list is read through the database worker (``receptionist.jobs.runner.status``);
"Run now" hands the job to the scheduler's own thread (``ui/scheduler.py``), so a
backup never holds up the desk's worker. The page redraws when a job has run.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from receptionist.jobs.core import CORE
from receptionist.jobs.registry import Job
from receptionist.jobs.runner import JobStatus, status
from receptionist.retention import clockcheck

from .. import messages
from ..coretext import translated
from ..desk import Desk
from ..tasks import DbOp


class JobsPage(QWidget):
    loaded = Signal()

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jobsPage")
        self.desk = desk
        self.rows: list[JobStatus] = []
        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("jobsTable")
        self.table.setAccessibleName(self.tr("Background jobs"))
        self.table.setHorizontalHeaderLabels(
            [self.tr("Job"), self.tr("Last run"), self.tr("Outcome"), self.tr("Next due")]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.run_button = QPushButton(self.tr("Run now"), self)
        self.run_button.setObjectName("runJobNow")
        self.run_button.clicked.connect(self.run_selected)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        allowed = desk.actor.may("clinic.configure")
        if desk.jobs is None:
            self.note.setText(self.tr("The background jobs do not run in this window."))
        elif not allowed:
            self.note.setText(self.tr("Only a manager or an administrator can run a job."))
        self.run_button.setEnabled(desk.jobs is not None and allowed)
        buttons = QHBoxLayout()
        buttons.addWidget(self.note, 1)
        buttons.addWidget(self.run_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        if desk.jobs is not None:
            desk.jobs.ran.connect(lambda _ran: self.refresh())

    def jobs(self) -> tuple[Job, ...]:
        return self.desk.jobs.jobs if self.desk.jobs is not None else CORE

    def refresh(self) -> None:
        jobs, clock = self.jobs(), self.desk.clock
        op = DbOp(self.desk.tasks, lambda db: status(db, clock, jobs), self)
        op.success(self._show).failure(messages.report_exception).run()

    def _show(self, rows: list[JobStatus]) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for at, row in enumerate(rows):
            outcome = self.tr("running") if row.running else self._outcome(row.outcome)
            said = clockcheck.reason(row.counts)  # a sweep that did not trust the clock
            if said is not None and not row.running:
                outcome = self.tr("waiting: the clock looks wrong")
            cells = [row.name, self._when(row.last_started), outcome, self._when(row.next_due)]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if said is not None:
                    item.setToolTip(translated(said))
                self.table.setItem(at, column, item)
        if rows and not self.table.selectedItems():
            self.table.selectRow(0)
        self.loaded.emit()

    def _outcome(self, outcome: str | None) -> str:
        return {
            None: self.tr("never ran"),
            "ok": self.tr("done"),
            "failed": self.tr("failed"),
            "interrupted": self.tr("interrupted"),
            "running": self.tr("running"),
        }.get(outcome, outcome or "")

    def _when(self, when: datetime | None) -> str:
        if when is None:
            return ""
        return when.astimezone(self.desk.clinic.tz).strftime("%Y-%m-%d %H:%M")

    def run_selected(self) -> None:
        at = self.table.currentRow()
        if self.desk.jobs is not None and 0 <= at < len(self.rows):
            self.desk.jobs.run_now(self.rows[at].name)
