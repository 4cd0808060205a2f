"""The test folders hold no packages (no ``__init__.py``): pytest puts each folder on
``sys.path`` and imports its modules by their bare names, so any folders given
together (``pytest tests/google tests/sync``) must not hold two modules of one name,
and no test may import ``conftest`` by name: which folder's that is depends on what
pytest loaded last (#14: tests/google's tests took tests/sync's)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parent
BY_NAME = re.compile(r"^\s*(from\s+conftest\s+import|import\s+conftest\b)", re.MULTILINE)


def test_no_two_test_modules_share_a_name_and_none_imports_conftest() -> None:
    modules = [p for p in TESTS.rglob("*.py") if "__pycache__" not in p.parts]
    assert len(modules) > 100
    names = Counter(p.name for p in modules if p.name != "conftest.py")
    assert [n for n, k in names.items() if k > 1] == []
    importing = [p.relative_to(TESTS) for p in modules if BY_NAME.search(p.read_text("utf-8"))]
    assert importing == []
    assert not list(TESTS.rglob("__init__.py"))
