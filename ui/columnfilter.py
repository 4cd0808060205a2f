"""The provider (or room) filter: a toolbar button with a checkable menu."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from .schedule.model import ScheduleModel


class ColumnFilter(QToolButton):
    """Shows "All providers", one name, or "3 of 5 providers"; at least one stays chosen."""

    def __init__(self, model: ScheduleModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("providerFilter")
        self.setAccessibleName(self.tr("Which providers to show"))
        self.setToolTip(self.tr("Choose the providers (or rooms) shown as columns"))
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.model = model
        self.menu_ = QMenu(self)
        self.menu_.setObjectName("providerFilterMenu")
        self.setMenu(self.menu_)
        self.everyone = QAction(self)
        self.everyone.setObjectName("filter_all")
        self.everyone.triggered.connect(lambda: self.model.set_filter(None))
        self._offered: tuple[str, ...] = ()
        self._updating = False
        model.loaded.connect(self.refresh)
        model.stateChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        offered = tuple(c.id for c in self.model.available)
        if offered != self._offered:
            self._offered = offered
            self._rebuild()
        chosen = self.model.filter()
        self._updating = True
        for action in self.menu_.actions():
            if action.data():
                action.setChecked(chosen is None or action.data() in chosen)
        self._updating = False
        self.setText(self._caption(chosen))

    def _rebuild(self) -> None:
        self.menu_.clear()
        rooms = self.model.kind == "room"
        self.everyone.setText(self.tr("All rooms") if rooms else self.tr("All providers"))
        self.menu_.addAction(self.everyone)
        self.menu_.addSeparator()
        for col in self.model.available:
            action = self.menu_.addAction(col.name)
            action.setObjectName(f"filter_{col.id}")
            action.setCheckable(True)
            action.setData(col.id)
            action.toggled.connect(self._on_toggled)

    def _on_toggled(self, _checked: bool) -> None:
        if self._updating:
            return
        checked = {a.data() for a in self.menu_.actions() if a.data() and a.isChecked()}
        if not checked:
            self.refresh()  # the last one cannot be unticked: nothing to show is no view
            return
        every = {c.id for c in self.model.available}
        self.model.set_filter(None if checked == every else frozenset(checked))

    def _caption(self, chosen: frozenset[str] | None) -> str:
        rooms = self.model.kind == "room"
        if chosen is None:
            return self.tr("All rooms") if rooms else self.tr("All providers")
        names = [c.name for c in self.model.available if c.id in chosen]
        if len(names) == 1:
            return names[0]
        total = len(self.model.available)
        if rooms:
            return self.tr("{0} of {1} rooms").format(len(names), total)
        return self.tr("{0} of {1} providers").format(len(names), total)
