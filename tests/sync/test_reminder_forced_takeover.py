"""A person's "the old reminder station is off: take over now" (issue #14;
docs/sync-protocol.md, "Leases"), with the endpoint on loopback (SQLite and PostgreSQL)
and two PCs: the station A dies while holding the lease; the clinic names B its
station and an administrator on B takes over. B sends what falls due after that
exactly once, leaving what fell due before to A (the cutoff); A, back, sends nothing
more. Another role, a PC that is not the station, and an endpoint that does not know
the request are refused with nothing taken; the takeover is audited."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from test_reminder_lease import book, pcs, provider, round_of, sent_rows, states
from test_reminder_takeover import sent_by
from test_two_pcs import Pc, admin, settle

from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.errors import PermissionDenied, UserError, ValidationError
from receptionist.models import AuditEvent, StaffUser
from receptionist.ops import reminders, settings, staff
from sync import reminderlease
from sync.client import Client

__all__ = ["pcs", "provider"]  # the fixtures, as test_reminder_lease makes them


def named_b(a: Pc, b: Pc, clock: FixedClock) -> None:
    """The clinic names B its station, on B (A is off and hears nothing)."""
    settings.set_many(b.db, admin(clock), {"reminders.station": "B", "reminders.standby": ""})
    settle(b)


def an_admin(pc: Pc, clock: FixedClock) -> Ctx:
    """The clinic's administrator, by name (as ``--user`` or the app's sign-in)."""
    return staff.acting(pc.db, clock, None, "cli")


def taken_over(pc: Pc) -> list[AuditEvent]:
    with pc.db.read() as s:
        return list(
            s.scalars(select(AuditEvent).where(AuditEvent.action == "reminders_taken_over"))
        )


def test_b_takes_over_now_and_sends_what_falls_due_after_once_a_back_sends_nothing(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock
) -> None:
    """A holds the lease (a day's) and dies. Three hours on, the clinic names B and an
    administrator on B takes over: X's reminder, due an hour before, was A's (not sent
    by B); Y's, due an hour after, goes once from B. A comes back: its round hears B
    holds the lease and sends nothing."""
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": "2h", "reminders.confirmation": False})
    x = book(a, "Xena", 4, "05321234567")  # its reminder in 2 hours
    y = book(a, "Yusuf", 6, "05329876543")  # its reminder in 4 hours
    assert sent_by(a, sender) == []  # A holds the lease; nothing due yet
    settle(a, b)
    clock.advance(minutes=10)  # A is off from here
    named_b(a, b, clock)
    waiting = round_of(b, sender)
    assert (waiting.active, waiting.reason, waiting.holder) == (False, "lease_elsewhere", "A")
    clock.advance(hours=2, minutes=50)  # X's reminder fell due an hour ago: nobody sent it
    assert round_of(b, sender).reason == "lease_elsewhere", "A's lease runs for a day"
    taken = reminderlease.take_over(b.db, an_admin(b, clock))
    assert (taken.from_code, taken.at) == ("A", clock.now())
    assert sent_by(b, sender) == [], "X fell due before the takeover: A's"
    clock.advance(hours=1, minutes=1)
    assert sent_by(b, sender) == [(y, "reminder")]
    clock.advance(minutes=5)
    assert sent_by(b, sender) == []
    reminderlease.forget()  # A restarts
    back = round_of(a, sender)
    assert (back.active, back.reason, back.holder) == (False, "lease_elsewhere", "B")
    assert back.of("sent") == []
    settle(a, b)
    assert round_of(a, sender).of("sent") == []
    assert [(appointment, n) for (appointment, _rule), n in sent_rows(a, b).items()] == [(y, 1)]
    assert states(b, x) == {"2h": ("skipped", "other_station")}, "A's, left alone"
    assert len(server.messages) == 1


def test_the_take_over_is_audited_with_who_when_and_the_device_it_took_from(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock
) -> None:
    a, b = pcs
    sender, _server = provider
    assert sent_by(a, sender) == []
    settle(a, b)
    named_b(a, b, clock)
    ctx = an_admin(b, clock)
    reminderlease.take_over(b.db, ctx)
    [event] = taken_over(b)
    assert (event.actor_id, event.at, event.entity_type, event.entity_id) == (
        ctx.actor.user_id, clock.now(), "device", "A",
    )  # fmt: skip
    assert ctx.actor.user_id is not None
    with b.db.read() as s:
        name = s.get(StaffUser, ctx.actor.user_id).username  # type: ignore[union-attr]
    holder = Client.lease_holder  # the endpoint says who forced it, by name
    reminderlease.forget()
    with_forced: dict[str, Any] = {}

    def heard(self: Client, lease: str) -> dict[str, Any]:
        with_forced.update(holder(self, lease))
        return with_forced

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(Client, "lease_holder", heard)
        reminderlease.EndpointLease(a.db, clock).peek()
    assert with_forced["forced"]["by"] == name and with_forced["forced"]["from_code"] == "A"


def test_only_an_administrator_on_the_named_station_takes_over(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock
) -> None:
    """A receptionist is refused, and so is an administrator on B before the clinic
    names B: nothing is taken (A still holds the lease), nothing audited."""
    a, b = pcs
    sender, _server = provider
    assert sent_by(a, sender) == []
    settle(a, b)
    with pytest.raises(ValidationError, match="not the reminder station") as elsewhere:
        reminderlease.take_over(b.db, an_admin(b, clock))
    said = str(elsewhere.value)  # named as the dialog shows it, not by its key
    assert "Settings > Clinic > Reminders: Reminder station" in said and "reminders." not in said
    named_b(a, b, clock)
    desk = Ctx(Actor(None, "receptionist", "ui"), clock)
    with pytest.raises(PermissionDenied, match="Only an administrator"):
        reminderlease.take_over(b.db, desk)
    with pytest.raises(PermissionDenied):
        reminders.may_take_over(b.db, Ctx(Actor(None, "manager", "ui"), clock))
    assert round_of(b, sender).holder == "A"
    assert taken_over(b) == []


def test_an_endpoint_that_does_not_know_the_take_over_is_said_so(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An endpoint older than ``force`` ignores it (as it ignores any field it does not
    know): the person hears the endpoint must be updated; nothing is audited and B does
    not send."""
    a, b = pcs
    sender, _server = provider
    assert sent_by(a, sender) == []
    settle(a, b)
    named_b(a, b, clock)
    real = Client.lease

    def older(self: Client, *args: Any, force_by: str | None = None, **kw: Any) -> Any:
        return real(self, *args, **kw)

    monkeypatch.setattr(Client, "lease", older)
    with pytest.raises(UserError, match="endpoint must be updated to take over now"):
        reminderlease.take_over(b.db, an_admin(b, clock))
    assert taken_over(b) == []
    assert round_of(b, sender).reason == "lease_elsewhere"
