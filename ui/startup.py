"""From start to the schedule: open the clinic (or set one up), unlock it, sign in; the lock.

A data folder with no clinic in it gets the first-run wizard (:mod:`ui.wizard`); the
clinic it makes is opened with the key it hands over, and sign-in follows.

Every step that touches the disk or derives a key runs on the database worker; the
dialogs only collect what a person types. Dialogs come from injected factories and
are shown with ``show()``/``open()``, never ``exec()``, so tests drive them with
``qtbot`` and nothing blocks.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import shiboken6
from PySide6.QtCore import QEventLoop, QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from receptionist.clock import Clock, SystemClock
from receptionist.context import Actor
from receptionist.errors import Damaged, UnlockError
from receptionist.ops import backups, restorecarry, settings, setup, staff
from receptionist.ops.backups import BackupInfo, Restored
from receptionist.ops.settings import ClinicInfo
from receptionist.settings.desk import LARGER_TEXT, LOCK_AFTER_MINUTES
from receptionist.store import migrate, vault
from receptionist.store.storage import Database

from . import messages, textsize
from .coretext import translated
from .desk import Desk
from .finishing import FinishingNote
from .idle import IdleWatcher
from .mainwindow import MainWindow
from .progress import ProgressDialog
from .restoreoffer import RestoreOffer
from .settings import Settings
from .settings.data import Snapshot
from .signin import SignInDialog
from .tasks import Cancelled, Progress, TaskManager
from .unlock import UnlockDialog
from .wizard import SetupWizard

log = logging.getLogger("receptionist.ui")  # outcomes only: never a name or a secret


@dataclass(frozen=True)
class DemoLogin:
    """The built-in demo clinic's secrets: it holds no real data, so they are no secret."""

    passphrase: str
    username: str
    password: str


UnlockFactory = Callable[[QWidget | None, str], UnlockDialog]
SignInFactory = Callable[..., SignInDialog]
WindowFactory = Callable[[Desk], MainWindow]
WizardFactory = Callable[[QWidget | None, Path, TaskManager, Clock], SetupWizard]
RestoreFactory = Callable[[str, BackupInfo, QWidget | None], RestoreOffer]


class NoClinic(Exception):
    """The data folder holds no clinic yet: the set-up wizard makes one."""


def open_with_secret(root: Path, secret: str, on_step: migrate.Step | None = None) -> Database:
    """Open the clinic with one typed passphrase or recovery code (one attempt)."""
    answers = iter([secret])
    return vault.open_clinic(root, ask=lambda _prompt: next(answers, None), env={}, on_step=on_step)


def open_with_key(root: Path, key: bytes) -> Database:
    """Open a clinic just made by the wizard with the key it handed over; its recovery
    code has been kept, so its set-up is finished first."""
    setup.finish_setup(root)
    db = Database(vault.DataDir(Path(root)).db, key)
    try:
        migrate.upgrade(db, allow_new=False)
    except BaseException:
        db.close()
        raise
    return db


def read_clinic(db: Database) -> ClinicInfo:
    return settings.clinic_info(db)


def sign_in(db: Database, clock: Clock, username: str, password: str) -> Actor:
    return staff.sign_in(db, clock, username, password, "ui")


class Startup(QObject):
    windowReady = Signal(object)  # MainWindow
    failed = Signal(str)  # the clinic could not be opened; the message says why
    finished = Signal()  # the person asked to quit; the worker is shut down

    def __init__(
        self,
        root: Path,
        tasks: TaskManager,
        idle: IdleWatcher,
        *,
        clock: Clock | None = None,
        demo: DemoLogin | None = None,
        prepare: Callable[[], None] | None = None,
        env: Mapping[str, str] | None = None,
        unlock_factory: UnlockFactory = UnlockDialog,
        sign_in_factory: SignInFactory = SignInDialog,
        window_factory: WindowFactory = MainWindow,
        wizard_factory: WizardFactory = SetupWizard,
        confirm_quit: Callable[[str], bool] | None = None,
        progress_factory: Callable[[], ProgressDialog] | None = None,
        restore_factory: RestoreFactory = RestoreOffer,
    ) -> None:
        super().__init__()
        self.root, self.tasks, self.idle = Path(root), tasks, idle
        self.clock = clock or SystemClock()
        self.demo, self.prepare = demo, prepare
        self.env = dict(os.environ if env is None else env)
        self.unlock_factory, self.sign_in_factory = unlock_factory, sign_in_factory
        self.window_factory, self.wizard_factory = window_factory, wizard_factory
        self.confirm_quit = confirm_quit or self._ask_quit
        self.progress_factory = progress_factory or self._opening_box
        self.restore_factory = restore_factory
        self.restore_offer: RestoreOffer | None = None
        self.opening: ProgressDialog | None = None
        self.clinic = ClinicInfo("", "UTC", 15)
        self.unlock_dialog: UnlockDialog | None = None
        self.sign_in_dialog: SignInDialog | None = None
        self.wizard: SetupWizard | None = None
        self.first_user = ""  # the administrator the wizard just made, for the sign-in
        self.window: MainWindow | None = None
        self.desk: Desk | None = None
        self.quitting = False
        self.replacing = False  # the clinic is closed for a backup to take its place
        self.shut_down = False  # quitting got as far as the workers' shutdown
        self.finishing_note: FinishingNote | None = None
        idle.idle.connect(lambda: self.lock(idle=True))

    def _may_quit(self) -> bool:
        """Quitting loses unsaved edits: at a locked desk it waits for a sign-in (the
        edits may not be the quitter's to drop); otherwise the person is asked."""
        unsaved = self.window.unsaved_windows() if self.window is not None else []
        if not unsaved:
            return True
        count = len(unsaved)
        if self.is_locked():
            if self.sign_in_dialog is not None:
                self.sign_in_dialog.show_error(
                    self.tr(
                        "{0} window(s) hold unsaved changes: sign in to save or drop "
                        "them before quitting."
                    ).format(count)
                )
            return False
        return self.confirm_quit(
            self.tr("{0} window(s) hold unsaved changes. Quit and lose them?").format(count)
        )

    # --- opening ---------------------------------------------------------------------
    def start(self) -> None:
        progress = self._follow_opening()
        self.tasks.run(lambda: self._open_quietly(progress), self._opened, self._open_failed)

    def _follow_opening(self) -> Progress:
        """A progress box for opening: it shows only if opening takes long (making the
        demo, upgrading a large clinic to this version), and its Cancel stops an upgrade
        between two steps and quits."""
        self._finish_opening()
        self.opening = self.progress_factory()
        progress = Progress(self.tasks, self.opening.show_progress, owner=self.opening)
        self.opening.start(progress)
        return progress

    def _opening_box(self) -> ProgressDialog:
        box = ProgressDialog(self.tr("Receptionist"), self.tr("Opening the clinic…"))
        box.setObjectName("openingDialog")
        box.setWindowModality(Qt.WindowModality.NonModal)  # nothing else is open yet
        return box

    def _finish_opening(self) -> None:
        if self.opening is not None and shiboken6.isValid(self.opening):
            self.opening.finish()
        self.opening = None

    def _steps(self, progress: Progress) -> migrate.Step:
        """What an upgrade's steps say in the progress box (called on the worker)."""
        opening = self.opening
        last = self.tr("Opening the clinic…")

        def step(done: int, total: int, what: str) -> None:
            if what == "done":  # every step is in: a late Cancel no longer stops anything
                if opening is not None:
                    self.tasks.post(lambda: opening.set_text(last, cancellable=False), opening)
                return
            progress.check()
            if what == "copy":
                text = self.tr("Keeping an encrypted copy of the clinic's data before upgrading…")
            else:
                text = self.tr(
                    "Upgrading the clinic's data for this version, step {0} of {1}. On a large "
                    "clinic this takes a few minutes; Cancel stops after this step."
                ).format(done + 1, total)
            if opening is not None:
                self.tasks.post(lambda: opening.set_text(text), opening)
            progress.report(done, total)

        return step

    def _stopped(self) -> str:
        return self.tr(
            "The upgrade was stopped before it finished. The clinic's data is safe; the "
            "upgrade carries on the next time Receptionist opens this clinic."
        )

    def _ask_quit(self, text: str) -> bool:
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self.window, self.tr("Quit Receptionist"), text, buttons.Yes | buttons.No, buttons.No
        )
        return answer == buttons.Yes

    def _open_quietly(self, progress: Progress) -> Database:
        if self.prepare is not None:
            opening = self.opening
            if opening is not None:
                text = self.tr("Making the demo clinic…")
                self.tasks.post(lambda: opening.set_text(text, cancellable=False), opening)
            self.prepare()
        if self.demo is None and not vault.DataDir(self.root).exists():
            raise NoClinic
        env = dict(self.env)
        if self.demo is not None:
            env["RECEPTIONIST_PASSPHRASE"] = self.demo.passphrase
        return vault.open_clinic(self.root, env=env, on_step=self._steps(progress))

    def _open_failed(self, exc: BaseException) -> None:
        self._finish_opening()
        log.info("opening the clinic did not finish: %s", type(exc).__name__)
        if isinstance(exc, Cancelled):
            self.failed.emit(self._stopped())
        elif isinstance(exc, NoClinic):
            self._offer_setup()
        elif isinstance(exc, Damaged):
            self._offer_restore(messages.user_text(exc))
        elif isinstance(exc, UnlockError):
            self.unlock_dialog = self.unlock_factory(None, str(self.root))
            self.unlock_dialog.submitted.connect(self._try_secret)
            self.unlock_dialog.quitRequested.connect(self.quit)
            self.unlock_dialog.show()
        else:
            self.failed.emit(messages.user_text(exc))

    # --- a damaged file ------------------------------------------------------------------
    def _offer_restore(self, sentence: str) -> None:
        """Damage: offer the newest backup (found without opening the file), or say
        that there is none."""
        root = self.root
        self.tasks.run(
            lambda: backups.newest(root),
            lambda found: self._restore_or_fail(sentence, found),
            lambda _exc: self.failed.emit(sentence),
        )

    def _restore_or_fail(self, sentence: str, found: BackupInfo | None) -> None:
        if found is None:
            folder = backups.folder_for(self.root)
            none = self.tr("No backup of this clinic was found in {0}.").format(folder)
            self.failed.emit(f"{sentence} {none}")
            return
        self.restore_offer = self.restore_factory(sentence, found, None)
        self.restore_offer.restoreRequested.connect(lambda: self._restore(found))
        self.restore_offer.quitRequested.connect(lambda: self.failed.emit(sentence))
        self.restore_offer.open()

    def _restore(self, backup: BackupInfo) -> None:
        root, clock, env = self.root, self.clock, self.env
        log.info("restoring the newest backup over a damaged clinic file")
        self.tasks.run(
            # the file is damaged: reading it for the carry-over may fail as a key would
            lambda: backups.restore(
                root, backup.path, clock, env=env, holding_lock=True, without_carry=True
            ),
            self._restored,
            lambda exc: self.failed.emit(messages.user_text(exc)),
        )

    def _restored(self, done: Restored) -> None:
        # What it carried over from the damaged file (erasures re-applied, destruction
        # records kept), or that it could not read it: counts only (ops/restorecarry.py).
        said = [self.tr("The backup was restored; the damaged file is kept beside it.")]
        said += [translated(t) for t in restorecarry.told(done.carried)]
        messages.info(" ".join(said))
        self.start()

    # --- a backup in place of the open clinic (Settings > Backups) -----------------------
    def replace_clinic(self, path: Path) -> None:
        """Put the backup at ``path`` in place of the open clinic, once Settings > Backups
        asked: the window closes (a job running ends at its next safe step first, as at
        quitting), the workers shut down and the file is closed; then ``backups.restore``
        (the folder's app lock is this app's) on a fresh worker, and the clinic opens
        again, asking for a sign-in, as after a damaged file's restore. Refused while a
        window holds unsaved edits. A restore refused or failed changes nothing
        (``backups.restore``): the clinic opens as it was, and the reason is shown."""
        if self.window is None or self.desk is None or self.replacing or self.quitting:
            return
        unsaved = self.window.unsaved_windows()
        if unsaved:
            messages.warning(
                self.tr(
                    "{0} window(s) hold unsaved changes: save or close them, then restore "
                    "the backup again."
                ).format(len(unsaved))
            )
            return
        self.replacing = True
        self.idle.stop()
        log.info("replacing the clinic with a backup, as asked in Settings")
        self.window.hide()
        jobs = self.desk.jobs
        running = jobs.finishing() if jobs is not None else None
        if jobs is None or running is None:
            self._close_for_restore(path)
            return
        self.finishing_note = FinishingNote(running)
        jobs.idle.connect(lambda: self._close_for_restore(path))

    def _close_for_restore(self, path: Path) -> None:
        if self.finishing_note is not None:
            self.finishing_note.finish()
            self.finishing_note = None
        if self.window is None:  # told twice
            return
        window, self.window, self.desk = self.window, None, None
        # The jobs, the sync loop and the events' follower stop with the worker, and the
        # file closes: the restore needs it to itself (``exclusive_use``).
        self.tasks.shutdown()
        window.deleteLater()
        self.tasks = TaskManager()
        root, clock, env = self.root, self.clock, self.env
        self.tasks.run(
            lambda: backups.restore(root, path, clock, env=env, holding_lock=True),
            self._replaced,
            self._not_replaced,
        )

    def _replaced(self, done: Restored) -> None:
        self.replacing = False
        if self.quitting:
            return
        text = self.tr(
            "The backup is in place of the clinic; the clinic's files of before are kept "
            "beside it. Sign in to go on."
        )
        if done.not_superseded:
            text += " " + translated(done.not_superseded)
        # What it carried over from the clinic it replaced (ops/restorecarry.py): counts.
        text = " ".join([text, *(translated(t) for t in restorecarry.told(done.carried))])
        messages.info(text)
        self.start()

    def _not_replaced(self, exc: BaseException) -> None:
        self.replacing = False
        log.info("the backup was not put in place: %s", type(exc).__name__)
        if self.quitting:
            return
        messages.error(messages.user_text(exc))
        self.start()  # the clinic as it was (a refused or failed restore changed nothing)

    def _offer_setup(self) -> None:
        self.wizard = self.wizard_factory(None, self.root, self.tasks, self.clock)
        self.wizard.setupFinished.connect(self._set_up)
        self.wizard.quitRequested.connect(self.quit)
        self.wizard.show()

    def _set_up(self, username: str) -> None:
        wizard, self.wizard = self.wizard, None
        if wizard is None:
            return
        key = wizard.take_key()
        wizard.hide()
        wizard.deleteLater()
        self.first_user = username
        root = self.root
        self.tasks.run(lambda: open_with_key(root, key), self._opened, self._open_failed)

    def _try_secret(self, secret: str) -> None:
        steps = self._steps(self._follow_opening())
        self.tasks.run(
            lambda: open_with_secret(self.root, secret, steps), self._opened, self._unlock_failed
        )

    def _unlock_failed(self, exc: BaseException) -> None:
        self._finish_opening()
        log.info("unlocking with a typed secret failed: %s", type(exc).__name__)
        if isinstance(exc, Cancelled):
            self.failed.emit(self._stopped())
            return
        if isinstance(exc, Damaged):  # the secret was right: typing again cannot help
            self._offer_restore(messages.user_text(exc))
            return
        if self.unlock_dialog is not None:
            self.unlock_dialog.show_error(messages.user_text(exc))

    def _opened(self, db: Database) -> None:
        self._finish_opening()
        log.info("the clinic is open and unlocked")
        self.tasks.db = db
        if self.unlock_dialog is not None:
            self.unlock_dialog.hide()
            self.unlock_dialog.deleteLater()
            self.unlock_dialog = None
        self.tasks.run(lambda: read_clinic(db), self._have_clinic)

    def _have_clinic(self, info: ClinicInfo) -> None:
        self.clinic = info
        if self.demo is not None:
            self._sign_in(self.demo.username, self.demo.password)
        else:
            self.ask_sign_in(locked=False)

    # --- signing in ------------------------------------------------------------------
    def ask_sign_in(self, locked: bool, *, idle: bool = False) -> None:
        """The sign-in dialog; ``locked`` over the locked window, ``idle`` when the
        desk locked itself (it then says so: after Ctrl+L it would be untrue)."""
        username = self.desk.username if self.desk else self.first_user
        demo = self.demo
        note = self.tr("Demo clinic: no real data. The demo account is filled in.") if demo else ""
        self.sign_in_dialog = self.sign_in_factory(
            self.window,
            self.clinic.name,
            locked=locked,
            idle=idle,
            username=demo.username if demo else username,
            password=demo.password if demo else "",
            note=note,
        )
        self.sign_in_dialog.submitted.connect(self._sign_in)
        self.sign_in_dialog.quitRequested.connect(self.quit)
        self.sign_in_dialog.open()

    def _sign_in(self, username: str, password: str) -> None:
        clock = self.clock
        self.tasks.run(
            lambda: sign_in(self.tasks.database(), clock, username, password),
            lambda actor: self._signed_in(actor, username),
            self._sign_in_failed,
        )

    def _sign_in_failed(self, exc: BaseException) -> None:
        log.info("a sign-in was refused: %s", type(exc).__name__)
        if self.sign_in_dialog is None:
            self.ask_sign_in(locked=False)  # the demo's automatic sign-in did not work
        if self.sign_in_dialog is not None:
            self.sign_in_dialog.show_error(messages.user_text(exc))

    def _signed_in(self, actor: Actor, username: str) -> None:
        log.info("signed in, as a %s", actor.role)
        if self.sign_in_dialog is not None:
            self.sign_in_dialog.hide()
            self.sign_in_dialog.deleteLater()
            self.sign_in_dialog = None
        if self.window is None or self.desk is None:
            self.desk = Desk(
                self.root,
                self.tasks,
                self.clinic,
                actor,
                self.clock,
                username=username.strip().lower(),
                demo=self.demo is not None,
            )
            self.desk.replace_clinic = self.replace_clinic
            self.window = self.window_factory(self.desk)
            self.window.lockRequested.connect(lambda: self.lock(idle=False))
            self.window.quitRequested.connect(self.quit)
            self._follow_preferences(self.window)
            self.window.show()
            self.window.start()
            self.windowReady.emit(self.window)
        else:
            same = actor.user_id == self.desk.actor.user_id
            self.desk.actor, self.desk.username = actor, username.strip().lower()
            self.window.unlock(same_user=same)
        self.idle.start()

    def _follow_preferences(self, window: MainWindow) -> None:
        """This PC's preferences saved in the settings dialog apply at once."""
        controller = window.findChild(Settings)
        if controller is not None:
            controller.preferencesSaved.connect(self._preferences_saved)

    def _preferences_saved(self, snapshot: Snapshot) -> None:
        entry = snapshot.entry(LOCK_AFTER_MINUTES.key)
        if entry is not None and isinstance(entry.value, int):
            self.idle.set_timeout(entry.value * 60)
        larger = snapshot.entry(LARGER_TEXT.key)
        app = QApplication.instance()
        if larger is not None and isinstance(app, QApplication):
            textsize.apply(app, larger.value is True)

    # --- the lock and the end --------------------------------------------------------
    def is_locked(self) -> bool:
        return self.window is not None and self.window.is_locked()

    def lock(self, *, idle: bool = False) -> None:
        """Lock the window and ask for a sign-in; ``idle``: nobody used the desk."""
        if self.window is None or self.is_locked():
            return
        self.idle.stop()
        log.info("the desk is locked (%s)", "idle" if idle else "on request")
        self.window.lock()
        self.ask_sign_in(locked=True, idle=idle)

    def quit(self) -> None:
        if self.quitting or not self._may_quit():
            return
        self.quitting = True
        self.idle.stop()
        for dialog in (self.unlock_dialog, self.sign_in_dialog, self.wizard):
            if dialog is not None:
                dialog.hide()
        if self.window is not None:
            self.window.hide()
        jobs = self.desk.jobs if self.desk is not None else None
        running = jobs.finishing() if jobs is not None else None
        if jobs is None or running is None:
            self._shut_down()
            return
        # A job runs (the reminders' round, sending): it ends at its next safe step,
        # and the app closes then, saying so meanwhile, the GUI thread free.
        self.finishing_note = FinishingNote(running)
        jobs.idle.connect(self._shut_down)

    def _shut_down(self) -> None:
        """The end of quitting: the workers shut down (the jobs' first), then ``finished``."""
        if self.shut_down:
            return
        self.shut_down = True
        if self.finishing_note is not None:
            self.finishing_note.finish()
            self.finishing_note = None
        self.tasks.shutdown()
        self.finished.emit()

    def wait_shut_down(self) -> None:
        """After the app's event loop ended (Ctrl+C in the terminal): wait, with events
        still handled, for a quit still finishing a job, so the files close properly."""
        if self.quitting and not self.shut_down:
            loop = QEventLoop()
            self.finished.connect(loop.quit)
            if not self.shut_down:
                loop.exec()
