"""A command line builds the parsers of its own command only (``cli.main._parse``), and
says and does what the whole command line would have: the same values parsed, the same
refusals, the same help. So does the installed ``receptionist`` (``sync/cli.py``), whose
network commands are named in the same owner map and imported only when needed."""

from __future__ import annotations

import argparse
import re
from typing import Any

import pytest
from memos import shape

from receptionist.cli import main as cli_main
from receptionist.cli.main import MODULES, OWNERS, build_parser, main
from sync import cli as sync_cli
from sync.cli import NETWORK

Capture = pytest.CaptureFixture[str]

GOOD = [
    ["patient", "add", "--given-name", "Ayşe", "--family-name", "Yılmaz"],
    ["--data-dir", "/tmp/x", "--user", "appointment", "appointment", "list"],
    ["--user=admin", "--verbose", "settings", "get", "schedule.slot_minutes"],
    ["--data-dir=/tmp/x", "slots", "--provider", "aksoy", "--service", "check",
     "--from", "2030-03-04T09:00"],
    ["provider", "list", "--all", "--data-dir", "/tmp/y"],
    ["init", "--clinic-name", "Moda", "--timezone", "Europe/Istanbul", "--region", "TR",
     "--admin-user", "admin"],
]  # fmt: skip
BAD = [
    [],
    ["patinet", "add"],
    ["patient"],
    ["patient", "add", "--given-nam", "A"],
    ["patient", "add", "--given-name", "A", "extra", "words"],
    ["--data", "/tmp/x", "patient", "search", "zz"],
    ["--user"],
    ["--bogus", "room", "list"],
    ["room", "list", "--bogus"],
    ["appointment", "book", "--patient", "A-1"],
]


def test_each_command_s_owner_registers_it_and_no_other() -> None:
    for module in MODULES:
        sub = argparse.ArgumentParser().add_subparsers()
        module.register(sub)
        assert set(sub.choices) == {c for c, m in OWNERS.items() if m is module}, module


def test_a_command_named_first_builds_its_own_parsers_only() -> None:
    for line, commands in ((["patient", "search", "zz"], {"patient"}),
                           (["--data-dir", "d", "--user=x", "room", "list"],
                            {"provider", "room", "service"})):  # fmt: skip
        parser, _ = _parsed(line)
        assert set(_choices(parser)) == commands
    parser, _ = _parsed(["--data-dir", "d", "room", "list", "surplus"], whole=False)
    assert set(_choices(parser)) == set(OWNERS), "the top level's refusal: the whole tree's"


@pytest.mark.parametrize("line", GOOD)
def test_the_values_parsed_are_the_whole_command_line_s(line: list[str]) -> None:
    _, own = _parsed(line)
    whole = build_parser().parse_args(line)
    assert _values(own) == _values(whole)


@pytest.mark.parametrize("line", [*BAD, *([*g, "--help"] for g in GOOD), ["--help"]])
def test_what_is_said_and_the_exit_are_the_whole_command_line_s(
    line: list[str], capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    said = _said(line, capsys)
    monkeypatch.setattr(cli_main, "OWNERS", {})  # no command is known: the whole tree
    assert _said(line, capsys) == said


def test_each_command_built_alone_is_the_one_in_the_whole_tree() -> None:
    """The core's commands and the network's (those a network module extends too:
    ``sync --google``, ``reminders dispatch``): built by the modules the owner map
    names for it, each command is the whole tree's, every option, default and help."""
    whole = _choices(build_parser(NETWORK))
    assert set(whole) == {*OWNERS, *(command for m in NETWORK for command in m.adds)}
    for command, parser in whole.items():
        alone = _choices(build_parser(NETWORK, command))
        assert _drawn(alone[command]) == _drawn(parser), command
    assert set(_choices(build_parser(NETWORK, "patient"))) == {"patient"}, "no network's"


NETWORK_LINES = [
    ["syncc"], ["cloud"], ["cloud", "invte"], ["sync", "--gogle"], ["sync", "status", "x"],
    ["reminders", "dispatch", "--bogs"], ["google", "map"], ["scheduler", "--oce"],
    ["join", "--server", "x"], ["--data-dir", "d", "server", "add-clinic", "--help"],
    ["sync", "--help"], ["reminders", "--help"], ["reminders", "status", "--help"],
    ["google", "decide", "--help"], ["jobs", "run", "--help"], ["--help"],
]  # fmt: skip


def test_the_installed_command_says_and_exits_as_its_whole_tree(
    capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One test for every line: the whole tree is built once (the memo keeps it)."""
    said = [_said(line, capsys, sync_cli.main) for line in NETWORK_LINES]
    monkeypatch.setattr(cli_main, "_known", lambda extra: set())  # the whole tree
    for line, own in zip(NETWORK_LINES, said, strict=True):
        assert _said(line, capsys, sync_cli.main) == own, line


def _drawn(parser: argparse.ArgumentParser) -> list[str]:
    """A parser and the commands under it: their options, defaults and choices (no
    object's address: ``sync --google`` makes its function at each build), the module
    of the function run (``reminders status``: the network's), and help."""
    func = getattr(parser.get_default("func"), "__module__", None)
    found = [re.sub(r" at 0x[0-9a-f]+", "", repr(shape(parser))), str(func), parser.format_help()]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found += [text for child in action.choices.values() for text in _drawn(child)]
    return found


def _parsed(
    line: list[str], whole: bool = True
) -> tuple[argparse.ArgumentParser, argparse.Namespace | None]:
    try:
        return cli_main._parse(line, ())
    except cli_main.BadArguments as bad:
        assert not whole, bad.message
        assert bad.parser.prog == "receptionist", bad.message  # the top level refused
        return bad.parser, None


def _choices(parser: argparse.ArgumentParser) -> dict[str, Any]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _values(args: argparse.Namespace | None) -> dict[str, object]:
    assert args is not None
    values = dict(vars(args))
    func = values.pop("func", None)
    values["func"] = getattr(func, "__qualname__", None)  # a lambda is made at each build
    return values


def _said(line: list[str], capsys: Capture, run: Any = main) -> tuple[object, str, str]:
    capsys.readouterr()
    try:
        code: object = run(line)
    except SystemExit as exit_:
        code = ("exit", exit_.code)
    out, err = capsys.readouterr()
    return code, out, err
