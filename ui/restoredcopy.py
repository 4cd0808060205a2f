"""The banner of a copy restored to look at (``restoredCopyBanner``), and its question.

A backup restored into a folder that held no clinic is a copy to look at
(``receptionist/store/lookcopy.py``): while it is one, the window says so above the
schedule, naming the backup it holds on the clinic's clock ("This is a copy restored to
look at, from the backup of 2 Mar 2026 10:00; it sends nothing and takes no changes"),
New appointment is off and no booking dialog opens (the core refuses every write in a
copy, ``Database.write``: ``booking.launcher``; Cancel and a waitlist entry ask nothing
either, ``statusops``, ``today``), the background jobs
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

from receptionist.ops import backups
from receptionist.store import lookcopy

from . import messages
from .booking.launcher import no_bookings_said
from .coretext import translated
from .patients.table import short_datetime
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
        self.label = QLabel(self.said(), self)
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

    def said(self) -> str:
        """What the copy is: from which backup (its time on the clinic's clock), and
        that it sends nothing and takes no changes (the core refuses every write)."""
        desk = self.window_.desk
        copy = lookcopy.restored_copy(desk.root)
        if copy is None or copy.backup_made_at is None:  # a mark that cannot be read
            return translated(lookcopy.BANNER)
        return self.tr(
            "This is a copy restored to look at, from the backup of {0}; it sends nothing "
            "and takes no changes."
        ).format(short_datetime(copy.backup_made_at, desk.clinic.tz))

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
        _takes_bookings(self.window_, True)
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
    _takes_bookings(window, False)  # the core refuses one (``ops.appointments.book``)
    banner.adopted.connect(window.cloud_sync.start)
    return banner


def _takes_bookings(window: MainWindow, takes: bool) -> None:
    """New appointment on (the clinic) or off (a copy to look at, saying why)."""
    book = window.booking.action
    book.setEnabled(takes)
    if takes:
        book.setToolTip(book.property("bookingTip") or book.toolTip())
        return
    book.setProperty("bookingTip", book.toolTip())
    book.setToolTip(no_bookings_said())  # what the launcher says for the other ways in
