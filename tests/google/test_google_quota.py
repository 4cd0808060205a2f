"""1,000 appointments pushed within Google's per-user quota: the loopback Google
refuses what goes beyond N requests in a second of the injected clock (403
rateLimitExceeded and 429 in turn); the pacing and the backoff get every appointment
through, each as exactly one event, in virtual time (no real waiting)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from googlekit import CALENDAR, Clinic

from receptionist.models import Appointment
from sync.google import pacing, service
from sync.google import round as google_round
from sync.google.pacing import Pacer
from sync.google.worker import on_google_thread

START = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
COUNT = 1000


@dataclass
class VirtualTime:
    """The clock both sides read: it moves only when the client sleeps."""

    at: float = 0.0

    def now(self) -> float:
        return self.at

    def sleep(self, seconds: float) -> None:
        self.at += seconds


def book_many(clinic: Clinic, count: int) -> list[str]:
    """``count`` appointments, one every 30 minutes (rows as the booking writes them),
    inserted in one flush (a flush per row cost a third of a second a thousand)."""
    with clinic.db.write() as s:
        now = clinic.clock.now()
        rows = []
        for n in range(count):
            start = START + timedelta(minutes=30 * n)
            rows.append(Appointment(patient_id=clinic.ids["p1"], provider_id=clinic.ids["ayse"],
                                    service_id=clinic.ids["checkup"], start_utc=start,
                                    end_utc=start + timedelta(minutes=30), created_at=now,
                                    updated_at=now))  # fmt: skip
        s.add_all(rows)
        s.flush()
        return [row.id for row in rows]


def paced_round(clinic: Clinic, time: VirtualTime) -> google_round.Outcome:
    def connect(info: dict[str, str]) -> Any:
        return service.build(info, endpoint=clinic.google.api, token_at=clinic.google.token_uri)

    pacer = Pacer(sleep=time.sleep, now=time.now)
    return on_google_thread(
        lambda: google_round.run(
            clinic.db, clinic.clock, connect=connect, sleep=time.sleep, pacer=pacer
        )
    )


def assert_each_once(clinic: Clinic, ids: list[str]) -> None:
    live = clinic.google.live(CALENDAR)
    assert sorted(e["id"] for e in live) == sorted(i.replace("-", "") for i in ids)
    assert set(clinic.google.inserted.values()) == {1}  # no event was made twice


@pytest.mark.parametrize("per_second", [10, 4])
def test_a_thousand_appointments_go_within_the_rate(clinic: Clinic, per_second: int) -> None:
    ids = book_many(clinic, COUNT)
    time = VirtualTime()
    clinic.google.limit(per_second, time.now)
    done = paced_round(clinic, time)
    assert done.status == "ok", done
    assert done.counts.created == COUNT and done.counts.errors == 0
    assert_each_once(clinic, ids)
    assert done.counts.retries == clinic.google.limited  # each refusal tried once more
    assert max(clinic.google.second_seen.values()) <= per_second
    if per_second >= pacing.RATE:  # Google's 600 a minute: our pace never meets the limit
        assert clinic.google.limited == 0
        assert time.at == pytest.approx((done.counts.requests - pacing.BURST) / pacing.RATE)
    else:  # a stricter limit: the pace halves on the first refusal, a few more follow
        assert 0 < clinic.google.limited <= COUNT // 20
        assert time.at < 2 * COUNT / per_second


def test_without_pacing_the_backoff_alone_gets_them_through(clinic: Clinic) -> None:
    """The rate is met at once; the backoff (and the slowed pace) still loses nothing
    and makes nothing twice."""
    ids = book_many(clinic, 200)
    time = VirtualTime()
    clinic.google.limit(4, time.now)

    def connect(info: dict[str, str]) -> Any:
        return service.build(info, endpoint=clinic.google.api, token_at=clinic.google.token_uri)

    pacer = Pacer(sleep=time.sleep, now=time.now, rate=1000.0, burst=1000)
    done = on_google_thread(
        lambda: google_round.run(
            clinic.db, clinic.clock, connect=connect, sleep=time.sleep, pacer=pacer
        )
    )
    assert done.status == "ok" and done.counts.created == 200 and done.counts.errors == 0
    assert_each_once(clinic, ids)
    assert clinic.google.limited > 0 and pacer.rate < 1000.0


def test_the_pacer_spaces_requests_after_its_burst() -> None:
    time = VirtualTime()
    pacer = Pacer(sleep=time.sleep, now=time.now, rate=8.0, burst=10)
    sent = []
    for _ in range(26):
        pacer.before()
        sent.append(time.at)
    assert sent[:10] == [0.0] * 10  # the burst
    assert sent[10:] == pytest.approx([0.125 * n for n in range(1, 17)])
    time.sleep(60)  # idle: the bucket fills again, to its burst and no more
    start = time.at
    for _ in range(11):
        pacer.before()
    assert time.at == pytest.approx(start + 0.125)
    pacer.slow_down()
    assert pacer.rate == 4.0
    pacer.went_through()
    assert pacer.rate == pytest.approx(4.01)
