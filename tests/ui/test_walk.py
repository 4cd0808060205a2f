"""Every window and dialog, walked: no two mnemonics clash, the shortcuts are unique."""

from __future__ import annotations

import dataclasses

import pytest
from everywindow import NOT_OPENED_ALONE, OPENERS, dialog_classes, every_window
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from uiseed import Seeded
from walk import menu_clashes, mnemonic, window_clashes

from receptionist.context import Actor
from receptionist.models import Patient
from ui.desk import Desk
from ui.mainwindow import MainWindow


@pytest.fixture
def admin_window(qtbot: QtBot, desk: Desk) -> MainWindow:
    admin = dataclasses.replace(desk, actor=Actor(user_id=None, role="admin", source="ui"))
    win = MainWindow(admin)
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.model.loaded, timeout=10_000):
        win.start()
    return win


@pytest.fixture
def ids(seeded: Seeded, desk: Desk) -> dict[str, str]:
    def first_patient(db) -> str:  # type: ignore[no-untyped-def]
        with db.session() as s:
            return str(s.scalars(select(Patient.id).order_by(Patient.number)).first())

    patient = desk.tasks.run(lambda: first_patient(desk.tasks.db)).result(30)
    return {**seeded.ids, "patient": patient}


def test_mnemonic_reads_the_letter_after_one_ampersand() -> None:
    assert mnemonic("&File") == "f"
    assert mnemonic("Front &desk") == "d"
    assert mnemonic("Fish && &Chips") == "c"
    assert mnemonic("Fish && Chips") is None


def test_every_dialog_class_is_walked() -> None:
    assert dialog_classes() - NOT_OPENED_ALONE <= set(OPENERS)


def test_no_mnemonic_clashes_anywhere(
    qtbot: QtBot, admin_window: MainWindow, ids: dict[str, str]
) -> None:
    found = menu_clashes(admin_window.menuBar())
    for shown in every_window(qtbot, admin_window, ids):
        found += window_clashes(shown)
    assert found == [], "\n".join(found)


def test_no_two_window_actions_share_a_shortcut(admin_window: MainWindow) -> None:
    """A shortcut that works across the window (or app) belongs to one action only; one
    scoped to a widget (Enter on the schedule) may reuse a key elsewhere."""
    scoped = Qt.ShortcutContext.WidgetWithChildrenShortcut, Qt.ShortcutContext.WidgetShortcut
    owners: dict[str, list[str]] = {}
    for action in admin_window.findChildren(QAction):
        if action.shortcutContext() in scoped or action.parent() is not admin_window:
            continue
        for key in action.shortcuts():
            owners.setdefault(key.toString(), []).append(action.text())
    shared = {key: texts for key, texts in owners.items() if len(texts) > 1}
    assert shared == {}


def test_views_and_patients_are_not_a_shift_apart(admin_window: MainWindow) -> None:
    """Ctrl+P (patients) and Ctrl+Shift+P (a view) were one slip apart."""
    a = admin_window.actions_
    assert (a.day_view.shortcut().toString(), a.week_view.shortcut().toString()) == (
        "Ctrl+1", "Ctrl+2",
    )  # fmt: skip
    assert a.by_provider.shortcut().toString() == "Ctrl+3"
    assert a.by_room.shortcut().toString() == "Ctrl+4"
