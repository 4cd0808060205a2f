"""The schedule's front ends (the booking dialog, the schedule window, the today board and
waitlist, the status menu, the screenshots, the CLI's appointment and waitlist
commands) go through ``receptionist.ops``: no SQLAlchemy, no models, no transaction
of their own. And the operations' messages are translatable ``Text``s."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from test_layers import ROOT, imported
from test_texts_more import plain_messages

FRONT_ENDS = (
    "ui/booking",
    "ui/schedule",
    "ui/today",
    "ui/statusops.py",
    "ui/screenshots.py",
    "receptionist/cli/appointmentcmds.py",
    "receptionist/cli/waitlistcmds.py",
)
OPERATIONS = (
    "receptionist/ops/appointments.py",
    "receptionist/ops/appointmentinfo.py",
    "receptionist/ops/agenda.py",
    "receptionist/ops/slots.py",
    "receptionist/ops/today.py",
    "receptionist/ops/waitlist.py",
    "receptionist/cli/appointmentcmds.py",
    "receptionist/cli/waitlistcmds.py",
)
TRANSACTIONS = {"read", "write", "raw"}


def files(names: tuple[str, ...]) -> list[Path]:
    found: list[Path] = []
    for name in names:
        path = ROOT / name
        found += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return found


def database_use(path: Path) -> list[str]:
    """What in ``path`` reaches below the operations: imports and ``.read()`` calls."""
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    wrong = [
        f"{shown}:{line} imports {module}"
        for line, module in imported(path)
        if module.split(".")[0] == "sqlalchemy" or module.startswith("receptionist.models")
    ]
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in TRANSACTIONS
            and not node.args
        ):
            wrong.append(f"{shown}:{node.lineno} calls .{node.func.attr}()")
    return wrong


def test_the_check_finds_a_front_end_that_opens_a_transaction(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from sqlalchemy import select\nfrom receptionist.models import Patient\n"
        "def f(db):\n    with db.read() as s:\n        return s\n",
        "utf-8",
    )
    assert [w.split(" ", 1)[1] for w in database_use(bad)] == [
        "imports sqlalchemy",
        "imports receptionist.models",
        "calls .read()",
    ]


@pytest.mark.parametrize("path", files(FRONT_ENDS), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_schedules_front_ends_call_operations_only(path: Path) -> None:
    assert database_use(path) == []


@pytest.mark.parametrize("path", files(OPERATIONS), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_plain_string_messages_in(path: Path) -> None:
    lines = list(plain_messages(path.read_text("utf-8")))
    assert lines == [], f"{path.name}: plain-string messages on lines {lines}; use Text"
