"""``receptionist scheduler [--once]``: the background jobs, headless (``sync/service.py``).

(Issue #14 calls it ``receptionist service``; ``service`` already names the clinic's
catalogue of services, ``service add|list``.)

Carries ``JOBS``, the network's jobs, which the core's ``jobs list|run`` add to its own.
"""

from __future__ import annotations

import argparse
import json
import sys

from receptionist.cli.common import App, examples
from receptionist.context import require
from receptionist.jobs.core import CORE
from receptionist.jobs.registry import registry
from receptionist.jobs.runner import Ran
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from . import service
from .jobs import NETWORK_JOBS

JOBS = NETWORK_JOBS
CANNOT = Text(
    QT_TRANSLATE_NOOP("core", "Only a manager or an administrator can run the scheduler.")
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "scheduler",
        help="run the background jobs (sweep, backup, sync) until stopped, for a PC that stays on",
        **examples("receptionist scheduler", "receptionist scheduler --once --json"),
    )
    p.add_argument(
        "--once",
        action="store_true",
        help="run what is due now, then stop (for cron or the Task Scheduler)",
    )
    p.set_defaults(func=cmd_service)


def _ran(one: Ran) -> dict[str, object]:
    return {"job": one.job, "outcome": one.outcome, "counts": one.counts,
            "error": one.error or None}  # fmt: skip


def cmd_service(app: App) -> int:
    jobs = registry(CORE, JOBS)
    with app.database() as db:
        require(app.ctx(db), "clinic.configure", CANNOT)
        if app.args.once:
            ran = service.tick_for(db, app.clock, jobs)()
            lines = [f"{r.job}: {r.outcome} {r.counts}" for r in ran] or ["Nothing was due."]
            app.emit([_ran(r) for r in ran], "\n".join(lines))
            return 0 if all(r.outcome == "ok" for r in ran) else 1
        print("Running the background jobs; Ctrl+C stops.", file=sys.stderr, flush=True)

        def told(one: Ran) -> None:
            said = json.dumps(_ran(one)) if app.as_json else f"{one.job}: {one.outcome}"
            print(said, flush=True)

        service.serve(db, app.clock, jobs, told)
    return 0
