"""Tokens and codes the endpoint hands out, and the SHA-256 hashes it keeps of them.

Each carries at least 100 random bits, so a plain hash (no salt, no slow KDF) is
enough to keep a stolen database from being a list of working credentials.
"""

from __future__ import annotations

import hashlib
import secrets

# Crockford's base32: no I, L, O or U, so a code read aloud or typed is not misread.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_GROUPS, CODE_GROUP_LENGTH = 4, 5  # 20 characters: 100 bits
_TYPO = str.maketrans({"O": "0", "I": "1", "L": "1"})


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A device's bearer token: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


def new_invite_id() -> str:
    """An invitation's id (128 bits, URL-safe, never a "."): the PC prints
    ``<invite id>.<secret>``, and only the id reaches the endpoint. It never starts
    with "-": ``join --code -x...`` reads the code as an option (one code in 64 was
    refused so, as "expected one argument")."""
    while (found := secrets.token_urlsafe(16)).startswith("-"):
        pass
    return found


def new_connect_code() -> str:
    """A one-time connect code for an operator to pass on: ``XXXXX-XXXXX-XXXXX-XXXXX``."""
    groups = (
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH))
        for _ in range(CODE_GROUPS)
    )
    return "-".join(groups)


def connect_code_digest(typed: str) -> str:
    """The hash of a connect code as typed: case, spaces, dashes and O/I/L for 0/1 aside."""
    canonical = "".join(typed.split()).replace("-", "").upper().translate(_TYPO)
    return digest(canonical)


def device_code(index: int) -> str:
    """The ``index``-th patient-number code (from 0): A ... Z, AA ... ZZ, AAA, ..."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
