"""Authentication tokens in the retention policy: kept only as long as a session needs
(a fixed rule, not a setting: Settings > Retention shows it, nobody edits it).

Every kind of token the product keeps, and when it goes:

- a staff sign-in keeps none: it is an actor in memory, gone when the app locks (idle
  minutes) or closes; there is no "remember me", no session table;
- a password reset or a staff invitation keeps none: an administrator sets the new
  password (``staff.admin.reset_password``), hashed with Argon2id;
- Google's authorisation (the refresh token, in the authorized-user JSON): forgotten
  from the keychain and the file at once when the account is disconnected
  (``google.account.disconnect``: ``settings.secretstore.write`` with "" deletes both);
- this PC's cloud device token: forgotten at once when the endpoint answers that this
  PC was revoked (``sync.cloud.sync_once``); one left in the file for a device this PC
  no longer is (it joined again, under a new device) is removed by the sweep:
  :data:`KIND`, counted in the dry run and the destruction records;
- a cloud invitation's secret is shown once and never kept on a PC; the endpoint keeps
  only hashes of invitations, connect codes and device tokens, and lets go of spent
  ones itself (``sync.server.spent``).
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from receptionist.models import LocalSecret, SyncState
from receptionist.settings import secretstore
from receptionist.settings.cloud import DEVICE_TOKEN, token_namespace
from receptionist.texts import QT_TRANSLATE_NOOP, Text

KIND = "auth_token"
RULE = "retention.auth_tokens=session"  # the policy a destruction record names
LABEL = Text(QT_TRANSLATE_NOOP("core", "Authentication tokens"))
TEXT = Text(QT_TRANSLATE_NOOP("core", "As long as a session needs (fixed)"))
HELP = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "Sign-ins keep no token; Google's is forgotten when the account is disconnected; "
        "this PC's cloud token when the endpoint revokes the PC, and a spent one by the "
        "sweep. Fixed by the privacy policy: not a setting.",
    )
)


def spent(session: Session) -> list[str]:
    """The cloud device tokens kept in the file that serve no session: those of a
    device this PC no longer is (all of them when it syncs with no cloud)."""
    state = session.get(SyncState, 1)
    current = _name(state.clinic_id, state.device_id) if state is not None else None
    suffix = ":" + DEVICE_TOKEN.key
    kept = session.scalars(select(LocalSecret.key).where(LocalSecret.key.like("cloud:%")))
    return sorted(k for k in kept if k.endswith(suffix) and k != current)


def forget(session: Session, names: list[str]) -> int:
    """Delete the tokens ``names`` (``secure_delete`` overwrites their bytes); how many."""
    if not names:
        return 0
    session.execute(delete(LocalSecret).where(LocalSecret.key.in_(names)))
    return len(names)


def _name(clinic_id: str, device_id: str) -> str:
    """As ``ops.replica`` keeps the token: per device, under the clinic."""
    return secretstore.stored_name(token_namespace(clinic_id, device_id), DEVICE_TOKEN)
