"""Rooms (a name and an active flag) and services (name, category, duration, price,
buffers, colour, and its reminder rules: the clinic's or its own)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QLineEdit, QSpinBox, QWidget

from receptionist.freetext import printable
from receptionist.ops.catalog import DEFAULT_SERVICE_COLOUR
from receptionist.schedule.fieldrules import MAX_BUFFER_MINUTES, MAX_DURATION_MINUTES

from ..desk import Desk
from .colour import ColourField
from .data import RoomRow, ServiceRow, Snapshot, save_room, save_service
from .fields import FieldForm
from .listpage import ListPage, Writer
from .servicereminders import ServiceReminders


class RoomsPage(ListPage):
    def __init__(self, desk: Desk, editable: bool, parent: QWidget | None = None) -> None:
        super().__init__(desk, editable, "room", parent)
        self.setObjectName("roomsPage")
        self.view.setAccessibleName(self.tr("Rooms"))

    def build_form(self, form: FieldForm) -> None:
        self.name = QLineEdit()
        self.active = QCheckBox(self.tr("In use"))
        form.add("name", self.tr("&Name"), self.name)
        form.add("active", self.tr("Acti&ve"), self.active)

    def rows_of(self, snapshot: Snapshot) -> Sequence[RoomRow]:
        return snapshot.rooms

    def fill(self, row: RoomRow | None) -> None:
        self.name.setText(printable(row.name, lines=False) if row else "")
        self.active.setChecked(row.active if row else True)

    def values(self) -> dict[str, Any] | None:
        return {"name": self.name.text(), "active": self.active.isChecked()}

    def writer(self) -> Writer:
        return save_room


def _minutes(top: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(0, top)
    box.setSuffix(QCoreApplication.translate("ServicesPage", " min"))
    return box


class ServicesPage(ListPage):
    def __init__(self, desk: Desk, editable: bool, parent: QWidget | None = None) -> None:
        super().__init__(desk, editable, "service", parent)
        self.setObjectName("servicesPage")
        self.view.setAccessibleName(self.tr("Services"))

    def build_form(self, form: FieldForm) -> None:
        self.name, self.category, self.currency = QLineEdit(), QLineEdit(), QLineEdit()
        self.currency.setMaxLength(3)
        self.currency.setMaximumWidth(90)
        self.currency.setPlaceholderText("TRY")
        self.duration = _minutes(MAX_DURATION_MINUTES)
        self.duration.setMinimum(1)
        self.price = QDoubleSpinBox()
        self.price.setRange(0, 10**10)
        self.price.setDecimals(2)
        self.before, self.after = _minutes(MAX_BUFFER_MINUTES), _minutes(MAX_BUFFER_MINUTES)
        self.colour_field = ColourField()
        self.active = QCheckBox(self.tr("Can be booked"))
        for field, caption, editor in (
            ("name", self.tr("&Name"), self.name),
            ("category", self.tr("Categor&y"), self.category),
            ("duration_minutes", self.tr("&Duration"), self.duration),
            ("price_minor", self.tr("P&rice"), self.price),
            ("currency", self.tr("C&urrency"), self.currency),
            ("buffer_before_minutes", self.tr("Buffer &before"), self.before),
            ("buffer_after_minutes", self.tr("Buffer &after"), self.after),
        ):
            form.add(field, caption, editor)
        form.add("colour", self.tr("Co&lour"), self.colour_field, self.colour_field.code)
        form.add("active", self.tr("Acti&ve"), self.active)
        self.reminders = ServiceReminders(form)
        form.layout_.addRow(self.reminders)

    def colour(self, row: Any) -> str | None:
        return str(row.colour)

    def rows_of(self, snapshot: Snapshot) -> Sequence[ServiceRow]:
        return snapshot.services

    def fill(self, row: ServiceRow | None) -> None:
        self.name.setText(printable(row.name, lines=False) if row else "")
        self.category.setText(printable(row.category if row else "", lines=False))
        self.duration.setValue(row.duration_minutes if row else 30)
        self.price.setValue(row.price_minor / 100 if row else 0)
        self.currency.setText(row.currency if row else "TRY")
        self.before.setValue(row.buffer_before_minutes if row else 0)
        self.after.setValue(row.buffer_after_minutes if row else 0)
        self.colour_field.set_value(row.colour if row else DEFAULT_SERVICE_COLOUR)
        self.active.setChecked(row.active if row else True)
        self.reminders.fill(self._snapshot, row)

    def values(self) -> dict[str, Any] | None:
        return {
            "reminders": self.reminders.change(),
            "name": self.name.text(),
            "category": self.category.text(),
            "duration_minutes": self.duration.value(),
            "price_minor": round(self.price.value() * 100),
            "currency": self.currency.text().strip(),
            "buffer_before_minutes": self.before.value(),
            "buffer_after_minutes": self.after.value(),
            "colour": self.colour_field.value(),
            "active": self.active.isChecked(),
        }

    def writer(self) -> Writer:
        return save_service
