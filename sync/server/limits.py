"""The request body's size limit, enforced before any route reads a byte of it.

A body that says it is too long (``Content-Length``) is refused at once; one sent in
chunks is counted as it arrives and refused when it passes the limit, before it was
parsed. Either way nothing was written: a route reads its whole body first.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import too_large

LIMIT = 16 * 1024 * 1024


class BodyLimit:
    def __init__(self, app: ASGIApp, limit: int = LIMIT) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await too_large().response()(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    # An HTTPException passes FastAPI's body reading as it is.
                    raise HTTPException(413)
            return message

        await self.app(scope, counted, send)
