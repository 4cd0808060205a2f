"""A job's history (``jobHistory``), opened from Settings > Jobs ("History…", or a
double-click on a job): the runs kept of it, newest first (``runner.history``; which
are kept: ``runner.KEEP_RUNS``), each with its start and end on the clinic's clock,
how it ended and its counts, worded as the Jobs page words them (``jobwords``).

A run that failed or was cut short stands out (bold, in red, its error in the
outcome's tooltip, for the IT person); one that did nothing (nothing due, not
connected: ``Job.quiet``) is grey, and "Only runs that did something or failed" hides
those, but for the two around a pause (the "Pause" column: the PC off or asleep, no
app or service running the jobs, between them; ``runner.after_pause``).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QFont, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from receptionist.jobs.registry import Job
from receptionist.jobs.runner import FELL_SHORT, KEEP_RUNS, Run, history

from .. import messages
from ..desk import Desk
from ..tasks import DbOp
from .jobwords import counts_words, job_name, outcome_tip, outcome_words, when_words
from .tablefit import fit_columns

COLUMNS = ("started", "ended", "outcome", "pause", "counts")
OUTCOME = COLUMNS.index("outcome")
PAUSE = COLUMNS.index("pause")
FELL_SHORT_COLOUR = QColor("#9b2c2c")
QUIET_COLOUR = QColor("#8a94a3")


class JobHistoryDialog(QDialog):
    loaded = Signal()

    def __init__(self, desk: Desk, job: Job, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jobHistory")
        self.setWindowTitle(self.tr("History of %1").replace("%1", job_name(job.name)))
        self.desk, self.job = desk, job
        self.runs: list[Run] = []
        self.pauses: list[str] = []  # what the "Pause" column says of each run
        kept = self.tr(
            "Kept: the newest %1 runs; before them, the newest that did something or failed, "
            "and the two around each pause. Times are the clinic's."
        )
        self.kept = QLabel(kept.replace("%1", str(KEEP_RUNS)), self)
        self.kept.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("jobHistoryTable")
        self.table.setAccessibleName(self.tr("Runs of %1").replace("%1", job_name(job.name)))
        self.table.setHorizontalHeaderLabels(
            [self.tr("Started"), self.tr("Ended"), self.tr("Outcome"), self.tr("Pause"),
             self.tr("Counts")]
        )  # fmt: skip
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.only_work = QCheckBox(
            self.tr("Only runs that did something or failed, and the pauses"), self
        )
        self.only_work.setObjectName("jobHistoryOnlyWork")
        self.only_work.toggled.connect(self._filter)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.kept)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.only_work)
        layout.addWidget(buttons)
        self.resize(860, 460)
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        fit_columns(self.table)  # now that its width is known

    def refresh(self) -> None:
        job, clock = self.job, self.desk.clock
        op = DbOp(self.desk.tasks, lambda db: history(db, clock, job), self)
        op.success(self._show).failure(messages.report_exception).run()

    def _show(self, runs: list[Run]) -> None:
        self.runs = runs
        self.pauses = [
            self._pause(run, runs[at - 1] if at else None) for at, run in enumerate(runs)
        ]
        tz = self.desk.clinic.tz
        self.table.setRowCount(len(runs))
        bold = QFont(self.table.font())
        bold.setBold(True)
        for at, run in enumerate(runs):
            cells = [when_words(run.started_at, tz), when_words(run.ended_at, tz),
                     outcome_words(run.outcome, run.counts), self.pauses[at],
                     counts_words(run.counts)]  # fmt: skip
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if column == OUTCOME:  # what to do, if anything
                    item.setToolTip(outcome_tip(run.outcome, run.counts))
                if run.outcome in FELL_SHORT:
                    item.setForeground(FELL_SHORT_COLOUR)
                    item.setFont(bold)
                elif run.quiet and column != PAUSE:  # a pause is news, not nothing
                    item.setForeground(QUIET_COLOUR)
                if column == OUTCOME and run.error:  # the error, for the IT person
                    item.setToolTip(
                        self.tr("This run failed (%1). Tell your IT person what it says.")
                        .replace("%1", run.error)
                    )  # fmt: skip
                self.table.setItem(at, column, item)
        if not runs:
            self.kept.setText(self.tr("%1 has not run yet.").replace("%1", job_name(self.job.name)))
        fit_columns(self.table)  # the counts last, stretched; a long outcome elided
        self._filter(self.only_work.isChecked())
        self.loaded.emit()

    def _pause(self, run: Run, newer: Run | None) -> str:
        """What ``run`` stands at, if at a pause (the PC off or asleep, no app or service
        running the jobs): the first run after one, due long before it began; or the
        last before one (``newer``, the run after it, is the first after)."""
        if run.after_pause:
            due = when_words(run.due_at, self.desk.clinic.tz)
            return self.tr("after a pause (due %1)").replace("%1", due)
        if newer is not None and newer.after_pause:
            return self.tr("the last before a pause")
        return ""

    def _filter(self, only_work: bool) -> None:
        for at, (run, pause) in enumerate(zip(self.runs, self.pauses, strict=True)):
            self.table.setRowHidden(at, only_work and run.quiet and not pause)
