"""The upkeep commands' front end calls operations and nothing lower (issue #12, item
1): no SQLAlchemy, no models, no transaction of its own. Scoped to the CLI modules of
this branch; ``tests/test_layers.py`` will hold all of ``ui/`` and the CLI to it."""

from __future__ import annotations

import ast
from collections.abc import Collection
from pathlib import Path

import pytest

CLI = Path(__file__).resolve().parent.parent / "receptionist" / "cli"
FILES = ("common.py", "democmd.py", "main.py", "setupcmds.py")
# The staff-account commands, moving to cli/staffcmds.py on another branch; until the
# merge they are the only part of setupcmds.py allowed to query.
MOVING = {"cmd_user_add", "cmd_user_list"}
LOWER = ("sqlalchemy", "receptionist.models")
TRANSACTIONS = {"read", "write", "raw", "session"}


def queries(source: str, allowed: Collection[str] = ()) -> list[str]:
    """What in ``source`` reaches below the operations, outside the functions
    ``allowed``: a use of a name imported from SQLAlchemy or the models, or a call of
    ``.read()``, ``.write()``, ``.raw()`` or ``.session()``."""
    tree = ast.parse(source)
    lower: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(LOWER):
            lower.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            lower.update(
                (alias.asname or alias.name).split(".")[0]
                for alias in node.names
                if alias.name.startswith(LOWER)
            )
    skipped = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name in allowed
        for inner in ast.walk(node)
    }
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Name) and node.id in lower:
            found.append((node.lineno, f"uses {node.id}"))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in TRANSACTIONS
        ):
            found.append((node.lineno, f"calls .{node.func.attr}()"))
    return [f"line {line}: {what}" for line, what in sorted(found)]


@pytest.mark.parametrize("name", FILES)
def test_the_upkeep_commands_call_operations_only(name: str) -> None:
    source = (CLI / name).read_text("utf-8")
    assert queries(source, MOVING if name == "setupcmds.py" else ()) == []


def test_the_scan_finds_a_query() -> None:
    source = """
from sqlalchemy import select
from receptionist.models import StaffUser

def cmd_list(app):
    with app.database() as db, db.read() as s:
        return s.scalars(select(StaffUser)).all()

def cmd_user_list(app):
    with db.write() as s:
        s.execute(select(StaffUser))
"""
    assert queries(source, {"cmd_user_list"}) == [
        "line 6: calls .read()",
        "line 7: uses StaffUser",
        "line 7: uses select",
    ]
