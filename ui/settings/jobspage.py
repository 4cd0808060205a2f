"""Settings > Jobs (``jobsPage``): each background job by its name for staff, its last
run (start, end, how it ended, when it is next due, its counts named for staff:
``jobwords``; a failed run's error in the outcome's tooltip, for the IT person); "Run
now" for a manager or an administrator. The counts come last, stretched, and a long
outcome is elided with its whole in the tooltip (``tablefit``), so every column shows
at the dialog's first size. The retention sweep that waits for a person's first sweep
(counts ``awaiting_person``) reads "waiting for a person's first sweep (Settings →
Retention)", not "done": it destroyed nothing; one that did not trust the PC's clock
(``retention.clockcheck``) reads "waiting: the clock looks wrong", the sentence in the
row's tooltip.

The list is read through the database worker (``receptionist.jobs.runner.status``);
"Run now" hands the job to the scheduler's own thread (``ui/scheduler.py``), so a
backup never holds up the desk's worker. The page redraws when a job has run.
"History…" (or a double-click on a job) opens the runs kept of it (``jobhistory``),
worded as here (``outcome_words``, ``counts_words``).

Under the table a flag (``jobsFlags``, hidden while nothing holds) says what a manager
must know beyond the outcomes, each after its job's name: backups that go to the disk
that holds the clinic (``backups.placement``, This PC's warning, read off the GUI
thread) and a sweep's audit log that waits for a person (``jobwords.flag_texts``). A
copy restored to look at says neither: it makes no backups and sweeps nothing.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
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

from receptionist.jobs.core import BACKUP, CORE
from receptionist.jobs.registry import Job, named
from receptionist.jobs.runner import JobStatus, status
from receptionist.ops import backups
from receptionist.retention import clockcheck
from receptionist.store import lookcopy
from receptionist.texts import Text

from .. import messages
from ..coretext import translated
from ..desk import Desk
from ..flaglabel import ATTENTION, flag_label
from ..tasks import DbOp
from .jobhistory import JobHistoryDialog
from .jobwords import (
    counts_words,
    flag_texts,
    job_name,
    outcome_tip,
    outcome_words,
    when_words,
)
from .tablefit import fit_columns

COLUMNS = ("job", "started", "ended", "outcome", "next_due", "counts")
OUTCOME = COLUMNS.index("outcome")


def placed(root: Path) -> Text | None:
    """This PC's warning while its backups go to the disk that holds the clinic in
    ``root`` (``backups.placement``); none in a copy restored to look at: it makes none."""
    return None if lookcopy.restored_copy(root) is not None else backups.placement(root)


class JobsPage(QWidget):
    loaded = Signal()
    history_shown = Signal(object)  # JobHistoryDialog: opened, its runs read
    flagsShown = Signal()  # the flag under the table says what holds now (or hides)

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jobsPage")
        self.desk = desk
        self.rows: list[JobStatus] = []
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("jobsTable")
        self.table.setAccessibleName(self.tr("Background jobs"))
        self.table.setHorizontalHeaderLabels(
            [self.tr("Job"), self.tr("Last run"), self.tr("Ended"), self.tr("Outcome"),
             self.tr("Next due"), self.tr("Counts")]
        )  # fmt: skip
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.doubleClicked.connect(lambda _index: self.show_history())
        self.run_button = QPushButton(self.tr("Run now"), self)
        self.run_button.setObjectName("runJobNow")
        self.run_button.clicked.connect(self.run_selected)
        self.history_button = QPushButton(self.tr("&History…"), self)
        self.history_button.setObjectName("jobHistory")
        self.history_button.setToolTip(self.tr("The runs kept of the selected job"))
        self.history_button.setAutoDefault(False)  # Enter in Settings is not "History…"
        self.history_button.clicked.connect(self.show_history)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.flags = flag_label(self, "jobsFlags", self.tr("What needs a person"), ATTENTION)
        allowed = desk.actor.may("clinic.configure")
        if desk.jobs is None and lookcopy.restored_copy(desk.root) is not None:
            self.note.setText(
                self.tr("This is a copy restored to look at: its background jobs do not run.")
            )
        elif desk.jobs is None:
            self.note.setText(self.tr("The background jobs do not run in this window."))
        elif not allowed:
            self.note.setText(self.tr("Only a manager or an administrator can run a job."))
        self.run_button.setEnabled(desk.jobs is not None and allowed)
        buttons = QHBoxLayout()
        buttons.addWidget(self.note, 1)
        buttons.addWidget(self.history_button)
        buttons.addWidget(self.run_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.flags)
        layout.addLayout(buttons)
        if desk.jobs is not None:
            desk.jobs.ran.connect(lambda _ran: self.refresh())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        fit_columns(self.table)  # now that its width is known

    def jobs(self) -> tuple[Job, ...]:
        return self.desk.jobs.jobs if self.desk.jobs is not None else CORE

    def refresh(self) -> None:
        jobs, clock, root = self.jobs(), self.desk.clock, self.desk.root
        op = DbOp(self.desk.tasks, lambda db: (status(db, clock, jobs), placed(root)), self)
        op.success(self._read).failure(messages.report_exception).run()

    def _read(self, answer: tuple[list[JobStatus], Text | None]) -> None:
        rows, where = answer
        self._fill(rows)
        self._show_flags(where)
        self.loaded.emit()

    def _show(self, rows: list[JobStatus]) -> None:
        """``rows`` in the table; where the backups go is looked at on the worker."""
        self._fill(rows)
        self.check_flags()
        self.loaded.emit()

    def _fill(self, rows: list[JobStatus]) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for at, row in enumerate(rows):
            said = clockcheck.reason(row.counts)  # a sweep that did not trust the clock
            cells = [job_name(row.name), self._when(row.last_started),
                     self._when(row.last_ended), self.outcome(row), self._next(row),
                     self._counts(row)]  # fmt: skip
            failed = self._failed(row.error, row.name) if row.error and not row.running else None
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(translated(said) if said is not None else text)
                if column == OUTCOME and said is None:  # what to do, if anything
                    item.setToolTip(
                        outcome_tip("running" if row.running else row.outcome, row.counts)
                    )
                if column == OUTCOME and failed is not None:  # the error, for the IT person
                    item.setToolTip(failed)
                self.table.setItem(at, column, item)
        fit_columns(self.table)  # the counts last, stretched; the outcome elided if long
        if rows and not self.table.selectedItems():
            self.table.selectRow(0)

    def check_flags(self) -> None:
        """Look where this PC's backups go (off the GUI thread: a network share may take
        a moment), then say what holds under the table."""
        root = self.desk.root
        op = DbOp(self.desk.tasks, lambda _db: placed(root), self)
        op.success(self._show_flags).run()

    def _show_flags(self, where: Text | None) -> None:
        said = []
        if where is not None:  # the same words as This PC's, after the job's name
            said.append(self._after(job_name("backup"), translated(where)))
        copy = lookcopy.restored_copy(self.desk.root) is not None
        for row in [] if copy else self.rows:  # a copy sweeps nothing
            said.extend(self._after(job_name(row.name), text) for text in flag_texts(row.counts))
        self.flags.setText("\n".join(said))
        self.flags.setVisible(bool(said))
        self.flagsShown.emit()

    def _after(self, job: str, text: str) -> str:
        return self.tr("%1: %2").replace("%1", job).replace("%2", text)

    def outcome(self, row: JobStatus) -> str:
        """How the last run ended, as a person reads it (with a failed run's error)."""
        return outcome_words("running" if row.running else row.outcome, row.counts)

    def _counts(self, row: JobStatus) -> str:
        return counts_words(row.counts)

    def _failed(self, error: str, job: str = "") -> str:
        if job == BACKUP.name:  # what to do is on the Backups page, beside this one
            return self.tr(
                "The last backup failed (%1). The Backups tab here lists the backups: "
                "Verify checks one, Back up now makes one again. If it fails again, tell "
                "your IT person what it says."
            ).replace("%1", error)
        return self.tr(
            "The last run failed (%1). If it fails again, tell your IT person what it says."
        ).replace("%1", error)

    def _next(self, row: JobStatus) -> str:
        """When the job next runs: "due now" when owed, never a time gone by."""
        return self.tr("due now") if row.owed else self._when(row.next_due)

    def _when(self, when: datetime | None) -> str:
        return when_words(when, self.desk.clinic.tz)

    def run_selected(self) -> None:
        at = self.table.currentRow()
        if self.desk.jobs is not None and 0 <= at < len(self.rows):
            self.desk.jobs.run_now(self.rows[at].name)

    def show_history(self) -> JobHistoryDialog | None:
        """The selected job's kept runs, in a dialog of their own (None: no job)."""
        at = self.table.currentRow()
        job = named(self.jobs(), self.rows[at].name) if 0 <= at < len(self.rows) else None
        if job is None:
            return None
        dialog = JobHistoryDialog(self.desk, job, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.loaded.connect(lambda: self.history_shown.emit(dialog))
        dialog.open()
        return dialog
