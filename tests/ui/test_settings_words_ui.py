"""The settings pages in words: units on numbers, labels on choices, the channel order
as a list of channel names, and no keys where the page itself is meant."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QSpinBox, QWidget
from pytestqt.qtbot import QtBot

from receptionist.context import Actor
from receptionist.ops import settings as registry_ops
from ui.app import stylesheet
from ui.desk import Desk
from ui.settings import SettingsDialog
from ui.settings.editors import OrderEditor
from ui.settings.unsaved import DISCARD


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    monkeypatch.setenv("RECEPTIONIST_CONFIG_DIR", str(folder))
    return folder


@pytest.fixture
def admin(desk: Desk) -> Desk:
    return dataclasses.replace(desk, actor=Actor(user_id=None, role="admin", source="ui"))


def open_dialog(qtbot: QtBot, desk: Desk) -> SettingsDialog:
    dialog = SettingsDialog(desk, confirm=lambda _parent, _page: DISCARD)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.load()
    return dialog


def on_worker(desk: Desk, fn: Any) -> Any:
    return desk.tasks.run(lambda: fn(desk.tasks.database())).result(timeout=30)


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


def stored(desk: Desk, key: str) -> object:
    return on_worker(desk, lambda db: registry_ops.get(db, desk.ctx(), key).value)


def test_numbers_show_their_unit_and_choices_their_labels(qtbot: QtBot, admin: Desk) -> None:
    dialog = open_dialog(qtbot, admin)
    page = dialog.clinic
    takeover = page.editor("reminders.takeover_hours")
    assert isinstance(takeover, QSpinBox) and takeover.suffix() == " h"
    quiet = page.editor("reminders.quiet_mode")
    assert isinstance(quiet, QComboBox)
    shown = [quiet.itemText(i) for i in range(quiet.count())]
    assert shown == ["Send when they end", "Do not send"]
    security = page.editor("channels.email_security")
    assert isinstance(security, QComboBox)
    assert security.currentText() == "STARTTLS"
    assert "starttls" not in " ".join(security.itemText(i) for i in range(security.count()))
    quiet.setCurrentIndex(quiet.findText("Do not send"))
    page.sections.reveal("reminders.quiet_mode")
    shot(dialog, "settings-words-reminders")
    with qtbot.waitSignal(page.saved, timeout=10_000):
        page.save()
    assert stored(admin, "reminders.quiet_mode") == "skip", "the label shown, the value stored"


def test_the_channel_order_is_a_list_of_channel_names_to_tick_and_order(
    qtbot: QtBot, admin: Desk
) -> None:
    dialog = open_dialog(qtbot, admin)
    page = dialog.clinic
    editor = page.editors["reminders.channel_order"]
    assert isinstance(editor, OrderEditor)
    items = editor.list
    assert [items.item(i).text() for i in range(items.count())] == ["SMS", "WhatsApp", "E-mail"]
    assert all(items.item(i).checkState() == Qt.CheckState.Checked for i in range(3))
    items.setCurrentRow(2)  # E-mail first
    editor.up_button.click()
    editor.up_button.click()
    assert editor.up_button.isEnabled() is False, "the first cannot go higher"
    items.item(1).setCheckState(Qt.CheckState.Unchecked)  # no SMS
    assert page.unsaved()
    with qtbot.waitSignal(page.saved, timeout=10_000):
        page.save()
    assert stored(admin, "reminders.channel_order") == "email,whatsapp"
    assert [items.item(i).text() for i in range(items.count())] == ["E-mail", "WhatsApp", "SMS"]
    for i in range(3):
        items.item(i).setCheckState(Qt.CheckState.Unchecked)
    page.save()  # none ticked: refused, naming the setting
    qtbot.waitUntil(lambda: page.form.errors["reminders.channel_order"].isVisible())
    assert stored(admin, "reminders.channel_order") == "email,whatsapp"


def test_the_backup_folder_is_told_where_it_is_set(qtbot: QtBot, admin: Desk) -> None:
    """Clinic > Backups points at This PC > Backups; there, the warning about the disk
    points at the field above it, not at the page it is on or a key."""
    dialog = open_dialog(qtbot, admin)
    clinic = dialog.clinic
    note = clinic.findChild(QLabel, "backupFolderElsewhere")
    assert note is not None and "Settings > This PC > Backups" in note.text()
    clinic.sections.reveal("backup.keep_daily")
    shot(dialog, "settings-words-clinic-backups")
    page = dialog.this_pc
    dialog.tabs.setCurrentWidget(page)
    page.sections.reveal("backup.folder")
    qtbot.waitUntil(lambda: not page.placement.isHidden(), timeout=10_000)
    said = page.placement.text()
    assert "on the disk that holds the clinic" in said
    assert "Settings >" not in said and "backup.folder" not in said, said
    shot(dialog, "settings-words-this-pc-backups")
