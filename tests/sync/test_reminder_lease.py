"""The reminder station's lease through the endpoint (SQLite and PostgreSQL), with two
PCs: the station (A) sends while it holds the lease and the stand-by (B) sends
nothing; A is off for a day, B takes over and sends what is still due, leaving alone
what A answered for; A comes back and takes the lease again. Every message reaches
the provider exactly once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from channelservers import ACCOUNT, TOKEN, http_server, twilio_route
from pairkit import PASSPHRASE_A, PASSPHRASE_B, PASSPHRASE_C, PairTemplates, copy_empty_pc, open_at
from serverkit import Endpoint
from sqlalchemy import select
from test_two_pcs import Pc, admin, settle

from receptionist.cli.remindercmds import status_data, status_text
from receptionist.clock import FixedClock
from receptionist.context import SYSTEM, Ctx
from receptionist.models import Provider, Reminder, Service
from receptionist.ops import reminders, settings
from receptionist.ops.patients import NewPatient, add
from receptionist.privacy.consents import record_consent
from receptionist.reminders import dispatch
from receptionist.reminders.dispatch import Round
from receptionist.reminders.station import Hold
from receptionist.schedule import booking, catalog
from receptionist.store.storage import Database
from sync import cloud, reminderlease
from sync.channels.twilio import TwilioSender
from sync.client import Client
from sync.jobs import send_reminders
from sync.reminderlease import EndpointLease


@pytest.fixture
def pcs(station_pair: list[Path], clock: FixedClock, endpoint: Endpoint) -> Iterator[tuple[Pc, Pc]]:
    """A (the clinic's first PC, the station) and B (joined, the stand-by): copies of
    the pair pairkit.make_station_pair connected and joined once a session."""
    reminderlease.forget()
    a = Pc(open_at(station_pair[0], PASSPHRASE_A, endpoint.url), admin(clock))
    b = Pc(open_at(station_pair[1], PASSPHRASE_B, endpoint.url), Ctx(SYSTEM, clock))
    try:
        yield a, b
    finally:
        a.db.close()
        b.db.close()
        reminderlease.forget()


def book(pc: Pc, name: str, hours_ahead: int, phone: str) -> str:
    """A patient who consented to SMS, booked ``hours_ahead`` from now."""
    ctx = admin(pc.ctx.clock)
    patient = add(pc.db, ctx, NewPatient(name, "Test", phone)).id  # type: ignore[union-attr]
    with pc.db.write() as s:
        record_consent(s, ctx, patient, "reminder_sms", True)
        doctor = catalog.find(s, Provider, "Aydın").id
        service = catalog.find(s, Service, "Check-up").id
        start = pc.ctx.clock.now() + timedelta(hours=hours_ahead)
        made = booking.book(s, ctx, patient_id=patient, provider_id=doctor,
                            service_id=service, start=start, override_reason="test")  # fmt: skip
        return str(made.id)


def round_of(pc: Pc, sender: TwilioSender) -> Round:
    lease = EndpointLease(pc.db, pc.ctx.clock)
    return dispatch.run(pc.db, pc.ctx.clock, {"sms": sender}, lease=lease)


def states(pc: Pc, appointment: str) -> dict[str, tuple[str, str]]:
    with pc.db.read() as s:
        rows = s.scalars(select(Reminder).where(Reminder.appointment_id == appointment))
        return {r.rule: (r.state, r.reason) for r in rows}


@pytest.fixture
def provider() -> Iterator[tuple[TwilioSender, object]]:
    with http_server(twilio_route) as (url, recorded):
        yield TwilioSender(url, ACCOUNT, "+15005550006", TOKEN), recorded


def sent_rows(*pcs: Pc) -> Counter[tuple[str, str]]:
    """(appointment, rule) of every message any PC sent, counted."""
    found: Counter[tuple[str, str]] = Counter()
    for pc in pcs:
        with pc.db.read() as s:
            rows = s.scalars(select(Reminder).where(Reminder.state == "sent"))
            found.update((r.appointment_id, r.rule) for r in rows)
    return found


def test_the_stand_by_takes_over_after_a_day_and_gives_the_lease_back(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock
) -> None:
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": "48h,2h"})
    x = book(a, "Xena", 50, "05321234567")  # the 48h reminder in 2 hours, the 2h one in 48
    settle(a, b)
    first = round_of(a, sender)
    assert first.active and [i.kind for i in first.of("sent")] == ["confirmation"]
    waiting = round_of(b, sender)
    assert (waiting.active, waiting.reason, waiting.holder) == (False, "lease_elsewhere", "A")
    assert reminders.status(b.db).mode == "standby"

    clock.advance(hours=2)  # A sends X's 48h reminder, then is off for a day
    assert [i.rule for i in round_of(a, sender).of("sent")] == ["48h"]
    clock.advance(hours=12)
    assert round_of(b, sender).reason == "lease_elsewhere", "half a day off: B waits"
    clock.advance(hours=12)  # A has not renewed the lease for a day: B takes it
    settle(b)
    y = book(b, "Yusuf", 30, "05329876543")  # booked on B
    taken = round_of(b, sender)
    assert taken.active, taken.reason
    assert states(b, x)["48h"] == ("skipped", "other_station"), "A sent it: not again"
    assert [(i.appointment_id, i.rule) for i in taken.of("sent")] == [(y, "confirmation")]
    clock.advance(hours=22)
    later = round_of(b, sender)
    assert [(i.appointment_id, i.rule) for i in later.of("sent")] == [(x, "2h")]

    clock.advance(minutes=5)  # A is back: it takes the lease from the stand-by at once
    settle(a, b)
    back = round_of(a, sender)
    assert back.active, back.reason
    assert states(a, x)["2h"] == ("skipped", "other_station")
    assert states(a, y)["confirmation"] == ("skipped", "other_station")
    assert back.of("sent") == []
    assert round_of(b, sender).reason == "lease_elsewhere"
    sent = sent_rows(a, b)
    assert set(sent.values()) == {1}, "each message sent by one PC, once"
    assert sorted(sent) == sorted([(x, "confirmation"), (x, "48h"), (x, "2h"), (y, "confirmation")])
    assert len(server.messages) == 4


def test_an_endpoint_older_than_leases_leaves_it_to_the_setting(
    db: Database, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def old_endpoint(_h: object, _method: str, _raw: bytes) -> tuple[int, dict[str, Any], dict]:
        return 404, {"error": "not_found", "message": "Not Found"}, {}

    with http_server(old_endpoint) as (url, _recorded):
        monkeypatch.setattr(cloud, "client_for", lambda _db: Client(url, "token"))
        lease = EndpointLease(db, clock)
        assert lease(True, timedelta(hours=24)) == Hold(True, "", None, "")
        assert lease(False, timedelta(hours=24)) == Hold(False, "", None, "no_lease")


def test_every_pc_hears_which_pc_holds_the_lease_by_its_name(
    pcs: tuple[Pc, Pc], clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = pcs
    settings.set_many(a.db, a.ctx, {"reminders.standby": ""})  # B neither sends nor stands by
    settle(a, b)
    assert send_reminders(a.db, clock)["active"] == 1  # A claims the lease
    assert reminderlease.seen(a.db) == reminderlease.Seen("A", "FRONT-1", True, clock.now())
    assert reminderlease.seen(b.db) is None
    assert send_reminders(b.db, clock)["active"] == 0  # not the station: asks, claims nothing
    assert reminderlease.seen(b.db) == reminderlease.Seen("A", "FRONT-1", False, clock.now())
    asked: list[str] = []
    real = Client.lease_holder

    def counted(self: Client, name: str) -> dict[str, Any]:
        asked.append(name)
        return real(self, name)

    monkeypatch.setattr(Client, "lease_holder", counted)
    clock.advance(minutes=1)
    send_reminders(b.db, clock)
    assert asked == [], "asked again only every few minutes"
    clock.advance(minutes=5)
    send_reminders(b.db, clock)
    assert asked == ["reminders"]
    assert round_of(b, TwilioSender("https://127.0.0.1:9", ACCOUNT, "+1", TOKEN)).active is False
    with b.db.read() as s:
        assert s.scalar(select(Reminder.id).where(Reminder.state == "sent")) is None


def test_a_booking_the_old_holder_never_saw_gets_its_confirmation_after_the_move(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock, tmp_path: Path, endpoint: Endpoint,
    pair_templates: PairTemplates,
) -> None:  # fmt: skip
    """The lease moves from A (off for a day) to B. A confirmed its own booking (X) and
    went off before its log of it was synced: B leaves it alone. A booking made on B
    while A held the lease and not pushed by A's last renewal (Z) A never saw: B's to
    confirm, but a day late, past the late limit: ``late`` (#14). One made on a third PC offline
    (Q) reaches B only after the move, so A never saw it: B sends its confirmation,
    though it was booked before A's last renewal. A comes back: nothing goes twice."""
    a, b = pcs
    sender, server = provider
    c = copy_empty_pc(pair_templates, tmp_path / "c", clock, PASSPHRASE_C)
    try:
        cloud.join(c.db, c.ctx, endpoint.url, cloud.invite(a.db, a.ctx).code, "FRONT-3")
        settle(a, b, c)
        settings.set_many(a.db, a.ctx, {"reminders.offsets": ""})  # confirmations only
        settle(a, b, c)
        x = book(a, "Xena", 50, "05321234567")
        settle(a)  # X reaches the endpoint; A's log of its confirmation never does
        assert [i.appointment_id for i in round_of(a, sender).of("sent")] == [x]
        z = book(b, "Zeynep", 40, "05329876543")  # on B, while A holds the lease
        q = book(c, "Kaan", 45, "05321112233")  # on C, offline for now
        assert round_of(b, sender).reason == "lease_elsewhere"  # B hears A holds it
        assert states(b, z)["confirmation"] == ("pending", "")  # A may be silent: it waits
        clock.advance(hours=25)  # A is off: B takes the lease
        settle(b)
        taken = round_of(b, sender)
        assert taken.active, taken.reason
        assert taken.of("sent") == []
        assert states(b, z)["confirmation"] == ("skipped", "late")
        settle(c, b)  # C's booking reaches B after the move
        later = round_of(b, sender)
        assert [i.appointment_id for i in later.of("sent")] == [q]
        clock.advance(hours=2)  # X comes within B's planning horizon: A confirmed it
        assert round_of(b, sender).of("sent") == []
        assert states(b, x)["confirmation"] == ("skipped", "other_station")
        clock.advance(minutes=5)  # A is back: it takes the lease again
        settle(a, b, c)
        back = round_of(a, sender)
        assert back.active and back.of("sent") == []
        sent = sent_rows(a, b)
        assert set(sent.values()) == {1}, "each confirmation sent by one PC, once"
        assert sorted(sent) == sorted((i, "confirmation") for i in (x, q))
        assert len(server.messages) == 2
    finally:
        c.db.close()


def test_more_confirmations_the_old_holder_sent_than_a_round_takes_are_not_sent_again(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new holder plans a confirmation for every booking ahead it has none for, and
    leaves alone those the old holder sent (its log of them synced): all of them, not
    only the first batch, even when there are more than a round's batch (made 1 here)."""
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": ""})  # confirmations only
    booked = [book(a, name, 30, phone) for name, phone in (
        ("Xena", "05321234567"), ("Yusuf", "05329876543"), ("Zeynep", "05321112233"),
    )]  # fmt: skip
    assert len(round_of(a, sender).of("sent")) == 3
    settle(a, b)  # the bookings and A's log of their confirmations reach B
    clock.advance(hours=25)  # A is off for a day: B takes the lease
    settle(b)
    monkeypatch.setattr(dispatch, "ROUND_LIMIT", 1)
    taken = round_of(b, sender)
    assert taken.active, taken.reason
    assert taken.of("sent") == []
    for appointment in booked:
        assert states(b, appointment)["confirmation"] == ("skipped", "other_station")
    assert len(server.messages) == 3


def test_a_stand_by_counts_what_it_planned_as_the_station_s_not_as_queued(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock
) -> None:
    """B plans as A would while A holds the lease: those rows wait for a takeover, and
    the status (the status bar's, ``reminders status``) does not call them queued on B;
    once B is heard to hold the lease, they are."""
    a, b = pcs
    sender, _server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": "24h,2h"})
    book(a, "Xena", 50, "05321234567")
    settle(a, b)
    assert round_of(a, sender).active
    assert round_of(b, sender).reason == "lease_elsewhere"
    assert len(states(b, book_id := _only_appointment(b))) == 3, book_id  # B planned all
    on_a, on_b = reminders.status(a.db), reminders.status(b.db)
    assert (on_a.mode, on_a.queued, on_a.kept) == ("here", 2, 0)
    assert on_a.next_due is not None
    assert (on_b.mode, on_b.queued, on_b.kept, on_b.next_due) == ("standby", 0, 3, None)
    data = status_data(on_b, ZoneInfo("Europe/Istanbul"))
    assert (data["queued"], data["kept_for_takeover"], data["next_due"]) == (0, 3, None)
    assert "only if this PC takes over" in status_text(data)
    taken_over = reminders.status(b.db, sending=True)
    assert (taken_over.queued, taken_over.kept) == (3, 0)
    assert (reminders.status(a.db, sending=False).queued, reminders.status(a.db).kept) == (0, 0)


def _only_appointment(pc: Pc) -> str:
    with pc.db.read() as s:
        return str(s.scalars(select(Reminder.appointment_id)).first())


def test_a_pc_that_loses_the_role_withdraws_its_queue_and_plans_afresh_if_it_regains_it(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock
) -> None:
    """B stands by and plans X as A does; B is taken off stand-by: its queued rows are
    withdrawn ("role_lost"), not left to go one day from a stale plan. Ten hours later
    B is named the station: it plans X afresh (the reminder still ahead goes, once,
    from B) and A, no longer the sender, withdraws its own."""
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": "24h"})
    x = book(a, "Xena", 50, "05321234567")
    settle(a, b)
    assert [i.kind for i in round_of(a, sender).of("sent")] == ["confirmation"]
    assert round_of(b, sender).reason == "lease_elsewhere"
    assert states(b, x)["24h"] == ("pending", "")
    settings.set_many(a.db, a.ctx, {"reminders.standby": ""})
    settle(a, b)
    dropped = round_of(b, sender)
    assert (dropped.reason, dropped.withdrawn) == ("not_station", 2)
    assert states(b, x) == {
        "confirmation": ("withdrawn", "role_lost"), "24h": ("withdrawn", "role_lost"),
    }  # fmt: skip
    assert round_of(b, sender).withdrawn == 0  # nothing left to withdraw

    clock.advance(hours=10)
    settings.set_many(a.db, a.ctx, {"reminders.station": "B"})
    settle(a, b)
    assert round_of(a, sender).withdrawn == 1  # A's 24h reminder: B's to send now
    assert states(a, x)["24h"] == ("withdrawn", "role_lost")
    taken = round_of(b, sender)
    assert taken.active, taken.reason
    assert taken.of("sent") == []
    assert states(b, x)["24h"] == ("pending", "")  # planned again, afresh
    clock.advance(hours=16)
    assert [(i.appointment_id, i.rule) for i in round_of(b, sender).of("sent")] == [(x, "24h")]
    assert round_of(a, sender).of("sent") == []
    assert set(sent_rows(a, b).values()) == {1}
    assert len(server.messages) == 2
