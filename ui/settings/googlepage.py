"""Settings → Google (``googlePage``): connect the clinic's Google account (the browser
flow, or an authorized-user file made elsewhere), disconnect it, see how sync stands
(the account, the last round and its counts, "needs reconnect"; on the other PCs,
as the Google station shared it), map each provider to
a calendar of the account, and choose what an event says of the patient and which
PC is the Google station.

Each choice applies at once (a calendar picked, a title chosen, a station code
entered): the page holds no unsaved edits for the dialog to lose. Choosing to send
initials or full names asks first (``confirm_names``), with a plain warning; so does
removing a provider's calendar (``confirm_unmap``), and picking a calendar that shows
another provider's appointments offers to swap the two (``confirm_swap``).

Database work runs on the database worker (``DbOp``); every Google call (the browser
flow, the calendar list, making a calendar) on the one Google thread
(``ui.googlework``). Connecting needs "keys.manage" (an administrator); the rest
"clinic.configure". ``choose_file`` and the ``confirm_...`` questions are injectable
for tests.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from receptionist.google import account
from receptionist.google.calendars import Mapping
from receptionist.google.shared import Shared
from receptionist.google.status import GoogleStatus
from sync.google import worker
from sync.google.account import CalendarChoice
from sync.google.connect import Cancelled, SignIn

from ..coretext import exception_text, translated
from ..desk import Desk
from ..googlework import on_google
from ..tasks import DbOp
from . import googledata as data
from .googlemap import CalendarsBox

if TYPE_CHECKING:
    from .dialog import SettingsDialog

ChooseFile = Callable[[QWidget, str], str | None]
Confirm = Callable[[QWidget, str], bool]
TITLES = ("service", "initials", "full_name")


def ask_for_file(parent: QWidget, caption: str) -> str | None:
    found, _filter = QFileDialog.getOpenFileName(parent, caption, "", "JSON (*.json)")
    return found or None


def ask_names(parent: QWidget, warning: str) -> bool:
    box = QMessageBox(QMessageBox.Icon.Warning, parent.tr("Send patients' names?"), warning,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                      parent)  # fmt: skip
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Yes


def ask(parent: QWidget, question: str) -> bool:
    """A yes-or-cancel question about the providers' calendars (Cancel by default)."""
    box = QMessageBox(QMessageBox.Icon.Question, parent.tr("Google calendars"), question,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                      parent)  # fmt: skip
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Yes


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
        layout = QVBoxLayout(inner)
        top = QHBoxLayout()  # side by side, so the page fits 1366×768 without scrolling
        top.addWidget(self._account_box(), 1)
        top.addWidget(self._settings_box(), 1)
        layout.addLayout(top)
        self.note = QLabel(inner)  # what the last action did, in sight at the top
        self.note.setObjectName("googleNote")
        self.note.setWordWrap(True)
        self.note.setAccessibleName(self.tr("What happened"))
        layout.addWidget(self.note)
        self.calendars = CalendarsBox(inner)
        layout.addWidget(self.calendars, 1)
        self.setWidget(inner)
        self.calendars.load_button.clicked.connect(self.read_calendars)
        self.calendars.create_button.clicked.connect(self.make_calendar)
        self.calendars.chosen.connect(self.map_calendar)
        self.calendars.unmap_button.clicked.connect(self.unmap_selected)
        self._enable(busy=False)

    # --- building ----------------------------------------------------------------------
    def _account_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Google account"), self)
        self.account = QLabel(box)
        self.account.setObjectName("googleAccount")
        self.account.setWordWrap(True)
        self.last_round = QLabel(box)
        self.last_round.setObjectName("googleLastRound")
        self.last_round.setWordWrap(True)
        self.connect_button = self._button(
            box, "googleConnect", self.tr("Co&nnect in the browser…")
        )
        self.file_button = self._button(
            box, "googleConnectFile", self.tr("Connect with an &authorized-user file…")
        )
        self.disconnect_button = self._button(box, "googleDisconnect", self.tr("&Disconnect"))
        self.cancel_button = self._button(box, "googleCancelSignIn", self.tr("&Cancel sign-in"))
        self.cancel_button.hide()  # shown while the browser sign-in waits
        self.cancel_button.clicked.connect(self.cancel_sign_in)
        self.connect_button.clicked.connect(self.connect_in_browser)
        self.file_button.clicked.connect(self.connect_from_file)
        self.disconnect_button.clicked.connect(self.disconnect_account)
        # Two rows of buttons: the box sits beside "Events and station" and both must fit
        # the dialog's width at 1366×768 (a third button in the row made it scroll sideways).
        row = QHBoxLayout()
        for button in (self.connect_button, self.file_button):
            row.addWidget(button)
        row.addStretch(1)
        second = QHBoxLayout()
        second.addWidget(self.disconnect_button)
        second.addWidget(self.cancel_button)
        second.addStretch(1)
        layout = QVBoxLayout(box)
        layout.addWidget(self.account)
        layout.addWidget(self.last_round)
        layout.addLayout(row)
        layout.addLayout(second)
        return box

    def _settings_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Events and station"), self)
        self.titles = QButtonGroup(box)
        names = {
            "service": self.tr("The service only (“Appointment – Check-up”)"),
            "initials": self.tr("The patient's initials and the service"),
            "full_name": self.tr("The patient's full name and the service"),
        }
        column = QVBoxLayout()
        for at, key in enumerate(TITLES):
            button = QRadioButton(names[key], box)
            button.setObjectName(f"googleTitle_{key}")
            self.titles.addButton(button, at)
            column.addWidget(button)
        self.title_warning = QLabel(box)
        self.title_warning.setObjectName("googleTitleWarning")
        self.title_warning.setWordWrap(True)
        self.title_warning.setText(
            self.tr(
                "Warning: patients' names or initials will be in Google, outside this "
                "clinic's encrypted file, seen by whoever sees the calendar. Each sending is "
                "recorded, and a patient may ask to see the record."
            )
        )
        column.addWidget(self.title_warning)
        self.titles.idClicked.connect(self.choose_title)
        self.station = QLineEdit(box)
        self.station.setObjectName("googleStation")
        self.station.setMaxLength(4)
        self.station.setMaximumWidth(80)
        self.station.setAccessibleName(self.tr("Google station"))
        self.station_note = QLabel(box)
        self.station_note.setObjectName("googleStationNote")
        self.station_note.setWordWrap(True)
        self.station.editingFinished.connect(self.save_station)
        form = QFormLayout(box)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)  # narrow beside the account
        form.addRow(self.tr("Event title"), column)
        form.addRow(self.tr("Google station (PC code)"), self.station)
        form.addRow("", self.station_note)
        return box

    def _button(self, parent: QWidget, name: str, text: str) -> QPushButton:
        button = QPushButton(text, parent)
        button.setObjectName(name)
        button.setAutoDefault(False)
        return button

    # --- showing -----------------------------------------------------------------------
    def refresh(self) -> None:
        ctx = self.desk.ctx()
        op = DbOp(self.desk.tasks, lambda db: data.read(db, ctx), self)
        op.success(self.show_data).failure(self._failed).run()

    def show_data(self, found: data.PageData) -> None:
        self.page_data = found
        self._show_status(found.status)
        self.calendars.show_rows(
            found.providers, {m.provider_id: m.calendar_id for m in found.status.calendars}
        )
        self._check_title(found.summary)
        self.station.setText(found.station)
        self._enable(busy=False)
        self.loaded.emit()

    def _show_status(self, found: GoogleStatus) -> None:
        if found.station.elsewhere:
            self._show_elsewhere(found.station.elsewhere, found.shared)
        else:
            self._show_here(found)
        here = found.station
        if here.elsewhere:
            text = self.tr("PC {0} runs Google sync; above is its state as it shared it. This PC "
                           "is {1}.")  # fmt: skip
            self.station_note.setText(text.format(here.elsewhere, here.here))
        elif here.is_here:
            self.station_note.setText(self.tr("This PC ({0}) runs Google sync.").format(here.here))
        else:
            text = self.tr("No PC runs Google sync yet: name one. This PC is {0}.")
            self.station_note.setText(text.format(here.here))

    def _show_elsewhere(self, pc: str, found: Shared | None) -> None:
        """The station's state as it shared it (cloud sync brings it here)."""
        if found is None:
            text = self.tr("PC {0} runs Google sync; how it stands shows here once PC {0} has "
                           "shared it through cloud sync.")  # fmt: skip
        elif not found.connected:
            text = self.tr("No Google account is connected on PC {0}, the Google station.")
        elif found.status == "needs_reconnect":
            text = self.tr(
                "Needs reconnect on PC {0}: Google refused the account (revoked or expired). "
                "Google sync is paused there and what waits is kept; connect again on PC {0}."
            )
        else:
            text = self.tr("Connected on PC {0}, the Google station.")
        self.account.setText(text.format(pc))
        self.last_round.setText(self._shared_round(pc, found) if found is not None else "")

    def _shared_round(self, pc: str, found: Shared) -> str:
        if found.last_round_at is None:
            return self.tr("No round yet on PC {0}.").format(pc)
        when = found.last_round_at.astimezone(self.desk.clinic.tz).strftime("%Y-%m-%d %H:%M")
        c = found.counts
        text = self.tr(
            "Last round on PC {0} at {1} ({2}): {3} created, {4} updated, {5} deleted, "
            "{6} blocked, {7} for the desk, {8} errors."
        )
        return text.format(
            pc, when, self._status_word(found.status), c.get("created", 0),
            c.get("updated", 0), c.get("deleted", 0), c.get("blocked", 0),
            c.get("conflicts", 0), c.get("errors", 0),
        )  # fmt: skip

    def _show_here(self, found: GoogleStatus) -> None:
        if not found.connected:
            self.account.setText(self.tr("No Google account is connected on this PC."))
        elif found.status == "needs_reconnect":
            self.account.setText(
                self.tr(
                    "Needs reconnect: Google refused the account (revoked or expired). Google "
                    "sync is paused and what waits is kept; connect again."
                )
            )
        else:
            who = found.account or self.tr("an account (its address shows once read)")
            self.account.setText(self.tr("Connected: {0}").format(who))
        self.last_round.setText(self._round_text(found))

    def _round_text(self, found: GoogleStatus) -> str:
        if found.last_round_at is None:
            return self.tr("No round yet; {0} waiting.").format(found.waiting)
        when = found.last_round_at.astimezone(self.desk.clinic.tz).strftime("%Y-%m-%d %H:%M")
        c = found.last_counts
        text = self.tr(
            "Last round {0} ({1}): {2} created, {3} updated, {4} deleted, {5} blocked, "
            "{6} for the desk, {7} errors; {8} waiting."
        )
        return text.format(
            when, self._status_word(found.status), c.get("created", 0), c.get("updated", 0),
            c.get("deleted", 0), c.get("blocked", 0), c.get("conflicts", 0),
            c.get("errors", 0), found.waiting,
        )  # fmt: skip

    def _status_word(self, status: str) -> str:
        return {
            "ok": self.tr("done"),
            "needs_reconnect": self.tr("needs reconnect"),
            "quota": self.tr("paused: daily quota spent"),
            "offline": self.tr("Google not reached"),
            "error": self.tr("some requests failed"),
        }.get(status, status)

    def _check_title(self, title: str) -> None:
        button = self.titles.button(TITLES.index(title) if title in TITLES else 0)
        if button is not None:
            button.setChecked(True)
        self.title_warning.setVisible(self.titles.checkedId() > 0)

    def _enable(self, *, busy: bool) -> None:
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

    def _say(self, text: str) -> None:
        self.note.setText(text)

    def _failed(self, exc: BaseException) -> None:
        google = data.as_message(exc)
        text = translated(google) if google is not None else exception_text(exc)
        self._say(text)
        self._enable(busy=False)
        self.failed.emit(text)

    # --- connecting --------------------------------------------------------------------
    def connect_in_browser(self) -> None:
        path = self.choose_file(self, self.tr("The clinic's OAuth client file (desktop app)"))
        if not path:
            return
        self._say(self.tr("A browser window opens: sign in to Google there and allow access."))
        signing = self.signing = SignIn()
        self.cancel_button.setEnabled(True)
        self.cancel_button.show()
        self._enable(busy=True)
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
        self._on_google(lambda: data.named(info), self._store)

    def _not_signed_in(self, exc: BaseException) -> None:
        self.signing = None
        self.cancel_button.hide()
        if isinstance(exc, Cancelled):
            self._say(self.tr("Sign-in cancelled; nothing was connected."))
            self._enable(busy=False)
        else:
            self._failed(exc)
        self.signInEnded.emit()

    def connect_from_file(self) -> None:
        path = self.choose_file(self, self.tr("An authorized-user JSON file"))
        if path:
            self._on_google(lambda: data.from_file(Path(path)), self._store)

    def _store(self, info: dict[str, str]) -> None:
        ctx = self.desk.ctx()

        def done(found: tuple[account.Connected, data.PageData]) -> None:
            connected, shown = found
            self.show_data(shown)
            self._say(self._connected_text(connected))

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
        self._db(lambda db: data.disconnect(db, ctx), said)

    # --- calendars ---------------------------------------------------------------------
    def read_calendars(self) -> None:
        def got(kept: str) -> None:
            self._on_google(lambda: data.calendar_choices(kept), self._show_choices)

        self._with_credentials(got)

    def _show_choices(self, choices: list[CalendarChoice]) -> None:
        self.calendars.show_choices(choices)
        self._enable(busy=False)
        self._say(self.tr("{0} calendars read from the account.").format(len(choices)))
        self.calendarsRead.emit()

    def make_calendar(self) -> None:
        chosen, found = self.calendars.selected(), self.page_data
        if chosen is None or found is None:
            return
        provider_id, name = chosen

        def got(kept: str) -> None:
            def made(calendar_id: str) -> None:
                self.calendars.choose(provider_id, calendar_id)
                ctx = self.desk.ctx()
                wanted = {provider_id: calendar_id}
                said = self.tr("Calendar “Receptionist – {0}” made and mapped.").format(name)
                self._db(lambda db: data.save_mapping(db, ctx, wanted), said)

            self._on_google(lambda: data.new_calendar(kept, name, found.zone), made)

        self._with_credentials(got)

    def map_calendar(self, provider_id: str, calendar_id: str) -> None:
        """A calendar picked (or typed) for a provider: mapped at once."""
        found = self.page_data
        mapped = {m.provider_id: m.calendar_id for m in found.status.calendars} if found else {}
        if calendar_id == mapped.get(provider_id, ""):
            return
        if not calendar_id:  # "(not sent to Google)" picked: the mapping goes, once confirmed
            self.unmap_provider(provider_id)
            return
        holder = next(
            (m for m in found.status.calendars if m.calendar_id == calendar_id.strip()), None
        ) if found else None  # fmt: skip
        if holder is not None and provider_id in mapped:
            self._offer_swap(provider_id, holder, mapped[provider_id])
            return
        ctx, wanted = self.desk.ctx(), {provider_id: calendar_id}
        said = self.tr("Calendar saved; its appointments go at the next round.")
        self._db(lambda db: data.save_mapping(db, ctx, wanted), said)

    def _offer_swap(self, provider_id: str, holder: Mapping, own: str) -> None:
        """A calendar that shows another provider's appointments picked: the two
        providers' calendars swapped in one step, once confirmed."""
        name = dict(self.page_data.providers if self.page_data else ()).get(provider_id, "")
        question = self.tr(
            "{0} shows {1}'s appointments. Swap the two calendars: {2}'s appointments to "
            "{0}, {1}'s to {3}?"
        ).format(holder.calendar_id, holder.provider, name, own)
        if not self.confirm_swap(self, question):
            self.calendars.choose(provider_id, own)
            return
        ctx = self.desk.ctx()
        wanted = {provider_id: holder.calendar_id, holder.provider_id: own}
        said = self.tr("Calendars swapped; the appointments move at the next round.")
        self._db(lambda db: data.save_mapping(db, ctx, wanted), said)

    def unmap_selected(self) -> None:
        chosen = self.calendars.selected()
        if chosen is not None:
            self.unmap_provider(chosen[0])

    def unmap_provider(self, provider_id: str) -> None:
        """Stop sending a provider's appointments to Google, once confirmed."""
        found = self.page_data
        mapped = {m.provider_id: m for m in found.status.calendars} if found else {}
        names = dict(found.providers) if found else {}
        current = mapped.get(provider_id)
        if current is None:
            name = names.get(provider_id, "")
            self._say(self.tr("{0} has no Google calendar.").format(name))
            return
        question = self.tr(
            "Stop sending {0}'s appointments to Google? The events already in {1} stay "
            "there (remove them in Google if they should go), and that calendar's own events "
            "no longer block {0}'s time here."
        ).format(current.provider, current.calendar_id)
        if not self.confirm_unmap(self, question):
            self.calendars.choose(provider_id, current.calendar_id)
            return
        ctx = self.desk.ctx()
        said = self.tr("{0}'s appointments no longer go to Google; the events sent stay there.")
        self._db(lambda db: data.unmap(db, ctx, provider_id), said.format(current.provider))

    def choose_title(self, at: int) -> None:
        """A title chosen: names or initials only once confirmed; saved at once."""
        found = self.page_data
        current = found.summary if found is not None else TITLES[0]
        title = TITLES[at]
        if title == current:
            return
        if at > 0 and not self.confirm_names(self, self.title_warning.text()):
            self._check_title(current)
            return
        ctx = self.desk.ctx()
        said = self.tr("Event titles saved; Google follows at the next round.")
        self._db(lambda db: data.save_setting(db, ctx, data.SUMMARY, title), said)

    def save_station(self) -> None:
        found = self.page_data
        code = self.station.text().strip().upper()
        if found is None or code == found.station or not self.may_configure:
            return
        ctx = self.desk.ctx()
        self._db(lambda db: data.save_setting(db, ctx, data.STATION, code), self.tr("Saved."))

    # --- running -----------------------------------------------------------------------
    def _with_credentials(self, then: Callable[[str], None]) -> None:
        self._enable(busy=True)
        op = DbOp(self.desk.tasks, data.kept_credentials, self)
        op.success(then).failure(self._failed).run()

    def _on_google(self, work: Callable[[], object], then: Callable[..., None]) -> None:
        self._enable(busy=True)
        on_google(self.desk.tasks, work, then, self._failed, self)

    def _db(self, work: Callable[..., data.PageData], said: str) -> None:
        self._enable(busy=True)

        def done(found: data.PageData) -> None:
            self.show_data(found)
            self._say(said)

        DbOp(self.desk.tasks, work, self).success(done).failure(self._failed).run()


def install(dialog: SettingsDialog, tabs: QTabWidget) -> GooglePage:
    """The Google tab of ``dialog``, read whenever the dialog is."""
    page = GooglePage(dialog.desk, dialog)
    tabs.addTab(page, dialog.tr("&Google"))
    dialog.loaded.connect(page.refresh)
    return page
