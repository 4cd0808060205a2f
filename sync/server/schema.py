"""The endpoint's tables, in their own MetaData (nothing shared with the PC's file).

Secrets are kept only as SHA-256 hashes (device tokens, connect codes, invitation
ids); what the PCs seal (records, key envelopes, an invitation's wrapped key) is
opaque text here. The schema is made and changed only by the Alembic revisions in
``migrations/``; these tables are what the code reads and writes.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

# Statuses of an appointment that hold no slot: it may overlap anything.
INACTIVE_STATUSES = ("cancelled", "no_show")


class UTCTime(TypeDecorator[datetime]):
    """An aware UTC time: ``timestamptz`` on PostgreSQL; on SQLite the UTC wall time
    as text in one fixed format, so that text order is time order."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; give a timezone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


clinic = Table(
    "clinic",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", Text, nullable=False),
    # The server sequence the next committed record or conflict takes.
    Column("next_seq", BigInteger, nullable=False),
    # The highest server sequence of a purged tombstone: an older cursor must reset.
    Column("horizon_seq", BigInteger, nullable=False),
    Column("created_at", UTCTime, nullable=False),
)

device = Table(
    "device",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("clinic_id", String(36), ForeignKey("clinic.id"), nullable=False),
    Column("name", Text, nullable=False),
    # The patient-number code: A, B, ... Z, AA, AB, ...; never handed out twice.
    Column("code", String(4), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("public_key", Text, nullable=False),  # X25519, base64
    Column("created_at", UTCTime, nullable=False),
    Column("revoked_at", UTCTime),
    # The last device sequence applied: a change at or below it is a repeat.
    Column("last_seq", BigInteger, nullable=False),
    Column("last_seen_at", UTCTime),
    # When the push that moved ``last_seq`` was applied (s0009): a retry's answer says it.
    Column("applied_at", UTCTime),
    Index("uq_device_clinic_code", "clinic_id", "code", unique=True),
)

connect_code = Table(
    "connect_code",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("clinic_id", String(36), ForeignKey("clinic.id"), nullable=False),
    Column("created_at", UTCTime, nullable=False),
    Column("expires_at", UTCTime, nullable=False),
    Column("used_at", UTCTime),
    Column("used_by", String(36)),
)

invitation = Table(
    "invitation",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("clinic_id", String(36), ForeignKey("clinic.id"), nullable=False),
    Column("created_by", String(36), ForeignKey("device.id"), nullable=False),
    # The clinic key wrapped by the inviting PC under the invitation's secret (which
    # never reaches the server); emptied once used.
    Column("wrapped_key", Text, nullable=False),
    Column("created_at", UTCTime, nullable=False),
    Column("expires_at", UTCTime, nullable=False),
    Column("used_at", UTCTime),
    Column("used_by", String(36)),
)

key_envelope = Table(
    "key_envelope",
    metadata,
    Column("device_id", String(36), ForeignKey("device.id"), primary_key=True),
    Column("generation", Integer, primary_key=True),
    Column("blob", Text, nullable=False),
    Column("created_at", UTCTime, nullable=False),
)

record = Table(
    "record",
    metadata,
    Column("clinic_id", String(36), ForeignKey("clinic.id"), primary_key=True),
    Column("entity", String(32), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("key_gen", Integer, nullable=False),
    Column("clear", Text, nullable=False),  # the clear routing fields as sent (JSON)
    Column("sealed", Text, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("device_id", String(36), nullable=False),  # who wrote this version
    Column("created_at", UTCTime, nullable=False),
    Column("written_at", UTCTime, nullable=False),
    # An appointment's routing fields, for the double-booking constraints.
    Column("provider_id", String(64)),
    Column("room_id", String(64)),
    Column("service_id", String(64)),
    Column("start_at", UTCTime),
    Column("end_at", UTCTime),
    Column("status", String(16)),
    Column("override", Boolean),
    Index("uq_record_clinic_seq", "clinic_id", "seq", unique=True),
    Index("ix_record_tombstones", "clinic_id", "deleted", "written_at"),
    Index("ix_record_provider_end", "clinic_id", "provider_id", "end_at"),
    Index("ix_record_room_end", "clinic_id", "room_id", "end_at"),
)

conflict = Table(
    "conflict",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("clinic_id", String(36), ForeignKey("clinic.id"), nullable=False),
    Column("kind", String(16), nullable=False),  # edit | overlap
    Column("entity", String(32), nullable=False),
    Column("row_id", String(64), nullable=False),
    Column("records", Text, nullable=False),  # JSON list of the sealed records, whole
    Column("seq", BigInteger, nullable=False),
    Column("device_id", String(36), nullable=False),  # whose change was not applied
    Column("created_at", UTCTime, nullable=False),
    Column("resolved_at", UTCTime),
    Column("resolved_by", String(36)),
    Column("resolution", Text),
    Index("uq_conflict_clinic_seq", "clinic_id", "seq", unique=True),
)

# Each device's audit-log anchors, as it sent them (docs/sync-protocol.md, "Audit
# anchors"): kept, never changed or deleted, so a rewrite of a PC's log by someone
# holding its key is caught at its next round. No patient data: counts and a hash.
audit_anchor = Table(
    "audit_anchor",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("clinic_id", String(36), ForeignKey("clinic.id"), nullable=False),
    Column("device_id", String(36), ForeignKey("device.id"), nullable=False),
    Column("log_id", String(64), nullable=False),  # the PC log's clinic id
    Column("events", BigInteger, nullable=False),
    Column("head_seq", BigInteger, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("taken_at", UTCTime, nullable=False),
    Column("received_at", UTCTime, nullable=False),
    # True when an admin accepted that the log no longer holds the anchor before
    # (a restore from a backup): the break stays on record.
    Column("accepted_break", Boolean, nullable=False),
    Index("ix_audit_anchor_device_id", "device_id", "id"),
)

# The endpoint's own Ed25519 key (one row, made at ``server add-clinic`` or the first
# start): it signs the audit checkpoints a PC proposes, once the anchor the endpoint
# holds of that PC vouches for them. Kept in the database, beside the anchors it
# stands on (docs/operations.md says why).
signing_key = Table(
    "signing_key",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("private_key", Text, nullable=False),  # raw 32 bytes, base64
    Column("public_key", String(64), nullable=False),  # raw 32 bytes, base64
    Column("created_at", UTCTime, nullable=False),
)

# Leases (docs/sync-protocol.md, "Leases"): the one device of a clinic that does a
# thing only one may do (``reminders``: send the messages to patients) holds it until
# ``expires_at``, renewing it; another takes it when it lapses, or, ``preferred`` (the
# clinic's named reminder station), from a stand-by at once. ``handover_at``: the
# previous holder's last renewal when this holder took it from another device.
# ``forced_*`` (s0010): a person took it over now from a holder whose lease had not
# lapsed (the old station is off): when, who (the PC's user, no patient data), and
# from which device; null otherwise (a later ordinary handover clears them). A forced
# lease's cutoff is ``forced_at``; its ``handover_at`` is still the old holder's last
# renewal (session 18; before, the force), said as ``forced.renewed_at``.
lease = Table(
    "lease",
    metadata,
    Column("clinic_id", String(36), ForeignKey("clinic.id"), primary_key=True),
    Column("name", String(32), primary_key=True),
    Column("device_id", String(36), ForeignKey("device.id"), nullable=False),
    Column("preferred", Boolean, nullable=False),
    Column("acquired_at", UTCTime, nullable=False),
    Column("renewed_at", UTCTime, nullable=False),
    Column("expires_at", UTCTime, nullable=False),
    Column("handover_at", UTCTime),
    Column("forced_at", UTCTime),
    Column("forced_by", String(120)),
    Column("forced_from", String(36)),
)

# A large document's bytes, in sealed chunks beside its record (docs/sync-protocol.md,
# "Large documents"; server migration s0004): each chunk sealed by the PC with the
# clinic key, bound to the row, its version and the chunk's index; no patient data in
# the clear. ``size`` is the sealed text's (s0006). ``claimed`` (s0008): the record of
# its row and version is held live, set when the chunk is stored or by the push that
# brings that record (a claimed chunk stays so until it goes). The bounds on unclaimed
# chunks read only the two partial indexes over the unclaimed ones (a device's, by
# age; the clinic's, by age), so they never read the sealed text, nor the claimed
# chunks, and a chunk stored costs the same however many the clinic holds.
# ``claimed`` in them too: SQLite counts an index covering only when it holds every
# column the statement names.
CHUNK_BY_DEVICE = ("clinic_id", "device_id", "created_at", "entity", "row_id", "version", "size",
                   "claimed")  # fmt: skip
CHUNK_BY_AGE = ("clinic_id", "created_at", "entity", "row_id", "version", "idx", "claimed")
# As each dialect writes ``not_(chunk.c.claimed)``: a query's condition must match it.
UNCLAIMED_SQLITE, UNCLAIMED_PG = "claimed = 0", "NOT claimed"
chunk = Table(
    "chunk",
    metadata,
    Column("clinic_id", String(36), ForeignKey("clinic.id"), primary_key=True),
    Column("entity", String(32), primary_key=True),
    Column("row_id", String(64), primary_key=True),
    Column("version", BigInteger, primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("count", Integer, nullable=False),
    Column("key_gen", Integer, nullable=False),
    Column("sealed", Text, nullable=False),
    Column("device_id", String(36), nullable=False),
    Column("created_at", UTCTime, nullable=False),
    Column("size", Integer, nullable=False, server_default="0"),
    Column("claimed", Boolean, nullable=False, server_default=false()),
    Index("ix_chunk_device", *CHUNK_BY_DEVICE, sqlite_where=text(UNCLAIMED_SQLITE),
          postgresql_where=text(UNCLAIMED_PG)),
    Index("ix_chunk_unclaimed", *CHUNK_BY_AGE, sqlite_where=text(UNCLAIMED_SQLITE),
          postgresql_where=text(UNCLAIMED_PG)),
)  # fmt: skip

# Destruction records (issue #14: KVKK's erasure regulation asks for a record of each
# destruction, kept at least three years; server migration s0007): what the endpoint's
# housekeeping removed, per clinic, UTC day, kind and rule: how many, first and last
# time that day. No ids of what went, no content (``destroyed.py``).
destruction = Table(
    "destruction",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("clinic_id", String(36), nullable=False),
    Column("day", String(10), nullable=False),  # YYYY-MM-DD, UTC
    Column("kind", String(32), nullable=False),
    Column("rule", String(64), nullable=False),
    Column("count", BigInteger, nullable=False),
    Column("first_at", UTCTime, nullable=False),
    Column("last_at", UTCTime, nullable=False),
    UniqueConstraint("clinic_id", "day", "kind", "rule", name="uq_destruction_run"),
    Index("ix_destruction_day", "day"),
)
