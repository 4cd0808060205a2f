"""The cloud endpoint's HTTP client (docs/sync-protocol.md), over httpx.

Plain HTTP only to loopback; HTTPS with certificate verification otherwise, against
the system's certificates or a private CA file. Whatever the endpoint says is turned
into what this PC acts on: :class:`~sync.round.Unreachable` for a network that is
down or an endpoint answering 5xx (try later; nothing is lost), :class:`~sync.round.Gap`
and :class:`~sync.round.ResetRequired` for the protocol's own answers, and one
sentence a person can act on (a ``ReceptionistError``) for a refusal.
"""

from __future__ import annotations

import os
import ssl
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from receptionist.errors import ReceptionistError, UnlockError, UserError
from receptionist.hosts import loopback
from receptionist.journal.anchor import Anchor
from receptionist.journal.notary import Proposal
from receptionist.ops.replica import Change, DeviceName, Pulled, PulledConflict
from receptionist.replica.chunks import Chunk, Wanted
from receptionist.replica.records import Record
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from .round import Gap, PullPage, PushAnswer, ResetRequired, Unreachable

TIMEOUT = httpx.Timeout(30.0, connect=10.0)  # each connect, and each wait for bytes
# The longest a request may take in all: a link that sends a byte now and then never
# trips a read timeout, yet a round must end (as "unreachable", losing nothing).
DEADLINE = 300.0
PULL_LIMIT = 5_000  # records a page (the most the endpoint gives): 700,000 are 140 transactions
# An idle connection is let go of after this long: under uvicorn's 5 s (and a load
# balancer's usual minute), so the client seldom sends on one the server is closing.
KEEPALIVE_S = 2.0


_CONTEXTS: dict[tuple[object, ...], ssl.SSLContext] = {}
_CONTEXTS_LOCK = threading.Lock()


def tls_context(ca_file: Path | None = None) -> ssl.SSLContext:
    """The context a client verifies the endpoint's certificate with: the authorities
    httpx trusts (certifi's bundle, or ``SSL_CERT_FILE``/``SSL_CERT_DIR``), or only
    those in ``ca_file`` (a file or a folder of them).

    Made once per process for each set of authorities and shared by every client:
    loading the bundle costs about 25 ms of CPU, and a client is made for every round,
    even for a plain ``http://`` endpoint on this PC. A CA file is read again once it
    changes (a new time or size), so a replaced one is never ignored. Threads may share a
    context: connections only read it (httpx sets the same ALPN list on it each time)."""
    if ca_file is None:
        key: tuple[object, ...] = (os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    else:
        found = ca_file.stat()  # a missing file: FileNotFoundError, as httpx would raise
        key = (str(ca_file.resolve()), found.st_mtime_ns, found.st_size)
    with _CONTEXTS_LOCK:
        context = _CONTEXTS.get(key)
        if context is None:
            context = _CONTEXTS[key] = _new_context(ca_file)
        return context


def _new_context(ca_file: Path | None) -> ssl.SSLContext:
    if ca_file is None:
        return httpx.create_ssl_context()
    if ca_file.is_dir():
        return ssl.create_default_context(capath=str(ca_file))
    return ssl.create_default_context(cafile=str(ca_file))


class Refused(ReceptionistError):
    """The endpoint refused a request (a 4xx other than the protocol's own answers)."""


def checked_url(url: str) -> str:
    """``url`` without a trailing slash; UserError for one that is not http(s), or is
    plain HTTP to a host other than this PC."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "The server address must be like https://cloud.example.com."
                )
            ),
        )
    if parts.scheme == "http" and not loopback(parts.hostname):
        raise UserError(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "Plain http:// is only for a server on this PC; use https:// for {host}.",
                ),
                host=parts.hostname,
            )
        )
    return url.strip().rstrip("/")


class Client:
    """One endpoint, as one device (``token``) or before it has one."""

    def __init__(
        self,
        url: str,
        token: str | None = None,
        *,
        ca_file: Path | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout = TIMEOUT,
        deadline: float = DEADLINE,
    ) -> None:
        self.url = checked_url(url)
        self.deadline = deadline
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(
            base_url=self.url,
            headers=headers,
            timeout=timeout,
            verify=tls_context(ca_file),
            transport=transport,
            limits=httpx.Limits(keepalive_expiry=KEEPALIVE_S),
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the transport -----------------------------------------------------------------

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._sent(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise Unreachable(f"{type(exc).__name__} reaching {self.url}") from exc
        if response.status_code >= 500:
            raise Unreachable(f"the endpoint answered {response.status_code}")
        if response.status_code >= 400:
            raise _refusal(response)
        return response.json()

    def _sent(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A kept-alive connection the server closed just as the request went out
        ("disconnected without sending a response") is a race, not an outage: a read
        (GET, which changes nothing) is sent once more, on a new connection."""
        try:
            return self._exchange(method, path, **kwargs)
        except httpx.RemoteProtocolError:
            if method != "GET":
                raise
            return self._exchange(method, path, **kwargs)

    def _exchange(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The response, read whole within the deadline."""
        give_up = time.monotonic() + self.deadline
        with self.http.stream(method, path, **kwargs) as response:
            body = bytearray()
            for chunk in response.iter_raw():
                body += chunk
                if time.monotonic() > give_up:
                    raise Unreachable(f"{self.url} took longer than {self.deadline:g} s to answer")
        return httpx.Response(
            response.status_code, headers=response.headers, content=bytes(body),
            request=response.request,
        )  # fmt: skip

    # -- joining -----------------------------------------------------------------------

    def connect(self, code: str, name: str, public_key: str) -> dict[str, Any]:
        body = {"code": code, "name": name, "public_key": public_key}
        found: dict[str, Any] = self._call("POST", "/v1/connect", json=body)
        return found

    def join(self, invite_id: str, name: str, public_key: str) -> dict[str, Any]:
        body = {"invite_id": invite_id, "name": name, "public_key": public_key}
        found: dict[str, Any] = self._call("POST", "/v1/join", json=body)
        return found

    def invite(self, wrapped_key: str, hours: int) -> dict[str, Any]:
        found: dict[str, Any] = self._call(
            "POST", "/v1/invitations", json={"wrapped_key": wrapped_key, "hours": hours}
        )
        return found

    def envelopes(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self._call("GET", "/v1/envelopes")["envelopes"]
        return found

    def put_envelopes(self, envelopes: list[dict[str, Any]]) -> None:
        self._call("POST", "/v1/envelopes", json={"envelopes": envelopes})

    def devices(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self._call("GET", "/v1/devices")["devices"]
        return found

    def device_names(self) -> dict[str, DeviceName]:
        """The clinic's devices by id, as people know them (sync.round.Endpoint)."""
        return {
            str(d["id"]): DeviceName(str(d.get("name") or ""), str(d.get("code") or ""))
            for d in self.devices()
        }

    def revoke(self, device_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self._call("POST", f"/v1/devices/{device_id}/revoke")
        return found

    # -- leases (sync/reminderlease.py) ------------------------------------------------

    def lease(
        self,
        name: str,
        ttl_seconds: int,
        *,
        preferred: bool = False,
        release: bool = False,
        force_by: str | None = None,
    ) -> dict[str, Any]:
        """Acquire, renew or release the clinic's lease ``name``; who holds it after.
        ``force_by``: a person (that user) says the holder is off: take it now."""
        body: dict[str, Any] = {
            "ttl_seconds": ttl_seconds, "preferred": preferred, "release": release
        }  # fmt: skip
        if force_by is not None:
            body.update(force=True, actor=force_by)
        found: dict[str, Any] = self._call("POST", f"/v1/leases/{name}", json=body)
        return found

    def lease_holder(self, name: str) -> dict[str, Any]:
        """Who holds the clinic's lease ``name``, claiming nothing."""
        found: dict[str, Any] = self._call("GET", f"/v1/leases/{name}")
        return found

    # -- the round (sync.round.Endpoint) -----------------------------------------------

    def push(self, changes: list[Change]) -> PushAnswer:
        body = {
            "first_seq": changes[0].seq,
            "changes": [
                {
                    "seq": c.seq,
                    "base_version": c.base_version or None,
                    "record": c.record.to_json(),
                }
                for c in changes
            ],
        }
        try:
            answer = self._call("POST", "/v1/push", json=body)
        except _GapAnswer as gap:
            raise Gap(gap.last_seq) from None
        outcomes = [r["outcome"] for r in answer["results"]]
        conflicts = sum(1 for outcome in outcomes if outcome in ("conflict", "refused"))
        repeated = bool(outcomes) and all(outcome == "duplicate" for outcome in outcomes)
        return PushAnswer(int(answer["last_seq"]), conflicts, _time_or_none(answer), repeated)

    def pull(self, cursor: int, horizon: int = 0) -> PullPage:
        params = {"cursor": cursor, "limit": PULL_LIMIT, "horizon": horizon}
        try:
            page = self._call("GET", "/v1/pull", params=params)
        except _ResetAnswer:
            raise ResetRequired() from None
        records = [
            Pulled(Record.from_json(r), str(r.get("device") or "endpoint")) for r in page["records"]
        ]
        conflicts = [_conflict(c) for c in page["conflicts"]]
        found = page.get("horizon")  # an endpoint older than 0022's PCs says none
        return PullPage(
            records, conflicts, int(page["cursor"]), bool(page["more"]),
            int(found) if isinstance(found, int) else 0,
        )  # fmt: skip

    def put_chunk(self, chunk: Chunk) -> None:
        """Keep one sealed chunk of a large document on the endpoint."""
        self._call("PUT", "/v1/chunks", json=chunk.to_json())

    def chunk(self, wanted: Wanted, index: int) -> tuple[int, str]:
        """One sealed chunk of a large document: its key generation and sealed text."""
        params = {"entity": wanted.entity, "id": wanted.id, "version": wanted.version,
                  "index": index}  # fmt: skip
        found = self._call("GET", "/v1/chunks", params=params)
        return int(found["key_gen"]), str(found["sealed"])

    def reseal(self, records: list[Record]) -> list[str]:
        """Records sealed again under a newer generation; each one's outcome."""
        body = {"records": [r.to_json() for r in records]}
        found: list[str] = self._call("POST", "/v1/reseal", json=body)["outcomes"]
        return found

    def conflicts(self, state: str = "open") -> list[PulledConflict]:
        found = self._call("GET", "/v1/conflicts", params={"state": state})["conflicts"]
        return [_conflict(c) for c in found]

    def resolve(self, conflict_id: str, resolution: str, forgotten: Sequence[str] = ()) -> None:
        """Close the conflict for every PC; ``forgotten``: the ids of its records whose
        sealed values this PC forgot (an anonymised patient's kept visit), which the
        endpoint empties too (an endpoint older than session 17 ignores them). One the
        endpoint does not hold (its database was restored from an older backup) has
        nothing left to close: not an error, or the PC would send it again every round
        and never finish one."""
        body: dict[str, object] = {"resolution": resolution}
        if forgotten:
            body["forgotten"] = list(forgotten)
        try:
            self._call("POST", f"/v1/conflicts/{conflict_id}/resolve", json=body)
        except Refused as exc:
            said = exc.args[0] if exc.args else None
            if not (isinstance(said, Text) and said.params.get("code") == "not_found"):
                raise

    def forget(self, conflict_id: str, ids: Sequence[str]) -> None:
        """The conflict's records ``ids``, whose sealed values this PC forgot (an
        anonymised patient's kept visit), emptied at the endpoint too. A conflict the
        endpoint does not hold, or an endpoint older than session 17 (no such route:
        404), has nothing to empty: not an error, or the PC would send it every round
        (its resolution names them again, ``resolve``)."""
        try:
            self._call("POST", f"/v1/conflicts/{conflict_id}/forget", json={"records": list(ids)})
        except Refused as exc:
            said = exc.args[0] if exc.args else None
            if not (isinstance(said, Text) and said.params.get("status") == 404):
                raise

    def my_anchor(self) -> Anchor | None:
        found = self._call("GET", "/v1/anchors/mine")["anchor"]
        return _anchor(found) if found else None

    def put_anchor(self, anchor: Anchor, *, accepted_break: bool = False) -> bool:
        """Hand the endpoint this PC's audit-log head; False when it refuses one that
        goes back before the anchor it holds."""
        body = {
            "log_id": anchor.clinic_id,
            "events": anchor.events,
            "head_seq": anchor.head_seq,
            "head_hash": anchor.head_hash,
            "taken_at": anchor.taken_at.isoformat(),
            "accepted_break": accepted_break,
        }
        try:
            self._call("POST", "/v1/anchors", json=body)
        except _Regressed:
            return False
        return True

    def endpoint_key(self) -> str:
        """The endpoint's Ed25519 public key (base64), which signs audit checkpoints."""
        return str(self._call("GET", "/v1/endpoint-key")["public_key"])

    def sign_checkpoint(self, proposal: Proposal) -> tuple[str, str] | None:
        """The endpoint's (signature, public key) over ``proposal``; None when it
        refuses: the newest anchor it holds of this PC does not vouch for it."""
        body = {
            "log_id": proposal.log_id,
            "seq": proposal.seq,
            "hash": proposal.hash,
            "at": proposal.at.isoformat(),
            "anchor_seq": proposal.anchor_seq,
            "anchor_hash": proposal.anchor_hash,
        }
        try:
            found = self._call("POST", "/v1/anchors/checkpoint", json=body)
        except Refused as exc:
            said = exc.args[0] if exc.args else None
            if isinstance(said, Text) and said.params.get("code") == "checkpoint_unvouched":
                return None
            raise
        return str(found["signature"]), str(found["public_key"])


def _anchor(data: dict[str, Any]) -> Anchor:
    return Anchor(
        clinic_id=str(data["log_id"]),
        events=int(data["events"]),
        head_seq=int(data["head_seq"]),
        head_hash=str(data["head_hash"]),
        head_at=None,
        taken_at=datetime.fromisoformat(str(data["taken_at"])),
    )


def _time_or_none(answer: dict[str, Any]) -> datetime | None:
    """A push answer's ``applied_at`` (server s0009): None when absent (an older
    endpoint, or a batch applied now) or not an aware time; it then changes nothing."""
    said = answer.get("applied_at")
    try:
        found = datetime.fromisoformat(said) if isinstance(said, str) else None
    except ValueError:
        return None
    return found if found is not None and found.tzinfo is not None else None


def _conflict(data: dict[str, Any]) -> PulledConflict:
    resolved_at = data.get("resolved_at")
    return PulledConflict(
        id=str(data["id"]),
        kind=str(data["kind"]),
        entity=str(data["entity"]),
        row_id=str(data["row_id"]),
        records=[Record.from_json(r) for r in data["records"]],
        created_at=datetime.fromisoformat(str(data["created_at"])),
        resolved=bool(data["resolved"]),
        devices=tuple(str(r.get("device") or "") for r in data["records"]),
        resolved_at=datetime.fromisoformat(str(resolved_at)) if resolved_at else None,
        resolution=str(data.get("resolution") or ""),
    )


class Revoked(UnlockError):
    """The endpoint revoked this PC: its device token serves no session any more."""


class _GapAnswer(Exception):
    def __init__(self, last_seq: int) -> None:
        self.last_seq = last_seq


class _ResetAnswer(Exception):
    pass


class _Regressed(Exception):
    pass


def _refusal(response: httpx.Response) -> Exception:
    try:
        body = response.json()
    except ValueError:
        body = {}
    code = str(body.get("error", "")) if isinstance(body, dict) else ""
    if response.status_code == 409 and code == "gap":
        return _GapAnswer(int(body.get("last_seq", 0)))
    if response.status_code == 410:
        return _ResetAnswer()
    if response.status_code == 409 and code == "anchor_regressed":
        return _Regressed()
    if code == "revoked":
        return Revoked(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The cloud endpoint has revoked this PC; it keeps working alone. Ask an "
                    "administrator to invite it again.",
                )
            )
        )
    if code in ("unknown_code", "used", "expired"):
        return UserError(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The endpoint does not take that code: it is mistyped, was used already, "
                    "or has expired. Ask for a new one.",
                )
            )
        )
    if code == "chunks_unclaimed":
        return Refused(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The cloud endpoint holds more of this PC's document chunks without their "
                    "records than it keeps ({limit} MB); nothing was lost here. Sync again "
                    "tomorrow, once it has cleared the old ones; if this repeats, ask the "
                    "endpoint's operator.",
                ),
                limit=int(body.get("limit", 0)) // (1024 * 1024),
            )
        )
    if code == "unauthorized":
        return UnlockError(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The cloud endpoint does not know this PC (another endpoint, or its "
                    "database was replaced). Connect the PC again.",
                )
            )
        )
    return Refused(
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "The cloud endpoint refused the request ({status} {code}); nothing was changed. "
                "The log has the details; update Receptionist if this repeats.",
            ),
            status=response.status_code,
            code=code or "-",
        )
    )
