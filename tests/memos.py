"""Answers the code under test works out again and again from things no test changes,
worked out once (see the ``memos`` fixture in conftest.py).

- Alembic's reading of a folder of migration scripts (``ScriptDirectory.from_config``).
  Each open of a clinic or of an endpoint's database asks for the newest revision, and
  each step of an upgrade makes a new ``ScriptDirectory``; each one loads and compiles
  every script in the folder: sixteen scripts for each of sixteen steps when a clinic is
  made (0.27 s of the 0.48 s of CPU a ``vault.create`` took), 17 ms for each open. The
  scripts are the package's own files, which no test changes; what is kept is the
  parsed folder (the revision map and the scripts' modules), never a database's state.
  Every upgrade still runs every step, in its own transaction, on its own connection.
- The CLI's parser. Every ``main()`` builds the whole command line afresh (about 20 ms:
  a few hundred ``add_argument`` calls); a program run does it once, a test that feeds
  the CLI a dozen command lines did it a dozen times. A parser built is kept for the
  rest of the one test it was built in (and for the module fixtures set up after it),
  never across tests: each test's first command line is parsed by a parser built under
  that test's own patches, exactly as before. Parsing does not change a parser; a
  command that changed its own (a list default extended in place: ``patient update
  --from-json`` did) would have reached the test's next lines, so before a kept parser
  is given out again its options and defaults are checked against what they were when
  built, and a changed one is built afresh.
- httpx's TLS context for the default certificate authorities. Every ``httpx.Client``
  (every test's own, the reminder channels') loads certifi's bundle into a new
  ``SSLContext`` (about 25 ms of CPU), even for a plain ``http://`` endpoint. (The sync
  round's client keeps its context itself: ``sync.client.tls_context``.) The bundle does
  not change during a run, and one context may serve many connections. A context for a
  CA file a test made (``verify=PATH``), or with a client certificate, is still made
  afresh each time.
"""

from __future__ import annotations

import argparse
import os
import ssl
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import httpx._transports.default as httpx_transports
import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from receptionist.cli import main as cli_main

Build = Callable[..., argparse.ArgumentParser]
Key = tuple[tuple[Any, ...], str | None]


class ParserMemo:
    """``build_parser`` as the CLI calls it, each parser kept (for each set of extra
    modules and command) until :meth:`forget`, or until it is found changed."""

    def __init__(self, build: Build) -> None:
        self.build = build
        self.parsers: dict[Key, tuple[argparse.ArgumentParser, list[object]]] = {}
        self.built = 0
        self.changed = 0  # kept parsers found changed (and built again)

    def __call__(
        self, extra: Sequence[Any] = (), command: str | None = None
    ) -> argparse.ArgumentParser:
        key = (tuple(extra), command)
        if key in self.parsers:
            parser, built = self.parsers[key]
            if shape(parser) == built:
                return parser
            self.changed += 1
        parser = self.build(extra, command)
        self.parsers[key] = (parser, shape(parser))
        self.built += 1
        return parser

    def forget(self) -> None:
        self.parsers.clear()


def shape(parser: argparse.ArgumentParser) -> list[object]:
    """Every option of ``parser`` and of its commands, with its default and choices
    (as text: a list default extended in place shows)."""
    found: list[object] = [parser.prog, repr(sorted(parser._defaults.items(), key=str))]
    for action in parser._actions:
        choices = action.choices
        found.append(
            (type(action).__name__, action.option_strings, action.dest, repr(action.default),
             None if isinstance(choices, dict) else repr(choices), action.required, action.nargs)
        )  # fmt: skip
        if isinstance(action, argparse._SubParsersAction):
            found.extend((name, shape(child)) for name, child in action.choices.items())
    return found


class ScriptsMemo:
    """``ScriptDirectory.from_config``, one folder read once for each set of options."""

    def __init__(self) -> None:
        self.real = ScriptDirectory.from_config.__func__  # type: ignore[attr-defined]
        self.folders: dict[tuple[tuple[str, str], ...], ScriptDirectory] = {}
        self.read = 0

    def __call__(self, cls: type[ScriptDirectory], config: Config) -> ScriptDirectory:
        section = config.config_ini_section
        key = tuple(sorted(config.file_config.items(section)))
        if key not in self.folders:
            self.folders[key] = self.real(cls, config)
            self.read += 1
        return self.folders[key]


class TlsMemo:
    """httpx's ``create_ssl_context``, its context for the default authorities kept."""

    def __init__(self, real: Callable[..., ssl.SSLContext]) -> None:
        self.real = real
        self.contexts: dict[tuple[str | None, str | None], ssl.SSLContext] = {}

    def __call__(
        self, verify: Any = True, cert: Any = None, trust_env: bool = True
    ) -> ssl.SSLContext:
        if verify is not True or cert is not None:
            return self.real(verify=verify, cert=cert, trust_env=trust_env)
        env = os.environ if trust_env else {}
        key = (env.get("SSL_CERT_FILE"), env.get("SSL_CERT_DIR"))
        if key not in self.contexts:
            self.contexts[key] = self.real(verify=verify, cert=cert, trust_env=trust_env)
        return self.contexts[key]


@contextmanager
def memoised(patch: pytest.MonkeyPatch) -> Iterator[ParserMemo]:
    """The memos in place for as long as ``patch`` holds; the parser memo, to clear
    between tests."""
    patch.setattr(ScriptDirectory, "from_config", classmethod(ScriptsMemo()))
    tls = TlsMemo(httpx_transports.create_ssl_context)
    patch.setattr(httpx_transports, "create_ssl_context", tls)
    memo = ParserMemo(cli_main.build_parser)
    patch.setattr(cli_main, "build_parser", memo)
    yield memo
