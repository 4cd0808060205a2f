"""Every window and dialog, walked: no two mnemonics clash, the shortcuts are unique."""

from __future__ import annotations

from everywindow import (
    NOT_OPENED_ALONE,
    OPENERS,
    dialog_classes,
    every_window,
    wizard_pages,
)
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWizard
from pytestqt.qtbot import QtBot
from walk import menu_clashes, mnemonic, unnamed_controls, window_clashes

from ui.mainwindow import MainWindow


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


def test_the_setup_wizard_is_walked_on_every_page(
    qtbot: QtBot, admin_window: MainWindow, ids: dict[str, str]
) -> None:
    wizard = OPENERS["SetupWizard"](qtbot, admin_window, ids)
    assert isinstance(wizard, QWizard)
    wizard.show()
    seen: list[str] = []
    found: list[str] = []
    for shown in wizard_pages(qtbot, wizard):
        page = shown.currentPage()
        assert page is not None and page.isVisible()
        seen.append(page.objectName())
        found += window_clashes(shown)
    pages = [wizard.page(i).objectName() for i in wizard.pageIds()]
    assert seen == pages and len(set(seen)) == len(pages) == 5, seen
    assert wizard.currentId() == wizard.startId()
    assert found == [], "\n".join(found)
    wizard.close()
    wizard.deleteLater()


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


def test_every_control_has_a_name_a_screen_reader_can_say(
    qtbot: QtBot, admin_window: MainWindow, ids: dict[str, str]
) -> None:
    found: list[str] = []
    for shown in every_window(qtbot, admin_window, ids):
        found += unnamed_controls(shown)
    assert found == [], "\n".join(found)
