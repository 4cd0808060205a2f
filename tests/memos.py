"""Answers the code under test works out again and again from things no test changes,
worked out once (see the ``memos`` fixture in conftest.py).

- The newest schema revision, the clinic's and the endpoint's. Each open of a clinic
  file (every CLI command, every ``open_clinic``) and of an endpoint's database asks
  for it, and Alembic answers by loading every migration script shipped in the package
  (about 17 ms of CPU a time, thousands of times a run). The scripts are the package's
  own files: the answer cannot change while the tests run. Upgrades themselves still
  load and run the scripts.
- The CLI's parser. Every ``main()`` builds the whole command line afresh (about 20 ms:
  a few hundred ``add_argument`` calls); a program run does it once, a test that feeds
  the CLI a dozen command lines did it a dozen times. A parser built is kept for the
  rest of the one test it was built in (and for the module fixtures set up after it),
  never across tests: each test's first command line is parsed by a parser built under
  that test's own patches, exactly as before. Parsing does not change a parser.
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest

from receptionist.cli import main as cli_main
from receptionist.store import migrate
from sync.server import migrate as server_migrate

Build = Callable[..., argparse.ArgumentParser]


class ParserMemo:
    """``build_parser`` as the CLI calls it, each parser kept until :meth:`forget`."""

    def __init__(self, build: Build) -> None:
        self.build = build
        self.parsers: dict[tuple[Any, ...], argparse.ArgumentParser] = {}
        self.built = 0

    def __call__(self, extra: Sequence[Any] = ()) -> argparse.ArgumentParser:
        key = tuple(extra)
        if key not in self.parsers:
            self.parsers[key] = self.build(extra)
            self.built += 1
        return self.parsers[key]

    def forget(self) -> None:
        self.parsers.clear()


@contextmanager
def memoised(patch: pytest.MonkeyPatch) -> Iterator[ParserMemo]:
    """The two memos in place for as long as ``patch`` holds; the parser memo, to clear
    between tests."""
    for module in (migrate, server_migrate):
        patch.setattr(module, "head_revision", functools.cache(module.head_revision))
    memo = ParserMemo(cli_main.build_parser)
    patch.setattr(cli_main, "build_parser", memo)
    yield memo
