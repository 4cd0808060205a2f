"""The clinic's cloud endpoint: an ASGI app (FastAPI under uvicorn) over SQLAlchemy,
on SQLite (``sqlite:///PATH``) or PostgreSQL (``postgresql+psycopg://``).

It holds each clinic's records as the PCs sealed them: ids, versions and an
appointment's routing fields in the clear, everything else ciphertext under a key it
never sees. The contract is ``docs/sync-protocol.md``; running it,
``docs/operations.md``.

- ``schema``: the tables (their own MetaData), migrated by ``migrate`` (Alembic
  revisions in ``migrations/``, run at start).
- ``store``: the engine, and transactions (a write holds its clinic's lock).
- ``credentials``: tokens and codes, and the hashes kept of them.
- ``problems``: the ``{"error", "message"}`` answers to bad requests.
- ``bodies``: the JSON bodies, as pydantic models (the OpenAPI document).
- ``auth``: the device behind a bearer token.
- ``devices``: connect, invitations, join, envelopes, the device list, revocation.
- ``incoming``: a pushed record checked before anything is written.
- ``push``, ``pull``, ``conflicts``: the sync itself.
- ``limits``: the request body's size limit.
- ``app``: the routes; ``commands``: ``add_clinic`` and ``serve``, for the CLI.
"""
