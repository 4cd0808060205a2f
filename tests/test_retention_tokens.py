"""Authentication tokens kept only as long as a session needs (issue #14): a cloud
device token that serves no session is counted by the dry run and removed by the
sweep (a destruction record under the fixed rule); Google's authorisation is forgotten
at once when the account is disconnected; sign-ins keep no token at all."""

from __future__ import annotations

import json

import keyring
from factories import make_clinic
from sqlalchemy import inspect, select
from templates import MemoryKeyring

from receptionist.context import Ctx
from receptionist.google import account
from receptionist.models import LocalSecret, SyncState
from receptionist.ops import retention
from receptionist.retention import tokens
from receptionist.settings import secretstore
from receptionist.store.storage import Database

OLD = "cloud:clinic-1:device-old:cloud.device_token"
NOW = "cloud:clinic-1:device-now:cloud.device_token"
CHANNEL = "clinic-x:channels.sms_token"  # a channel's credentials: no session token


def keep(db: Database, *names: str) -> None:
    """Tokens as a PC with no keychain keeps them: rows of the encrypted file."""
    with db.write() as s:
        for name in names:
            s.add(LocalSecret(key=name, value=f"secret of {name}"))


def kept(db: Database) -> set[str]:
    with db.read() as s:
        return set(s.scalars(select(LocalSecret.key)))


def this_pc_is(db: Database, device: str) -> None:
    with db.write() as s:
        s.add(
            SyncState(
                id=1, server_url="https://sync.example", clinic_id="clinic-1",
                device_id=device, device_code="B", device_name="Front", private_key=b"k" * 32,
            )
        )  # fmt: skip


def test_a_spent_device_token_is_counted_then_swept(db: Database, ctx: Ctx) -> None:
    with db.write() as s:
        make_clinic(s, ctx)
    keep(db, OLD, NOW, CHANNEL)
    this_pc_is(db, "device-now")  # it joined again: device-old's token is spent
    plan = retention.dry_run(db, ctx, db.path.parent)
    assert plan.counts["auth_token"] == 1
    assert plan.policies["auth_token"] == "retention.auth_tokens=session"
    assert kept(db) == {OLD, NOW, CHANNEL}, "a dry run writes nothing"
    swept = retention.sweep(db, ctx, db.path.parent)
    assert swept.counts["auth_token"] == 1
    assert ("auth_token", 1, "retention.auth_tokens=session") in {
        (r.kind, r.count, r.policy) for r in swept.records
    }
    assert kept(db) == {NOW, CHANNEL}, "this PC's own token and other secrets stay"
    assert retention.dry_run(db, ctx, db.path.parent).counts["auth_token"] == 0


def test_a_pc_that_syncs_no_more_keeps_no_device_token(db: Database, ctx: Ctx) -> None:
    with db.write() as s:
        make_clinic(s, ctx)
    keep(db, OLD, NOW)
    with db.read() as s:
        assert tokens.spent(s) == sorted([OLD, NOW])
    assert retention.sweep(db, ctx, db.path.parent).counts["auth_token"] == 2
    assert kept(db) == set()


def test_google_authorisation_is_forgotten_at_once_on_disconnect(
    db: Database, ctx: Ctx, memory_keyring: MemoryKeyring
) -> None:
    with db.write() as s:
        make_clinic(s, ctx)
    info = {"client_id": "id", "client_secret": "cs", "refresh_token": "r1", "type": "x"}
    account.connect(db, ctx, info)
    assert account.kept(db) is not None
    names = [n for (_, n) in memory_keyring.store if n.endswith(":google.credentials")]
    assert names and json.loads(keyring.get_password(secretstore.SERVICE, names[0]) or "{}")
    account.disconnect(db, ctx)
    assert account.kept(db) is None
    assert keyring.get_password(secretstore.SERVICE, names[0]) is None
    assert not [k for k in kept(db) if k.endswith(":google.credentials")]


def test_sign_in_keeps_no_session_token(db: Database) -> None:
    """Nothing to sweep: no table of the file holds a session, reset or invitation code."""
    with db.read() as s:
        tables = set(inspect(s.connection()).get_table_names())
    suspects = {t for t in tables if any(w in t for w in ("session", "token", "invit", "reset"))}
    assert suspects == set(), suspects
