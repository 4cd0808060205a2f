"""``setupWizard``: the first run - a clinic, its first administrator, its recovery code;
or, for another PC of a clinic, joining it through its cloud endpoint (:mod:`.joinstep`).

Shown by :mod:`ui.startup` when the data folder holds no clinic. Creation runs on
the database worker; the wizard emits ``setupFinished(username)`` once the person has
kept the recovery code, and ``quitRequested`` when they give up before creating. The
clinic it makes stays marked unfinished until then (Startup finishes it on
``setupFinished``): an app closed or killed while the code is on screen leaves no
clinic, and the next start offers the wizard again.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import QWidget, QWizard

from receptionist.clock import Clock
from receptionist.errors import ValidationError
from receptionist.ops.setup import initialise
from receptionist.store.vault import Created

from ..tasks import Progress, TaskManager
from . import choices
from .adminstep import AdminStep
from .clinicstep import ClinicStep
from .joining import Joined, Request, join_clinic
from .joinstep import JoinStep
from .recoverystep import (
    PrintDialogFactory,
    RecoveryStep,
    SaveDialogFactory,
    print_dialog,
    save_dialog,
)
from .startstep import StartStep

START, CLINIC, ADMIN, JOIN, RECOVERY = range(5)


class SetupWizard(QWizard):
    setupFinished = Signal(str)  # the first administrator's user name
    quitRequested = Signal()

    def __init__(
        self,
        parent: QWidget | None,
        root: Path,
        tasks: TaskManager,
        clock: Clock,
        *,
        save_factory: SaveDialogFactory = save_dialog,
        print_factory: PrintDialogFactory = print_dialog,
        zone: str | None = None,
        region: str | None = None,
        language: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("setupWizard")
        self.setWindowTitle(self.tr("Set up Receptionist"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setMinimumSize(QSize(600, 480))
        self.resize(720, 560)
        self.root, self.tasks, self.clock = Path(root), tasks, clock
        self.created: Created | None = None
        self._stop_join = threading.Event()  # set: the join under way stops
        self.clinic = ClinicStep(
            self.root,
            zone or choices.system_time_zone(),
            choices.system_region() if region is None else region,
            language or choices.system_language(),
        )
        self.admin = AdminStep()
        self.admin.creator = self._create
        self.admin.busyChanged.connect(self._busy)
        self.recovery = RecoveryStep(save_factory, print_factory)
        self.start = StartStep()
        self.join = JoinStep()
        self.join.starter = self._join
        self.join.busyChanged.connect(self._busy)
        pages = {START: self.start, CLINIC: self.clinic, ADMIN: self.admin}
        pages.update({JOIN: self.join, RECOVERY: self.recovery})
        for page_id, page in pages.items():
            self.setPage(page_id, page)
        self.setStartId(START)
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("&Finish"))
        self.accepted.connect(self._finished)

    # --- creating, on the worker -----------------------------------------------------
    def _create(self, user: str, password: str, passphrase: str | None) -> None:
        spec = self.clinic.spec(user, password)
        root, clock = self.root, self.clock
        self.tasks.run(
            # Unfinished until the person has kept the code: Startup finishes it then.
            # The app holds the folder's lock from its start.
            lambda: initialise(
                root, spec, clock, passphrase=passphrase, finished=False, holding_lock=True
            ),
            lambda created: self._created(created, passphrase is not None),
            self._failed,
            owner=self,
        )

    def nextId(self) -> int:
        """New clinic: start, clinic, admin, code. Joining: start, join, code."""
        current = self.currentId()
        if current == START:
            return JOIN if self.start.joining() else CLINIC
        if current in (ADMIN, JOIN):
            return RECOVERY
        if current == RECOVERY:
            return -1
        return int(super().nextId())

    # --- joining, on the worker ------------------------------------------------------
    def _join(self, asked: Request) -> None:
        root, clock = self.root, self.clock
        progress = Progress(self.tasks, self.join.show_pulled, owner=self)
        stop = self._stop_join = threading.Event()
        self.tasks.run(
            lambda: join_clinic(root, clock, asked, lambda n: progress.report(n), stop),
            lambda joined: self._joined(joined, asked.passphrase is not None),
            self.join.failed,
            owner=self,
        )

    def _joined(self, joined: Joined, passphrase_set: bool) -> None:
        self.created = joined.created
        self.join.joined()
        self.recovery.show_code(joined.clinic_name, joined.created, passphrase_set)
        self.setOption(QWizard.WizardOption.NoCancelButton, True)
        self.setButtonLayout([QWizard.WizardButton.Stretch, QWizard.WizardButton.FinishButton])
        self.next()

    def _busy(self, busy: bool) -> None:
        """Back waits while work runs; Cancel too, but a join may be cancelled."""
        for which in (QWizard.WizardButton.BackButton, QWizard.WizardButton.CancelButton):
            button = self.button(which)
            if busy or which == QWizard.WizardButton.CancelButton:
                button.setEnabled(not busy)
        if busy and self.join.busy:
            self.button(QWizard.WizardButton.CancelButton).setEnabled(True)

    def _created(self, created: Created, passphrase_set: bool) -> None:
        self.created = created
        self.admin.done_creating(created)
        self.recovery.show_code(self.clinic.name.text().strip(), created, passphrase_set)
        self.setOption(QWizard.WizardOption.NoCancelButton, True)
        self.setButtonLayout([QWizard.WizardButton.Stretch, QWizard.WizardButton.FinishButton])
        self.next()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError) and exc.field in self.clinic.form.errors:
            self.admin.set_busy(False)
            self.back()
            self.clinic.show_error(exc)
            return
        self.admin.failed(exc)

    # --- the end ---------------------------------------------------------------------
    def username(self) -> str:
        """The new clinic's first administrator; "" for a joined clinic (whose staff
        sign in with their own accounts)."""
        if self.start.joining():
            return ""
        return self.admin.username.text().strip().lower()

    def take_key(self) -> bytes:
        """The new clinic's data key, handed over once (the wizard keeps no copy)."""
        if self.created is None:
            raise RuntimeError("no clinic was created")
        key = self.created.key
        self.created = None
        return key

    def _finished(self) -> None:
        self.recovery.forget()
        self.setupFinished.emit(self.username())

    def reject(self) -> None:
        """Escape or Cancel: before creation the app may quit; after it, nothing happens
        (the recovery code must be kept first)."""
        if self.join.busy:  # the join stops cleanly; the page says so, and it may start over
            self._stop_join.set()
            self.join.cancelling()
            return
        if self.created is None and not self.admin.busy:
            self.quitRequested.emit()
