"""Settings > Services: each service's reminder rules, the clinic's or its own, saved with
the service; the clinic's page has no JSON box for them any more."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from test_settings_ui import on_worker, open_dialog, pick, read, shot

from receptionist.context import Actor
from receptionist.models import Service
from receptionist.ops import servicerules
from receptionist.ops import settings as registry_ops
from receptionist.settings import clinicstore
from receptionist.settings.registry import setting
from ui.desk import Desk
from ui.settings import SettingsDialog

KEY = "reminders.service_rules"


@pytest.fixture
def admin(desk: Desk) -> Desk:
    return dataclasses.replace(desk, actor=Actor(user_id=None, role="admin", source="ui"))


@pytest.fixture
def dialog(qtbot: QtBot, admin: Desk) -> SettingsDialog:
    return open_dialog(qtbot, admin)


def rules(admin: Desk) -> object:
    return read(admin, lambda s: clinicstore.value(s, setting(KEY)))


def service_id(admin: Desk, name: str) -> str:
    return str(read(admin, lambda s: s.scalar(select(Service.id).where(Service.name == name))))


def save(qtbot: QtBot, dialog: SettingsDialog) -> None:
    with qtbot.waitSignal(dialog.changed, timeout=10_000):
        dialog.services.save_button.click()


def test_a_service_gets_its_own_rules_then_the_clinic_s_again(
    qtbot: QtBot, dialog: SettingsDialog, admin: Desk
) -> None:
    page = dialog.services
    dialog.tabs.setCurrentWidget(page)
    pick(page, "Check-up")
    part = page.reminders
    assert part.clinic.isChecked() and not part.offsets.isEnabled()
    assert part.offsets.text() == "24h,2h" and part.flags["confirmation"].isChecked()
    assert not page.unsaved()

    part.clinic.setChecked(False)  # its own: starts from the clinic's, now editable
    assert part.offsets.isEnabled() and part.offsets.text() == "24h,2h"
    part.offsets.setText("2h")
    part.flags["confirmation"].setChecked(False)
    assert page.unsaved()
    shot(dialog, "settings-service-reminders")
    save(qtbot, dialog)
    check = service_id(admin, "Check-up")
    assert rules(admin) == {
        check: {"offsets": "2h", "confirmation": False, "reschedule": True, "cancellation": True}
    }
    assert not page.unsaved() and page.note.text() == "Saved."

    pick(page, "Cleaning")  # another service: the clinic's
    assert part.clinic.isChecked() and part.offsets.text() == "24h,2h"
    page.duration.setValue(50)  # its other fields saved: its rules left as they are
    save(qtbot, dialog)
    assert set(rules(admin)) == {check}  # type: ignore[arg-type]

    pick(page, "Check-up")  # shown as saved
    assert not part.clinic.isChecked() and part.offsets.text() == "2h"
    assert not part.flags["confirmation"].isChecked()
    part.clinic.setChecked(True)  # back to the clinic's
    assert part.offsets.text() == "24h,2h" and not part.offsets.isEnabled()
    save(qtbot, dialog)
    assert rules(admin) == {}


def test_a_refused_reminder_time_names_the_field_and_saves_nothing(
    qtbot: QtBot, dialog: SettingsDialog, admin: Desk
) -> None:
    page = dialog.services
    dialog.tabs.setCurrentWidget(page)
    pick(page, "Check-up")
    page.name.setText("Check-up (adult)")
    page.reminders.clinic.setChecked(False)
    page.reminders.offsets.setText("2 hours")
    with qtbot.waitSignal(page.refused, timeout=10_000):
        page.save_button.click()
    error = page.form.errors["offsets"]
    assert error.isVisibleTo(page) and "like 24h,2h" in error.text()
    assert "reminder times" in page.note.text().lower()
    assert rules(admin) == {}  # neither the rules nor the new name
    assert service_id(admin, "Check-up") != "None"


def test_a_new_service_with_its_own_rules_and_a_note_of_rules_for_none(
    qtbot: QtBot, dialog: SettingsDialog, admin: Desk
) -> None:
    ctx = admin.ctx()
    on_worker(admin, lambda db: servicerules.set_rule(db, ctx, "Cleaning", offsets="48h"))
    cleaning = service_id(admin, "Cleaning")
    with_gone = {cleaning: {"offsets": "48h"}, "Check-up": {"offsets": "1h"}}
    on_worker(admin, lambda db: _raw(db, with_gone))  # as an older version saved it
    dialog.load()
    page = dialog.services
    qtbot.waitUntil(lambda: page.reminders.note.isVisibleTo(page), timeout=10_000)
    dialog.tabs.setCurrentWidget(page)
    assert "kept for a service this clinic no longer has" in page.reminders.note.text()
    page.start_new()
    page.name.setText("Implant")
    page.duration.setValue(90)
    assert page.reminders.clinic.isChecked()
    page.reminders.clinic.setChecked(False)
    page.reminders.offsets.setText("72h, 24h")
    shot(dialog, "settings-service-reminders-new")
    save(qtbot, dialog)
    implant = service_id(admin, "Implant")
    assert rules(admin) == {
        cleaning: {"offsets": "48h"},
        implant: {"offsets": "72h,24h", "confirmation": True, "reschedule": True,
                  "cancellation": True},
    }  # fmt: skip
    assert not page.reminders.note.isVisibleTo(page)  # the key of no service went


def test_rules_of_a_service_not_on_this_pc_yet_are_noted_and_kept_when_another_s_are_saved(
    qtbot: QtBot, dialog: SettingsDialog, admin: Desk
) -> None:
    """The setting synced here before the service another PC made: the note says its
    rules wait for it (not that they are ignored), and saving a service here keeps them."""
    elsewhere = str(uuid.uuid4())
    on_worker(admin, lambda db: registry_ops.set_value(db, admin.ctx(), KEY, {}))
    on_worker(
        admin, lambda db: _raw(db, {elsewhere: {"offsets": "48h"}, "Check-up": {"offsets": "1h"}})
    )
    dialog.load()
    page = dialog.services
    qtbot.waitUntil(lambda: page.reminders.note.isVisibleTo(page), timeout=10_000)
    dialog.tabs.setCurrentWidget(page)
    said = page.reminders.note.text()
    assert "kept for a service this clinic no longer has" in said  # the name: ignored
    assert "kept for a service not on this PC yet" in said and "apply once it arrives" in said
    pick(page, "Check-up")
    page.reminders.clinic.setChecked(False)
    page.reminders.offsets.setText("2h")
    shot(dialog, "settings-service-reminders-not-here-yet")
    save(qtbot, dialog)
    check = service_id(admin, "Check-up")
    assert rules(admin) == {
        elsewhere: {"offsets": "48h"},
        check: {"offsets": "2h", "confirmation": True, "reschedule": True, "cancellation": True},
    }
    said = page.reminders.note.text()
    assert "no longer has" not in said and "not on this PC yet" in said


def _raw(db: object, value: object) -> None:
    import json

    from sqlalchemy import update

    from receptionist.models import ClinicSetting, setting_id

    with db.write() as s:  # type: ignore[attr-defined]
        s.execute(
            update(ClinicSetting)
            .where(ClinicSetting.id == setting_id(KEY))
            .values(value=json.dumps(value))
        )


def test_the_clinic_page_has_no_json_box_for_the_services_rules(dialog: SettingsDialog) -> None:
    assert KEY not in dialog.clinic.editors
    assert "reminders.offsets" in dialog.clinic.editors
    assert KEY not in {s.key for s in registry_ops.declared("clinic")}
