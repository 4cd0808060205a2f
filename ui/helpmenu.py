"""Help > User guide (F1) and Help > Keyboard shortcuts (Ctrl+/).

The shortcuts sheet is made from the window's actions each time it opens (the menus in
their order, then the actions that sit in no menu), so it cannot go stale: an action
added anywhere shows up with its key. The guide is ``docs/user-guide.md``, shown as is.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMainWindow,
    QMenu,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .actions import menu_holding, window_action


@dataclass(frozen=True)
class ShortcutRow:
    group: str  # the menu it is in, or where it works
    action: str
    keys: str


def plain(text: str) -> str:
    """A menu text as read aloud: no mnemonic ``&``, no trailing "…"."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def keys_of(action: QAction) -> str:
    native = QKeySequence.SequenceFormat.NativeText
    return ", ".join(key.toString(native) for key in action.shortcuts())


def _menu_actions(menu: QMenu) -> list[QAction]:
    found: list[QAction] = []
    for action in menu.actions():
        sub = action.menu()
        if isinstance(sub, QMenu) and sub is not menu:
            found += _menu_actions(sub)
        elif not action.isSeparator():
            found.append(action)
    return found


def shortcut_rows(window: QMainWindow, schedule: QWidget, elsewhere: str) -> list[ShortcutRow]:
    """Every action of ``window`` with a shortcut: by menu, then those in no menu
    (on the window or on ``schedule``) under the group ``elsewhere``."""
    rows: list[ShortcutRow] = []
    seen: set[QAction] = set()
    for entry in window.menuBar().actions():
        menu = entry.menu()
        if not isinstance(menu, QMenu):
            continue
        for action in _menu_actions(menu):
            seen.add(action)
            if action.shortcuts():
                rows.append(ShortcutRow(plain(menu.title()), plain(action.text()), keys_of(action)))
    for action in window.findChildren(QAction):
        owners = action.associatedObjects()
        if action in seen or not action.shortcuts():
            continue
        if window in owners or schedule in owners:
            rows.append(ShortcutRow(elsewhere, plain(action.text()), keys_of(action)))
    return rows


class ShortcutsSheet(QDialog):
    """The keyboard shortcuts, grouped by menu (``shortcutsSheet``)."""

    def __init__(self, rows: list[ShortcutRow], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsSheet")
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("shortcutsTree")
        self.tree.setAccessibleName(self.tr("Keyboard shortcuts"))
        self.tree.setHeaderLabels([self.tr("Action"), self.tr("Keys")])
        self.tree.setRootIsDecorated(False)
        groups: dict[str, QTreeWidgetItem] = {}
        for row in rows:
            group = groups.get(row.group)
            if group is None:
                group = groups[row.group] = QTreeWidgetItem(self.tree, [row.group])
                font = group.font(0)
                font.setBold(True)
                group.setFont(0, font)
                group.setFirstColumnSpanned(True)
            QTreeWidgetItem(group, [row.action, row.keys])
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)
        self.tree.setColumnWidth(0, self.tree.columnWidth(0) + 24)
        hint = QLabel(
            self.tr(
                "On the schedule: the arrow keys move the cursor, Page Up and Page Down "
                "by an hour, Home and End to the start and end of the working day."
            ),
            self,
        )
        hint.setObjectName("hintLabel")
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree, 1)
        layout.addWidget(hint)
        layout.addWidget(buttons)
        self.resize(560, 620)

    def rows(self) -> list[tuple[str, str, str]]:
        """(group, action, keys) as shown, for tests."""
        found = []
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            items = [group.child(i) for i in range(group.childCount())] if group else []
            found += [(group.text(0), i.text(0), i.text(1)) for i in items if group and i]
        return found


def guide_path() -> Path:
    """``docs/user-guide.md`` beside the source tree, or inside a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    base = Path(bundle) if bundle else Path(__file__).resolve().parent.parent
    return base / "docs" / "user-guide.md"


class UserGuide(QDialog):
    """The receptionist's guide to the day (``userGuide``)."""

    def __init__(self, parent: QWidget | None = None, path: Path | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("userGuide")
        self.setWindowTitle(self.tr("User guide"))
        self.text = QTextBrowser(self)
        self.text.setObjectName("userGuideText")
        self.text.setAccessibleName(self.tr("User guide"))
        self.text.setOpenExternalLinks(False)
        try:
            self.text.setMarkdown((path or guide_path()).read_text(encoding="utf-8"))
        except OSError:
            self.text.setPlainText(
                self.tr("The user guide was not found. It is docs/user-guide.md in the source.")
            )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        self.resize(720, 640)


class Help(QObject):
    """Opens the sheet (made afresh each time) and the guide."""

    def __init__(self, window: QMainWindow, schedule: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("help")
        self.window, self.schedule = window, schedule
        self.sheet: ShortcutsSheet | None = None
        self.guide: UserGuide | None = None

    def show_shortcuts(self) -> ShortcutsSheet:
        if self.sheet is not None:
            self.sheet.deleteLater()
        rows = shortcut_rows(self.window, self.schedule, self.tr("Schedule and window"))
        self.sheet = ShortcutsSheet(rows, self.window)
        self.sheet.show()
        return self.sheet

    def show_guide(self) -> UserGuide:
        if self.guide is None:
            self.guide = UserGuide(self.window)
        self.guide.show()
        self.guide.raise_()
        return self.guide


def install(window: QMainWindow, schedule: QWidget) -> Help:
    """Help > User guide and Help > Keyboard shortcuts, above About."""
    helper = Help(window, schedule)
    tr = helper.tr
    guide = window_action(window, "userGuide", tr("&User guide"), "F1",
                          tr("How the day goes at the desk"), tr)  # fmt: skip
    sheet = window_action(window, "shortcuts", tr("&Keyboard shortcuts"), "Ctrl+/",
                          tr("Every key of the window, by menu"), tr)  # fmt: skip
    guide.triggered.connect(helper.show_guide)
    sheet.triggered.connect(helper.show_shortcuts)
    menu = menu_holding(window, "action_about")
    if menu is not None:
        about = menu.actions()[0]
        menu.insertActions(about, [guide, sheet])
        menu.insertSeparator(about)
    return helper
