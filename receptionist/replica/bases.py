"""What a row's base (``sync_base``: the row as the endpoint last had it) keeps of its
values: all of them as JSON holds them, but a document's bytes as their digest.

The base serves the three-way merge (``.apply``): a field is compared with what the
endpoint last had, never merged from it byte by byte, and a document's bytes never
merge (a document is replaced whole). So the base keeps ``"sha256:<hex>:<size>"``
(the SHA-256 and the length of the bytes) in place of their base64: a 20 MB scan
wrote about 27 MB into ``sync_base`` on each PC, now under 200 bytes (migration 0034
shrank the bases kept before). Every comparison with a base goes through
:func:`said`, which gives the digest of bytes and keeps a digest as it is, so a base
kept before (the bytes whole) compares as one kept now.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

DOCUMENT = "patient_document"
BYTES = "content"  # the document's bytes (base64, as JSON holds them)
DIGEST = "sha256:"  # base64 never holds ':', so the two forms cannot be mistaken


def digest(raw: bytes) -> str:
    """The form a base keeps ``raw`` in."""
    return f"{DIGEST}{hashlib.sha256(raw).hexdigest()}:{len(raw)}"


def is_digest(value: object) -> bool:
    return isinstance(value, str) and value.startswith(DIGEST)


def said(entity: str, name: str, value: object) -> object:
    """``value`` (as JSON holds it) as a base keeps it: a document's bytes as their
    digest; anything else as it is."""
    if entity != DOCUMENT or name != BYTES or not isinstance(value, str) or is_digest(value):
        return value
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return value  # not bytes as a record carries them: compared as it is
    return digest(raw)


def kept(entity: str, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` (as JSON holds them) as a base keeps them."""
    if entity != DOCUMENT or BYTES not in values:
        return values
    return {**values, BYTES: said(entity, BYTES, values[BYTES])}


def payload(entity: str, values: dict[str, Any]) -> str:
    """The JSON a base of ``values`` is written as."""
    return json.dumps(kept(entity, values), ensure_ascii=False, sort_keys=True)


def payload_of_text(entity: str, text: str) -> str:
    """The JSON a base is written as, from a record's values as sealed (``text``):
    itself, but a document's, whose bytes go as their digest."""
    return payload(entity, json.loads(text)) if entity == DOCUMENT else text


def without_digests(entity: str, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` (a base's) without the digest kept for a document's bytes: not a
    value a row can take."""
    if entity != DOCUMENT or not is_digest(values.get(BYTES)):
        return values
    return {k: v for k, v in values.items() if k != BYTES}


__all__ = [
    "DIGEST", "DOCUMENT", "digest", "is_digest", "kept", "payload", "payload_of_text", "said",
    "without_digests",
]  # fmt: skip
