"""Walking a window's controls: their mnemonics (Alt+letter) and their accessible names.

A mnemonic is live only while its control can be seen, so a window is checked once per
tab of each of its tab widgets: what two controls on different tabs share is no clash.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QMenuBar,
    QPlainTextEdit,
    QScrollBar,
    QTabWidget,
    QTextEdit,
    QWidget,
)

_MNEMONIC = re.compile(r"(?<!&)&([^&\s])")


def mnemonic(text: str) -> str | None:
    """The letter after a single ``&`` (``&&`` is a plain ampersand), lower case."""
    found = _MNEMONIC.search(text.replace("&&", ""))
    return found.group(1).lower() if found else None


def _clashes(named: list[tuple[str, str]]) -> list[str]:
    """``"x: A / B"`` for every letter that two of ``named`` (letter, text) share."""
    by_letter: dict[str, list[str]] = {}
    for letter, text in named:
        by_letter.setdefault(letter, []).append(text)
    return [f"{k}: {' / '.join(v)}" for k, v in sorted(by_letter.items()) if len(v) > 1]


def menu_clashes(bar: QMenuBar) -> list[str]:
    """Clashes in the menu bar's titles and inside each menu (and its submenus)."""
    found = _in_actions("menu bar", bar.actions())
    for entry in bar.actions():
        if isinstance(entry.menu(), QMenu):
            found += _menu(entry.menu())
    return found


def _menu(menu: QMenu) -> list[str]:
    found = _in_actions(menu.title(), menu.actions())
    for entry in menu.actions():
        sub = entry.menu()
        if isinstance(sub, QMenu) and sub is not menu:
            found += _menu(sub)
    return found


def _in_actions(where: str, actions: list) -> list[str]:  # type: ignore[type-arg]
    named = [(m, a.text()) for a in actions if a.isVisible() and (m := mnemonic(a.text()))]
    return [f"{where}: {clash}" for clash in _clashes(named)]


def _text_of(widget: QWidget) -> str:
    if isinstance(widget, QAbstractButton):
        return widget.text()
    if isinstance(widget, QLabel) and widget.buddy() is not None:
        return widget.text()
    if isinstance(widget, QGroupBox):
        return widget.title()
    return ""


def visible_mnemonics(window: QWidget) -> list[tuple[str, str]]:
    """(letter, text) of every control of ``window`` that can be seen now, tabs included."""
    named: list[tuple[str, str]] = []
    for widget in window.findChildren(QWidget):
        if widget.window() is not window or not widget.isVisibleTo(window):
            continue
        if isinstance(widget, QTabWidget):
            texts = [widget.tabText(i) for i in range(widget.count()) if widget.isTabVisible(i)]
        else:
            texts = [_text_of(widget)]
        named += [(m, t) for t in texts if (m := mnemonic(t))]
    return named


def _tab_states(window: QWidget) -> Iterator[None]:
    """Yields once with each tab of each tab widget of ``window`` current in turn."""
    yield None
    for tabs in window.findChildren(QTabWidget):
        if tabs.window() is not window:
            continue
        was = tabs.currentIndex()
        for index in range(tabs.count()):
            if index != was and tabs.isTabEnabled(index) and tabs.isTabVisible(index):
                tabs.blockSignals(True)  # no "unsaved changes?" questions, no reloads
                tabs.setCurrentIndex(index)
                tabs.blockSignals(False)
                yield None
        tabs.blockSignals(True)
        tabs.setCurrentIndex(was)
        tabs.blockSignals(False)


def window_clashes(window: QWidget) -> list[str]:
    """Clashes among the mnemonics of ``window``'s visible controls, on each of its tabs."""
    found: list[str] = []
    title = window.objectName() or type(window).__name__
    for _ in _tab_states(window):
        found += [f"{title}: {c}" for c in _clashes(visible_mnemonics(window))]
    return sorted(set(found))


CONTROLS = (
    QAbstractButton,
    QLineEdit,
    QComboBox,
    QAbstractSpinBox,
    QAbstractItemView,
    QTextEdit,
    QPlainTextEdit,
    QAbstractSlider,
)


def spoken_name(widget: QWidget) -> str:
    """What a screen reader says the widget is called (its own name, a button's text, the
    text of the label that is its buddy, ...), as Qt's accessibility reports it."""
    iface = QAccessible.queryAccessibleInterface(widget)
    return iface.text(QAccessible.Text.Name).strip() if iface is not None else ""


def _part_of_another(widget: QWidget) -> bool:
    """Qt's own parts of a control, spoken as the control: the line edit of a spin box
    or a combo box, a line edit's clear button, a table's headers, scroll bars."""
    parent = widget.parentWidget()
    if isinstance(parent, QAbstractSpinBox | QComboBox | QLineEdit | QAbstractItemView):
        return True
    if isinstance(widget, QScrollBar):
        return True
    return widget.objectName().startswith("qt_")


def unnamed_controls(window: QWidget) -> list[str]:
    """The controls of ``window`` (on each of its tabs) a screen reader cannot name."""
    found: set[str] = set()
    title = window.objectName() or type(window).__name__
    for _ in _tab_states(window):
        for widget in window.findChildren(QWidget):
            if not isinstance(widget, CONTROLS) or not widget.isVisibleTo(window):
                continue
            if _part_of_another(widget):
                continue
            if not spoken_name(widget):
                found.add(f"{title}: {type(widget).__name__} {widget.objectName()!r}")
    return sorted(found)
