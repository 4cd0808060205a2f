"""The Reminders view's read: ``ops.reminders.listing`` (each message with its patient
and its appointment's provider, in one query, in the list's one order) on SQLCipher.

    python benchmarks/bench_reminders_list.py                  # 10,000 + 10,000 appointments
    python benchmarks/bench_reminders_list.py --appointments 1000 --rounds 3   # a quick look

The clinic of ``bench_reminders`` (20 providers, 3,000 patients, appointments over the
next 7.5 days), plus as many appointments over the past 60 days; three messages each
("7d,24h,2h"): those ahead queued, those past sent, with 2 % failed, 0.5 % unknown and
5 % skipped. Timed, as the view and ``reminders list`` read them: each Show filter at
the view's limit (1,000 rows) and the command's default (200), each beside the read
the list made before (the rows alone, no patient, no provider, in the old order).
Then the Patient box's query (``listing(patient=...)``, all states, the view's limit):
one patient by number, a name that finds a few, one that finds every patient (the
search's 500), and a phone. Each is printed as median and p95 over ``--rounds`` reads.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select

from benchmarks.bench_reminders import NOW, build
from receptionist.clock import FixedClock
from receptionist.context import SYSTEM, Ctx
from receptionist.models import Appointment, Reminder, new_id
from receptionist.ops import reminders
from receptionist.patients.search import rebuild_search_index
from receptionist.store.storage import Database
from receptionist.store.vault import open_unlocked

RULES = {"7d": timedelta(days=7), "24h": timedelta(hours=24), "2h": timedelta(hours=2)}
# The Patient box's text: what it finds of the 3,000 "P<i> Bench" patients.
TYPED = {
    "number A-1500": "A-1500",
    "name P150 (11 patients)": "p150",
    "name Bench (500 of 3,000)": "bench",
    "phone 905551001500": "905551001500",
}
FILTERS = {
    "queued": ("pending", "sending"),
    "sent": ("sent",),
    "failed or unknown": ("failed", "unknown"),
    "all": (),
}


def add_messages(db: Database, past: int) -> int:
    """``past`` appointments over the last 60 days, and three messages for every
    appointment; how many messages."""
    with db.write() as s:
        ahead = s.execute(select(Appointment.patient_id, Appointment.provider_id,
                                 Appointment.service_id)).all()  # fmt: skip
        span = timedelta(days=60) / max(past, 1)
        stamp = {"created_at": NOW - timedelta(days=61), "updated_at": NOW - timedelta(days=61)}
        rows = []
        for i in range(past):
            patient, provider, service = ahead[i % len(ahead)]
            start = NOW - timedelta(hours=1) - span * i
            rows.append({
                "id": new_id(), "patient_id": patient, "provider_id": provider,
                "service_id": service, "start_utc": start,
                "end_utc": start + timedelta(minutes=30), **stamp,
            })  # fmt: skip
        s.execute(insert(Appointment), rows)
        found = s.execute(select(Appointment.id, Appointment.patient_id, Appointment.start_utc))
        messages = []
        for n, (appointment, patient, start) in enumerate(found):
            for rule, before in RULES.items():
                send_at = start - before
                state, reason, finished = "pending", "", None
                if send_at <= NOW:
                    state, finished = "sent", send_at
                    if n % 50 == 0:
                        state, reason = "failed", "permanent:invalid_number"
                    elif n % 200 == 1:
                        state, reason = "unknown", "no_answer"
                    elif n % 20 == 2:
                        state, reason = "skipped", "no_consent"
                messages.append({
                    "id": new_id(), "appointment_id": appointment, "patient_id": patient,
                    "kind": "reminder", "rule": rule, "scheduled_for": send_at,
                    "send_at": send_at, "appointment_start": start, "state": state,
                    "channel": "" if state == "pending" else "sms", "reason": reason,
                    "finished_at": finished, "created_at": NOW, "updated_at": NOW,
                })  # fmt: skip
        for at in range(0, len(messages), 5000):
            s.execute(insert(Reminder), messages[at : at + 5000])
    return len(messages)


def messaged_clinic(folder: Path, appointments: int) -> tuple[Database, int]:
    """``bench_reminders``' clinic in ``folder`` with ``appointments`` ahead, as many
    past, and their messages (:func:`add_messages`), open; how many messages."""
    root = folder / "clinic"
    db = open_unlocked(root, build(root, appointments))
    total = add_messages(db, appointments)
    with db.write() as s:  # the patients as the desk adds them: in the search index
        rebuild_search_index(s)
    return db, total


def timed(rounds: int, read: Callable[[], int]) -> tuple[float, float, int]:
    samples = []
    shown = 0
    read()  # the first read warms the page cache, as the view's first open did
    for _ in range(rounds):
        began = time.perf_counter()
        shown = read()
        samples.append(time.perf_counter() - began)
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, shown


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appointments", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db, total = messaged_clinic(Path(folder), args.appointments)
        ctx = Ctx(SYSTEM, FixedClock(NOW))
        lines = []
        for limit in (reminders.LIST_LIMIT, 200):
            for name, states in FILTERS.items():

                def read(states: tuple[str, ...] = states, limit: int = limit) -> int:
                    return len(reminders.listing(db, ctx, states=states, limit=limit))

                def before(states: tuple[str, ...] = states, limit: int = limit) -> int:
                    """The rows alone, as the list read them before (no patient, no
                    provider; queued soonest first, any other list newest first)."""
                    to_go = bool(states) and set(states) <= {"pending", "sending"}
                    key = Reminder.send_at if to_go else Reminder.send_at.desc()
                    query = select(Reminder).order_by(key, Reminder.id).limit(limit)
                    if states:
                        query = query.where(Reminder.state.in_(states))
                    with db.read() as s:
                        return len(list(s.scalars(query)))

                for label, how in (("", read), (" (before)", before)):
                    median, p95, shown = timed(args.rounds, how)
                    lines.append(
                        f"{name + label:<27} limit {limit:>4}: {shown:>4} rows  median "
                        f"{median * 1000:6.1f} ms  p95 {p95 * 1000:6.1f} ms"
                    )
        for name, typed in TYPED.items():

            def found(typed: str = typed) -> int:
                return len(reminders.listing(db, ctx, patient=typed))

            median, p95, shown = timed(args.rounds, found)
            lines.append(
                f"patient {name:<27}: {shown:>4} rows  median {median * 1000:6.1f} ms  "
                f"p95 {p95 * 1000:6.1f} ms"
            )
        db.close()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{total} messages of {2 * args.appointments} appointments; {args.rounds} reads each")
    print(f"load average {load} on {os.cpu_count()} CPUs; wall clock of one read")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
