"""``receptionist service [--once]``: the background jobs, headless (``sync/service.py``).

Issue #14's name; ``sync/servicejobs.py`` gives the catalogue's ``service`` this command
when it is given no action. ``receptionist scheduler [--once]`` (the name until session
15) is registered here, the same command, so nothing written for it breaks.

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
from receptionist.retention import clockcheck
from receptionist.store import lookcopy
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from .jobs import NETWORK_JOBS
from .servicejobs import ONCE_HELP, RUN_HELP

JOBS = NETWORK_JOBS
CANNOT = Text(
    QT_TRANSLATE_NOOP("core", "Only a manager or an administrator can run the scheduler.")
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "scheduler",
        help=RUN_HELP + " (the same as `service` with no action)",
        **examples("receptionist scheduler", "receptionist scheduler --once --json"),
    )
    p.add_argument("--once", action="store_true", help=ONCE_HELP)
    p.set_defaults(func=cmd_service)


def _ran(one: Ran) -> dict[str, object]:
    return {"job": one.job, "outcome": one.outcome, "counts": one.counts,
            "error": one.error or None, "reason": clockcheck.reason(one.counts)}  # fmt: skip


def _line(one: Ran) -> str:
    said = clockcheck.reason(one.counts)
    return f"{one.job}: {one.outcome} {one.counts}" + (f"\n  {said}" if said else "")


def cmd_service(app: App) -> int:
    from . import service  # APScheduler: not for `service list`, the catalogue's

    jobs = registry(CORE, JOBS)
    with app.database() as db:
        require(app.ctx(db), "clinic.configure", CANNOT)
        lookcopy.refuse(app.data_dir, lookcopy.NO_JOBS)  # a copy restored to look at
        if app.args.once:
            ran = service.tick_for(db, app.clock, jobs)()
            lines = [_line(r) for r in ran] or ["Nothing was due."]
            app.emit([_ran(r) for r in ran], "\n".join(lines))
            return 0 if all(r.outcome == "ok" for r in ran) else 1
        print("Running the background jobs; Ctrl+C stops.", file=sys.stderr, flush=True)

        def told(one: Ran) -> None:
            said = json.dumps(_ran(one)) if app.as_json else _line(one)
            print(said, flush=True)

        return service.serve(db, app.clock, jobs, told)
