"""Joining a clinic on the cloud endpoint, and syncing with it: the flows the CLI and
the app run, each a few requests around the core's operations (``ops.replica``).
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from receptionist.clock import Clock
from receptionist.context import Ctx, require
from receptionist.errors import UserError
from receptionist.ops import audit as audit_ops
from receptionist.ops import replica
from receptionist.ops.audit import Anchor, VerifyResult
from receptionist.replica import envelopes
from receptionist.replica.seal import ClinicKey
from receptionist.replica.state import NOT_CONNECTED
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from . import round as rounds
from .client import Client

ALREADY = QT_TRANSLATE_NOOP(
    "core", "This PC is connected to a cloud endpoint already ({url}); nothing was changed."
)
CANNOT_INVITE = Text(QT_TRANSLATE_NOOP("core", "Only an administrator can invite a PC."))


def default_name() -> str:
    """A name for this PC as the device list shows it (its host name, shortened)."""
    host = os.environ.get("COMPUTERNAME") or os.uname().nodename
    return (host.split(".")[0] or "PC")[:60]


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def client_for(db: Database) -> Client:
    """A client of the endpoint this PC is connected to, as this device."""
    status = replica.status(db)
    if not status.connected:
        raise UserError(NOT_CONNECTED)
    ca = replica.ca_file()
    return Client(status.server_url, replica.token(db), ca_file=Path(ca) if ca else None)


def connect(db: Database, ctx: Ctx, url: str, code: str, name: str) -> replica.Joined:
    """The clinic's first PC registers with a connect code, makes the clinic key, and
    keeps it (and a sealed copy for itself on the endpoint). The upload follows in
    the first round."""
    require(ctx, "keys.manage", replica.CANNOT)
    status = replica.status(db)
    if status.connected:
        raise UserError(Text(ALREADY, url=status.server_url))
    private, public = envelopes.new_device_key()
    with Client(url) as anonymous:
        answer = anonymous.connect(code.strip(), name, _b64(public))
    joined = replica.Joined(
        anonymous.url, answer["clinic_id"], answer["device_id"], answer["device_code"], name
    )
    key = ClinicKey.new(1)
    replica.connected(db, ctx, joined, private, key, first=True)
    replica.keep_token(db, ctx, answer["token"])
    with client_for(db) as client:
        blob = envelopes.wrap_for_device(key, public, joined.clinic_id)
        client.put_envelopes([{"device_id": joined.device_id, "generation": 1, "blob": blob}])
    return joined


@dataclass(frozen=True)
class Invitation:
    code: str  # <invite id>.<secret>: the secret never reaches the endpoint
    expires_at: str


def invite(db: Database, ctx: Ctx, hours: int = 24) -> Invitation:
    """A one-time code for another PC to join this clinic with."""
    require(ctx, "keys.manage", CANNOT_INVITE)
    keys = replica.keys_of(db)
    key = keys[max(keys)]
    clinic = _clinic_id(db)
    secret = secrets.token_bytes(16)
    wrapped = envelopes.wrap_for_invitation(key, secret, clinic)
    with client_for(db) as client:
        answer = client.invite(wrapped, hours)
    token = base64.urlsafe_b64encode(secret).decode("ascii").rstrip("=")
    return Invitation(f"{answer['invite_id']}.{token}", str(answer["expires_at"]))


def _clinic_id(db: Database) -> str:
    return replica.clinic_of(db)


def split_code(code: str) -> tuple[str, bytes]:
    """An invitation code's id and secret; UserError for text that is not one."""
    invite_id, _, token = code.strip().partition(".")
    try:
        secret = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except ValueError:
        secret = b""
    if not invite_id or len(secret) != 16:
        raise UserError(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "That is not an invitation code (it looks like ABC123.xyz...); copy it "
                    "again from the PC that made it.",
                )
            )
        )
    return invite_id, secret


def join(db: Database, ctx: Ctx, url: str, code: str, name: str) -> replica.Joined:
    """A new PC (its encrypted file made, empty) joins with an invitation: the clinic
    key unwrapped with the code's secret, a sealed copy kept on the endpoint for this
    device, and the device code for its patient numbers. The download follows."""
    invite_id, secret = split_code(code)
    private, public = envelopes.new_device_key()
    with Client(url) as anonymous:
        answer = anonymous.join(invite_id, name, _b64(public))
    key = envelopes.open_invitation(answer["wrapped_key"], secret, answer["clinic_id"])
    joined = replica.Joined(
        anonymous.url, answer["clinic_id"], answer["device_id"], answer["device_code"], name
    )
    replica.connected(db, ctx, joined, private, key, first=False)
    replica.keep_token(db, ctx, answer["token"])
    with client_for(db) as client:
        blob = envelopes.wrap_for_device(key, public, joined.clinic_id)
        client.put_envelopes(
            [{"device_id": joined.device_id, "generation": key.generation, "blob": blob}]
        )
    return joined


def sync_once(
    db: Database, clock: Clock, pulled: Callable[[int], None] | None = None
) -> rounds.RoundResult:
    """One round: upload (the first PC, once), push, pull. ``pulled`` is told how many
    records have come down so far, after each page (the app's download progress)."""
    with client_for(db) as client:
        if pulled is None:
            return rounds.run(db, client, clock)
        return rounds.run(db, _Counting(client, pulled), clock)


class _Counting:
    """An endpoint that counts the records it pulls, and says so after each page."""

    def __init__(self, inner: rounds.Endpoint, report: Callable[[int], None]) -> None:
        self.inner, self.report, self.pulled = inner, report, 0

    def push(self, changes: list[replica.Change]) -> rounds.PushAnswer:
        return self.inner.push(changes)

    def pull(self, cursor: int) -> rounds.PullPage:
        page = self.inner.pull(cursor)
        self.pulled += len(page.records)
        self.report(self.pulled)
        return page

    def resolve(self, conflict_id: str, resolution: str) -> None:
        self.inner.resolve(conflict_id, resolution)

    def device_names(self) -> dict[str, replica.DeviceName]:
        return self.inner.device_names()

    def my_anchor(self) -> Anchor | None:
        return self.inner.my_anchor()

    def put_anchor(self, anchor: Anchor, *, accepted_break: bool = False) -> bool:
        return self.inner.put_anchor(anchor, accepted_break=accepted_break)


@dataclass(frozen=True)
class AnchorCheck:
    """This PC's audit log against the newest anchor the endpoint keeps of it."""

    kept: Anchor | None
    verdict: VerifyResult


def check_anchor(db: Database, ctx: Ctx) -> AnchorCheck:
    """The whole log verified, and against the endpoint's anchor (managers, admins)."""
    with client_for(db) as client:
        kept = client.my_anchor()
    return AnchorCheck(kept, audit_ops.verify(db, ctx, anchor=kept))


def accept_anchor_break(db: Database, ctx: Ctx) -> Anchor:
    """After a restore from a backup: record the acceptance and hand the endpoint the
    log's new head, marked as a break it keeps on record (administrators)."""
    anchor = audit_ops.accept_break(db, ctx)
    with client_for(db) as client:
        client.put_anchor(anchor, accepted_break=True)
    return anchor
