"""The pure parts of reminders: SMS segments, templates, quiet hours, the rules' checks."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

import pytest

from receptionist import zones
from receptionist.errors import ValidationError
from receptionist.reminders import reasons, templates
from receptionist.reminders.quiet import inside, send_time
from receptionist.reminders.segments import count
from receptionist.reminders.settings import SERVICE_RULES, offsets_rule, rule_key


@pytest.mark.parametrize(
    ("text", "encoding", "units", "parts"),
    [
        ("", "gsm7", 0, 1),
        ("a" * 160, "gsm7", 160, 1),
        ("a" * 161, "gsm7", 161, 2),
        ("a" * 306, "gsm7", 306, 2),
        ("a" * 307, "gsm7", 307, 3),
        ("€" * 80, "gsm7", 160, 1),  # an extension character takes two septets
        ("€" * 81, "gsm7", 162, 2),
        ("a" * 152 + "€" + "a" * 10, "gsm7", 164, 2),  # the escape pair moves whole
        ("a" * 152 + "€" + "a" * 152, "gsm7", 306, 3),
        ("ş" * 70, "ucs2", 70, 1),
        ("ş" * 71, "ucs2", 71, 2),
        ("a" * 134 + "ş", "ucs2", 135, 3),  # one Turkish letter makes it all UCS-2
        ("😀" * 35, "ucs2", 70, 1),  # beyond the BMP: two units each
        ("a" * 66 + "😀" + "a" * 66, "ucs2", 134, 3),  # a surrogate pair is never split
        ("Çà@£$¥èéùìò", "gsm7", 11, 1),
        ("ç", "ucs2", 1, 1),  # GSM-7 has Ç but not ç
    ],
)
def test_segments(text: str, encoding: str, units: int, parts: int) -> None:
    found = count(text)
    assert (found.encoding, found.units, found.count) == (encoding, units, parts)


def test_every_template_has_the_same_placeholders_in_every_language() -> None:
    assert len(templates.TEMPLATES) == 3 * 3 * 4
    for (lang, channel, kind), t in templates.TEMPLATES.items():
        names = templates.placeholders(t.body) | templates.placeholders(t.subject)
        assert names <= set(templates.PLACEHOLDERS), (lang, channel, kind)
        assert {"first_name", "date", "time"} <= names, (lang, channel, kind)
        assert ("address" in names) == (channel != "sms"), (lang, channel, kind)
        assert bool(t.subject) == (channel == "email")


def test_render_fills_in_and_neutralises_stored_text() -> None:
    t = templates.TEMPLATES[("tr", "sms", "reminder")]
    values = {
        "first_name": "Ayşe\x1b[2J",
        "date": templates.date_text(datetime(2026, 3, 3, 10), "tr"),
        "time": "10:00",
        "provider": "Dr Can",
        "clinic": "Moda",
        "address": "",
    }
    body = templates.render(t, values).body
    assert "\x1b" not in body and "Ayşe\\x1b[2J" in body
    assert "3 Mart 2026 Salı 10:00" in body
    assert templates.date_text(datetime(2026, 3, 3), "ar").startswith("الثلاثاء 3 مارس")
    assert templates.language_for("tr-TR", "en") == "tr"
    assert templates.language_for("de", "ar") == "ar"
    assert templates.language_for(None, "fr") == "en"


TZ = zones.zone("Europe/Istanbul")


def ist(day: int, hour: int, minute: int = 0) -> datetime:
    return zones.wall_to_utc(datetime(2026, 3, day, hour, minute), TZ)


def test_quiet_hours_across_midnight() -> None:
    window = (time(21), time(8))
    assert inside(ist(3, 22), *window, TZ) and inside(ist(3, 7, 59), *window, TZ)
    assert not inside(ist(3, 8), *window, TZ) and not inside(ist(3, 20, 59), *window, TZ)
    assert send_time(ist(3, 7), ist(3, 9), window, "shift", TZ) == ist(3, 8)
    assert send_time(ist(2, 23), ist(3, 12), window, "shift", TZ) == ist(3, 8)
    assert send_time(ist(3, 6), ist(3, 8), window, "shift", TZ) is None  # too late
    assert send_time(ist(3, 7), ist(3, 9), window, "skip", TZ) is None
    assert send_time(ist(3, 12), ist(3, 14), window, "skip", TZ) == ist(3, 12)
    assert send_time(ist(3, 7), ist(3, 9), (None, None), "shift", TZ) == ist(3, 7)
    day_window = (time(12), time(13))
    assert send_time(ist(3, 12, 30), ist(3, 18), day_window, "shift", TZ) == ist(3, 13)


def test_a_rule_is_known_by_its_offset_not_its_spelling() -> None:
    assert rule_key("24h") == rule_key("1d") == rule_key("1440m") == rule_key(" 1D")
    assert rule_key("2h") == rule_key("120m") != rule_key("24h")
    assert rule_key("confirmation") == "confirmation"


def test_the_rules_are_checked_naming_the_setting() -> None:
    assert offsets_rule(" 2h, 24H ,", "k", "l") == "24h,2h"
    assert offsets_rule("", "k", "l") == ""
    # Two spellings of one offset are one rule: the first written stays, as written.
    assert offsets_rule("1d, 2h, 24h, 120m", "k", "l") == "1d,2h"
    for bad in ("2x", "0h", "31d", "1h,2h,3h,4h,5h", "h"):
        with pytest.raises(ValidationError) as caught:
            offsets_rule(bad, "reminders.offsets", "Reminder times")
        assert caught.value.field == "reminders.offsets"
    ok = SERVICE_RULES.check({"svc": {"offsets": "2h,48h", "confirmation": False}})
    assert ok == {"svc": {"offsets": "48h,2h", "confirmation": False}}
    for bad in ({"svc": {"colour": 1}}, {"svc": {"confirmation": "no"}}, [], {"svc": 3}):
        with pytest.raises(ValidationError):
            SERVICE_RULES.check(bad)
    assert datetime(2026, 1, 1, tzinfo=UTC)


def test_reason_sentences_say_nothing_of_the_patients_gender() -> None:
    """A reason is shown for every patient: "the patient", never "her" or "his"."""
    gendered = re.compile(r"\b(she|her|hers|he|him|his)\b", re.IGNORECASE)
    for code in reasons._SAID:
        said = reasons.explain(code)
        assert said is not None
        assert not gendered.search(said.template), code
    restricted = reasons.explain("restricted")
    assert restricted is not None and "The patient's reminders" in restricted.template
