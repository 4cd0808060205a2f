"""demo: generate a realistic demo clinic (sizes as options)."""

from __future__ import annotations

import argparse

from receptionist.cli.common import App
from receptionist.demo.clinic import DEMO_PASSPHRASE, DEMO_PASSWORD, DEMO_USER, make_demo
from receptionist.demo.generate import Sizes
from receptionist.errors import ValidationError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("demo", help="create a demo clinic with generated data")
    p.add_argument("--providers", type=int, default=6)
    p.add_argument("--rooms", type=int, default=4)
    p.add_argument("--patients", type=int, default=1500)
    p.add_argument("--appointments", type=int, default=6000)
    p.add_argument("--days-back", type=int, default=180)
    p.add_argument("--days-ahead", type=int, default=60)
    p.add_argument("--timezone", default="Europe/Istanbul")
    p.set_defaults(func=cmd_demo)


def cmd_demo(app: App) -> int:
    a = app.args
    for field in ("providers", "rooms", "patients", "appointments", "days_back", "days_ahead"):
        value = getattr(a, field)
        if value < 0 or (field in ("providers", "patients") and value < 1):
            least = "at least 1" if field in ("providers", "patients") else "0 or more"
            raise ValidationError(
                field.replace("_", "-"), f"--{field.replace('_', '-')} must be {least}."
            )
    sizes = Sizes(
        providers=a.providers,
        rooms=a.rooms,
        patients=a.patients,
        appointments=a.appointments,
        days_back=a.days_back,
        days_ahead=a.days_ahead,
    )
    made = make_demo(app.data_dir, clock=app.clock, sizes=sizes, timezone=a.timezone)
    app.emit(
        {
            "data_dir": str(app.data_dir),
            "patients": made.patients,
            "appointments": made.appointments,
            "user": DEMO_USER,
            "password": DEMO_PASSWORD,
            "passphrase": DEMO_PASSPHRASE,
        },
        f"Demo clinic in {app.data_dir}: {made.patients:,} patients, "
        f"{made.appointments:,} appointments.\nSign in as {DEMO_USER} / {DEMO_PASSWORD}; "
        f"unlock with the passphrase '{DEMO_PASSPHRASE}' if asked.",
    )
    return 0
