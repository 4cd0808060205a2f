"""How far a stand-by had pushed when it heard the holder's last renewal (#14,
``handover.watch``): what the endpoint had accepted of its own changes, not what it had
packed into a batch still waiting for an answer.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from test_reminder_lease import book, pcs, provider, round_of, states
from test_reminder_told_gaps import SQLITE_ONLY, sent_by
from test_two_pcs import Pc, settle

from receptionist.clock import FixedClock
from receptionist.ops import replica, settings
from receptionist.ops.replica import Change
from sync import client, cloud
from sync.round import PushAnswer, Unreachable
from sync.server import bodies
from sync.server import push as server_push

__all__ = ["pcs", "provider"]  # the fixtures, as test_reminder_lease makes them
ISTANBUL = ZoneInfo("Europe/Istanbul")  # the pair's clinic


def failed_push(pc: Pc, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sync round whose push never reaches the endpoint: the batch is packed (and
    kept, to go again), and nothing of it is accepted."""

    def outage(self: client.Client, changes: object) -> object:
        raise Unreachable("the network went down during the push")

    with monkeypatch.context() as patched:
        patched.setattr(client.Client, "push", outage)
        with pytest.raises(Unreachable):
            cloud.sync_once(pc.db, pc.ctx.clock)


@SQLITE_ONLY
def test_a_batch_waiting_for_the_endpoint_at_the_last_renewal_is_the_stand_by_s(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R is booked on B, the stand-by, and pushed; Q is booked on B too, but B's push of
    it fails (the batch is packed and waits). A renews (it saw R, never Q) and confirms
    R; B hears that renewal, then A goes off. When B takes over, Q is B's to confirm
    (it reached the endpoint only after A's last renewal), and R is not (A did)."""
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": "", "reminders.takeover_hours": 1})
    assert sent_by(a, sender) == []  # A holds the lease
    settle(a, b)
    assert round_of(b, sender).reason == "lease_elsewhere"
    r = book(b, "Rana", 42, "05321234567")
    settle(b, a)  # R reaches A
    q = book(b, "Kaan", 40, "05321112233")
    failed_push(b, monkeypatch)  # Q packed, not accepted
    clock.advance(minutes=1)
    assert sent_by(a, sender) == [(r, "confirmation")]  # A's last renewal: never saw Q
    assert round_of(b, sender).reason == "lease_elsewhere"  # B hears it
    clock.advance(minutes=65)  # A's lease ran out
    settle(b)  # Q reaches the endpoint only now
    assert sent_by(b, sender) == [(q, "confirmation")]
    assert states(b, r)["confirmation"] == ("skipped", "other_station")
    assert len(server.messages) == 2


@SQLITE_ONLY
def test_a_stand_by_that_missed_the_last_renewal_does_not_confirm_what_it_pushed_before(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock
) -> None:
    """B, the stand-by, hears A renew; a minute later Q is booked on B and pushed, and
    reaches A, which renews and confirms it: A's last renewal, which B never hears (no
    round of B's ran between it and A going off). At the takeover B does not confirm Q
    again: the renewal B heard is not the cutoff's, so how far B had pushed then says
    nothing of what A saw."""
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": "", "reminders.takeover_hours": 1})
    assert sent_by(a, sender) == []  # A holds the lease
    settle(a, b)
    assert round_of(b, sender).reason == "lease_elsewhere"  # B hears this renewal
    clock.advance(minutes=1)
    q = book(b, "Kaan", 40, "05321112233")
    settle(b, a)  # Q is accepted, and reaches A
    clock.advance(minutes=1)
    assert sent_by(a, sender) == [(q, "confirmation")]  # A's last renewal, unheard by B
    clock.advance(minutes=65)  # A's lease ran out
    settle(b)
    assert sent_by(b, sender) == []
    assert states(b, q)["confirmation"] == ("skipped", "other_station")
    assert len(server.messages) == 1


def lost_answer(pc: Pc, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sync round whose push the endpoint applies, but whose answer never comes back:
    the batch stays packed here (to go again), and nothing of it counts as accepted."""
    real = client.Client.push

    def applied_then_lost(self: client.Client, changes: list[Change]) -> PushAnswer:
        real(self, changes)  # the endpoint applies it and answers ...
        raise Unreachable("the network went down before the answer arrived")  # ... unheard

    with monkeypatch.context() as patched:
        patched.setattr(client.Client, "push", applied_then_lost)
        with pytest.raises(Unreachable):
            cloud.sync_once(pc.db, pc.ctx.clock)


@SQLITE_ONLY
def test_a_push_applied_whose_answer_was_lost_is_not_confirmed_again_at_the_takeover(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Q is booked on B, the stand-by; the endpoint applies B's push, but the answer is
    lost. A pulls Q, renews and confirms it; B hears that renewal while its batch still
    waits, then sends it again: the endpoint answers that it applied it before A's
    renewal. When B takes over, Q is A's (confirmed once), not B's to confirm again."""
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": "", "reminders.takeover_hours": 1})
    assert sent_by(a, sender) == []  # A holds the lease
    settle(a, b)
    assert round_of(b, sender).reason == "lease_elsewhere"
    q = book(b, "Kaan", 40, "05321112233")
    lost_answer(b, monkeypatch)  # Q is on the endpoint; B does not know it
    assert replica.status(b.db).waiting > 0  # the batch waits to go again
    settle(a)  # Q reaches A
    clock.advance(minutes=1)
    assert sent_by(a, sender) == [(q, "confirmation")]  # A's last renewal: saw Q
    assert round_of(b, sender).reason == "lease_elsewhere"  # B hears it, its batch waiting
    settle(b)  # the retry: "applied already", before that renewal
    assert replica.status(b.db).waiting == 0
    clock.advance(minutes=65)  # A's lease ran out
    settle(b)
    assert sent_by(b, sender) == []
    assert states(b, q)["confirmation"] == ("skipped", "other_station")
    assert len(server.messages) == 1


def test_a_push_answer_without_a_time_of_applying_says_nothing_of_it() -> None:
    """An endpoint older than s0009 says no ``applied_at``; one not an aware time is
    taken as none: the time is not known (the answer's repeats alone then say the batch
    was applied before: ``handover.applied_before``)."""
    assert client._time_or_none({"last_seq": 3}) is None
    assert client._time_or_none({"applied_at": None}) is None
    assert client._time_or_none({"applied_at": "soon"}) is None
    assert client._time_or_none({"applied_at": "2026-12-07T10:00:00"}) is None
    said = client._time_or_none({"applied_at": "2026-12-07T10:00:00+00:00"})
    assert said is not None and said.isoformat() == "2026-12-07T10:00:00+00:00"


def quiet_from(pc: Pc, clock: FixedClock, minutes: int, hours: int) -> None:
    """Quiet hours from ``minutes`` from now, for ``hours``; confirmations only, and a
    stand-by takes over once the holder has not renewed for an hour."""
    start = (clock.now() + timedelta(minutes=minutes)).astimezone(ISTANBUL)
    settings.set_many(pc.db, pc.ctx, {
        "reminders.offsets": "", "reminders.takeover_hours": 1,
        "reminders.quiet_start": start.strftime("%H:%M"),
        "reminders.quiet_end": (start + timedelta(hours=hours)).strftime("%H:%M"),
    })  # fmt: skip


def test_a_resend_answered_after_the_takeover_still_makes_the_booking_the_old_holder_s(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Q is booked on B, the stand-by; the endpoint applies B's push, the answer is
    lost. A pulls Q, renews and confirms it, then goes off; B hears that renewal, its
    batch still waiting. B takes over in quiet hours, before its resend is answered:
    Q's confirmation waits for their end. The resend is answered then: applied before
    A's renewal. When quiet hours end, Q is A's (confirmed once), not B's to confirm
    again: the takeover's own record moves up too, not only what B watched."""
    a, b = pcs
    sender, server = provider
    quiet_from(a, clock, 30, 5)
    assert sent_by(a, sender) == []  # A holds the lease
    settle(a, b)
    assert round_of(b, sender).reason == "lease_elsewhere"
    q = book(b, "Kaan", 40, "05321112233")
    lost_answer(b, monkeypatch)  # Q is on the endpoint; B does not know it
    settle(a)  # Q reaches A
    clock.advance(minutes=1)
    assert sent_by(a, sender) == [(q, "confirmation")]  # A's last renewal: saw Q
    assert round_of(b, sender).reason == "lease_elsewhere"  # B hears it, its batch waiting
    clock.advance(minutes=65)  # A's lease ran out; quiet hours
    assert sent_by(b, sender) == []  # B takes over: Q's confirmation waits for their end
    assert replica.status(b.db).waiting > 0, "the resend is not answered yet"
    settle(b)  # the resend: "applied already", before A's last renewal
    assert replica.status(b.db).waiting == 0
    clock.advance(hours=5)  # quiet hours over
    assert sent_by(b, sender) == []
    assert states(b, q)["confirmation"] == ("skipped", "other_station")
    assert len(server.messages) == 1


@SQLITE_ONLY
def test_the_takeover_round_waits_for_the_answer_to_a_batch_the_holder_may_have_seen(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As above, with no quiet hours: B takes over while its batch (Q's booking, applied
    on the endpoint before A's last renewal, the answer lost) still waits. Whether A
    could have seen Q hangs on the answer, so B's takeover round does not confirm Q; the
    resend says it was applied before A's renewal: Q is A's, confirmed once."""
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": "", "reminders.takeover_hours": 1})
    assert sent_by(a, sender) == []  # A holds the lease
    settle(a, b)
    assert round_of(b, sender).reason == "lease_elsewhere"
    q = book(b, "Kaan", 40, "05321112233")
    lost_answer(b, monkeypatch)  # Q is on the endpoint; B does not know it
    settle(a)  # Q reaches A
    clock.advance(minutes=1)
    assert sent_by(a, sender) == [(q, "confirmation")]  # A's last renewal: saw Q
    assert round_of(b, sender).reason == "lease_elsewhere"  # B hears it, its batch waiting
    clock.advance(minutes=65)  # A's lease ran out
    assert sent_by(b, sender) == []  # the takeover, the resend not answered yet
    assert states(b, q)["confirmation"] == ("pending", "awaiting_push")
    settle(b)  # the resend: "applied already", before A's last renewal
    assert sent_by(b, sender) == []
    assert states(b, q)["confirmation"] == ("skipped", "other_station")
    assert len(server.messages) == 1


@SQLITE_ONLY
def test_a_booking_whose_push_failed_before_the_takeover_is_confirmed_once_answered(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Q is booked on B, the stand-by, and B's push of it fails (it never reaches the
    endpoint). A renews without Q; B hears it, then takes over with the batch still
    waiting: the takeover round waits for its answer. The push goes through after the
    takeover (applied now, after A's renewal): Q is B's, confirmed once, not lost."""
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": "", "reminders.takeover_hours": 1})
    assert sent_by(a, sender) == []  # A holds the lease
    settle(a, b)
    assert round_of(b, sender).reason == "lease_elsewhere"
    q = book(b, "Kaan", 40, "05321112233")
    failed_push(b, monkeypatch)  # Q packed, not on the endpoint
    clock.advance(minutes=1)
    assert sent_by(a, sender) == []  # A's last renewal: never saw Q
    assert round_of(b, sender).reason == "lease_elsewhere"  # B hears it
    clock.advance(minutes=65)  # A's lease ran out
    assert sent_by(b, sender) == []  # the takeover: Q's batch not answered yet
    settle(b)  # Q reaches the endpoint only now
    assert sent_by(b, sender) == [(q, "confirmation")]
    assert len(server.messages) == 1


def older_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    """The endpoint answers a retry as an endpoint older than s0009 does: its changes
    repeats (``duplicate``), and no ``applied_at``."""
    real = server_push.push

    def without_the_time(*args: Any, **kwargs: Any) -> bodies.PushOut:
        return real(*args, **kwargs).model_copy(update={"applied_at": None})

    monkeypatch.setattr(server_push, "push", without_the_time)


@SQLITE_ONLY
def test_an_older_endpoint_s_repeat_of_a_batch_the_holder_may_have_seen_is_the_holder_s(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As the takeover round's wait above, with an endpoint that does not say when it
    applied the batch: it says only that it had (repeats). Q was booked before B heard
    A's last renewal, so the batch may have reached the endpoint before it: Q is left
    to A (a missed confirmation is preferred to a double one); here A did confirm it."""
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": "", "reminders.takeover_hours": 1})
    older_endpoint(monkeypatch)
    assert sent_by(a, sender) == []  # A holds the lease
    settle(a, b)
    assert round_of(b, sender).reason == "lease_elsewhere"
    q = book(b, "Kaan", 40, "05321112233")
    lost_answer(b, monkeypatch)  # Q is on the endpoint; B does not know it
    settle(a)  # Q reaches A
    clock.advance(minutes=1)
    assert sent_by(a, sender) == [(q, "confirmation")]  # A's last renewal: saw Q
    assert round_of(b, sender).reason == "lease_elsewhere"  # B hears it, its batch waiting
    clock.advance(minutes=65)  # A's lease ran out
    assert sent_by(b, sender) == []  # the takeover, the resend not answered yet
    settle(b)  # the resend: repeats, applied when not said
    assert sent_by(b, sender) == []
    assert states(b, q)["confirmation"] == ("skipped", "other_station")
    assert len(server.messages) == 1


@SQLITE_ONLY
def test_an_older_endpoint_s_repeat_of_a_batch_made_after_the_renewal_heard_is_the_new_s(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the same endpoint, Q is booked on B a minute after B heard A's last
    renewal (A's round may still be sending), its push applied, the answer lost: its batch
    was packed after B heard the renewal, so it reached the endpoint after it. A never
    saw Q; B takes over, its resend is answered as repeats: Q is B's, confirmed once."""
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": "", "reminders.takeover_hours": 1})
    older_endpoint(monkeypatch)
    assert sent_by(a, sender) == []  # A holds the lease
    settle(a, b)
    clock.advance(minutes=1)
    assert sent_by(a, sender) == []  # A's last renewal
    assert round_of(b, sender).reason == "lease_elsewhere"  # B hears it
    clock.advance(minutes=1)  # A's round may still be sending
    q = book(b, "Kaan", 40, "05321112233")
    lost_answer(b, monkeypatch)  # Q is on the endpoint after A's last renewal
    clock.advance(minutes=65)  # A's lease ran out
    assert sent_by(b, sender) == []  # the takeover, the resend not answered yet
    settle(b)  # the resend: repeats, applied when not said
    assert sent_by(b, sender) == [(q, "confirmation")]
    assert len(server.messages) == 1
