"""WhatsApp's texts made honest (#14): Meta sends only the approved template the clinic
names, so a WhatsApp text is refused, one stored before is ignored and dropped at the
next save of that language's names, and the names and language code are what the
clinic edits (with the six values a message sends)."""

from __future__ import annotations

import pytest
from factories import actor_ctx
from sqlalchemy import select

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.errors import PermissionDenied, ValidationError
from receptionist.models import AuditEvent, setting_id
from receptionist.ops import templates, wanames
from receptionist.reminders import overrides, watemplates
from receptionist.reminders.templates import TEMPLATES
from receptionist.settings import clinicstore, registry
from receptionist.store.storage import Database
from receptionist.texts import message

STALE = ("en", "whatsapp", "reminder")


def _store_stale(db: Database, ctx: Ctx) -> None:
    """A WhatsApp text as an older version (or another PC, by sync) stored it."""
    with db.write() as s:
        clinicstore.write(s, ctx, overrides.SETTINGS[STALE], {"subject": "", "body": "Hi there"})


def _value(db: Database, key: str) -> object:
    with db.read() as s:
        return clinicstore.value(s, registry.setting(key))


def test_a_whatsapp_text_is_refused_and_says_what_to_do(db: Database, ctx: Ctx) -> None:
    with pytest.raises(ValidationError) as refused:
        templates.set_template(db, ctx, "tr", "whatsapp", "reminder", "Merhaba {first_name}")
    said = message(refused.value)
    assert refused.value.field == "channel"
    assert "WhatsApp Manager" in said and "approved" in said
    named = "reminders template whatsapp-name --language tr --kind reminder --name TEMPLATE_NAME"
    assert named in said  # the command that names one, not the setting's whole value
    assert _value(db, "templates.tr_whatsapp_reminder") == {}


def test_a_stored_whatsapp_text_is_ignored_then_dropped_when_the_names_are_saved(
    db: Database, ctx: Ctx
) -> None:
    _store_stale(db, ctx)
    assert overrides.from_values({overrides.SETTINGS[STALE].key: {"body": "Hi there"}}) == {}
    row = templates.show(db, ctx, *STALE)
    assert not row.overridden and row.body == TEMPLATES[STALE].body
    wanames.set_name(db, ctx, "tr", "reminder", "hatirlatma")  # another language: kept
    assert _value(db, "templates.en_whatsapp_reminder") == {"subject": "", "body": "Hi there"}

    saved = wanames.set_name(db, ctx, "en", "confirmation", "booking_confirmed", "en_US")
    assert (saved.name, saved.code) == ("booking_confirmed", "en_US")
    named = _value(db, "channels.whatsapp_templates_en")
    assert named == "confirmation=booking_confirmed, code=en_US"
    assert _value(db, "templates.en_whatsapp_reminder") == {}
    with db.read() as s:
        dropped = s.scalars(
            select(AuditEvent.action).where(
                AuditEvent.entity_id == setting_id("templates.en_whatsapp_reminder")
            )
        )
        assert len(list(dropped)) == 2  # stored, then dropped: both audited


def test_names_per_kind_and_the_code_are_kept_together() -> None:
    text = "reminder=appointment_reminder, cancellation=appointment_cancelled, code=tr_TR"
    named = watemplates.with_name(text, "tr", "confirmation", "randevu_onay", "tr_TR")
    assert named == (
        "reminder=appointment_reminder, confirmation=randevu_onay, "
        "cancellation=appointment_cancelled, code=tr_TR"
    )
    assert watemplates.with_name(named, "tr", "reminder", " ", "tr") == (
        "confirmation=randevu_onay, cancellation=appointment_cancelled"
    )  # no name: that kind is not sent by WhatsApp; the language's own code is the default
    for name, code, field in (("Appointment Reminder", "", "name"), ("ok", "english", "code")):
        with pytest.raises(ValidationError) as refused:
            watemplates.with_name(text, "en", "reminder", name, code)
        assert refused.value.field == field


def test_listing_shows_each_name_code_and_the_six_values(db: Database, ctx: Ctx) -> None:
    wanames.set_name(db, ctx, "ar", "reminder", "tadhkir", "ar_EG")
    rows = {(r.language, r.kind): r for r in wanames.listing(db, ctx)}
    assert len(rows) == 12
    assert (rows[("ar", "reminder")].name, rows[("ar", "reminder")].code) == ("tadhkir", "ar_EG")
    assert (rows[("ar", "cancellation")].name, rows[("en", "reminder")].code) == ("", "en")
    sent = rows[("en", "reminder")].parameters
    assert len(sent) == 6 and sent[0] == "Christabelle"
    assert sent[4] == "Clinic"  # the clinic's own name, not the sample's


def test_a_bad_name_writes_nothing_and_a_receptionist_cannot_name_one(
    db: Database, ctx: Ctx, clock: FixedClock
) -> None:
    _store_stale(db, ctx)
    with pytest.raises(ValidationError) as refused:
        wanames.set_name(db, ctx, "en", "reminder", "Reminder-1")
    assert refused.value.field == "name" and "appointment_reminder" in message(refused.value)
    with pytest.raises(PermissionDenied):
        wanames.set_name(db, actor_ctx("receptionist", clock), "en", "reminder", "ok")
    assert _value(db, "channels.whatsapp_templates_en") == ""
    assert _value(db, "templates.en_whatsapp_reminder") != {}  # nothing dropped either
