"""Who may change each setting: one rule in the registry, enforced by the operation that
writes settings (so the app and the CLI refuse alike), with a sentence naming who may."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from factories import actor_ctx, make_clinic

from receptionist.context import Ctx
from receptionist.errors import PermissionDenied
from receptionist.ops import settings as ops
from receptionist.roles import PERMISSIONS, ROLES
from receptionist.settings import registry
from receptionist.settings.kinds import Words
from receptionist.settings.registry import ANYONE, Setting
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


def stored(config_dir: Path) -> dict[str, object]:
    path = config_dir / "preferences.json"
    return json.loads(path.read_text("utf-8")) if path.exists() else {}


# What a receptionist at the desk may change on this PC: the desk's own preferences.
THE_DESKS_OWN = {"desk.today_panel", "desk.larger_text"}


def test_every_setting_says_who_may_change_it() -> None:
    ops.declared()  # every declaring room imported
    for setting in registry.all_settings():
        assert setting.permission == ANYONE or setting.permission in PERMISSIONS, setting.key
    anyone = {s.key for s in registry.all_settings() if s.permission == ANYONE and not s.managed}
    assert anyone == THE_DESKS_OWN, "a receptionist may change only the desk's own preferences"


def test_a_setting_that_does_not_say_who_may_change_it_is_not_declared() -> None:
    for permission in ("", "clinic.configur"):
        with pytest.raises(ValueError, match="who may change it"):
            registry.declare(
                Setting("test.nobody", "pc", Words(10), "", Text("X"), Text("Y."), permission)
            )
    assert "test.nobody" not in {s.key for s in registry.all_settings()}


@pytest.mark.parametrize(
    ("key", "value", "role", "who"),
    [
        ("backup.folder", "/mnt/elsewhere", "receptionist", "a manager or an administrator"),
        ("cloud.ca_file", "/tmp/evil-ca.pem", "receptionist", "an administrator"),
        ("cloud.ca_file", "/tmp/evil-ca.pem", "manager", "an administrator"),
        ("cloud.sync_interval_seconds", 3600, "receptionist", "a manager or an administrator"),
        ("desk.lock_after_minutes", 480, "receptionist", "a manager or an administrator"),
    ],
)
def test_a_pc_setting_the_clinic_decides_is_refused_naming_who_may(
    clinic: Database, ctx: Ctx, config_dir: Path, key: str, value: object, role: str, who: str
) -> None:
    acting = actor_ctx(role, ctx.clock)
    with pytest.raises(PermissionDenied) as refused:
        ops.set_value(clinic, acting, key, value)
    said = message(refused.value)
    assert isinstance(said, Text), "translatable"
    label = registry.setting(key).label
    assert str(said) == f'Only {who} can change "{label}".', said
    assert key not in stored(config_dir), "nothing written"
    assert ops.get(clinic, acting, key).editable is False
    with pytest.raises(PermissionDenied):  # as the CLI sets it: typed text
        ops.set_text(clinic, acting, key, str(value))
    assert ops.get(clinic, ctx, key).editable is True, "an administrator may"
    ops.set_value(clinic, ctx, key, value)
    assert stored(config_dir)[key] == value


def test_a_refused_setting_among_several_writes_none(
    clinic: Database, ctx: Ctx, config_dir: Path
) -> None:
    desk = actor_ctx("receptionist", ctx.clock)
    with pytest.raises(PermissionDenied):
        ops.set_many(clinic, desk, {"desk.larger_text": True, "backup.folder": "/mnt/x"})
    assert stored(config_dir) == {}
    ops.set_many(clinic, desk, {"desk.larger_text": True, "desk.today_panel": True})
    assert stored(config_dir) == {"desk.larger_text": True, "desk.today_panel": True}


def test_every_role_sees_what_it_may_change(clinic: Database, ctx: Ctx) -> None:
    for role in ROLES:
        acting = actor_ctx(role, ctx.clock)
        for entry in ops.entries(clinic, acting):
            setting = registry.setting(entry.key)
            allowed = setting.permission == ANYONE or acting.actor.may(setting.permission)
            assert entry.editable == (allowed and not setting.managed), (role, entry.key)


def test_a_secret_refusal_names_the_administrator(clinic: Database, ctx: Ctx) -> None:
    manager = actor_ctx("manager", ctx.clock)
    with pytest.raises(PermissionDenied) as refused:
        ops.set_text(clinic, manager, "channels.sms_token", "a-token")
    assert str(refused.value) == 'Only an administrator can change "SMS token".'


def test_a_preference_set_with_no_one_signed_in_is_only_the_desks_own() -> None:
    ops.set_preference("desk.today_panel", True)
    assert ops.preference("desk.today_panel") is True
    with pytest.raises(ValueError, match="signed-in"):
        ops.set_preference("backup.folder", "/mnt/x")
    assert ops.preference("backup.folder") == ""
