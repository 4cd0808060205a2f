"""Settings → Google (``googlePage``): connect the clinic's Google account (the browser
flow, which may be cancelled while it waits, or an authorized-user file made
elsewhere), disconnect it, see how sync stands (``googleaccount``), map each provider
to a calendar of the account (``googlemap``, ``googlecalendarwork``), and choose what
an event says of the patient and which PC is the Google station (``googleevents``).

Each choice applies at once (a calendar picked, a title chosen, a station code
entered): the page holds no unsaved edits for the dialog to lose. Choosing to send
initials or full names asks first (``confirm_names``), with a plain warning; so does
removing a provider's calendar (``confirm_unmap``), and picking a calendar that shows
another provider's appointments offers to swap the two (``confirm_swap``).

Database work runs on the database worker (``DbOp``); every Google call (the calendar
list, making a calendar, the account's address) on the one Google thread
(``ui.googlework``); the browser sign-in on a thread of its own (it makes no httplib2
call and may wait minutes), so Google sync's rounds never wait behind it. Connecting
needs "keys.manage" (an administrator); the rest "clinic.configure". ``choose_file``
and the ``confirm_...`` questions are injectable for tests (``googleask``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollArea, QTabWidget, QVBoxLayout, QWidget

from receptionist.google import account
from sync.google import worker
from sync.google.connect import Cancelled, SignIn

from ..coretext import exception_text, translated
from ..desk import Desk
from ..googlework import on_google
from ..tasks import DbOp
from . import googledata as data
from .googleaccount import AccountBox
from .googleask import ChooseFile, Confirm, ask, ask_for_file, ask_names
from .googlecalendarwork import CalendarWork
from .googleevents import TITLES, EventsBox
from .googlemap import CalendarsBox

if TYPE_CHECKING:
    from .dialog import SettingsDialog


class GooglePage(QScrollArea):
    loaded = Signal()
    calendarsRead = Signal()
    failed = Signal(str)  # what the note says
    signInEnded = Signal()  # the browser sign-in ended: signed in, failed or cancelled

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("googlePage")
        self.setWidgetResizable(True)
        # Never sideways: the boxes fit the dialog's width; a sideways bar only ate height.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.desk = desk
        self.choose_file: ChooseFile = ask_for_file
        self.confirm_names: Confirm = ask_names
        self.confirm_unmap: Confirm = ask
        self.confirm_swap: Confirm = ask
        self.page_data: data.PageData | None = None
        self.signing: SignIn | None = None  # the browser sign-in under way
        self.may_connect = desk.actor.may("keys.manage")
        self.may_configure = desk.actor.may("clinic.configure")
        inner = QWidget(self)
        self._build(inner)
        self.setWidget(inner)
        self.work = CalendarWork(self)
        self.enable(busy=False)

    def _build(self, inner: QWidget) -> None:
        box, events = AccountBox(inner), EventsBox(inner)
        self.account, self.last_round = box.account, box.last_round
        self.connect_button, self.file_button = box.connect_button, box.file_button
        self.disconnect_button, self.cancel_button = box.disconnect_button, box.cancel_button
        self.account_box, self.events = box, events
        self.titles, self.title_warning = events.titles, events.title_warning
        self.station, self.station_note = events.station, events.station_note
        self.connect_button.clicked.connect(self.connect_in_browser)
        self.file_button.clicked.connect(self.connect_from_file)
        self.disconnect_button.clicked.connect(self.disconnect_account)
        self.cancel_button.clicked.connect(self.cancel_sign_in)
        self.titles.idClicked.connect(self.choose_title)
        self.station.editingFinished.connect(self.save_station)
        layout = QVBoxLayout(inner)
        top = QHBoxLayout()  # side by side, so the page fits 1366×768 without scrolling
        top.addWidget(box, 1)
        top.addWidget(events, 1)
        layout.addLayout(top)
        self.note = QLabel(inner)  # what the last action did, in sight at the top
        self.note.setObjectName("googleNote")
        self.note.setWordWrap(True)
        self.note.setAccessibleName(self.tr("What happened"))
        layout.addWidget(self.note)
        self.calendars = CalendarsBox(inner)
        layout.addWidget(self.calendars, 1)

    # --- showing -----------------------------------------------------------------------
    def refresh(self) -> None:
        ctx = self.desk.ctx()
        op = DbOp(self.desk.tasks, lambda db: data.read(db, ctx), self)
        op.success(self.show_data).failure(self._failed).run()

    def show_data(self, found: data.PageData) -> None:
        self.page_data = found
        self.account_box.show_status(found.status, self.desk.clinic.tz)
        self.events.show_station(found.status.station)
        self.calendars.show_rows(
            found.providers, {m.provider_id: m.calendar_id for m in found.status.calendars}
        )
        self.events.check_title(found.summary)
        self.station.setText(found.station)
        self.enable(busy=False)
        self.loaded.emit()

    def enable(self, *, busy: bool) -> None:
        connected = self.page_data is not None and self.page_data.status.connected
        for button in (self.connect_button, self.file_button):
            button.setEnabled(self.may_connect and not busy)
        self.disconnect_button.setEnabled(self.may_connect and connected and not busy)
        for button in (self.calendars.load_button, self.calendars.create_button):
            button.setEnabled(self.may_configure and connected and not busy)
        self.calendars.unmap_button.setEnabled(self.may_configure and not busy)
        self.calendars.setEnabled(self.may_configure)
        self.station.setReadOnly(not self.may_configure)
        for choice in self.titles.buttons():
            choice.setEnabled(self.may_configure)

    def say(self, text: str) -> None:
        self.note.setText(text)

    def _failed(self, exc: BaseException) -> None:
        google = data.as_message(exc)
        text = translated(google) if google is not None else exception_text(exc)
        self.say(text)
        self.enable(busy=False)
        self.failed.emit(text)

    # --- connecting --------------------------------------------------------------------
    def connect_in_browser(self) -> None:
        path = self.choose_file(self, self.tr("The clinic's OAuth client file (desktop app)"))
        if not path:
            return
        self.say(self.tr("A browser window opens: sign in to Google there and allow access."))
        signing = self.signing = SignIn()
        self.cancel_button.setEnabled(True)
        self.cancel_button.show()
        self.enable(busy=True)
        on_google(self.desk.tasks, lambda: data.sign_in(signing, Path(path)), self._signed_in,
                  self._not_signed_in, self, run_on=worker.apart)  # fmt: skip

    def cancel_sign_in(self) -> None:
        """Stop waiting for the browser: its redirect server shuts; nothing connects."""
        if self.signing is not None:
            self.signing.cancel()
            self.cancel_button.setEnabled(False)

    def _signed_in(self, info: dict[str, str]) -> None:
        self.signing = None
        self.cancel_button.hide()
        self.signInEnded.emit()
        self.on_google(lambda: data.named(info), self._store)

    def _not_signed_in(self, exc: BaseException) -> None:
        self.signing = None
        self.cancel_button.hide()
        if isinstance(exc, Cancelled):
            self.say(self.tr("Sign-in cancelled; nothing was connected."))
            self.enable(busy=False)
        else:
            self._failed(exc)
        self.signInEnded.emit()

    def connect_from_file(self) -> None:
        path = self.choose_file(self, self.tr("An authorized-user JSON file"))
        if path:
            self.on_google(lambda: data.from_file(Path(path)), self._store)

    def _store(self, info: dict[str, str]) -> None:
        ctx = self.desk.ctx()

        def done(found: tuple[account.Connected, data.PageData]) -> None:
            connected, shown = found
            self.show_data(shown)
            self.say(self._connected_text(connected))

        op = DbOp(self.desk.tasks, lambda db: data.connect(db, ctx, info), self)
        op.success(done).failure(self._failed).run()

    def _connected_text(self, done: account.Connected) -> str:
        if not done.switched:
            return self.tr("Google account connected.")
        text = self.tr(
            "Connected {0}, a different account than {1}: the providers' calendars were "
            "{1}'s, so their mapping was let go ({2} providers), with what this PC knew of "
            "their events. The appointments here are untouched; map each provider to a "
            "calendar of {0} and they are sent there."
        )
        return text.format(done.account, done.previous, done.unmapped)

    def disconnect_account(self) -> None:
        ctx = self.desk.ctx()
        said = self.tr("Disconnected: Google sync stops here; the calendars' mapping is kept.")
        self.on_db(lambda db: data.disconnect(db, ctx), said)

    # --- events and station ------------------------------------------------------------
    def choose_title(self, at: int) -> None:
        """A title chosen: names or initials only once confirmed; saved at once."""
        found = self.page_data
        current = found.summary if found is not None else TITLES[0]
        title = TITLES[at]
        if title == current:
            return
        if at > 0 and not self.confirm_names(self, self.title_warning.text()):
            self.events.check_title(current)
            return
        ctx = self.desk.ctx()
        said = self.tr("Event titles saved; Google follows at the next round.")
        self.on_db(lambda db: data.save_setting(db, ctx, data.SUMMARY, title), said)

    def save_station(self) -> None:
        found = self.page_data
        code = self.station.text().strip().upper()
        if found is None or code == found.station or not self.may_configure:
            return
        ctx = self.desk.ctx()
        self.on_db(lambda db: data.save_setting(db, ctx, data.STATION, code), self.tr("Saved."))

    # --- running -----------------------------------------------------------------------
    def with_credentials(self, then: Callable[[str], None]) -> None:
        self.enable(busy=True)
        op = DbOp(self.desk.tasks, data.kept_credentials, self)
        op.success(then).failure(self._failed).run()

    def on_google(self, work: Callable[[], object], then: Callable[..., None]) -> None:
        self.enable(busy=True)
        on_google(self.desk.tasks, work, then, self._failed, self)

    def on_db(self, work: Callable[..., data.PageData], said: str) -> None:
        self.enable(busy=True)

        def done(found: data.PageData) -> None:
            self.show_data(found)
            self.say(said)

        DbOp(self.desk.tasks, work, self).success(done).failure(self._failed).run()


def install(dialog: SettingsDialog, tabs: QTabWidget) -> GooglePage:
    """The Google tab of ``dialog``, read whenever the dialog is."""
    page = GooglePage(dialog.desk, dialog)
    tabs.addTab(page, dialog.tr("&Google"))
    dialog.loaded.connect(page.refresh)
    dialog.finished.connect(page.cancel_sign_in)  # closed: the browser's wait ends too
    return page
