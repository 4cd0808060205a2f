"""Shared fixtures: an encrypted clinic per test, an in-memory keychain, a clock.

Each test's clinic is a copy of one made once per session (see templates.py): the same
files and keychain entry ``vault.create`` would have made, at a fraction of the cost.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from factories import CLOCK_START, actor_ctx
from leaks import FrozenHeap, let_go_of_compiled_statements
from memos import ParserMemo, memoised
from templates import (
    FAST_KDF,
    MemoryKeyring,
    Template,
    cli_env_for,
    fast_crypto,
    make_template,
    touched_templates,
)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.store.storage import Database
from receptionist.store.vault import Created, create, open_clinic

__all__ = ["FAST_KDF", "MemoryKeyring"]  # as before, for any test that takes them from here
pytest_plugins = ["watchdog"]
PASSPHRASE = "correct horse battery"
FROZEN = FrozenHeap()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "qtbot" in getattr(item, "fixturenames", ()) or "/ui/" in str(item.fspath):
            item.add_marker(pytest.mark.gui)
    slow_first(items)


def slow_first(items: list[pytest.Item]) -> None:
    """The files that hold a ``slow`` test run first, each file's tests still together and
    in order (module fixtures are made once). Collected in path order, the slowest (the
    stateful sync test, the benchmark and kill tests) came near the end, and one xdist
    worker sat idle for the last of them: 70 s of a 33-minute run on the shared machine."""
    slow = {item.path for item in items if item.get_closest_marker("slow") is not None}
    items.sort(key=lambda item: item.path not in slow)  # stable: same order on every worker


@pytest.fixture(autouse=True, scope="session")
def log_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The CLI's and the app's log files go here, never into the home folder."""
    with pytest.MonkeyPatch.context() as patch:
        folder = tmp_path_factory.mktemp("logs")
        patch.setenv("RECEPTIONIST_LOG_DIR", str(folder))
        yield folder


@pytest.fixture(autouse=True)
def config_folder(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """This PC's preferences and token book (``settings.pcstore``, ``tokenbook``) go to a
    folder of each test's own, never the home folder's, made only when written."""
    folder = tmp_path_factory.getbasetemp() / "config" / str(next(_CONFIGS))
    monkeypatch.setenv("RECEPTIONIST_CONFIG_DIR", str(folder))
    return folder


_CONFIGS = itertools.count()


@pytest.fixture(autouse=True, scope="session")
def templates_stay_untouched() -> Iterator[None]:
    """Each test works on its own copy of a template, never on the template itself."""
    yield
    assert not touched_templates(), f"tests wrote into templates: {touched_templates()}"


@pytest.fixture(autouse=True, scope="session")
def memos() -> Iterator[ParserMemo]:
    """The newest schema revisions and the CLI's parser, worked out once (memos.py)."""
    with pytest.MonkeyPatch.context() as patch, memoised(patch) as memo:
        yield memo


@pytest.fixture(autouse=True)
def fresh_parser(memos: ParserMemo) -> Iterator[None]:
    """Each test's command lines are parsed by a parser built in that test."""
    memos.forget()
    yield
    memos.forget()


@pytest.fixture(autouse=True)
def orm_caches_let_go() -> Iterator[None]:
    """Each test's clinics are freed when it ends, not kept to the end of the run
    (leaks.py)."""
    yield
    let_go_of_compiled_statements()


@pytest.fixture(autouse=True)
def frozen_heap() -> None:
    """The heap alive when a test starts is kept out of the cycle collector's passes
    (leaks.FrozenHeap)."""
    FROZEN.before_test()


@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    fast_crypto(monkeypatch)
    monkeypatch.delenv("RECEPTIONIST_PASSPHRASE", raising=False)
    monkeypatch.delenv("RECEPTIONIST_PASSPHRASE_FILE", raising=False)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(CLOCK_START)


@pytest.fixture(scope="session")
def clinic_template(tmp_path_factory: pytest.TempPathFactory) -> Template[Created]:
    """A new clinic as ``vault.create(root, passphrase=...)`` makes it, made once."""
    root = tmp_path_factory.mktemp("template") / "clinic"
    return make_template(root, lambda r: create(r, passphrase=PASSPHRASE))


@pytest.fixture(scope="session")
def pc_installs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Template[Created]]:
    """For each of three PCs ("A", "B", "C"), a new clinic as ``vault.create(root,
    passphrase=...)`` makes it, each with its own clinic id and key, made once; the
    tests of PCs that exchange records copy one for each PC (``Template.copy_to``)."""
    return {
        code: make_template(
            tmp_path_factory.mktemp(f"pc-{code}") / "clinic",
            lambda root: create(root, passphrase=PASSPHRASE),
        )
        for code in "ABC"
    }


@pytest.fixture
def data_dir(tmp_path: Path, clinic_template: Template[Created]) -> Path:
    """This test's own new clinic (a copy of :func:`clinic_template`): its key is in the
    keychain and the admin passphrase is "correct horse battery"."""
    root = tmp_path / "clinic"
    clinic_template.copy_to(root)
    return root


@pytest.fixture
def db(data_dir: Path) -> Iterator[Database]:
    database = open_clinic(data_dir)
    yield database
    database.close()


@pytest.fixture
def ctx(clock: FixedClock) -> Ctx:
    return actor_ctx("admin", clock, source="cli")


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A data folder for CLI tests, chosen and unlocked through the environment."""
    root = tmp_path / "clinic"
    for name, value in cli_env_for(root).items():
        monkeypatch.setenv(name, value)
    return root
