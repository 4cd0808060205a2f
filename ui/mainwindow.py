"""The main window: menus, the date toolbar, the schedule, the status bar - and the lock.

The window only assembles widgets that live in their own modules and wires their
signals; it holds no schedule logic of its own.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from receptionist import __version__
from receptionist.freetext import printable

from . import icons, messages
from .actions import Actions, build_menus
from .booking import BookingLauncher
from .cancel import CancelDialog
from .cloudsync import install as install_cloud_sync
from .conflicts import install as install_conflicts
from .desk import Desk
from .events import POLL_MS, Refresh
from .focusback import FocusBack
from .googlestatus import install as install_google_status
from .helpmenu import install as install_help
from .lockscreen import LockScreen
from .navbar import NavBar
from .patients import install as install_patients
from .pinboard import install as install_pinboard
from .reminders import install as install_reminders
from .restoredcopy import install as install_restored_copy
from .schedule.model import ScheduleModel
from .schedule.view import ScheduleView
from .settings import install as install_settings
from .statusops import CancelFactory, StatusOps
from .sweepnote import install as install_sweep_note
from .syncstatus import SyncStatus
from .today import install as install_today
from .undo import install as install_undo
from .visitops import install as install_visits

# The kinds of rows whose changes redraw the schedule.
SCHEDULE_ENTITIES = (
    "appointment", "blocked_time", "provider", "room", "service", "patient", "clinic_setting",
)  # fmt: skip


class MainWindow(QMainWindow):
    lockRequested = Signal()
    quitRequested = Signal()
    # Another staff member signed in after the lock: forget the previous one's windows.
    userChanged = Signal()

    def __init__(
        self,
        desk: Desk,
        *,
        cancel_factory: CancelFactory = CancelDialog,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.desk = desk
        title = printable(desk.clinic.name, lines=False) or self.tr("Receptionist")
        if desk.demo:
            title = self.tr("{0} (demo: no real data)").format(title)
        self.setWindowTitle(self.tr("{0} – Receptionist").format(title))
        self.model = ScheduleModel(desk, self)
        # Whatever changes what the schedule shows, from here or another process.
        self.refresh = Refresh(desk.events, SCHEDULE_ENTITIES, self.model.reload, self)
        self.poll_timer = QTimer(self)  # writes by other processes: the CLI, sync
        self.poll_timer.setInterval(POLL_MS)
        self.poll_timer.timeout.connect(desk.events.poll)
        self.schedule = ScheduleView(self.model, desk.clock)
        self.actions_ = Actions(self)
        self.actions_.scope_to(self.schedule, self.actions_.book, self.actions_.card_menu)
        build_menus(self.menuBar(), self.actions_)
        self.navbar = NavBar(self.model, self.actions_, self)
        self.addToolBar(self.navbar)
        self.lock_screen = LockScreen(desk.clinic.name, self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.schedule)
        self.stack.addWidget(self.lock_screen)
        self.setCentralWidget(self.stack)
        self._build_status_bar()
        self.dialogs = messages.DialogSink(self)
        self.focus_back = FocusBack(self)  # a closed dialog hands the keyboard back
        self.status_ops = StatusOps(desk, self.model, self, cancel_factory)
        self.undo = install_undo(self, desk)  # Ctrl+Z and the status bar's Undo
        self.booking = BookingLauncher(desk, self.model, self)
        self.booking.add_to_menu_of(self.actions_.book)
        self._hidden: list[QDialog] = []
        self._docks: list[QDockWidget] = []  # panels the lock hid (they show patients)
        self._enabled: dict[QAction, bool] = {}
        self._connect()
        install_patients(self)
        install_visits(self)  # a card's "Open patient" and "Book next visit"
        install_today(self)
        install_reminders(self)
        install_pinboard(self)
        install_settings(self)
        install_conflicts(self)
        self.cloud_sync = install_cloud_sync(self)
        # A copy restored to look at: the banner, and no sync until it is adopted.
        self.copy_banner = install_restored_copy(self)
        self.help = install_help(self, self.schedule)
        icons.apply_action_icons(self)  # the actions the installs above added
        self.navbar.add_desk_actions(
            self.booking.action,
            self.named_action("quickFind"),
            self.named_action("todayBoard"),
            self.named_action("waitlist"),
            self.actions_.lock,
        )
        self.resize(1366, 768)

    def named_action(self, name: str) -> QAction | None:
        """The window's action ``action_<name>``, if something installed it."""
        found = self.findChild(QAction, f"action_{name}")
        return found if isinstance(found, QAction) else None

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setObjectName("statusBar")
        self.status_sink = messages.StatusBarSink(bar)
        self.user_label = QLabel(self)
        self.user_label.setObjectName("userLabel")
        self.user_label.setAccessibleName(self.tr("Signed-in user"))
        self.sync_status = SyncStatus(
            self.desk.sync, self, self.desk.clock.now, lambda: self.desk.clinic.tz
        )
        bar.addPermanentWidget(self.user_label)
        bar.addPermanentWidget(self.sync_status)
        self.google_status = install_google_status(self)
        self.sweep_note = install_sweep_note(self)
        self.userChanged.connect(self.sweep_note.refresh)  # only those who can sweep see it
        self.show_user()

    def _connect(self) -> None:
        a, m, view = self.actions_, self.model, self.schedule
        a.today.triggered.connect(m.go_today)
        a.previous.triggered.connect(lambda: m.step(-1))
        a.next.triggered.connect(lambda: m.step(+1))
        a.refresh.triggered.connect(m.reload)
        a.day_view.triggered.connect(lambda: m.set_mode("day"))
        a.week_view.triggered.connect(lambda: m.set_mode("week"))
        a.by_provider.triggered.connect(lambda: m.set_kind("provider"))
        a.by_room.triggered.connect(lambda: m.set_kind("room"))
        a.book.triggered.connect(view.activate_cursor)
        a.card_menu.triggered.connect(view.menu_at_cursor)
        a.lock.triggered.connect(self.lockRequested)
        a.quit.triggered.connect(self.quitRequested)
        a.about.triggered.connect(self.show_about)
        m.stateChanged.connect(self.sync_actions)
        view.statusRequested.connect(self.status_ops.set_status)
        view.cancelRequested.connect(self.status_ops.ask_cancel)
        view.appointmentActivated.connect(lambda _id: view.menu_at_cursor())
        view.bookRequested.connect(self.booking.book_at)
        view.roomBookRequested.connect(self.booking.book_in_room)

    def sync_actions(self) -> None:
        """Keep the checked Day/Week and Providers/Rooms actions true to the model."""
        a, m = self.actions_, self.model
        (a.day_view if m.mode == "day" else a.week_view).setChecked(True)
        (a.by_provider if m.kind == "provider" else a.by_room).setChecked(True)

    def start(self) -> None:
        """Follow the clinic's changes, load the first window of the schedule and put
        the keyboard on it."""
        self.desk.events.start()
        self.poll_timer.start()
        self.model.reload()
        if self.copy_banner is None:  # a copy restored to look at does not sync
            self.cloud_sync.start()  # after the schedule's load: the first paint comes first
        self.schedule.setFocus()

    def show_user(self) -> None:
        name = printable(self.desk.username, lines=False) or self.tr("signed out")
        self.user_label.setText(self.tr("Signed in: {0} ({1})").format(name, self.desk.actor.role))

    def show_about(self) -> None:
        text = self.tr("Receptionist {0}\nAn offline-first, encrypted front desk for clinics.")
        box = QMessageBox(
            QMessageBox.Icon.Information,
            self.tr("About Receptionist"),
            text.format(__version__),
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setObjectName("aboutBox")
        box.open()

    # --- the lock ----------------------------------------------------------------------
    def is_locked(self) -> bool:
        return self.stack.currentWidget() is self.lock_screen

    def lock(self) -> None:
        """Hide everything about patients; keep every widget (and what is typed in it)."""
        if self.is_locked():
            return
        if self.schedule.menu is not None:
            self.schedule.menu.close()
        self._hidden = [
            d
            for d in self.findChildren(QDialog)
            if d.isVisible() and d.objectName() != "signInDialog"
        ]
        for dialog in self._hidden:
            dialog.hide()
        self._docks = [d for d in self.findChildren(QDockWidget) if d.isVisible()]
        for dock in self._docks:
            dock.hide()
        self.undo.drop()
        self._enabled = {a: a.isEnabled() for a in self.findChildren(QAction)}
        for action in self._enabled:
            action.setEnabled(False)
        self.menuBar().setEnabled(False)
        self.navbar.hide()
        self.statusBar().clearMessage()
        self.user_label.hide()  # who was signed in is no business of the next person
        self.status_sink.paused = True
        self.stack.setCurrentWidget(self.lock_screen)

    def unlock(self, *, same_user: bool = True) -> None:
        """Back from the lock. The same user gets every window back as it was; another
        user gets none of them (they may hold patient data and unsaved edits that are
        not theirs to see or save)."""
        if not self.is_locked():
            return
        for action, enabled in self._enabled.items():
            action.setEnabled(enabled)
        self.menuBar().setEnabled(True)
        self.status_sink.paused = False
        self.user_label.show()
        self.navbar.show()
        self.stack.setCurrentWidget(self.schedule)
        self.show_user()
        for dock in self._docks:
            dock.show()
        self._docks = []
        if same_user:
            for dialog in self._hidden:
                dialog.show()
        else:
            self._forget_previous_user()
        self._hidden = []
        self.schedule.setFocus()
        self.model.reload()

    def _forget_previous_user(self) -> None:
        dropped = len(self._hidden)
        for dialog in self._hidden:
            dialog.setParent(None)
            dialog.deleteLater()
        self.userChanged.emit()
        if dropped:
            messages.info(
                self.tr(
                    "{0} window(s) left open by the previous user were closed; "
                    "their unsaved changes were not saved."
                ).format(dropped)
            )

    def unsaved_windows(self) -> list[QDialog]:
        """Open (or hidden by the lock) dialogs that say they hold unsaved changes."""
        found = []
        for dialog in self.findChildren(QDialog):
            if not (dialog.isVisible() or dialog in self._hidden):
                continue  # closed (kept for reuse): what it held was left on purpose
            unsaved = getattr(dialog, "unsaved", None)
            if callable(unsaved) and unsaved():
                found.append(dialog)
        return found

    def closeEvent(self, event: QCloseEvent) -> None:
        # Start-up decides (it may ask about unsaved changes) and hides the window.
        event.ignore()
        self.quitRequested.emit()
