"""Starting the desktop app: arguments, the single-instance rule, the demo, the event loop."""

from __future__ import annotations

import argparse
import importlib
import logging
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from time import perf_counter
from types import ModuleType
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from receptionist import __version__
from receptionist.clock import FixedClock
from receptionist.errors import InstanceLocked, UserError
from receptionist.logs import logging_for
from receptionist.ops import settings
from receptionist.settings.desk import LARGER_TEXT, LOCK_AFTER_MINUTES
from receptionist.store import folder, heap, lookcopy, vault

from . import collector, textsize
from .app import install_excepthook, make_application
from .coretext import exception_text
from .idle import DEFAULT_MINUTES, IdleWatcher
from .single import SingleInstance, knock
from .tasks import TaskManager

if TYPE_CHECKING:  # imported by _serve and start_jobs once this start goes on (see _serve)
    from receptionist.jobs.registry import Job

    from .screenshots import Screenshots
    from .startup import Startup

log = logging.getLogger("receptionist.ui")
WAKE_MS = 300  # how often Python gets to see a Ctrl+C while Qt's loop runs


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="main.py", description="Receptionist, the front desk.")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--demo", action="store_true", help="open the built-in demo clinic")
    where.add_argument("--data-dir", type=Path, help="open the clinic in this data folder")
    parser.add_argument(
        "--screenshots",
        type=Path,
        metavar="DIR",
        help="render each main screen into PNG files in DIR and exit",
    )
    parser.add_argument(
        "--lock-after",
        type=float,
        metavar="MINUTES",
        help="lock the desk sooner, after this many idle minutes, for this run only; never "
        "later than this PC's setting (Settings > This PC: Lock after, 5 minutes unless a "
        "manager or an administrator changed it)",
    )
    parser.add_argument(
        "--verbose", action="store_true", help="print the log's lines on stderr too"
    )
    args = parser.parse_args(argv)
    if args.lock_after is not None and args.lock_after < 0.5:
        parser.error("--lock-after must be at least half a minute")
    if args.screenshots is not None and args.data_dir is not None:
        parser.error("--screenshots renders the demo clinic; leave out --data-dir")
    if args.screenshots is not None:
        args.demo = True
    return args


def lock_after_seconds(args: argparse.Namespace) -> float:
    """How long the desk may stay idle: this PC's setting, or ``--lock-after`` when
    shorter. The setting is a manager's or an administrator's (``registry.may_change``);
    the flag is given by whoever starts the app, before anyone signs in (no role to ask),
    so it may only lock sooner: a shorter lock takes nothing from the clinic's rule, a
    longer one would let anyone who can start the app leave a screen open longer."""
    minutes = settings.preference(LOCK_AFTER_MINUTES.key)
    seconds = float(minutes if isinstance(minutes, int) else DEFAULT_MINUTES) * 60
    if args.lock_after is not None:
        return min(float(args.lock_after) * 60, seconds)
    return seconds


def demo_module() -> ModuleType | None:
    """``receptionist.demo.clinic``, or None when this build has no demo."""
    try:
        return importlib.import_module("receptionist.demo.clinic")
    except ModuleNotFoundError as exc:
        if exc.name != "receptionist.demo.clinic":
            raise
        return None


def screenshot_clinic(today: date, zone: ZoneInfo) -> tuple[Path, FixedClock]:
    """A fresh demo folder for the pictures, and a clock stopped at 10:30 on a weekday
    (``today``, or the Monday after a weekend): the same busy morning on any date,
    made by that clock, so the today board shows a desk at work, not a day gone late."""
    day = today + timedelta(days=7 - today.weekday() if today.weekday() >= 5 else 0)
    root = Path(tempfile.mkdtemp(prefix="receptionist-screenshots-")) / "demo"
    return root, FixedClock(datetime.combine(day, time(10, 30), zone))


def data_root(args: argparse.Namespace) -> Path:
    if args.demo:
        return vault.default_data_dir() / "demo"
    return Path(args.data_dir).expanduser() if args.data_dir else vault.default_data_dir()


def run(argv: list[str], extra_jobs: Sequence[Job] = ()) -> int:
    """The app; ``extra_jobs`` are the network's background jobs (main.py hands in
    sync's: ui/ does not import sync/)."""
    args = parse_args(argv)
    with logging_for("app", verbose=args.verbose):
        started = perf_counter()
        what = "the demo clinic" if args.demo else "a clinic"
        log.info("receptionist %s starts on %s", __version__, what)
        code = _run(args, extra_jobs)
        log.info("ends with exit %d after %.0f s", code, perf_counter() - started)
    return code


def _run(args: argparse.Namespace, extra_jobs: Sequence[Job] = ()) -> int:
    demo = demo_module() if args.demo else None
    if args.demo and demo is None:
        say(QCoreApplication.translate("launch", "This build has no demo clinic; use --data-dir."))
        return 2
    root, clock = data_root(args), None
    if demo is not None and args.screenshots is not None:
        root, clock = screenshot_clinic(datetime.now().date(), ZoneInfo(demo.DEMO_TIMEZONE))
    app = make_application(sys.argv[:1])
    textsize.apply(app, settings.preference(LARGER_TEXT.key) is True)
    try:
        refuse_unfit_folder(root)
    except UserError as exc:
        say(exception_text(exc))
        return 2
    single = SingleInstance(root)
    try:
        single.acquire()
    except InstanceLocked as exc:
        if knock(root):
            print(
                QCoreApplication.translate(
                    "launch",
                    "Receptionist is already running on this clinic; it was brought forward.",
                )
            )
            return 0
        say(exception_text(exc))
        return 3
    code = _serve(app, args, (root, single), demo, clock, extra_jobs)
    single.release()
    if args.screenshots is not None:
        shutil.rmtree(root.parent, ignore_errors=True)  # the throwaway demo of the pictures
    return code


def _serve(
    app: QApplication,
    args: argparse.Namespace,
    held: tuple[Path, SingleInstance],
    demo: ModuleType | None,
    clock: FixedClock | None,
    extra_jobs: Sequence[Job],
) -> int:
    """The app on the folder ``held`` (the folder and the lock on it), until it ends.
    The window and all it needs are imported only here: a start that is refused, or
    that hands over to the app already running on the clinic, ends without them
    (0.4 s of CPU sooner)."""
    from .screenshots import Screenshots
    from .startup import DemoLogin, Startup

    (root, single), login, prepare = held, None, None
    if demo is not None:
        login = DemoLogin(demo.DEMO_PASSPHRASE, demo.DEMO_USER, demo.DEMO_PASSWORD)
        prepare = partial(demo.ensure_demo, root, clock=clock)
    install_excepthook()
    quit_on_interrupt(app)
    collector.install(app)  # cycle passes on this thread, never on a worker (see collector)
    tasks = TaskManager()
    idle = IdleWatcher(lock_after_seconds(args))
    startup = Startup(root, tasks, idle, clock=clock, demo=login, prepare=prepare)
    exit_code = [0]
    single.raiseRequested.connect(lambda: bring_forward(startup))
    startup.failed.connect(lambda text: fatal(app, startup, text, exit_code))
    startup.finished.connect(app.quit)
    # Once the window is up, what is alive is what lives all day: freeze it (see heap).
    startup.windowReady.connect(lambda _window: heap.settle())
    if demo is None and args.screenshots is None:  # a real clinic's jobs; not the demo's
        startup.windowReady.connect(lambda _window: start_jobs(startup, extra_jobs))
    if args.screenshots is not None:
        shots = Screenshots(args.screenshots)
        startup.windowReady.connect(shots.run)
        shots.done.connect(lambda code: finish_screenshots(startup, shots, code, exit_code))
    startup.start()
    code = app.exec()
    startup.quit()
    startup.wait_shut_down()  # a job's last step, if quitting waits for one
    return exit_code[0] or code


def quit_on_interrupt(app: QApplication) -> None:
    """Ctrl+C in the terminal ends the app (the way out when no window shows, under
    QT_QPA_PLATFORM=offscreen): Qt's loop would keep Python from ever seeing it, so a
    timer lets Python run its signal handler between Qt's events."""
    if threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signal.SIGINT, lambda _signum, _frame: app.quit())
    wake = QTimer(app)
    wake.setObjectName("interruptWake")
    wake.timeout.connect(lambda: None)
    wake.start(WAKE_MS)


def start_jobs(startup: Startup, extra: Sequence[Job]) -> None:
    """The background jobs (ui/scheduler.py), the core's and ``extra``, once the
    window is up; they stop when the database worker shuts down."""
    from receptionist.jobs.core import CORE
    from receptionist.jobs.registry import registry

    from .scheduler import JobScheduler

    if startup.desk is None or startup.desk.jobs is not None:
        return
    if lookcopy.restored_copy(startup.desk.root) is not None:
        # A copy restored to look at runs no job until a person says it replaces the
        # clinic (the banner's question: ui/restoredcopy.py); then they start.
        banner = getattr(startup.window, "copy_banner", None)
        if banner is not None:
            banner.adopted.connect(lambda: start_jobs(startup, extra))
        return
    jobs = JobScheduler(startup.tasks, startup.clock, registry(CORE, extra), startup.tasks)
    startup.desk.jobs = jobs
    jobs.start()


def refuse_unfit_folder(root: Path) -> None:
    """A folder with no clinic in it gets one (the wizard) only if it holds nothing of
    anyone else's: refused before the app's lock file is put into it."""
    if not vault.DataDir(root).exists():
        folder.refuse_unfit(root)


def say(text: str) -> None:
    print(text, file=sys.stderr)


def bring_forward(startup: Startup) -> None:
    if startup.quitting:  # closing: the window is not brought back
        return
    target = startup.wizard or startup.sign_in_dialog or startup.unlock_dialog or startup.window
    if target is not None:
        if target.isMinimized():
            target.showNormal()
        target.show()
        target.raise_()
        target.activateWindow()


def fatal(app: QApplication, startup: Startup, text: str, exit_code: list[int]) -> None:
    """The clinic cannot be opened: say why (plainly), then end when the box is closed."""
    say(text)
    exit_code[0] = 1
    box = QMessageBox(QMessageBox.Icon.Critical, app.tr("Receptionist"), text)
    box.setObjectName("fatalBox")
    box.finished.connect(lambda _result: startup.quit())
    if app.platformName() in ("offscreen", "minimal"):
        startup.quit()
        return
    box.open()
    startup.setProperty("fatal_box", box)


def finish_screenshots(
    startup: Startup, shots: Screenshots, code: int, exit_code: list[int]
) -> None:
    for path in shots.saved:
        print(path)
    if code:
        say(QCoreApplication.translate("launch", "The screenshots did not finish in time."))
    exit_code[0] = code
    startup.quit()
