"""Joining a clinic on the cloud endpoint, and syncing with it: the flows the CLI and
the app run, each a few requests around the core's operations (``ops.replica``).
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from receptionist.clock import Clock
from receptionist.context import Ctx, require
from receptionist.errors import UserError
from receptionist.ops import audit as audit_ops
from receptionist.ops import replica, rotation
from receptionist.ops.audit import Anchor, VerifyResult
from receptionist.replica import envelopes
from receptionist.replica.chunks import Chunk, Wanted, chunked
from receptionist.replica.rotate import reseal_chunk, reseal_record
from receptionist.replica.seal import ClinicKey
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from . import notary
from . import round as rounds
from .client import Client, Refused, Revoked

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
    url, token = replica.endpoint(db)  # UserError when not connected
    ca = replica.ca_file()
    return Client(url, token, ca_file=Path(ca) if ca else None)


def connect(db: Database, ctx: Ctx, url: str, code: str, name: str) -> replica.Joined:
    """The clinic's first PC registers with a connect code, makes the clinic key, and
    keeps it (and a sealed copy for itself on the endpoint). The upload follows in
    the first round."""
    require(ctx, "keys.manage", replica.CANNOT)
    status = replica.status(db)
    if status.connected:
        raise UserError(Text(ALREADY, url=status.server_url))
    replica.check_uploadable(db)
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
        notary.pin(db, ctx, client)
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
        notary.pin(db, ctx, client)
    return joined


def sync_once(
    db: Database,
    clock: Clock,
    pulled: rounds.PullProgress | None = None,
    stop: rounds.Stop | None = None,
) -> rounds.RoundResult:
    """One round: the clinic key's new generations (after a rotation), then upload
    (the first PC, once), push, pull. ``pulled`` is told how many records have come
    down so far, after each page (the app's download progress). ``stop``
    (``jobs.runner.stop_asked``): the round ends before its next batch or page once it
    says so (``RoundResult.stopped``)."""
    with client_for(db) as client:
        try:
            return _round(db, clock, client, pulled, stop)
        except Revoked:
            # A revoked PC's token opens nothing now: it is kept no longer than the
            # session it served (the retention policy's authentication tokens).
            replica.forget_token(db, clock)
            raise


def _round(
    db: Database,
    clock: Clock,
    client: Client,
    pulled: rounds.PullProgress | None,
    stop: rounds.Stop | None,
) -> rounds.RoundResult:
    try:
        refresh_keys(db, client)
    except rounds.Unreachable as exc:
        replica.finished(db, clock, str(exc) or "unreachable")
        raise
    asked = notary.settle(db, clock, client)  # a pin a connect or join could not make
    result = rounds.run(db, client, clock, pulled, stop)
    if not result.stopped:
        result.notary_problem = notary.check(db, clock, client, asked)
    return result


def refresh_keys(db: Database, client: Client) -> list[int]:
    """Keep the generations of the clinic key the endpoint has envelopes of for this
    PC and it does not hold yet (another PC rotated the key); the ones kept."""
    found = [(int(e["generation"]), str(e["blob"])) for e in client.envelopes()]
    return rotation.keep_envelopes(db, found)


@dataclass(frozen=True)
class Rotated:
    generation: int
    devices: int  # the devices given the new key (not revoked)
    resealed: int
    skipped: int  # changed since they were read (sealed anew by their writer)
    chunks: int = 0  # large documents' chunks sealed again


def rotate(db: Database, ctx: Ctx) -> Rotated:
    """A new generation of the clinic key: an envelope for every device not revoked,
    then every record of the endpoint sealed again under it, at its version."""
    key = rotation.new_generation(db, ctx)
    clinic = _clinic_id(db)
    with client_for(db) as client:
        active = [d for d in client.devices() if not d["revoked_at"]]
        client.put_envelopes([
            {"device_id": d["id"], "generation": key.generation,
             "blob": envelopes.wrap_for_device(key, base64.b64decode(d["public_key"]), clinic)}
            for d in active
        ])  # fmt: skip
        refresh_keys(db, client)  # this PC's own envelope: from now on it seals with it
        resealed, skipped, chunks = _reseal_all(db, client, clinic, key)
    rotation.rotated(db, ctx)
    return Rotated(key.generation, len(active), resealed, skipped, chunks)


def _reseal_all(db: Database, client: Client, clinic: str, key: ClinicKey) -> tuple[int, int, int]:
    """Every record of the endpoint under an older generation, sealed under ``key``,
    and the chunks of its large documents: how many records re-sealed, skipped, and
    chunks re-sealed."""
    keys = replica.keys_of(db)
    cursor, horizon, resealed, skipped, chunks = 0, 0, 0, 0, 0
    while True:
        page = client.pull(cursor, horizon)
        older = [p.record for p in page.records if p.record.key_gen < key.generation]
        if older:
            outcomes = client.reseal([reseal_record(r, clinic, keys, key) for r in older])
            resealed += outcomes.count("resealed")
            skipped += len(outcomes) - outcomes.count("resealed")
        for found in filter(None, (chunked(r, clinic, keys) for r in older)):
            chunks += _reseal_chunks(client, found, clinic, keys, key)
        cursor, horizon = page.cursor, page.horizon
        if not page.more:
            return resealed, skipped, chunks


def _reseal_chunks(
    client: Client, found: Wanted, clinic: str, keys: dict[int, ClinicKey], key: ClinicKey
) -> int:
    """A large document's chunks under an older generation, sealed under ``key`` for
    the same place and stored again (``PUT /v1/chunks`` replaces one); how many. None
    when the endpoint no longer holds them (a newer version replaced the document)."""
    done = 0
    for index in range(found.count):
        try:
            generation, sealed = client.chunk(found, index)
        except Refused as exc:
            said = exc.args[0] if exc.args else None
            if isinstance(said, Text) and said.params.get("code") == "not_found":
                return done
            raise
        if generation >= key.generation:
            continue
        old = Chunk(found.entity, found.id, found.version, index, found.count, generation, sealed)
        client.put_chunk(reseal_chunk(old, clinic, keys, key))
        done += 1
    return done


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
