"""Terminal escapes, direction overrides and broken characters in free text (#11, item 5).

The decision is in ``receptionist/freetext.py``: every field refuses them on input,
naming the field (line breaks and tabs stay in multi-line text); and whatever shows
stored text neutralises them (``printable``, ``json_printable``), which covers text
saved before the rule.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from factories import make_patients, make_service, make_small_clinic, weekdays
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.errors import ValidationError
from receptionist.freetext import has_controls, json_printable, printable
from receptionist.ops.setup import ClinicSpec, validate_spec
from receptionist.patients import commlog, documents
from receptionist.patients import record as patients
from receptionist.schedule import blocked, booking, catalog, waitlist
from receptionist.schedule.clinic import update_clinic
from receptionist.staff import accounts, admin
from receptionist.store.storage import Database

CLEAR_SCREEN = "Ayşe\x1b[2J"
OSC_TITLE = "x\x1b]0;you were hacked\x07y"
OVERRIDE = "photo\u202egnp.exe"  # shows as "photoexe.png"
C1_CSI = "a\x9b31mred"
BROKEN = "half \udcff a character"
DEL = "a\x7fb"
BAD = (CLEAR_SCREEN, OSC_TITLE, OVERRIDE, "\u202dforced ltr", C1_CSI, BROKEN, DEL)
# Fine in notes, an address or a reason (a CR is stored as a line break); not in a name.
NOT_ON_ONE_LINE = (
    "two\nlines",
    "a\tb",
    "\u2067مرحبا\u2069 isolated",
    "\u202bembedded\u202c",
    "a\rb",
)


# -- the rule and the output functions ---------------------------------------------------------


def test_what_is_refused_and_what_stays() -> None:
    for bad in BAD:
        assert has_controls(bad) and has_controls(bad, lines=True), repr(bad)
    for fine in ("مرحبا\u200f", "ZW\u200dJ", "Zoë", "Li 李", "emoji 🙂"):
        assert not has_controls(fine), fine
    for text in NOT_ON_ONE_LINE[:-1]:
        assert has_controls(text) and not has_controls(text, lines=True)


def test_printable_shows_what_it_escapes() -> None:
    assert printable(CLEAR_SCREEN) == "Ayşe\\x1b[2J"
    assert printable(OSC_TITLE) == "x\\x1b]0;you were hacked\\x07y"
    assert printable(OVERRIDE) == "photo\\u202egnp.exe"
    assert printable(C1_CSI) == "a\\x9b31mred"
    assert printable(BROKEN) == "half \\udcff a character"
    assert printable("line 1\r\nline 2\tend\rover") == "line 1\nline 2\tend\\x0dover"
    assert printable("two\nlines", lines=False) == "two\\x0alines"
    assert printable("مرحبا Ayşe") == "مرحبا Ayşe"


def test_json_printable_reads_back_the_same() -> None:
    data = {"notes": "".join(BAD), "name": "Zoë \u200f"}
    dumped = json_printable(json.dumps(data, ensure_ascii=False))
    assert not has_controls(dumped, lines=True)
    assert json.loads(dumped) == data
    dumped.encode("utf-8")  # no lone surrogate left: it prints


@given(st.text())
def test_nothing_printable_gives_can_act_on_a_terminal(text: str) -> None:
    assert not has_controls(printable(text), lines=True)
    assert not has_controls(printable(text, lines=False))
    assert not has_controls(json_printable(json.dumps(text, ensure_ascii=False)), lines=True)


# -- every field refuses them on input, naming the field ------------------------------------


@pytest.fixture
def ids(db: Database, ctx: Ctx) -> dict[str, str]:
    with db.write() as s:
        found = make_small_clinic(s, ctx, weekdays(("08:00", "18:00")))
        found["check"] = make_service(s, ctx, "Check-up", 30).id
        make_patients(s, ctx.clock.now(), (3,))
        soon = ctx.clock.now() + timedelta(days=1)
        found["appt"] = booking.book(
            s, ctx, patient_id="p1", provider_id=found["ayse"], service_id=found["check"],
            start=soon.replace(hour=8, minute=0),
        ).id  # fmt: skip
        found["admin"] = accounts.create_user(
            s, ctx, username="boss", password="boss-password", role="admin", bootstrap=True
        ).id
    return found


Write = Callable[[Session, Ctx, dict[str, str], str], object]
TOMORROW_9 = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)

MULTI_LINE: list[tuple[str, str, Write]] = [
    ("notes", "notes",
     lambda s, c, i, v: patients.create_patient(s, c, given_name="A", family_name="B", notes=v)),
    ("address", "address",
     lambda s, c, i, v: patients.create_patient(s, c, given_name="A", family_name="B", address=v)),
    ("notes", "notes",
     lambda s, c, i, v: booking.book(s, c, patient_id="p2", provider_id=i["ayse"],
                                     service_id=i["check"], start=TOMORROW_9, notes=v)),
    ("override_reason", "override reason",
     lambda s, c, i, v: booking.book(s, c, patient_id="p2", provider_id=i["ayse"],
                                     service_id=i["check"], start=TOMORROW_9, override_reason=v)),
    ("reason", "reason", lambda s, c, i, v: booking.cancel(s, c, i["appt"], v)),
    ("reason", "reason", lambda s, c, i, v: booking.set_status(s, c, i["appt"], "cancelled", v)),
    ("reason", "reason",
     lambda s, c, i, v: blocked.add_blocked_time(
         s, c, start=TOMORROW_9, end=TOMORROW_9 + timedelta(hours=1), provider_id=i["ayse"],
         kind="time_off", reason=v)),
    ("note", "note",
     lambda s, c, i, v: waitlist.add(s, c, patient_id="p1", service_id=i["check"], note=v)),
    ("note", "note",
     lambda s, c, i, v: documents.attach(s, c, "p1", "scan.pdf", b"%PDF-1.4", note=v)),
    ("summary", "summary",
     lambda s, c, i, v: commlog.add(s, c, "p1", channel="phone", direction="in", summary=v)),
]  # fmt: skip
ONE_LINE: list[tuple[str, str, Write]] = [
    ("file_name", "file name",
     lambda s, c, i, v: documents.attach(s, c, "p1", v + ".pdf", b"%PDF-1.4")),
    ("category", "category",
     lambda s, c, i, v: catalog.create_service(s, c, name="X-ray", duration_minutes=10,
                                               category=v)),
    ("category", "category",
     lambda s, c, i, v: catalog.update_service(s, c, i["check"], category=v)),
    ("locale", "locale", lambda s, c, i, v: update_clinic(s, c, locale=v[:16])),
    ("name", "name", lambda s, c, i, v: update_clinic(s, c, name=v)),
    ("name", "name", lambda s, c, i, v: catalog.create_room(s, c, name=v)),
    ("full_name", "full name",
     lambda s, c, i, v: accounts.create_user(s, c, username="desk", password="desk-password",
                                             role="receptionist", full_name=v)),
    ("full_name", "full name", lambda s, c, i, v: admin.update_user(s, c, i["admin"], full_name=v)),
    ("email", "e-mail address",
     lambda s, c, i, v: patients.create_patient(s, c, given_name="A", family_name="B",
                                                email=v.replace(" ", "") + "@example.com")),
]  # fmt: skip


def _refused(
    db: Database, ctx: Ctx, ids: dict[str, str], write: Write, value: str
) -> tuple[str, str]:
    """The field the write of ``value`` is refused on, and the message."""
    with pytest.raises(ValidationError) as caught, db.write() as s:
        write(s, ctx, ids, value)
    return caught.value.field, str(caught.value)


@pytest.mark.parametrize(("field", "label", "write"), MULTI_LINE + ONE_LINE)
def test_every_free_text_field_refuses_escapes_naming_itself(
    db: Database, ctx: Ctx, ids: dict[str, str], field: str, label: str, write: Write
) -> None:
    for bad in BAD:
        got_field, message = _refused(db, ctx, ids, write, bad)
        assert got_field == field, (bad, got_field)
        assert label in message, message


@pytest.mark.parametrize(("field", "label", "write"), [w for w in ONE_LINE if w[0] != "email"])
def test_one_line_fields_refuse_line_breaks(
    db: Database, ctx: Ctx, ids: dict[str, str], field: str, label: str, write: Write
) -> None:
    for bad in NOT_ON_ONE_LINE:
        assert _refused(db, ctx, ids, write, bad)[0] == field


@pytest.mark.parametrize(("field", "label", "write"), MULTI_LINE)
def test_multi_line_fields_keep_line_breaks_and_tabs(
    db: Database, ctx: Ctx, ids: dict[str, str], field: str, label: str, write: Write
) -> None:
    with db.write() as s:
        write(s, ctx, ids, "Line 1\r\n\tLine 2 \u2067مرحبا\u2069 \u202bembed\u202c")


def test_init_refuses_them_in_the_clinic_name_and_locale() -> None:
    spec = ClinicSpec("Moda", "Europe/Istanbul", "TR", "admin", "admin-password")
    for bad in BAD + NOT_ON_ONE_LINE:
        with pytest.raises(ValidationError) as caught:
            validate_spec(replace(spec, name=bad))
        assert caught.value.field == "clinic-name" and "clinic name" in str(caught.value)
        with pytest.raises(ValidationError) as caught:
            validate_spec(replace(spec, locale=bad[:16]))
        assert caught.value.field == "locale"
    assert validate_spec(spec).locale == "en"
