"""A service's own reminder rules (``reminders.service_rules``): a key must name a service
(by name, short id or id) and is stored as its id; a renamed service keeps its rules; a
deleted one's are ignored, listed, and dropped at the next change; and planning sends
what the service's rules say, not the clinic's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from channelservers import ACCOUNT, TOKEN, http_server, twilio_route
from factories import make_service
from reminderclinic import SENDER, Clinic, at, make
from sqlalchemy import update

from receptionist.cli import remindercmds, rulecmds
from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.errors import ValidationError
from receptionist.journal import changefeed
from receptionist.models import Appointment, ClinicSetting, Service, setting_id
from receptionist.models.base import new_id
from receptionist.ops import catalog, reminders, servicerules, settings
from receptionist.reminders import config, dispatch
from receptionist.settings import clinicstore
from receptionist.store.storage import Database
from sync.channels.twilio import TwilioSender

KEY = "reminders.service_rules"


@pytest.fixture
def clinic(db: Database, ctx: Ctx, clock: FixedClock) -> Clinic:
    return make(db, ctx, clock)


@pytest.fixture
def twilio() -> Iterator[tuple[TwilioSender, object]]:
    with http_server(twilio_route) as (url, recorded):
        yield TwilioSender(url, ACCOUNT, SENDER, TOKEN), recorded


def stored(clinic: Clinic) -> object:
    with clinic.db.read() as s:
        return clinicstore.stored(s, [KEY]).get(KEY)


def add_service(clinic: Clinic, name: str) -> str:
    with clinic.db.write() as s:
        return make_service(s, clinic.ctx, name, 60).id


@pytest.mark.parametrize("named", ["Whitening", "41719271", "not-a-service-at-all"])
def test_the_setting_refuses_a_service_it_does_not_know_naming_the_known_ones(
    clinic: Clinic, named: str
) -> None:
    add_service(clinic, "Implant")
    with pytest.raises(ValidationError) as caught:
        settings.set_text(clinic.db, clinic.ctx, KEY, json.dumps({named: {"offsets": "2h"}}))
    said = str(caught.value)
    assert caught.value.field == KEY
    assert f"no service '{named}'" in said and "Check-up, Implant" in said, said
    assert stored(clinic) is None  # nothing written


def test_a_service_named_by_its_name_or_short_id_is_stored_by_its_id(clinic: Clinic) -> None:
    settings.set_text(clinic.db, clinic.ctx, KEY, '{"check-up": {"offsets": "2h"}}')
    assert stored(clinic) == {clinic.service: {"offsets": "2h"}}
    short = clinic.service[:8]
    settings.set_text(clinic.db, clinic.ctx, KEY, json.dumps({short: {"offsets": "3h"}}))
    assert stored(clinic) == {clinic.service: {"offsets": "3h"}}
    with pytest.raises(ValidationError, match="given twice"):
        settings.set_value(
            clinic.db, clinic.ctx, KEY, {"Check-up": {}, clinic.service: {"offsets": "1h"}}
        )
    assert stored(clinic) == {clinic.service: {"offsets": "3h"}}


def test_set_rule_by_name_then_a_rename_keeps_the_rules(clinic: Clinic) -> None:
    done = servicerules.set_rule(clinic.db, clinic.ctx, "check", offsets="2h", confirmation=False)
    (row,) = done.services
    assert (row.name, row.own, row.offsets) == (
        "Check-up", {"offsets": "2h", "confirmation": False}, "2h"
    )  # fmt: skip
    assert (row.confirmation, row.reschedule) == (False, True)  # the clinic's reschedule
    catalog.update_service(clinic.db, clinic.ctx, clinic.service, name="Kontrol")
    (row,) = servicerules.view(clinic.db, clinic.ctx).services
    assert (row.name, row.offsets, row.confirmation) == ("Kontrol", "2h", False)
    with clinic.db.read() as s:
        assert [w for w, _ in config.load(s).rules_for(clinic.service).offsets] == ["2h"]
    servicerules.set_rule(clinic.db, clinic.ctx, "kontrol", reschedule=False)  # adds to its own
    assert stored(clinic) == {
        clinic.service: {"offsets": "2h", "confirmation": False, "reschedule": False}
    }
    servicerules.reset(clinic.db, clinic.ctx, "Kontrol")
    assert stored(clinic) == {}
    with pytest.raises(ValidationError) as caught:
        servicerules.set_rule(clinic.db, clinic.ctx, "Check-up", offsets="2h")  # the old name
    assert caught.value.field == "service" and "Kontrol" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        servicerules.set_rule(clinic.db, clinic.ctx, "Kontrol", offsets="2 hours")
    assert caught.value.field == "offsets"
    assert stored(clinic) == {}


def test_a_deleted_service_s_rules_are_ignored_listed_and_dropped_at_the_next_change(
    clinic: Clinic,
) -> None:
    implant = add_service(clinic, "Implant")
    servicerules.set_rule(clinic.db, clinic.ctx, "Implant", offsets="48h")
    with clinic.db.write() as s, changefeed.applying(s, "PC-B"):  # deleted on another PC
        row = s.get(Service, implant)
        assert row is not None
        row.deleted_at = clinic.clock.now()
    found = servicerules.view(clinic.db, clinic.ctx)
    assert [r.name for r in found.services] == ["Check-up"] and found.gone == (implant,)
    done = servicerules.set_rule(clinic.db, clinic.ctx, "Check-up", offsets="2h")
    assert done.dropped == (implant,) and done.gone == ()
    assert stored(clinic) == {clinic.service: {"offsets": "2h"}}


def test_a_key_saved_before_the_check_is_listed_as_naming_no_service(clinic: Clinic) -> None:
    """A rule keyed "Check-up" (saved by an older version, or synced from one) never
    applied; it is shown as such, not silently kept."""
    clinicstore_write_raw(clinic, {"Check-up": {"offsets": "2h"}})
    found = servicerules.view(clinic.db, clinic.ctx)
    assert found.gone == ("Check-up",)
    assert found.services[0].offsets == "24h,2h" and found.services[0].own == {}


def clinicstore_write_raw(clinic: Clinic, value: object) -> None:
    settings.set_value(clinic.db, clinic.ctx, KEY, {})  # makes the row
    with clinic.db.write() as s:
        s.execute(
            update(ClinicSetting)
            .where(ClinicSetting.id == setting_id(KEY))
            .values(value=json.dumps(value))
        )


def test_a_service_with_only_2h_gets_only_the_2h_reminder(clinic: Clinic, twilio) -> None:
    """The clinic's rules are 24h and 2h with a booking confirmation; the check-up's own
    are 2h and no confirmation: neither the confirmation nor the 24h goes, the 2h does."""
    sender, server = twilio
    implant = add_service(clinic, "Implant")
    servicerules.set_rule(clinic.db, clinic.ctx, "Check-up", offsets="2h", confirmation=False)
    pid = clinic.patient(1)
    appt = clinic.book(pid, at(3, 10))
    other = clinic.book(pid, at(3, 14))
    with clinic.db.write() as s:  # both booked as check-ups; make the other an implant
        booked = s.get(Appointment, other)
        assert booked is not None
        booked.service_id = implant
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    rules = {(r.appointment_id, r.rule) for r in reminders.listing(clinic.db, clinic.ctx)}
    assert {r for a, r in rules if a == appt} == {"2h"}
    assert {r for a, r in rules if a == other} == {"confirmation", "24h", "2h"}
    sent_before = len(server.bodies())  # the implant's confirmation
    clinic.clock.set(at(2, 10, 1))  # 24h before the check-up: nothing for it
    done = dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert [i.appointment_id for i in done.of("sent")] == []
    clinic.clock.set(at(3, 8, 1))  # 2h before: its one reminder
    done = dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert [(i.appointment_id, i.rule) for i in done.of("sent")] == [(appt, "2h")]
    assert len(server.bodies()) == sent_before + 1


def test_a_long_catalogue_is_named_in_part_with_the_command_that_lists_it(clinic: Clinic) -> None:
    for n in range(9):
        add_service(clinic, f"Service {n}")
    with pytest.raises(ValidationError) as caught:
        servicerules.set_rule(clinic.db, clinic.ctx, "Whitening", offsets="2h")
    said = str(caught.value)
    assert "include Check-up, Service 0" in said and "and 2 more" in said, said
    assert "`receptionist service list --all`" in said


def test_rules_of_a_service_not_synced_here_yet_survive_a_change_here(clinic: Clinic) -> None:
    """Another PC made a service and gave it rules; the setting synced here before the
    service did. Setting (or resetting) another service's rules here keeps that entry as
    it was: only a key of a service deleted here, or one that is no id at all, goes."""
    elsewhere = new_id()  # the other PC's service: no row here yet
    deleted = add_service(clinic, "Implant")
    with clinic.db.write() as s, changefeed.applying(s, "PC-B"):
        row = s.get(Service, deleted)
        assert row is not None
        row.deleted_at = clinic.clock.now()
    clinicstore_write_raw(
        clinic,
        {
            elsewhere: {"offsets": "48h", "confirmation": False},
            deleted: {"offsets": "1h"},
            "Check-up": {"offsets": "3h"},  # a name, saved before keys were checked
        },
    )
    found = servicerules.view(clinic.db, clinic.ctx)
    assert found.pending == (elsewhere,)
    assert found.gone == tuple(sorted(["Check-up", deleted]))

    done = servicerules.set_rule(clinic.db, clinic.ctx, "Check-up", offsets="2h")
    assert done.dropped == tuple(sorted(["Check-up", deleted]))
    assert (done.gone, done.pending) == ((), (elsewhere,))
    assert stored(clinic) == {
        clinic.service: {"offsets": "2h"},
        elsewhere: {"offsets": "48h", "confirmation": False},
    }
    servicerules.reset(clinic.db, clinic.ctx, "Check-up")
    assert stored(clinic) == {elsewhere: {"offsets": "48h", "confirmation": False}}

    # The whole setting written here (as `settings set` does) may carry the entry on,
    # but a full id nobody here has heard of is still refused: it may be a typing slip.
    settings.set_value(
        clinic.db, clinic.ctx, KEY,
        {elsewhere: {"offsets": "24h"}, "Check-up": {"offsets": "2h"}},
    )  # fmt: skip
    assert stored(clinic) == {elsewhere: {"offsets": "24h"}, clinic.service: {"offsets": "2h"}}
    with pytest.raises(ValidationError, match="no service"):
        settings.set_value(clinic.db, clinic.ctx, KEY, {new_id(): {"offsets": "2h"}})

    # The service arrives from the other PC: its rules apply, as that PC set them.
    with clinic.db.write() as s, changefeed.applying(s, "PC-B"):
        now = clinic.clock.now()
        s.add(Service(id=elsewhere, name="Whitening", duration_minutes=30, created_at=now,
                      updated_at=now))  # fmt: skip
    found = servicerules.view(clinic.db, clinic.ctx)
    assert found.pending == () and found.gone == ()
    assert {r.name: r.offsets for r in found.services} == {"Check-up": "2h", "Whitening": "24h"}
    with clinic.db.read() as s:
        assert [w for w, _ in config.load(s).rules_for(elsewhere).offsets] == ["24h"]


def test_the_listing_says_which_rules_wait_for_their_service_and_status_counts_the_ignored(
    clinic: Clinic,
) -> None:
    elsewhere = new_id()
    clinicstore_write_raw(
        clinic, {elsewhere: {"offsets": "48h"}, "Check-up": {"offsets": "3h"}}
    )  # fmt: skip
    d = rulecmds.data(servicerules.view(clinic.db, clinic.ctx))
    assert (d["not_here_yet"], d["ignored"]) == ([elsewhere], ["Check-up"])
    said = rulecmds.text(d)
    assert f"Not on this PC yet (made on another PC, not synced here): {elsewhere[:8]}." in said
    (ignored,) = [line for line in said.splitlines() if line.startswith("Ignored")]
    assert "Check-up" in ignored and elsewhere[:8] not in ignored
    data = remindercmds.status_data(reminders.status(clinic.db), ZoneInfo("Europe/Istanbul"))
    assert data["ignored_service_rules"] == 1  # the name; the other PC's service's kept
    assert "1 per-service reminder rules ignored" in remindercmds.status_text(data)
    servicerules.set_rule(clinic.db, clinic.ctx, "Check-up", offsets="2h")  # drops the name
    data = remindercmds.status_data(reminders.status(clinic.db), ZoneInfo("Europe/Istanbul"))
    assert data["ignored_service_rules"] == 0
    assert "per-service" not in remindercmds.status_text(data)
