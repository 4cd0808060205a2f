"""One editor per kind of setting, so a settings page is built from the registry.

A whole number gets a spin box (with its unit), a flag a check box, a choice (each
option by its label) or a time zone a combo box, some of a few words in an order (the
channels to try) a list to tick and order, one line of text a line edit, opening
hours the weekly hours editor, a colour the colour field; any other kind a line edit
holding the value as the command line types it. Each editor shows a value
(``set_value``) and reads it back (``value``: a ``ValidationError`` naming the setting
when what was typed cannot be read).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from receptionist.errors import ValidationError
from receptionist.freetext import printable
from receptionist.schedule.clinicsettings import WeeklyHours
from receptionist.settings.kinds import Choice, Colour, Flag, Ordered, TimeZone, Whole, Words
from receptionist.settings.registry import Setting

from ..coretext import translated
from .colour import ColourField
from .hoursedit import HoursEditor


def _tr(text: str) -> str:
    return QCoreApplication.translate("SettingEditor", text)


class SettingEditor:
    """The editor of one setting: ``widget`` goes into the form, ``focus`` takes the
    keyboard (and an error puts the cursor there)."""

    # The editor says what the page would put in the help line under it itself (the
    # help is then its tooltip only).
    own_help = False

    def __init__(self, setting: Setting, widget: QWidget, focus: QWidget | None = None) -> None:
        self.setting = setting
        self.widget = widget
        self.focus = focus or widget

    def set_value(self, value: object) -> None:
        raise NotImplementedError

    def value(self) -> object:
        raise NotImplementedError

    def clear_errors(self) -> None:
        """Errors shown inside the editor itself (the hours editor's days)."""

    @property
    def label(self) -> str:
        return translated(self.setting.label)


class WholeEditor(SettingEditor):
    def __init__(self, setting: Setting, kind: Whole) -> None:
        box = QSpinBox()
        box.setRange(kind.low, kind.high)
        box.setMaximumWidth(130)
        units = {"min": _tr(" min"), "s": _tr(" s"), "h": _tr(" h")}
        box.setSuffix(units.get(kind.unit, ""))
        super().__init__(setting, box)
        self.box = box

    def set_value(self, value: object) -> None:
        self.box.setValue(int(value) if isinstance(value, int) else self.box.minimum())

    def value(self) -> object:
        self.box.interpretText()
        return self.box.value()


class FlagEditor(SettingEditor):
    def __init__(self, setting: Setting) -> None:
        box = QCheckBox()  # the form's caption names it
        super().__init__(setting, box)
        self.box = box

    def set_value(self, value: object) -> None:
        self.box.setChecked(bool(value))

    def value(self) -> object:
        return self.box.isChecked()


class ChoiceEditor(SettingEditor):
    """Each option by its label (the registry's, translated); the word is what is stored."""

    def __init__(self, setting: Setting, kind: Choice) -> None:
        box = QComboBox()
        for option in kind.options:
            box.addItem(translated(kind.label_of(option)), option)
        super().__init__(setting, box)
        self.box = box

    def set_value(self, value: object) -> None:
        found = self.box.findData(value)
        if found < 0:  # a value a newer version allows: shown, kept
            self.box.addItem(str(value), value)
            found = self.box.count() - 1
        self.box.setCurrentIndex(found)

    def value(self) -> object:
        return self.box.currentData()


@cache
def zone_names() -> tuple[str, ...]:
    """The zone database's zones with a region (``Europe/Istanbul``), sorted; read once
    a run (the database walks ~600 files, ~8 ms, and each Settings dialog asked)."""
    return tuple(sorted(z for z in available_timezones() if "/" in z))


def zone_box() -> QComboBox:
    """An editable combo box of the zone database's zones, found by any part."""
    box = QComboBox()
    box.setEditable(True)
    box.addItems(list(zone_names()))
    box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    completer = box.completer()
    if completer is not None:
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
    return box


class ZoneEditor(SettingEditor):
    def __init__(self, setting: Setting) -> None:
        box = zone_box()
        super().__init__(setting, box)
        self.box = box

    def set_value(self, value: object) -> None:
        self.box.setCurrentText(str(value))

    def value(self) -> object:
        return self.box.currentText().strip()


class TextEditor(SettingEditor):
    def __init__(self, setting: Setting, limit: int) -> None:
        edit = QLineEdit()
        edit.setMaxLength(limit)
        if limit <= 4:
            edit.setMaximumWidth(90)
        super().__init__(setting, edit)
        self.edit = edit

    def set_value(self, value: object) -> None:
        self.edit.setText(printable(str(value), lines=False))

    def value(self) -> object:
        return self.edit.text()


class OrderEditor(SettingEditor):
    """Some of a few words in an order of preference (the channels to try): a list of
    their labels, each ticked to use it, moved with Up and Down; the value is the
    ticked ones' words in order ("email,whatsapp"), as the command line types it."""

    def __init__(self, setting: Setting, kind: Ordered) -> None:
        box = QWidget()
        self.kind = kind
        self.list = QListWidget(box)
        self.list.setObjectName(f"order_{setting.key}")
        self.list.setAccessibleName(translated(setting.label))
        self.list.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.up_button = QPushButton(_tr("Up"), box)
        self.down_button = QPushButton(_tr("Down"), box)
        for button, step in ((self.up_button, -1), (self.down_button, 1)):
            button.setAutoDefault(False)
            button.clicked.connect(lambda _c=False, by=step: self.move(by))
        buttons = QVBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.up_button)
        buttons.addWidget(self.down_button)
        buttons.addStretch(1)
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.list)
        row.addLayout(buttons)
        self.list.currentRowChanged.connect(lambda _row: self._sync())
        super().__init__(setting, box, self.list)
        self.set_value(setting.default)

    def set_value(self, value: object) -> None:
        chosen = [w for w in self.kind.chosen(value) if w in self.kind.options]
        rest = [w for w in self.kind.options if w not in chosen]
        self.list.clear()
        for word in chosen + rest:
            item = QListWidgetItem(translated(self.kind.label_of(word)))
            item.setData(Qt.ItemDataRole.UserRole, word)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            ticked = Qt.CheckState.Checked if word in chosen else Qt.CheckState.Unchecked
            item.setCheckState(ticked)
            self.list.addItem(item)
        rows = self.list.count()
        height = self.list.sizeHintForRow(0) * rows + 2 * self.list.frameWidth() + 2
        self.list.setFixedHeight(max(height, 40))
        self.list.setCurrentRow(0)
        self._sync()

    def value(self) -> object:
        items = [self.list.item(i) for i in range(self.list.count())]
        return ",".join(
            str(item.data(Qt.ItemDataRole.UserRole))
            for item in items
            if item.checkState() == Qt.CheckState.Checked
        )

    def move(self, by: int) -> None:
        """Move the chosen word ``by`` places up (-1) or down (1)."""
        row = self.list.currentRow()
        to = row + by
        if row < 0 or not 0 <= to < self.list.count():
            return
        item = self.list.takeItem(row)
        self.list.insertItem(to, item)
        self.list.setCurrentRow(to)

    def _sync(self) -> None:
        row = self.list.currentRow()
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < self.list.count() - 1)


class HoursSettingEditor(SettingEditor):
    def __init__(self, setting: Setting) -> None:
        hours = HoursEditor(setting.key, _tr("Open set ho&urs only"))
        hours.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        super().__init__(setting, hours, hours.limited)
        self.hours = hours

    def set_value(self, value: object) -> None:
        self.hours.set_hours(value if isinstance(value, Mapping) else {})

    def value(self) -> object:
        week = self.hours.hours()
        if week is None:  # the day's problem is shown on its line
            raise LocalProblem
        return week

    def clear_errors(self) -> None:
        self.hours.clear_errors()


class ColourEditor(SettingEditor):
    def __init__(self, setting: Setting) -> None:
        field = ColourField()
        super().__init__(setting, field, field.code)
        self.field = field

    def set_value(self, value: object) -> None:
        self.field.set_value(str(value))

    def value(self) -> object:
        return self.field.value()


class TypedEditor(SettingEditor):
    """Any other kind: the value as text, read back by the kind itself."""

    def __init__(self, setting: Setting) -> None:
        edit = QLineEdit()
        edit.setPlaceholderText(translated(setting.kind.hint()))
        super().__init__(setting, edit)
        self.edit = edit

    def set_value(self, value: object) -> None:
        self.edit.setText(printable(self.setting.kind.show(value), lines=False))

    def value(self) -> object:
        return self.setting.parse(self.edit.text())


class LocalProblem(ValueError):
    """What was typed cannot be read, and the editor shows why itself."""


def editor_for(setting: Setting) -> SettingEditor:
    kind: Any = setting.kind
    if isinstance(kind, Whole):
        return WholeEditor(setting, kind)
    if isinstance(kind, Flag):
        return FlagEditor(setting)
    if isinstance(kind, Choice):
        return ChoiceEditor(setting, kind)
    if isinstance(kind, TimeZone):
        return ZoneEditor(setting)
    if isinstance(kind, Ordered):  # before Words: it is one
        return OrderEditor(setting, kind)
    if isinstance(kind, Words):
        return TextEditor(setting, kind.limit)
    if isinstance(kind, WeeklyHours):
        return HoursSettingEditor(setting)
    if isinstance(kind, Colour):
        return ColourEditor(setting)
    return TypedEditor(setting)


__all__ = [
    "LocalProblem",
    "OrderEditor",
    "SettingEditor",
    "ValidationError",
    "editor_for",
    "zone_box",
]
