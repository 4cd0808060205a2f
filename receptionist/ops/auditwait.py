"""Why this PC's audit events past their time wait for good, when they do: a PC that
pinned the cloud endpoint's key cuts its log only behind checkpoints that endpoint
signs (docs/privacy.md, "Keeping audit events for a limited time"), and some states
mean no signature is coming until a person acts. The sweep (``receptionist sweep
--json``, the nightly job's counts, Settings > Retention) and ``audit verify`` say it.

- ``endpoint_key_changed``: the last sync round saw the endpoint sign with another key
  than the one pinned (``journal.notary.saw``). A sync round never pins a new key;
  only a person's connect or join does (``sync/cloud.py``).
- ``revoked``: the endpoint revoked this PC (its device token was forgotten): no
  endpoint signs for this log again. Its events stay, whole; claiming to have left
  sync never lets a PC cut unsigned (the pinning, under the chain, says since when
  checkpoints must be signed).
- ``not_syncing``: the PC pinned a key but keeps no sync state (no way out of sync
  exists today; a file edited by hand).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from receptionist.journal import notary
from receptionist.replica import state
from receptionist.settings import cloud, secretstore
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

KEY_CHANGED = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "Waiting: the cloud endpoint now signs with another key than the one this PC "
        "pinned when it connected (its key was replaced, or it is another endpoint), so "
        "audit events past their time are kept. Ask the endpoint's operator to put its "
        "signing key back from the endpoint's backup; if the clinic moved to another "
        "endpoint on purpose, join this PC to it in a new data folder (`receptionist "
        "--data-dir NEW join`) and keep this file whole.",
    )
)
REVOKED = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "Waiting: this PC keeps no device token for its cloud endpoint any more (the "
        "endpoint revoked it, or the keychain lost it), and no endpoint will sign its "
        "audit log's checkpoints again, so this file keeps its audit events (ids and "
        "kinds, no patient data) whole. To sync again, join with an invitation into a new data "
        "folder (`receptionist --data-dir NEW join`); keep or destroy this file whole.",
    )
)
NOT_SYNCING = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "Waiting: this PC pinned a cloud endpoint's key but no longer syncs, so no "
        "endpoint signs its audit log's checkpoints and its audit events are kept whole. "
        "Run `receptionist audit verify`, and tell whoever looks after the clinic's "
        "computers.",
    )
)


# Each reason's sentence by its code: the nightly sweep's run keeps only the code (its
# count ``audit_waiting_<code>``), which Settings > Jobs says in these words.
WORDS = {"endpoint_key_changed": KEY_CHANGED, "revoked": REVOKED, "not_syncing": NOT_SYNCING}


def said(code: str) -> Text | None:
    """The sentence of the reason ``code`` (None: a code this version does not know)."""
    return WORDS.get(code)


@dataclass(frozen=True)
class Waiting:
    code: str
    message: Text

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "message": str(self.message)}


def why(db: Database) -> Waiting | None:
    """Why no checkpoint of this log will be signed until a person acts (None: none of
    these; a clinic that does not sync, or the endpoint is merely out of reach)."""
    with db.read() as s:
        return standing(s)


def standing(session: Session) -> Waiting | None:
    if notary.pinned(session) is None:
        return None
    if notary.key_changed(session):
        return Waiting("endpoint_key_changed", WORDS["endpoint_key_changed"])
    sync = state.state(session)
    if sync is None:
        return Waiting("not_syncing", WORDS["not_syncing"])
    namespace = cloud.token_namespace(sync.clinic_id, sync.device_id)
    if not secretstore.read(session, namespace, cloud.DEVICE_TOKEN):
        name = secretstore.stored_name(namespace, cloud.DEVICE_TOKEN)
        if secretstore.in_keychain(name) is None:
            return None  # a keychain that cannot say (locked, no session) is no revocation
        return Waiting("revoked", WORDS["revoked"])
    return None
