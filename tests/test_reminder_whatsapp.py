"""WhatsApp reminders go as approved template messages (Meta's Cloud API: ``type:
"template"``, the template's name and language code, the placeholders as its body
variables), checked by a loopback server that answers as Meta's documentation says;
a template Meta does not know, or paused, is a permanent failure with a clear
message; with no template named, WhatsApp is not used."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from channelservers import (
    WA_PHONE_ID,
    WA_SETTING,
    WA_TOKEN,
    http_server,
    meta_error,
    whatsapp_route,
)
from reminderclinic import Clinic, at, make

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.errors import ValidationError
from receptionist.ops import commlog, deliveries, reminders, settings
from receptionist.reminders import dispatch
from receptionist.store.storage import Database
from sync.channels.whatsapp import WhatsAppSender


@pytest.fixture
def clinic(db: Database, ctx: Ctx, clock: FixedClock) -> Clinic:
    made = make(db, ctx, clock)
    made.set(offsets="", clinic_address="Moda Cd. 12, Kadıköy")  # confirmations only
    return made


@pytest.fixture
def meta() -> Iterator[tuple[WhatsAppSender, object]]:
    with http_server(whatsapp_route) as (url, recorded):
        yield WhatsAppSender(url + "/v21.0", WA_PHONE_ID, WA_TOKEN), recorded


def templates(clinic: Clinic, **by_language: str) -> None:
    chosen = {f"channels.whatsapp_templates_{k}": v for k, v in by_language.items()}
    settings.set_many(clinic.db, clinic.ctx, chosen)


def test_a_confirmation_goes_as_the_approved_template_in_the_patient_s_language(
    clinic: Clinic, meta
) -> None:
    sender, server = meta
    templates(clinic, en=WA_SETTING, tr=WA_SETTING + ", code=tr")
    english = clinic.patient(1, consents=("reminder_whatsapp",), language="en")
    turkish = clinic.patient(2, consents=("reminder_whatsapp",), language="tr")
    clinic.book(english, at(2, 9))
    clinic.book(turkish, at(2, 10))
    done = dispatch.run(clinic.db, clinic.clock, {"whatsapp": sender})
    assert [i.channel for i in done.of("sent")] == ["whatsapp", "whatsapp"]
    by_to = {m["to"]: m for m in server.messages}
    en, tr = by_to["905550000001"], by_to["905550000002"]
    assert (en["type"], en["template"], en["language"]) == (
        "template", "booking_confirmed", "en",
    )  # fmt: skip
    assert en["parameters"] == [
        "Hasta1", "Wednesday 4 March 2026", "09:00", "Dr Ayşe", "Moda", "Moda Cd. 12, Kadıköy",
    ]  # fmt: skip
    assert (tr["language"], tr["parameters"][1]) == ("tr", "4 Mart 2026 Çarşamba")


def test_the_communication_log_names_the_template_and_the_values_that_went(
    clinic: Clinic, meta
) -> None:
    """What the patient got by WhatsApp is the clinic's approved template with its six
    values, not our built-in text: the log entry says which template, in which
    language code, with which values (the message's own data), sent or failed."""
    sender, server = meta
    templates(clinic, tr=WA_SETTING + ", code=tr")
    turkish = clinic.patient(1, consents=("reminder_whatsapp",), language="tr")
    clinic.book(turkish, at(2, 9))
    done = dispatch.run(clinic.db, clinic.clock, {"whatsapp": sender})
    assert [i.channel for i in done.of("sent")] == ["whatsapp"]
    entry = commlog.listing(clinic.db, clinic.ctx, turkish)[0].entry
    went = server.messages[0]
    assert "WhatsApp template booking_confirmed, language tr" in entry.summary
    assert " | ".join(went["parameters"]) in entry.summary
    assert "4 Mart 2026 Çarşamba" in entry.summary
    assert entry.summary.startswith("Booking confirmation sent by WhatsApp")  # its name (s17)
    server.paused.add("booking_confirmed")
    other = clinic.patient(2, consents=("reminder_whatsapp",), language="tr")
    clinic.book(other, at(2, 10))
    assert [i.state for i in dispatch.run(clinic.db, clinic.clock, {"whatsapp": sender}).items] == [
        "failed"
    ]
    failed = commlog.listing(clinic.db, clinic.ctx, other)[0].entry.summary
    assert "not sent by WhatsApp" in failed and "template booking_confirmed, language tr" in failed


def test_with_no_template_named_whatsapp_is_not_used(clinic: Clinic, meta) -> None:
    sender, server = meta
    only_whatsapp = clinic.patient(1, consents=("reminder_whatsapp",))
    clinic.book(only_whatsapp, at(2, 9))
    done = dispatch.run(clinic.db, clinic.clock, {"whatsapp": sender})
    assert [(i.state, i.reason) for i in done.items] == [("skipped", "no_whatsapp_template")]
    row = reminders.listing(clinic.db, clinic.ctx)[0]
    assert row.explained is not None and "no approved template" in row.explained
    templates(clinic, en="reminder=appointment_reminder")  # not the confirmation's
    clinic.book(clinic.patient(2, consents=("reminder_whatsapp",)), at(2, 10))
    again = dispatch.run(clinic.db, clinic.clock, {"whatsapp": sender})
    assert [i.reason for i in again.items] == ["no_whatsapp_template"]
    assert server.messages == []


def test_meta_s_template_refusals_are_permanent_and_explained(clinic: Clinic, meta) -> None:
    sender, server = meta
    templates(clinic, en="confirmation=booking_confirmd")  # a typo: Meta knows no such
    missing = clinic.patient(1, consents=("reminder_whatsapp",))
    clinic.book(missing, at(2, 9))
    done = dispatch.run(clinic.db, clinic.clock, {"whatsapp": sender})
    assert [(i.state, i.reason) for i in done.items] == [("failed", "permanent:template_missing")]
    log = commlog.listing(clinic.db, clinic.ctx, missing)
    assert log[0].entry.reason == "permanent:template_missing"  # beside, not in, the summary
    row = reminders.listing(clinic.db, clinic.ctx, states=("failed",))[0]
    assert row.explained is not None and "132001" in row.explained
    # where to look, as Settings names it (a setting's key was shown before)
    assert "Message channels, WhatsApp templates" in row.explained
    assert "channels.whatsapp" not in row.explained
    templates(clinic, en=WA_SETTING)
    server.paused.add("booking_confirmed")
    clinic.book(clinic.patient(2, consents=("reminder_whatsapp",)), at(2, 10))
    paused = dispatch.run(clinic.db, clinic.clock, {"whatsapp": sender})
    assert [i.reason for i in paused.of("failed")] == ["permanent:template_paused"]
    server.approved[("booking_confirmed", "en")] = 5  # the template takes five, not six
    server.paused.clear()
    clinic.book(clinic.patient(3, consents=("reminder_whatsapp",)), at(2, 11))
    params = dispatch.run(clinic.db, clinic.clock, {"whatsapp": sender})
    assert [i.reason for i in params.of("failed")] == ["permanent:template_params"]
    assert dispatch.run(clinic.db, clinic.clock, {"whatsapp": sender}).items == [], "not retried"
    assert server.messages == []


def test_a_meta_5xx_to_the_send_is_unknown_for_a_person_never_sent_again(
    clinic: Clinic, meta
) -> None:
    """Meta's Cloud API has no idempotency key and no message lookup, and documents no
    5xx as "not sent" (131000 is its catch-all): a 5xx to a send may follow a message
    it took. So it is "unknown" for a person (explained), never tried again; a rate
    limit is still tried again later."""
    sender, server = meta
    templates(clinic, en=WA_SETTING)
    server.script.append(meta_error(131000, 500, "Something went wrong"))
    clinic.book(clinic.patient(1, consents=("reminder_whatsapp",)), at(2, 9))
    done = dispatch.run(clinic.db, clinic.clock, {"whatsapp": sender})
    assert [(i.state, i.reason) for i in done.items] == [("unknown", "server_error")]
    row = reminders.listing(clinic.db, clinic.ctx, states=("unknown",))[0]
    assert row.explained is not None and "WhatsApp Manager" in row.explained
    logged = deliveries.listing(clinic.db, clinic.ctx)
    assert [(e.outcome, e.provider_status) for e in logged] == [("unknown", "500 meta_131000")]
    server.script.append(meta_error(130429, 400, "Rate limit hit"))
    clinic.book(clinic.patient(2, consents=("reminder_whatsapp",)), at(2, 10))
    limited = dispatch.run(clinic.db, clinic.clock, {"whatsapp": sender})
    assert [(i.state, i.reason) for i in limited.items] == [("retrying", "retry:rate_limited")]
    clinic.clock.advance(minutes=30)
    again = dispatch.run(clinic.db, clinic.clock, {"whatsapp": sender})
    assert [i.state for i in again.items] == ["sent"], "the rate-limited one only"
    assert len(server.messages) == 1


def test_the_template_setting_is_checked_naming_its_key(clinic: Clinic) -> None:
    for bad in ("booking_confirmed", "reminder=Has Space", "birthday=greeting", "code=english"):
        with pytest.raises(ValidationError) as caught:
            templates(clinic, tr=bad)
        assert caught.value.field == "channels.whatsapp_templates_tr"
    templates(clinic, tr=" reminder=hatirlatma ,code=tr ")
    got = settings.get(clinic.db, clinic.ctx, "channels.whatsapp_templates_tr")
    assert got.value == "reminder=hatirlatma, code=tr"
