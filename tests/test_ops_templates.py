"""The clinic's own reminder templates: checked in one place, stored as clinic settings
(audited, in the change feed), used by dispatch (a real SMTP server and a Twilio-like
loopback server), reset to the built-in text; and the SMS size shown while editing."""

from __future__ import annotations

from email.header import decode_header, make_header

import pytest
from channelservers import ACCOUNT, TOKEN, http_server, smtp_server, twilio_route
from factories import actor_ctx
from reminderclinic import SENDER, Clinic, at, make
from sqlalchemy import select

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.errors import PermissionDenied, ValidationError
from receptionist.models import AuditEvent, ClinicSetting, setting_id
from receptionist.ops import settings, templates
from receptionist.reminders import dispatch, overrides
from receptionist.reminders.templates import TEMPLATES
from receptionist.store.storage import Database
from receptionist.texts import message
from sync.channels.smtp import SmtpSender
from sync.channels.twilio import TwilioSender


@pytest.fixture
def clinic(db: Database, ctx: Ctx, clock: FixedClock) -> Clinic:
    return make(db, ctx, clock)


def _stored(db: Database) -> list[str]:
    with db.read() as s:
        return list(
            s.scalars(select(ClinicSetting.key).where(ClinicSetting.key.like("templates.%")))
        )


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("Hello {name}", "{name}"),
        ("Hello {first_name:>20}", "{first_name:>20}"),
        ("Hello {date!r}", "{date!r}"),
        ("Hello {0}", "{0}"),
        ("Hello {date.year}", "{date.year}"),
    ],
)
def test_a_placeholder_not_among_the_six_is_named_and_the_six_are_listed(
    body: str, named: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        overrides.validate("sms", "", body)
    said = message(refused.value)
    assert refused.value.field == "body" and named in said
    assert all("{" + p + "}" in said for p in templates.PLACEHOLDERS)


@pytest.mark.parametrize("body", ["Hello {first_name", "Hello first_name}", "{}"])
def test_a_brace_that_makes_no_placeholder_is_refused(body: str) -> None:
    with pytest.raises(ValidationError) as refused:
        overrides.validate("sms", "", body)
    assert refused.value.field == "body" and "{first_name}" in message(refused.value)


def test_the_other_checks_of_a_template() -> None:
    for channel, subject, body, field in [
        ("sms", "", "   ", "body"),
        ("sms", "", "x" * (overrides.BODY_LIMIT + 1), "body"),
        ("sms", "", "a\x1b[2J", "body"),
        ("sms", "A subject", "Hi {first_name}", "subject"),
        ("email", "Line\nbreak", "Hi {first_name}", "subject"),
        ("email", "On {when}", "Hi {first_name}", "subject"),
    ]:
        with pytest.raises(ValidationError) as refused:
            overrides.validate(channel, subject, body)
        assert refused.value.field == field, (subject, body)
    kept = overrides.validate("email", " On {date} ", "Hi {first_name},\r\n{{braces}} ok\n")
    assert (kept.subject, kept.body) == ("On {date}", "Hi {first_name},\n{{braces}} ok")
    assert overrides.validate("email", "", "x" * overrides.EMAIL_BODY_LIMIT).body


def test_set_show_reset_are_audited_and_stored_as_a_clinic_setting(db: Database, ctx: Ctx) -> None:
    row = templates.set_template(db, ctx, "tr", "sms", "reminder", "Merhaba {first_name}, {date}")
    assert row.overridden and row.body == "Merhaba {first_name}, {date}"
    assert row.builtin_body == TEMPLATES[("tr", "sms", "reminder")].body
    assert _stored(db) == ["templates.tr_sms_reminder"]
    shown = templates.show(db, ctx, "tr", "sms", "reminder")
    assert shown.body == row.body and shown.size.encoding == "ucs2"
    entry = settings.get(db, ctx, "templates.tr_sms_reminder")
    assert entry.value == {"subject": "", "body": "Merhaba {first_name}, {date}"}
    back = templates.reset(db, ctx, "tr", "sms", "reminder")
    assert not back.overridden and back.body == TEMPLATES[("tr", "sms", "reminder")].body
    with db.read() as s:
        events = s.scalars(
            select(AuditEvent.action).where(
                AuditEvent.entity_type == "clinic_setting",
                AuditEvent.entity_id == setting_id("templates.tr_sms_reminder"),
            )
        )
        assert len(list(events)) == 2  # made, then reset
    templates.reset(db, ctx, "tr", "sms", "reminder")  # already the built-in: no change


def test_a_refused_template_writes_nothing_and_names_the_field(db: Database, ctx: Ctx) -> None:
    with pytest.raises(ValidationError) as refused:
        templates.set_template(db, ctx, "en", "sms", "reminder", "Hi {fist_name}")
    assert "{fist_name}" in message(refused.value)
    with pytest.raises(ValidationError) as unknown:
        templates.set_template(db, ctx, "de", "sms", "reminder", "Hi")
    assert unknown.value.field == "language"
    with pytest.raises(ValidationError):  # not through `settings set`: it is managed
        settings.set_value(db, ctx, "templates.en_sms_reminder", {"body": "Hi {first_name}"})
    assert _stored(db) == []


def test_a_stored_value_is_checked_as_the_editor_checks_it() -> None:
    """What arrives by sync is read through the setting's kind: the same check."""
    setting = overrides.SETTINGS[("en", "email", "reminder")]
    assert setting.check({}) == {}
    kept = setting.check({"subject": "On {date}", "body": "Hi {first_name}"})
    assert kept == {"subject": "On {date}", "body": "Hi {first_name}"}
    for bad in ({"body": "Hi {x}"}, {"body": 3}, {"body": "Hi", "extra": ""}, "text"):
        with pytest.raises(ValidationError) as refused:
            setting.check(bad)
        assert refused.value.field == "templates.en_email_reminder"


def test_only_a_manager_changes_a_template(db: Database, clock: FixedClock) -> None:
    desk = actor_ctx("receptionist", clock, source="cli")
    with pytest.raises(PermissionDenied):
        templates.set_template(db, desk, "en", "sms", "reminder", "Hi {first_name}")
    assert _stored(db) == []
    assert len(templates.listing(db, desk)) == 36


def test_listing_filters_and_measures(db: Database, ctx: Ctx) -> None:
    rows = templates.listing(db, ctx, language="en", channel="sms")
    assert [r.kind for r in rows] == ["reminder", "confirmation", "reschedule", "cancellation"]
    assert all(r.size.encoding == "gsm7" and not r.overridden for r in rows)
    with pytest.raises(ValidationError) as bad:
        templates.listing(db, ctx, kind="birthday")
    assert bad.value.field == "kind"


def test_the_sms_size_of_a_long_rendering() -> None:
    plain = templates.measure("Hi {first_name}, see you {date} at {time}. {clinic}", "en")
    assert (plain.encoding, plain.forcing) == ("gsm7", "")
    assert "Christabelle" in plain.rendered and "September" in plain.rendered
    assert plain.units == len(plain.rendered) and plain.capacity == 160
    turkish = templates.measure("Randevunuz {date} {time} icin olusturuldu, teşekkürler", "en")
    assert (turkish.encoding, turkish.forcing, turkish.from_values) == ("ucs2", "ş", False)
    from_name = templates.measure("Merhaba {first_name}", "tr")
    assert (from_name.encoding, from_name.forcing, from_name.from_values) == ("ucs2", "ş", True)
    long = templates.measure("x" * 150 + " {first_name}", "en")
    assert (long.parts, long.capacity, long.units) == (2, 306, 163)
    arabic = templates.measure(TEMPLATES[("ar", "sms", "reminder")].body, "ar")
    assert arabic.encoding == "ucs2" and arabic.parts == 2 and arabic.capacity == 134


def test_dispatch_uses_the_clinic_s_sms_text_and_the_built_in_after_a_reset(
    clinic: Clinic,
) -> None:
    templates.set_template(
        clinic.db, clinic.ctx, "en", "sms", "confirmation", "Booked, {first_name}: {time}"
    )
    pid = clinic.patient(1, language="en")
    clinic.set(offsets="")
    with http_server(twilio_route) as (url, server):
        sender = TwilioSender(url, ACCOUNT, SENDER, TOKEN)
        clinic.book(pid, at(3, 10))
        dispatch.run(clinic.db, clinic.clock, {"sms": sender})
        templates.reset(clinic.db, clinic.ctx, "en", "sms", "confirmation")
        clinic.book(pid, at(4, 10))
        dispatch.run(clinic.db, clinic.clock, {"sms": sender})
        bodies = server.bodies()
    assert bodies[0] == "Booked, Hasta1: 10:00"
    assert bodies[1].startswith("Hello Hasta1, your appointment with")


def test_an_e_mail_goes_with_the_clinic_s_subject_and_body(clinic: Clinic) -> None:
    templates.set_template(
        clinic.db, clinic.ctx, "ar", "email", "confirmation",
        "{first_name}، موعدك {date} {time}\n{address}", subject="موعد {time} في {clinic}",
    )  # fmt: skip
    clinic.set(offsets="", clinic_address="Moda Cad. 12")
    pid = clinic.patient(1, email="layla@example.org", consents=("reminder_email",), language="ar")
    clinic.book(pid, at(3, 10))
    with smtp_server() as (port, inbox):
        mailer = SmtpSender("127.0.0.1", port, "desk@moda.example", security="none")
        dispatch.run(clinic.db, clinic.clock, {"email": mailer})
    (mail,) = inbox.mails
    text = mail.get_payload(decode=True).decode("utf-8")
    assert text.startswith("Hasta1، موعدك") and "Moda Cad. 12" in text
    subject = str(make_header(decode_header(str(mail["Subject"]))))
    assert subject.startswith("موعد 10:00 في")
