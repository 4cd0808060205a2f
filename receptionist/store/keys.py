"""The data key and the slots that wrap it.

A random 256-bit data key encrypts the database. It is kept in the OS keychain and
also wrapped (AES-256-GCM, key derived with Argon2id) under a recovery code shown
once at set-up and, optionally, an admin passphrase. The wrapped copies live in the
key file, so a lost keychain never loses the data.
"""

from __future__ import annotations

import base64
import os
import secrets
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

from argon2.exceptions import HashingError
from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from receptionist.errors import NotOurFile, UnlockError, UserError
from receptionist.texts import QT_TRANSLATE_NOOP, Text

KEY_BYTES = 32
NONCE_BYTES = 12  # AES-GCM's standard nonce
# Crockford's base32: no I, L, O, U, so a code read over the phone stays unambiguous.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_GROUPS = 5
_CODE_GROUP_LEN = 5
# What unwrapping a slot with the wrong secret says, by the slot's kind.
_WRONG_SECRET = {
    "recovery": Text(QT_TRANSLATE_NOOP("core", "That recovery is not correct.")),
    "passphrase": Text(QT_TRANSLATE_NOOP("core", "That passphrase is not correct.")),
    "successor": Text(QT_TRANSLATE_NOOP("core", "That successor is not correct.")),
}


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. Stored with every slot, so old slots stay readable."""

    time_cost: int = 3
    memory_kib: int = 64 * 1024
    parallelism: int = 2


DEFAULT_KDF = KdfParams()


def new_data_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def new_recovery_code() -> str:
    """25 symbols of Crockford base32 (125 bits), in five groups of five."""
    chars = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_GROUPS * _CODE_GROUP_LEN))
    groups = [chars[i : i + _CODE_GROUP_LEN] for i in range(0, len(chars), _CODE_GROUP_LEN)]
    return "-".join(groups)


def normalize_recovery_code(text: str) -> str | None:
    """The canonical form of a typed recovery code, or None if it cannot be one."""
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\t\n")
    cleaned = cleaned.translate(str.maketrans("OIL", "011"))
    if len(cleaned) != _CODE_GROUPS * _CODE_GROUP_LEN:
        return None
    if any(ch not in _CODE_ALPHABET for ch in cleaned):
        return None
    groups = [cleaned[i : i + _CODE_GROUP_LEN] for i in range(0, len(cleaned), _CODE_GROUP_LEN)]
    return "-".join(groups)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def derive(secret: str, salt: bytes, params: KdfParams) -> bytes:
    # NFC, so the same passphrase typed on macOS and Windows derives the same key.
    try:
        material = unicodedata.normalize("NFC", secret).encode("utf-8")
    except UnicodeEncodeError:  # a typed byte the terminal could not decode
        raise UserError(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The passphrase or recovery code contains a broken character; type it again.",
                )
            )
        ) from None
    if not (
        1 <= params.time_cost <= 64
        and 8 * params.parallelism <= params.memory_kib <= 4 * 1024 * 1024
        and 1 <= params.parallelism <= 64
    ):
        raise NotOurFile(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The key file is damaged: a key slot has impossible KDF settings. "
                    "Put clinic.keys back from a backup of the data folder.",
                )
            )
        )
    try:
        return hash_secret_raw(
            material,
            salt,
            time_cost=params.time_cost,
            memory_cost=params.memory_kib,
            parallelism=params.parallelism,
            hash_len=KEY_BYTES,
            type=Type.ID,
        )
    except HashingError as exc:
        raise NotOurFile(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The key file is damaged: a key slot cannot be derived. "
                    "Put clinic.keys back from a backup of the data folder.",
                )
            )
        ) from exc


@dataclass
class Slot:
    """One wrapped copy of the data key."""

    kind: str  # "recovery" | "passphrase"
    generation: int
    salt: str
    nonce: str
    ciphertext: str
    kdf: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Slot:
        try:
            return cls(
                kind=str(data["kind"]),
                generation=int(data["generation"]),
                salt=str(data["salt"]),
                nonce=str(data["nonce"]),
                ciphertext=str(data["ciphertext"]),
                kdf={k: int(v) for k, v in dict(data["kdf"]).items()},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise NotOurFile(
                Text(
                    QT_TRANSLATE_NOOP("core", "The key file is damaged: a key slot is incomplete.")
                )
            ) from exc


def _aad(clinic_id: str, kind: str, generation: int) -> bytes:
    return f"receptionist-slot:{clinic_id}:{kind}:{generation}".encode()


def wrap(
    data_key: bytes,
    secret: str,
    *,
    kind: str,
    clinic_id: str,
    generation: int,
    params: KdfParams | None = None,
) -> Slot:
    params = params or DEFAULT_KDF
    salt = os.urandom(16)
    nonce = os.urandom(NONCE_BYTES)
    kek = derive(secret, salt, params)
    ct = AESGCM(kek).encrypt(nonce, data_key, _aad(clinic_id, kind, generation))
    return Slot(kind, generation, _b64(salt), _b64(nonce), _b64(ct), asdict(params))


def unwrap(slot: Slot, secret: str, *, clinic_id: str) -> bytes:
    """The data key in ``slot``; UnlockError if ``secret`` is not the right one."""
    try:
        params = KdfParams(**slot.kdf)
        salt, nonce, ct = _unb64(slot.salt), _unb64(slot.nonce), _unb64(slot.ciphertext)
        if len(nonce) != NONCE_BYTES:
            raise ValueError("the nonce has the wrong size")
    except (TypeError, ValueError) as exc:
        raise NotOurFile(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The key file is damaged: a key slot cannot be read. "
                    "Put clinic.keys back from a backup of the data folder.",
                )
            )
        ) from exc
    kek = derive(secret, salt, params)
    try:
        key = AESGCM(kek).decrypt(nonce, ct, _aad(clinic_id, slot.kind, slot.generation))
    except InvalidTag as exc:
        wrong = _WRONG_SECRET.get(slot.kind) or Text(
            QT_TRANSLATE_NOOP("core", "That {kind} is not correct."),
            kind=slot.kind.replace("_", " "),
        )
        raise UnlockError(wrong) from exc
    if len(key) != KEY_BYTES:
        raise NotOurFile(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The key file is damaged: a wrapped key has the wrong size. "
                    "Put clinic.keys back from a backup of the data folder.",
                )
            )
        )
    return key
