"""Settings > Clinic > Message channels: "Send a test…" in each channel's part (issue
#14): asks for the number, sends off the GUI thread with a busy bar, shows the core's
sentence; a manager's or an administrator's; refused while the part holds unsaved
edits. Against the loopback Twilio-compatible server."""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from channelservers import ACCOUNT, TOKEN, http_server, twilio_route
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from receptionist.context import Actor, Ctx
from receptionist.ops import reminders
from receptionist.store.storage import Database
from ui.app import stylesheet
from ui.desk import Desk
from ui.settings import SettingsDialog
from ui.settings.clinicpage import ClinicPage
from ui.settings.unsaved import DISCARD

SMS_KEY = "channels.sms_token"
TO = "+905321112233"


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    monkeypatch.setenv("RECEPTIONIST_CONFIG_DIR", str(folder))
    return folder


def as_role(desk: Desk, role: str) -> Desk:
    return dataclasses.replace(desk, actor=Actor(user_id=None, role=role, source="ui"))


@pytest.fixture
def twilio() -> Iterator[tuple[str, Any]]:
    with http_server(twilio_route) as (url, server):
        yield url, server


def on_worker(desk: Desk, fn: Any) -> Any:
    return desk.tasks.run(lambda: fn(desk.tasks.database())).result(timeout=30)


def sms_set_up(desk: Desk, url: str, token: str) -> None:
    ctx: Ctx = desk.ctx()

    def set_up(db: Database) -> None:
        values = {"base_url": url, "account": ACCOUNT, "sender": "+15005550006"}
        reminders.set_channel(db, ctx, "sms", values, token)

    on_worker(desk, set_up)


def open_page(qtbot: QtBot, desk: Desk) -> tuple[SettingsDialog, ClinicPage]:
    dialog = SettingsDialog(desk, confirm=lambda _parent, _page: DISCARD)
    qtbot.addWidget(dialog)
    dialog.resize(1280, 720)
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


def test_a_manager_sends_a_test_sms_with_a_busy_bar_then_the_sentence(
    qtbot: QtBot, desk: Desk, twilio: tuple[str, Any]
) -> None:
    manager = as_role(desk, "manager")
    url, server = twilio
    sms_set_up(as_role(desk, "admin"), url, TOKEN)
    dialog, page = open_page(qtbot, manager)
    tests = page.channel_tests
    assert set(tests.buttons) == {"email", "sms", "whatsapp"}
    button, bar, result = tests.buttons["sms"], tests.busy["sms"], tests.results["sms"]
    assert button.isVisibleTo(dialog) and button.isEnabled()
    assert button.text() == "Test…" and button.accessibleName() == "Send a test message"
    asked: list[str] = []
    tests.ask = lambda _parent, channel: asked.append(channel) or TO
    server.hold = threading.Event()  # the provider answers only when the test lets it
    button.click()
    assert asked == ["sms"]
    # Sent on a thread of its own: the GUI goes on while the provider holds its answer.
    qtbot.waitUntil(server.received.is_set, timeout=10_000)
    assert bar.isVisibleTo(dialog) and not button.isEnabled()
    assert result.text() == "Sending a test message…"
    shot(dialog, "settings-channel-test-sending")
    with qtbot.waitSignal(tests.tested, timeout=10_000) as got:
        server.hold.set()
    done = got.args[0]
    assert done.sent and done.channel == "sms"
    (sent,) = server.messages
    assert sent["to"] == TO and sent["body"].startswith("Test message from ")
    assert not bar.isVisibleTo(dialog) and button.isEnabled()
    assert result.text() == (
        f"Sent: the SMS provider took the test message (message id {sent['sid']}). Check "
        "that it arrived on the phone."
    )
    shot(dialog, "settings-channel-test-sent")


def test_a_wrong_token_says_where_to_fix_it(
    qtbot: QtBot, desk: Desk, twilio: tuple[str, Any]
) -> None:
    admin = as_role(desk, "admin")
    url, server = twilio
    sms_set_up(admin, url, "not-the-token")
    dialog, page = open_page(qtbot, admin)
    tests = page.channel_tests
    tests.ask = lambda _parent, _channel: TO
    with qtbot.waitSignal(tests.tested, timeout=10_000):
        tests.buttons["sms"].click()
    said = tests.results["sms"].text()
    assert "refused the SMS token" in said
    assert "Check the SMS token in Settings > Clinic > Message channels" in said
    assert server.messages == [] and tests.buttons["sms"].isEnabled()
    shot(dialog, "settings-channel-test-refused")


def test_an_unsaved_edit_or_a_bad_number_is_said_and_nothing_goes(
    qtbot: QtBot, desk: Desk, twilio: tuple[str, Any]
) -> None:
    admin = as_role(desk, "admin")
    url, server = twilio
    sms_set_up(admin, url, TOKEN)
    _dialog, page = open_page(qtbot, admin)
    tests = page.channel_tests
    asked: list[str] = []
    tests.ask = lambda _parent, channel: asked.append(channel) or "call me"
    with qtbot.waitSignal(tests.refused, timeout=10_000):
        tests.buttons["sms"].click()
    assert "not a phone number" in tests.results["sms"].text()
    qtbot.keyClicks(page.secrets()["sms"].edit, "typed-not-set")
    with qtbot.waitSignal(tests.refused, timeout=10_000):
        tests.buttons["sms"].click()
    assert tests.results["sms"].text().startswith("Save the page first")
    assert asked == ["sms"] and server.messages == []


def test_a_receptionist_sees_the_button_disabled(qtbot: QtBot, desk: Desk) -> None:
    _dialog, page = open_page(qtbot, desk)  # the desk fixture's receptionist
    for button in page.channel_tests.buttons.values():
        assert not button.isEnabled()
