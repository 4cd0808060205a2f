"""The window's actions, declared once: text, shortcut, tooltip; and the menus made of them.

Tooltips carry the shortcut ("Next day (Alt+Right)") so a mouse user learns it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMenuBar, QWidget

from . import icons


class Actions(QObject):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._parent = parent
        self.lock = self._make(
            "lock",
            self.tr("&Lock the desk"),
            "Ctrl+L",
            self.tr("Lock now; sign in again to carry on"),
        )
        # Works from every window of the app, patient windows included.
        self.lock.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.quit = self._make("quit", self.tr("&Quit"), "Ctrl+Q", self.tr("Close Receptionist"))
        self.today = self._make("today", self.tr("&Today"), "Ctrl+T", self.tr("Go to today"))
        self.previous = self._make(
            "previous",
            self.tr("&Previous"),
            "Alt+Left",
            self.tr("Previous day or week"),
        )
        self.next = self._make(
            "next",
            self.tr("&Next"),
            "Alt+Right",
            self.tr("Next day or week"),
        )
        self.go_to = self._make(
            "goto", self.tr("&Go to date…"), "Ctrl+G", self.tr("Pick a date on the calendar")
        )
        self.refresh = self._make(
            "refresh", self.tr("&Reload"), "F5", self.tr("Load the schedule again")
        )
        self.day_view = self._make("dayView", self.tr("&Day"), "Ctrl+1", self.tr("One day"))
        self.week_view = self._make("weekView", self.tr("&Week"), "Ctrl+2", self.tr("A week"))
        self.by_provider = self._make(
            "byProvider",
            self.tr("Pro&viders"),
            "Ctrl+3",
            self.tr("A column for each provider"),
        )
        self.by_room = self._make(
            "byRoom", self.tr("R&ooms"), "Ctrl+4", self.tr("A column for each room")
        )
        self.book = self._make(
            "book",
            self.tr("&Book or open at the cursor"),
            "Return",
            self.tr("Book the free slot at the cursor, or open its appointment"),
        )
        self.card_menu = self._make(
            "cardMenu",
            self.tr("Appointment &actions…"),
            "Shift+F10",
            self.tr("Status actions for the appointment at the cursor"),
        )
        self.about = self._make(
            "about", self.tr("&About Receptionist"), None, self.tr("Version and licence")
        )
        self._group(self.day_view, self.week_view)
        self._group(self.by_provider, self.by_room)
        self.day_view.setChecked(True)
        self.by_provider.setChecked(True)

    def _make(
        self,
        name: str,
        text: str,
        shortcut: str | QKeySequence.StandardKey | None,
        tip: str,
    ) -> QAction:
        action = QAction(text, self._parent)
        action.setObjectName(f"action_{name}")
        if name in icons.ICONS:
            icons.set_icon(action, name)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            native = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(self.tr("{0} ({1})").format(tip, native))
        else:
            action.setToolTip(tip)
        action.setStatusTip(tip)
        self._parent.addAction(action)
        return action

    def _group(self, *actions: QAction) -> None:
        group = QActionGroup(self)
        for action in actions:
            action.setCheckable(True)
            group.addAction(action)

    def scope_to(self, widget: QWidget, *actions: QAction) -> None:
        """Shortcuts that only work while ``widget`` has focus (Enter must still type elsewhere)."""
        for action in actions:
            self._parent.removeAction(action)
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            widget.addAction(action)


def build_menus(bar: QMenuBar, a: Actions) -> None:
    file_menu = bar.addMenu(bar.tr("&File"))
    file_menu.addActions([a.lock])
    file_menu.addSeparator()
    file_menu.addAction(a.quit)
    view = bar.addMenu(bar.tr("&View"))
    view.addActions([a.today, a.previous, a.next, a.go_to])
    view.addSeparator()
    view.addActions([a.day_view, a.week_view])
    view.addSeparator()
    view.addActions([a.by_provider, a.by_room])
    view.addSeparator()
    view.addAction(a.refresh)
    appointment = bar.addMenu(bar.tr("&Appointment"))
    appointment.addActions([a.book, a.card_menu])
    help_menu = bar.addMenu(bar.tr("&Help"))
    help_menu.addAction(a.about)


def window_action(
    window: QWidget,
    name: str,
    text: str,
    shortcut: str,
    tip: str,
    tr: Callable[[str], str] | None = None,
) -> QAction:
    """An action ``action_<name>`` added to ``window``; its tooltip shows the shortcut, and
    it has the icon of ``name`` when :mod:`ui.icons` has one.

    ``tr`` translates the tooltip's "{0} ({1})" pattern; ``window.tr`` by default."""
    action = QAction(text, window)
    action.setObjectName(f"action_{name}")
    if name in icons.ICONS:
        icons.set_icon(action, name)
    action.setShortcut(QKeySequence(shortcut))
    native = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    action.setToolTip((tr or window.tr)("{0} ({1})").format(tip, native))
    action.setStatusTip(tip)
    window.addAction(action)
    return action


def local_action(
    widget: QWidget, text: str, key: str, tip: str, icon: str | None = None
) -> QAction:
    """An action whose shortcut works while ``widget`` (or a child) has the focus; its
    tooltip shows the shortcut. ``icon`` names one of :data:`ui.icons.ICONS`."""
    action = QAction(text, widget)
    if icon is not None:
        icons.set_icon(action, icon)
    action.setShortcut(QKeySequence(key))
    action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    native = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    action.setToolTip(widget.tr("{0} ({1})").format(tip, native))
    widget.addAction(action)
    return action


def menu_holding(window: QMainWindow, action_name: str) -> QMenu | None:
    """The menu of ``window``'s menu bar holding the action named ``action_name``."""
    for item in window.menuBar().actions():
        sub = item.menu()
        if isinstance(sub, QMenu) and any(a.objectName() == action_name for a in sub.actions()):
            return sub
    return None
