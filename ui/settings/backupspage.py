"""Settings > Backups (``backupsPage``): the backups of this clinic, and what a manager
or an administrator does with them, as ``receptionist backup list|verify|create|restore``
does.

The page shows this PC's backup folder (with the core's warning when it is on the
disk that holds the clinic), and the backups there, newest first: when each was made
(the clinic's time, the app's date format), what it is (kept daily or weekly by the
rotation, or made by hand), its size, and whether it was checked here. "Back up now"
runs the backup job (``backupswork.back_up_now``), "Verify" checks the selected backup
and says how it found it in a sentence; both run on the page's own thread, never on
the desk's worker, a bar moving meanwhile.

"Restore…" asks first, naming the backup, and offers what the core offers
(``ops.backups.restore``): a copy to look at, restored into a new folder beside the
clinic's (``store.lookcopy``: it sends nothing; opened, it shows the banner of
``ui/restoredcopy.py``, where a person may say that it replaces the clinic), or the
backup put in place of the clinic. That needs the clinic closed, so the app does it
(``Startup.replace_clinic``, the path a damaged file's restore takes, ``restoreoffer``):
the window closes, the backup is put in place (the clinic's own files kept beside it),
and the clinic opens again, asking for a sign-in. A second question, Cancel by default,
comes before anything moves.

The tab is there for the roles that may manage backups (the core's "backup.manage");
built for another, the page says the core's refusal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QProcess, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from receptionist.jobs.core import BACKUP
from receptionist.jobs.runner import Ran
from receptionist.ops import backups
from receptionist.ops.backups import BackupInfo, Restored
from receptionist.store.storage import Database, human_size

from .. import messages
from ..coretext import translated
from ..desk import Desk
from ..patients.table import short_datetime
from ..tasks import TaskManager
from . import backupswork as work
from .tablefit import fit_columns

T = TypeVar("T")
OpenCopy = Callable[[Path], bool]  # the app started on a folder; False: it could not be
COLUMNS = ("made", "kind", "size", "checked", "file")


def open_in_app(folder: Path) -> bool:
    """Another window of the app, on the data folder ``folder`` (``main.py --data-dir``)."""
    script = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    if script is None or script.name != "main.py" or not script.exists():
        return False
    started, _pid = QProcess.startDetached(
        sys.executable, [str(script), "--data-dir", str(folder)], str(script.parent)
    )
    return bool(started)


def copy_folder(root: Path, made: str) -> Path:
    """A new folder beside the clinic's for a copy of the backup ``made`` (its time as
    a name: ``<clinic folder>-copy-20261207-0200``), numbered past any that exists."""
    base = Path(os.path.abspath(root))
    first = base.with_name(f"{base.name}-copy-{made}")
    at, number = first, 1
    while at.exists():
        number += 1
        at = first.with_name(f"{first.name}_{number}")
    return at


class BackupsPage(QWidget):
    loaded = Signal()
    verified = Signal(object)  # work.Verified, once shown
    backedUp = Signal()  # "Back up now" ended (made, refused or failed), the list read again
    restoredCopy = Signal(object)  # Restored: a copy to look at was made
    question = Signal(object)  # QMessageBox: a restore's question, opened

    def __init__(
        self, desk: Desk, parent: QWidget | None = None, open_copy: OpenCopy = open_in_app
    ) -> None:
        super().__init__(parent)
        self.setObjectName("backupsPage")
        self.desk, self.open_copy = desk, open_copy
        self.allowed = desk.actor.may("backup.manage")
        self.worker = TaskManager(self, name="receptionist-backups")
        self.destroyed.connect(self.worker.release)
        self.found: work.Found | None = None
        self.checked: dict[Path, bool] = {}  # this session's checks: whole or not
        self.busy = False
        self.copy_made: Path | None = None
        self.box: QMessageBox | None = None
        self.folder = QLabel(self)
        self.folder.setObjectName("backupsFolder")
        self.folder.setWordWrap(True)
        self.warning = QLabel(self)
        self.warning.setObjectName("backupsWarning")
        self.warning.setWordWrap(True)
        self.warning.setProperty("state", "alert")
        self.warning.setVisible(False)
        self.table = self._table()
        self.progress = QProgressBar(self)
        self.progress.setObjectName("backupProgress")
        self.progress.setVisible(False)
        self.note = QLabel(self)
        self.note.setObjectName("backupsNote")
        self.note.setWordWrap(True)
        self.backup_button = self._button(self.tr("Back &up now"), "backUpNow", self.back_up)
        self.verify_button = self._button(self.tr("&Verify"), "verifyBackup", self.verify)
        self.verify_button.setToolTip(self.tr("Check that the selected backup can be restored"))
        self.restore_button = self._button(self.tr("&Restore…"), "restoreBackup", self.restore)
        self.open_button = self._button(self.tr("Open the cop&y"), "openRestoredCopy",
                                        self._open_copy)  # fmt: skip
        self.open_button.setVisible(False)
        self._lay_out()
        self.table.itemSelectionChanged.connect(self._enable)
        self._enable()
        if not self.allowed:
            self.note.setText(translated(backups.CANNOT))
        if desk.jobs is not None:  # the scheduled backup (or Settings > Jobs' Run now) ran
            desk.jobs.ran.connect(self._jobs_ran)

    def _table(self) -> QTableWidget:
        table = QTableWidget(0, len(COLUMNS), self)
        table.setObjectName("backupsTable")
        table.setAccessibleName(self.tr("Backups"))
        table.setHorizontalHeaderLabels(
            [self.tr("Made"), self.tr("Kind"), self.tr("Size"), self.tr("Checked"),
             self.tr("File")]
        )  # fmt: skip
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().setVisible(False)
        return table

    def _button(self, text: str, name: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAutoDefault(False)  # Enter in Settings neither backs up nor restores
        button.clicked.connect(slot)
        return button

    def _lay_out(self) -> None:
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.backup_button)
        buttons.addWidget(self.verify_button)
        buttons.addWidget(self.restore_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.folder)
        layout.addWidget(self.warning)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.note)  # a line of its own: a check's sentence can be long
        layout.addLayout(buttons)

    def _enable(self) -> None:
        chosen = self.selected() is not None
        self.backup_button.setEnabled(self.allowed and not self.busy)
        self.verify_button.setEnabled(self.allowed and not self.busy and chosen)
        self.restore_button.setEnabled(self.allowed and not self.busy and chosen)

    # --- reading ----------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        fit_columns(self.table)  # now that its width is known
        self.refresh()  # a backup made, rotated or copied in since it was last shown

    def refresh(self) -> None:
        """Read the folder and its backups (``backup list``)."""
        ctx, root = self.desk.ctx(), self.desk.root
        self._on_twin(lambda db: work.look(db, ctx, root), self._show, self._refused)

    def _on_twin(
        self,
        fn: Callable[[Database], T],
        ok: Callable[[T], None],
        bad: Callable[[BaseException], None],
    ) -> None:
        main = self.desk.tasks.db
        if main is None or self.worker.closed():
            return
        self.worker.run(lambda: work.on_twin(main, fn), ok, bad, self)

    def _jobs_ran(self, ran: list[Ran]) -> None:
        if any(r.job == BACKUP.name for r in ran) and self.isVisible():
            self.refresh()

    def _refused(self, exc: BaseException) -> None:
        self.note.setText(messages.user_text(exc))
        self.loaded.emit()

    def _show(self, found: work.Found) -> None:
        chosen = self.selected()
        self.found = found
        self.folder.setText(self.tr("Backup folder: %1").replace("%1", str(found.folder)))
        self.warning.setText(translated(found.warning) if found.warning is not None else "")
        self.warning.setVisible(found.warning is not None)
        self.table.setRowCount(len(found.backups))
        for row, info in enumerate(found.backups):
            cells = [
                short_datetime(info.created_at, self.desk.clinic.tz),
                self.kind_words(info, found.kinds.get(info.path, "")),
                human_size(info.size),
                self.checked_words(info.path),
                info.path.name,
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(str(info.path) if column == len(COLUMNS) - 1 else text)
                self.table.setItem(row, column, item)
        fit_columns(self.table)
        paths = [b.path for b in found.backups]
        if paths:
            self.table.selectRow(paths.index(chosen.path) if chosen in found.backups else 0)
        empty = self.tr("No backups in this folder yet: Back up now makes one.")
        if not paths and self.allowed:
            self.note.setText(empty)
        elif self.note.text() == empty:  # one came since (the scheduled backup, Back up now)
            self.note.clear()
        self._enable()
        self.loaded.emit()

    def kind_words(self, info: BackupInfo, kind: str) -> str:
        if not info.this_clinic:
            return self.tr("another clinic's")
        return {
            backups.DAILY: self.tr("daily"),
            backups.WEEKLY: self.tr("weekly"),
            backups.BY_HAND: self.tr("by hand"),
        }.get(kind, "")

    def checked_words(self, path: Path) -> str:
        whole = self.checked.get(path)
        if whole is None:
            return self.tr("not checked here")
        return self.tr("whole") if whole else self.tr("damaged")

    def selected(self) -> BackupInfo | None:
        rows = self.table.selectionModel().selectedRows() if self.found is not None else []
        if not rows or self.found is None or rows[0].row() >= len(self.found.backups):
            return None
        return self.found.backups[rows[0].row()]

    def _working(self, busy: bool, text: str = "") -> None:
        self.busy = busy
        # A backup or a check tells no steps: the bar moves while it works. Its moving
        # (the style's animation) runs only then: one left running after the bar was
        # hidden once updated it after the page was gone.
        self.progress.setRange(0, 0 if busy else 1)
        self.progress.setValue(0)
        self.progress.setVisible(busy)
        if text:
            self.note.setText(text)
        self._enable()

    # --- back up now ------------------------------------------------------------------
    def back_up(self) -> None:
        if not self.allowed or self.busy:
            return
        self._working(True, self.tr("Making a backup of the clinic…"))
        ctx, clock = self.desk.ctx(), self.desk.clock
        # the app's jobs' stop: closing the app ends this backup too (at its next safe step)
        jobs = self.desk.jobs
        stopping = jobs.runner.stopping if jobs is not None else None
        self._on_twin(
            lambda db: work.back_up_now(db, ctx, clock, stopping), self._backed_up, self._failed
        )

    def _backed_up(self, ran: Ran | None) -> None:
        self._working(False)
        if ran is None:
            self.note.setText(
                self.tr(
                    "A backup is being made already (the scheduled one, or another PC's). "
                    "Wait for it to finish (Settings > Jobs shows it), then look again."
                )
            )
        elif ran.outcome == "ok":
            self.note.setText(
                self.tr("The backup was made (%1).").replace("%1", human_size(ran.counts["bytes"]))
            )
        else:  # the job's sentence: the folder and what to do, or the log's problem
            self.note.setText(self.tr("The backup failed: %1").replace("%1", ran.error))
        self.backedUp.emit()
        self.refresh()

    def _failed(self, exc: BaseException) -> None:
        self._working(False)
        self.note.setText(messages.user_text(exc))
        self.backedUp.emit()

    # --- verify -------------------------------------------------------------------------
    def verify(self) -> None:
        info = self.selected()
        if info is None or not self.allowed or self.busy:
            return
        self._working(True, self.tr("Checking the backup of %1…").replace("%1", self._made(info)))
        ctx, root, path = self.desk.ctx(), self.desk.root, info.path
        self._on_twin(lambda db: work.verify(db, ctx, root, path), self._verified, self._failed)

    def _verified(self, done: work.Verified) -> None:
        self._working(False)
        checked = done.checked
        self.checked[checked.path] = checked.ok
        if checked.ok:
            text = self.tr(
                "The backup %1 is whole and can be restored; its audit log (%2 events) verifies."
            )
            text = text.replace("%1", checked.path.name).replace("%2", str(checked.events))
        else:  # the core's sentence names the backup and what is wrong with it
            text = translated(checked.problem)
        if done.live_problem:
            text += " " + self.tr("The clinic's own audit log: %1").replace(
                "%1", translated(done.live_problem)
            )
        self.note.setText(text)
        if self.found is not None:
            self._show(self.found)  # the Checked column
        self.verified.emit(done)

    # --- restore ------------------------------------------------------------------------
    def _made(self, info: BackupInfo) -> str:
        return short_datetime(info.created_at, self.desk.clinic.tz)

    def restore(self) -> QMessageBox | None:
        """Ask how to restore the selected backup: as a copy to look at, or in place of
        the clinic (its own question follows). Nothing moves before an answer."""
        info = self.selected()
        if info is None or not self.allowed or self.busy:
            return None
        box = self.restore_question(info)
        self._open(box)
        return box

    def restore_question(self, info: BackupInfo, parent: QWidget | None = None) -> QMessageBox:
        """The first question of a restore of ``info`` (Cancel by default), over
        ``parent`` (default: this page)."""
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Restore a backup"),
                          self.tr("Restore the backup of %1?").replace("%1", self._made(info)),
                          QMessageBox.StandardButton.NoButton, parent or self)  # fmt: skip
        box.setObjectName("restoreBackupQuestion")
        box.setInformativeText(
            self.tr(
                "A copy to look at opens beside the clinic, in a new folder: it sends no "
                "reminders, does not sync and makes no backups, and the clinic is not "
                "touched.\n\nReplacing the clinic brings it back as it was then: what was "
                "entered since is not in the backup. The app closes the clinic to do it; "
                "the clinic's files of now are kept beside it."
            )
        )
        look = box.addButton(self.tr("Open a &copy to look at"), QMessageBox.ButtonRole.AcceptRole)
        look.setObjectName("restoreAsCopy")
        replace = box.addButton(
            self.tr("&Replace the clinic…"), QMessageBox.ButtonRole.DestructiveRole
        )
        replace.setObjectName("restoreReplace")
        if self.desk.replace_clinic is None:  # a window the app did not open (no startup)
            replace.setEnabled(False)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)

        def answered(_button: object) -> None:
            if box.clickedButton() is look:
                self.restore_copy(info)
            elif box.clickedButton() is replace:
                self.ask_replace(info)

        box.buttonClicked.connect(answered)
        return box

    def _open(self, box: QMessageBox) -> None:
        self.box = box
        box.open()
        self.question.emit(box)

    def restore_copy(self, info: BackupInfo) -> None:
        """The backup restored into a new folder beside the clinic's: a copy to look at."""
        made = info.created_at.astimezone(self.desk.clinic.tz).strftime("%Y%m%d-%H%M")
        target, path, clock = copy_folder(self.desk.root, made), info.path, self.desk.clock
        self._working(True, self.tr("Restoring a copy to look at into %1…").replace(
            "%1", str(target)))  # fmt: skip

        def restore() -> Restored:
            # A folder that held no clinic: the core makes it a marked copy; the
            # clinic and its backups are left as they are.
            return backups.restore(target, path, clock)

        if not self.worker.closed():
            self.worker.run(restore, self._copy_made, self._failed, self)

    def _copy_made(self, done: Restored) -> None:
        self._working(False)
        self.copy_made = done.root
        self.note.setText(
            self.tr(
                "The backup of %1 is restored as a copy to look at in %2. It sends nothing "
                "and takes no bookings; the clinic was not touched. Open the copy to look "
                "at it (it says it is a copy, and there a manager may say it replaces the "
                "clinic); delete its folder when done."
            )
            .replace("%1", short_datetime(done.created_at, self.desk.clinic.tz))
            .replace("%2", str(done.root))
        )
        self.open_button.setVisible(True)
        self.restoredCopy.emit(done)

    def _open_copy(self) -> None:
        if self.copy_made is not None and not self.open_copy(self.copy_made):
            self.note.setText(
                self.tr(
                    "The app could not be started on the copy here. Start Receptionist "
                    "with its data folder: %1"
                ).replace("%1", f"--data-dir {self.copy_made}")
            )

    def ask_replace(self, info: BackupInfo) -> QMessageBox | None:
        """The last question before the clinic is replaced; Cancel by default."""
        replace = self.desk.replace_clinic
        if replace is None:
            return None
        box = self.replace_question(info)
        path = info.path
        box.finished.connect(
            lambda result: replace(path) if result == QMessageBox.StandardButton.Yes else None
        )
        self._open(box)
        return box

    def replace_question(self, info: BackupInfo, parent: QWidget | None = None) -> QMessageBox:
        """The last question before the clinic is replaced, over ``parent`` (default:
        this page)."""
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            self.tr("Replace the clinic"),
            self.tr("Replace the clinic with the backup of %1?").replace("%1", self._made(info)),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            parent or self,
        )
        box.setObjectName("replaceClinicQuestion")
        box.setInformativeText(
            self.tr(
                "Everything entered after %1 is lost from the clinic: appointments, patients, "
                "changes. The window closes, the backup is put in place of the clinic (its "
                "files of now are kept beside it for your IT person), and the clinic opens "
                "again: sign in then. Backups made after this one are moved aside."
            ).replace("%1", self._made(info))
        )
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("Replace the clinic"))
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        return box
