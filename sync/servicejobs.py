"""``receptionist service`` with no action: the background jobs (``sync/servicecmd.py``).

Issue #14 names the headless command ``receptionist service``; the core's ``service``
is the clinic's catalogue of services (``service add|list|...``). This module extends
that command: with no action it runs the jobs, ``--once`` goes with no action only.
It imports nothing of the jobs or APScheduler, so ``service list`` stays a core
command line (issue #12); ``cmd_jobs`` imports them when the jobs run.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from receptionist.cli.common import App, examples
from receptionist.cli.main import GLOBAL_OPTIONS, JSON_HELP
from receptionist.errors import ValidationError
from receptionist.texts import QT_TRANSLATE_NOOP, Text

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
    """The core's ``service`` (the catalogue) runs the jobs when given no action."""
    svc = sub.choices["service"]
    for shown_in_list in sub._choices_actions:  # the line of `receptionist --help`
        if shown_in_list.dest == "service":
            shown_in_list.help = "services offered; with no action: the background jobs"
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
    for option, settings in GLOBAL_OPTIONS:  # `service --data-dir DIR`, as a leaf takes
        svc.add_argument(option, default=argparse.SUPPRESS, **settings)
    svc.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=JSON_HELP)
    svc.set_defaults(func=cmd_jobs)
    for chooser in svc._actions:
        if isinstance(chooser, argparse._SubParsersAction):
            chooser.required = False
            for action in chooser.choices.values():
                action.set_defaults(func=_alone(action.get_default("func")))


def cmd_jobs(app: App) -> int:
    from .servicecmd import cmd_service

    return cmd_service(app)


def _alone(func: Callable[[App], int]) -> Callable[[App], int]:
    def checked(app: App) -> int:
        if getattr(app.args, "once", False):
            raise ValidationError("once", NOT_WITH_AN_ACTION)
        return func(app)

    return checked
