"""What the lease's new holder sends after a takeover (docs/operators-guide.md, "Reminders
and their channels"), with the endpoint on loopback and two or three PCs: the messages
of moves and cancellations made after the old holder's last renewal, the handover kept
across a restart of the new holder, and no confirmation twice when the old holder's log
of it never synced."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pairkit import PASSPHRASE_C, PairTemplates, copy_empty_pc
from serverkit import Endpoint
from sqlalchemy import event, func, select
from test_reminder_lease import book, pcs, provider, round_of, sent_rows, states
from test_two_pcs import Pc, admin, settle

from receptionist.clock import FixedClock
from receptionist.models import ChangeEntry, ReminderHandover
from receptionist.ops import backups, settings
from receptionist.reminders import dispatch
from receptionist.schedule import booking
from receptionist.store.vault import open_clinic
from sync import cloud, reminderlease
from sync.client import Client

__all__ = ["pcs", "provider"]  # the fixtures, as test_reminder_lease makes them


def move(pc: Pc, appointment: str, hours: int) -> None:
    with pc.db.write() as s:
        appt = booking.appointments.load(s, appointment)
        by = timedelta(hours=hours)
        start, end = appt.start_utc + by, appt.end_utc + by
        booking.reschedule(s, admin(pc.ctx.clock), appointment, start=start, end=end,
                           override_reason="test")  # fmt: skip


def cancel(pc: Pc, appointment: str) -> None:
    with pc.db.write() as s:
        booking.cancel(s, admin(pc.ctx.clock), appointment, "patient called")


def third_pc(
    a: Pc, pairs: PairTemplates, tmp_path: Path, endpoint: Endpoint, clock: FixedClock
) -> Pc:
    """A third PC (tmp_path/c), its new empty file joined to A's clinic (not synced)."""
    c = copy_empty_pc(pairs, tmp_path / "c", clock, PASSPHRASE_C)
    cloud.join(c.db, c.ctx, endpoint.url, cloud.invite(a.db, a.ctx).code, "FRONT-3")
    return c


def test_a_move_and_a_cancellation_after_the_takeover_get_their_messages(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock
) -> None:
    """A planned and confirmed X, Y and W, and sent W's reschedule message before it
    went off. After B took the lease, X is moved and Y cancelled (on B, before B's
    first round as the holder): B sends their messages, which only a plan made before
    the change shows, and not W's again."""
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": "2h"})
    x = book(a, "Xena", 60, "05321234567")
    y = book(a, "Yusuf", 62, "05329876543")
    w = book(a, "Wim", 64, "05321112233")
    settle(a, b)
    assert [i.kind for i in round_of(a, sender).of("sent")] == ["confirmation"] * 3
    assert round_of(b, sender).reason == "lease_elsewhere"  # B plans, and leaves it to A
    move(a, w, 1)
    assert [(i.appointment_id, i.kind) for i in round_of(a, sender).of("sent")] == [
        (w, "reschedule")
    ]
    settle(a, b)
    assert round_of(b, sender).reason == "lease_elsewhere"
    clock.advance(hours=25)  # A is off for a day
    settle(b)
    move(b, x, 3)
    cancel(b, y)
    taken = round_of(b, sender)
    assert taken.active, taken.reason
    assert sorted((i.appointment_id, i.kind) for i in taken.of("sent")) == sorted(
        [(x, "reschedule"), (y, "cancellation")]
    )
    assert "reschedule" not in states(b, w), "A's log entry told W's start: not planned"
    clock.advance(hours=36)  # X's 2h reminder, for its new start, goes once
    assert [(i.appointment_id, i.rule) for i in round_of(b, sender).of("sent")] == [(x, "2h")]
    sent = sent_rows(a, b)
    assert set(sent.values()) == {1}, "each message sent by one PC, once"
    assert len(server.messages) == 3 + 1 + 2 + 1


def test_the_handover_outlives_a_restart_of_the_new_holder(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock, tmp_path: Path, endpoint: Endpoint,
    pair_templates: PairTemplates,
) -> None:  # fmt: skip
    """Q, booked on C (offline) before A's last renewal, reaches B after B took the
    lease, and B restarts before its next round: A never saw Q, and B still knows it."""
    a, b = pcs
    sender, server = provider
    c = third_pc(a, pair_templates, tmp_path, endpoint, clock)
    try:
        settings.set_many(a.db, a.ctx, {"reminders.offsets": ""})  # confirmations only
        settle(a, b, c)
        q = book(c, "Kaan", 45, "05321112233")  # on C, offline for now
        assert round_of(a, sender).of("sent") == []
        assert round_of(b, sender).reason == "lease_elsewhere"
        clock.advance(hours=25)  # A is off: B takes the lease
        settle(b)
        assert round_of(b, sender).active
        settle(c, b)  # Q reaches B
        reminderlease.forget()  # B restarts
        later = round_of(b, sender)
        assert later.active, later.reason
        assert [(i.appointment_id, i.kind) for i in later.of("sent")] == [(q, "confirmation")]
        assert len(server.messages) == 1
    finally:
        c.db.close()


def test_a_confirmation_the_old_holder_sent_but_never_logged_is_not_sent_again(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock, tmp_path: Path, endpoint: Endpoint,
    pair_templates: PairTemplates,
) -> None:  # fmt: skip
    """V is booked on C; A pulls it and confirms it, and goes off before its log of the
    confirmation syncs. B cannot tell whether A saw V: it reached the endpoint before
    A's last renewal, so it was A's to confirm. B leaves it (a missed confirmation
    rather than a double one); V's reminder still goes from B."""
    a, b = pcs
    sender, server = provider
    c = third_pc(a, pair_templates, tmp_path, endpoint, clock)
    try:
        settings.set_many(a.db, a.ctx, {"reminders.offsets": "2h"})
        settle(a, b, c)
        v = book(c, "Veli", 30, "05321112233")
        settle(c, a)  # V reaches A (and the endpoint); A's log of it never leaves A
        assert [(i.appointment_id, i.kind) for i in round_of(a, sender).of("sent")] == [
            (v, "confirmation")
        ]
        assert round_of(b, sender).reason == "lease_elsewhere"  # B hears A holds it
        clock.advance(hours=25)  # A is off: B takes the lease
        settle(c, b)
        taken = round_of(b, sender)
        assert taken.active, taken.reason
        assert taken.of("sent") == []
        assert states(b, v)["confirmation"] == ("skipped", "other_station")
        clock.advance(hours=3)
        assert [(i.appointment_id, i.rule) for i in round_of(b, sender).of("sent")] == [(v, "2h")]
        assert len(server.messages) == 2
    finally:
        c.db.close()


def test_a_restored_station_does_not_confirm_again_what_came_back_from_the_endpoint(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock, tmp_path: Path
) -> None:
    """A (the station) is restored from a backup taken before X was booked and
    confirmed there; X (and A's log of its confirmation) come back from the endpoint:
    X is not confirmed a second time. A booking made after the restore is."""
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": ""})  # confirmations only
    settle(a, b)
    backup = backups.create(a.db, admin(clock), tmp_path / "a", to=tmp_path / "backups")
    x = book(a, "Xena", 30, "05321234567")
    assert [i.appointment_id for i in round_of(a, sender).of("sent")] == [x]
    settle(a)
    a.db.close()
    clock.advance(minutes=30)
    env = {"RECEPTIONIST_PASSPHRASE": "a long enough passphrase"}
    backups.restore(tmp_path / "a", backup.path, clock, env=env)
    a.db = open_clinic(tmp_path / "a", env=env)
    settle(a)  # X comes back
    again = round_of(a, sender)
    assert again.active, again.reason
    assert again.of("sent") == []
    assert states(a, x)["confirmation"] == ("skipped", "restored")
    clock.advance(minutes=15)
    settle(a)
    y = book(a, "Yusuf", 30, "05329876543")
    assert [i.appointment_id for i in round_of(a, sender).of("sent")] == [y]
    assert len(server.messages) == 2


def test_a_stand_by_cut_off_from_the_endpoint_stops_sending_when_the_station_is_back(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock, monkeypatch
) -> None:
    """B took the lease while A was off; A comes back and takes it at once (it is the
    station, B a stand-by). B, cut off from the endpoint just then, cannot hear it: the
    lease B was given has hours left, but a station may take a stand-by's lease at any
    moment, so B sends nothing on what it remembers. X's confirmation goes once (A)."""
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": ""})  # confirmations only
    settle(a, b)
    assert round_of(a, sender).active
    clock.advance(hours=25)  # A is off for a day: B takes the lease
    settle(b)
    assert round_of(b, sender).active
    clock.advance(minutes=5)  # A is back: it takes the lease from the stand-by at once
    settle(a, b)
    assert round_of(a, sender).active
    x = book(a, "Xena", 30, "05321234567")
    settle(a, b)  # X reaches B; then B loses the endpoint
    monkeypatch.setattr(cloud, "client_for", lambda _db: Client("https://127.0.0.1:9", "token"))
    cut_off = round_of(b, sender)
    assert (cut_off.active, cut_off.reason) == (False, "lease_unreachable")
    assert [i.appointment_id for i in round_of(a, sender).of("sent")] == [x]
    assert sent_rows(a, b)[(x, "confirmation")] == 1
    assert len(server.messages) == 1


def test_news_made_while_the_station_is_silent_goes_when_the_stand_by_takes_over(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock
) -> None:
    """A confirms W and goes off; its lease runs a day. Late in that day, with A long
    silent, Z is booked and W moved on B, whose rounds still hear that A holds the
    lease. When B takes the lease within the late limit, Z's confirmation and W's
    reschedule message go (after the cutoff: the new holder's), each once."""
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": ""})  # no reminders: news only
    w = book(a, "Wim", 60, "05321112233")
    settle(a, b)
    assert [i.appointment_id for i in round_of(a, sender).of("sent")] == [w]
    settle(a, b)
    assert round_of(b, sender).reason == "lease_elsewhere"  # B plans W as A did
    clock.advance(hours=23, minutes=30)  # A has been off since; its lease still runs
    settle(b)
    z = book(b, "Zeynep", 40, "05329876543")
    move(b, w, 2)
    waiting = round_of(b, sender)
    assert waiting.reason == "lease_elsewhere"
    assert waiting.of("sent") == []
    clock.advance(hours=1)  # A's lease ran out: B takes it
    taken = round_of(b, sender)
    assert taken.active, taken.reason
    assert sorted((i.appointment_id, i.kind) for i in taken.of("sent")) == sorted(
        [(z, "confirmation"), (w, "reschedule")]
    )
    assert set(sent_rows(a, b).values()) == {1}
    assert len(server.messages) == 3


def test_a_booking_that_reached_the_stand_by_after_the_station_went_silent_is_confirmed(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock, tmp_path: Path, endpoint: Endpoint,
    pair_templates: PairTemplates,
) -> None:  # fmt: skip
    """Q is booked on C, offline, while A holds the lease; A goes off. Q reaches B late
    in the day A's lease still runs, after B had synced since A's last renewal: A never
    saw Q, so B confirms it when it takes the lease (docs/operators-guide.md, "At a
    takeover")."""
    a, b = pcs
    sender, server = provider
    c = third_pc(a, pair_templates, tmp_path, endpoint, clock)
    try:
        settings.set_many(a.db, a.ctx, {"reminders.offsets": ""})  # confirmations only
        settle(a, b, c)
        q = book(c, "Kaan", 45, "05321112233")  # on C, offline for now
        assert round_of(a, sender).of("sent") == []  # A's last renewal
        assert round_of(b, sender).reason == "lease_elsewhere"
        clock.advance(minutes=11)
        settle(b)  # a pull begun after A's last renewal: Q is not on the endpoint yet
        assert round_of(b, sender).reason == "lease_elsewhere"
        clock.advance(hours=23, minutes=30)
        settle(c, b)  # Q reaches B
        assert round_of(b, sender).reason == "lease_elsewhere"
        clock.advance(hours=1)  # A's lease ran out: B takes it
        taken = round_of(b, sender)
        assert taken.active, taken.reason
        assert [(i.appointment_id, i.kind) for i in taken.of("sent")] == [(q, "confirmation")]
        assert len(server.messages) == 1
    finally:
        c.db.close()


def _mark(pc: Pc) -> int | None:
    with pc.db.read() as s:
        row = s.get(ReminderHandover, "lease")
        assert row is not None
        return row.mark


def _feed_end(pc: Pc) -> int:
    with pc.db.read() as s:
        return int(s.scalar(select(func.max(ChangeEntry.seq))) or 0)


def _marks_read(pc: Pc, sender: object) -> set[int]:
    """The marks one round's takeover check read the change feed after."""
    read: set[int] = set()

    def seen(_conn: object, _cursor: object, sql: str, params: Any, *_rest: object) -> None:
        if "FROM reminder" not in sql:
            return  # not the takeover check (``dispatch._handed_over``)
        for found in re.finditer(r"change_log\.seq > \?", sql):
            read.add(params[sql[: found.start()].count("?")])

    event.listen(pc.db.engine, "before_cursor_execute", seen)
    try:
        assert round_of(pc, sender).active  # type: ignore[arg-type]
    finally:
        event.remove(pc.db.engine, "before_cursor_execute", seen)
    return read


def test_the_takeover_s_mark_moves_on_once_what_came_after_it_is_planned_and_weighed(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock, tmp_path: Path, endpoint: Endpoint,
    pair_templates: PairTemplates,
) -> None:  # fmt: skip
    """B took the lease: its rounds read the change feed after the takeover's mark, to
    tell what A could not have seen. Q (booked on C before A went off) reaches B after
    the mark; its confirmation waits for the end of quiet hours, so the mark still
    decides for it and moves only up to Q. Once Q's confirmation went, and for a
    booking made after the cutoff (Z), the mark moves on to the feed's end: the next
    round reads the feed from there, not from the takeover's."""
    a, b = pcs
    sender, server = provider
    c = third_pc(a, pair_templates, tmp_path, endpoint, clock)
    try:
        arrival = (clock.now() + timedelta(hours=25)).astimezone(ZoneInfo("Europe/Istanbul"))
        settings.set_many(a.db, a.ctx, {
            "reminders.offsets": "",  # confirmations only
            "reminders.quiet_start": (arrival - timedelta(hours=1)).strftime("%H:%M"),
            "reminders.quiet_end": (arrival + timedelta(hours=2)).strftime("%H:%M"),
        })  # fmt: skip
        settle(a, b, c)
        q = book(c, "Kaan", 45, "05321112233")  # on C, offline for now
        assert round_of(a, sender).of("sent") == []  # A's last renewal
        assert round_of(b, sender).reason == "lease_elsewhere"
        clock.advance(hours=25)  # A is off: B takes the lease
        settle(b)
        assert round_of(b, sender).active
        taken_at = _mark(b)
        assert taken_at is not None
        settle(c, b)  # Q reaches B, after the mark
        waiting = round_of(b, sender)
        assert waiting.of("sent") == [] and states(b, q)["confirmation"] == ("pending", "")
        with b.db.read() as s:
            q_seq = s.scalar(select(func.min(ChangeEntry.seq)).where(ChangeEntry.row_id == q))
        held = _mark(b)
        assert held is not None and taken_at <= held < q_seq  # Q is still the mark's
        clock.advance(hours=3)  # quiet hours over: Q's confirmation goes (A never saw Q)
        z = book(b, "Zeynep", 40, "05329876543")  # after the cutoff: B's whatever the mark
        planned = _feed_end(b)  # the feed's end as the next round plans
        sent = round_of(b, sender).of("sent")
        assert sorted((i.appointment_id, i.kind) for i in sent) == sorted(
            [(q, "confirmation"), (z, "confirmation")]
        )
        assert _mark(b) == planned > q_seq
        assert _marks_read(b, sender) == {planned}  # the feed read from the new mark on
        assert _marks_read(b, sender) == {_feed_end(b)} == {_mark(b)}  # and on again
        assert len(server.messages) == 2
    finally:
        c.db.close()


def test_a_move_heard_with_its_booking_by_the_new_holder_gets_its_reschedule_message(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock, tmp_path: Path, endpoint: Endpoint,
    pair_templates: PairTemplates,
) -> None:  # fmt: skip
    """A confirms X and goes silent; X is moved on C an hour later (after A's last
    renewal: the new holder's to announce). B, off meanwhile, hears of X and its move
    in one sync round and takes the lease: the station, had it seen the move, would
    send the reschedule message; B must too: A's log entry of the confirmation, which
    synced before A went silent, names the start the patient was told (#14)."""
    a, b = pcs
    sender, server = provider
    c = third_pc(a, pair_templates, tmp_path, endpoint, clock)
    try:
        settings.set_many(a.db, a.ctx, {"reminders.offsets": ""})  # news only
        settle(a, b, c)
        x = book(a, "Xena", 60, "05321234567")
        settle(a)
        assert [i.kind for i in round_of(a, sender).of("sent")] == ["confirmation"]
        settle(a)  # its log entry of the confirmation, naming X's start, syncs
        clock.advance(hours=1)  # A is silent from here on
        settle(c)
        move(c, x, 2)
        settle(c)
        clock.advance(hours=24)  # A's lease ran out
        settle(b)  # X and its move reach B together
        taken = round_of(b, sender)
        assert taken.active, taken.reason
        assert [(i.appointment_id, i.kind) for i in taken.of("sent")] == [(x, "reschedule")]
        assert len(server.messages) == 2
    finally:
        c.db.close()


def sent_by(pc: Pc, sender: Any) -> list[tuple[str, str]]:
    """(appointment, kind) of what a round of ``pc``'s sent, sorted; it sends."""
    taken = round_of(pc, sender)
    assert taken.active, taken.reason
    return sorted((i.appointment_id, i.kind) for i in taken.of("sent"))


def test_a_station_cut_off_from_the_endpoint_leaves_what_a_stand_by_may_send_to_it(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock, monkeypatch
) -> None:
    """A, the station, loses the endpoint (only A: its route to it, not the provider's)
    and sends on the lease it was given, a day. B cannot take the lease before that day
    is over, and then sends what fell due within the late limit before (what a silent
    station left). So A, on what it remembers, sends only what falls due before then:
    X's reminder, due in the day's last hour, goes once, from B; Y's, due hours before,
    once, from A."""
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": "2h", "reminders.confirmation": False})
    y = book(a, "Yusuf", 20, "05329876543")  # its 2h reminder in 18 hours
    x = book(a, "Xena", 25, "05321234567")  # its 2h reminder in 23 hours
    assert sent_by(a, sender) == []  # A holds the lease: renewed now, for a day
    settle(a, b)
    assert round_of(b, sender).reason == "lease_elsewhere"  # B plans X and Y
    real = cloud.client_for
    monkeypatch.setattr(
        cloud, "client_for",
        lambda db: Client("https://127.0.0.1:9", "token") if db is a.db else real(db),
    )  # fmt: skip
    clock.advance(hours=18)
    assert sent_by(a, sender) == [(y, "reminder")]  # on the lease A remembers
    clock.advance(hours=5)
    assert round_of(a, sender).of("sent") == []  # X's: B may send it
    clock.advance(minutes=61)  # A's lease ran out: B takes it, A sends nothing
    assert round_of(a, sender).reason == "lease_unreachable"
    assert sent_by(b, sender) == [(x, "reminder")]
    assert set(sent_rows(a, b).values()) == {1}
    assert len(server.messages) == 2


def test_a_round_that_runs_long_after_its_renewal_leaves_what_falls_due_then_for_later(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock, monkeypatch
) -> None:
    """A renews the lease (an hour's, here, with the late limit two hours), and its round
    runs three minutes before it sends (its recovery waited on the provider). X's
    reminder, due two minutes after the renewal, is not sent in that round: a stand-by
    taking over leaves alone only what fell due by a minute after it, and sends what
    fell due within the late limit since. A goes off; B takes over and sends it, once."""
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {
        "reminders.offsets": "118m", "reminders.confirmation": False,
        "reminders.takeover_hours": 1,
    })  # fmt: skip
    x = book(a, "Xena", 2, "05321234567")  # its reminder two minutes from now
    assert sent_by(a, sender) == []  # A holds the lease
    settle(a, b)
    assert round_of(b, sender).reason == "lease_elsewhere"  # B plans X
    real = dispatch._recover

    def slow(*args: Any, **kwargs: Any) -> list[Any]:
        clock.advance(minutes=3)  # a provider's lookup that took its time
        return real(*args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(dispatch, "_recover", slow)
        assert sent_by(a, sender) == []  # renewed, then three minutes: X's waits
    clock.advance(minutes=62)  # A went off; its lease ran out
    assert sent_by(b, sender) == [(x, "reminder")]
    assert len(server.messages) == 1


def test_a_stand_by_s_long_round_leaves_what_falls_due_after_its_renewal_to_the_station(
    pcs: tuple[Pc, Pc], provider, clock: FixedClock, monkeypatch
) -> None:
    """B, the stand-by, holds the lease (A was off for a day; the lease runs a day). Its
    round renews the lease and runs three minutes before it sends. The station takes a
    stand-by's lease back at any moment, leaving it only what fell due by a minute
    after its renewal, so B does not send X's reminder, due two minutes after: A, back
    just then, sends it, once."""
    a, b = pcs
    sender, server = provider
    settings.set_many(a.db, a.ctx, {"reminders.offsets": "118m", "reminders.confirmation": False})
    assert sent_by(a, sender) == []  # A holds the lease
    settle(a, b)
    clock.advance(hours=25)  # A is off for a day: B takes the lease
    settle(b)
    assert sent_by(b, sender) == []
    x = book(b, "Xena", 2, "05321234567")  # its reminder two minutes from now
    assert sent_by(b, sender) == []
    settle(b, a)
    real = dispatch._recover

    def slow(*args: Any, **kwargs: Any) -> list[Any]:
        clock.advance(minutes=3)  # a provider's lookup that took its time
        return real(*args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(dispatch, "_recover", slow)
        assert sent_by(b, sender) == []  # renewed, then three minutes: X's waits
    settle(a)  # A is back: it takes the lease from the stand-by at once
    assert sent_by(a, sender) == [(x, "reminder")]
    assert round_of(b, sender).reason == "lease_elsewhere"
    assert set(sent_rows(a, b).values()) == {1}
    assert len(server.messages) == 1
