"""demo: generate a realistic demo clinic (sizes as options)."""

from __future__ import annotations

import argparse

from receptionist.cli.common import App, examples, whole_number
from receptionist.demo.clinic import (
    DEMO_PASSPHRASE,
    DEMO_PASSWORD,
    DEMO_TIMEZONE,
    DEMO_USER,
    make_demo,
)
from receptionist.demo.generate import Sizes

# Each size's range: up to the large benchmark clinic (demo.generate.LARGE).
RANGES = {
    "providers": (1, 50, 6),
    "rooms": (0, 50, 4),
    "patients": (1, 200_000, 1500),
    "appointments": (0, 2_000_000, 6000),
    "days-back": (0, 3650, 180),
    "days-ahead": (0, 366, 60),
}
WHAT = {
    "providers": "providers",
    "rooms": "rooms",
    "patients": "patients",
    "appointments": "appointments, spread over the days below",
    "days-back": "days of past appointments",
    "days-ahead": "days of future appointments",
}
ABOUT = f"""\
Create a clinic in a new or empty folder and fill it with generated people and
appointments (no real person's data), with a front desk at work today. Its secrets
are public: sign in as {DEMO_USER} / {DEMO_PASSWORD}, unlock with the passphrase
'{DEMO_PASSPHRASE}' if asked."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "demo",
        help="create a demo clinic with generated data",
        description=ABOUT,
        **examples(
            "receptionist demo --data-dir /tmp/demo",
            "receptionist demo --data-dir /tmp/big --patients 50000 --appointments 400000",
        ),
    )
    for option, (low, high, default) in RANGES.items():
        p.add_argument(
            f"--{option}",
            type=whole_number(low, high),
            default=default,
            help=f"{WHAT[option]}: {low} to {high} (default {default})",
        )
    p.add_argument("--timezone", default=DEMO_TIMEZONE, help=f"IANA name (default {DEMO_TIMEZONE})")
    p.set_defaults(func=cmd_demo)


def cmd_demo(app: App) -> int:
    a = app.args
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
