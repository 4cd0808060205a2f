"""The tests' memos (memos.py) answer exactly what the real calls answer, and keep only
what they say they keep."""

from __future__ import annotations

import contextlib
from pathlib import Path

import httpx
import pytest
from alembic.script import ScriptDirectory
from memos import ParserMemo, ScriptsMemo, TlsMemo, shape

from receptionist.cli import main as cli_main
from receptionist.store import migrate
from sync.cli import NETWORK
from sync.server import migrate as server_migrate


def test_a_folder_of_scripts_read_once_is_the_folder_as_read_afresh() -> None:
    memo = ScriptsMemo()
    for module in (migrate, server_migrate):
        fresh = memo.real(ScriptDirectory, module._config())
        kept = ScriptDirectory.from_config(module._config())
        assert kept is ScriptDirectory.from_config(module._config()), "read once"
        assert [r.revision for r in kept.walk_revisions()] == [
            r.revision for r in fresh.walk_revisions()
        ]
        assert module.head_revision() == fresh.get_current_head()


def test_another_folder_is_read_on_its_own(tmp_path: Path) -> None:
    memo = ScriptsMemo()
    cfg = migrate._config()
    first = memo(ScriptDirectory, cfg)
    cfg.set_main_option("script_location", str(tmp_path))
    assert memo(ScriptDirectory, cfg) is not first
    assert memo(ScriptDirectory, migrate._config()) is first
    assert memo.read == 2


def test_the_cli_parser_is_kept_within_a_test_and_built_again_after() -> None:
    assert isinstance(cli_main.build_parser, ParserMemo), "conftest's memos are in place"
    memo = ParserMemo(cli_main.build_parser.build)
    first = memo()
    assert memo() is first and memo.built == 1
    network = memo(extra=NETWORK)
    assert network is not first, "each set of extra commands has its own parser"
    memo.forget()
    assert memo() is not first and memo.built == 3
    assert memo(command="patient") is memo(command="patient") and memo.built == 4


LINES = [
    ["--json", "patient", "add", "--given-name", "A", "--family-name", "B", "--consent", "sms",
     "--consent", "email"],
    ["appointment", "book", "--patient", "A-1", "--provider", "x", "--service", "y",
     "--start", "2030-03-04T09:00", "--override", "why"],
    ["conflicts", "resolve", "abc", "--field", "phone=mine", "--field", "notes=theirs"],
    ["settings", "set", "clinic.name", "X", "--data-dir", "/elsewhere", "--user", "u"],
    ["provider", "update", "aksoy", "--nmae", "X"], ["appointment", "book"], ["nothing"],
    ["patient", "list", "--help"],
]  # fmt: skip


def test_a_kept_parser_is_the_same_after_what_it_parsed(capsys: pytest.CaptureFixture[str]) -> None:
    """Parsing changes no parser: what a kept parser parses leaves every option,
    default and choice of every command as built."""
    memo = ParserMemo(cli_main.build_parser.build)
    kept = memo(extra=NETWORK)
    before = shape(kept)
    for line in LINES * 2:
        with contextlib.suppress(cli_main.BadArguments, SystemExit):
            kept.parse_args(line)
    capsys.readouterr()
    assert shape(kept) == before and memo(extra=NETWORK) is kept


def test_a_parser_a_command_changed_is_built_again() -> None:
    """``patient update --from-json`` extended the list it was given, the parser's own
    default when no --consent was typed: the next line had that consent given."""
    memo = ParserMemo(cli_main.build_parser.build)
    kept = memo(command="patient")
    args = kept.parse_args(["patient", "update", "A-1", "--from-json", "-"])
    args.consent.append("sms")  # as a command that changes what it was given would
    again = memo(command="patient")
    assert again is not kept and memo.changed == 1
    assert again.parse_args(["patient", "update", "A-1"]).consent == []


def test_only_the_default_authorities_context_is_kept() -> None:
    memo = TlsMemo(httpx._config.create_ssl_context)
    assert memo() is memo(), "the default bundle, loaded once"
    assert memo(verify=False) is not memo(verify=False), "anything else, made each time"
