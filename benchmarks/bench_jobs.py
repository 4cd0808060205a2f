"""Issue #14: what keeping a job's history costs each run of it (``runner._prune``, in
the write that records how the run ended), with the record of a minute job full.

    python benchmarks/bench_jobs.py               # 300 runs timed
    python benchmarks/bench_jobs.py --runs 50     # a quick look

A new SQLCipher clinic (in a temporary folder) gets a job that runs every minute and
mostly finds nothing due, as the reminders' dispatch does; its record is filled to
what the KEEP_* rules keep at most (the newest runs, older runs that did something,
older failures). Then ``--runs`` more runs, each timed whole (claim, work, record and
prune), and after each the prune once more alone (on its own write, rolled back): the
run just past the newest is then one that did something, the costlier of its two
paths (it cuts that kind to its newest). Figures: median and p95, in ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")

from benchmarks.common import NOW, PASSPHRASE
from receptionist.clock import Clock, FixedClock
from receptionist.jobs import runner
from receptionist.jobs.registry import Every, Job, counted_nothing
from receptionist.models import JobRun
from receptionist.ops.setup import ClinicSpec, initialise
from receptionist.store.storage import Database
from receptionist.store.vault import open_clinic


def nothing_due(db: Database, clock: Clock) -> Mapping[str, int]:
    return {"active": 1, "planned": 0, "sent": 0}


JOB = Job("reminders.dispatch", nothing_due, Every(1), quiet=counted_nothing("active"))


def fill(db: Database) -> int:
    """The record as full as the rules keep it: old failures, old rounds that sent,
    then the newest runs, all of them finding nothing due."""
    rows = (
        [("failed", {}, "KeyError at x.py:1:f")] * runner.KEEP_FAILED
        + [("ok", {"active": 1, "sent": 2}, "")] * runner.KEEP_WORK
        + [("ok", {"active": 1, "planned": 0, "sent": 0}, "")] * runner.KEEP_RUNS
    )
    at = NOW - timedelta(minutes=len(rows) + 1)
    with db.write() as s:
        for outcome, counts, error in rows:
            s.add(JobRun(job=JOB.name, started_at=at, due_at=at, ended_at=at, outcome=outcome,
                         counts=json.dumps(counts), error=error))  # fmt: skip
            at += timedelta(minutes=1)
    return len(rows)


def shown(took: list[float]) -> str:
    p95 = statistics.quantiles(took, n=20)[-1] if len(took) > 1 else took[0]
    return f"median {statistics.median(took):7.3f} ms, p95 {p95:7.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-jobs-")) / "clinic"
    spec = ClinicSpec("Bench", "Europe/Istanbul", "TR", "admin", "admin-password-1")
    initialise(root, spec, FixedClock(NOW), passphrase=PASSPHRASE)
    db = open_clinic(root, env={"RECEPTIONIST_PASSPHRASE": PASSPHRASE})
    print(f"{fill(db):,} runs recorded", flush=True)
    clock, each = FixedClock(NOW), runner.Runner([JOB])
    whole, prune = [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        assert each.run_now(db, clock, JOB.name) is not None
        whole.append((time.perf_counter() - started) * 1000)
        with db.write() as s:
            started = time.perf_counter()
            runner._prune(s, JOB)
            prune.append((time.perf_counter() - started) * 1000)
            s.rollback()
        clock.advance(minutes=1)
    with db.read() as s:
        kept = s.query(JobRun).filter(JobRun.job == JOB.name).count()
    print(f"a run, whole:  {shown(whole)}")
    print(f"its prune:     {shown(prune)}  ({kept} runs kept)")
    db.close()


if __name__ == "__main__":
    main()
