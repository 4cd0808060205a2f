"""The banner of a copy restored to look at (``restoredCopyBanner``), and its question.

A backup restored into a folder that held no clinic is a copy to look at
(``receptionist/ops/lookcopy.py``): while it is one, the window says so above the
schedule ("This is a copy restored to look at; it sends nothing"), the background jobs
do not start (``launch.start_jobs``) and the cloud sync loop does not run. A manager or
an administrator may say that the copy replaces the clinic ("This copy replaces the
clinic…"): a question that spells out what follows, then ``ops.backups.adopt`` on the
database worker; the banner goes and ``adopted`` is emitted (the launcher starts the
jobs, the sync loop starts).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QToolBar,
    QWidget,
)

from receptionist.ops import backups, lookcopy

from . import messages
from .coretext import translated
from .tasks import DbOp

if TYPE_CHECKING:
    from .mainwindow import MainWindow


def is_copy(window: MainWindow) -> bool:
    return lookcopy.restored_copy(window.desk.root) is not None


class CopyBanner(QToolBar):
    adopted = Signal()

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setObjectName("restoredCopyBanner")
        self.setMovable(False)
        self.setFloatable(False)
        self.window_ = window
        self.label = QLabel(translated(lookcopy.BANNER), self)
        self.label.setObjectName("restoredCopyNote")
        self.label.setToolTip(
            self.tr(
                "It sends no reminders, does not sync, makes no backups and runs no "
                "retention sweep, so the clinic's own are not disturbed."
            )
        )
        self.addWidget(self.label)
        spacer = QWidget(self)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.addWidget(spacer)
        self.button = QPushButton(self.tr("This copy replaces the clinic…"), self)
        self.button.setObjectName("adoptRestoredCopy")
        allowed = window.desk.actor.may("backup.manage")
        self.button.setEnabled(allowed)
        if not allowed:
            self.button.setToolTip(self.tr("Only a manager or an administrator can say so."))
        self.button.clicked.connect(self.ask)
        self.addWidget(self.button)
        self.box: QMessageBox | None = None

    def question(self) -> str:
        return self.tr(
            "Does this copy replace the clinic? Say yes only if the clinic's own PC is "
            "lost or will never be used again.\n\n"
            "From then on this copy sends the reminders still queued in it, syncs with "
            "the cloud and Google, makes the clinic's backups and runs the retention "
            "sweep; the clinic's backups newer than the one it came from are moved aside. "
            "Opening the clinic on its former PC after that would send messages twice."
        )

    def ask(self) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            self.tr("Replace the clinic with this copy"),
            self.question(),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self.window_,
        )
        box.setObjectName("adoptQuestion")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("Replace the clinic"))
        box.finished.connect(
            lambda result: self.adopt() if result == QMessageBox.StandardButton.Yes else None
        )
        self.box = box
        box.open()

    def adopt(self) -> None:
        """The person said yes: the copy is the clinic (on the worker)."""
        desk = self.window_.desk
        ctx, root = desk.ctx(), desk.root
        op = DbOp(desk.tasks, lambda db: backups.adopt(db, ctx, root), self)
        op.success(self._adopted).failure(messages.report_exception).run()

    def _adopted(self, done: backups.Adopted) -> None:
        text = self.tr("This copy is the clinic now: its reminders, sync, backups and sweep run.")
        if done.superseded:
            text += " " + self.tr("{0} newer backup(s) of the clinic were moved to {1}.").format(
                len(done.superseded), str(done.superseded[0].parent)
            )
        messages.info(text)
        self.hide()
        sync_now = self.window_.named_action("syncNow")
        if sync_now is not None:
            sync_now.setEnabled(True)
        self.adopted.emit()


def install(window: MainWindow) -> CopyBanner | None:
    """The banner above the schedule when ``window``'s folder holds a copy restored
    to look at; None otherwise."""
    if not is_copy(window):
        return None
    banner = CopyBanner(window)
    window.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, banner)
    sync_now = window.named_action("syncNow")  # a round would be refused: not offered
    if sync_now is not None:
        sync_now.setEnabled(False)
    banner.adopted.connect(window.cloud_sync.start)
    return banner
