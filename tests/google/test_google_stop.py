"""Closing the app (or stopping ``receptionist service``) while Google sync pushes
(#14): the round ends after the request under way, never inside one. What Google
answered is written (the event made is linked, not made again), the rest stays queued;
the run reads "stopped", the state row keeps the last round's status (a round stopped
neither went nor failed), and the next round sends the rest, each event once. Before,
the round went on through every event while the app waited. A loopback Google, the
runner and the Google sync job (its round on the Google thread)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta

import pytest
from fakegoogle import FakeGoogle
from googlekit import CALENDAR, Clinic

from receptionist.google import calendars
from receptionist.jobs import due
from receptionist.jobs.runner import Runner
from sync.google import round as google_round
from sync.google import service
from sync.google.pacing import unpaced
from sync.jobs import GOOGLE_SYNC

MONDAY_10 = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)


def _status(clinic: Clinic) -> tuple[str, datetime | None]:
    with clinic.db.read() as s:
        row = calendars.state(s)
        return row.status, row.last_round_at


def test_a_google_sync_asked_to_stop_ends_after_the_request_under_way(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    google: FakeGoogle = clinic.google
    assert clinic.round().status == "ok"  # the calendar read once: its sync token kept
    before = _status(clinic)
    booked = [clinic.book(MONDAY_10 + timedelta(hours=h)) for h in range(3)]

    def connect(info: dict[str, str]) -> object:
        return service.build(info, endpoint=google.api, token_at=google.token_uri)

    real = google_round.run  # the job's round, against the loopback Google
    monkeypatch.setattr(
        google_round, "run",
        functools.partial(real, connect=connect, sleep=clinic.sleeps.append, pacer=unpaced()),
    )  # fmt: skip
    runner = Runner([GOOGLE_SYNC])
    google.before_next("insert", runner.stopping.set)  # the app closes as the first goes
    clinic.clock.advance(minutes=10)

    ran = runner.run_now(clinic.db, clinic.clock, GOOGLE_SYNC.name)

    assert ran is not None and ran.outcome == "stopped" and ran.error == "", ran
    assert ran.counts["created"] == 1
    assert google.requests["insert"] == 1, "no request after the one under way"
    assert len(google.live(CALENDAR)) == 1
    assert _status(clinic) == before, "the last round's status stands"
    with clinic.db.read() as s:
        assert due.due(s, GOOGLE_SYNC, clinic.clock.now()) is not None, "owed again"

    again = Runner([GOOGLE_SYNC]).run_due(clinic.db, clinic.clock)  # the next start

    assert [(r.outcome, r.counts["created"]) for r in again] == [("ok", 2)]
    assert google.requests["insert"] == 3, "each event sent once"
    assert sorted(e["extendedProperties"]["private"]["receptionistAppointment"]
                  for e in google.live(CALENDAR)) == sorted(booked)  # fmt: skip
    assert _status(clinic)[0] == "ok"
