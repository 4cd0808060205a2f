"""Settings of every scope through the operations, with no Qt: list, get, set, refuse."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from factories import actor_ctx, make_clinic
from sqlalchemy import func, select

from receptionist import zones
from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.errors import NotFound, PermissionDenied, ValidationError
from receptionist.models import AuditEvent, ClinicSetting, LocalSecret
from receptionist.ops import settings as ops
from receptionist.schedule.clinic import get_clinic
from receptionist.settings import registry
from receptionist.settings.kinds import Words
from receptionist.settings.registry import Setting
from receptionist.store.storage import Database
from receptionist.texts import Text, message


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    monkeypatch.setenv("RECEPTIONIST_CONFIG_DIR", str(folder))
    return folder


@pytest.fixture
def clinic(db: Database, ctx: Ctx) -> Database:
    with db.write() as s:
        make_clinic(s, ctx)
    return db


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> Iterator[Setting]:
    """A secret setting, declared for this test only."""
    secret = Setting(
        "test.token",
        "secret",
        Words(100),
        "",
        Text("Token"),
        Text("A token for a service."),
        "clinic.configure",
    )
    monkeypatch.setitem(registry._REGISTRY, secret.key, secret)
    yield secret


def count(db: Database, model: object) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]


def test_every_declared_setting_is_listed_with_its_value_and_default(
    clinic: Database, ctx: Ctx
) -> None:
    found = {e.key: e for e in ops.entries(clinic, ctx)}
    for key in (
        "clinic.name",
        "clinic.timezone",
        "clinic.phone_region",
        "clinic.locale",
        "schedule.slot_minutes",
        "schedule.opening_hours",
        "desk.wait_alert_minutes",
        "desk.lock_after_minutes",
    ):
        assert key in found, key
    name = found["clinic.name"]
    assert (name.scope, name.type, name.value, name.default) == ("clinic", "str", "Moda", "Clinic")
    assert name.is_set and name.editable and name.label == "Clinic name" and name.help
    wait = found["desk.wait_alert_minutes"]
    assert (wait.value, wait.default, wait.is_set, wait.type) == (15, 15, False, "int")
    lock = found["desk.lock_after_minutes"]
    assert (lock.scope, lock.value, lock.is_set) == ("pc", 5, False)
    assert found["clinic.timezone"].type == "timezone"
    pc = [e.key for e in ops.entries(clinic, ctx, "pc")]
    assert "desk.lock_after_minutes" in pc and "clinic.name" not in pc
    assert all(e.scope == "pc" for e in ops.entries(clinic, ctx, "pc"))


def test_a_clinic_setting_round_trips_and_is_audited(clinic: Database, ctx: Ctx) -> None:
    events = count(clinic, AuditEvent)
    entry = ops.set_text(clinic, ctx, "schedule.slot_minutes", " 10 ")
    assert (entry.value, entry.text, entry.is_set) == (10, "10", True)
    assert ops.get(clinic, ctx, "schedule.slot_minutes").value == 10
    with clinic.read() as s:
        assert get_clinic(s).slot_minutes == 10
    assert count(clinic, AuditEvent) == events + 1
    ops.set_value(clinic, ctx, "schedule.slot_minutes", 10)  # the same value: no write
    assert count(clinic, AuditEvent) == events + 1
    hours = ops.set_text(clinic, ctx, "schedule.opening_hours", "mon-fri 09:00-17:00")
    assert hours.value["mon"] == [["09:00", "17:00"]] and hours.value["sat"] == []  # type: ignore[index]
    again = ops.set_text(clinic, ctx, "schedule.opening_hours", hours.text)
    assert again.value == hours.value, "the text a setting is shown as reads back the same"


def test_a_pc_setting_round_trips_through_the_preferences_file(
    clinic: Database, ctx: Ctx, config_dir: Path
) -> None:
    rows = count(clinic, ClinicSetting)
    entry = ops.set_text(clinic, ctx, "desk.lock_after_minutes", "12")
    assert (entry.value, entry.is_set, entry.scope) == (12, True, "pc")
    assert json.loads((config_dir / "preferences.json").read_text("utf-8")) == {
        "desk.lock_after_minutes": 12
    }
    assert ops.preference("desk.lock_after_minutes") == 12
    assert ops.get(clinic, ctx, "desk.lock_after_minutes").value == 12
    assert count(clinic, ClinicSetting) == rows, "nothing of this PC's goes into the clinic"
    receptionist = actor_ctx("receptionist", ctx.clock)
    assert ops.set_value(clinic, receptionist, "desk.larger_text", True).value is True
    with pytest.raises(PermissionDenied):  # the idle lock is the clinic's (session 18)
        ops.set_value(clinic, receptionist, "desk.lock_after_minutes", 3)


def test_a_secret_is_kept_and_never_shown(
    clinic: Database, ctx: Ctx, token: Setting, memory_keyring: object
) -> None:
    entry = ops.get(clinic, ctx, "test.token")
    assert (entry.value, entry.default, entry.is_set, entry.text) == (None, None, False, "not set")
    entry = ops.set_text(clinic, ctx, "test.token", "s3cret-token")
    assert (entry.value, entry.is_set, entry.text) == (None, True, "set")
    assert "s3cret-token" in memory_keyring.store.values()  # type: ignore[attr-defined]
    assert "s3cret-token" not in repr(ops.entries(clinic, ctx))
    assert count(clinic, LocalSecret) == 0, "in the keychain, not the file"
    assert not ops.set_text(clinic, ctx, "test.token", "").is_set  # empty forgets it
    assert "s3cret-token" not in memory_keyring.store.values()  # type: ignore[attr-defined]
    with pytest.raises(ValidationError) as bad:
        ops.set_value(clinic, ctx, "test.token", 42)
    assert bad.value.field == "test.token"


@pytest.mark.parametrize(
    ("key", "text", "reason"),
    [
        ("schedule.slot_minutes", "7", "must divide 1440"),
        ("schedule.slot_minutes", "ten", "whole number from 5 to 120"),
        ("desk.wait_alert_minutes", "0", "whole number from 1 to 240"),
        ("clinic.timezone", "Mars/Olympus", "time zone is not known"),
        ("clinic.timezone", "Europe", "time zone is not known"),
        ("clinic.phone_region", "TUR", "at most 2 characters"),
        ("clinic.name", "Evil\x1b[2J", "control"),
        ("schedule.opening_hours", "mon 17:00-09:00", "ends before it starts"),
        ("desk.lock_after_minutes", "0", "whole number from 1 to 480"),
    ],
)
def test_a_bad_value_is_refused_with_its_reason_and_nothing_written(
    clinic: Database, ctx: Ctx, config_dir: Path, key: str, text: str, reason: str
) -> None:
    before = ops.entries(clinic, ctx)
    events = count(clinic, AuditEvent)
    with pytest.raises(ValidationError) as bad:
        ops.set_text(clinic, ctx, key, text)
    assert bad.value.field == key, "the refusal names the setting"
    assert reason in str(bad.value)
    assert ops.entries(clinic, ctx) == before
    assert count(clinic, AuditEvent) == events
    assert not (config_dir / "preferences.json").exists()


def test_set_many_checks_every_value_before_writing_any(clinic: Database, ctx: Ctx) -> None:
    with pytest.raises(ValidationError) as bad:
        ops.set_many(
            clinic,
            ctx,
            {"desk.lock_after_minutes": 9, "clinic.name": "Renamed", "schedule.slot_minutes": 7},
        )
    assert bad.value.field == "schedule.slot_minutes"
    assert ops.get(clinic, ctx, "clinic.name").value == "Moda"
    assert not ops.get(clinic, ctx, "desk.lock_after_minutes").is_set
    done = ops.set_many(clinic, ctx, {"clinic.name": "Renamed", "schedule.slot_minutes": 20})
    assert [e.value for e in done] == ["Renamed", 20]


def test_a_refusal_names_the_setting_whatever_rule_refused_it(
    clinic: Database, ctx: Ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rule borrowed from elsewhere names its own field ("timezone"); a front end
    shows a refusal by the setting's key, so the operation names the key."""
    home = Setting(
        "test.home_zone",
        "clinic",
        Words(64, rule=lambda text, key, label: zones.zone(text).key),
        "UTC",
        Text("Home zone"),
        Text("A zone."),
        "clinic.configure",
    )
    monkeypatch.setitem(registry._REGISTRY, home.key, home)
    with pytest.raises(ValidationError) as bad:
        ops.set_text(clinic, ctx, "test.home_zone", "Mars/Olympus")
    assert bad.value.field == "test.home_zone" and "not known" in str(bad.value)
    assert isinstance(message(bad.value), Text), "still translatable"


def test_only_those_allowed_change_clinic_settings(clinic: Database, clock: FixedClock) -> None:
    desk = actor_ctx("receptionist", clock)
    assert not ops.get(clinic, desk, "clinic.name").editable
    with pytest.raises(PermissionDenied) as refused:
        ops.set_text(clinic, desk, "clinic.name", "Mine now")
    assert "Only a manager or an administrator" in str(refused.value)
    assert ops.get(clinic, desk, "clinic.name").value == "Moda"


def test_an_unknown_key_suggests_the_nearest(clinic: Database, ctx: Ctx) -> None:
    with pytest.raises(NotFound) as missing:
        ops.get(clinic, ctx, "schedule.slot_minute")
    assert "did you mean schedule.slot_minutes?" in str(missing.value)
    with pytest.raises(NotFound):
        ops.set_text(clinic, ctx, "nothing.like_it_at_all", "1")


def test_a_damaged_preferences_file_reads_as_defaults_and_is_replaced(
    clinic: Database, ctx: Ctx, config_dir: Path
) -> None:
    config_dir.mkdir()
    (config_dir / "preferences.json").write_text("{not json", "utf-8")
    assert ops.preference("desk.lock_after_minutes") == 5
    ops.set_value(clinic, ctx, "desk.lock_after_minutes", 8)
    assert ops.preference("desk.lock_after_minutes") == 8


def test_clinic_info_is_what_the_desk_keeps(clinic: Database, ctx: Ctx) -> None:
    ops.set_value(clinic, ctx, "desk.wait_alert_minutes", 25)
    info = ops.clinic_info(clinic)
    assert (info.name, info.timezone, info.slot_minutes, info.wait_alert_minutes) == (
        "Moda",
        "Europe/Istanbul",
        15,
        25,
    )


def test_a_sender_number_is_read_in_the_clinics_phone_region_as_patients_numbers_are(
    clinic: Database, ctx: Ctx
) -> None:
    """A sender typed as the desk writes numbers ("0532 123 45 67" in a Turkish clinic)
    is stored in E.164, as a patient's number typed so would be; a region saved with it
    in the same save is the one it is read in."""
    done = ops.set_many(clinic, ctx, {"channels.sms_sender": "0532 123 45 67",
                                      "channels.whatsapp_sender": "0212 555 12 34"})  # fmt: skip
    assert [e.value for e in done] == ["+905321234567", "+902125551234"]
    assert [e.refused for e in done] == [None, None]
    moved = ops.set_many(clinic, ctx, {"clinic.phone_region": "gb",
                                       "channels.sms_sender": "07400 123456"})  # fmt: skip
    assert [e.value for e in moved] == ["GB", "+447400123456"]
    assert ops.set_text(clinic, ctx, "channels.sms_sender", "MODA").value == "MODA"
    # ``settings set channels.sms_sender NUMBER`` (what a stopped channel's words say)
    typed = ops.set_text(clinic, ctx, "channels.sms_sender", "07400 123457")
    assert typed.value == "+447400123457"


def test_a_sender_number_the_region_has_not_is_refused_saying_what_to_type(
    clinic: Database, ctx: Ctx
) -> None:
    events = count(clinic, AuditEvent)
    with pytest.raises(ValidationError) as bad:
        ops.set_many(clinic, ctx, {"clinic.name": "Renamed", "channels.sms_sender": "0532 123"})
    assert bad.value.field == "channels.sms_sender"
    said = str(bad.value)
    assert "TR" in said and "+90" in said and "short code" in said, said
    assert count(clinic, AuditEvent) == events
    assert ops.get(clinic, ctx, "clinic.name").value == "Moda"
