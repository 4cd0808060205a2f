"""Issue 14's planning target: planning reminders over 10,000 upcoming appointments
<= 1 s (on SQLCipher, the clinic's real storage).

    python benchmarks/bench_reminders.py                   # 10,000 appointments
    python benchmarks/bench_reminders.py --appointments 500 --rounds 3   # a quick look

It makes a throwaway clinic (20 providers, 3,000 patients, every one consenting to SMS)
with the appointments spread over the next 7.5 days, booked just now, and the rules
"7d,24h,2h" (no confirmations), so every appointment is inside the planning horizon.
It times:

- the first planning, which writes every reminder row (about three per appointment),
  at most ``MAX_ADDS`` rows a transaction (so the desk never waits long for a write);
- a plan with nothing new (what the scheduler's every-minute round costs);
- a whole dispatch round with nothing due (settings, station, recovery, plan, due).

Each is printed as median and p95 over ``--rounds`` runs (the first planning runs once
per round on an emptied table).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, insert

from receptionist.clock import FixedClock
from receptionist.context import SYSTEM, Ctx
from receptionist.models import Appointment, Consent, Patient, Provider, Reminder, Service, new_id
from receptionist.ops import settings
from receptionist.reminders import config, dispatch
from receptionist.reminders.plan import MAX_ADDS, plan
from receptionist.schedule import clinic
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appointments", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "clinic"
        db = open_unlocked(root, build(root, args.appointments))
        clock = FixedClock(NOW)
        first: list[float] = []
        again: list[float] = []
        whole: list[float] = []
        first_cpu: list[float] = []
        again_cpu: list[float] = []
        whole_cpu: list[float] = []
        rows = plans = 0
        try:
            for _ in range(args.rounds):
                with db.write() as s:
                    s.execute(delete(Reminder))
                    cfg = config.load(s)
                rows = plans = 0
                while True:  # the first planning, MAX_ADDS rows a transaction
                    with db.write() as s:
                        began, cpu = time.perf_counter(), time.process_time()
                        done = plan(s, NOW, cfg)
                        took = time.perf_counter() - began
                        cpu_took = time.process_time() - cpu
                    if not done.added:
                        again.append(took)
                        again_cpu.append(cpu_took)
                        break
                    first.append(took)
                    first_cpu.append(cpu_took)
                    rows, plans = rows + done.added, plans + 1
                with db.write() as s:
                    began, cpu = time.perf_counter(), time.process_time()
                    plan(s, NOW, cfg)
                    again.append(time.perf_counter() - began)
                    again_cpu.append(time.process_time() - cpu)
                while dispatch.run(db, clock, {}).items:  # what is due now goes (no channel)
                    pass
                began, cpu = time.perf_counter(), time.process_time()
                dispatch.run(db, clock, {})
                whole.append(time.perf_counter() - began)
                whole_cpu.append(time.process_time() - cpu)
        finally:
            db.close()
    print(
        f"appointments ahead: {args.appointments}; first planning: {rows} rows in {plans} "
        f"transactions of at most {MAX_ADDS}"
    )
    print("wall clock; then this process's CPU time, which a busy machine does not inflate")
    for name, samples, cpu_samples in (
        ("first planning, each transaction", first, first_cpu),
        ("plan, nothing new", again, again_cpu),
        ("dispatch round, nothing due", whole, whole_cpu),
    ):
        median, p95 = quantiles(samples)
        cpu_median, cpu_p95 = quantiles(cpu_samples)
        verdict = "ok" if p95 <= TARGET else "OVER"
        print(
            f"{name:<34} median {median * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms  [{verdict}]"
            f"   cpu median {cpu_median * 1000:7.1f} ms  p95 {cpu_p95 * 1000:7.1f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
