"""Settings in words, not keys: a choice's options carry labels, and a sentence that
points at a setting names it as the Settings dialog shows it."""

from __future__ import annotations

import re

from receptionist.ops import settings as ops
from receptionist.reminders import reasons
from receptionist.reminders.settings import LATE_LIMIT, QUIET_MODE
from receptionist.settings import backups, registry
from receptionist.settings.kinds import Choice, Ordered, Whole
from receptionist.texts import Text

KEY = re.compile(r"\b[a-z]+\.[a-z_]+\b")  # a setting's key, like reminders.late_limit_minutes


def test_every_choice_has_a_label_for_each_option() -> None:
    ops.declared()
    for setting in registry.all_settings():
        kind = setting.kind
        if isinstance(kind, Choice | Ordered):
            assert len(kind.labels) == len(kind.options), setting.key
            assert all(isinstance(label, Text) for label in kind.labels), setting.key
            assert [kind.label_of(o) for o in kind.options] == list(kind.labels)


def test_a_choices_help_speaks_of_its_labels_not_its_values() -> None:
    for setting in registry.all_settings():
        if isinstance(setting.kind, Choice):
            for option in setting.kind.options:
                assert f"{option}:" not in setting.help, (setting.key, option)


def test_every_unit_is_one_the_editors_show() -> None:
    units = {s.kind.unit for s in registry.all_settings() if isinstance(s.kind, Whole)}
    assert units <= {"", "min", "s", "h"}


def test_a_setting_is_named_where_the_dialog_shows_it() -> None:
    assert str(registry.where(LATE_LIMIT)) == "Settings > Clinic > Reminders: Late limit"
    assert str(registry.where(backups.FOLDER)) == "Settings > This PC > Backups: Backup folder"
    assert isinstance(registry.where(LATE_LIMIT).params["label"], Text), "translatable"


def test_reason_sentences_name_settings_by_their_place_not_their_key() -> None:
    late = reasons.explain("late")
    assert late is not None and "Settings > Clinic > Reminders: Late limit" in late
    quiet = reasons.explain("quiet_hours")
    assert quiet is not None and "Settings > Clinic > Reminders" in quiet
    assert "Do not send" in quiet, "the choice by its label"
    for said in (late, quiet):
        assert not KEY.findall(said.replace("e.g.", "")), said
    assert QUIET_MODE.kind.label_of("skip") in quiet  # type: ignore[attr-defined]


def test_the_whatsapp_template_reasons_name_the_fields_not_their_keys() -> None:
    said = reasons.explain("permanent:template_missing")
    assert said is not None
    assert "Settings > Clinic (Message channels, WhatsApp templates)" in said, said
    assert "channels." not in said
