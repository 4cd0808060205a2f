"""Handing the clinic key to a device without the endpoint ever reading it.

- For a joined device: its X25519 public key is on the endpoint; a PC that holds the
  clinic key wraps it for that public key (an ephemeral X25519 key, ECDH, HKDF-SHA256,
  AES-GCM with a fresh key each time) and stores the envelope there. Only the device's
  private key, which never leaves its encrypted file, opens it.
- For an invitation: the inviting PC wraps the clinic key under a key derived (HKDF)
  from the invitation's random secret, which travels to the new PC in the code a person
  types, never to the endpoint.
"""

from __future__ import annotations

import base64
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from receptionist.errors import UnlockError
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from .seal import ClinicKey

RAW = serialization.Encoding.Raw


def new_device_key() -> tuple[bytes, bytes]:
    """A device's (private, public) X25519 key, 32 bytes each."""
    private = X25519PrivateKey.generate()
    public = private.public_key().public_bytes(RAW, serialization.PublicFormat.Raw)
    secret = private.private_bytes(
        RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return secret, public


def _derive(material: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=SHA256(), length=32, salt=None, info=info).derive(material)


def _aad(clinic_id: str, generation: int, purpose: str) -> bytes:
    return f"{purpose}\x1f{clinic_id}\x1f{generation}".encode()


def wrap_for_device(key: ClinicKey, public: bytes, clinic_id: str) -> str:
    """The clinic key sealed for the holder of the X25519 private key of ``public``."""
    ephemeral = X25519PrivateKey.generate()
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public))
    wrapping = _derive(shared, b"receptionist device envelope")
    nonce = os.urandom(12)
    sealed = AESGCM(wrapping).encrypt(nonce, key.key, _aad(clinic_id, key.generation, "device"))
    pub = ephemeral.public_key().public_bytes(RAW, serialization.PublicFormat.Raw)
    return _pack(key.generation, pub + nonce + sealed)


def open_device_envelope(envelope: str, private: bytes, clinic_id: str) -> ClinicKey:
    generation, raw = _unpack(envelope)
    pub, nonce, sealed = raw[:32], raw[32:44], raw[44:]
    try:
        mine = X25519PrivateKey.from_private_bytes(private)
        wrapping = _derive(
            mine.exchange(X25519PublicKey.from_public_bytes(pub)), b"receptionist device envelope"
        )
        key = AESGCM(wrapping).decrypt(nonce, sealed, _aad(clinic_id, generation, "device"))
    except (InvalidTag, ValueError):
        raise _refused() from None
    return ClinicKey(generation, key)


def wrap_for_invitation(key: ClinicKey, secret: bytes, clinic_id: str) -> str:
    wrapping = _derive(secret, b"receptionist invitation")
    nonce = os.urandom(12)
    sealed = AESGCM(wrapping).encrypt(nonce, key.key, _aad(clinic_id, key.generation, "invite"))
    return _pack(key.generation, nonce + sealed)


def open_invitation(envelope: str, secret: bytes, clinic_id: str) -> ClinicKey:
    generation, raw = _unpack(envelope)
    try:
        wrapping = _derive(secret, b"receptionist invitation")
        key = AESGCM(wrapping).decrypt(raw[:12], raw[12:], _aad(clinic_id, generation, "invite"))
    except (InvalidTag, ValueError):
        raise _refused() from None
    return ClinicKey(generation, key)


def _pack(generation: int, raw: bytes) -> str:
    return json.dumps({"g": generation, "b": base64.b64encode(raw).decode("ascii")})


def _unpack(envelope: str) -> tuple[int, bytes]:
    try:
        data = json.loads(envelope)
        generation, raw = int(data["g"]), base64.b64decode(data["b"], validate=True)
    except (ValueError, KeyError, TypeError):
        raise _refused() from None
    if generation < 1 or len(raw) < 44:
        raise _refused()
    return generation, raw


def _refused() -> UnlockError:
    return UnlockError(
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "The clinic key from the cloud endpoint does not open on this PC: the code "
                "was mistyped, has expired, or this PC was revoked. Ask an administrator "
                "for a new invitation.",
            )
        )
    )
