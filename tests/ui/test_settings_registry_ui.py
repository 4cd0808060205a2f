"""The Clinic and This PC pages, built from the settings registry: one editor per kind,
each setting's label and help, refusals by the field, this PC's preferences."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from receptionist.context import Actor
from receptionist.models import ClinicSetting
from receptionist.ops import settings as registry_ops
from receptionist.settings import registry
from receptionist.settings.kinds import Choice, Colour, Flag
from receptionist.settings.registry import Setting
from receptionist.texts import Text
from ui.app import stylesheet
from ui.desk import Desk
from ui.settings import SettingsDialog, editors
from ui.settings.clinicpage import ClinicPage, SettingsPage
from ui.settings.colour import ColourField
from ui.settings.hoursedit import HoursEditor
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


def help_of(page: SettingsPage, key: str) -> str:
    box = page.form.findChild(QWidget, f"setting_{key}")
    assert box is not None, key
    note = box.findChild(QLabel, "settingHelp")
    assert note is not None, key
    return note.text()


def test_the_clinic_page_has_one_editor_per_clinic_setting(qtbot: QtBot, admin: Desk) -> None:
    dialog = open_dialog(qtbot, admin)
    page = dialog.clinic
    clinic_keys = {
        s.key
        for s in registry.all_settings()
        if s.scope == "clinic" and not s.managed and not s.elsewhere
    }
    assert set(page.editors) == clinic_keys
    assert "reminders.service_rules" not in page.editors  # per service, on Services
    assert isinstance(page.editor("schedule.slot_minutes"), QSpinBox)
    slot = page.editor("schedule.slot_minutes")
    assert isinstance(slot, QSpinBox) and (slot.minimum(), slot.maximum()) == (5, 120)
    assert slot.value() == 15 and slot.suffix() == " min"
    zone = page.editor("clinic.timezone")
    assert isinstance(zone, QComboBox) and zone.isEditable() and zone.findText("Asia/Tokyo") >= 0
    assert isinstance(page.editor("clinic.name"), QLineEdit)
    assert isinstance(page.editors["schedule.opening_hours"].widget, HoursEditor)
    assert page.form.captions["clinic.name"] == "Clinic name"
    assert page.form.captions["desk.wait_alert_minutes"] == "Waiting alert"
    assert "amber" in help_of(page, "desk.wait_alert_minutes")
    assert "amber" in page.editor("desk.wait_alert_minutes").toolTip()
    assert not page.unsaved()
    shot(dialog, "settings-clinic-registry")


def test_a_new_setting_of_any_kind_gets_its_editor_and_saves_with_no_widget_code(
    qtbot: QtBot, admin: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    declared = [
        Setting("test.remind", "clinic", Flag(), False, Text("Send reminders"),
                Text("Reminders go out the day before."), "clinic.configure"),
        Setting("test.channel", "clinic", Choice(("sms", "email")), "sms", Text("Channel"),
                Text("How reminders go out."), "clinic.configure"),
        Setting("test.accent", "clinic", Colour(), "#4a90d9", Text("Accent"),
                Text("The clinic's colour."), "clinic.configure"),
    ]  # fmt: skip
    for setting in declared:
        monkeypatch.setitem(registry._REGISTRY, setting.key, setting)
    dialog = open_dialog(qtbot, admin)
    page = dialog.clinic
    remind, channel = page.editor("test.remind"), page.editor("test.channel")
    accent = page.editors["test.accent"].widget
    assert isinstance(remind, QCheckBox) and not remind.isChecked()
    assert isinstance(channel, QComboBox) and channel.currentText() == "sms"
    assert isinstance(accent, ColourField) and accent.value() == "#4a90d9"
    assert [page.form.captions[s.key] for s in declared] == ["Send reminders", "Channel", "Accent"]
    remind.setChecked(True)
    channel.setCurrentIndex(channel.findData("email"))
    accent.set_value("#AA3366")
    assert page.unsaved()
    with qtbot.waitSignal(dialog.changed, timeout=10_000):
        page.save()
    ctx = admin.ctx()
    stored = on_worker(admin, lambda db: [registry_ops.get(db, ctx, s.key).value for s in declared])
    assert stored == [True, "email", "#aa3366"]
    assert not page.unsaved() and page.note.text() == "Saved."


def test_a_refused_value_is_shown_by_its_setting_and_nothing_is_saved(
    qtbot: QtBot, admin: Desk
) -> None:
    dialog = open_dialog(qtbot, admin)
    page = dialog.clinic
    slot = page.editor("schedule.slot_minutes")
    name = page.editor("clinic.name")
    assert isinstance(slot, QSpinBox) and isinstance(name, QLineEdit)
    name.setText("Renamed")
    slot.setValue(7)  # does not divide a day
    with qtbot.waitSignal(page.refused, timeout=10_000):
        page.save()
    error = page.form.errors["schedule.slot_minutes"]
    assert error.isVisible() and "must divide 1440" in error.text()
    assert page.note.text() == "Not saved: check the slot size."
    assert slot.value() == 7 and page.unsaved()
    ctx = admin.ctx()
    assert on_worker(admin, lambda db: registry_ops.get(db, ctx, "clinic.name").value) == (
        "Şifa Clinic"
    ), "the name was not saved either: all or nothing"
    shot(dialog, "settings-clinic-refused")


def test_a_bad_opening_hours_day_is_shown_on_its_line(qtbot: QtBot, admin: Desk) -> None:
    dialog = open_dialog(qtbot, admin)
    page = dialog.clinic
    hours = page.editors["schedule.opening_hours"].widget
    assert isinstance(hours, HoursEditor) and hours.limited.isChecked()
    hours.days["sat"].set_spans([["13:00", "09:00"]])
    page.save()
    assert hours.day_errors["sat"].isVisible()
    assert page.note.text() == "Not saved: fix the marked field."


def test_this_pc_page_saves_the_lock_time(qtbot: QtBot, admin: Desk, config_dir: Path) -> None:
    dialog = open_dialog(qtbot, admin)  # the idle lock is the clinic's: a manager's (session 18)
    page = dialog.this_pc
    assert page.editable and page.objectName() == "thisPcPage"
    assert {"desk.lock_after_minutes", "backup.folder"} <= set(page.editors)
    assert all(key.split(".")[0] in ("desk", "backup", "cloud") for key in page.editors)
    minutes = page.editor("desk.lock_after_minutes")
    assert isinstance(minutes, QSpinBox) and minutes.value() == 5
    assert "locks the desk" in help_of(page, "desk.lock_after_minutes")
    dialog.tabs.setCurrentWidget(page)
    # the default backup folder is inside the data folder: on the clinic's own disk
    qtbot.waitUntil(lambda: not page.placement.isHidden(), timeout=10_000)
    assert "on the disk that holds the clinic" in page.placement.text()
    minutes.setValue(12)
    shot(dialog, "settings-this-pc")
    with qtbot.waitSignal(dialog.preferencesSaved, timeout=10_000) as saved:
        page.save()
    assert saved.args[0].entry("desk.lock_after_minutes").value == 12
    stored = json.loads((config_dir / "preferences.json").read_text("utf-8"))
    assert stored == {"desk.lock_after_minutes": 12}
    assert registry_ops.preference("desk.lock_after_minutes") == 12


def test_a_receptionist_changes_only_the_desks_own_preferences_on_this_pc(
    qtbot: QtBot, desk: Desk, config_dir: Path
) -> None:
    """The backup folder, the certificates this PC trusts, the sync interval and the
    idle lock are the clinic's to decide: shown read-only, saying who may change them;
    the today panel and larger text are the desk's own."""
    dialog = open_dialog(qtbot, desk)  # a receptionist: the clinic's settings are read-only
    assert not dialog.clinic.editable
    page = dialog.this_pc
    assert page.editable, "the desk's own preferences"
    dialog.tabs.setCurrentWidget(page)
    decided = {
        "backup.folder": "Only a manager or an administrator can change",
        "cloud.ca_file": "Only an administrator can change",
        "cloud.sync_interval_seconds": "Only a manager or an administrator can change",
        "desk.lock_after_minutes": "Only a manager or an administrator can change",
    }
    for key, who in decided.items():
        assert not page.editor(key).isEnabled(), key
        assert who in help_of(page, key), key
    for key in ("desk.today_panel", "desk.larger_text"):
        assert page.editor(key).isEnabled(), key
        assert "Only" not in help_of(page, key), key
    page.sections.reveal("backup.folder")
    shot(dialog, "settings-this-pc-receptionist")
    today = page.editor("desk.today_panel")
    assert isinstance(today, QCheckBox)
    today.setChecked(True)
    with qtbot.waitSignal(dialog.preferencesSaved, timeout=10_000):
        page.save()
    assert page.note.text() == "Saved."
    stored = json.loads((config_dir / "preferences.json").read_text("utf-8"))
    assert stored == {"desk.today_panel": True}


def test_this_pc_page_is_guarded_like_the_others(qtbot: QtBot, admin: Desk) -> None:
    asked: list[str] = []
    dialog = SettingsDialog(admin, confirm=lambda _p, page: asked.append(page) or "cancel")
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.load()
    dialog.tabs.setCurrentWidget(dialog.this_pc)
    minutes = dialog.this_pc.editor("desk.lock_after_minutes")
    assert isinstance(minutes, QSpinBox)
    minutes.setValue(30)
    dialog.tabs.setCurrentWidget(dialog.clinic)
    assert asked == ["This PC"] and dialog.tabs.currentWidget() is dialog.this_pc
    assert dialog.unsaved()


@pytest.fixture
def wide(qtbot: QtBot, admin: Desk) -> Iterator[ClinicPage]:
    dialog = open_dialog(qtbot, admin)
    yield dialog.clinic


def test_every_setting_editor_has_an_accessible_name_and_description(wide: ClinicPage) -> None:
    for key, editor in wide.editors.items():
        assert editor.focus.accessibleName(), key
        assert editor.focus.accessibleDescription(), key


def test_a_plain_http_provider_address_or_a_bad_sender_is_refused_by_its_field(
    qtbot: QtBot, admin: Desk
) -> None:
    dialog = open_dialog(qtbot, admin)
    page = dialog.clinic
    url = page.editor("channels.sms_base_url")
    assert isinstance(url, QLineEdit)
    url.setText("http://api.twilio.com")
    with qtbot.waitSignal(page.refused, timeout=10_000):
        page.save()
    error = page.form.errors["channels.sms_base_url"]
    assert "SMS provider must be a web address starting https://" in error.text()
    assert "https is required" in error.text()
    ctx = admin.ctx()
    assert (
        on_worker(admin, lambda db: registry_ops.get(db, ctx, "channels.sms_base_url").value) == ""
    )
    url.setText("http://127.0.0.1:8080")  # a relay on this PC
    with qtbot.waitSignal(page.saved, timeout=10_000):
        page.save()
    assert on_worker(
        admin, lambda db: registry_ops.get(db, ctx, "channels.sms_base_url").value
    ) == ("http://127.0.0.1:8080")
    # The senders: the core's one rule, as ``channels set --sender`` meets it.
    for key, bad, said in (
        ("channels.email_sender", "reception desk", "E-mail sender must be an e-mail address"),
        ("channels.sms_sender", "0532 111 22", "SMS sender must be a phone number of TR"),
        ("channels.whatsapp_sender", "0532 111 22", "WhatsApp number must be a phone numbe"),
        ("channels.whatsapp_account", "+90 532 111 22 33", "must be the ID Meta gives"),
    ):
        sender = page.editor(key)
        assert isinstance(sender, QLineEdit)
        sender.setText(bad)
        with qtbot.waitSignal(page.refused, timeout=10_000):
            page.save()
        assert said in page.form.errors[key].text()
        if key == "channels.whatsapp_sender":
            page.sections.reveal(key)
            dialog.resize(1366, 768)
            shot(dialog, "settings-sender-number-refused")
        sender.setText("")
    # Typed as the desk writes numbers: read in the clinic's region (TR), as patients' are.
    page.editor("channels.sms_sender").setText("0532 111 22 33")  # type: ignore[union-attr]
    page.editor("channels.whatsapp_sender").setText("+90 532 111 22 34")  # type: ignore[union-attr]
    with qtbot.waitSignal(page.saved, timeout=10_000):
        page.save()
    saved = on_worker(admin, lambda db: registry_ops.get(db, ctx, "channels.sms_sender").value)
    assert saved == "+905321112233"
    wa = on_worker(admin, lambda db: registry_ops.get(db, ctx, "channels.whatsapp_sender").value)
    assert wa == "+905321112234"
    assert page.editor("channels.sms_sender").text() == "+905321112233"  # type: ignore[union-attr]


def test_a_sender_saved_before_the_check_is_shown_as_saved_with_its_error(
    qtbot: QtBot, admin: Desk
) -> None:
    """An SMS sender in national form, saved before today's check: the field shows it
    (not empty) with the check's words under it; saving the page's other settings is
    not refused for it (it stays shown); a right one clears it."""
    ctx, key, old = admin.ctx(), "channels.sms_sender", "0212 555 12 34"

    def saved_before(db: Any) -> None:
        registry_ops.set_many(db, ctx, {key: "+905001112233"})
        with db.write() as s:  # as an older version left it: no check
            s.execute(update(ClinicSetting).where(ClinicSetting.key == key)
                      .values(value=json.dumps(old)))  # fmt: skip

    on_worker(admin, saved_before)
    dialog = open_dialog(qtbot, admin)
    page = dialog.clinic
    sender = page.editor(key)
    assert isinstance(sender, QLineEdit) and sender.text() == old
    error = page.form.errors[key]
    assert not error.isHidden()
    assert "Saved before this check" in error.text() and "international form" in error.text()
    page.sections.reveal(key)
    dialog.resize(1366, 768)
    shot(dialog, "settings-sender-refused")
    name = page.editor("clinic.name")
    assert isinstance(name, QLineEdit)
    name.setText("Moda Dental Kadıköy")
    with qtbot.waitSignal(page.saved, timeout=10_000):
        page.save()
    assert sender.text() == old and not page.form.errors[key].isHidden()
    assert on_worker(admin, lambda db: registry_ops.get(db, ctx, key).value) == old
    sender.setText("+90 500 111 22 33")
    with qtbot.waitSignal(page.saved, timeout=10_000):
        page.save()
    entry = on_worker(admin, lambda db: registry_ops.get(db, ctx, key))
    assert entry.value == "+905001112233" and entry.refused is None
    assert page.form.errors[key].isHidden() and sender.text() == "+905001112233"


def test_the_zone_box_offers_every_regional_zone_read_once_a_run(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each Settings dialog has a zone box; the zone database is walked for the first."""
    real = editors.available_timezones
    walks: list[int] = []
    monkeypatch.setattr(editors, "available_timezones", lambda: walks.append(1) or real())
    editors.zone_names.cache_clear()
    boxes = [editors.zone_box(), editors.zone_box()]
    for box in boxes:
        qtbot.addWidget(box)
    offered = [[box.itemText(i) for i in range(box.count())] for box in boxes]
    assert offered[0] == offered[1] == sorted(z for z in real() if "/" in z)
    assert "Europe/Istanbul" in offered[0] and "UTC" not in offered[0]
    assert walks == [1]
