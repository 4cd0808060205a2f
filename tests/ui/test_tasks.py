"""The database worker: work off the GUI thread, callbacks on it, failures told calmly."""

from __future__ import annotations

import logging
import threading

import pytest
from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from receptionist.errors import UserError
from ui import messages
from ui.desk import Desk
from ui.tasks import DbOp, TaskManager


def test_work_on_worker_callback_on_gui_thread(qtbot: QtBot, tasks: TaskManager) -> None:
    seen: dict[str, str] = {}

    def work() -> int:
        seen["work"] = threading.current_thread().name
        return 42

    def done(value: int) -> None:
        seen["done"] = threading.current_thread().name
        seen["value"] = str(value)

    tasks.run(work, done)
    qtbot.waitUntil(lambda: "done" in seen)
    assert seen["work"].startswith("receptionist-db")
    assert seen["done"] == threading.main_thread().name
    assert seen["value"] == "42"
    qtbot.waitUntil(lambda: tasks.pending() == 0)


def test_one_worker_runs_in_order(qtbot: QtBot, tasks: TaskManager) -> None:
    order: list[int] = []
    for i in range(5):
        tasks.run(lambda i=i: order.append(i))
    qtbot.waitUntil(lambda: tasks.pending() == 0)
    assert order == [0, 1, 2, 3, 4]


def test_user_error_is_shown_as_its_message(
    qtbot: QtBot, desk: Desk, told: list[messages.Message]
) -> None:
    def refuse(_db: object) -> None:
        raise UserError("Pick a provider first.")

    DbOp(desk.tasks, refuse).run()
    qtbot.waitUntil(lambda: bool(told))
    assert told == [messages.Message(messages.Level.ERROR, "Pick a provider first.")]


def test_bug_is_logged_without_its_text_and_told_calmly(
    qtbot: QtBot, tasks: TaskManager, told: list[messages.Message], caplog: pytest.LogCaptureFixture
) -> None:
    def crash() -> None:
        raise ValueError("Zeynep Kaya, +90 532 000 00 00")  # a message that holds patient data

    with caplog.at_level(logging.ERROR, logger="receptionist.ui"):
        tasks.run(crash)
        qtbot.waitUntil(lambda: bool(told))
    assert told[0].text == messages.calm_sentence()
    assert "ValueError" in caplog.text and "crash" in caplog.text
    assert "Zeynep" not in caplog.text and "532" not in caplog.text


def test_failure_callback_replaces_the_default(
    qtbot: QtBot, tasks: TaskManager, told: list[messages.Message]
) -> None:
    failures: list[BaseException] = []
    tasks.run(lambda: 1 / 0, on_failure=failures.append)
    qtbot.waitUntil(lambda: bool(failures))
    assert isinstance(failures[0], ZeroDivisionError)
    assert told == []


def test_callback_dropped_when_its_owner_is_gone(qtbot: QtBot, tasks: TaskManager) -> None:
    owner = QObject()
    called: list[int] = []
    gate = threading.Event()
    tasks.run(lambda: gate.wait(5), lambda _: called.append(1), owner=owner)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not _alive(owner))
    gate.set()
    qtbot.waitUntil(lambda: tasks.pending() == 0)
    assert called == []


def test_database_is_refused_on_the_gui_thread(desk: Desk) -> None:
    with pytest.raises(RuntimeError, match="worker"):
        desk.tasks.database()


def _alive(obj: QObject) -> bool:
    import shiboken6

    return shiboken6.isValid(obj)


def test_shutdown_finishes_queued_saves(desk: Desk) -> None:
    """Work queued behind slow work still runs with the database at quit."""
    import time

    from sqlalchemy import text

    from receptionist.store.storage import Database

    def slow(_db: Database) -> None:
        time.sleep(0.2)

    def save(db: Database) -> None:
        with db.write() as s:
            s.execute(text("CREATE TABLE quit_probe(x)"))

    DbOp(desk.tasks, slow).run()
    queued = DbOp(desk.tasks, save).run()
    desk.tasks.shutdown()
    assert queued.exception() is None
    assert desk.tasks.db is None


# --- progress and cancel -----------------------------------------------------------------
def test_progress_reaches_the_gui_thread_once_per_percent(qtbot: QtBot, tasks: TaskManager) -> None:
    from ui.tasks import Progress

    seen: list[tuple[int, int, str]] = []
    progress = Progress(tasks, lambda d, t: seen.append((d, t, threading.current_thread().name)))

    def work() -> None:
        for done in range(0, 1001):
            progress.report(done, 1000)

    tasks.run(work)
    qtbot.waitUntil(lambda: tasks.pending() == 0)
    qtbot.waitUntil(lambda: len(seen) == 101)
    assert [d for d, _t, _n in seen] == list(range(0, 1001, 10))
    assert {n for _d, _t, n in seen} == {threading.main_thread().name}


def test_cancel_stops_the_work_and_is_not_reported_as_an_error(
    qtbot: QtBot, desk: Desk, told: list[messages.Message]
) -> None:
    from sqlalchemy import text

    from receptionist.store.storage import Database
    from ui.tasks import Cancelled, Progress

    progress = Progress(desk.tasks)
    started, go_on = threading.Event(), threading.Event()

    def work(db: Database) -> None:
        with db.write() as s:
            s.execute(text("CREATE TABLE cancel_probe(x)"))
            started.set()
            go_on.wait(5)
            progress.check()  # inside the transaction: a cancel rolls the table back

    future = DbOp(desk.tasks, work).cancellable(progress).run()
    assert started.wait(5)
    progress.cancel()
    go_on.set()
    qtbot.waitUntil(lambda: desk.tasks.pending() == 0)
    assert isinstance(future.exception(), Cancelled) and told == []

    def tables(db: Database) -> list[str]:
        with db.read() as s:
            return list(s.scalars(text("SELECT name FROM sqlite_master WHERE name LIKE 'cancel%'")))

    assert desk.tasks.run(lambda: tables(desk.tasks.database())).result(5) == []


def test_cancelled_before_it_starts_the_op_never_runs(qtbot: QtBot, desk: Desk) -> None:
    from ui.tasks import Cancelled, Progress

    ran: list[int] = []
    failures: list[BaseException] = []
    gate = threading.Event()
    desk.tasks.run(lambda: gate.wait(5))
    progress = Progress(desk.tasks)
    DbOp(desk.tasks, lambda _db: ran.append(1)).cancellable(progress).failure(failures.append).run()
    progress.cancel()
    gate.set()
    qtbot.waitUntil(lambda: bool(failures))
    assert ran == [] and isinstance(failures[0], Cancelled)
