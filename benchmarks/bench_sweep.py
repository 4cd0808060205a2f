"""Issue 14's sweep target: a retention sweep of a 2,000,000-appointment clinic in
<= 60 s, in short batches (the desk waits at most one batch for a write).

    python benchmarks/bench_sweep.py              # full size (first run builds ~2 GB)
    python benchmarks/bench_sweep.py --scale 0.05 # a quick look

The data: the benchmarks' large clinic (``demo.generate``: 20 providers, 200,000
patients, 2,000,000 appointments spread evenly from ~9 years back to a year ahead,
written with bulk inserts on SQLCipher), generated with ``churn=0.05``: patient i is
seen around the i-th part of that range, within 5 % of it either side, so patients
come and go as in a real clinic and the oldest ~70 % have had no appointment for more
than 24 months. A smaller --scale has fewer patients and appointments over the same years. The
clinic is built once (``bench-data/sweep-<scale>``) and copied for
each run, since a sweep changes it. The sweep runs with the default policy at the
benchmarks' NOW, exactly as ``receptionist sweep`` does (``ops.retention.sweep``).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from benchmarks.common import NOW, PASSPHRASE, ROOT, scaled
from receptionist.clock import FixedClock
from receptionist.context import SYSTEM, Ctx
from receptionist.demo.generate import LARGE, generate
from receptionist.ops import retention
from receptionist.ops.setup import ClinicSpec, initialise
from receptionist.store.storage import Database
from receptionist.store.vault import DataDir, open_clinic, unlock

ENV = {"RECEPTIONIST_PASSPHRASE": PASSPHRASE}


def built(scale: float) -> Path:
    root = ROOT / f"sweep-{scale}"
    if DataDir(root).db.exists():
        return root
    print(f"building the clinic in {root} ...", flush=True)
    started = time.perf_counter()
    spec = ClinicSpec("Benchmark Clinic", "Europe/Istanbul", "TR", "admin", "admin-password")
    initialise(root, spec, FixedClock(NOW), passphrase=PASSPHRASE)
    db = open_clinic(root, env=ENV)
    try:
        with db.write() as session:
            sizes = replace(
                scaled(scale), days_back=LARGE.days_back, days_ahead=LARGE.days_ahead, churn=0.05
            )
            made = generate(session.connection(), sizes, NOW)
        with db.raw() as conn:
            conn.execute("ANALYZE")
        db.checkpoint()
    finally:
        db.close()
    took = time.perf_counter() - started
    print(f"  {made.patients:,} patients, {made.appointments:,} appointments in {took:.0f} s")
    return root


def counts(db: Database) -> dict[str, int]:
    with db.read() as s:
        return {
            t: int(s.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())
            for t in ("patient", "appointment", "change_log")
        }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="1.0: 2,000,000 appointments")
    ap.add_argument("--keep", action="store_true", help="keep the swept copy")
    args = ap.parse_args()
    source = built(args.scale)
    work = ROOT / f"sweep-{args.scale}-run"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(source, work)
    key = unlock(work, env=ENV)
    db = Database(DataDir(work).db, key)
    try:
        before = counts(db)
        size = DataDir(work).db.stat().st_size
        print(f"before: {before} ({size / 2**20:.0f} MB)")
        ctx = Ctx(SYSTEM, FixedClock(NOW))
        started = time.perf_counter()
        plan = retention.dry_run(db, ctx, work)
        dry = time.perf_counter() - started
        print(f"dry run: {dry:.1f} s, {plan.counts}")
        waits: list[float] = []
        last = [time.perf_counter()]

        def tell(kind: str, done: int) -> None:
            now = time.perf_counter()
            waits.append(now - last[0])
            last[0] = now

        started = last[0] = time.perf_counter()
        swept = retention.sweep(db, ctx, work, tell=tell)
        took = time.perf_counter() - started
        after = counts(db)
    finally:
        db.close()
    size_after = DataDir(work).db.stat().st_size
    longest = max(waits) * 1000 if waits else 0.0
    print(f"after: {after} ({size_after / 2**20:.0f} MB, vacuumed={swept.vacuumed})")
    print(
        f"sweep: {took:.1f} s (target <= 60 s) for {swept.counts.get('appointment', 0):,} "
        f"appointments and {swept.counts.get('patient', 0):,} patients in {swept.batches} "
        f"batches; longest batch {longest:.0f} ms; "
        f"{swept.counts.get('appointment', 0) / max(took, 1e-9):,.0f} appointments/s"
    )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
