"""Providers: name, colour, weekly working hours (one or more spans a day), time off."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import QCheckBox, QLineEdit, QWidget

from receptionist.freetext import printable
from receptionist.ops.catalog import DEFAULT_PROVIDER_COLOUR

from ..desk import Desk
from .colour import ColourField
from .data import ProviderRow, Snapshot, save_provider
from .fields import FieldForm
from .hoursedit import HoursEditor
from .listpage import ListPage, Writer
from .timeoff import TimeOffBox

DEFAULT_COLOUR = DEFAULT_PROVIDER_COLOUR


class ProvidersPage(ListPage):
    def __init__(self, desk: Desk, editable: bool, parent: QWidget | None = None) -> None:
        self.time_off = TimeOffBox(desk, editable)
        self._blocks: Sequence[Any] = ()
        super().__init__(desk, editable, "provider", parent)
        self.setObjectName("providersPage")
        self.view.setAccessibleName(self.tr("Providers"))
        self.time_off.saved.connect(self.saved)

    def build_form(self, form: FieldForm) -> None:
        self.name = QLineEdit()
        self.colour_field = ColourField()
        self.active = QCheckBox(self.tr("Takes appointments"))
        self.hours = HoursEditor(
            "working_hours", self.tr("Works set &hours (otherwise whenever the clinic is open)")
        )
        form.add("name", self.tr("&Name"), self.name)
        form.add("colour", self.tr("Co&lour"), self.colour_field, self.colour_field.code)
        form.add("active", self.tr("Acti&ve"), self.active)
        form.add("working_hours", self.tr("Weekly hours"), self.hours, self.hours.limited)

    def extras(self) -> list[QWidget]:
        return [self.time_off]

    def colour(self, row: Any) -> str | None:
        return str(row.colour)

    def rows_of(self, snapshot: Snapshot) -> Sequence[ProviderRow]:
        self._blocks = snapshot.time_off
        return snapshot.providers

    def show_snapshot(self, snapshot: Snapshot) -> None:
        super().show_snapshot(snapshot)
        self.time_off.show_snapshot(snapshot)  # even when the form keeps unsaved edits

    def fill(self, row: ProviderRow | None) -> None:
        self.name.setText(printable(row.name, lines=False) if row else "")
        self.colour_field.set_value(row.colour if row else DEFAULT_COLOUR)
        self.active.setChecked(row.active if row else True)
        self.hours.set_hours(row.working_hours if row else {})
        self.time_off.set_provider(row.id if row else None, self._blocks)

    def values(self) -> dict[str, Any] | None:
        working = self.hours.hours()
        if working is None:
            return None
        return {
            "name": self.name.text(),
            "colour": self.colour_field.value(),
            "active": self.active.isChecked(),
            "working_hours": working,
        }

    def writer(self) -> Writer:
        return save_provider

    def clear_errors(self) -> None:
        super().clear_errors()
        self.hours.clear_errors()
