"""The desktop OAuth flow of google-auth-oauthlib against a loopback OAuth server:
``InstalledAppFlow.run_local_server`` listens on 127.0.0.1; an HTTP client plays the
browser (the consent screen redirects to our redirect URI with a code); the code is
exchanged for an access and a refresh token. It asks for offline access with
``prompt=consent``, only the narrow scopes, and the credentials end up encrypted
(the keychain, or the SQLCipher file), never in a plain file."""

from __future__ import annotations

import io
import json
import queue
import socket
import threading
import urllib.request
import webbrowser
from contextlib import redirect_stdout
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import keyring
import pytest
from fakegoogle import ACCOUNT, FakeGoogle
from keyring.backends.null import Keyring as NoKeychain
from templates import MemoryKeyring
from test_google_cli import clinic, run  # noqa: F401  (the CLI clinic fixtures)

from receptionist.errors import ValidationError
from sync.cli import main
from sync.google import redirect, service
from sync.google.connect import Cancelled, SignIn, browser_flow
from sync.google.worker import apart, submit

WAIT_S = 20
NARROW = {
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/calendar.calendarlist.readonly",
    "https://www.googleapis.com/auth/calendar.app.created",
}


@pytest.fixture
def secrets(google: FakeGoogle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The clinic's OAuth client file (a desktop app) naming the loopback server."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the loopback server is http
    path = tmp_path / "client_secret.json"
    client = {
        "client_id": "desk.apps.googleusercontent.com",
        "client_secret": "desk-secret",
        "auth_uri": f"{google.base}/auth",
        "token_uri": google.token_uri,
        "redirect_uris": ["http://localhost"],
    }
    path.write_text(json.dumps({"installed": client}), "utf-8")
    return path


class Prompts(io.TextIOBase):
    """stdout while the flow runs: the address it prints, handed over at once."""

    def __init__(self) -> None:
        self.urls: queue.Queue[str] = queue.Queue()

    def write(self, text: str) -> int:
        if text.startswith("http"):
            self.urls.put(text.strip())
        return len(text)


def browse(url: str) -> str:
    """The browser's part: open the consent page, follow its redirect to 127.0.0.1."""
    return visit(url)[0]


def visit(url: str) -> tuple[str, str]:
    """Where the browser landed, and the page it shows there."""
    with urllib.request.urlopen(url, timeout=WAIT_S) as answer:
        assert answer.status == 200
        return str(answer.url), answer.read().decode("utf-8")


def test_the_flow_asks_offline_consent_narrow_scopes_on_127_0_0_1(
    google: FakeGoogle, secrets: Path
) -> None:
    prompts = Prompts()
    with redirect_stdout(prompts):
        flow = submit(lambda: browser_flow(secrets, open_browser=False, prompt="{url}"))
        landed, page = visit(prompts.urls.get(timeout=WAIT_S))
        info = flow.result(timeout=WAIT_S)
    assert page == redirect.DONE  # the browser's tab says it is done, in our words
    [asked] = google.authorized
    assert asked["access_type"] == "offline" and asked["prompt"] == "consent"
    assert set(asked["scope"].split()) == NARROW == set(service.SCOPES)
    assert asked["response_type"] == "code" and asked["code_challenge_method"] == "S256"
    where = urlsplit(asked["redirect_uri"])
    assert where.hostname == "127.0.0.1" and where.port and where.port > 0
    assert urlsplit(landed).hostname == "127.0.0.1"
    assert parse_qs(urlsplit(landed).query)["code"] == ["code-1"]
    [grant] = google.granted
    assert grant["grant_type"] == "authorization_code" and grant["code_verifier"]
    assert info == {
        "client_id": "desk.apps.googleusercontent.com",
        "client_secret": "desk-secret",
        "refresh_token": "refresh-granted-1",
    }


def test_a_refused_consent_is_said_plainly(
    google: FakeGoogle, secrets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(query: dict[str, str]) -> str:
        return f"{query['redirect_uri']}?error=access_denied&state={query['state']}"

    monkeypatch.setattr(google, "authorize", refuse)
    prompts = Prompts()
    with redirect_stdout(prompts):
        flow = submit(lambda: browser_flow(secrets, open_browser=False, prompt="{url}"))
        browse(prompts.urls.get(timeout=WAIT_S))
        with pytest.raises(ValidationError, match="did not give access"):
            flow.result(timeout=WAIT_S)


class ClickingBrowser(webbrowser.BaseBrowser):
    """A browser that agrees at once: it follows the consent page in a thread."""

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        threading.Thread(target=browse, args=(url,), daemon=True).start()
        return True


@pytest.mark.parametrize("keychain", [True, False], ids=["keychain", "encrypted-file"])
def test_connect_in_the_browser_keeps_the_tokens_encrypted(
    clinic: Path,  # noqa: F811
    google: FakeGoogle,
    secrets: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    keychain: bool,
    memory_keyring: MemoryKeyring,
) -> None:
    if not keychain:
        keyring.set_keyring(NoKeychain())  # a PC with no keychain: the SQLCipher file
    monkeypatch.setattr(webbrowser, "get", lambda _using=None: ClickingBrowser())
    assert main(["--json", "google", "connect", "--client-secrets", str(secrets)]) == 0
    said = capsys.readouterr()
    assert json.loads(said.out) == {"connected": True, "account": ACCOUNT}
    assert "http://127.0.0.1" in said.err or f"{google.base}/auth" in said.err  # the address
    shown = run(capsys, "google", "status")
    assert shown["connected"] is True
    kept = [
        v for (_svc, name), v in memory_keyring.store.items()
        if name.endswith(":google.credentials")
    ]  # fmt: skip
    if keychain:
        assert [json.loads(v)["refresh_token"] for v in kept] == ["refresh-granted-1"]
    else:
        assert kept == []  # no keychain: in the clinic's encrypted file (local_secret)
    folder = clinic.parent
    for path in (p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        assert b"refresh-granted-1" not in data, path  # not in any plain file
        assert b"desk-secret" not in data or path == secrets, path
    run(capsys, "google", "map", "aksoy", "primary")
    assert run(capsys, "google", "sync")["status"] == "ok"  # the stored token works


def test_an_unanswered_sign_in_ends_at_its_timeout(google: FakeGoogle, secrets: Path) -> None:
    """The wait is counted on the clock injected: past five minutes, it ends plainly."""
    moments = iter([0.0, SignIn().wait_s + 1])
    signing = SignIn(now=lambda: next(moments))
    with pytest.raises(ValidationError, match="No answer came from the browser within 5"):
        signing.run(secrets, open_browser=False)
    assert google.authorized == [] and google.granted == []


def test_a_cancelled_sign_in_shuts_its_redirect_server(google: FakeGoogle, secrets: Path) -> None:
    prompts = Prompts()
    signing = SignIn()
    with redirect_stdout(prompts):
        flow = apart(lambda: signing.run(secrets, open_browser=False, prompt="{url}"))
        url = prompts.urls.get(timeout=WAIT_S)
    port = urlsplit(parse_qs(urlsplit(url).query)["redirect_uri"][0]).port
    assert port == signing.port
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT_S):
        pass  # listening while it waits
    signing.cancel()
    with pytest.raises(Cancelled):
        flow.result(timeout=WAIT_S)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=WAIT_S).close()
    assert google.granted == []


def test_a_connection_that_never_asks_does_not_hold_off_a_cancel(
    google: FakeGoogle, secrets: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A browser may open a connection ahead and send nothing on it (a preconnect):
    the redirect server gives up on it after ``read_s``, so a cancel still ends the wait
    (and the server's traceback of that timeout is not printed)."""
    prompts = Prompts()
    signing = SignIn(read_s=0.2)
    with redirect_stdout(prompts):
        flow = apart(lambda: signing.run(secrets, open_browser=False, prompt="{url}"))
        prompts.urls.get(timeout=WAIT_S)
    with socket.create_connection(("127.0.0.1", signing.port), timeout=WAIT_S) as idle:
        signing.cancel()
        with pytest.raises(Cancelled):
            flow.result(timeout=WAIT_S)
        assert idle.recv(1) == b""  # the server let go of it
    assert google.granted == []
    assert "Traceback" not in capsys.readouterr().err
