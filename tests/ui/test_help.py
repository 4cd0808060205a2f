"""Help: the keyboard shortcuts sheet, made from the actions, and the user guide."""

from __future__ import annotations

from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from ui.actions import menu_holding, window_action
from ui.helpmenu import guide_path
from ui.mainwindow import MainWindow


def test_the_help_menu_holds_the_guide_the_sheet_and_about(window: MainWindow) -> None:
    menu = menu_holding(window, "action_about")
    assert isinstance(menu, QMenu)
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts == ["&User guide", "&Keyboard shortcuts", "&About Receptionist"]


def test_the_sheet_lists_every_shortcut_by_menu(window: MainWindow) -> None:
    rows = window.help.show_shortcuts().rows()
    assert ("View", "Week", "Ctrl+2") in rows
    assert ("Appointment", "New appointment", "Ctrl+N") in rows
    assert ("Patients", "Quick find", "Ctrl+K") in rows
    assert ("Help", "Keyboard shortcuts", "Ctrl+/") in rows
    # Enter on the schedule is in a menu too; nothing is listed twice.
    assert len(rows) == len(set(rows))


def test_a_new_action_appears_on_the_sheet(window: MainWindow) -> None:
    before = window.help.show_shortcuts().rows()
    fresh = window_action(window, "printDay", "&Print the day…", "Ctrl+Shift+F12", "Print")
    view = menu_holding(window, "action_weekView")
    assert isinstance(view, QMenu)
    view.addAction(fresh)
    loose = window_action(window, "loose", "&Loose end", "Ctrl+Shift+F11", "In no menu")
    rows = window.help.show_shortcuts().rows()
    assert ("View", "Print the day", "Ctrl+Shift+F12") in rows
    assert ("Schedule and window", "Loose end", "Ctrl+Shift+F11") in rows
    assert len(rows) == len(before) + 2
    assert loose.text() not in [r[1] for r in before]


def test_the_user_guide_shows_the_guide_in_the_docs(qtbot: QtBot, window: MainWindow) -> None:
    window.named_action("userGuide").trigger()  # type: ignore[union-attr]
    guide = window.help.guide
    assert guide is not None and guide.isVisible()
    shown = guide.text.toPlainText()
    assert "a day at the front desk" in shown and "Ctrl+Shift+T" in shown
    assert guide_path().is_file()
