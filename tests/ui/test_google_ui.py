"""Settings → Google and the status bar's "Google: …" field, against the loopback
Google of tests/google (``fakegoogle``): connect from an authorized-user file, read the
account's calendars, map a provider, make a calendar, the event-title setting with
its warning, the station; every Google call on the one Google thread."""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import urllib.request
import webbrowser
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QLocale, QTime
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from receptionist.context import Actor, Ctx
from receptionist.google import account, calendars
from receptionist.google import status as google_status
from receptionist.google.station import Station
from receptionist.google.status import Brief
from receptionist.models import AuditEvent, SyncState
from receptionist.ops import catalog
from receptionist.ops import settings as settings_ops
from receptionist.settings import clinicstore
from receptionist.settings.google import SHARED
from receptionist.store.storage import Database
from sync.google import round as google_round
from sync.google import service, worker
from sync.google.worker import on_google_thread
from ui.app import stylesheet
from ui.desk import Desk
from ui.googlestatus import words
from ui.mainwindow import MainWindow
from ui.settings import googledata
from ui.settings.dialog import SettingsDialog
from ui.settings.googlepage import GooglePage

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "google"))
from factories import make_provider
from fakegoogle import ACCOUNT, FakeGoogle, serving

INFO = {"client_id": "cid", "client_secret": "shh", "refresh_token": "refresh-1"}
WAIT = 10_000


@pytest.fixture
def google(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGoogle]:
    with serving() as fake:
        monkeypatch.setenv("RECEPTIONIST_GOOGLE_API_ENDPOINT", fake.api)
        monkeypatch.setenv("RECEPTIONIST_GOOGLE_TOKEN_URI", fake.token_uri)
        yield fake


@pytest.fixture
def threads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The thread each Calendar client was built on (every Google call uses one)."""
    seen: list[str] = []
    real = service.build

    def build(info: dict[str, str], **kwargs: Any) -> Any:
        seen.append(threading.current_thread().name)
        return real(info, **kwargs)

    monkeypatch.setattr(service, "build", build)
    from sync.google import account as google_account

    monkeypatch.setattr(google_account, "build", build)
    return seen


@pytest.fixture
def page(qtbot: QtBot, desk: Desk, google: FakeGoogle, tmp_path: Path) -> GooglePage:
    desk.actor = Actor(user_id="u1", role="admin", source="ui")
    dialog = SettingsDialog(desk)
    qtbot.addWidget(dialog)
    found = dialog.google
    user_file = tmp_path / "authorized_user.json"
    user_file.write_text(json.dumps(INFO), "utf-8")

    def choose(_parent: QWidget, _caption: str) -> str:
        return str(user_file)

    found.choose_file = choose
    with qtbot.waitSignal(found.loaded, timeout=WAIT):
        dialog.load()
    return found


def connect(qtbot: QtBot, page: GooglePage) -> None:
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.file_button.click()


class Asked(list[str]):
    """A confirmation's stand-in for the page: each question asked, in order, answered
    ``answer`` (No until a test sets it)."""

    answer = False

    def __call__(self, _parent: QWidget, question: str) -> bool:
        self.append(question)
        return self.answer


def db_of(desk: Desk) -> Database:
    assert desk.tasks.db is not None
    return desk.tasks.db


def test_connect_read_the_calendars_and_map_a_provider(
    qtbot: QtBot,
    desk: Desk,
    page: GooglePage,
    google: FakeGoogle,
    threads: list[str],
    tmp_path: Path,
) -> None:
    assert "No Google account" in page.account.text()
    assert not page.calendars.load_button.isEnabled()  # nothing to read before connecting
    ayse_calendar = google.add_calendar("Ayşe's clinic days")
    connect(qtbot, page)
    assert page.account.text() == f"Connected: {ACCOUNT}"
    assert "No round yet" in page.last_round.text()
    assert page.disconnect_button.isEnabled() and page.calendars.load_button.isEnabled()
    with qtbot.waitSignal(page.calendarsRead, timeout=WAIT):
        page.calendars.load_button.click()
    combo = page.calendars.combo(0)
    assert page.calendars.table.item(0, 0).text() == "Dr. Ayşe Demir"
    at = combo.findData(ayse_calendar)
    combo.setCurrentIndex(at)
    with qtbot.waitSignal(page.loaded, timeout=WAIT):  # picked: mapped at once
        combo.activated.emit(at)
    mapped = google_status.status(db_of(desk)).calendars
    assert [(m.provider, m.calendar_id) for m in mapped] == [("Dr. Ayşe Demir", ayse_calendar)]
    assert threads and all(name.startswith("google") for name in threads), threads
    dialog = page.window()
    assert isinstance(dialog, SettingsDialog)
    dialog.tabs.setCurrentWidget(page)
    dialog.show()
    assert dialog.grab().save(str(tmp_path / "google-page.png"))
    kept = json.loads(account.kept(db_of(desk)) or "{}")
    assert kept["account"] == ACCOUNT and kept["refresh_token"] == INFO["refresh_token"]
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.disconnect_button.click()
    assert "No Google account" in page.account.text()
    assert account.kept(db_of(desk)) is None
    assert google_status.status(db_of(desk)).calendars == mapped  # the mapping is kept


def test_another_account_connected_says_the_mapping_was_let_go(
    qtbot: QtBot, desk: Desk, page: GooglePage, google: FakeGoogle
) -> None:
    connect(qtbot, page)
    assert page.note.text() == "Google account connected."
    calendars.map_provider(db_of(desk), desk.ctx(), "Ayşe", "primary")
    other = "other.clinic@example.com"
    google.calendars = {other: {"id": other, "summary": other, "primary": True,
                                "accessRole": "owner"}}  # fmt: skip
    connect(qtbot, page)
    said = page.note.text()
    assert f"Connected {other}, a different account than {ACCOUNT}" in said
    assert "appointments here are untouched" in said
    assert google_status.status(db_of(desk)).calendars == []
    assert page.calendars.calendar_at(0) == ""  # shown as not sent to Google
    assert page.account.text() == f"Connected: {other}"


def test_the_page_fits_1366x768_with_six_providers(
    qtbot: QtBot, desk: Desk, page: GooglePage, google: FakeGoogle, tmp_path: Path
) -> None:
    """Six providers, connected, a round done, initials in the titles (its warning
    shown), a long note, in the app's own style: no scrollbar on the page, and every
    provider's row in sight."""
    admin = Ctx(Actor(user_id="u1", role="admin", source="ui"), desk.clock)
    db = db_of(desk)
    with db.write() as s:
        for name in ("Dr. Cem Yıldız", "Dr. Deniz Aydın", "Dr. Elif Şahin", "Dr. Fatma Koç"):
            make_provider(s, admin, name)
    connect(qtbot, page)
    ids = [p.id for p in catalog.providers(db, admin)]
    calendars.map_many(db, admin, {p: google.add_calendar(f"Cal {p[:4]}") for p in ids})
    settings_ops.set_value(db, admin, "google.summary", "initials")
    assert round_on_twin(desk, google) == "ok"
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.refresh()
    with qtbot.waitSignal(page.calendarsRead, timeout=WAIT):
        page.calendars.load_button.click()
    page.cancel_button.show()  # as while a sign-in waits
    page.say(page._connected_text(account.Connected("new@example.com", ACCOUNT, 6)))
    dialog = page.window()
    assert isinstance(dialog, SettingsDialog)
    dialog.setStyleSheet(stylesheet())
    dialog.tabs.setCurrentWidget(page)
    dialog.show()
    assert dialog.width() <= 1366 and dialog.height() <= 768 - 40 - 30
    for _ in range(3):
        QApplication.sendPostedEvents()
        QApplication.processEvents()
    picture = dialog.grab()
    assert picture.save(str(tmp_path / "google-six.png"))
    if os.environ.get("GOOGLE_SHOTS"):
        picture.save(str(Path(os.environ["GOOGLE_SHOTS"]) / "google-six.png"))
    assert page.calendars.table.rowCount() == 6
    assert page.verticalScrollBar().maximum() == 0, "the page scrolls"
    assert page.calendars.table.verticalScrollBar().maximum() == 0, "a provider is out of sight"


def test_make_a_calendar_for_the_selected_provider(
    qtbot: QtBot, desk: Desk, page: GooglePage, google: FakeGoogle
) -> None:
    connect(qtbot, page)
    page.calendars.table.selectRow(1)
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.calendars.create_button.click()
    made = [c for c in google.calendars.values() if c["summary"].startswith("Receptionist")]
    assert [(c["summary"], c["timeZone"]) for c in made] == [
        ("Receptionist – Dr. Omar Haddad", "Europe/Istanbul")
    ]
    mapped = google_status.status(db_of(desk)).calendars
    assert [(m.provider, m.calendar_id) for m in mapped] == [("Dr. Omar Haddad", made[0]["id"])]
    assert page.calendars.calendar_at(1) == made[0]["id"]
    assert "made and mapped" in page.note.text()


def test_stop_sending_a_provider_to_google_once_confirmed(
    qtbot: QtBot, desk: Desk, page: GooglePage
) -> None:
    calendars.map_provider(db_of(desk), desk.ctx(), "Ayşe", "primary")  # page: an admin's
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.refresh()
    asked = Asked()  # declined until told otherwise
    page.confirm_unmap = asked
    page.calendars.table.selectRow(0)
    assert page.calendars.unmap_button.isEnabled()  # no account needed to stop sending
    page.calendars.unmap_button.click()  # declined: nothing changes
    assert "stay there" in asked[0] and "Dr. Ayşe Demir" in asked[0]
    assert len(google_status.status(db_of(desk)).calendars) == 1
    assert page.calendars.calendar_at(0) == "primary"
    asked.answer = True
    combo = page.calendars.combo(0)
    combo.setCurrentIndex(combo.findData(""))  # "(not sent to Google)" picked: asks too
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        combo.activated.emit(combo.currentIndex())
    assert len(asked) == 2 and google_status.status(db_of(desk)).calendars == []
    assert "no longer go to Google" in page.note.text()
    page.calendars.table.selectRow(0)
    page.calendars.unmap_button.click()  # nothing mapped: said, not asked
    assert len(asked) == 2 and "has no Google calendar" in page.note.text()


def test_a_calendar_of_another_provider_picked_offers_a_swap(
    qtbot: QtBot, desk: Desk, page: GooglePage
) -> None:
    omar = "omar@group.calendar.google.com"
    calendars.map_many(db_of(desk), desk.ctx(), {"Ayşe": "primary", "Omar": omar})
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.refresh()
    asked = Asked()  # declined until told otherwise
    page.confirm_swap = asked
    combo = page.calendars.combo(0)  # Dr. Ayşe Demir's
    line = combo.lineEdit()
    assert line is not None
    combo.setEditText(omar)
    line.editingFinished.emit()  # declined: both keep their calendars
    assert "Swap" in asked[0] and "Dr. Omar Haddad" in asked[0]
    assert page.calendars.calendar_at(0) == "primary"
    asked.answer = True
    combo.setEditText(omar)
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        line.editingFinished.emit()
    mapped = {m.provider: m.calendar_id for m in google_status.status(db_of(desk)).calendars}
    assert mapped == {"Dr. Ayşe Demir": omar, "Dr. Omar Haddad": "primary"}
    assert "swapped" in page.note.text()
    assert (page.calendars.calendar_at(0), page.calendars.calendar_at(1)) == (omar, "primary")


def test_saving_a_mapping_reads_the_status_once_for_the_page(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, ctx = db_of(desk), Ctx(Actor(user_id="u1", role="admin", source="ui"), desk.clock)
    ayse = catalog.providers(db, ctx)[0].id
    read: list[int] = []
    whole = google_status.status

    def status(db: Database) -> google_status.GoogleStatus:
        read.append(1)
        return whole(db)

    monkeypatch.setattr(googledata.google_status, "status", status)
    found = googledata.save_mapping(db, ctx, {ayse: "primary"})
    assert [m.calendar_id for m in found.status.calendars] == ["primary"]
    assert read == [1]  # the page's redraw; the comparison reads only the mapping
    audited = count_audit(db)
    googledata.save_mapping(db, ctx, {ayse: " primary "})  # unchanged: nothing written
    assert count_audit(db) == audited and read == [1, 1]


def count_audit(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def test_names_go_to_google_only_once_confirmed(qtbot: QtBot, desk: Desk, page: GooglePage) -> None:
    asked = Asked()  # declined until told otherwise
    page.confirm_names = asked
    ctx = desk.ctx()

    def title() -> object:
        return settings_ops.get(db_of(desk), ctx, "google.summary").value

    def choice(name: str) -> QWidget:
        found = page.findChild(QWidget, f"googleTitle_{name}")
        assert found is not None
        return found

    assert page.titles.checkedButton() is choice("service") and page.title_warning.isHidden()
    choice("full_name").click()  # declined: nothing changes
    assert asked and "Warning: patients' names" in asked[0]
    assert page.titles.checkedButton() is choice("service") and page.title_warning.isHidden()
    assert title() == "service"
    asked.answer = True
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        choice("initials").click()
    assert title() == "initials" and not page.title_warning.isHidden()
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        choice("service").click()  # back to no patient data: nothing to confirm
    assert title() == "service" and len(asked) == 2 and page.title_warning.isHidden()


def test_the_station_is_saved_when_typed(qtbot: QtBot, desk: Desk, page: GooglePage) -> None:
    assert "This PC (A) runs Google sync" in page.station_note.text()
    page.station.setText("b")
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.station.editingFinished.emit()
    assert settings_ops.get(db_of(desk), desk.ctx(), "google.station").value == "B"
    assert "PC B runs Google sync" in page.station_note.text()


def test_a_receptionist_sees_the_page_but_changes_nothing(
    qtbot: QtBot, desk: Desk, google: FakeGoogle
) -> None:
    dialog = SettingsDialog(desk)  # the desk's actor is a receptionist
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.google.loaded, timeout=WAIT):
        dialog.load()
    shown = dialog.google
    for button in (shown.connect_button, shown.file_button):
        assert not button.isEnabled()
    assert shown.station.isReadOnly() and not shown.calendars.isEnabled()
    assert not any(b.isEnabled() for b in shown.titles.buttons())


def test_a_bad_file_is_said_plainly_and_connects_nothing(
    qtbot: QtBot, desk: Desk, page: GooglePage, tmp_path: Path
) -> None:
    bad = tmp_path / "client_secret.json"
    bad.write_text('{"installed": {}}', "utf-8")
    page.choose_file = lambda _p, _c: str(bad)
    with qtbot.waitSignal(page.failed, timeout=WAIT) as said:
        page.file_button.click()
    assert "authorized-user JSON" in said.args[0]
    assert account.kept(db_of(desk)) is None
    assert page.file_button.isEnabled()  # ready to try again


def round_on_twin(desk: Desk, google: FakeGoogle) -> str:
    twin = db_of(desk).twin()
    try:

        def run() -> str:
            def connect(info: dict[str, str]) -> Any:
                return service.build(info, endpoint=google.api, token_at=google.token_uri)

            return google_round.run(twin, desk.clock, connect=connect, sleep=lambda _s: None).status

        return on_google_thread(run)
    finally:
        twin.close()


def test_the_status_bar_says_how_google_sync_stands(
    qtbot: QtBot, window: MainWindow, google: FakeGoogle, tmp_path: Path
) -> None:
    desk, field = window.desk, window.google_status
    qtbot.waitUntil(lambda: field.brief is not None, timeout=WAIT)
    assert field.isHidden()  # never set up: no field at all
    admin = Actor(user_id="u1", role="admin", source="ui")
    desk.actor = admin
    with qtbot.waitSignal(field.shown, timeout=WAIT):  # the core's event, not a timer
        desk.tasks.run(lambda: account.connect(db_of(desk), desk.ctx(), INFO))
    assert field.text() == "Google: connected" and field.isVisible()
    with qtbot.waitSignal(field.shown, timeout=WAIT):
        desk.tasks.run(lambda: calendars.map_provider(db_of(desk), desk.ctx(), "Omar", "primary"))
    assert round_on_twin(desk, google) == "ok"
    with qtbot.waitSignal(field.shown, timeout=WAIT):
        field.refresh()
    assert field.text().startswith("Google: last sync ")
    google.revoke(INFO["refresh_token"])
    assert round_on_twin(desk, google) == "needs_reconnect"
    with qtbot.waitSignal(field.shown, timeout=WAIT):
        field.refresh()
    assert field.text() == "Google: needs reconnect" and field.property("state") == "alert"
    qtbot.waitUntil(lambda: field.width() >= field.sizeHint().width(), timeout=WAIT)
    assert window.statusBar().grab().save(str(tmp_path / "google-status.png"))
    with qtbot.waitSignal(field.shown, timeout=WAIT):  # a clinic setting: the feed tells
        desk.tasks.run(
            lambda: settings_ops.set_value(db_of(desk), desk.ctx(), "google.station", "B")
        )
    assert field.text() == "Google: on PC B"


def share_from_b(db: Database, ctx: Ctx, status: str, at: datetime) -> None:
    """PC B's state as cloud sync brings it: a clinic setting row."""
    value = {"station": "B", "connected": True, "status": status, "at": at.isoformat(),
             "counts": {"created": 2, "updated": 1, "errors": 0}}  # fmt: skip
    with db.write() as s:
        clinicstore.write(s, ctx, SHARED, value)


def on_cloud_with_station_b(db: Database, ctx: Ctx) -> None:
    with db.write() as s:
        s.add(SyncState(id=1, server_url="https://example.invalid", clinic_id="c1",
                        device_id="d1", device_code="A", device_name="Desk",
                        private_key=b"k"))  # fmt: skip
    settings_ops.set_value(db, ctx, "google.station", "B")


def test_another_pc_shows_the_state_the_station_shared(qtbot: QtBot, window: MainWindow) -> None:
    desk, field = window.desk, window.google_status
    qtbot.waitUntil(lambda: field.brief is not None, timeout=WAIT)
    desk.actor = Actor(user_id="u1", role="admin", source="ui")
    with qtbot.waitSignal(field.shown, timeout=WAIT):
        desk.tasks.run(lambda: on_cloud_with_station_b(db_of(desk), desk.ctx()))
    assert field.text() == "Google: on PC B"  # nothing shared yet
    at = datetime(2026, 3, 9, 10, 42, tzinfo=UTC)
    local = at.astimezone(desk.clinic.tz)  # the clinic's clock, not this PC's
    when = QLocale().toString(QTime(local.hour, local.minute), QLocale.FormatType.ShortFormat)
    with qtbot.waitSignal(field.shown, timeout=WAIT):  # a clinic setting: the feed tells
        desk.tasks.run(lambda: share_from_b(db_of(desk), desk.ctx(), "ok", at))
    assert field.text() == f"Google (on PC B): synced {when}, 3 changes"
    assert field.property("state") == ""
    with qtbot.waitSignal(field.shown, timeout=WAIT):
        desk.tasks.run(lambda: share_from_b(db_of(desk), desk.ctx(), "needs_reconnect", at))
    assert field.text() == "Google: needs reconnect on PC B"
    assert field.property("state") == "alert"
    dialog = SettingsDialog(desk)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.google.loaded, timeout=WAIT):
        dialog.load()
    shown = dialog.google
    assert shown.account.text().startswith("Needs reconnect on PC B")
    assert shown.last_round.text().startswith("Last round on PC B at 2026-03-09 ")
    assert "2 created, 1 updated" in shown.last_round.text()
    assert "PC B runs Google sync" in shown.station_note.text()


def test_connect_in_the_browser_off_the_gui_thread(
    qtbot: QtBot,
    desk: Desk,
    page: GooglePage,
    google: FakeGoogle,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The desktop flow runs on a thread of its own while the window stays live; a
    browser that agrees at once follows the consent page to 127.0.0.1."""
    secrets = client_file(google, tmp_path, monkeypatch)
    page.choose_file = lambda _p, _c: str(secrets)
    opened: list[str] = []

    class Browser(webbrowser.BaseBrowser):
        def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
            opened.append(threading.current_thread().name)
            threading.Thread(target=lambda: urllib.request.urlopen(url, timeout=10).read(),
                             daemon=True).start()  # fmt: skip
            return True

    monkeypatch.setattr(webbrowser, "get", lambda _using=None: Browser())
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.connect_button.click()
        assert not page.connect_button.isEnabled()  # busy while the browser is out
    assert opened == ["google-sign-in"]  # its own thread: the Google thread stays free
    assert page.account.text() == f"Connected: {ACCOUNT}"
    kept = json.loads(account.kept(db_of(desk)) or "{}")
    assert kept["refresh_token"] == "refresh-granted-1" and kept["client_id"] == "desk"
    assert google.authorized[0]["prompt"] == "consent"


def client_file(google: FakeGoogle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The clinic's OAuth client file (a desktop app) naming the loopback server."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the loopback server is http
    secrets = tmp_path / "client_secret.json"
    client = {"client_id": "desk", "client_secret": "desk-secret",
              "auth_uri": f"{google.base}/auth", "token_uri": google.token_uri,
              "redirect_uris": ["http://localhost"]}  # fmt: skip
    secrets.write_text(json.dumps({"installed": client}), "utf-8")
    return secrets


def test_a_browser_sign_in_holds_no_round_and_can_be_cancelled(
    qtbot: QtBot,
    desk: Desk,
    page: GooglePage,
    google: FakeGoogle,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While the browser is out, Google jobs still run on the Google thread; Cancel
    shuts the redirect server at once and connects nothing."""
    secrets = client_file(google, tmp_path, monkeypatch)
    page.choose_file = lambda _p, _c: str(secrets)
    opened: list[str] = []

    class Browser(webbrowser.BaseBrowser):  # the person never answers
        def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
            opened.append(url)
            return True

    monkeypatch.setattr(webbrowser, "get", lambda _using=None: Browser())
    assert page.cancel_button.isHidden()
    page.connect_button.click()
    qtbot.waitUntil(lambda: bool(opened), timeout=WAIT)
    assert not page.cancel_button.isHidden() and not page.connect_button.isEnabled()
    assert worker.submit(lambda: "a round").result(timeout=WAIT / 1000) == "a round"
    redirect = parse_qs(urlsplit(opened[0]).query)["redirect_uri"][0]
    port = urlsplit(redirect).port
    assert port
    with qtbot.waitSignal(page.signInEnded, timeout=WAIT):
        page.cancel_button.click()
    assert "cancelled" in page.note.text() and page.cancel_button.isHidden()
    assert page.connect_button.isEnabled()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    assert account.kept(db_of(desk)) is None and google.granted == []
    page.connect_button.click()  # again, then the dialog closed: the wait ends with it
    qtbot.waitUntil(lambda: len(opened) == 2, timeout=WAIT)
    with qtbot.waitSignal(page.signInEnded, timeout=WAIT):
        dialog = page.window()
        assert isinstance(dialog, SettingsDialog)
        dialog.reject()


def test_the_fields_last_sync_is_on_the_clinics_clock() -> None:
    """Settings → Google shows the round in the clinic's zone; so does the bar, whatever
    zone this PC's own clock is set to."""
    here = Station("", "A", False)
    found = Brief(True, "ok", datetime(2026, 3, 9, 7, 5, tzinfo=UTC), True, here)
    assert "10:05" in words(found, ZoneInfo("Europe/Istanbul"))
    assert "07:05" in words(found, UTC)
