"""The reminders' lease measured in the endpoint's time (docs/sync-protocol.md,
"Leases"), with the endpoint on loopback (SQLite and PostgreSQL) and two PCs: a claim
that reaches the endpoint late, and PCs whose clocks are minutes apart, still send
each message once; the named station renamed while the old one is cut off from the
endpoint does not send what the old one sends on the lease it remembers, and a holder
named the station is still the same holder (by its device)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from channelservers import ACCOUNT, TOKEN, free_port, http_server
from sqlalchemy import select
from test_reminder_lease import book, pcs, provider, round_of, sent_rows, states
from test_reminder_takeover import sent_by
from test_two_pcs import Pc, admin, settle

from receptionist.clock import FixedClock
from receptionist.context import SYSTEM, Ctx
from receptionist.jobs import netreturn
from receptionist.jobs.registry import Every, Job
from receptionist.jobs.runner import Runner
from receptionist.models import Reminder, ReminderHandover
from receptionist.ops import settings
from receptionist.reminders import handover
from receptionist.store.storage import Database
from sync import cloud
from sync.channels.twilio import TwilioSender
from sync.client import Client
from sync.jobs import send_reminders
from sync.reminderlease import EndpointLease

__all__ = ["pcs", "provider"]  # the fixtures, as test_reminder_lease makes them


class Apart:
    """A PC's clock, ``by`` ahead of the endpoint's (behind where negative): it moves
    with it."""

    def __init__(self, endpoint: FixedClock, by: timedelta) -> None:
        self.endpoint, self.by = endpoint, by

    def now(self) -> datetime:
        return self.endpoint.now() + self.by


def apart(pc: Pc, clock: FixedClock, minutes: float, *, manager: bool = False) -> Pc:
    """``pc`` with its own clock, ``minutes`` ahead of the endpoint's."""
    own = Apart(clock, timedelta(minutes=minutes))
    return Pc(pc.db, admin(own) if manager else Ctx(SYSTEM, own))  # type: ignore[arg-type]


@contextmanager
def slow_claims(clock: FixedClock, minutes: float) -> Iterator[None]:
    """A claim of the lease reaches the endpoint ``minutes`` after it was sent (a slow
    network): the endpoint's clock has moved on by then."""
    real = Client.lease

    def slow(self: Client, *args: Any, **kwargs: Any) -> dict[str, Any]:
        clock.advance(minutes=minutes)
        return real(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(Client, "lease", slow)
        yield


def test_a_claim_that_reached_the_endpoint_late_leaves_what_the_old_holder_sent(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock
) -> None:
    """A (the station; an hour's lease, the late limit two hours) sends X's reminder
    at its last renewal and goes off before its log of it syncs. B takes the lease over
    an hour later, its claim three minutes on the way: the endpoint says how long ago A
    renewed by its own clock, when the claim arrived, so B must not count that age back
    from when it sent the claim. X's reminder goes once."""
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {
        "reminders.offsets": "119m", "reminders.confirmation": False,
        "reminders.takeover_hours": 1,
    })  # fmt: skip
    x = book(a, "Xena", 2, "05321234567")  # its reminder a minute from now
    assert sent_by(a, sender) == []  # A holds the lease
    settle(a, b)
    assert round_of(b, sender).reason == "lease_elsewhere"  # B plans X
    clock.advance(minutes=1)
    assert sent_by(a, sender) == [(x, "reminder")]  # renewed, and sent; then A is off
    clock.advance(minutes=61)  # A's lease ran out
    with slow_claims(clock, 3):
        taken = round_of(b, sender)
    assert taken.active, taken.reason
    assert taken.of("sent") == []
    assert states(b, x)["119m"] == ("skipped", "other_station")
    assert len(server.messages) == 1


def test_a_stand_by_whose_clock_runs_ahead_leaves_what_falls_due_after_its_renewal(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock
) -> None:
    """B's clock is three minutes ahead of the endpoint's (and of A's). B holds the
    lease (A was off for a day); X's reminder falls due three minutes after B's
    renewal, by the endpoint's clock. The station takes a stand-by's lease back at any
    moment, leaving it what fell due by a minute after its last renewal, in the
    endpoint's time: B, whose clock says X is due already, leaves it; A, back, sends it
    once."""
    a, b = pcs
    sender, server = provider
    b = apart(b, clock, 3)
    settings.set_many(a.db, a.ctx, {"reminders.offsets": "119m", "reminders.confirmation": False})
    assert sent_by(a, sender) == []  # A holds the lease
    settle(a, b)
    clock.advance(hours=25)  # A is off for a day: B takes the lease
    settle(b)
    assert sent_by(b, sender) == []
    x = book(b, "Xena", 2, "05321234567")  # due in a minute by B's clock: 4 by the endpoint's
    settle(b, a)
    clock.advance(minutes=1)
    round_of(b, sender)  # renews the lease; whatever it sends, its log never syncs
    clock.advance(minutes=1)  # A is back: it takes the lease from the stand-by at once
    assert sent_by(a, sender) == []
    clock.advance(minutes=2)
    assert sent_by(a, sender) == [(x, "reminder")]
    assert round_of(b, sender).reason == "lease_elsewhere"
    assert set(sent_rows(a, b).values()) == {1}
    assert len(server.messages) == 1


def test_a_station_whose_clock_runs_ahead_leaves_what_the_stand_by_will_send(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock
) -> None:
    """A's clock is three minutes ahead of the endpoint's (and of B's); its lease runs
    an hour, the late limit two. X's reminder falls due three minutes after A's last
    renewal, in the endpoint's time; A goes off before its log of that round syncs. B
    takes over within the late limit and leaves alone only what fell due by a minute
    after A's renewal: so A, whose clock says X is due, must not send it. X's reminder
    goes once, from B."""
    a, b = pcs
    sender, server = provider
    a = apart(a, clock, 3, manager=True)
    settings.set_many(a.db, a.ctx, {
        "reminders.offsets": "119m", "reminders.confirmation": False,
        "reminders.takeover_hours": 1,
    })  # fmt: skip
    assert sent_by(a, sender) == []  # A holds the lease
    x = book(a, "Xena", 2, "05321234567")  # due in a minute by A's clock: 4 by the endpoint's
    settle(a, b)
    assert round_of(b, sender).reason == "lease_elsewhere"  # B plans X
    clock.advance(minutes=1)
    round_of(a, sender)  # A renews; whatever it sends, its log never syncs; A is off
    clock.advance(minutes=62)  # A's lease ran out: B takes it
    assert sent_by(b, sender) == [(x, "reminder")]
    assert set(sent_rows(a, b).values()) == {1}
    assert len(server.messages) == 1


def test_a_station_renamed_while_the_old_one_is_cut_off_sends_nothing_twice(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A, the station, loses the endpoint and sends on the lease it was given (a day).
    Meanwhile the clinic names B its station (on B; A cannot hear it). B is a new
    holder, not A under another name: it gets the lease only once A's runs out, and
    then leaves alone what A could send on it. X's reminder, due hours after the
    rename, goes once (from A); Y's, due in the day's last hour, once (from B)."""
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": "2h", "reminders.confirmation": False})
    x = book(a, "Xena", 12, "05321234567")  # its reminder in 10 hours
    y = book(a, "Yusuf", 25, "05329876543")  # its reminder in 23 hours
    assert sent_by(a, sender) == []  # A holds the lease
    settle(a, b)
    assert round_of(b, sender).reason == "lease_elsewhere"  # B plans X and Y
    real = cloud.client_for
    monkeypatch.setattr(
        cloud, "client_for",
        lambda db: Client("https://127.0.0.1:9", "token") if db is a.db else real(db),
    )  # fmt: skip
    clock.advance(minutes=10)
    settings.set_many(b.db, admin(clock), {"reminders.station": "B", "reminders.standby": ""})
    settle(b)
    renamed = round_of(b, sender)
    assert (renamed.active, renamed.reason, renamed.holder) == (False, "lease_elsewhere", "A")
    clock.advance(hours=10)
    assert sent_by(a, sender) == [(x, "reminder")]  # on the lease A remembers
    assert round_of(b, sender).of("sent") == []
    clock.advance(hours=13, minutes=55)  # A's lease ran out: B takes it
    assert round_of(a, sender).reason == "lease_unreachable"
    assert sent_by(b, sender) == [(y, "reminder")]
    assert set(sent_rows(a, b).values()) == {1}
    assert len(server.messages) == 2


def test_the_old_station_renamed_away_lets_go_of_the_lease_for_the_new_one(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock
) -> None:
    """The clinic names B its station and A neither sends nor stands by; A hears it at
    its next sync and lets go of the lease at its next dispatch round, so B need not
    wait for A's lease to run out; what A sent is not sent again."""
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": "", "reminders.standby": ""})
    x = book(a, "Xena", 30, "05321234567")
    assert sent_by(a, sender) == [(x, "confirmation")]
    settings.set_many(a.db, a.ctx, {"reminders.station": "B"})
    settle(a, b)
    assert send_reminders(a.db, clock)["active"] == 0  # no longer the station: lets go
    clock.advance(minutes=1)
    taken = round_of(b, sender)
    assert taken.active, taken.reason
    assert taken.of("sent") == []
    clock.advance(minutes=2)  # past the minute after A let go: B's own
    y = book(b, "Yusuf", 30, "05329876543")
    assert sent_by(b, sender) == [(y, "confirmation")]
    assert len(server.messages) == 2


def test_an_endpoint_that_does_not_say_its_time_has_the_cutoff_counted_from_the_answer(
    db: Database, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An endpoint older than session 17 says the handover's age but not its time: the
    age was measured no earlier than the answer left it, so the cutoff is counted back
    from when the answer arrived (three minutes after the claim left, here), never from
    when the claim was sent; the lease's end, from the claim (it was renewed no
    earlier), and the round runs on this PC's clock."""
    sent = clock.now()

    def older(_h: object, _method: str, _raw: bytes) -> tuple[int, dict[str, Any], dict]:
        clock.advance(minutes=3)  # on the way
        now = clock.now()
        holder = {
            "device_id": "d-2", "code": "B", "name": "FRONT-2", "preferred": False,
            "acquired_at": (now - timedelta(hours=2)).isoformat(),
            "renewed_at": now.isoformat(), "expires_at": (now + timedelta(hours=1)).isoformat(),
        }  # fmt: skip
        answer = {"name": "reminders", "held": True, "holder": holder,
                  "handover_age_seconds": 3600.0}  # fmt: skip
        return 200, answer, {}

    with http_server(older) as (url, _recorded):
        monkeypatch.setattr(cloud, "client_for", lambda _db: Client(url, "token"))
        hold = EndpointLease(db, clock)(False, timedelta(hours=1))
    assert hold.held and hold.skew == timedelta(0)
    assert hold.cutoff == clock.now() - timedelta(hours=1) + handover.SENDING_AFTER
    assert (hold.renewed, hold.until) == (sent, sent + timedelta(hours=1))


def test_the_endpoint_s_time_and_this_pc_s_apart_are_heard_from_the_answer(
    pcs: tuple[Pc, Pc], clock: FixedClock
) -> None:
    """A PC whose clock is five minutes behind hears the endpoint's times as it says
    them, and the difference between the clocks."""
    a, _b = pcs
    behind = Apart(clock, timedelta(minutes=-5))
    hold = EndpointLease(a.db, behind)(True, timedelta(hours=24))  # type: ignore[arg-type]
    assert hold.held and hold.skew == timedelta(minutes=5)
    assert (hold.renewed, hold.until) == (clock.now(), clock.now() + timedelta(hours=24))


def _cutoff(pc: Pc) -> datetime | None:
    with pc.db.read() as s:
        row = s.get(ReminderHandover, "lease")
        return None if row is None else row.cutoff


def test_a_stand_by_named_the_station_while_it_holds_the_lease_is_the_same_holder(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock
) -> None:
    """B took the lease as the stand-by (A off for a day); the clinic names B its station
    and A its stand-by. The endpoint knows B by its device, not by the setting: B's
    claim as the station renews its own lease (no new handover, the cutoff of A's
    stays), and A, back, takes nothing from it: it plans as a stand-by."""
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": ""})  # confirmations only
    assert sent_by(a, sender) == []  # A holds the lease
    settle(a, b)
    clock.advance(hours=25)  # A is off for a day: B takes the lease
    settle(b)
    x = book(b, "Xena", 30, "05321234567")
    assert sent_by(b, sender) == [(x, "confirmation")]
    taken_at = _cutoff(b)
    assert taken_at is not None
    settings.set_many(b.db, admin(clock), {"reminders.station": "B", "reminders.standby": "A"})
    settle(b)
    clock.advance(minutes=10)
    y = book(b, "Yusuf", 30, "05329876543")
    assert sent_by(b, sender) == [(y, "confirmation")]
    assert _cutoff(b) == taken_at, "the same holder: no handover"
    settle(a, b)  # A is back, and hears it stands by now
    assert round_of(a, sender).reason == "lease_elsewhere"
    assert sent_by(b, sender) == []
    assert set(sent_rows(a, b).values()) == {1}
    assert len(server.messages) == 2


def test_a_booking_made_on_a_stand_by_whose_clock_runs_ahead_is_confirmed_once(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock
) -> None:
    """B's clock is three minutes ahead of the endpoint's. X is booked on B just before
    A's last renewal (by the endpoint's clock; three minutes after it by B's) and
    reaches A, which confirms it and goes off before its log syncs. B takes the lease
    within the late limit: the booking was made before the cutoff by B's own clock, as
    B wrote it, so its confirmation was A's: B leaves it."""
    a, b = pcs
    sender, server = provider
    b = apart(b, clock, 3)
    settings.set_many(a.db, a.ctx, {
        "reminders.offsets": "", "reminders.takeover_hours": 1,
    })  # fmt: skip
    assert sent_by(a, sender) == []  # A holds the lease
    settle(a, b)
    x = book(b, "Xena", 30, "05321234567")
    settle(b, a)  # X reaches A
    assert sent_by(a, sender) == [(x, "confirmation")]  # A's last renewal; its log stays
    assert round_of(b, sender).reason == "lease_elsewhere"  # B hears A renewed
    clock.advance(minutes=62)  # A's lease ran out: B takes it
    taken = round_of(b, sender)
    assert taken.active, taken.reason
    assert taken.of("sent") == []
    assert states(b, x)["confirmation"] == ("skipped", "other_station")
    assert len(server.messages) == 1


def test_a_station_whose_clock_runs_ahead_sends_at_once_when_the_network_returns(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock
) -> None:
    """A's clock is five minutes ahead of the endpoint's. X's confirmation reached no
    provider in four tries (the network down): its next try is eight minutes on, by the
    endpoint's time (the round's), after A's time. The network is back
    (``netreturn.run_back``): the round run then sends it. Before, the message was made
    due at A's time, five minutes after the round's: it waited those minutes more."""
    a, _ = pcs
    sender, server = provider
    a = apart(a, clock, 5)
    settings.set_many(a.db, a.ctx, {"reminders.offsets": ""})
    assert sent_by(a, sender) == []  # A holds the lease
    x = book(a, "Xena", 24, "05321234567")
    down = TwilioSender(f"http://127.0.0.1:{free_port()}", ACCOUNT, "+15005550006", TOKEN)
    for wait in (1, 2, 4, 1):
        assert [i.kind for i in round_of(a, down).of("retrying")] == ["confirmation"]
        clock.advance(minutes=wait)
    with a.db.read() as s:
        next_try = s.scalar(select(Reminder.next_try_at).where(Reminder.appointment_id == x))
    assert next_try is not None and next_try > a.ctx.clock.now()
    assert sent_by(a, sender) == []  # not due yet: its next try is ahead

    def dispatched(db: Database, own: Any) -> dict[str, int]:  # the job, with the sender
        return {"sent": len(round_of(Pc(db, Ctx(SYSTEM, own)), sender).of("sent"))}

    runner = Runner([Job(netreturn.DISPATCH, dispatched, Every(1))])
    ran = netreturn.run_back(runner, a.db, a.ctx.clock, [netreturn.DISPATCH])
    assert [r.counts["sent"] for r in ran] == [1]
    assert states(a, x)["confirmation"] == ("sent", "")
    assert len(server.messages) == 1
