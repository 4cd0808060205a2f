"""The today panel: the board in a dock beside the schedule, kept open as long as wanted.

Opened or closed by Front desk > Today panel (Ctrl+Shift+T) or its close button; this
PC remembers which (the preference ``desk.today_panel``) and opens it at start as it
was left. The lock hides it with the schedule (``MainWindow.lock``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

from .board import TodayBoard

PANEL_WIDTH = 480  # the first opening; a width the user drags it to afterwards stays


class TodayDock(QDockWidget):
    """Holds the board; ``closedByUser`` when its own close button closes it."""

    closedByUser = Signal()

    def __init__(self, board: TodayBoard, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Today"), parent)
        self.setObjectName("todayDock")
        self.setAccessibleName(self.tr("Today panel"))
        self.setAllowedAreas(
            Qt.DockWidgetArea.RightDockWidgetArea | Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self.board = board
        self.setWidget(board)
        self._sized = False

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        window = self.parentWidget()
        if not self._sized and isinstance(window, QMainWindow) and not self.isFloating():
            self._sized = True
            window.resizeDocks([self], [PANEL_WIDTH], Qt.Orientation.Horizontal)

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        if event.isAccepted():
            self.closedByUser.emit()
