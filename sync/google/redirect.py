"""The little web server on 127.0.0.1 that receives the browser's answer to a Google
sign-in: it keeps the address the browser was sent back to and shows a page saying
the sign-in is done. Our own, rather than google-auth-oauthlib's private helpers, so
a library upgrade cannot break the sign-in.

It gives up on a connection that asks nothing within ``read_s`` (a browser's
preconnect would otherwise hold the single-threaded server, and with it a cancel),
logs instead of printing to stderr, and binds its port exclusively.
"""

from __future__ import annotations

import logging
import wsgiref.simple_server
import wsgiref.util
from collections.abc import Callable, Iterable
from typing import Any

from receptionist.texts import QT_TRANSLATE_NOOP, Text

log = logging.getLogger("receptionist.sync")

DONE = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "Signed in to Google. You can close this window and go back to Receptionist.",
    )
)
VISIT = QT_TRANSLATE_NOOP("core", "Open this address in a browser to sign in to Google: {url}")


class Answer:
    """The WSGI app: the first request's full address, and the "done" page for each."""

    def __init__(self, page: str = DONE) -> None:
        self.last_request_uri: str | None = None
        self._page = page.encode("utf-8")

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        start_response("200 OK", [("Content-type", "text/plain; charset=utf-8")])
        self.last_request_uri = wsgiref.util.request_uri(environ)
        return [self._page]


def serve(answer: Answer, read_s: float) -> wsgiref.simple_server.WSGIServer:
    """A server on 127.0.0.1 at a free port, answering with ``answer``."""

    class Handler(wsgiref.simple_server.WSGIRequestHandler):
        timeout = read_s

        def log_message(self, format: str, *args: Any) -> None:
            log.info("sign-in redirect: " + format, *args)

    return wsgiref.simple_server.make_server(
        "127.0.0.1", 0, answer, server_class=_Server, handler_class=Handler
    )


class _Server(wsgiref.simple_server.WSGIServer):
    allow_reuse_address = False  # no other program may share the port the answer comes to

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection given up on, or dropped: logged, not printed to stderr."""
        log.info("sign-in redirect: a connection was given up on")
