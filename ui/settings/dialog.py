"""The settings dialog (``settingsDialog``): Clinic, Providers, Rooms, Services, Staff.

It reads everything once through the worker and hands each page the same snapshot;
a page's save returns a fresh snapshot, shown on every page. Roles without
"clinic.configure" see the settings read-only; the Staff tab exists only for roles
with "staff.manage".
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTabWidget, QVBoxLayout, QWidget

from receptionist.agenda import ClinicInfo

from .. import messages
from ..desk import Desk
from ..tasks import DbOp
from .catalogpages import RoomsPage, ServicesPage
from .clinicpage import ClinicPage
from .data import Snapshot, load
from .listpage import ListPage
from .providers import ProvidersPage
from .staffpage import StaffPage

Page = ClinicPage | ListPage


class SettingsDialog(QDialog):
    loaded = Signal()
    changed = Signal()  # something was saved

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle(self.tr("Settings"))
        self.desk = desk
        configure = desk.actor.may("clinic.configure")
        self.clinic = ClinicPage(desk, configure)
        self.providers = ProvidersPage(desk, configure)
        self.rooms = RoomsPage(desk, configure)
        self.services = ServicesPage(desk, configure)
        self.staff = StaffPage(desk, True) if desk.actor.may("staff.manage") else None
        self.banner = QLabel(
            self.tr(
                "Only a manager or an administrator can change clinic "
                "settings; you can look at them here."
            ),
            self,
        )
        self.banner.setObjectName("readOnlyNote")
        self.banner.setWordWrap(True)
        self.banner.setVisible(not configure)
        self.tabs = self._make_tabs()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        if close is not None:  # Enter in a field must not close the dialog
            close.setAutoDefault(False)
            close.setDefault(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self._save_shortcut()
        self.resize(940, 660)

    def pages(self) -> list[Page]:
        found: list[Page] = [self.clinic, self.providers, self.rooms, self.services]
        return found + ([self.staff] if self.staff is not None else [])

    def _make_tabs(self) -> QTabWidget:
        tabs = QTabWidget(self)
        tabs.setAccessibleName(self.tr("Settings"))
        names = [
            self.tr("&Clinic"),
            self.tr("&Providers"),
            self.tr("R&ooms"),
            self.tr("S&ervices"),
            self.tr("Sta&ff"),
        ]
        for page, name in zip(self.pages(), names, strict=False):
            tabs.addTab(page, name)
            page.saved.connect(self._saved)
        return tabs

    def _save_shortcut(self) -> None:
        save = QAction(self)
        save.setShortcut(QKeySequence(QKeySequence.StandardKey.Save))
        save.triggered.connect(self.save_current)
        self.addAction(save)

    def save_current(self) -> None:
        page = self.tabs.currentWidget()
        if isinstance(page, ClinicPage | ListPage):
            page.save()

    def load(self) -> None:
        ctx = self.desk.ctx()
        op = DbOp(self.desk.tasks, lambda db: load(db, ctx), self)
        op.success(self._show).failure(messages.report_exception).run()

    def _show(self, snapshot: Snapshot) -> None:
        for page in self.pages():
            page.show_snapshot(snapshot)
        self.loaded.emit()

    def _saved(self, snapshot: Snapshot) -> None:
        c = snapshot.clinic
        self.desk.clinic = ClinicInfo(c.name, c.timezone, c.slot_minutes)
        self._show(snapshot)
        self.changed.emit()
