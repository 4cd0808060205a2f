"""Closing the app while the reminders' round waits on a silent mail server (#14): the
window does not freeze for the server's timeout. Quit returns at once, the app says
"Finishing a reminder round…", the GUI thread goes on handling events, the round ends
after the message under way (no other is tried) and the app closes then. Before, the
close waited in ``scheduler.shutdown(wait=True)`` on the GUI thread for the whole round.
Real parts: a listening socket that never greets, the SMTP sender, the app's scheduler
and start-up; the job stands for the round: a message at a time while not stopped."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from channelservers import silent_server
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from uiseed import PASSWORD, USER, Seeded

import sync.channels.smtp as smtp
from receptionist.clock import Clock, FixedClock
from receptionist.jobs.registry import Every, Job
from receptionist.jobs.runner import stop_asked
from receptionist.reminders.channels import Outgoing
from receptionist.store.storage import Database
from sync.channels.smtp import SmtpSender
from sync.jobs import REMINDERS
from ui.finishing import FinishingNote
from ui.idle import IdleWatcher
from ui.mainwindow import MainWindow
from ui.scheduler import JobScheduler
from ui.signin import SignInDialog
from ui.startup import Startup
from ui.tasks import TaskManager
from ui.unlock import UnlockDialog

WAIT = 1.5  # the silent server's cost: smtplib's timeout (30 s in the app)


class Made:
    def __init__(self) -> None:
        self.sign_ins: list[SignInDialog] = []

    def unlock(self, parent: QWidget | None, folder: str) -> UnlockDialog:
        return UnlockDialog(parent, folder)

    def sign_in(self, parent: QWidget | None, name: str, **kwargs: Any) -> SignInDialog:
        self.sign_ins.append(SignInDialog(parent, name, **kwargs))
        return self.sign_ins[-1]


@pytest.fixture
def silent() -> Iterator[tuple[int, list[socket.socket]]]:
    """A mail server that takes connections and never says a word."""
    with silent_server(backlog=5) as found:
        yield found


def signed_in(qtbot: QtBot, startup: Startup, made: Made) -> MainWindow:
    startup.start()
    qtbot.waitUntil(lambda: bool(made.sign_ins), timeout=10_000)
    dialog = made.sign_ins[0]
    with qtbot.waitSignal(startup.windowReady, timeout=10_000) as ready:
        qtbot.keyClicks(dialog.username, USER)
        dialog.password.clear()
        qtbot.keyClicks(dialog.password, PASSWORD)
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    window: MainWindow = ready.args[0]
    return window


def test_quitting_mid_round_says_so_keeps_the_gui_free_and_closes_after_the_message(
    qtbot: QtBot,
    seeded: Seeded,
    tasks: TaskManager,
    clock: FixedClock,
    silent: tuple[int, list[socket.socket]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(smtp, "TIMEOUT", WAIT)
    port, taken = silent
    outcomes: list[str] = []

    def round_(db: Database, clock: Clock) -> Mapping[str, int]:
        sender = SmtpSender("127.0.0.1", port, "desk@moda.example", security="none")
        for n in range(3):  # three e-mails due; the round's check between two
            if stop_asked():
                break
            message = Outgoing(f"r{n}", "email", "hasta@example.org", "s", "b", clock.now())
            outcomes.append(sender.send(message).status)
        return {"tried": len(outcomes)}

    made = Made()
    idle = IdleWatcher(300, monotonic=lambda: 1000.0, poll_ms=60_000)
    startup = Startup(seeded.root, tasks, idle, clock=clock, env={},
                      unlock_factory=made.unlock, sign_in_factory=made.sign_in)  # fmt: skip
    startup.windowReady.connect(qtbot.addWidget)
    window = signed_in(qtbot, startup, made)
    assert startup.desk is not None
    jobs = JobScheduler(tasks, clock, [Job(REMINDERS.name, round_, Every(1))], tasks)
    startup.desk.jobs = jobs
    jobs.start()
    qtbot.waitUntil(lambda: len(taken) == 1, timeout=10_000)  # the first e-mail waits
    began = time.monotonic()
    startup.quit()
    assert time.monotonic() - began < WAIT / 3, "quit returned at once"
    assert startup.quitting and not startup.shut_down and not tasks.closed()
    assert not window.isVisible()
    note = startup.finishing_note
    assert isinstance(note, FinishingNote)
    assert note.label.text().startswith("Finishing a reminder round…")
    beats: list[float] = []
    beat = QTimer()
    beat.timeout.connect(lambda: beats.append(time.monotonic()))
    beat.start(50)
    qtbot.waitUntil(note.isVisible, timeout=5_000)  # shown once the wait lasts
    note.grab().save(str(seeded.root.parent / "finishing-round.png"))
    if os.environ.get("REMINDER_SHOTS"):
        note.grab().save(str(Path(os.environ["REMINDER_SHOTS"]) / "finishing-round.png"))
    with qtbot.waitSignal(startup.finished, timeout=int(WAIT * 1000) + 10_000):
        pass
    beat.stop()
    assert startup.shut_down and tasks.closed()
    assert outcomes == ["transient"], "the message under way ended; no other was tried"
    assert len(taken) == 1
    assert len(beats) >= 5, "the GUI thread handled events while the round finished"
    QApplication.processEvents()
