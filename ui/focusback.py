"""After a dialog closes, the keyboard goes back to the schedule grid.

A receptionist closes the booking dialog, a patient's window or a message and types on:
the arrows and Enter must work on the grid at once, not on whatever Qt chose (often
nothing, or the toolbar). The grid shows it has the focus with a frame (style.qss).
Another window of the app that is still active (a second patient's window) keeps it,
and a dialog opened over another dialog leaves the keyboard to that one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QChildEvent, QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog

if TYPE_CHECKING:
    from .mainwindow import MainWindow


class FocusBack(QObject):
    """Watches ``window``'s dialogs (not every event of the app: only the window's own,
    and its dialogs'); one that hides gives the keyboard back to ``window.schedule``."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setObjectName("focusBack")
        self.window = window
        window.installEventFilter(self)  # its dialogs, as each is polished to show

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(event, QChildEvent) and event.type() == QEvent.Type.ChildPolished:
            if watched is self.window and isinstance(event.child(), QDialog):
                event.child().installEventFilter(self)  # again: Qt keeps one
        elif event.type() == QEvent.Type.Hide and self._belongs(watched):
            # Qt moves no focus when a dialog hides with no window to activate (it may
            # not even say focusChanged): the dialog's own Hide is the one sure sign.
            QTimer.singleShot(0, self, self.give_back)
        return False

    def _belongs(self, watched: QObject) -> bool:
        """``watched`` is a dialog window right over ``self.window``; one over another
        dialog (the waitlist's entry form) gives the keyboard back to that dialog."""
        if not isinstance(watched, QDialog) or not watched.isWindow():
            return False
        parent = watched.parentWidget()
        return parent is not None and parent.window() is self.window

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
