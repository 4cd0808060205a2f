"""The core's rooms and the direction of imports between them (docs/architecture.md).

Each package of ``receptionist/`` says in its docstring what it may import; this test
holds the code to it, and keeps Qt and network code out of the core altogether.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "receptionist"

# The kernel: small modules at the top of the core that every room may import.
KERNEL = {
    "clock", "context", "errors", "events", "folding", "freetext", "hosts", "logs", "roles",
    "safelog", "texts", "zones",
}  # fmt: skip
BASE = {"kernel", "models"}
# room -> the rooms it may import (besides itself).
MAY_IMPORT: dict[str, set[str]] = {
    "kernel": set(),
    "models": {"kernel"},
    "store": BASE,
    "journal": BASE | {"store"},
    "settings": BASE | {"store", "journal"},
    "staff": BASE | {"store", "journal"},
    "privacy": BASE | {"store", "journal"},
    "patients": BASE | {"store", "journal", "privacy", "settings"},
    "schedule": BASE | {"store", "journal", "staff", "patients", "privacy", "settings"},
    "replica": BASE | {"store", "journal", "settings", "staff", "privacy", "patients", "schedule"},
    "reminders": BASE
    | {"store", "journal", "settings", "staff", "privacy", "patients", "schedule"},
    "retention": BASE | {"store", "journal", "settings", "patients"},
    "ops": BASE
    | {"store", "journal", "settings", "staff", "privacy", "patients", "schedule", "replica"}
    | {"reminders", "retention"},
    "jobs": BASE
    | {"store", "journal", "settings", "staff", "privacy", "patients", "schedule", "replica"}
    | {"retention", "ops", "reminders"},
    "demo": BASE
    | {"store", "journal", "settings", "staff", "privacy", "patients", "schedule", "ops"},
    "google": BASE
    | {"store", "journal", "settings", "staff", "privacy", "patients", "schedule", "ops"},
    "cli": BASE
    | {"store", "journal", "settings", "staff", "privacy", "patients", "schedule", "replica"}
    | {"ops", "demo", "reminders", "jobs", "retention"},
}
# Never in the core: the GUI toolkit and network clients belong to ui/ and sync/.
FORBIDDEN = (
    "PySide6", "shiboken6", "socket", "http", "urllib", "requests", "httpx", "ssl", "smtplib",
    "googleapiclient", "google", "httplib2", "uvicorn", "fastapi", "starlette",
)  # fmt: skip


def room_of(path: Path) -> str:
    parts = path.relative_to(CORE).parts
    return "kernel" if len(parts) == 1 else parts[0]


def imported(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in ``path``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = list(path.relative_to(ROOT).with_suffix("").parts[: -node.level])
                base = ".".join(package + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base in ("receptionist", "receptionist.") or base == "receptionist":
                found += [(node.lineno, f"receptionist.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, base))
    return found


def target_room(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "receptionist" or len(parts) == 1:
        return None
    return "kernel" if parts[1] in KERNEL or parts[1] == "__version__" else parts[1]


def test_every_room_is_known_and_says_what_it_may_import() -> None:
    rooms = {p.name for p in CORE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert rooms <= set(MAY_IMPORT), f"a new room needs its rule here: {rooms - set(MAY_IMPORT)}"
    for name in rooms:
        doc = ast.get_docstring(ast.parse((CORE / name / "__init__.py").read_text("utf-8")))
        assert doc, f"receptionist/{name}/__init__.py needs a docstring: what it holds"
    kernel = {p.stem for p in CORE.glob("*.py")} - {"__init__"}
    assert kernel == KERNEL, "a module at the top of the core is part of the kernel"


def test_imports_point_only_to_the_rooms_allowed() -> None:
    wrong = []
    for path in sorted(CORE.rglob("*.py")):
        here = room_of(path)
        for line, module in imported(path):
            there = target_room(module)
            if there is not None and there != here and there not in MAY_IMPORT[here]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} ({here}) imports {module}")
    assert not wrong, "\n".join(wrong)


def test_the_core_imports_no_qt_and_no_network() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted(CORE.rglob("*.py"))
        for line, module in imported(path)
        if module.split(".")[0] in FORBIDDEN
    ]
    assert not wrong, "\n".join(wrong)


def test_ui_and_sync_are_not_imported_by_the_core() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted(CORE.rglob("*.py"))
        for line, module in imported(path)
        if module.split(".")[0] in ("ui", "sync")
    ]
    assert not wrong, "\n".join(wrong)


FRONT_ENDS = [ROOT / "ui", CORE / "cli", ROOT / "sync"]
SERVER = ROOT / "sync" / "server"  # the endpoint: its own database, not a front end
TRANSACTIONS = {"read", "write", "raw"}


def front_end_files() -> list[Path]:
    return [
        path
        for folder in FRONT_ENDS
        for path in sorted(folder.rglob("*.py"))
        if SERVER not in path.parents
    ]


def test_front_ends_call_operations_and_nothing_lower() -> None:
    """The app, the CLI and sync open no transaction and build no query of their own:
    they call receptionist.ops, which owns each transaction (docs/architecture.md)."""
    wrong = []
    for path in front_end_files():
        tree = ast.parse(path.read_text("utf-8"))
        for line, module in imported(path):
            if module.split(".")[0] == "sqlalchemy" or module.startswith("receptionist.models"):
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
        for node in ast.walk(tree):
            if isinstance(node, ast.With | ast.AsyncWith):
                for item in node.items:
                    call = item.context_expr
                    if (
                        isinstance(call, ast.Call)
                        and isinstance(call.func, ast.Attribute)
                        and call.func.attr in TRANSACTIONS
                        and not call.args
                    ):
                        wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} opens a transaction")
    assert not wrong, "\n".join(wrong)
