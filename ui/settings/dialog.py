"""The settings dialog (``settingsDialog``): Clinic, Providers, Rooms, Services, Staff,
This PC, Jobs (the background jobs: ``jobspage``), Backups (for the roles that may
manage them: ``backupspage``).

It reads everything once through the worker and hands each page the same snapshot;
a page's save returns a fresh snapshot, shown on every page. Roles without
"clinic.configure" see the clinic's settings read-only; the Staff tab exists only for
roles with "staff.manage". The Clinic and This PC pages are built from the settings
registry (``clinicpage``). ``preferencesSaved`` says that this PC's preferences changed
(the idle lock follows them at once).

Unsaved edits are never dropped silently: another row, another tab or closing the
dialog asks Save / Discard / Cancel first (through ``confirm``, injectable for tests).
A save that is refused brings its page back to the front.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTabWidget, QVBoxLayout, QWidget

from .. import messages, textsize
from ..desk import Desk
from ..tasks import DbOp
from . import googlepage
from .backupspage import BackupsPage
from .catalogpages import RoomsPage, ServicesPage
from .clinicpage import ClinicPage, SettingsPage, ThisPcPage
from .data import Snapshot, load
from .jobspage import JobsPage
from .listpage import ListPage
from .providers import ProvidersPage
from .retentionpage import RetentionPage
from .staffpage import StaffPage
from .unsaved import CANCEL, DISCARD, Confirm, ask_unsaved

Page = SettingsPage | ListPage
# Its first size fits 1366×768 less a taskbar and the title bar (test_settings_ui); with
# larger text it takes all of that room, so the Providers page with three spans a day
# still needs no scrolling (tests/ui/test_desk_finish.py).
FIRST_SIZE = QSize(1160, 660)
LARGER_TEXT_SIZE = QSize(1346, 698)


class SettingsDialog(QDialog):
    loaded = Signal()
    changed = Signal()  # something was saved
    preferencesSaved = Signal(object)  # Snapshot: this PC's page was saved
    swept = Signal()  # a sweep was made on the Retention page

    def __init__(
        self, desk: Desk, parent: QWidget | None = None, confirm: Confirm = ask_unsaved
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle(self.tr("Settings"))
        self.desk = desk
        self.confirm = confirm
        self._switching = False  # the tab is being put back, not chosen by the user
        self._closing: list[Page] | None = None  # saving these, then closing
        configure = desk.actor.may("clinic.configure")
        self.clinic = ClinicPage(desk, configure)
        self.providers = ProvidersPage(desk, configure)
        self.rooms = RoomsPage(desk, configure)
        self.services = ServicesPage(desk, configure)
        self.staff = StaffPage(desk, True) if desk.actor.may("staff.manage") else None
        self.this_pc = ThisPcPage(desk)
        self.jobs = JobsPage(desk)
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
        self.this_pc.saved.connect(self.preferencesSaved)
        self.tabs = self._make_tabs()
        buttons = self._make_buttons()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self._save_shortcut()
        self._fit()

    def _make_buttons(self) -> QDialogButtonBox:
        """One Save (the page in front) and one Close for the whole dialog; each page's
        own Save button stays hidden, and this one follows whether it may be pressed."""
        kinds = QDialogButtonBox.StandardButton
        buttons = QDialogButtonBox(kinds.Save | kinds.Close, self)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(kinds.Save)
        self.save_button.setText(self.tr("&Save"))
        self.save_button.setObjectName("settingsSave")
        self.save_button.clicked.connect(self.save_current)
        for button in (self.save_button, buttons.button(kinds.Close)):
            button.setAutoDefault(False)  # Enter in a field must neither save nor close
            button.setDefault(False)
        for page in self.pages():
            page.save_button.hide()
            page.save_button.installEventFilter(self)
        self.tabs.currentChanged.connect(self._sync_save)
        self._sync_save()
        return buttons

    def _fit(self) -> None:
        self.resize(LARGER_TEXT_SIZE if textsize.is_larger() else FIRST_SIZE)

    def event(self, event: QEvent) -> bool:
        done = super().event(event)
        if event.type() == QEvent.Type.ApplicationFontChange:
            self._fit()  # larger text turned on or off (Settings > This PC) while open
        return done

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.EnabledChange:
            self._sync_save()  # a page is saving (or done): the dialog's Save says so
        return False

    def _sync_save(self) -> None:
        page = self.tabs.currentWidget()
        if not isinstance(page, SettingsPage | ListPage):
            self.save_button.hide()  # the Jobs tab: nothing there is saved
            return
        self.save_button.setVisible(page.editable)
        self.save_button.setEnabled(page.editable and page.save_button.isEnabled())

    def pages(self) -> list[Page]:
        found: list[Page] = [self.clinic, self.providers, self.rooms, self.services]
        return found + ([self.staff] if self.staff is not None else []) + [self.this_pc]

    def _make_tabs(self) -> QTabWidget:
        tabs = QTabWidget(self)
        tabs.setAccessibleName(self.tr("Settings"))
        names: dict[QWidget | None, str] = {
            self.clinic: self.tr("&Clinic"),
            self.providers: self.tr("&Providers"),
            self.rooms: self.tr("R&ooms"),
            self.services: self.tr("S&ervices"),
            self.staff: self.tr("Sta&ff"),
            self.this_pc: self.tr("&This PC"),
        }
        for page in self.pages():
            tabs.addTab(page, names[page])
            page.saved.connect(self._saved)
            page.refused.connect(lambda p=page: self._refused(p))
            if isinstance(page, ListPage):
                page.confirm = lambda p=page: self.ask(p)
        tabs.addTab(self.jobs, self.tr("&Jobs"))
        self.backups: BackupsPage | None = None
        if self.desk.actor.may("backup.manage"):  # the core refuses the others
            self.backups = BackupsPage(self.desk, self)
            tabs.addTab(self.backups, self.tr("Backups"))  # every letter of it is taken
        self.google = googlepage.install(self, tabs)
        self.retention = RetentionPage(self.desk, self)
        self.retention.swept.connect(self.swept)
        tabs.addTab(self.retention, self.tr("Retent&ion"))  # r: Destruction &records; k: Pic&k…
        self._shown: QWidget | None = tabs.currentWidget()
        tabs.currentChanged.connect(self._tab_changed)
        return tabs

    # --- unsaved edits ---------------------------------------------------------------------
    def unsaved(self) -> bool:
        """A page holds edits that were not saved (for the window's quit guard too)."""
        return any(page.unsaved() for page in self.pages())

    def ask(self, *pages: Page) -> str:
        """Save, discard or keep the unsaved edits of ``pages`` (all named in the
        question, since the answer applies to all)? SAVE, DISCARD or CANCEL."""
        names = [self.tabs.tabText(at).replace("&", "") for at in map(self.tabs.indexOf, pages)]
        return self.confirm(self, ", ".join(name for name in names if name))

    def _tab_changed(self, _index: int) -> None:
        previous, shown = self._shown, self.tabs.currentWidget()
        if self._switching or previous is shown:
            self._shown = shown
            return
        if isinstance(previous, SettingsPage | ListPage) and previous.unsaved():
            choice = self.ask(previous)
            if choice == CANCEL:
                self._show_page(previous)
                return
            if choice == DISCARD:
                previous.revert()
            else:
                previous.save()  # a refusal brings the page back
        self._shown = shown

    def _show_page(self, page: QWidget) -> None:
        self._switching = True
        try:
            self.tabs.setCurrentWidget(page)
        finally:
            self._switching = False
        self._shown = page

    def _refused(self, page: Page) -> None:
        self._closing = None  # closing waits for the user now
        if self.tabs.currentWidget() is not page:
            self._show_page(page)

    def reject(self) -> None:
        """Esc, Close or the window's close button: ask first about unsaved edits."""
        dirty = [page for page in self.pages() if page.unsaved()]
        if not dirty:
            super().reject()
            return
        if self.tabs.currentWidget() not in dirty:
            self._show_page(dirty[0])
        choice = self.ask(*dirty)
        if choice == CANCEL:
            return
        if choice == DISCARD:
            for page in dirty:
                page.revert()
            super().reject()
            return
        self._closing = dirty
        for page in dirty:
            if self._closing is not None:  # not refused yet
                page.save()

    def _save_shortcut(self) -> None:
        save = QAction(self)
        save.setShortcut(QKeySequence(QKeySequence.StandardKey.Save))
        save.triggered.connect(self.save_current)
        self.addAction(save)

    def save_current(self) -> None:
        page = self.tabs.currentWidget()
        if isinstance(page, SettingsPage | ListPage):
            page.save()

    def load(self) -> None:
        ctx = self.desk.ctx()
        op = DbOp(self.desk.tasks, lambda db: load(db, ctx), self)
        op.success(self._show).failure(messages.report_exception).run()

    def _show(self, snapshot: Snapshot) -> None:
        for page in self.pages():
            page.show_snapshot(snapshot)
        self.jobs.refresh()
        self.loaded.emit()

    def _saved(self, snapshot: Snapshot) -> None:
        self.desk.clinic = snapshot.clinic
        self._show(snapshot)
        self.changed.emit()
        closing = self._closing
        if closing is not None and not any(page.unsaved() for page in closing):
            self._closing = None
            super().reject()
