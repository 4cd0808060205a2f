"""Sync's steps on this PC, each in a transaction of its own: what ``sync/`` (which
talks HTTP to the endpoint) calls between its requests. See docs/sync-protocol.md.

A round is: :func:`batch` → push → :func:`answered`, until nothing waits; then pull
pages → :func:`apply_pull` until the endpoint has no more; then :func:`finished`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receptionist.clock import Clock
from receptionist.context import SYSTEM, Ctx, require
from receptionist.errors import UserError
from receptionist.journal import audit, changefeed, coverage, notary
from receptionist.models import (
    Appointment,
    LocalSecret,
    Patient,
    SyncBase,
    SyncConflict,
    SyncState,
)
from receptionist.ops.conflicterasure import close_erased
from receptionist.ops.conflictwords import settle_here
from receptionist.patients import bulkindex, documents, erasure
from receptionist.patients.numbering import this_device
from receptionist.reminders import handover
from receptionist.replica import deferred, resume, state
from receptionist.replica.apply import (
    ENDPOINT,
    Applied,
    DeviceName,
    Pulled,
    PulledConflict,
    apply_record,
    conflict_rows,
    keep_conflicts,
)
from receptionist.replica.bulk import apply_new
from receptionist.replica.chunks import Chunk, Wanted, encode_staged, outgoing, wanted, whole
from receptionist.replica.erased import erase_leftovers
from receptionist.replica.held import driver
from receptionist.replica.outbox import (
    BUDGET,
    Change,
    mended,
    next_batch,
    pending,
    stage,
    waiting,
    weight,
)
from receptionist.replica.outbox import answered as outbox_answered
from receptionist.replica.outbox import renumber as outbox_renumber
from receptionist.replica.records import live_rows
from receptionist.replica.seal import ClinicKey
from receptionist.replica.sweep import sweep
from receptionist.retention import anonymise, review
from receptionist.settings import cloud, pcstore, secretstore, tokenbook
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

CANNOT = Text(
    QT_TRANSLATE_NOOP("core", "Only an administrator can connect this PC to a cloud endpoint.")
)
UPLOAD_PAGE = 500
MERGED = "merged"  # the code of an edit conflict a merge settled (no field clashed)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncStatus:
    connected: bool
    server_url: str = ""
    device_name: str = ""
    device_code: str = ""
    last_sync_at: datetime | None = None
    waiting: int = 0
    open_conflicts: int = 0
    last_error: str = ""
    cursor: int = 0
    uploading: bool = False
    # The last round saw the endpoint sign with another key than the one this PC
    # pinned (``journal.notary.key_changed``): the desk says so until it is back.
    endpoint_key_changed: bool = False


def status(db: Database) -> SyncStatus:
    with db.read() as s:
        sync = state.state(s)
        if sync is None:
            return SyncStatus(connected=False)
        open_ = s.scalar(
            select(func.count()).select_from(SyncConflict).where(SyncConflict.resolved_at.is_(None))
        )
        return SyncStatus(
            True, sync.server_url, sync.device_name, sync.device_code, sync.last_sync_at,
            waiting(s), int(open_ or 0), sync.last_error, sync.pull_cursor,
            bool(sync.upload_table), notary.key_changed(s),
        )  # fmt: skip


@dataclass(frozen=True)
class Joined:
    """What the endpoint said of this PC when it connected or joined."""

    server_url: str
    clinic_id: str
    device_id: str
    device_code: str
    device_name: str


def connected(
    db: Database, ctx: Ctx, joined: Joined, private_key: bytes, key: ClinicKey, *, first: bool
) -> None:
    """Keep this PC's place in the clinic: the endpoint, the device, its private key,
    the clinic key. The clinic's first PC then uploads every row (:func:`upload_page`);
    a joining PC takes the device code the endpoint handed out for its patient numbers."""
    require(ctx, "keys.manage", CANNOT)
    with db.write() as s:
        sync = SyncState(
            id=1, server_url=joined.server_url, clinic_id=joined.clinic_id,
            device_id=joined.device_id, device_code=joined.device_code,
            device_name=joined.device_name, private_key=private_key,
            pushed_change=changefeed.last_seq(s), accepted_change=changefeed.last_seq(s),
            next_device_seq=1, pull_cursor=0,
            upload_table=_first_table() if first else "", upload_after="", last_error="",
        )  # fmt: skip
        s.merge(sync)
        state.keep_key(s, key)
        device = this_device(s, ctx.clock)
        if not first:
            device.code = joined.device_code
        audit.record(s, ctx, "cloud_connect" if first else coverage.JOINED, "clinic", None)


def _tables() -> list[str]:
    # Rows that others point at go first, so the endpoint (and every PC) can apply them
    # in order: the clinic, its catalogue and staff, patients, then what refers to them.
    order = ("clinic", "clinic_setting", "staff_user", "provider", "room", "service", "patient")
    rest = sorted(set(changefeed.synced_tables()) - set(order))
    return [*order, *rest]


def _first_table() -> str:
    return _tables()[0]


def check_uploadable(db: Database) -> None:
    """Refused (before anything is sent) when this PC holds documents too large for the
    cloud to take: its upload of the clinic could never finish."""
    with db.read() as s:
        count = documents.oversized_for_sync(s)
    if count:
        raise UserError(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "{count} patient document(s) are over {limit} MB, more than the cloud "
                    "takes; remove them or attach smaller copies (the patient's Documents "
                    "tab), then connect again.",
                ),
                count=count,
                limit=documents.SYNC_MAX_BYTES // (1024 * 1024),
            )
        )


def upload_page(db: Database) -> list[Change]:
    """The next page of the first PC's upload of the whole clinic, as a pending batch
    (empty when the upload is done). Resumable: it goes on from where it got."""
    with db.write() as s:
        found = pending(s)
        if found:
            return mended(s, found)
        sync = state.required(s)
        key, models = state.current_key(s), changefeed.synced_tables()
        tables = _tables()
        while sync.upload_table:
            model = models[sync.upload_table]
            rows = (
                s.query(model)
                .filter(model.id > sync.upload_after)
                .order_by(model.id)
                .limit(UPLOAD_PAGE)
                .all()
            )
            rows = _within_budget(sync.upload_table, rows)
            if rows:
                sync.upload_after = rows[-1].id
                return stage(s, [(encode_staged(s, r, sync.clinic_id, key), 0) for r in rows])
            following = tables.index(sync.upload_table) + 1
            sync.upload_table = tables[following] if following < len(tables) else ""
            sync.upload_after = ""
        return []


def _within_budget(table: str, rows: list[Any]) -> list[Any]:
    """The first of ``rows`` (at least one) whose records fit in one push (weighed
    from the rows as loaded: a document's size is on its row)."""
    total = 0
    for i, row in enumerate(rows):
        total += weight(table, getattr(row, "size_bytes", None))
        if i and total > BUDGET:
            return rows[:i]
    return rows


def chunks_of(db: Database, batch: list[Change]) -> list[Chunk]:
    """The sealed chunks of the batch's large documents, to send before it."""
    with db.read() as s:
        return outgoing(s, [c.record for c in batch])


def made_whole(
    db: Database, records: list[Pulled], fetch: Callable[[Wanted], list[tuple[int, str]]]
) -> list[Pulled]:
    """``records`` with every large document's bytes in its payload, checked and sealed
    again here (:mod:`receptionist.replica.chunks`): this PC's own copy when it holds
    the same bytes, else its chunks from ``fetch``. Tampered when they are not it."""
    with db.read() as s:
        sync = state.required(s)
        clinic, keys = sync.clinic_id, state.keys(s)
        needed, here = wanted(s, clinic, keys, [p.record for p in records])
    if not needed and not here:
        return records
    fetched = {(w.entity, w.id): fetch(w) for w in needed}
    done: list[Pulled] = []
    for p in records:
        key = (p.record.entity, p.record.id)
        if key in here or key in fetched:
            rec = whole(p.record, clinic, keys, here.get(key), fetched.get(key, ()))
            p = Pulled(rec, p.device, refused=p.refused)
        done.append(p)
    return done


def batch(db: Database) -> list[Change]:
    """The batch to push now (the one waiting for an answer, or a new one)."""
    with db.write() as s:
        return next_batch(s)


def answered(
    db: Database, last_seq: int, applied_at: datetime | None = None, repeated: bool = False
) -> None:
    """The endpoint answered the batch waiting (``applied_at``: as one it had applied
    before, then; ``repeated``: as one it had applied before, when not said:
    ``handover.applied_before``)."""
    with db.write() as s:
        if applied_at is not None or repeated:
            handover.applied_before(s, applied_at)
        outbox_answered(s, last_seq)


def renumber(db: Database, last_seq: int) -> None:
    """Give the pending batch the numbers after the endpoint's ``last_seq``."""
    with db.write() as s:
        outbox_renumber(s, last_seq)


def cursor(db: Database) -> int:
    with db.read() as s:
        return state.required(s).pull_cursor


def position(db: Database) -> tuple[int, int]:
    """Where the next pull starts: the cursor, and the endpoint's horizon as the page
    that set it read it."""
    with db.read() as s:
        sync = state.required(s)
        return sync.pull_cursor, sync.pull_horizon


def apply_pull(
    db: Database,
    ctx: Ctx,
    records: list[Pulled],
    conflicts: list[PulledConflict],
    new_cursor: int,
    devices: Mapping[str, DeviceName] | None = None,
    *,
    last: bool = False,
    horizon: int = 0,
) -> Applied:
    """One page of a pull, applied in one transaction with its cursor. Each row it adds
    is audited as created (by ``ctx``, from "sync"), as every way of adding rows is.
    ``devices`` names the clinic's devices, kept with the conflicts for people to read.

    A record pointing at a row not here yet waits (``Applied.held``) for a later page,
    kept in the file with the page's cursor (:mod:`receptionist.replica.resume`): a
    pull stopped meanwhile resumes after its last page, and takes them up again. On
    the ``last`` page they are let go: a row the endpoint does not hold (a deleted
    patient's, purged after the horizon) can only come later. During a full download
    the page's rows are kept as seen, for the sweep at its end (:func:`sweep_gone`).
    Patients the pull wrote in bulk are placed in the search index on the ``last``
    page, all at once.

    A page before the ``last`` is committed relaxed (``Database.write``): a power cut
    may undo it, with its cursor, and the pull brings it again. The ``last`` page's
    ordinary commit makes every page before it durable too, before the round hands
    the endpoint its audit log's head."""
    applied = Applied()
    # The booking the endpoint refused is on no PC but its own: every PC gets it, so
    # all hold both bookings until a person decides.
    refused = [
        Pulled(c.records[0], "endpoint", refused=True)
        for c in conflicts
        if c.kind == "overlap" and c.records and not c.resolved
    ]
    with db.write(relaxed=not last) as s:
        sync = state.required(s)
        keys = state.keys(s)
        before = resume.waiting(s)
        freed = erasure.freed_mark(s)
        # Each row once, as its newest record (one held from an earlier page may be older).
        todo = list({
            (p.record.entity, p.record.id): p for p in [*before.values(), *records, *refused]
        }.values())  # fmt: skip
        resume.saw(s, sync, records)
        policy = review.policy_rows(s)  # a change of the policy pulled is audited here
        if not last:  # a first download's big tables: their indexes built at its end
            deferred.defer(driver(s), {p.record.entity for p in todo})
        keep_conflicts(s, conflicts, devices)
        open_rows = conflict_rows(conflicts)
        every = list(todo)
        while todo:  # again for those waiting on a row later in the page
            applied.held = []
            fresh = [p for p in todo if not p.refused]
            rest = apply_new(s, sync.clinic_id, keys, fresh, applied)
            for pulled in [*rest, *(p for p in todo if p.refused)]:
                apply_record(s, sync.clinic_id, keys, pulled, applied, conflicted=open_rows)
            todo = applied.held if len(applied.held) < len(todo) else []
        # An erasure wins over any edit: a booking made for her offline included.
        applied.erased = erase_leftovers(s, ctx, every)
        close_erased(s, ctx.clock.now())  # her conflicts, kept above or before, show her
        # An anonymised patient's bookings the endpoint refused go, as her anonymisation
        # has them go (their conflicts closed above): the endpoint's doing, not pushed.
        with changefeed.applying(s, ENDPOINT):
            anonymise.drop_refused(s, _patients_in(s, every))
        # Her kept bookings pulled with words in them: emptied, and pushed over the edit.
        anonymise.blank_pulled(s, _bookings_in(every), ctx.clock.now())
        # The times freed for the waitlist that name her (her bookings deleted above too).
        erasure.forget_freed(s, _erased_in(every), freed)
        audit.record_many(s, ctx, [
            (_created(entity), entity, row_id) for entity, row_id in applied.inserted_rows
        ])  # fmt: skip
        _audit_policy(s, ctx, policy)
        merged = {(e, r) for e, r in applied.merged_rows}
        applied.settled = [
            c.id for c in conflicts
            if c.kind == "edit" and not c.resolved and (c.entity, c.row_id) in merged
        ]  # fmt: skip
        for conflict_id in applied.settled:  # sent by the round, again until answered
            settled = s.get(SyncConflict, conflict_id)
            if settled is not None and settled.resolved_at is None:
                settle_here(settled, ctx.clock.now(), MERGED)
        if last:  # patients written in bulk take their places in the search index
            bulkindex.place_parked(s)
            deferred.restore(driver(s))  # after: placing sets what they index
        resume.keep_waiting(s, before, [] if last else applied.held)
        sync.pull_cursor, sync.pull_horizon = new_cursor, horizon
        if applied.held and last:
            log.warning("%d pulled record(s) point at rows the endpoint does not hold",
                        len(applied.held))  # fmt: skip
    if any(p.record.entity == Patient.__tablename__ and p.record.deleted for p in records):
        db.checkpoint()  # an erasure: the WAL's older copies of her pages go too
    return applied


def restore_indexes(db: Database) -> list[str]:
    """The indexes a download stopped before its end left unbuilt, built (for a pull
    that starts, or fails: :mod:`receptionist.replica.deferred`); their names."""
    with db.read() as s:
        if not deferred.missing(driver(s)):
            return []
    with db.write() as s:
        built = deferred.restore(driver(s))
    if built:
        log.info("built %d index(es) a download had left for its end", len(built))
    return built


def _patients_in(s: Session, pulled: list[Pulled]) -> list[str]:
    """The patients ``pulled`` holds a row of, or a booking the endpoint refused of."""
    found = {p.record.id for p in pulled if p.record.entity == Patient.__tablename__}
    refused = [p.record.id for p in pulled if p.refused]
    if refused:
        owners = select(Appointment.patient_id).where(Appointment.id.in_(refused))
        found.update(s.scalars(owners))
    return sorted(found)


def _bookings_in(pulled: list[Pulled]) -> list[str]:
    """The bookings ``pulled`` holds a record of (not one the endpoint refused)."""
    return [p.record.id for p in pulled if p.record.entity == "appointment" and not p.refused]


def _erased_in(pulled: list[Pulled]) -> list[str]:
    """The patients whose tombstones ``pulled`` holds."""
    return [
        p.record.id for p in pulled if p.record.entity == Patient.__tablename__ and p.record.deleted
    ]


def _audit_policy(s: Session, ctx: Ctx, before: dict[str, int]) -> None:
    """The retention policy's settings held before this page that it changed or removed,
    each an ``update`` event, as a change made here writes (those it made are audited
    as made): a sweep here then waits for a person under the policy as it now is
    (``retention.review``). Its own change pulled back changes no version: no event."""
    now = review.policy_rows(s)
    changed = sorted(row_id for row_id, version in before.items() if now.get(row_id) != version)
    audit.record_many(s, ctx, [("update", "clinic_setting", row_id) for row_id in changed])


def _created(entity: str) -> str:
    actions = coverage.CREATED_BY.get(entity)
    return actions[1][0] if actions else "create"


def _holds_bases(s: Session) -> bool:
    """Whether this PC holds rows it had from the endpoint (not a first download)."""
    return s.scalar(select(SyncBase.row_id).where(SyncBase.version > 0).limit(1)) is not None


def begin_full(db: Database) -> bool:
    """At the start of a pull: whether it is a full download (kept in the file, so a
    download cut short resumes as one). A cursor at 0 on a PC that holds rows from the
    endpoint is one (a reset before this PC kept the state)."""
    with db.read() as s:
        sync = state.required(s)
        if sync.full_download or sync.pull_cursor != 0 or not _holds_bases(s):
            return sync.full_download
    with db.write() as s:
        sync = state.required(s)
        resume.restart(s, sync, full=True)
        return True


def sweep_gone(db: Database, ctx: Ctx) -> int:
    """At a pull's end: if it ends a full download, the rows the endpoint no longer
    holds (a base here, not brought by the download: deleted there, their tombstones
    purged past its horizon) deleted here, with the live rows pointing at them
    (:mod:`receptionist.replica.sweep`), in one transaction; how many. A patient so
    deleted is erased: wiped, and the WAL folded and emptied after, as when her
    tombstone is pulled (:func:`apply_pull`)."""
    with db.write() as s:
        sync = state.required(s)
        if not sync.full_download:
            return 0
        freed = erasure.freed_mark(s)
        marked = sweep(s, ctx, resume.seen(s))
        close_erased(s, ctx.clock.now())
        erasure.forget_freed(s, [r for e, r in marked if e == Patient.__tablename__], freed)
        resume.finish_full(s, sync)
    if marked:
        log.warning("%d row(s) the endpoint no longer holds were deleted here", len(marked))
    if any(entity == Patient.__tablename__ for entity, _ in marked):
        db.checkpoint()  # an erasure (wiped by the sweep): the WAL's older copies go too
    return len(marked)


def reset_cursor(db: Database) -> None:
    """The endpoint said the cursor is older than its horizon: download again from the
    start, as a full download (swept at its end) when this PC holds rows from the
    endpoint; what this PC has not pushed stays in its outbox."""
    with db.write() as s:
        resume.restart(s, state.required(s), full=_holds_bases(s))


def finished(db: Database, clock: Clock, error: str = "") -> None:
    with db.write() as s:
        sync = state.required(s)
        sync.last_error = error
        if not error:
            sync.last_sync_at = clock.now()


def _namespace(sync: SyncState) -> str:
    """Where the token is kept: per device, since one keychain may serve several."""
    return cloud.token_namespace(sync.clinic_id, sync.device_id)


def keep_token(db: Database, ctx: Ctx, token: str) -> None:
    """Keep this PC's device token: the keychain, else the encrypted file. Its name goes
    in the token book, as this data folder's now (a token of a device this folder was
    before is then spent: the retention sweep removes it)."""
    with db.write() as s:
        namespace = _namespace(state.required(s))
        secretstore.write(s, ctx, namespace, cloud.DEVICE_TOKEN, token)
    tokenbook.kept(db.path.parent, secretstore.stored_name(namespace, cloud.DEVICE_TOKEN))


def forget_token(db: Database, clock: Clock) -> None:
    """Forget this PC's device token (the endpoint revoked the PC): the keychain's
    entry and the file's row both go, audited as a cleared secret."""
    with db.write() as s:
        namespace = _namespace(state.required(s))
        secretstore.write(s, Ctx(SYSTEM, clock), namespace, cloud.DEVICE_TOKEN, "")
    tokenbook.released(db.path.parent, secretstore.stored_name(namespace, cloud.DEVICE_TOKEN))


def token(db: Database) -> str:
    """This PC's device token. One kept in the keychain names this data folder in the
    token book at every round, so a folder moved since it joined is known under its
    new path (``settings.tokenbook``: its token is then never taken for a deleted
    folder's); the book is written only when that changes it."""
    return endpoint(db)[1]


def endpoint(db: Database) -> tuple[str, str]:
    """The address of the endpoint this PC syncs with and its device token there
    (:func:`token`), in one read: a client is made for every round and every lease
    check, and asked the whole :func:`status` before (conflicts and waiting changes
    counted, the notary's key looked up), to take two fields of it. UserError when the
    PC is not connected, or has lost its token."""
    with db.read() as s:
        sync = state.required(s)
        namespace = _namespace(sync)
        name = secretstore.stored_name(namespace, cloud.DEVICE_TOKEN)
        found = secretstore.read(s, namespace, cloud.DEVICE_TOKEN)
        in_file = s.get(LocalSecret, name) is not None
        url = sync.server_url
    if not found:
        raise UserError(state.NO_TOKEN)
    if not in_file:
        tokenbook.kept(db.path.parent, name)
    return url, found


def clinic_of(db: Database) -> str:
    """The endpoint's id of the clinic this PC syncs."""
    with db.read() as s:
        return state.required(s).clinic_id


def ca_file() -> str:
    return str(pcstore.value(cloud.CA_FILE))


def keys_of(db: Database) -> dict[int, ClinicKey]:
    with db.read() as s:
        return state.keys(s)


__all__ = [
    "Applied",
    "Change",
    "DeviceName",
    "Joined",
    "Pulled",
    "PulledConflict",
    "SyncStatus",
    "answered",
    "apply_pull",
    "batch",
    "ca_file",
    "connected",
    "cursor",
    "endpoint",
    "finished",
    "forget_token",
    "keep_token",
    "keys_of",
    "live_rows",
    "reset_cursor",
    "restore_indexes",
    "status",
    "token",
    "upload_page",
]  # fmt: skip
