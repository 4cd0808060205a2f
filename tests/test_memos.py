"""The tests' memos (memos.py) answer exactly what the real calls answer, and keep only
what they say they keep."""

from __future__ import annotations

from pathlib import Path

import httpx
from alembic.script import ScriptDirectory
from memos import ParserMemo, ScriptsMemo, TlsMemo

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


def test_only_the_default_authorities_context_is_kept() -> None:
    memo = TlsMemo(httpx._config.create_ssl_context)
    assert memo() is memo(), "the default bundle, loaded once"
    assert memo(verify=False) is not memo(verify=False), "anything else, made each time"
