"""Cloud settings, declared in the registry: this PC's device token (a secret), a
private certificate authority for the endpoint's HTTPS, and how often the app syncs."""

from __future__ import annotations

from receptionist.texts import QT_TRANSLATE_NOOP, Text

from .kinds import Whole, Words
from .registry import Setting, declare

KEYS_MANAGE = "keys.manage"  # the token, and which certificates this PC trusts
CONFIGURE = "clinic.configure"

DEVICE_TOKEN = declare(
    Setting(
        "cloud.device_token",
        "secret",
        Words(200),
        "",
        Text(QT_TRANSLATE_NOOP("core", "Device token")),
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "What this PC shows the cloud endpoint, given when it connected or joined; "
                "kept in the keychain (or the encrypted file where there is none).",
            )
        ),
        KEYS_MANAGE,
    )
)
CA_FILE = declare(
    Setting(
        "cloud.ca_file",
        "pc",
        Words(1000, required=False),
        "",
        Text(QT_TRANSLATE_NOOP("core", "Private certificate authority")),
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "A PEM file of the authority that signed the endpoint's certificate, when it "
                "is not one this PC trusts already. Empty: the system's own.",
            )
        ),
        KEYS_MANAGE,
    )
)
INTERVAL_SECONDS = declare(
    Setting(
        "cloud.sync_interval_seconds",
        "pc",
        Whole(10, 3600, "s"),
        30,
        Text(QT_TRANSLATE_NOOP("core", "Sync every")),
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "Seconds between two sync rounds while this PC is connected to a cloud "
                "endpoint. After a failure the app waits longer each time (at most five "
                "minutes), and tries at once when the network comes back or on Sync now.",
            )
        ),
        CONFIGURE,
    )
)


def token_namespace(clinic_id: str, device_id: str) -> str:
    """Where a device's token is kept (``secretstore``): per device, since one keychain
    may serve several. The one rule for ``ops.replica``, which keeps this PC's token,
    and ``retention.tokens``, which sweeps every other device's."""
    return f"cloud:{clinic_id}:{device_id}"
