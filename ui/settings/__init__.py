"""Settings: the clinic, providers, rooms, services, staff and this PC, hooked onto a
window.

``install(window)`` adds "Settings…" (Ctrl+,) to the window's File menu. The dialog
is a child of the window, so its lock hides it; a save reloads the schedule, and a
save of this PC's preferences is told through ``Settings.preferencesSaved``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from ..actions import menu_holding, window_action
from .dialog import SettingsDialog

if TYPE_CHECKING:
    from ..mainwindow import MainWindow

__all__ = ["Settings", "SettingsDialog", "install"]


class Settings(QObject):
    """Opens the one settings dialog of a window."""

    preferencesSaved = Signal(object)  # Snapshot, after this PC's page was saved

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.dialog: SettingsDialog | None = None

    def forget(self) -> None:
        """Another user signed in: the previous user's dialog (and its edits) goes."""
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None

    def show_dialog(self) -> SettingsDialog:
        if self.dialog is None:
            self.dialog = SettingsDialog(self.window.desk, self.window)
            self.dialog.changed.connect(self.window.model.reload)
            self.dialog.preferencesSaved.connect(self.preferencesSaved)
            note = getattr(self.window, "sweep_note", None)
            if note is not None:  # the status bar's retention note reads again
                self.dialog.swept.connect(note.refresh)
        if not self.dialog.isVisible():  # a fresh read; an open dialog keeps its edits
            self.dialog.load()
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        return self.dialog


def install(window: MainWindow) -> None:
    """Add "Settings…" to the File menu (find the controller with
    ``window.findChild(Settings)``). Installing twice changes nothing."""
    if window.findChild(Settings) is not None:
        return
    settings = Settings(window)
    window.userChanged.connect(settings.forget)
    tip = settings.tr("Clinic, providers, rooms, services, staff and this PC")
    action = window_action(window, "settings", settings.tr("&Settings…"), "Ctrl+,", tip,
                           settings.tr)  # fmt: skip
    action.setMenuRole(QAction.MenuRole.PreferencesRole)
    action.triggered.connect(settings.show_dialog)
    menu = _file_menu(window)
    existing = menu.actions()
    if existing:
        menu.insertAction(existing[0], action)
        menu.insertSeparator(existing[0])
    else:
        menu.addAction(action)


def _file_menu(window: MainWindow) -> QMenu:
    """The menu holding "Lock the desk" (File), or a new File menu."""
    return menu_holding(window, "action_lock") or window.menuBar().addMenu(window.tr("&File"))
