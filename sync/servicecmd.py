"""``receptionist service [--once]``: the background jobs, headless (``sync/service.py``).

Issue #14's name. ``service`` also names the clinic's catalogue of services (``service
add|list|...``, the core's): with no action it runs the jobs, with one it is the
catalogue's, and ``--once`` goes with no action. ``receptionist scheduler [--once]``
(the name until session 15) stays, the same command, so nothing written for it breaks.

Carries ``JOBS``, the network's jobs, which the core's ``jobs list|run`` add to its own.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from receptionist.cli.common import App, examples
from receptionist.context import require
from receptionist.errors import ValidationError
from receptionist.jobs.core import CORE
from receptionist.jobs.registry import registry
from receptionist.jobs.runner import Ran
from receptionist.retention import clockcheck
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from .jobs import NETWORK_JOBS

JOBS = NETWORK_JOBS
CANNOT = Text(
    QT_TRANSLATE_NOOP("core", "Only a manager or an administrator can run the scheduler.")
)


RUN_HELP = "run the background jobs (sweep, backup, sync, reminders) until stopped"
ONCE_HELP = "run what is due now, then stop (for cron or the Task Scheduler)"
NOT_WITH_AN_ACTION = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "--once runs the background jobs once; it goes with `receptionist service` alone, "
        "not with one of its actions (add, update, list...).",
    )
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "scheduler",
        help=RUN_HELP + " (the same as `service` with no action)",
        **examples("receptionist scheduler", "receptionist scheduler --once --json"),
    )
    p.add_argument("--once", action="store_true", help=ONCE_HELP)
    p.set_defaults(func=cmd_service)
    if "service" in sub.choices:  # built for this command line (not for `scheduler`)
        _service(sub.choices["service"])


def _service(svc: argparse.ArgumentParser) -> None:
    """The core's ``service`` (the catalogue) runs the jobs when given no action."""
    svc.description = (
        f"With no action: {RUN_HELP},\non a PC that stays on. With one: the clinic's services."
    )
    shown = examples(
        "receptionist service",
        "receptionist service --once --json",
        'receptionist service add "Check-up" --minutes 30',
    )
    svc.epilog, svc.formatter_class = shown["epilog"], shown["formatter_class"]
    svc.add_argument("--once", action="store_true", help=ONCE_HELP + "; no action with it")
    svc.set_defaults(func=cmd_service)
    for chooser in svc._actions:
        if isinstance(chooser, argparse._SubParsersAction):
            chooser.required = False
            for action in chooser.choices.values():
                action.set_defaults(func=_alone(action.get_default("func")))


def _alone(func: Callable[[App], int]) -> Callable[[App], int]:
    def checked(app: App) -> int:
        if getattr(app.args, "once", False):
            raise ValidationError("once", NOT_WITH_AN_ACTION)
        return func(app)

    return checked


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
        if app.args.once:
            ran = service.tick_for(db, app.clock, jobs)()
            lines = [_line(r) for r in ran] or ["Nothing was due."]
            app.emit([_ran(r) for r in ran], "\n".join(lines))
            return 0 if all(r.outcome == "ok" for r in ran) else 1
        print("Running the background jobs; Ctrl+C stops.", file=sys.stderr, flush=True)

        def told(one: Ran) -> None:
            said = json.dumps(_ran(one)) if app.as_json else _line(one)
            print(said, flush=True)

        service.serve(db, app.clock, jobs, told)
    return 0
