"""The patients' front ends stand on the operations (#12, item 1): the patient window,
search, quick find and the patient, document and commlog commands import neither
SQLAlchemy nor the models, open no transaction and touch no session. (The scoped part
of the rule ``tests/test_layers.py`` is to hold for all of ``ui/`` and the CLI.)"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from test_layers import ROOT, imported

FILES = sorted(
    [
        *(ROOT / "ui" / "patients").glob("*.py"),
        ROOT / "ui" / "quickfind.py",
        *(ROOT / "receptionist" / "cli" / f"{name}.py" for name in
          ("patientcmds", "documentcmds", "commlogcmds")),
    ]
)  # fmt: skip
TRANSACTIONS = ("read", "write", "raw")


def wrong_in(source: str, path: Path) -> list[str]:
    found = [
        f"{line}: imports {module}"
        for line, module in imported(path)
        if module.split(".")[0] == "sqlalchemy" or module.startswith("receptionist.models")
    ]
    for node in ast.walk(ast.parse(source)):
        call = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        if call and node.func.attr in TRANSACTIONS and not node.args:  # type: ignore[union-attr]
            found.append(f"{node.lineno}: opens a transaction (.{node.func.attr}())")  # type: ignore[union-attr]
        if isinstance(node, ast.Name | ast.Attribute) and "Session" in (
            getattr(node, "id", None),
            getattr(node, "attr", None),
        ):
            found.append(f"{node.lineno}: touches a Session")
    return found


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_front_end_calls_only_operations(path: Path) -> None:
    wrong = wrong_in(path.read_text("utf-8"), path)
    assert not wrong, f"{path.relative_to(ROOT)}: " + "; ".join(wrong)


def test_the_check_finds_what_it_looks_for(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from sqlalchemy import select\n"
        "from receptionist.models import Patient\n"
        "def f(db):\n"
        "    with db.write() as s:\n"
        "        return s\n"
        "def g(s: Session) -> None: ...\n",
        encoding="utf-8",
    )
    found = wrong_in(bad.read_text("utf-8"), bad)
    assert [f.split(":")[0] for f in found] == ["1", "2", "4", "6"]
