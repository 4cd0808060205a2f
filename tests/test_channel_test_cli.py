"""``receptionist channels test email|sms|whatsapp --to ...`` (issue #14): exit 0 when
sent, 1 with the sentence when not, ``--json``; against the loopback servers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from channelservers import ACCOUNT, TOKEN, http_server, smtp_server, twilio_route
from templates import Template, cli_env_for, make_template

from sync.cli import main

INIT = ["init", "--clinic-name", "Moda Dental", "--timezone", "Europe/Istanbul",
        "--region", "TR", "--admin-user", "admin"]  # fmt: skip
TEXT = "Test message from Moda Dental — Receptionist"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Template[None]:
    root = tmp_path_factory.mktemp("channeltest") / "clinic"

    def build(_root: Path) -> None:
        assert main(INIT) == 0

    return make_template(root, build, env=cli_env_for(root))


@pytest.fixture
def clinic(cli_env: Path, made: Template[None]) -> Path:
    made.copy_to(cli_env)
    return cli_env


def run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def set_sms(
    capsys: pytest.CaptureFixture[str], mp: pytest.MonkeyPatch, url: str, token: str
) -> None:
    mp.setenv("RECEPTIONIST_CHANNEL_SECRET", token)
    argv = ["channels", "set", "sms", "--base-url", url, "--account", ACCOUNT,
            "--sender", "+15005550006"]  # fmt: skip
    assert run(capsys, argv)[0] == 0


def test_an_sms_test_is_exit_0_with_the_providers_id(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with http_server(twilio_route) as (url, server):
        set_sms(capsys, monkeypatch, url, TOKEN)
        code, out, _ = run(capsys, ["--json", "channels", "test", "sms", "--to", "0532 111 22 33"])
        text_code, text, _ = run(capsys, ["channels", "test", "sms", "--to", "+905321112233"])
    assert code == 0 and text_code == 0
    first, second = server.messages
    assert json.loads(out) == {
        "channel": "sms", "sent": True, "provider_id": first["sid"], "code": None,
        "said": f"Sent: the SMS provider took the test message (message id {first['sid']}). "
        "Check that it arrived on the phone.",
    }  # fmt: skip
    assert first["body"] == second["body"] == TEXT and first["to"] == "+905321112233"
    assert text.startswith("Sent: the SMS provider took the test message")


def test_a_refused_token_is_exit_1_saying_where_to_fix_it(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with http_server(twilio_route) as (url, server):
        set_sms(capsys, monkeypatch, url, "not-the-token")
        code, out, _ = run(capsys, ["channels", "test", "sms", "--to", "+905321112233"])
        json_code, data, _ = run(
            capsys, ["--json", "channels", "test", "sms", "--to", "+905321112233"]
        )
    assert code == 1 and json_code == 1 and server.messages == []
    assert "Check the SMS token in Settings > Clinic > Message channels" in out
    assert json.loads(data)["code"] == "refused_credentials"


def test_an_email_test_through_an_unreachable_server_is_exit_1(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with smtp_server() as (port, inbox):
        argv = ["channels", "set", "email", "--host", "127.0.0.1", "--port", str(port),
                "--sender", "desk@moda.example", "--security", "none"]  # fmt: skip
        assert run(capsys, argv)[0] == 0
        code, out, _ = run(capsys, ["channels", "test", "email", "--to", "ayse@example.org"])
        assert code == 0 and "Sent: the e-mail server took the test message" in out
        assert [m["To"] for m in inbox.mails] == ["ayse@example.org"]
    # The server is gone now: nothing listens on its port.
    code, out, _ = run(capsys, ["channels", "test", "email", "--to", "ayse@example.org"])
    assert code == 1 and f"Not sent: 127.0.0.1:{port} could not be reached" in out


def test_a_receptionist_is_refused_and_bad_input_names_the_option(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with http_server(twilio_route) as (url, server):
        set_sms(capsys, monkeypatch, url, TOKEN)
        monkeypatch.setenv("RECEPTIONIST_USER_PASSWORD", "desk-password-1")
        assert run(capsys, ["user", "add", "desk", "--role", "receptionist"])[0] == 0
        code, _, err = run(
            capsys, ["--user", "desk", "channels", "test", "sms", "--to", "+905321112233"]
        )
        assert code == 2 and "cannot send a test message" in err
        code, _, err = run(capsys, ["channels", "test", "sms", "--to", "call me"])
        assert code == 2 and "not a phone number" in err
        code, _, err = run(capsys, ["channels", "test", "whatsapp", "--to", "+905321112233"])
        assert code == 2 and "The whatsapp channel is not set up" in err
    assert server.messages == []
