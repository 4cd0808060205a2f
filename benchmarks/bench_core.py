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
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from benchmarks.common import (
    NOW,
    PASSPHRASE,
    ROOT,
    Figures,
    cipher_clinic,
    plain_clinic,
    timed,
    timed_each,
)
from receptionist import agenda, booking, heap, slots
from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.errors import ConflictError
from receptionist.models import Patient, Provider, Service
from receptionist.search import search_patients
from receptionist.storage import Database
from receptionist.vault import DataDir, unlock


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


def bench_search(db: Database, ctx: Ctx, typed: list[str]) -> Figures:
    def run(query: str) -> None:
        with db.read() as s:
            search_patients(s, ctx, query, limit=50)

    for q in typed[:50]:
        run(q)  # warm the page cache, as a desk PC is warm after the first minutes
    return timed_each("search as you type (top 50)", run, typed)


def bench_week(db: Database, ctx: Ctx, rng: random.Random, n: int) -> list[Figures]:
    """A week of all 20 providers: the first look at a week (pages not yet in the
    cache) and a look again (the desk going back and forth), through agenda.load,
    and the bare appointments query alone."""
    weeks = [NOW - timedelta(weeks=rng.randint(-20, 400)) for _ in range(n)]
    first: list[float] = []
    again: list[float] = []
    query: list[float] = []
    for start in weeks:
        end = start + timedelta(days=7)
        for samples in (first, again):
            t0 = time.perf_counter()
            with db.read() as s:
                agenda.load(s, ctx, start, end)
            samples.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        with db.read() as s:
            agenda.appointments(s, start, end)
        query.append((time.perf_counter() - t0) * 1000)
    return [
        Figures("week, 20 providers: first look (agenda.load)", first),
        Figures("week, 20 providers: look again (agenda.load)", again),
        Figures("week, 20 providers: appointments only", query),
    ]


def bench_booking(db: Database, ctx: Ctx, rng: random.Random, n: int) -> tuple[Figures, int]:
    with db.read() as s:
        providers = s.scalars(select(Provider.id)).all()
        services = s.scalars(select(Service.id)).all()
        patients = s.scalars(select(Patient.id).limit(5000)).all()
    samples: list[float] = []
    refused = 0
    for i in range(n):
        start_from = NOW + timedelta(days=rng.randint(1, 300), hours=rng.randint(0, 10))
        provider, service = rng.choice(providers), rng.choice(services)
        with db.read() as s:
            found = slots.find_slots(
                s, ctx, service_id=service, provider_id=provider, start_from=start_from, count=1
            )
        if not found:
            continue
        t0 = time.perf_counter()
        try:
            with db.write() as s:
                booking.book(
                    s,
                    ctx,
                    patient_id=rng.choice(patients),
                    provider_id=provider,
                    service_id=service,
                    start=found[0].start,
                )
        except ConflictError:
            refused += 1  # the patient was busy then: still a full validate + check
        samples.append((time.perf_counter() - t0) * 1000)
        del i
    return Figures("booking (validate, conflicts, write, audit)", samples), refused


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
    args = ap.parse_args()
    ctx = Ctx(Actor(None, "admin", "cli"), FixedClock(NOW))
    results: dict[str, dict[str, Figures]] = {}
    for label, opener in (("sqlcipher", cipher_clinic), ("plain", plain_clinic)):
        db = opener(args.scale, args.cache_mb)
        heap.settle()  # as the app does once its window is up (receptionist.heap)
        rng = random.Random(11)
        typed = keystrokes(db, args.patients_typed, rng)
        first, again, query = bench_week(db, ctx, rng, args.weeks)
        res = {
            "search": bench_search(db, ctx, typed),
            "week": first,
            "week again": again,
            "week query": query,
        }
        res["booking"], refused = bench_booking(db, ctx, rng, args.bookings)
        results[label] = res
        db.close()
        print(
            f"\n[{label}]  scale {args.scale}, cache {args.cache_mb} MB"
            f"  (booking: {refused} refused as conflicts, timed too)"
        )
        targets = {
            "search": "target p95 <= 10 ms",
            "week": "target <= 10 ms",
            "week again": "target <= 10 ms",
            "week query": "",
            "booking": "target p95 <= 15 ms",
        }
        for key, fig in res.items():
            print("  " + fig.line(targets[key]))
    key_open, pass_open = bench_open(args.scale, args.cache_mb, 10)
    print("\n[open]")
    print("  " + key_open.line("target <= 1000 ms"))
    print("  " + pass_open.line("target <= 1000 ms"))
    print("\n[ratio SQLCipher / plain SQLite, medians; target <= 1.3x]")
    for key in ("search", "week", "week again", "week query", "booking"):
        c, p = results["sqlcipher"][key], results["plain"][key]
        print(f"  {key:<10} {c.median / p.median:5.2f}x   (p95 {c.p95 / p.p95:5.2f}x)")


if __name__ == "__main__":
    main()
