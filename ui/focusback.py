"""After a dialog closes, the keyboard goes back to the schedule grid.

A receptionist closes the booking dialog, a patient's window or a message and types on:
the arrows and Enter must work on the grid at once, not on whatever Qt chose (often
nothing, or the toolbar). The grid shows it has the focus with a frame (style.qss).
Another window of the app that is still active (a second patient's window) keeps it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog

if TYPE_CHECKING:
    from .mainwindow import MainWindow


class FocusBack(QObject):
    """Watches the app's dialogs; one that belongs to ``window`` and hides gives the
    keyboard back to ``window.schedule``."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setObjectName("focusBack")
        self.window = window
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Qt moves no focus when a dialog hides with no window to activate (it may
        # not even say focusChanged): the dialog's own Hide is the one sure sign.
        if event.type() == QEvent.Type.Hide and self._belongs(watched):
            QTimer.singleShot(0, self, self.give_back)
        return False

    def _belongs(self, watched: QObject) -> bool:
        """``watched`` is a dialog window over ``self.window`` (or over one of its dialogs)."""
        if not isinstance(watched, QDialog) or not watched.isWindow():
            return False
        parent = watched.parentWidget()
        while parent is not None and parent is not self.window:
            parent = parent.parentWidget()
        return parent is self.window

    def give_back(self) -> None:
        """The grid gets the keyboard, unless another window of ours still has it."""
        window = self.window
        if window.is_locked() or not window.isVisible():
            return
        if QApplication.activeModalWidget() is not None:
            return
        active = QApplication.activeWindow()
        if active is not None and active is not window and active.isVisible():
            return
        window.activateWindow()
        window.schedule.setFocus(Qt.FocusReason.OtherFocusReason)
