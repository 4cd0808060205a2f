"""Issue 14's planning target: planning reminders over 10,000 upcoming appointments
<= 1 s (on SQLCipher, the clinic's real storage).

    python benchmarks/bench_reminders.py                   # 10,000 appointments
    python benchmarks/bench_reminders.py --appointments 500 --rounds 3   # a quick look
    python benchmarks/bench_reminders.py --round-samples 20   # the idle round, 20 a run
    python benchmarks/bench_reminders.py --rounds 1 --profile 30   # where its time goes

It makes a throwaway clinic (20 providers, 3,000 patients, every one consenting to SMS)
with the appointments spread over the next 7.5 days, booked just now, and the rules
"7d,24h,2h" (no confirmations), so every appointment is inside the planning horizon.
Each run takes a fresh copy of that clinic (built once) and times:

- the whole first planning: every reminder row (about two per appointment), written in
  transactions of at most ``MAX_ADDS`` rows, all of them together (wall and CPU): the
  target (<= 1 s) is judged on this, not per transaction;
- the longest single write transaction of it: what the desk could wait for a write;
- a plan with nothing changed since (what the scheduler's every-minute round pays);
- a full pass finding everything planned (a new process's first round, a settings
  change, and once an hour), and its longest transaction;
- a whole dispatch round with nothing due (settings, station, recovery, plan, due):
  ``--round-samples`` of them a run (1: as sessions 16 and 17 quoted it), one after
  another on the same copy; ``--profile N`` then runs N more under cProfile and prints
  where their time went (the functions taking the most, cumulative).

Each is printed as median and p95 over ``--rounds`` runs, with the machine's load.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert

from receptionist.clock import FixedClock
from receptionist.context import SYSTEM, Ctx
from receptionist.models import Appointment, Consent, Patient, Provider, Service, new_id
from receptionist.ops import settings
from receptionist.reminders import config, dispatch
from receptionist.reminders.plan import MAX_ADDS, plan
from receptionist.reminders.planscope import Memo
from receptionist.schedule import clinic
from receptionist.store.storage import Database
from receptionist.store.vault import create, open_unlocked

NOW = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)  # a Monday, 10:00 in Istanbul
TARGET = 1.0


def build(root: Path, appointments: int) -> bytes:
    key = create(root, passphrase="benchmark clinic passphrase").key
    db = open_unlocked(root, key)
    ctx = Ctx(SYSTEM, FixedClock(NOW - timedelta(days=30)))
    stamp = {"created_at": NOW - timedelta(days=30), "updated_at": NOW - timedelta(days=30)}
    # Booked just now: a reminder whose time has passed is not one to send (as on a
    # station that has been running), so the round has little due.
    booked = {"created_at": NOW, "updated_at": NOW}
    with db.write() as s:
        clinic.create_clinic(s, ctx, name="Bench", timezone="Europe/Istanbul", phone_region="TR")
        providers = [new_id() for _ in range(20)]
        s.execute(
            insert(Provider),
            [{"id": p, "name": f"Dr {i}", **stamp} for i, p in enumerate(providers)],
        )
        service = new_id()
        s.execute(
            insert(Service), [{"id": service, "name": "Check-up", "duration_minutes": 30, **stamp}]
        )
        patients = [new_id() for _ in range(3000)]
        s.execute(insert(Patient), [
            {"id": p, "search_rowid": i + 1, "number": f"A-{i + 1}", "given_name": f"P{i}",
             "family_name": "Bench", "phone": f"+9055510{i:05d}", **stamp}
            for i, p in enumerate(patients)
        ])  # fmt: skip
        s.execute(insert(Consent), [
            {"id": new_id(), "patient_id": p, "purpose": "reminder_sms", "granted": True,
             "recorded_at": stamp["created_at"], "source": "desk", **stamp}
            for p in patients
        ])  # fmt: skip
        span = timedelta(days=7, hours=12) / appointments
        rows = []
        for i in range(appointments):
            start = NOW + timedelta(hours=3) + span * i
            rows.append({
                "id": new_id(), "patient_id": patients[i % len(patients)],
                "provider_id": providers[i % len(providers)], "service_id": service,
                "start_utc": start, "end_utc": start + timedelta(minutes=30), **booked,
            })  # fmt: skip
        s.execute(insert(Appointment), rows)
    admin = Ctx(SYSTEM, FixedClock(NOW))
    chosen = {"reminders.enabled": True, "reminders.offsets": "7d,24h,2h"}
    settings.set_many(db, admin, {**chosen, "reminders.confirmation": False})
    db.close()
    return key


def quantiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


class Timings:
    """Wall and CPU seconds of one kind of work, one sample a run."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def add(self, wall: float, cpu: float) -> None:
        self.wall.append(wall)
        self.cpu.append(cpu)

    def line(self, name: str, judged: bool) -> str:
        median, p95 = quantiles(self.wall)
        cpu_median, cpu_p95 = quantiles(self.cpu)
        verdict = ("  [ok]" if p95 <= TARGET else "  [OVER]") if judged else ""
        return (
            f"{name:<38} median {median * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms"
            f"   cpu median {cpu_median * 1000:7.1f} ms  p95 {cpu_p95 * 1000:7.1f} ms{verdict}"
        )


def first_planning(
    root: Path, key: bytes, found: dict[str, Timings], samples: int = 1, profile: int = 0
) -> tuple[int, int]:
    """One run on a fresh copy: the first planning, then a plan and ``samples`` rounds
    with nothing new (and ``profile`` more under cProfile, its figures printed).
    Returns the rows written and the transactions they took."""
    db = open_unlocked(root, key)
    try:
        with db.read() as s:
            cfg = config.load(s)
        memo, rows, batches, longest = Memo(), 0, 0, (0.0, 0.0)
        began, cpu = time.perf_counter(), time.process_time()
        while True:  # each batch a write transaction of its own, as dispatch runs them
            one, one_cpu = time.perf_counter(), time.process_time()
            with db.write() as s:
                done = plan(s, NOW, cfg, memo)
            took = (time.perf_counter() - one, time.process_time() - one_cpu)
            longest = max(longest, took)
            assert done.memo is not None
            memo, rows, batches = done.memo, rows + done.added, batches + 1
            if not done.more:
                break
        found["whole"].add(time.perf_counter() - began, time.process_time() - cpu)
        found["longest"].add(*longest)
        one, one_cpu = time.perf_counter(), time.process_time()
        with db.write() as s:
            again = plan(s, NOW, cfg, memo)
        found["again"].add(time.perf_counter() - one, time.process_time() - one_cpu)
        assert again.added == 0 and not again.more, again
        full(db, cfg, found)
        clock = FixedClock(NOW)
        while dispatch.run(db, clock, {}).items:  # what is due now goes (no channel)
            pass
        for _ in range(samples):
            one, one_cpu = time.perf_counter(), time.process_time()
            assert not dispatch.run(db, clock, {}).items  # nothing due
            found["round"].add(time.perf_counter() - one, time.process_time() - one_cpu)
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(profile):
                dispatch.run(db, clock, {})
            profiler.disable()
            print(f"cProfile of {profile} dispatch rounds with nothing due (cumulative):")
            pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(30)
        return rows, batches
    finally:
        db.close()


def full(db: Database, cfg: config.Config, found: dict[str, Timings]) -> None:
    """A full pass over everything planned already (a new process's first round, a
    changed setting, the hourly one): all its transactions, and the longest."""
    memo, longest = Memo(), (0.0, 0.0)
    began, cpu = time.perf_counter(), time.process_time()
    while True:
        one, one_cpu = time.perf_counter(), time.process_time()
        with db.write() as s:
            done = plan(s, NOW, cfg, memo)
        longest = max(longest, (time.perf_counter() - one, time.process_time() - one_cpu))
        assert done.memo is not None and done.added == 0, done
        memo = done.memo
        if not done.more:
            break
    found["full"].add(time.perf_counter() - began, time.process_time() - cpu)
    found["full_longest"].add(*longest)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appointments", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--round-samples", type=int, default=1, help="idle dispatch rounds timed a run"
    )
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N",
        help="N more idle rounds a run under cProfile, where their time went printed",
    )  # fmt: skip
    args = parser.parse_args()
    names = ("whole", "longest", "again", "full", "full_longest", "round")
    found = {name: Timings() for name in names}
    with tempfile.TemporaryDirectory() as folder:
        built = Path(folder) / "built"
        key = build(built, args.appointments)
        for run in range(args.rounds):
            root = Path(folder) / f"run{run}"
            shutil.copytree(built, root)
            rows, batches = first_planning(root, key, found, args.round_samples, args.profile)
            shutil.rmtree(root)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"appointments ahead: {args.appointments}; first planning: {rows} rows in {batches} "
        f"transactions of at most {MAX_ADDS} rows; {args.rounds} runs, each on a fresh copy"
    )
    print(f"load average {load} on {os.cpu_count()} CPUs: wall clock, then this process's CPU")
    print(found["whole"].line("first planning, whole (target 1 s)", True))
    print(found["longest"].line("  its longest write transaction", False))
    print(found["again"].line("steady plan, nothing new", False))
    print(found["full"].line("full pass, all planned already", False))
    print(found["full_longest"].line("  its longest write transaction", False))
    print(found["round"].line("dispatch round, nothing due", False))
    if args.round_samples != 1:
        print(f"  ({args.round_samples} idle rounds a run, {len(found['round'].wall)} in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
