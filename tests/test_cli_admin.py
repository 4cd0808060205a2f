"""The administrator's commands: provider|service|room|user update, deactivate and
reactivate, timeoff add|list|remove, settings list|get|set; each with its bad input
(exit 2, nothing written), and each with help lines and examples."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cliclinic import shared_clinic, use_clinic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from receptionist.cli.main import build_parser, main
from receptionist.settings import registry
from receptionist.settings.kinds import Words
from receptionist.settings.registry import Setting
from receptionist.texts import Text

Capture = pytest.CaptureFixture[str]


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with shared_clinic(tmp_path_factory.mktemp("admin") / "clinic") as root:
        yield root


class Listed:
    """The clinic as ``everything`` listed it at the end of a bad-input case, kept for
    the next case when that is the very next test on this clinic.

    Listing the clinic takes six commands; each case listed it before its command and
    after. Nothing runs on the clinic between two tests (fixtures only point the
    environment at it, with a new, empty folder for this PC's settings), so the listing
    after one case's refused command is the listing before the next one's. Any other
    test in between (one that changes the clinic and puts it back) and the next case
    lists the clinic itself again; so does a case on another clinic than the kept
    listing's (the module's clinic is made again when tests of other files ran in
    between, as in a shuffled order). The listing after the command is always made
    afresh.
    """

    def __init__(self) -> None:
        self.tests = 0  # tests that used the clinic in this process so far
        self.last: tuple[int, Path, list[object]] | None = None

    def before(self, capsys: Capture, clinic: Path) -> list[object]:
        if self.last is not None and self.last[:2] == (self.tests - 1, clinic):
            return self.last[2]
        return everything(capsys)

    def after(self, clinic: Path, listed: list[object]) -> None:
        self.last = (self.tests, clinic, listed)


LISTED = Listed()


@pytest.fixture
def clinic(shared: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    use_clinic(monkeypatch, shared)
    monkeypatch.setenv("RECEPTIONIST_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("RECEPTIONIST_SETTING_SECRET", raising=False)
    LISTED.tests += 1
    return shared


def data(capsys: Capture, argv: list[str]) -> object:
    capsys.readouterr()
    assert main(["--json", *argv]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def everything(capsys: Capture) -> list[object]:
    """What the administrator's commands can change, as the CLI lists it."""
    return [
        data(capsys, argv)
        for argv in (
            ["provider", "list", "--all"],
            ["service", "list", "--all"],
            ["room", "list", "--all"],
            ["user", "list"],
            ["settings", "list"],
            ["timeoff", "list", "--from", "2020-01-01", "--to", "2040-01-01"],
        )
    ]


def refused(capsys: Capture, argv: list[str]) -> str:
    capsys.readouterr()
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, (argv, code, err)
    return err


# --- the catalogue ---------------------------------------------------------------------


def test_provider_service_and_room_update_deactivate_reactivate(
    clinic: Path, capsys: Capture
) -> None:
    row = data(capsys, ["provider", "update", "aksoy", "--colour", "#AA0000",
                        "--hours", "mon-thu 09:00-17:00"])  # fmt: skip
    assert isinstance(row, dict)
    assert row["colour"] == "#aa0000" and row["working_hours"]["fri"] == []
    off = data(capsys, ["provider", "deactivate", "Dr. Elif Aksoy"])
    assert isinstance(off, dict) and off["active"] is False
    assert data(capsys, ["provider", "list"]) == []
    assert isinstance(data(capsys, ["provider", "reactivate", "aksoy"]), dict)
    service = data(capsys, ["service", "update", "check", "--minutes", "40", "--price", "850,5",
                            "--currency", "eur", "--buffer-after", "5"])  # fmt: skip
    assert isinstance(service, dict)
    assert (service["minutes"], service["price"], service["buffer_after"]) == (40, "850.50 EUR", 5)
    room = data(capsys, ["room", "update", "Room 1", "--name", "Surgery"])
    assert isinstance(room, dict) and room["name"] == "Surgery"
    assert data(capsys, ["room", "deactivate", "surgery"]) == {**room, "active": False}
    data(capsys, ["room", "reactivate", "surgery"])
    data(capsys, ["room", "update", "surgery", "--name", "Room 1"])
    data(capsys, ["service", "update", "check", "--minutes", "30", "--price", "0",
                  "--currency", "TRY", "--buffer-after", "0"])  # fmt: skip


BAD_INPUT = [
    (["provider", "update", "aksoy"], "Nothing to change"),
    (["provider", "update", "aksoy", "--colour", "red"], "(colour)"),
    (["provider", "update", "aksoy", "--hours", "mon 17:00-09:00"], "(hours)"),
    (["provider", "update", "aksoy", "--name", "Dr. \x1b[2J"], "(name)"),
    (["provider", "update", "nobody-like-this", "--name", "X"], "No provider"),
    (["provider", "update", "aksoy", "--nmae", "X"], "did you mean --name"),
    (["provider", "deactivate", "nobody-like-this"], "No provider"),
    (["service", "update", "check"], "Nothing to change"),
    (["service", "update", "check", "--minutes", "0"], "--minutes"),
    (["service", "update", "check", "--price", "1.500"], "(price)"),
    (["service", "update", "check", "--price", "-1"], "(price)"),
    (["service", "update", "check", "--currency", "EURO"], "(currency)"),
    (["service", "reactivate", "nothing-like-this"], "No service"),
    (["room", "update", "Room 1"], "Nothing to change"),
    (["room", "update", "Room 1", "--name", " "], "(name)"),
    (["room", "deactivate", "Room 9"], "No room"),
    (["user", "update", "admin"], "Nothing to change"),
    (["user", "update", "admin", "--role", "boss"], "--role"),
    (["user", "update", "admin", "--role", "receptionist"], "one active administrator"),
    (["user", "update", "nobody", "--role", "manager"], "no staff account"),
    (["user", "deactivate", "admin"], "signed in with"),
    (["user", "reactivate", "nobody"], "no staff account"),
    (["timeoff", "add", "--from", "2030-03-04", "--to", "2030-03-05"], "--whole-clinic"),
    (["timeoff", "add", "--provider", "aksoy", "--room", "Room 1", "--from", "2030-03-04",
      "--to", "2030-03-05"], "not allowed with"),
    (["timeoff", "add", "--provider", "aksoy", "--from", "2030-03-05", "--to", "2030-03-04"],
     "(to)"),
    (["timeoff", "add", "--provider", "aksoy", "--from", "soon", "--to", "2030-03-04"],
     "(from)"),
    (["timeoff", "add", "--provider", "aksoy", "--from", "2030-03-04", "--to", "9999-12-31"],
     "(to)"),
    (["timeoff", "add", "--provider", "nobody-like-this", "--from", "2030-03-04",
      "--to", "2030-03-05"], "No provider"),
    (["timeoff", "add", "--whole-clinic", "--from", "2030-03-04", "--to", "2030-03-05",
      "--reason", "bad\x1b]0;title\x07"], "(reason)"),
    (["timeoff", "list", "--from", "yesterday"], "(from)"),
    (["timeoff", "list", "--provider", "aksoy", "--room", "Room 1"], "not both"),
    (["timeoff", "remove", "abc"], "(id)"),
    (["timeoff", "remove", "00000000"], "no longer exists"),
    (["settings", "get", "schedule.slot_minute"], "did you mean schedule.slot_minutes"),
    (["settings", "set", "schedule.slot_minutes", "7"], "must divide 1440"),
    (["settings", "set", "schedule.slot_minutes", "ten"], "(value)"),
    (["settings", "set", "schedule.slot_minutes"], "Give the new value"),
    (["settings", "set", "clinic.timezone", "Mars/Olympus"], "time zone is not known"),
    (["settings", "set", "clinic.name", "Moda", "--forget"], "for secrets"),
    (["settings", "set", "schedule.opening_hours", "mon 9-5"], "(value)"),
    (["settings", "set", "desk.lock_after_minutes", "0"], "from 1 to 480"),
    (["settings", "set", "desk.wait_alert_minutes", "241"], "from 1 to 240"),
    (["settings", "list", "--scope", "everywhere"], "--scope"),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "said"), BAD_INPUT)
def test_bad_input_is_exit_2_named_and_writes_nothing(
    clinic: Path, capsys: Capture, argv: list[str], said: str
) -> None:
    before = LISTED.before(capsys, clinic)
    err = refused(capsys, argv)
    assert said in err, err
    assert "Traceback" not in err
    after = everything(capsys)
    assert after == before
    LISTED.after(clinic, after)


def test_a_receptionist_changes_nothing(
    clinic: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECEPTIONIST_USER_PASSWORD", "desk-password-1")
    if main(["user", "add", "desk"]) != 0:
        assert main(["user", "reactivate", "desk"]) == 0  # made by an earlier run
    before = everything(capsys)
    for argv in (
        ["provider", "deactivate", "aksoy"],
        ["room", "update", "Room 1", "--name", "Mine"],
        ["timeoff", "add", "--whole-clinic", "--from", "2030-03-04", "--to", "2030-03-05"],
        ["settings", "set", "clinic.name", "Mine"],
        ["user", "list"],
        ["user", "reset-password", "admin"],
    ):
        refused(capsys, ["--user", "desk", *argv])
    assert everything(capsys) == before


def test_a_receptionist_cannot_move_this_pcs_backups_from_the_cli(
    clinic: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """This PC's settings that the clinic decides are refused as the app refuses them,
    in a sentence naming who may."""
    monkeypatch.setenv("RECEPTIONIST_USER_PASSWORD", "desk-password-1")
    if main(["user", "add", "desk"]) != 0:
        assert main(["user", "reactivate", "desk"]) == 0  # made by an earlier run
    elsewhere = str(tmp_path / "elsewhere")
    err = refused(capsys, ["--user", "desk", "settings", "set", "backup.folder", elsewhere])
    assert 'Only a manager or an administrator can change "Backup folder".' in err
    err = refused(capsys, ["--user", "desk", "settings", "set", "cloud.ca_file", elsewhere])
    assert 'Only an administrator can change "Private certificate authority".' in err
    shown = data(capsys, ["settings", "get", "backup.folder"])
    assert isinstance(shown, dict) and shown["value"] == ""


# --- blocked time ----------------------------------------------------------------------


def test_timeoff_add_list_remove(clinic: Path, capsys: Capture) -> None:
    block = data(capsys, ["timeoff", "add", "--provider", "aksoy", "--from", "2030-03-04",
                          "--to", "2030-03-05", "--reason", "Conference"])  # fmt: skip
    assert isinstance(block, dict)
    assert (block["start"], block["end"]) == ("2030-03-04T00:00+03:00", "2030-03-06T00:00+03:00")
    assert (block["kind"], block["provider"], block["reason"]) == ("time_off", "Dr. Elif Aksoy",
                                                                   "Conference")  # fmt: skip
    room = data(capsys, ["timeoff", "add", "--room", "Room 1", "--from", "2030-03-07T13:00",
                         "--to", "2030-03-07T15:30"])  # fmt: skip
    assert isinstance(room, dict) and (room["kind"], room["room"]) == ("blocked", "Room 1")
    closed = data(capsys, ["timeoff", "add", "--whole-clinic", "--from", "2030-03-08",
                           "--to", "2030-03-08"])  # fmt: skip
    assert isinstance(closed, dict) and closed["whole_clinic"]
    window = ["--from", "2030-03-01", "--to", "2030-03-31"]
    listed = data(capsys, ["timeoff", "list", *window])
    assert [b["id"] for b in listed] == [block["id"], room["id"], closed["id"]]  # type: ignore[index,union-attr]
    hers = data(capsys, ["timeoff", "list", "--provider", "aksoy", *window])
    assert [b["id"] for b in hers] == [block["id"], closed["id"]]  # type: ignore[index,union-attr]
    assert main(["timeoff", "list", *window]) == 0
    text = capsys.readouterr().out
    assert "2030-03-04 00:00 - 2030-03-06 00:00  Dr. Elif Aksoy  Conference" in text
    assert "whole clinic" in text and "room Room 1" in text
    for made in (block, room, closed):
        assert main(["timeoff", "remove", made["id"][:8]]) == 0  # type: ignore[index]
    assert data(capsys, ["timeoff", "list", *window]) == []


def test_timeoff_list_starts_today_by_default(clinic: Path, capsys: Capture) -> None:
    assert data(capsys, ["timeoff", "list"]) == []
    assert main(["timeoff", "list"]) == 0
    assert "No blocked time then." in capsys.readouterr().out


# --- staff -----------------------------------------------------------------------------


def test_user_update_deactivate_reactivate_and_reset_password(
    clinic: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECEPTIONIST_USER_PASSWORD", "first-password")
    if main(["user", "add", "mert", "--role", "receptionist"]) != 0:
        assert main(["user", "reactivate", "mert"]) == 0
    row = data(capsys, ["user", "update", "MERT", "--role", "manager", "--full-name", "Mert Y"])
    assert isinstance(row, dict) and (row["role"], row["full_name"]) == ("manager", "Mert Y")
    assert data(capsys, ["user", "deactivate", "mert"])["active"] is False  # type: ignore[index]
    assert refused(capsys, ["--user", "mert", "provider", "list"])  # disabled: cannot act
    data(capsys, ["user", "reactivate", "mert"])
    monkeypatch.setenv("RECEPTIONIST_USER_PASSWORD", "short")
    assert "at least 8" in refused(capsys, ["user", "reset-password", "mert"])
    monkeypatch.delenv("RECEPTIONIST_USER_PASSWORD")
    assert "RECEPTIONIST_USER_PASSWORD" in refused(capsys, ["user", "reset-password", "mert"])
    monkeypatch.setenv("RECEPTIONIST_USER_PASSWORD", "second-password")
    assert main(["user", "reset-password", "mert"]) == 0
    assert "was reset" in capsys.readouterr().out
    users = data(capsys, ["user", "list"])
    assert isinstance(users, list) and {u["username"] for u in users} >= {"admin", "mert"}
    assert all("password_hash" not in u for u in users)


# --- settings --------------------------------------------------------------------------


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> Setting:
    secret = Setting("test.token", "secret", Words(100), "", Text("Token"), Text("For a test."),
                     "clinic.configure")  # fmt: skip
    monkeypatch.setitem(registry._REGISTRY, secret.key, secret)
    return secret


def test_settings_list_get_and_set(clinic: Path, capsys: Capture, tmp_path: Path) -> None:
    listed = data(capsys, ["settings", "list"])
    assert isinstance(listed, list)
    for entry in listed:
        assert {"key", "scope", "type", "value", "default"} <= set(entry), entry
    by_key = {e["key"]: e for e in listed}
    assert by_key["schedule.slot_minutes"]["type"] == "int"
    assert by_key["desk.lock_after_minutes"]["scope"] == "pc"
    assert by_key["clinic.name"]["value"] == "Moda Dental"
    pc = data(capsys, ["settings", "list", "--scope", "pc"])
    keys = [e["key"] for e in pc]  # type: ignore[union-attr]
    assert "desk.lock_after_minutes" in keys and all(k not in keys for k in by_key if
                                                     by_key[k]["scope"] != "pc")  # fmt: skip
    done = data(capsys, ["settings", "set", "desk.lock_after_minutes", "12"])
    assert isinstance(done, dict) and done["value"] == 12
    saved = json.loads((tmp_path / "config" / "preferences.json").read_text("utf-8"))
    assert saved == {"desk.lock_after_minutes": 12}
    hours = data(capsys, ["settings", "set", "schedule.opening_hours",
                          "mon-fri 09:00-18:00; sat 09:00-13:00"])  # fmt: skip
    assert isinstance(hours, dict) and hours["value"]["sat"] == [["09:00", "13:00"]]
    got = data(capsys, ["settings", "get", "schedule.opening_hours"])
    assert got == hours
    assert main(["settings", "get", "desk.wait_alert_minutes"]) == 0
    assert "Waiting alert" in capsys.readouterr().out


def test_a_secret_is_never_typed_on_the_command_line(
    clinic: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch, token: Setting
) -> None:
    err = refused(capsys, ["settings", "set", "test.token", "s3cret"])
    assert "RECEPTIONIST_SETTING_SECRET" in err
    assert "RECEPTIONIST_SETTING_SECRET" in refused(capsys, ["settings", "set", "test.token"])
    monkeypatch.setenv("RECEPTIONIST_SETTING_SECRET", "s3cret-from-env")
    capsys.readouterr()
    assert main(["--json", "settings", "set", "test.token"]) == 0
    out = capsys.readouterr().out
    assert "s3cret" not in out and json.loads(out)["set"] is True
    listed = data(capsys, ["settings", "list", "--scope", "secret"])
    listed = [e for e in listed if e["key"] == "test.token"]  # type: ignore[union-attr,index]
    assert listed == [
        {"key": "test.token", "scope": "secret", "type": "str", "value": None, "default": None,
         "label": "Token", "help": "For a test.", "set": True, "editable": True}
    ]  # fmt: skip
    monkeypatch.delenv("RECEPTIONIST_SETTING_SECRET")
    assert data(capsys, ["settings", "set", "test.token", "--forget"])["set"] is False  # type: ignore[index]


# --- help ------------------------------------------------------------------------------

NEW_COMMANDS = [
    ("provider", ("add", "update", "list", "deactivate", "reactivate")),
    ("service", ("add", "update", "list", "deactivate", "reactivate")),
    ("room", ("add", "update", "list", "deactivate", "reactivate")),
    ("user", ("add", "list", "update", "deactivate", "reactivate", "reset-password")),
    ("timeoff", ("add", "list", "remove")),
    ("settings", ("list", "get", "set")),
]


def _children(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    chooser = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(chooser.choices)


def test_every_new_command_has_help_on_each_option_and_examples() -> None:
    top = _children(build_parser())
    for group, leaves in NEW_COMMANDS:
        commands = _children(top[group])
        helps = {
            a.dest: a.help
            for a in next(
                x for x in top[group]._actions if isinstance(x, argparse._SubParsersAction)
            )._choices_actions
        }
        for leaf in leaves:
            parser = commands[leaf]
            assert helps.get(leaf), f"{group} {leaf} has no help line"
            assert parser.epilog and "examples:" in parser.epilog, f"{group} {leaf}"
            assert f"receptionist {group} {leaf}" in parser.epilog
            for action in parser._actions:
                assert action.help, f"{group} {leaf}: {action.dest} has no help"


# --- anything typed --------------------------------------------------------------------

TEXT = st.text(
    st.characters(blacklist_characters="\x00") | st.sampled_from(["\udcff", "\x1b", "\u202e"]),
    max_size=30,
)
KEYS = st.sampled_from(
    ["clinic.name", "clinic.timezone", "clinic.phone_region", "clinic.locale",
     "schedule.slot_minutes", "schedule.opening_hours", "desk.wait_alert_minutes",
     "desk.lock_after_minutes"]
)  # fmt: skip


PROPS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.slow
@PROPS
@given(
    argv=st.one_of(
        st.tuples(st.just("settings"), st.just("set"), KEYS, TEXT),
        st.tuples(st.just("timeoff"), st.just("add"), st.just("--provider"), TEXT,
                  st.just("--from"), TEXT, st.just("--to"), TEXT),
        st.tuples(st.just("timeoff"), st.just("list"), st.just("--from"), TEXT),
        st.tuples(st.just("timeoff"), st.just("remove"), TEXT),
        st.tuples(st.just("provider"), st.just("update"), TEXT, st.just("--hours"), TEXT),
        st.tuples(st.just("service"), st.just("update"), st.just("check"), st.just("--price"),
                  TEXT),
        st.tuples(st.just("user"), st.just("update"), TEXT, st.just("--full-name"), TEXT),
    )
)  # fmt: skip
def test_anything_typed_is_done_or_refused_never_a_bug(
    clinic: Path, capsys: Capture, argv: tuple[str, ...]
) -> None:
    code = main(list(argv))
    err = capsys.readouterr().err
    assert code in (0, 2), (argv, code, err)
    assert "unexpected" not in err
    if argv[:2] == ("settings", "set") and code == 0:  # put the clinic back as it was
        assert main(["settings", "set", argv[2], ORIGINAL[argv[2]]]) == 0


ORIGINAL = {
    "clinic.name": "Moda Dental",
    "clinic.timezone": "Europe/Istanbul",
    "clinic.phone_region": "TR",
    "clinic.locale": "en",
    "schedule.slot_minutes": "15",
    "schedule.opening_hours": "mon-fri 09:00-18:00; sat 09:00-13:00",
    "desk.wait_alert_minutes": "15",
    "desk.lock_after_minutes": "5",
}
