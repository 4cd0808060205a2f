"""The status bar's reminders read: what ``ui/reminderstatus.read`` asks the core each
time it reloads (``reminderlease.seen`` and ``ops.reminders.status``), on SQLCipher.

    python benchmarks/bench_reminder_status.py                   # 10,000 + 10,000 appointments
    python benchmarks/bench_reminder_status.py --appointments 1000 --rounds 20   # a quick look

The clinic of ``bench_reminders_list`` (three messages for each of 10,000 appointments
ahead and 10,000 past: about 30,000 queued, the rest sent, failed, unknown or
skipped), with 1 % of the queued ones waiting to be tried again (``retry:<code>``) on
SMS and on e-mail, and per-service reminder rules for three services, one of them
deleted (its rules ignored). The PC is the reminder station, so the read is the whole
one (counts, next time, the waiting channels, the ignored rules). Timed, round by round
(the machine's load falls on each alike), after one read each that warms the page
cache: the whole read, and its part that session 17 folded (the messages in one grouped
statement, the service rules from the settings already read) beside the same part as it
was read before (four statements, and the setting and its services again). Printed: median and p95.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from benchmarks.bench_reminders import NOW
from benchmarks.bench_reminders_list import messaged_clinic
from receptionist.clock import FixedClock
from receptionist.context import SYSTEM, Ctx
from receptionist.models import Reminder, Service, new_id
from receptionist.ops import reminders
from receptionist.ops import settings as ops_settings
from receptionist.reminders import config, halt, servicerules
from receptionist.reminders.compose import RETRY
from receptionist.reminders.settings import SERVICE_RULES
from receptionist.settings import clinicstore
from receptionist.store.storage import Database
from sync import reminderlease

COUNTED = ("pending", "sending", "failed", "unknown")


def waiting_and_rules(db: Database) -> int:
    """Mark 1 % of the queued messages as waiting to be tried again; give three services
    rules of their own and delete one of them. How many messages wait."""
    ctx = Ctx(SYSTEM, FixedClock(NOW))
    with db.write() as s:
        pending = list(s.scalars(select(Reminder.id).where(Reminder.state == "pending")))
        chosen = pending[::100]
        for n, rid in enumerate(chosen):
            channel, code = ("sms", "network") if n % 2 else ("email", "greylisted")
            s.execute(
                update(Reminder)
                .where(Reminder.id == rid)
                .values(channel=channel, reason=RETRY + code, attempts=1,
                        next_try_at=NOW + timedelta(minutes=5 + n),
                        updated_at=NOW - timedelta(seconds=n))
            )  # fmt: skip
        stamp = {"created_at": NOW, "updated_at": NOW}
        services = [new_id() for _ in range(3)]
        s.execute(insert(Service), [
            {"id": sid, "name": f"Service {i}", "duration_minutes": 20, **stamp}
            for i, sid in enumerate(services)
        ])  # fmt: skip
        rules = {sid: {"offsets": "24h"} for sid in services}
        clinicstore.write(s, ctx, SERVICE_RULES, rules)
    ops_settings.set_value(db, ctx, "reminders.enabled", True)
    with db.write() as s:
        s.execute(update(Service).where(Service.id == services[0]).values(deleted_at=NOW))
    return len(chosen)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appointments", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db, total = messaged_clinic(Path(folder), args.appointments)
        waiting = waiting_and_rules(db)

        def read() -> int:
            heard = reminderlease.seen(db)
            found = reminders.status(db, reminderlease.sending(heard))
            return found.queued

        def tally() -> int:
            with db.read() as s:
                rules = config.load(s).service_rules
                servicerules.stored(s, rules)
                return sum(reminders._tally(s).counts.values())

        def separate() -> int:
            with db.read() as s:
                config.load(s)
                return separate_reads(s)

        samples: dict[str, list[float]] = {"read": [], "tally": [], "separate": []}
        for fn in (read, tally, separate):
            fn()  # the first read warms the page cache
        for _ in range(args.rounds):  # interleaved: the machine's load falls on all three
            for name, fn in (("read", read), ("tally", tally), ("separate", separate)):
                began = time.perf_counter()
                fn()
                samples[name].append(time.perf_counter() - began)
        found = reminders.status(db)
        db.close()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{total} messages of {2 * args.appointments} appointments; {found.queued} queued, "
          f"{waiting} waiting to be tried again; {args.rounds} rounds")  # fmt: skip
    print(f"mode {found.mode}; waiting {found.waiting}; ignored rules {found.ignored_rules}")
    print(f"load average {load} on {os.cpu_count()} CPUs; wall clock of one read")
    for name, said in (
        ("read", "the status read (lease seen, reminders.status)"),
        ("tally", "its messages and rules now: one grouped statement"),
        ("separate", "the same before: four statements, the setting again"),
    ):
        ordered = sorted(samples[name])
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        print(f"{said:<52} median {statistics.median(ordered) * 1000:6.2f} ms"
              f"  p95 {p95 * 1000:6.2f} ms")  # fmt: skip
    return 0


def separate_reads(s: Session) -> int:
    """What ``status`` read of the messages and the service rules before session 17, one
    statement each: the counts by state, the next time, the stopped channels, the
    channels waiting to try again, the rules' setting and its services."""
    r = Reminder
    by_state = select(r.state, func.count()).where(r.state.in_(COUNTED)).group_by(r.state)
    counts = {state: n for state, n in s.execute(by_state)}
    s.scalar(select(func.min(func.coalesce(r.next_try_at, r.send_at))).where(r.state == "pending"))
    stopped = (r.state.in_(("pending", "sending")), r.reason.in_(halt.REASONS))
    s.execute(select(r.channel, func.max(r.reason)).where(*stopped).group_by(r.channel)).all()
    retrying = (
        select(r.channel, r.reason, func.max(r.updated_at))
        .where(r.state == "pending", r.reason.startswith(RETRY))
        .group_by(r.channel)
    )
    s.execute(retrying).all()
    servicerules.stored(s)
    return sum(counts.values())


if __name__ == "__main__":
    sys.exit(main())
