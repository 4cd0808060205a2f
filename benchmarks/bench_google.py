"""Google Calendar sync against the loopback Google of the tests (tests/google/
fakegoogle.py): requests made, retries and seconds.

1. The first push: 2,000 appointments of 4 providers, each provider mapped to its
   own calendar (plus the first, whole read of each calendar).
2. An incremental round after 50 changes (40 moves, 10 cancels): at most one request
   per changed event, plus one list page per calendar.

Each round is paced as in the app (``sync/google/pacing.py``) while the loopback
Google refuses what goes beyond ``--per-second`` requests in a second (Google's
per-user quota, 600 a minute, is 10 a second). The pacing runs in virtual time: the
"paced" seconds are what the quota makes the round take on the real Google; "work"
is the time our side and the loopback server really spent.

    python benchmarks/bench_google.py
    python benchmarks/bench_google.py --appointments 200 --changes 10 --per-second 4
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "google"))

from fakegoogle import serving

from receptionist.clock import FixedClock
from receptionist.context import SYSTEM, Ctx
from receptionist.google import calendars
from receptionist.models import Appointment, Patient
from receptionist.ops import settings as settings_ops
from receptionist.schedule import booking, catalog
from receptionist.schedule.clinic import create_clinic
from receptionist.store.storage import Database
from receptionist.store.vault import DataDir, create
from sync.google import round as google_round
from sync.google import service
from sync.google.pacing import Pacer
from sync.google.worker import on_google_thread

NOW = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)  # a Monday
PROVIDERS = 4
INFO = {"client_id": "bench", "client_secret": "bench", "refresh_token": "bench"}


class VirtualTime:
    """The clock the pacing and the loopback's rate limit share; sleeping moves it."""

    def __init__(self) -> None:
        self.at = 0.0

    def now(self) -> float:
        return self.at

    def sleep(self, seconds: float) -> None:
        self.at += seconds


def build(root: Path, appointments: int) -> tuple[Database, Ctx, list[str]]:
    created = create(root, passphrase="benchmark clinic passphrase")
    db = Database(DataDir(root).db, created.key)
    ctx = Ctx(SYSTEM, FixedClock(NOW))
    with db.write() as s:
        create_clinic(s, ctx, name="Bench", timezone="Europe/London", phone_region="GB")
        providers = [catalog.create_provider(s, ctx, name=f"Dr {n}") for n in range(PROVIDERS)]
        service_id = catalog.create_service(s, ctx, name="Check-up", duration_minutes=30).id
        s.add(Patient(id="p1", search_rowid=1, number="B-1", given_name="A", family_name="B",
                      created_at=NOW, updated_at=NOW))  # fmt: skip
        s.flush()
        ids = []
        for n in range(appointments):
            provider = providers[n % PROVIDERS]
            slot = n // PROVIDERS
            start = NOW + timedelta(days=slot // 16, minutes=30 * (slot % 16))
            row = Appointment(patient_id="p1", provider_id=provider.id, service_id=service_id,
                              start_utc=start, end_utc=start + timedelta(minutes=30),
                              created_at=NOW, updated_at=NOW)  # fmt: skip
            s.add(row)
            s.flush()
            ids.append(row.id)
    settings_ops.set_value(db, ctx, "google.credentials", json.dumps(INFO))
    for n in range(PROVIDERS):
        calendars.map_provider(db, ctx, f"Dr {n}", f"dr{n}@group.calendar.google.com")
    return db, ctx, ids


def change(db: Database, ctx: Ctx, ids: list[str], count: int) -> None:
    cancels = count // 5
    with db.write() as s:
        for n, appt in enumerate(ids[:count]):
            if n < cancels:
                booking.cancel(s, ctx, appt, "bench")
            else:
                row = s.get(Appointment, appt)
                assert row is not None
                booking.reschedule(s, ctx, appt, start=row.start_utc + timedelta(days=60),
                                   override_reason="bench")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appointments", type=int, default=2000)
    parser.add_argument("--changes", type=int, default=50)
    parser.add_argument("--per-second", type=int, default=10, help="the loopback's rate limit")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder, serving() as google:
        db, ctx, ids = build(Path(folder) / "clinic", args.appointments)
        clock = FixedClock(NOW)

        def connect(info: dict[str, str]) -> Any:
            return service.build(info, endpoint=google.api, token_at=google.token_uri)

        virtual = VirtualTime()
        google.limit(args.per_second, virtual.now)

        def timed(what: str) -> google_round.Outcome:
            before, paced_from = google.api_requests, virtual.at
            pacer = Pacer(sleep=virtual.sleep, now=virtual.now)
            began = time.perf_counter()
            done = on_google_thread(
                lambda: google_round.run(
                    db, clock, connect=connect, sleep=virtual.sleep, pacer=pacer
                )
            )
            took = time.perf_counter() - began
            made = google.api_requests - before
            c = done.counts
            print(f"{what}: {made} requests done, {c.retries} refused and retried, "
                  f"{virtual.at - paced_from:.1f} s paced, {took:.2f} s work; {c}")  # fmt: skip
            assert done.status == "ok" and done.counts.errors == 0, done
            assert max(google.second_seen.values()) <= args.per_second
            return done

        first = timed(f"first push of {args.appointments} appointments")
        assert first.counts.created == args.appointments
        change(db, ctx, ids, args.changes)
        lists = google.requests["list"]
        again = timed(f"incremental round, {args.changes} changes")
        pages = google.requests["list"] - lists
        sent = again.counts.requests - again.counts.retries - pages  # a refused one: again
        print(f"  {sent} requests for {args.changes} changed events, {pages} list pages")
        assert sent <= args.changes, "more than one request per changed event"
        db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
