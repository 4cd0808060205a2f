"""A value the clinic has not set (the address on messages, by default) leaves no empty
line or label behind: "Address:" with nothing after it went out in every e-mail and
WhatsApp text. The SMS size counts the message as it goes; WhatsApp's approved
templates, whose variables are positional and never empty at Meta, get "-"."""

from __future__ import annotations

from datetime import datetime
from email.message import Message

import pytest
from channelservers import smtp_server
from reminderclinic import Clinic, at, make

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.ops import reminders
from receptionist.ops import templates as template_ops
from receptionist.reminders import dispatch, templates, watemplates
from receptionist.store.storage import Database
from sync.channels import build

LABELS = {"en": "Address:", "tr": "Adres:", "ar": "العنوان:"}


def values(
    address: str = "", clinic: str = "Moda Dental", provider: str = "Dr Can"
) -> dict[str, str]:
    return {
        "first_name": "Ayşe",
        "date": templates.date_text(datetime(2026, 3, 3, 10), "en"),
        "time": "10:00",
        "provider": provider,
        "clinic": clinic,
        "address": address,
    }


@pytest.mark.parametrize("language", templates.LANGUAGES)
@pytest.mark.parametrize("channel", ["email", "whatsapp"])
@pytest.mark.parametrize("kind", templates.KINDS)
def test_no_address_no_address_line(language: str, channel: str, kind: str) -> None:
    t = templates.TEMPLATES[(language, channel, kind)]
    without = templates.render(t, values(address="")).body
    assert LABELS[language] not in without
    assert without == without.strip() and "\n\n" not in without
    with_it = templates.render(t, values(address="Moda Cad. 1")).body
    assert with_it.endswith(f"{LABELS[language]} Moda Cad. 1")


def test_a_line_whose_every_value_is_empty_goes_with_its_label_others_stay() -> None:
    own = templates.Template(
        "Your visit on {date}",
        "Hello {first_name},\nWhere: {address}\nClinic: {clinic} ({address})\nSee you.\n",
    )
    done = templates.render(own, values(address=""))
    assert done.body == "Hello Ayşe,\nClinic: Moda Dental ()\nSee you."
    assert done.subject == "Your visit on Tuesday 3 March 2026"


def test_an_empty_clinic_name_leaves_no_trailing_space_in_an_sms() -> None:
    sms = templates.TEMPLATES[("en", "sms", "reminder")]
    body = templates.render(sms, values(clinic="")).body
    assert body.endswith("at 10:00.") and body == body.strip()


def test_the_sms_size_counts_the_message_as_it_goes() -> None:
    """An SMS text of the clinic's own with an address line, and no address set: the
    line does not go, so it is not counted (a sample address was)."""
    short = "Hi {first_name}, see you {date} at {time}. {clinic}"
    lined = short + "\nAddress: {address}"
    assert template_ops.measure(lined, "en", "Moda", "").units == (
        template_ops.measure(short, "en", "Moda", "").units
    )
    set_up = template_ops.measure(lined, "en", "Moda", "Moda Cad. 1")
    assert set_up.units == template_ops.measure(short, "en", "Moda", "").units + len(
        "\nAddress: Moda Cad. 1"
    )


def test_whatsapp_templates_get_a_dash_for_an_empty_value() -> None:
    """Meta's template variables are positional and refuse an empty text: the six go,
    an empty one as "-" (so the count always matches the approved template)."""
    call = watemplates.call("reminder=appointment_reminder", "en", "reminder", values())
    assert call is not None and len(call.parameters) == 6
    assert call.parameters[5] == watemplates.EMPTY == "-"


@pytest.fixture
def clinic(db: Database, ctx: Ctx, clock: FixedClock) -> Clinic:
    made = make(db, ctx, clock)
    made.set(offsets="")
    return made


def _text(mail: Message) -> str:
    part = mail.get_body(("plain",)) if hasattr(mail, "get_body") else mail
    payload = (part or mail).get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def test_an_email_with_no_address_set_ends_without_an_address_line(clinic: Clinic) -> None:
    pid = clinic.patient(1, email="hasta@example.org", consents=("reminder_email",))
    clinic.book(pid, at(3, 9))
    with smtp_server() as (port, inbox):
        where = {"host": "127.0.0.1", "port": port, "security": "none",
                 "sender": "desk@moda.example"}  # fmt: skip
        reminders.set_channel(clinic.db, clinic.ctx, "email", where, None)
        done = dispatch.run(clinic.db, clinic.clock, build.Senders(clinic.db))
    assert [i.state for i in done.items] == ["sent"]
    (mail,) = inbox.mails
    text = _text(mail)
    assert "Address" not in text and "Hasta1" in text
    (line,) = text.strip().splitlines()  # the text itself, nothing after it
    assert line.endswith("at 09:00. Moda")
