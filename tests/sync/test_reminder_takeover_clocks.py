"""A takeover's checks on one clock (docs/sync-protocol.md, "Leases", "Time"): the
cutoff the endpoint says is in its time, while this PC's syncs, changes and bookings
are written on this PC's own clock; every comparison in ``reminders.handover`` reads
the cutoff moved onto this PC's clock. Two PCs (and a third that books offline) whose
clocks are minutes apart, the endpoint on loopback (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pairkit import PASSPHRASE_C, PairTemplates, copy_empty_pc
from serverkit import Endpoint
from sqlalchemy import select
from test_reminder_lease import book, pcs, provider, round_of, sent_rows, states
from test_reminder_lease_time import apart
from test_reminder_standby_pushed import lost_answer, older_endpoint
from test_reminder_takeover import move, sent_by
from test_reminder_told_gaps import SQLITE_ONLY
from test_two_pcs import Pc, admin, settle

from receptionist.clock import FixedClock
from receptionist.models import CommunicationEntry, DeliveryLog, Reminder, ReminderHandover
from receptionist.ops import backups, settings
from receptionist.store.vault import open_clinic
from sync import cloud

__all__ = ["pcs", "provider"]  # the fixtures, as test_reminder_lease makes them
ISTANBUL = ZoneInfo("Europe/Istanbul")  # the pair's clinic


def _mark(pc: Pc, kind: str) -> int | None:
    with pc.db.read() as s:
        row = s.get(ReminderHandover, kind)
        return None if row is None else row.mark


def test_a_stand_by_whose_clock_is_behind_confirms_a_booking_the_holder_never_saw(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock, tmp_path: Path, endpoint: Endpoint,
    pair_templates: PairTemplates,
) -> None:  # fmt: skip
    """B's clock is five minutes behind the endpoint's. B hears A renew (A's last
    renewal: A goes off then), and a sync of B's finishes twelve minutes later by the
    endpoint's clock (seven by B's): it began after A's renewal, so B marks the change
    feed there (``handover.watch``; the ten minutes' slack counted on B's own clock
    from when B heard the renewal, not from the endpoint's time). A booking made
    offline on C six minutes before A's renewal reaches B after that mark: A never saw it. When
    B takes the lease over, its confirmation is B's to send, and goes once."""
    a, b = pcs
    sender, server = provider
    c = copy_empty_pc(pair_templates, tmp_path / "c", clock, PASSPHRASE_C)
    try:
        cloud.join(c.db, c.ctx, endpoint.url, cloud.invite(a.db, a.ctx).code, "FRONT-3")
        settings.set_many(a.db, a.ctx, {
            "reminders.offsets": "", "reminders.takeover_hours": 1,
        })  # fmt: skip
        settle(a, b, c)
        b = apart(b, clock, -5)
        q = book(c, "Kaan", 45, "05321112233")  # on C, offline for now
        clock.advance(minutes=6)
        assert sent_by(a, sender) == []  # A's last renewal; then A is off
        clock.advance(minutes=1)
        assert round_of(b, sender).reason == "lease_elsewhere"  # B hears A renewed
        clock.advance(minutes=11)
        settle(b)  # nothing new; it began after A's renewal
        assert round_of(b, sender).reason == "lease_elsewhere"
        assert _mark(b, "watch") is not None, "a sync after the renewal: the feed marked"
        clock.advance(minutes=2)
        settle(c, b)  # C's booking reaches B: after the mark
        assert round_of(b, sender).reason == "lease_elsewhere"  # B plans its confirmation
        clock.advance(minutes=48)  # A's lease ran out: B takes it
        taken = round_of(b, sender)
        assert taken.active, taken.reason
        assert [(i.appointment_id, i.kind) for i in taken.of("sent")] == [(q, "confirmation")]
        assert states(b, q)["confirmation"] == ("sent", "")
        assert set(sent_rows(a, b).values()) == {1}
        assert len(server.messages) == 1
    finally:
        c.db.close()


@pytest.mark.parametrize("ahead", [-5, 5], ids=["behind", "ahead"])
def test_a_restored_station_whose_clock_is_apart_sends_nothing_twice_and_loses_nothing(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock, tmp_path: Path, ahead: int
) -> None:
    """A, the station, runs its rounds on the endpoint's time; its own clock is five
    minutes behind (or ahead of) it. X's 110-minute reminder falls due at the
    endpoint's 10:00 and goes, after a backup; A is restored from that backup at 10:01
    (the endpoint's), a time A writes on its own clock. The restore's cutoff is read
    in the endpoint's time for what was due: the 110-minute reminder is not sent again
    (behind: A's clock says the restore was at 9:56), and the 107-minute one, due at
    10:03, goes once (ahead: A's clock says 10:06, and it was never sent)."""
    a, _b = pcs
    sender, server = provider
    a = apart(a, clock, ahead, manager=True)
    settings.set_many(a.db, a.ctx, {
        "reminders.offsets": "110m,107m", "reminders.confirmation": False,
    })  # fmt: skip
    x = book(Pc(a.db, admin(clock)), "Xena", 2, "05321234567")  # 9:50: at 11:50
    assert sent_by(a, sender) == []  # plans X's two reminders
    backup = backups.create(a.db, admin(a.ctx.clock), tmp_path / "a", to=tmp_path / "backups")
    clock.advance(minutes=10)
    assert sent_by(a, sender) == [(x, "reminder")]  # the 110-minute one, at 10:00
    a.db.close()
    clock.advance(minutes=1)
    env = {"RECEPTIONIST_PASSPHRASE": "a long enough passphrase"}
    backups.restore(tmp_path / "a", backup.path, a.ctx.clock, env=env)
    a = Pc(open_clinic(tmp_path / "a", env=env), a.ctx)
    try:
        again = round_of(a, sender)
        assert again.active, again.reason
        assert again.of("sent") == []
        assert states(a, x)["110m"] == ("skipped", "restored"), "sent before the restore"
        assert states(a, x)["107m"] == ("pending", ""), "due after it: never sent"
        clock.advance(minutes=2)
        assert sent_by(a, sender) == [(x, "reminder")]
        assert states(a, x)["107m"][0] == "sent"
        assert len(server.messages) == 2
    finally:
        a.db.close()


def test_what_a_round_did_is_written_on_this_pc_s_clock_though_it_decides_on_the_endpoint_s(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock
) -> None:
    """A's clock is five minutes ahead of the endpoint's. X's reminder falls due at the
    endpoint's time (A's clock says it is five minutes late: it goes all the same, as
    it would on time), and what A writes of it (when it was planned, its claim and end, its
    communication-log entry beside the desk's own and the audit log, the delivery log)
    says A's own time, the time the receptionist reads on that PC."""
    a, _b = pcs
    sender, server = provider
    a = apart(a, clock, 5, manager=True)
    settings.set_many(a.db, a.ctx, {
        "reminders.offsets": "119m", "reminders.confirmation": False,
    })  # fmt: skip
    x = book(Pc(a.db, admin(clock)), "Xena", 2, "05321234567")  # due in a minute
    assert sent_by(a, sender) == []  # not due yet by the endpoint's clock
    planned = a.ctx.clock.now()
    clock.advance(minutes=1)
    assert sent_by(a, sender) == [(x, "reminder")]
    own = a.ctx.clock.now()
    with a.db.read() as s:
        r = s.scalars(select(Reminder).where(Reminder.appointment_id == x)).one()
        entry = s.scalars(
            select(CommunicationEntry).where(CommunicationEntry.appointment_id == x)
        ).one()
        logged = s.scalars(select(DeliveryLog).where(DeliveryLog.reminder_id == r.id)).one()
        assert r.created_at == planned, "planned: written on A's clock too"
        assert (r.claimed_at, r.finished_at, r.updated_at) == (own, own, own)
        assert (entry.occurred_at, entry.created_at) == (own, own)
        assert logged.at == own
    assert len(server.messages) == 1


@SQLITE_ONLY
def test_a_batch_packed_after_a_stand_by_behind_heard_the_renewal_is_the_new_holder_s(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """B's clock is five minutes behind the endpoint's; the endpoint does not say when
    it applied a batch (older than s0009). B hears A's last renewal; a minute later
    (by every clock) Q is booked on B, its push applied, the answer lost. The batch was
    packed after B heard the renewal, by B's own clock, on which both are written
    (``handover._packed_after``; before, the renewal heard was the endpoint's time, and
    Q, five minutes earlier by B's clock, looked packed before it): A never saw Q, and
    Q is B's to confirm, once."""
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": "", "reminders.takeover_hours": 1})
    older_endpoint(monkeypatch)
    assert sent_by(a, sender) == []  # A holds the lease
    settle(a, b)
    b = apart(b, clock, -5)
    clock.advance(minutes=1)
    assert sent_by(a, sender) == []  # A's last renewal
    assert round_of(b, sender).reason == "lease_elsewhere"  # B hears it
    clock.advance(minutes=1)
    q = book(b, "Kaan", 40, "05321112233")
    lost_answer(b, monkeypatch)  # Q is on the endpoint after A's last renewal
    clock.advance(minutes=65)  # A's lease ran out
    assert sent_by(b, sender) == []  # the takeover, the resend not answered yet
    settle(b)  # the resend: repeats, applied when not said
    assert sent_by(b, sender) == [(q, "confirmation")]
    assert len(server.messages) == 1


def test_a_restore_s_cutoff_stays_where_it_was_when_the_pc_s_clock_is_put_right(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock, tmp_path: Path
) -> None:
    """A's clock is five minutes ahead of the endpoint's. A is restored at the
    endpoint's 10:01 (A's clock says 10:06); its first round reads the restore's cutoff
    in the endpoint's time (10:01: the 107-minute reminder, due at 10:03, was never
    sent). Then A's clock is put right. The cutoff was fixed in the endpoint's time at
    that first round: the next rounds do not read it again with their own (smaller)
    difference, which made it 10:06 and skipped the 107-minute reminder as sent before
    the restore (it never went to anyone)."""
    a, _b = pcs
    sender, server = provider
    a = apart(a, clock, 5, manager=True)
    settings.set_many(a.db, a.ctx, {
        "reminders.offsets": "110m,107m", "reminders.confirmation": False,
    })  # fmt: skip
    x = book(Pc(a.db, admin(clock)), "Xena", 2, "05321234567")  # 9:50: at 11:50
    assert sent_by(a, sender) == []  # plans X's two reminders
    backup = backups.create(a.db, admin(a.ctx.clock), tmp_path / "a", to=tmp_path / "backups")
    clock.advance(minutes=10)
    assert sent_by(a, sender) == [(x, "reminder")]  # the 110-minute one, at 10:00
    a.db.close()
    clock.advance(minutes=1)
    env = {"RECEPTIONIST_PASSPHRASE": "a long enough passphrase"}
    backups.restore(tmp_path / "a", backup.path, a.ctx.clock, env=env)
    a = Pc(open_clinic(tmp_path / "a", env=env), a.ctx)
    try:
        assert sent_by(a, sender) == []
        assert states(a, x)["107m"] == ("pending", "")
        a = apart(a, clock, 0, manager=True)  # the PC's clock put right
        clock.advance(minutes=1)
        assert sent_by(a, sender) == []  # 10:02: not due yet, and not skipped either
        assert states(a, x)["107m"] == ("pending", ""), "never sent: not the restore's"
        clock.advance(minutes=1)
        assert sent_by(a, sender) == [(x, "reminder")]
        assert len(server.messages) == 2
    finally:
        a.db.close()


def test_a_move_the_old_holder_announced_is_not_announced_again_by_a_stand_by_ahead(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock
) -> None:
    """B, the stand-by, runs five minutes ahead of the endpoint; the clinic has quiet
    hours (at night: not now). V is moved on B (B's clock writes the change five
    minutes late) and pushed; A pulls it and announces it at its round, its last
    renewal, and goes off before its log of it syncs. B plans the message at its next
    round, two minutes on. When B takes the lease over, the message is A's: the move
    was made before A's last renewal and went at once (no quiet hours then), so
    ``dispatch._quiet_past`` hands it to nobody. It read the move's time (B's clock)
    against the cutoff in the endpoint's time: five minutes late, the move looked made
    after the cutoff, and a message of it not sent by then: B sent it a second time."""
    a, b = pcs
    sender, server = provider
    night = (clock.now() + timedelta(hours=10)).astimezone(ISTANBUL)
    settings.set_many(a.db, a.ctx, {
        "reminders.offsets": "", "reminders.takeover_hours": 1,
        "reminders.quiet_start": night.strftime("%H:%M"),
        "reminders.quiet_end": (night + timedelta(hours=2)).strftime("%H:%M"),
    })  # fmt: skip
    v = book(a, "Veli", 40, "05324445566")
    assert sent_by(a, sender) == [(v, "confirmation")]
    settle(a, b)
    b = apart(b, clock, 5)
    assert round_of(b, sender).reason == "lease_elsewhere"  # B plans V
    clock.advance(minutes=1)
    move(b, v, 3)
    settle(b, a)  # the move reaches the endpoint, and A
    assert sent_by(a, sender) == [(v, "reschedule")]  # A's last renewal; then A is off
    clock.advance(minutes=2)
    assert round_of(b, sender).reason == "lease_elsewhere"  # B plans V's message
    assert states(b, v)["reschedule"] == ("pending", "")
    clock.advance(minutes=65)  # A's lease ran out: B takes it
    taken = round_of(b, sender)
    assert taken.active, taken.reason
    assert taken.of("sent") == [], "A announced the move"
    assert states(b, v)["reschedule"] == ("skipped", "other_station")
    assert len(server.messages) == 2


def test_a_stand_by_whose_clock_is_put_right_after_it_heard_the_renewal_confirms_its_booking(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock
) -> None:
    """B, the stand-by, runs ten minutes behind the endpoint while it hears A's last
    renewal; A goes off. Q is booked on B after that renewal and pushed: A never saw it.
    Then B's clock is put right, and B takes the lease over when it runs out. B heard
    that very renewal (the endpoint said it, in its time, as the takeover's cutoff says
    it): Q's confirmation is B's to send, once. Before, whether B had heard it was told
    from when B heard it, on B's clock as it was then, against the cutoff moved onto
    B's clock as it is now: ten minutes apart, B "had not heard" it, and Q's
    confirmation was skipped as A's, never sent to anyone."""
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": "", "reminders.takeover_hours": 1})
    assert sent_by(a, sender) == []  # A holds the lease
    settle(a, b)
    b = apart(b, clock, -10)
    clock.advance(minutes=1)
    assert sent_by(a, sender) == []  # A's last renewal; then A is off
    assert round_of(b, sender).reason == "lease_elsewhere"  # B hears it
    clock.advance(minutes=2)
    q = book(b, "Kaan", 40, "05321112233")
    settle(b)  # Q reaches the endpoint after A's last renewal
    assert round_of(b, sender).reason == "lease_elsewhere"
    b = apart(b, clock, 0)  # B's clock put right
    clock.advance(minutes=65)  # A's lease ran out: B takes it
    assert sent_by(b, sender) == [(q, "confirmation")]
    assert states(b, q)["confirmation"] == ("sent", "")
    assert len(server.messages) == 1
