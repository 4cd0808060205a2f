"""The administrator's front ends stand on the operations only: no module of the
settings dialog, the start-up, or the CLI's admin commands imports SQLAlchemy or the
models, or opens a transaction of its own (#12: ``receptionist.ops`` owns them)."""

from __future__ import annotations

import ast
from pathlib import Path

from test_layers import ROOT, imported

FILES = sorted(
    [
        *(ROOT / "ui" / "settings").glob("*.py"),
        *(ROOT / "ui" / "wizard").glob("*.py"),
        ROOT / "ui" / "startup.py",
        ROOT / "ui" / "launch.py",
        ROOT / "ui" / "idle.py",
        *(
            ROOT / "receptionist" / "cli" / f"{name}.py"
            for name in ("catalogcmds", "settingscmds", "staffcmds", "timeoffcmds")
        ),
    ]
)
TRANSACTIONS = {"read", "write", "raw"}


def offences(path: Path) -> list[str]:
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    found = [
        f"{name}:{line} imports {module}"
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
            found.append(f"{name}:{node.lineno} calls .{node.func.attr}()")
    return found


def test_the_admin_front_ends_call_operations_only() -> None:
    assert len(FILES) > 15
    wrong = [offence for path in FILES for offence in offences(path)]
    assert not wrong, "\n".join(wrong)


def test_the_scan_finds_a_transaction(tmp_path: Path) -> None:
    bad = tmp_path / "probe.py"
    bad.write_text("from sqlalchemy import select\nwith db.write() as s:\n    pass\n", "utf-8")
    assert len(offences(bad)) == 2
