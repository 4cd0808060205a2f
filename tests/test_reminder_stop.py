"""Closing the app (or stopping the service) mid-round (#14): the reminders' round ends
after the message under way, which ends as any try does (here: a silent mail server,
so "retrying", its try counted); the messages not reached stay queued untouched, and go
once, at the next round. Before, the round went on through every due message (one
timeout per channel, and every SMS sent) while the app waited for it. Real parts: a
listening socket that never greets (a silent mail server), a loopback Twilio, the
runner and the reminders' job as the app runs them."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

import pytest
from channelservers import ACCOUNT, TOKEN, http_server, twilio_route
from reminderclinic import SENDER, Clinic, at, make
from sqlalchemy import select

import sync.channels.smtp as smtp
from receptionist.clock import Clock, FixedClock
from receptionist.context import Ctx
from receptionist.jobs.registry import Every, Job
from receptionist.jobs.runner import Runner, stop_asked
from receptionist.models import Reminder
from receptionist.ops import reminders
from receptionist.store.storage import Database
from sync.jobs import REMINDERS

MAIL = "hasta@example.org"


@pytest.fixture
def clinic(db: Database, ctx: Ctx, clock: FixedClock) -> Clinic:
    made = make(db, ctx, clock)
    made.set(offsets="2h", confirmation=False, late_limit_minutes=600)
    return made


@contextmanager
def silent_server(on_connect: Callable[[], None]) -> Iterator[int]:
    """A mail server that takes connections and never says a word (``on_connect`` is
    called as each comes): its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    taken: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            taken.append(conn)
            on_connect()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()
        thread.join(timeout=5)
        for conn in taken:
            conn.close()


def queue(clinic: Clinic) -> dict[str, tuple[str, str, int]]:
    """Each patient's message: state, reason, tries."""
    with clinic.db.read() as s:
        return {r.patient_id: (r.state, r.reason, r.attempts) for r in s.scalars(select(Reminder))}


def test_a_round_asked_to_stop_ends_after_the_message_under_way(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An e-mail due at 11:00 (its server silent), two SMS due at 11:30 and 12:00; at
    12:00 the round starts, and the app closes while the e-mail's try waits on the
    server. The e-mail ends "retrying" (its try counted, nothing sent), the SMS are not
    touched (no try, nothing sent); the next round sends each SMS once."""
    monkeypatch.setattr(smtp, "TIMEOUT", 0.5)  # the socket's wait: the test's only one
    mailed = clinic.patient(1, email=MAIL, consents=("reminder_email",))
    clinic.book(mailed, at(0, 13))
    texted = [clinic.patient(2), clinic.patient(3)]
    clinic.book(texted[0], at(0, 13, 30))
    clinic.book(texted[1], at(0, 14))
    runner = Runner([REMINDERS])
    with silent_server(runner.stopping.set) as port, http_server(twilio_route) as (url, server):
        email = {"host": "127.0.0.1", "port": port, "security": "none",
                 "sender": "desk@moda.example"}  # fmt: skip
        reminders.set_channel(clinic.db, clinic.ctx, "email", email, None)
        sms = {"base_url": url, "account": ACCOUNT, "sender": SENDER}
        reminders.set_channel(clinic.db, clinic.ctx, "sms", sms, TOKEN)
        clinic.clock.set(at(0, 12))
        ran = runner.run_now(clinic.db, clinic.clock, REMINDERS.name)
        assert ran is not None and ran.outcome == "ok"
        assert (ran.counts["sent"], ran.counts["retrying"]) == (0, 1)
        found = queue(clinic)
        assert found[mailed] == ("pending", "retry:unreachable", 1)
        assert [found[pid] for pid in texted] == [("pending", "", 0)] * 2
        assert server.messages == []
        again = Runner([REMINDERS])  # the app's next start
        clinic.clock.advance(minutes=1)
        ran = again.run_now(clinic.db, clinic.clock, REMINDERS.name)
        assert ran is not None and ran.counts["sent"] == 2
        assert len(server.messages) == 2
        assert [queue(clinic)[pid][0] for pid in texted] == ["sent", "sent"]


def test_stop_asked_says_the_running_job_s_runner_s_stop(db: Database, clock: FixedClock) -> None:
    """Inside a job, ``stop_asked`` follows its runner's ``stopping``; outside any job
    (after it too) nothing asks to stop."""
    seen: list[bool] = []

    def work(db: Database, clock: Clock) -> Mapping[str, int]:
        seen.append(stop_asked())
        runner.stopping.set()  # the app closes meanwhile
        seen.append(stop_asked())
        return {}

    runner = Runner([Job("probe", work, Every(1))])
    assert runner.run_now(db, clock, "probe") is not None
    assert seen == [False, True]
    assert stop_asked() is False
