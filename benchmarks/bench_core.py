"""Issue 2's targets on the large generated clinic (20 providers, 200k patients, 2M
appointments over ~10 years), on SQLCipher and on plain SQLite as the reference.

    python benchmarks/bench_core.py              # full size (first run builds ~2 GB)
    python benchmarks/bench_core.py --scale 0.01 # a quick look

Targets: search p95 <= 10 ms; one week of 20 providers <= 10 ms; booking p95 <= 15 ms;
open + unlock <= 1 s; SQLCipher / plain SQLite <= 1.3x.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text

from benchmarks.common import (
    NOW,
    PASSPHRASE,
    ROOT,
    Figures,
    cipher_clinic,
    fast_keys,
    machine_speed,
    plain_clinic,
    probe,
    read_through,
    smoke_options,
    timed,
)
from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.errors import ConflictError
from receptionist.models import Patient, Provider, Service
from receptionist.patients.search import search_patients
from receptionist.schedule import agenda, booking, cards, slots
from receptionist.store import heap
from receptionist.store.storage import Database
from receptionist.store.vault import DataDir, unlock


def keystrokes(db: Database, n_patients: int, rng: random.Random) -> list[str]:
    """What a receptionist types, one entry per keystroke: names and phone digits."""
    with db.read() as s:
        total = s.scalar(select(func.count()).select_from(Patient)) or 0
        picks = [
            s.get(Patient, s.scalar(select(Patient.id).offset(rng.randrange(total)).limit(1)))
            for _ in range(n_patients)
        ]
    typed: list[str] = []
    for i, p in enumerate(picks):
        assert p is not None
        if i % 4 == 3 and p.phone:
            national = "0" + p.phone[3:]
            typed += [national[:k] for k in range(4, len(national) + 1)]
            continue
        text = f"{p.given_name} {p.family_name}" if i % 2 else f"{p.family_name} {p.given_name}"
        typed += [text[:k].lower() for k in range(1, len(text) + 1) if text[k - 1] != " "]
    return typed


Step = Callable[[], object]


def interleaved(name: str, steps: dict[str, list[Step]]) -> dict[str, Figures]:
    """Time step i of every file before step i+1 of any, swapping which file goes first
    at each step, so a slow moment of this (shared, virtual) machine lands on both
    files alike and the SQLCipher / plain ratio measures encryption, not the weather.
    The reference loop is probed between steps, so each figure says how fast the
    machine was while it was taken."""
    labels = list(steps)
    samples: dict[str, list[float]] = {label: [] for label in labels}
    probes: list[float] = []
    for i in range(min(len(v) for v in steps.values())):
        for label in labels if i % 2 == 0 else labels[::-1]:
            t0 = time.perf_counter()
            steps[label][i]()
            samples[label].append((time.perf_counter() - t0) * 1000)
        probes.append(probe())
    machine = statistics.median(probes)
    return {label: Figures(name, samples[label], machine) for label in labels}


def search_steps(db: Database, ctx: Ctx, typed: list[str]) -> list[Step]:
    def run(query: str) -> None:
        with db.read() as s:
            search_patients(s, ctx, query, limit=50)

    for q in typed[:50]:
        run(q)  # warm the page cache, as a desk PC is warm after the first minutes
    return [lambda q=q: run(q) for q in typed]


def week_steps(
    db: Database, ctx: Ctx, weeks: list[datetime], other_weeks: list[datetime]
) -> dict[str, list[Step]]:
    """A week of all 20 providers, each figure on weeks it is the first to read:

    - the appointments (``cards.appointments``: the issue's "one week of 20 providers'
      appointments"), at a first look (pages not yet in SQLite's cache, so decrypted
      now) and a look again (the desk going back and forth);
    - the whole schedule window (``agenda.load``: the appointments plus working hours
      and blocked time), the same two ways;
    - the query's rows as SQLite hands them to Python, before any object is made."""

    def load(start: datetime) -> None:
        with db.read() as s:
            agenda.load(s, ctx, start, start + timedelta(days=7))

    def query(start: datetime) -> None:
        with db.read() as s:
            cards.appointments(s, start, start + timedelta(days=7))

    def rows(start: datetime) -> None:
        with db.read() as s, heap.paused():  # paused as cards.appointments is
            driver = s.connection().connection.driver_connection
            driver.execute(*cards.window_query(start, start + timedelta(days=7))).fetchall()

    return {
        "week query": [lambda w=w: query(w) for w in other_weeks],
        "week query again": [lambda w=w: query(w) for w in other_weeks],
        "week": [lambda w=w: load(w) for w in weeks],
        "week again": [lambda w=w: load(w) for w in weeks],
        "week rows": [lambda w=w: rows(w) for w in weeks],
    }


def booking_steps(db: Database, ctx: Ctx, rng: random.Random, n: int) -> list[Step]:
    """Bookings at the first free slot of random providers and services (found before
    the clock starts); one the patient is busy for is refused after the full check."""
    with db.read() as s:
        providers = s.scalars(select(Provider.id).order_by(Provider.name)).all()
        services = s.scalars(select(Service.id).order_by(Service.name)).all()
        patients = s.scalars(select(Patient.id).order_by(Patient.number).limit(5000)).all()
    steps: list[Step] = []
    for _ in range(n):
        start_from = NOW + timedelta(days=rng.randint(1, 300), hours=rng.randint(0, 10))
        provider, service = rng.choice(providers), rng.choice(services)
        patient = rng.choice(patients)
        with db.read() as s:
            found = slots.find_slots(
                s, ctx, service_id=service, provider_id=provider, start_from=start_from, count=1
            )
        if found:
            steps.append(
                lambda p=provider, v=service, t=found[0].start, who=patient: _book(
                    db, ctx, who, p, v, t
                )
            )
    return steps


def _book(db: Database, ctx: Ctx, patient: str, provider: str, service: str, at: datetime) -> None:
    try:
        with db.write() as s:
            booking.book(
                s, ctx, patient_id=patient, provider_id=provider, service_id=service, start=at
            )
    except ConflictError:
        pass  # the patient was busy then: still a full validate + check, timed too


def high_marks(db: Database) -> tuple[int, int]:
    """The last appointment rowid and audit sequence number before the bookings."""
    with db.read() as s:
        row = s.execute(
            text(
                "SELECT (SELECT coalesce(max(rowid), 0) FROM appointment),"
                " (SELECT coalesce(max(seq), 0) FROM audit_event)"
            )
        ).one()
        return row[0], row[1]


def take_back(db: Database, marks: tuple[int, int]) -> None:
    """Remove what the bookings wrote, so every run books into the same free slots
    (runs used to fill the same days up, and found fewer slots each time). Only the
    newest audit events go, so the chain stays whole."""
    with db.write() as s:
        s.execute(text("DELETE FROM appointment WHERE rowid > :m"), {"m": marks[0]})
        s.execute(text("DELETE FROM audit_event WHERE seq > :m"), {"m": marks[1]})


def bench_open(scale: float, cache_mb: int, n: int) -> tuple[Figures, Figures]:
    root = ROOT / f"cipher-{scale}"
    key = unlock(root, env={"RECEPTIONIST_PASSPHRASE": PASSPHRASE})

    def by_key() -> None:
        db = Database(DataDir(root).db, key, cache_mb=cache_mb)
        with db.read() as s:
            s.scalar(select(func.count()).select_from(Provider))
        db.close()

    def by_passphrase() -> None:
        k = unlock(root, env={"RECEPTIONIST_PASSPHRASE": PASSPHRASE})
        db = Database(DataDir(root).db, k, cache_mb=cache_mb)
        with db.read() as s:
            s.scalar(select(func.count()).select_from(Provider))
        db.close()

    return (
        timed("open + unlock (key from keychain)", by_key, n),
        timed("open + unlock (passphrase, Argon2id)", by_passphrase, max(3, n // 3)),
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--cache-mb", type=int, default=256)
    ap.add_argument("--patients-typed", type=int, default=60)
    ap.add_argument("--weeks", type=int, default=60)
    ap.add_argument("--bookings", type=int, default=200)
    smoke_options(ap)
    args = ap.parse_args()
    if args.fast_keys:
        fast_keys()
    ctx = Ctx(Actor(None, "admin", "cli"), FixedClock(NOW))
    dbs = {
        "sqlcipher": cipher_clinic(args.scale, args.cache_mb),
        "plain": plain_clinic(args.scale, args.cache_mb),
    }
    heap.settle()  # as the app does once its window is up (receptionist.store.heap)
    cached = read_through([db.path for db in dbs.values()])
    print(f"read both files into the OS cache first: {cached:.1f} s")
    speed = [machine_speed(args.speed_runs)]
    rng = random.Random(11)
    # Distinct weeks, and others again for the second "first look": none is read twice.
    drawn = [NOW - timedelta(weeks=k) for k in rng.sample(range(-20, 401), 2 * args.weeks)]
    weeks, other_weeks = drawn[: args.weeks], drawn[args.weeks :]
    # Both files hold the same generated clinic (same seed), so the same names work.
    typed = keystrokes(dbs["sqlcipher"], args.patients_typed, random.Random(12))
    results: dict[str, dict[str, Figures]] = {label: {} for label in dbs}
    names = {
        "search": "search as you type (top 50)",
        "week query": "week's appointments, 20 providers: first look",
        "week query again": "week's appointments, 20 providers: again",
        "week": "schedule window (agenda.load): first look",
        "week again": "schedule window (agenda.load): again",
        "week rows": "week, 20 providers: the query's rows only",
        "booking": "booking (validate, conflicts, write, audit)",
    }
    weekly = {label: week_steps(db, ctx, weeks, other_weeks) for label, db in dbs.items()}
    for key in ("week query", "week query again", "week", "week again", "week rows"):
        for label, fig in interleaved(names[key], {k: v[key] for k, v in weekly.items()}).items():
            results[label][key] = fig
    searches = {label: search_steps(db, ctx, typed) for label, db in dbs.items()}
    for label, fig in interleaved(names["search"], searches).items():
        results[label]["search"] = fig
    marks = {label: high_marks(db) for label, db in dbs.items()}
    bookings = {
        label: booking_steps(db, ctx, random.Random(13), args.bookings) for label, db in dbs.items()
    }
    for label, fig in interleaved(names["booking"], bookings).items():
        results[label]["booking"] = fig
    for label, db in dbs.items():
        take_back(db, marks[label])
    targets = {
        "search": "target p95 <= 10 ms",
        "week query": "target <= 10 ms",
        "week query again": "target <= 10 ms",
        "week": "",
        "week again": "",
        "week rows": "",
        "booking": "target p95 <= 15 ms",
    }
    for label, db in dbs.items():
        db.close()
        print(f"\n[{label}]  scale {args.scale}, cache {args.cache_mb} MB")
        for key in names:
            print("  " + results[label][key].line(targets[key]))
    speed.append(machine_speed(args.speed_runs))
    print("\n[this machine, before and after the runs above]")
    for fig in speed:
        print("  " + fig.line())
    key_open, pass_open = bench_open(args.scale, args.cache_mb, 10)
    print("\n[open]")
    print("  " + key_open.line("target <= 1000 ms"))
    print("  " + pass_open.line("target <= 1000 ms"))
    print("\n[ratio SQLCipher / plain SQLite, measured interleaved; target <= 1.3x]")
    for key in names:
        c, p = results["sqlcipher"][key], results["plain"][key]
        print(f"  {key:<16} {c.median / p.median:5.2f}x   (p95 {c.p95 / p.p95:5.2f}x)")


if __name__ == "__main__":
    main()
