"""GUI fixtures: a seeded clinic, the worker, a desk, the main window, a thread spy.

Every test here gets the ``gui`` marker (from tests/conftest.py) and fails on any Qt
warning (pytest-qt's ``qt_log_level_fail`` marker, added below).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from factories import CLOCK_START
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, event, select
from templates import Template, make_template
from threadspy import ThreadSpy
from uiseed import USER, Seeded, seed

from receptionist.clock import FixedClock
from receptionist.context import Actor
from receptionist.models import Patient
from receptionist.schedule.agenda import ClinicInfo
from receptionist.store import keys, storage, vault
from receptionist.store.vault import Created
from ui import messages
from ui.collector import GuiCollector
from ui.desk import Desk
from ui.mainwindow import MainWindow
from ui.tasks import TaskManager

# Said by the offscreen platform plugin itself, about what it cannot do; not our bugs.
OFFSCREEN_NOISE = (
    "^This plugin does not support (propagateSizeHints|raise|grabbing the keyboard)",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/tests/ui/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            item.add_marker(pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE))


@pytest.fixture(autouse=True)
def pc_preferences(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This PC's preferences (the today panel left open, ...) in the test's own folder,
    never the home folder's."""
    folder = tmp_path / "pc-preferences"
    monkeypatch.setenv("RECEPTIONIST_CONFIG_DIR", str(folder))
    return folder


@pytest.fixture(scope="session")
def collector(qapp: QApplication) -> GuiCollector:
    return GuiCollector(qapp)


@pytest.fixture(autouse=True)
def gui_collector(collector: GuiCollector) -> Iterator[GuiCollector]:
    """Cycle passes on the GUI thread only, as the app runs them (ui/collector.py): a
    pass on the database worker once froze a test for good. Python collects by itself
    again after the test (a worker runs other files' tests too)."""
    collector.start()
    yield collector
    collector.stop()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """Delete the widgets pytest-qt has just closed (``deleteLater`` alone waits for an
    event loop), before the test's fixtures go: a closed window left alive keeps the
    keyboard focus, and the next test's key presses reached it."""
    if QCoreApplication.instance() is not None:
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _make_seeded(root: Path, clock: FixedClock, new: Template[Created]) -> dict[str, str]:
    """The seeded clinic in ``root``: a new clinic (``new``, the clinic
    ``vault.create(root, passphrase=PASSPHRASE)`` makes, made once a session for the
    whole suite) seeded at ``clock``'s time."""
    new.copy_to(root)
    db = vault.open_clinic(root)
    try:
        return seed(db, clock)
    finally:
        db.close()


@pytest.fixture(scope="session")
def seeded_template(
    tmp_path_factory: pytest.TempPathFactory, clinic_template: Template[Created]
) -> Template[dict[str, str]]:
    """The seeded clinic as the ``clock`` fixture's first moment makes it, made once."""
    root = tmp_path_factory.mktemp("seeded") / "clinic"
    return make_template(root, lambda r: _make_seeded(r, FixedClock(CLOCK_START), clinic_template))


@pytest.fixture
def seeded_source(seeded_template: Template[dict[str, str]]) -> Template[dict[str, str]]:
    """The template :func:`seeded` copies: the seeded clinic, or, where a test module
    says so, that clinic taken further the same way for each of its tests (connected
    to an endpoint, ...)."""
    return seeded_template


@pytest.fixture
def seeded(
    tmp_path: Path,
    clock: FixedClock,
    seeded_source: Template[dict[str, str]],
    clinic_template: Template[Created],
) -> Seeded:
    """This test's own seeded clinic: a copy of the template, or, for a test whose clock
    was set elsewhere before, one seeded at its clock's time."""
    root = tmp_path / "clinic"
    if clock.now() == CLOCK_START:
        return Seeded(root, seeded_source.copy_to(root))
    return Seeded(root, _make_seeded(root, clock, clinic_template))


@pytest.fixture
def tasks() -> Iterator[TaskManager]:
    manager = TaskManager()
    yield manager
    manager.shutdown()


@pytest.fixture
def desk(seeded: Seeded, tasks: TaskManager, clock: FixedClock) -> Desk:
    tasks.db = tasks.run(lambda: vault.open_clinic(seeded.root)).result(timeout=30)
    actor = Actor(user_id="u1", role="receptionist", source="ui")
    return Desk(
        seeded.root,
        tasks,
        ClinicInfo("Şifa Clinic", "Europe/Istanbul", 15),
        actor,
        clock,
        username=USER,
    )


@pytest.fixture
def window(qtbot: QtBot, desk: Desk) -> MainWindow:
    win = MainWindow(desk)
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.model.loaded, timeout=10_000):
        win.start()
    return win


@pytest.fixture(autouse=True)
def app(qapp: QApplication) -> Iterator[QApplication]:
    """The application, its font and stylesheet put back after every test here (larger
    text changes them, and so do the screenshot walk and the desk's preferences: a
    test that left them larger once made a later test measure another font)."""
    font, sheet = QFont(qapp.font()), qapp.styleSheet()
    base = qapp.property("receptionistBasePoints")
    yield qapp
    qapp.setFont(font)
    qapp.setStyleSheet(sheet)
    qapp.setProperty("receptionistBasePoints", base)


@pytest.fixture
def told(qtbot: QtBot) -> Iterator[list[messages.Message]]:
    """Every message the app tells the user during the test."""
    seen: list[messages.Message] = []
    messages.bridge().shown.connect(seen.append)
    yield seen
    messages.bridge().shown.disconnect(seen.append)


@pytest.fixture
def thread_spy(seeded: Seeded, monkeypatch: pytest.MonkeyPatch) -> Iterator[ThreadSpy]:
    """Installed after the clinic is seeded (on this thread, as test set-up)."""
    spy = ThreadSpy()
    real_connect, real_derive = storage.raw_connect, keys.derive

    def connect(*args: Any, **kwargs: Any) -> Any:
        spy.note("connect")
        return real_connect(*args, **kwargs)

    def derive(*args: Any, **kwargs: Any) -> bytes:
        spy.note("derive")
        return real_derive(*args, **kwargs)

    def statement(*_args: Any) -> None:
        spy.note("sql")

    monkeypatch.setattr(storage, "raw_connect", connect)
    monkeypatch.setattr(vault, "raw_connect", connect)
    monkeypatch.setattr(keys, "derive", derive)
    event.listen(Engine, "before_cursor_execute", statement)
    yield spy
    event.remove(Engine, "before_cursor_execute", statement)


@pytest.fixture
def admin_window(qtbot: QtBot, desk: Desk) -> MainWindow:
    """The main window of an administrator: every menu and every settings tab."""
    admin = dataclasses.replace(desk, actor=Actor(user_id=None, role="admin", source="ui"))
    win = MainWindow(admin)
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.model.loaded, timeout=10_000):
        win.start()
    return win


@pytest.fixture
def ids(seeded: Seeded, desk: Desk) -> dict[str, str]:
    """The seeded clinic's ids, and "patient": the first patient's."""

    def first_patient(db) -> str:  # type: ignore[no-untyped-def]
        with db.session() as s:
            return str(s.scalars(select(Patient.id).order_by(Patient.number)).first())

    patient = desk.tasks.run(lambda: first_patient(desk.tasks.db)).result(30)
    return {**seeded.ids, "patient": patient}
