"""Every command's help is enough to use it (issue #12, item 2): each option says what
it is for, ``--json`` is listed, the help ends with an example to copy; and the README
names every environment variable a command may read."""

from __future__ import annotations

import argparse
import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from receptionist.cli.main import ENVIRONMENT, build_parser
from receptionist.patients import dates
from sync.cli import NETWORK

ROOT = Path(__file__).resolve().parent.parent
# The leaf commands of this branch. Those of other branches (staff, catalogue, patients,
# appointments) get their help there; until the merge they are marked as expected to
# fail here. After the merge, the lead deletes OWNED_ELSEWHERE, and every leaf, new
# ones included, is held to the rule.
TODAY = {
    "init", "check", "compact", "rekey", "passphrase", "audit verify", "audit anchor", "demo",
    "user add", "user list", "provider add", "provider list", "room add", "room list",
    "service add", "service list", "patient add", "patient search", "patient show",
    "appointment book", "appointment list", "appointment cancel", "appointment status",
    "slots", "conflicts list", "conflicts resolve",
    "reminders list", "channels set email", "channels set sms", "channels set whatsapp",
}  # fmt: skip
OWNED_ELSEWHERE: set[str] = set()


def leaves(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """(name, parser) of every command that takes no further command."""
    choosers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not choosers:
        yield " ".join(path), parser
    for chooser in choosers:
        for name, command in chooser.choices.items():
            yield from leaves(command, (*path, name))


LEAVES = dict(leaves(build_parser()))


def test_the_walk_finds_every_command_of_today() -> None:
    assert set(LEAVES) >= TODAY
    assert "audit" not in LEAVES and "user" not in LEAVES, "groups are not leaves"


def _marked(name: str) -> object:
    if name not in OWNED_ELSEWHERE:
        return name
    return pytest.param(
        name, marks=pytest.mark.xfail(reason="its help is written on another branch")
    )


def unhelped(parser: argparse.ArgumentParser) -> list[str]:
    """The options and arguments of ``parser`` that say nothing of what they are for."""
    return [
        "/".join(action.option_strings) or action.dest
        for action in parser._actions
        if not action.help or action.help == argparse.SUPPRESS or not action.help.strip()
    ]


def example_lines(parser: argparse.ArgumentParser) -> list[str]:
    """The lines of the help's closing "examples:" part."""
    epilog = parser.epilog or ""
    if "examples:" not in epilog:
        return []
    shown = epilog.split("examples:", 1)[1].splitlines()
    return [line.strip() for line in shown if line.strip()]


@pytest.mark.parametrize("name", [_marked(n) for n in sorted(LEAVES)])
def test_every_option_has_help_and_the_help_ends_with_examples(name: str) -> None:
    held_to_the_rule(name, LEAVES[name])


# The network's Google commands (sync/googlecmds.py) and the `sync` they extend.
GOOGLE_LEAVES = {
    name: parser
    for name, parser in leaves(build_parser(NETWORK))
    if name.startswith("google ") or name == "sync"
}


def test_the_google_commands_are_there() -> None:
    wanted = {"google connect", "google map", "google status", "google decide", "google sync"}
    assert wanted | {"sync"} <= set(GOOGLE_LEAVES)
    assert "--google" in GOOGLE_LEAVES["sync"].format_help()


@pytest.mark.parametrize("name", sorted(GOOGLE_LEAVES))
def test_the_google_commands_help_likewise(name: str) -> None:
    held_to_the_rule(name, GOOGLE_LEAVES[name])


def held_to_the_rule(name: str, parser: argparse.ArgumentParser) -> None:
    assert unhelped(parser) == [], f"`{name}`: options without a help line"
    shown = parser.format_help()
    assert "--json" in shown, f"`{name}` --help does not list --json"
    examples = example_lines(parser)
    assert any(line.startswith("receptionist ") for line in examples), (
        f"`{name}` --help ends with no example starting with `receptionist `"
    )
    assert shown.rstrip().endswith(examples[-1]), f"`{name}`: the examples come last"
    for line in examples:
        if line.startswith("receptionist "):
            assert f" {name}" in line, f"`{name}`: an example of another command"


def test_the_network_s_reminder_command_is_held_to_the_same_rule() -> None:
    from sync import remindercmds

    network = dict(leaves(build_parser(extra=(remindercmds,))))
    assert "reminders dispatch" in network and "reminders list" in network
    parser = network["reminders dispatch"]
    assert unhelped(parser) == []
    assert "--json" in parser.format_help()
    assert example_lines(parser)[-1] == "receptionist reminders dispatch --json"


def test_the_checks_find_what_is_missing() -> None:
    bare = argparse.ArgumentParser(prog="receptionist thing", epilog="see also: nothing")
    bare.add_argument("--colour")
    bare.add_argument("name", help="")
    assert unhelped(bare) == ["--colour", "name"]
    assert example_lines(bare) == []
    told = argparse.ArgumentParser(epilog="examples:\n  receptionist thing --colour red\n")
    assert example_lines(told) == ["receptionist thing --colour red"]


# -- the environment ---------------------------------------------------------------------

NAME = re.compile(r"\bRECEPTIONIST_[A-Z][A-Z_]*[A-Z]\b")


def _secret_readers(tree: ast.AST) -> set[str]:
    """``read_secret`` and the functions that hand it their first parameter."""
    readers = {"read_secret"}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.args.args:
            first = node.args.args[0].arg
            for call in ast.walk(node):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Name)
                    and call.func.id == "read_secret"
                    and call.args
                    and isinstance(call.args[0], ast.Name)
                    and call.args[0].id == first
                ):
                    readers.add(node.name)
    return readers


def _environment_reads(tree: ast.AST) -> Iterator[str]:
    """Names read as ``os.environ.get("X")``, ``env.get("X")``, ``env["X"]``; and for
    a secret read as ``read_secret("X", ...)`` (or through a function that passes its
    name on), its file twin ``X_FILE`` too."""
    readers = _secret_readers(tree)
    for node in ast.walk(tree):
        key: ast.expr | None = None
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "get":
                key = node.args[0] if "env" in ast.unparse(func.value).lower() else None
            elif isinstance(func, ast.Name) and func.id in readers:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    yield first.value + "_FILE"
        elif isinstance(node, ast.Subscript) and "env" in ast.unparse(node.value).lower():
            key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            yield key.value


def variables_in_code() -> set[str]:
    """Every environment variable the core (the CLI and all it calls) may read, and
    the Google commands."""
    found: set[str] = set()
    google = [*(ROOT / "sync" / "google").rglob("*.py"), ROOT / "sync" / "googlecmds.py"]
    for path in [*(ROOT / "receptionist").rglob("*.py"), *google]:
        source = path.read_text("utf-8")
        if not any(word in source.lower() for word in ("env", "read_secret", "receptionist_")):
            continue  # each way of naming a variable below needs one of these words
        tree = ast.parse(source)
        found.update(_environment_reads(tree))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.update(NAME.findall(node.value))
    return found


def variables_in_readme() -> set[str]:
    """The names in the first column of the README's table of environment variables."""
    after = (ROOT / "README.md").read_text("utf-8").split("### Environment variables", 1)[1]
    lines = after.strip().splitlines()
    table = lines[: next(i for i, line in enumerate(lines) if not line.startswith("|"))]
    names: set[str] = set()
    for row in table[2:]:  # after the header and its rule
        names.update(re.findall(r"`([A-Z][A-Z0-9_]*)`", row.split("|")[1]))
    return names


def test_the_readme_names_every_environment_variable_a_command_may_read() -> None:
    in_code, in_readme = variables_in_code(), variables_in_readme()
    assert {"RECEPTIONIST_DATA_DIR", "RECEPTIONIST_NEW_PASSPHRASE_FILE", "CI"} <= in_code
    assert in_code - in_readme == set(), "README's table lacks these"
    stale = {n for n in in_readme - in_code if n.startswith("RECEPTIONIST_")}
    assert stale == set(), "README's table names variables that nothing reads"
    listed = {name for name, _ in ENVIRONMENT}
    assert listed <= in_readme and {n for n in in_code if not n.endswith("_FILE")} >= listed


def test_the_birth_dates_help_names_the_forms_the_core_reads() -> None:
    """One list of birth-date forms (``receptionist/patients/dates.py``): the help of
    ``--birth-date`` offers each of them, as the core's error and the app's hint do."""
    for name in ("patient add", "patient update"):
        [option] = [a for a in LEAVES[name]._actions if "--birth-date" in a.option_strings]
        assert option.help is not None
        for form in dates.FORMS:
            assert dates.written(dates.EXAMPLE, form) in option.help, (name, form)
