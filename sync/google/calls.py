"""One Google call, paced (``pacing``: within the per-user quota), with our own
backoff: 429, 5xx and 403 rateLimitExceeded are tried again after a growing pause
(1, 2, 4 ... 32 s, with a little jitter; a rate limit also slows the pace). The
client's own ``num_retries`` is left at 0: it sleeps with ``time.sleep`` and does not
know 403 rateLimitExceeded from quotaExceeded; ours takes the sleep injected, so
tests never wait; quotaExceeded stops the round; a revoked or expired refresh token
(``invalid_grant``) asks for a reconnect; no answer at all is "offline"."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

import httplib2
from google.auth.exceptions import RefreshError, TransportError
from googleapiclient.errors import HttpError

from receptionist.google import calendars

from .pacing import Pacer

Sleep = Callable[[float], None]
TRIES = 6
RATE = ("rateLimitExceeded", "userRateLimitExceeded")
QUOTA = ("quotaExceeded", "dailyLimitExceeded")


class Stop(Exception):
    """The round cannot go on: ``status`` says why (nothing local is lost)."""

    status = "error"


class NeedsReconnect(Stop):
    status = calendars.NEEDS_RECONNECT


class QuotaExceeded(Stop):
    status = "quota"


class Offline(Stop):
    status = "offline"


class Halted(Stop):
    """The round was asked to stop (the app closing): raised before a request or a
    retry's pause, never inside a request; what the round did so far stays."""

    status = "stopped"


class Failed(Exception):
    """Google refused this one call (``status``, ``reason``): the round goes on."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"HTTP {status} {reason}")
        self.status, self.reason = status, reason


def reason_of(error: HttpError) -> str:
    try:
        found = json.loads(error.content)["error"]
        return str((found.get("errors") or [{}])[0].get("reason") or found.get("status") or "")
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return ""


class Caller:
    """Runs requests one at a time, paced, counting them and the retries, with backoff."""

    def __init__(
        self, sleep: Sleep, pacer: Pacer | None = None, stop: Callable[[], bool] | None = None
    ) -> None:
        self.sleep = sleep
        self.pacer = pacer if pacer is not None else Pacer(sleep=sleep)
        self.requests = 0
        self.retries = 0
        # Asked before each request and each retry's pause: once it says so, Halted.
        self.stop = stop or (lambda: False)

    def check(self) -> None:
        """:class:`Halted` when the round is asked to stop."""
        if self.stop():
            raise Halted("stopped")

    def run(self, request: Any, if_match: str = "") -> dict[str, Any]:
        if if_match:
            request.headers["If-Match"] = if_match
        for attempt in range(TRIES):
            last = attempt == TRIES - 1
            self.check()  # before the request, and before a retry after its pause
            try:
                self.pacer.before()
                self.requests += 1
                answer = request.execute(num_retries=0)
                self.pacer.went_through()
                return answer if isinstance(answer, dict) else {}
            except HttpError as exc:
                status, reason = int(exc.resp.status), reason_of(exc)
                if status == 403 and reason in QUOTA:
                    raise QuotaExceeded(reason) from None
                limited = status == 429 or (status == 403 and reason in RATE)
                if limited:
                    self.pacer.slow_down()
                if not (limited or status >= 500) or last:
                    raise Failed(status, reason) from None
            except RefreshError as exc:
                if "invalid_grant" in str(exc) or not getattr(exc, "retryable", False):
                    raise NeedsReconnect("invalid_grant") from None
                if last:
                    raise Offline("token endpoint") from None
            except (OSError, httplib2.HttpLib2Error, TransportError) as exc:
                if last:
                    raise Offline(type(exc).__name__) from None
            self.retries += 1
            self.check()  # not a pause of up to 32 s while the app closes
            self.sleep(min(32.0, 2.0**attempt) + random.random() / 4)
        raise AssertionError("unreachable")  # pragma: no cover
