"""After any dialog closes, the keyboard is back on the schedule grid, which shows it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from everywindow import OPENERS
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from ui.app import stylesheet
from ui.mainwindow import MainWindow

# The setup wizard runs before there is a main window: it has none to hand back to;
# the today board is a panel docked in the window, not a dialog that closes.
ON_THE_WINDOW = sorted(set(OPENERS) - {"SetupWizard", "TodayBoard"})


@pytest.mark.parametrize("name", ON_THE_WINDOW)
def test_closing_a_dialog_puts_the_keyboard_on_the_grid(
    qtbot: QtBot,
    admin_window: MainWindow,
    ids: dict[str, str],
    name: str,
) -> None:
    admin_window.activateWindow()
    shown = OPENERS[name](qtbot, admin_window, ids)
    shown.show()
    shown.activateWindow()
    qtbot.waitUntil(lambda: not admin_window.schedule.hasFocus(), timeout=5_000)
    assert isinstance(shown, QDialog)
    shown.done(QDialog.DialogCode.Rejected)
    for under in admin_window.findChildren(QDialog):  # the waitlist under its entry dialog
        if under.isVisible():
            under.done(QDialog.DialogCode.Rejected)
    qtbot.waitUntil(admin_window.schedule.hasFocus, timeout=5_000)
    assert QApplication.focusWidget() is admin_window.schedule


def test_a_second_window_still_open_keeps_the_keyboard(
    qtbot: QtBot,
    admin_window: MainWindow,
    ids: dict[str, str],
) -> None:
    first = OPENERS["PatientSearch"](qtbot, admin_window, ids)
    second = OPENERS["QuickFind"](qtbot, admin_window, ids)
    second.show()
    second.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is second, timeout=5_000)
    first.hide()
    qtbot.wait(20)  # the hand-back is queued: let it run
    assert not admin_window.schedule.hasFocus()
    assert QApplication.activeWindow() is second


def _edge(window: MainWindow) -> QColor:
    view = window.schedule
    return view.grab().toImage().pixelColor(0, view.height() // 2)


@pytest.fixture
def styled(qtbot: QtBot) -> Iterator[None]:
    """The app's own stylesheet (resources/style.qss), as ``make_application`` sets it."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    app.setStyleSheet(stylesheet())
    yield
    app.setStyleSheet("")


def test_the_grid_wears_a_frame_while_it_has_the_keyboard(
    qtbot: QtBot, styled: None, window: MainWindow
) -> None:
    window.activateWindow()
    window.schedule.setFocus()
    qtbot.waitUntil(window.schedule.hasFocus, timeout=5_000)
    assert _edge(window).name() == "#1d4ed8"
    window.navbar.date_edit.setFocus()
    qtbot.waitUntil(lambda: not window.schedule.hasFocus(), timeout=5_000)
    assert _edge(window).name() != "#1d4ed8"
