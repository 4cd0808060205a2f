"""Connecting the clinic's Google account with the desktop OAuth flow of
google-auth-oauthlib: the clinic's own OAuth client file (a desktop app), the
browser's answer received on 127.0.0.1 at a free port, ``access_type=offline`` and
``prompt=consent`` so a refresh token always comes back, and only :data:`SCOPES`.

What comes back is the authorized-user JSON the core keeps encrypted
(``receptionist.google.account``); nothing is written to a file here.
"""

from __future__ import annotations

import logging
import threading
import time
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIServer

from receptionist.errors import ValidationError
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from . import redirect
from .service import SCOPES, checked_info

log = logging.getLogger("receptionist.sync")  # under the logged one (cli.log, app.log)
WAIT_S = 300  # a sign-in left unfinished ends after five minutes
TICK_S = 0.25  # how often the wait looks for a cancel
READ_S = 5.0  # how long a connection to the redirect server may take to ask

NOT_A_CLIENT = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "That is not an OAuth client file for a desktop app; download it from the Google "
        "Cloud console (Credentials → OAuth client ID → Desktop app).",
    )
)
NO_ANSWER = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "No answer came from the browser within {minutes} minutes; connect again and "
        "finish signing in there.",
    ),
    minutes=WAIT_S // 60,
)
REFUSED = QT_TRANSLATE_NOOP(
    "core", "Google did not give access ({error}); connect again and allow the calendars."
)
NO_REFRESH = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "Google gave no lasting authorisation (no refresh token); connect again and allow "
        "access to the calendars.",
    )
)


class Cancelled(Exception):
    """The person cancelled the sign-in (nothing was connected)."""


class SignIn:
    """One browser sign-in that another thread may :meth:`cancel`.

    It does what ``InstalledAppFlow.run_local_server`` does, with a redirect server of
    our own (``redirect.py``), but waits for the browser's answer in short ticks, so a
    cancel shuts the redirect server within one tick, and the wait ends after ``wait_s`` seconds by
    ``now`` (injected: tests reach the end without waiting). It makes no httplib2 call
    (the code exchange uses requests), so it runs on a thread of its own, never
    holding the Google thread the rounds use."""

    def __init__(
        self,
        *,
        wait_s: float = WAIT_S,
        now: Callable[[], float] = time.monotonic,
        read_s: float = READ_S,
    ):
        self.wait_s, self.now, self.read_s = wait_s, now, read_s
        self._cancelled = threading.Event()
        self.port = 0  # the redirect server's, once it listens

    def cancel(self) -> None:
        self._cancelled.set()

    def run(
        self, client_secrets: Path, *, open_browser: bool = True, prompt: str | None = None
    ) -> dict[str, str]:
        """Sign in in the browser; the authorized-user fields (ValidationError when the
        file is not a desktop client, no answer came in time, or no refresh token came
        back; Cancelled when cancelled). ``prompt`` is printed with the sign-in address
        (``{url}``; None: ``redirect.VISIT``; "": nothing)."""
        from google_auth_oauthlib.flow import InstalledAppFlow
        from oauthlib.oauth2.rfc6749.errors import OAuth2Error  # type: ignore[import-untyped]

        try:
            flow = InstalledAppFlow.from_client_secrets_file(
                str(client_secrets.expanduser()), list(SCOPES)
            )
        except (ValueError, KeyError, OSError):
            raise ValidationError("client-secrets", NOT_A_CLIENT) from None
        try:
            creds = self._serve(flow, open_browser, prompt)
        except OAuth2Error as exc:  # refused at the consent screen, or the code was
            refused = Text(REFUSED, error=str(exc.error or "")[:80])
            raise ValidationError("client-secrets", refused) from None
        if not creds.refresh_token:
            raise ValidationError("client-secrets", NO_REFRESH)
        return checked_info(creds.to_json())

    def _serve(self, flow: Any, open_browser: bool, prompt: str | None) -> Any:
        answer = redirect.Answer()
        server = redirect.serve(answer, self.read_s)
        try:
            self.port = server.server_port
            flow.redirect_uri = f"http://127.0.0.1:{self.port}/"
            url, _state = flow.authorization_url(access_type="offline", prompt="consent")
            if open_browser:
                webbrowser.get().open(url, new=1, autoraise=True)
            said = redirect.VISIT if prompt is None else prompt
            if said:  # the address, for when no browser opens
                print(said.format(url=url))
            # https: oauthlib insists on it; the answer came on 127.0.0.1 all the same
            got = self._wait(server, answer).replace("http", "https")
            flow.fetch_token(authorization_response=got)
        finally:
            server.server_close()
        return flow.credentials

    def _wait(self, server: WSGIServer, answer: redirect.Answer) -> str:
        """The address the browser came back to."""
        server.timeout = TICK_S
        ends = self.now() + self.wait_s
        while answer.last_request_uri is None:
            if self._cancelled.is_set():
                raise Cancelled()
            if self.now() >= ends:
                raise ValidationError("client-secrets", NO_ANSWER)
            server.handle_request()
        return answer.last_request_uri


def browser_flow(
    client_secrets: Path, *, open_browser: bool = True, prompt: str | None = None
) -> dict[str, str]:
    """A sign-in no one cancels (the CLI's: Ctrl-C stops it); see :class:`SignIn`."""
    return SignIn().run(client_secrets, open_browser=open_browser, prompt=prompt)
