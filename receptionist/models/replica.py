"""This PC's sync state: local to the file, never synced themselves (see
docs/sync-protocol.md and ``receptionist/replica``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Integer, LargeBinary, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from receptionist.models.base import Base


class SyncState(Base):
    """Where this PC syncs to and how far it got (one row, once it joined a clinic)."""

    __tablename__ = "sync_state"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    server_url: Mapped[str] = mapped_column(Text)
    clinic_id: Mapped[str] = mapped_column(String(64))  # the endpoint's id of the clinic
    device_id: Mapped[str] = mapped_column(String(64))
    device_code: Mapped[str] = mapped_column(String(4))
    device_name: Mapped[str] = mapped_column(String(64))
    private_key: Mapped[bytes] = mapped_column(LargeBinary)  # X25519, for key envelopes
    pushed_change: Mapped[int] = mapped_column(Integer, default=0)  # change_log seq batched
    # change_log seq: the endpoint answered for this PC's changes up to here (a batch
    # packed and still waiting, its push failed or refused, is past it); None: not known,
    # a batch waited when 0031 came (``pushed_change`` stands in until it is answered).
    accepted_change: Mapped[int | None] = mapped_column(Integer, default=None)
    next_device_seq: Mapped[int] = mapped_column(Integer, default=1)
    pull_cursor: Mapped[int] = mapped_column(Integer, default=0)
    # The endpoint's horizon as the page that set the cursor read it, sent with the
    # next pull: a cursor below the horizon is refused only if tombstones were purged
    # since (migration 0022).
    pull_horizon: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The first PC's upload of the whole clinic, resumable: the table and the last id
    # sent ("" and "" once it is done).
    upload_table: Mapped[str] = mapped_column(String(32), default="")
    upload_after: Mapped[str] = mapped_column(String(36), default="")
    last_sync_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # A full download under way (the cursor was reset past the endpoint's horizon):
    # its rows so far are in ``sync_seen``, and its last page sweeps what did not come
    # (migration 0022). It survives a download cut short, which resumes from the cursor.
    full_download: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class SyncKey(Base):
    """A generation of the clinic key (the file is encrypted: so is this)."""

    __tablename__ = "sync_key"

    generation: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    key: Mapped[bytes] = mapped_column(LargeBinary)


class SyncBase(Base):
    """A row as the endpoint last had it: the base of a three-way merge."""

    __tablename__ = "sync_base"

    entity: Mapped[str] = mapped_column(String(32), primary_key=True)
    row_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text)  # the row's values, JSON


class SyncPending(Base):
    """A change given its device sequence and sent (or about to be): resent as it is
    until the endpoint answers, so a retry applies nothing twice."""

    __tablename__ = "sync_pending"

    device_seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    entity: Mapped[str] = mapped_column(String(32))
    row_id: Mapped[str] = mapped_column(String(36))
    base_version: Mapped[int] = mapped_column(Integer)
    record: Mapped[str] = mapped_column(Text)  # the record as sent, JSON


# The resolution of a conflict closed because its patient was erased (or anonymised)
# since: nothing left to settle (``ops/conflicterasure``). The endpoint forgets the
# records of the conflicts closed so once past its horizon (``sync/server/push``): one
# constant, so neither side can be renamed alone.
ERASED = "erased"


class SyncConflict(Base):
    """A conflict the endpoint recorded, as this PC knows it."""

    __tablename__ = "sync_conflict"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # edit | double_booking
    entity: Mapped[str] = mapped_column(String(32))
    row_id: Mapped[str] = mapped_column(String(36))
    records: Mapped[str] = mapped_column(Text)  # the sealed records involved, JSON
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolution: Mapped[str] = mapped_column(Text, default="")  # the code; "called": a call
    # Resolved on this PC, and the endpoint has not taken the resolution yet: the next
    # sync round sends it (migration 0018).
    unsent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class SyncSeen(Base):
    """A row a full download brought so far (``SyncState.full_download``): kept with
    each page, so a download cut short resumes and still sweeps at its end."""

    __tablename__ = "sync_seen"

    entity: Mapped[str] = mapped_column(String(32), primary_key=True)
    row_id: Mapped[str] = mapped_column(String(36), primary_key=True)


class SyncHeld(Base):
    """A pulled record waiting for a row it points at (a later page brings it): kept
    with the page's cursor, so a pull cut short resumes after its last page."""

    __tablename__ = "sync_held"

    entity: Mapped[str] = mapped_column(String(32), primary_key=True)
    row_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device: Mapped[str] = mapped_column(String(64))  # who wrote it
    refused: Mapped[bool] = mapped_column(Boolean)  # a booking the endpoint refused
    record: Mapped[str] = mapped_column(Text)  # the record as pulled, JSON


class SyncGone(Base):
    """The clear routing fields of a row this PC deleted outright (a retention sweep),
    written by a trigger as the row goes: its tombstone carries them, so the endpoint
    can check it as any appointment's. Removed once the tombstone is staged."""

    __tablename__ = "sync_gone"

    entity: Mapped[str] = mapped_column(String(32), primary_key=True)
    row_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    clear: Mapped[str] = mapped_column(Text)  # the row's routing columns as stored, JSON


class SyncChunk(Base):
    """A sealed chunk of a large document's bytes, kept with the pending batch whose
    record it goes with: sent before each push of it, dropped once it is answered."""

    __tablename__ = "sync_chunk"

    entity: Mapped[str] = mapped_column(String(32), primary_key=True)
    row_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    key_gen: Mapped[int] = mapped_column(Integer)
    sealed: Mapped[str] = mapped_column(Text)
