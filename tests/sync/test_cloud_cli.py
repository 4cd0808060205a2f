"""The cloud commands of the CLI, end to end against a real endpoint on loopback:
connect, invite, join, sync, status, devices, revoke; and exit 4, nothing lost, when
the endpoint cannot be reached."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from serverkit import Endpoint

from sync import cloud
from sync.cli import main
from sync.round import Unreachable
from sync.server.commands import NewClinic


@pytest.fixture
def first(cli_first: Path) -> Path:
    """The first PC: ``init`` and one patient (a copy: conftest's ``cli_first``)."""
    return cli_first


def said(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    out = capsys.readouterr().out
    return json.loads(out[out.index("{") :])  # type: ignore[no-any-return]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_connect_invite_join_and_sync(
    first: Path,
    endpoint: Endpoint,
    new_clinic: NewClinic,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = endpoint.url
    assert main(["--json", "cloud", "connect", "--server", url, "--code", new_clinic.code]) == 0
    connected = said(capsys)
    assert connected["device_code"] == "A" and int(str(connected["uploaded"])) > 5
    assert main(["--json", "cloud", "invite"]) == 0
    code = str(said(capsys)["code"])
    other = tmp_path / "second-pc"
    assert main(["--data-dir", str(other), "join", "--server", url, "--code", code]) == 0
    out = capsys.readouterr().out
    assert "device B" in out and "recovery code" in out
    assert main(["--data-dir", str(other), "--json", "patient", "search", "ayse"]) == 0
    assert [r["number"] for r in json.loads(capsys.readouterr().out)] == ["A-1"]
    assert main(["--data-dir", str(other), "patient", "add", "--given-name", "Omar",
                 "--family-name", "Haddad"]) == 0  # fmt: skip
    assert main(["--data-dir", str(other), "--json", "sync"]) == 0
    assert said(capsys)["pushed"] == 1
    assert main(["--json", "sync"]) == 0
    synced = said(capsys)
    assert synced["pulled"] >= 1  # type: ignore[operator]
    assert {"pushed", "conflicts", "cursor"} <= synced.keys() and synced["cursor"], "the issue's"
    assert main(["--json", "patient", "search", "omar"]) == 0
    assert [r["number"] for r in json.loads(capsys.readouterr().out)] == ["B-1"]
    assert main(["--json", "sync", "status"]) == 0
    status = said(capsys)
    assert (status["online"], status["waiting"], status["open_conflicts"]) == (True, 0, 0)
    assert status["last_sync_at"], "the last successful sync"
    assert main(["--json", "cloud", "devices"]) == 0
    assert [d["code"] for d in json.loads(capsys.readouterr().out)] == ["A", "B"]
    assert main(["--json", "cloud", "rotate"]) == 0
    rotated = said(capsys)
    assert (rotated["generation"], rotated["devices"]) == (2, 2)
    assert main(["--data-dir", str(other), "--json", "sync"]) == 0  # B fetches generation 2
    capsys.readouterr()
    assert main(["--json", "cloud", "revoke", "B"]) == 0
    assert said(capsys)["generation"] == 3, "a revocation rotates the key"
    assert main(["--data-dir", str(other), "--json", "sync"]) == 3
    assert "revoked this PC" in str(said(capsys)["error"])


def test_an_unreachable_endpoint_is_exit_4_and_loses_nothing(
    first: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = ["cloud", "connect", "--server", f"http://127.0.0.1:{port}", "--code", "X"]
    assert main(["--json", *code]) == 4
    assert "cannot be reached" in str(said(capsys)["error"])
    assert main(["--json", "sync", "status"]) == 0
    assert said(capsys)["connected"] is False, "a failed connect leaves this PC as it was"


def test_plain_http_off_loopback_is_refused(
    first: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--json", "cloud", "connect", "--server", "http://cloud.example.com", "--code", "X"]
    assert main(argv) == 2
    assert "https://" in str(said(capsys)["error"])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_revoke_whose_rotation_fails_says_what_is_left_to_do(
    first: Path,
    endpoint: Endpoint,
    new_clinic: NewClinic,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The endpoint stops answering between the revoke and the rotation: the revoke
    stands, and the message says the key still has to be rotated, and how."""
    url = endpoint.url
    assert main(["--json", "cloud", "connect", "--server", url, "--code", new_clinic.code]) == 0
    capsys.readouterr()
    assert main(["--json", "cloud", "invite"]) == 0
    code = str(said(capsys)["code"])
    other = tmp_path / "second-pc"
    assert main(["--data-dir", str(other), "join", "--server", url, "--code", code]) == 0
    capsys.readouterr()

    def gone(*_args: object) -> object:
        raise Unreachable("connection refused")

    monkeypatch.setattr(cloud, "rotate", gone)
    assert main(["--json", "cloud", "revoke", "B"]) == 4
    error = str(said(capsys)["error"])
    assert "Revoked" in error and "receptionist cloud rotate" in error
    monkeypatch.undo()
    assert main(["--data-dir", str(other), "--json", "sync"]) == 3, "B is revoked all the same"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_reminders_status_names_the_pc_holding_the_lease(
    first: Path,
    endpoint: Endpoint,
    new_clinic: NewClinic,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from sync import reminderlease

    reminderlease.forget()
    url = endpoint.url
    assert main(["cloud", "connect", "--server", url, "--code", new_clinic.code,
                 "--name", "Front desk"]) == 0  # fmt: skip
    for argv in (["settings", "set", "reminders.enabled", "true"],
                 ["settings", "set", "reminders.station", "A"], ["reminders", "dispatch"],
                 ["--json", "cloud", "invite"]):  # fmt: skip
        assert main(argv) == 0
    code = str(said(capsys)["code"])
    other = tmp_path / "second-pc"
    assert main(["--data-dir", str(other), "join", "--server", url, "--code", code]) == 0
    capsys.readouterr()
    reminderlease.forget()  # another process: it heard nothing yet
    assert main(["--data-dir", str(other), "--json", "reminders", "status"]) == 0
    status = said(capsys)
    assert status["sender"] == {"code": "A", "name": "Front desk", "this_pc": False}
    assert main(["--data-dir", str(other), "reminders", "status"]) == 0
    assert capsys.readouterr().out.startswith("Reminders sent by PC Front desk.")
    assert main(["reminders", "status"]) == 0
    assert capsys.readouterr().out.startswith("This PC sends reminders.")
    reminderlease.forget()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_reminders_take_over_on_the_named_station(
    first: Path,
    endpoint: Endpoint,
    new_clinic: NewClinic,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A holds the reminders' lease; on B, ``reminders take-over`` is refused until the
    clinic names B, asks for ``--yes`` with nobody at the terminal, then takes it over
    from A, naming it; A's status then names B."""
    from sync import reminderlease

    reminderlease.forget()
    url = endpoint.url
    assert main(["cloud", "connect", "--server", url, "--code", new_clinic.code,
                 "--name", "Front desk"]) == 0  # fmt: skip
    for argv in (["settings", "set", "reminders.enabled", "true"],
                 ["settings", "set", "reminders.station", "A"], ["reminders", "dispatch"],
                 ["--json", "cloud", "invite"]):  # fmt: skip
        assert main(argv) == 0
    code = str(said(capsys)["code"])
    other = tmp_path / "second-pc"
    b = ["--data-dir", str(other)]
    assert main([*b, "join", "--server", url, "--code", code, "--name", "Back office"]) == 0
    capsys.readouterr()
    assert main([*b, "--json", "reminders", "take-over", "--yes"]) == 2
    assert "not the reminder station" in str(said(capsys)["error"])
    assert main([*b, "settings", "set", "reminders.station", "B"]) == 0
    capsys.readouterr()
    assert main([*b, "--json", "reminders", "take-over"]) == 2
    assert "--yes" in str(said(capsys)["error"]), "nobody at the terminal to ask"
    endpoint.clock.advance(minutes=30)
    assert main([*b, "--json", "reminders", "take-over", "--yes"]) == 0
    taken = said(capsys)
    assert taken["taken_from"] == {"code": "A", "name": "Front desk"}
    reminderlease.forget()
    assert main(["reminders", "status"]) == 0
    assert capsys.readouterr().out.startswith("Reminders sent by PC Back office.")
    reminderlease.forget()
