"""Sealing a record's payload under the clinic key, bound to where it belongs.

AES-GCM-SIV with a random 96-bit nonce: a repeated nonce under one key reveals only
that two payloads were equal, never the key, so random nonces are safe however many
records are sealed. The associated data binds the clinic, the entity, the row id, the
version and the key's generation: a payload moved to another row, replayed under
another version or sealed under another generation does not open.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCMSIV

from receptionist.errors import ReceptionistError
from receptionist.texts import QT_TRANSLATE_NOOP, Text

NONCE_BYTES = 12


class Tampered(ReceptionistError):
    """A sealed payload that does not open: changed, swapped, replayed or not ours."""

    exit_code = 3


@dataclass(frozen=True)
class ClinicKey:
    generation: int
    key: bytes

    def __post_init__(self) -> None:
        if len(self.key) != 32 or self.generation < 1:
            raise ValueError("a clinic key is 32 bytes, of generation 1 or more")

    @classmethod
    def new(cls, generation: int) -> ClinicKey:
        return cls(generation, os.urandom(32))


@dataclass(frozen=True)
class Place:
    """Where a payload belongs: what its associated data binds it to."""

    clinic_id: str
    entity: str
    row_id: str
    version: int

    def aad(self, generation: int) -> bytes:
        parts = (self.clinic_id, self.entity, self.row_id, str(self.version), str(generation))
        return "\x1f".join(parts).encode("utf-8")


@lru_cache(maxsize=8)
def _cipher(key: bytes) -> AESGCMSIV:
    """The cipher of a clinic key, made once: making it was a quarter of each
    decryption's time, and a download opens 700,000 records under one or two keys."""
    return AESGCMSIV(key)


def seal(key: ClinicKey, place: Place, plaintext: bytes) -> str:
    """``plaintext`` sealed for ``place``: base64 of nonce and ciphertext."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = _cipher(key.key).encrypt(nonce, plaintext, place.aad(key.generation))
    return base64.b64encode(nonce + sealed).decode("ascii")


def open_sealed(key: ClinicKey, place: Place, sealed: str) -> bytes:
    """The plaintext sealed for ``place``; Tampered if it is not exactly that."""
    try:
        raw = base64.b64decode(sealed.encode("ascii"), validate=True)
        nonce, body = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
        if len(nonce) != NONCE_BYTES:
            raise ValueError("short")
        return _cipher(key.key).decrypt(nonce, body, place.aad(key.generation))
    except (InvalidTag, ValueError, UnicodeEncodeError):
        raise Tampered(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "A {entity} record from the cloud endpoint does not open with the clinic "
                    "key: it was changed, moved or replayed there. Nothing of it was applied; "
                    "tell the endpoint's operator.",
                ),
                entity=place.entity,
            )
        ) from None
