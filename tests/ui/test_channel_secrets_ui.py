"""Settings > Clinic > Message channels: each channel's password or token, typed by an
administrator, never shown; saved into this PC's keychain by the operation the command
line uses, audited without its value; a locked keychain said as such."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import keyring
import pytest
from channelservers import ACCOUNT, TOKEN, http_server, twilio_route
from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QLabel, QScrollArea, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from templates import MemoryKeyring

from receptionist.context import Actor, Ctx
from receptionist.models import AuditEvent, LocalSecret
from receptionist.ops import reminders
from receptionist.reminders.channels import Outgoing, SecretMissing
from receptionist.schedule.clinic import clinic_id
from receptionist.settings import secretstore
from receptionist.store.storage import Database
from sync.channels import build
from ui.app import stylesheet
from ui.desk import Desk
from ui.settings import SettingsDialog
from ui.settings.clinicpage import ClinicPage
from ui.settings.secretfield import SecretEditor
from ui.settings.unsaved import DISCARD

SMS_KEY = "channels.sms_token"


class LockedKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("the collection is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("the collection is locked")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringLocked("the collection is locked")


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    monkeypatch.setenv("RECEPTIONIST_CONFIG_DIR", str(folder))
    return folder


def as_role(desk: Desk, role: str) -> Desk:
    return dataclasses.replace(desk, actor=Actor(user_id=None, role=role, source="ui"))


@pytest.fixture
def twilio_url() -> Iterator[tuple[str, Any]]:
    with http_server(twilio_route) as (url, server):
        yield url, server


def open_page(qtbot: QtBot, desk: Desk) -> tuple[SettingsDialog, ClinicPage]:
    dialog = SettingsDialog(desk, confirm=lambda _parent, _page: DISCARD)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.load()
    page = dialog.clinic
    page.sections.reveal(SMS_KEY)
    return dialog, page


def shot(widget: QWidget, name: str) -> None:
    """Saved only when SETTINGS_SHOTS names a folder (to look at by eye)."""
    folder = os.environ.get("SETTINGS_SHOTS")
    if folder:
        widget.setStyleSheet(stylesheet())
        for _ in range(3):
            QApplication.sendPostedEvents()
            QApplication.processEvents()
        widget.grab().save(str(Path(folder) / f"{name}.png"))
        widget.setStyleSheet("")


def on_worker(desk: Desk, fn: Any) -> Any:
    return desk.tasks.run(lambda: fn(desk.tasks.database())).result(timeout=30)


def kept_in_keychain(db: Database) -> str | None:
    with db.read() as s:
        ns = clinic_id(s)
    assert ns is not None
    return keyring.get_password(secretstore.SERVICE, f"{ns}:{SMS_KEY}")


def sms_set_up(db: Database, url: str, ctx: Ctx) -> None:
    values = {"base_url": url, "account": ACCOUNT, "sender": "+15005550006"}
    reminders.set_channel(db, ctx, "sms", values, None)


def send_one(db: Database) -> str:
    """One SMS through the sender the dispatch round would make now."""
    sender = build.Senders(db)["sms"]
    message = Outgoing("r1", "sms", "+905550000001", "", "Hello", datetime.now(UTC))
    return sender.send(message).status


def press(qtbot: QtBot, page: ClinicPage, button: Any) -> None:
    with qtbot.waitSignal(page.secretSaved, timeout=10_000):
        button.click()


def test_an_administrator_sets_replaces_and_removes_the_sms_token(
    qtbot: QtBot, desk: Desk, twilio_url: tuple[str, Any]
) -> None:
    admin = as_role(desk, "admin")
    url, server = twilio_url
    ctx = admin.ctx()
    on_worker(admin, lambda db: sms_set_up(db, url, ctx))
    dialog, page = open_page(qtbot, admin)
    secrets = page.secrets()
    assert set(secrets) == {"email", "sms", "whatsapp"}
    sms = secrets["sms"]
    assert isinstance(sms, SecretEditor) and sms.edit.isEnabled()
    assert sms.edit.echoMode() == sms.edit.EchoMode.Password
    assert sms.edit.text() == "" and "None on this PC" in sms.state.text()
    assert not sms.remove_button.isEnabled() and not sms.set_button.isEnabled()
    assert page.form.captions[SMS_KEY] == "SMS token"
    qtbot.keyClicks(sms.edit, "wrong-token")
    assert page.unsaved()  # typed, not set: the page asks before it is lost
    press(qtbot, page, sms.set_button)
    assert sms.edit.text() == "" and "Kept on this PC" in sms.state.text()
    assert sms.set_button.text() == "Replace" and sms.remove_button.isEnabled()
    assert not page.unsaved()
    assert on_worker(admin, kept_in_keychain) == "wrong-token"
    qtbot.keyClicks(sms.edit, TOKEN)  # replaced
    press(qtbot, page, sms.set_button)
    assert on_worker(admin, kept_in_keychain) == TOKEN
    assert on_worker(admin, send_one) == "sent"  # the loopback Twilio checks the token
    assert len(server.messages) == 1

    def audited(db: Database) -> list[tuple[str, str]]:
        with db.read() as s:
            rows = s.execute(select(AuditEvent.__table__)).all()
            assert TOKEN not in repr(rows) and "wrong-token" not in repr(rows)
            query = select(AuditEvent).where(AuditEvent.entity_type == "setting")
            return [(e.action, e.source) for e in s.scalars(query.order_by(AuditEvent.seq))]

    assert on_worker(admin, audited)[-2:] == [("set_secret", "ui")] * 2
    shot(dialog, "settings-channel-secrets")
    asked: list[str] = []
    page.confirm_remove = lambda _parent, name: asked.append(name) or True
    press(qtbot, page, sms.remove_button)
    assert asked == ["SMS token"]
    assert "None on this PC" in sms.state.text() and not sms.remove_button.isEnabled()
    assert on_worker(admin, kept_in_keychain) is None
    assert on_worker(admin, audited)[-1] == ("clear_secret", "ui")

    def made(db: Database) -> bool:
        try:
            build.Senders(db)["sms"]
        except SecretMissing as missing:
            return missing.locked
        raise AssertionError("a sender was made with no token")

    assert on_worker(admin, made) is False  # setup:secret_missing, not a locked keychain


def test_the_page_s_save_sets_a_typed_secret_too(qtbot: QtBot, desk: Desk) -> None:
    admin = as_role(desk, "admin")
    _dialog, page = open_page(qtbot, admin)
    whatsapp = page.secrets()["whatsapp"]
    qtbot.keyClicks(whatsapp.edit, "meta-token")
    with qtbot.waitSignal(page.saved, timeout=10_000):
        page.save()
    assert whatsapp.edit.text() == "" and "Kept on this PC" in whatsapp.state.text()
    assert on_worker(admin, lambda db: reminders.secret_state(db, "whatsapp")) == "kept"
    assert on_worker(admin, lambda db: reminders.secret_state(db, "sms")) == "none"
    sms = page.secrets()["sms"]
    qtbot.keyClicks(sms.edit, "typed-then-discarded")
    assert page.unsaved()
    page.revert()  # Discard: the typed secret goes, and nothing counts as unsaved
    assert sms.edit.text() == "" and not page.unsaved()
    assert on_worker(admin, lambda db: reminders.secret_state(db, "sms")) == "none"


@pytest.mark.parametrize("role", ["manager", "receptionist"])
def test_only_an_administrator_may_type_a_secret(qtbot: QtBot, desk: Desk, role: str) -> None:
    someone = as_role(desk, role)
    admin = as_role(desk, "admin").ctx()
    on_worker(someone, lambda db: reminders.set_channel(db, admin, "sms", {}, TOKEN))
    dialog, page = open_page(qtbot, someone)
    shot(dialog, f"settings-channel-secrets-{role}")
    for editor in page.secrets().values():
        assert not editor.edit.isEnabled()
        assert not editor.set_button.isEnabled() and not editor.remove_button.isEnabled()
        assert "Only an administrator" in editor.state.text()
        assert editor.edit.placeholderText() == "", "nothing to type for this role"
    sms = page.secrets()["sms"]
    assert "Kept on this PC" in sms.state.text() and sms.edit.text() == ""
    page.remove_secret(sms)  # even called: nothing goes
    assert on_worker(someone, lambda db: reminders.secret_state(db, "sms")) == "kept"


def test_a_locked_keychain_is_said_on_the_field_not_a_missing_token(
    qtbot: QtBot, desk: Desk, memory_keyring: MemoryKeyring
) -> None:
    admin = as_role(desk, "admin")
    ctx = admin.ctx()
    on_worker(admin, lambda db: reminders.set_channel(db, ctx, "sms", {}, TOKEN))
    keyring.set_keyring(LockedKeyring())
    try:
        dialog, page = open_page(qtbot, admin)
        sms = page.secrets()["sms"]
        said = sms.state.text()
        assert "keychain is locked or not available" in said and "None on this PC" not in said
        shot(dialog, "settings-channel-secrets-locked")
        qtbot.keyClicks(sms.edit, TOKEN)  # set again behind the locked keychain: the file
        press(qtbot, page, sms.set_button)
        assert "Kept on this PC" in sms.state.text()

        def in_file(db: Database) -> bool:
            with db.read() as s:
                ns = clinic_id(s)
                return s.get(LocalSecret, f"{ns}:{SMS_KEY}") is not None

        assert on_worker(admin, in_file)
    finally:
        keyring.set_keyring(memory_keyring)


def test_a_locked_keychain_is_said_once_for_the_section_which_does_not_scroll(
    qtbot: QtBot, desk: Desk, memory_keyring: MemoryKeyring
) -> None:
    """Three long lines (one under each secret) made Message channels scroll: each field
    now says only that the keychain is locked, and what to do is said once."""
    admin = as_role(desk, "admin")
    ctx = admin.ctx()
    on_worker(admin, lambda db: reminders.set_channel(db, ctx, "sms", {}, TOKEN))
    keyring.set_keyring(LockedKeyring())
    try:
        dialog, page = open_page(qtbot, admin)
        dialog.resize(1160, 660)  # as the screenshot is taken, with the app's style
        dialog.setStyleSheet(stylesheet())
        for _ in range(3):
            QApplication.sendPostedEvents()
            QApplication.processEvents()
        lines = [e.state.text() for e in page.secrets().values()]
        assert all("locked or not available" in said for said in lines)
        assert all("Unlock" not in said for said in lines), "what to do said under each"
        note = page.locked_note
        assert note.isVisibleTo(dialog) and note.text().count("Unlock") == 1
        for editor in page.secrets().values():
            assert editor.name in note.text()
        scroll = page.findChild(QScrollArea)
        assert scroll is not None
        assert scroll.verticalScrollBar().maximum() == 0, "Message channels scrolls"
    finally:
        keyring.set_keyring(memory_keyring)


# --- one part per channel; the section list stays put ------------------------------------

BY_CHANNEL_SHOWN = {
    "E-mail": [
        "channels.email_host",
        "channels.email_port",
        "channels.email_security",
        "channels.email_sender",
        "channels.email_username",
        "channels.email_password",
    ],
    "SMS": [
        "channels.sms_base_url",
        "channels.sms_account",
        "channels.sms_sender",
        "channels.sms_token",
    ],
    "WhatsApp": [
        "channels.whatsapp_base_url",
        "channels.whatsapp_account",
        "channels.whatsapp_sender",
        "channels.whatsapp_templates_en",
        "channels.whatsapp_templates_tr",
        "channels.whatsapp_templates_ar",
        "channels.whatsapp_token",
    ],
}


def test_message_channels_are_laid_out_one_part_per_channel(qtbot: QtBot, desk: Desk) -> None:
    """Columns filled by count mixed the channels (WhatsApp's templates first, the SMS
    token above WhatsApp's fields): each channel is now a part under its name, E-mail,
    SMS, WhatsApp from left to right, its settings top to bottom (column by column), its
    secret last."""
    admin = as_role(desk, "admin")
    dialog, page = open_page(qtbot, admin)
    dialog.setStyleSheet(stylesheet())
    for _ in range(3):
        QApplication.sendPostedEvents()
        QApplication.processEvents()
    origin = QPoint(0, 0)
    heads = sorted(
        (h for h in page.findChildren(QLabel, "sectionPart") if h.isVisibleTo(dialog)),
        key=lambda h: h.mapTo(page, origin).x(),
    )
    assert [h.text() for h in heads] == list(BY_CHANNEL_SHOWN)
    for head in heads:
        left = head.mapTo(page, origin).x()
        keys = BY_CHANNEL_SHOWN[head.text()]
        places = {k: page.form.editors[k].mapTo(page, origin) for k in keys}
        for key, at in places.items():  # under its channel's name, not beside it
            assert left <= at.x() < left + head.width(), f"{key} outside {head.text()}"
            assert at.y() > head.mapTo(page, origin).y()
        read = sorted(keys, key=lambda k: (places[k].x(), places[k].y()))
        assert read == keys, f"{head.text()} does not read in order"
    assert set(page.form.editors) >= {k for keys in BY_CHANNEL_SHOWN.values() for k in keys}
    shot(dialog, "settings-channel-parts")


def test_the_section_list_stays_put_while_a_section_scrolls(qtbot: QtBot, desk: Desk) -> None:
    """The whole page scrolled, the list of sections with it: scrolled down, it was out
    of reach. Only the section shown scrolls now."""
    dialog, page = open_page(qtbot, as_role(desk, "admin"))
    dialog.resize(900, 420)  # a window made small: Message channels cannot fit
    for _ in range(3):
        QApplication.sendPostedEvents()
        QApplication.processEvents()
    titles = page.sections.titles
    before = titles.mapTo(page, QPoint(0, 0))
    scrolls = [a for a in page.findChildren(QScrollArea) if a.isVisibleTo(dialog)]
    assert scrolls, "nothing scrolls in a window this small"
    for area in scrolls:
        assert not area.isAncestorOf(titles), "the section list scrolls with the page"
        area.verticalScrollBar().setValue(area.verticalScrollBar().maximum())
    assert any(a.verticalScrollBar().value() > 0 for a in scrolls)
    QApplication.processEvents()
    assert titles.mapTo(page, QPoint(0, 0)) == before
    assert not titles.visibleRegion().isEmpty()
