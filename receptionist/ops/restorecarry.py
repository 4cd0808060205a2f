"""What a restore over the clinic carries from the file it replaces (issue #14).

A backup is the clinic as it was when it was made. What the clinic destroyed after that
must not come back with it, and its proof must not go: an erasure is a data subject's
right (GDPR art. 17, KVKK art. 7), and the destruction records are kept at least three
years (``retention.records``), while the file replaced is kept beside the restored one
only until the sweep deletes it (``retention.backup_days``). So before the clinic's files
are set aside, the restore reads from them (:func:`read`, read only, under the app's
lock):

- every destruction record (the sweeps' and the erasures'), and which sweeps ran to
  their end (their ``sweep`` event);
- the patients erased there: tombstones, and the ``delete`` events of patients (a
  tombstone the sweep removed since);
- the policy a person reviewed there (``retention.review``), if the nightly sweep
  did not wait for one;
- the patients it held, and those the sweep anonymised there.

Then, in the restore's own write to the restored file (:func:`apply`, in
``backups._write_restored``: a failure there or after puts the clinic back byte for
byte, ``tests/test_restore_undo.py``), as the system (``context.SYSTEM``):

- the records it lacks are added, and written into its audit log as a sweep's are
  (``records.as_events``), ended by ``sweep_carried`` (a sweep that ran to its end:
  the clinic's last sweep, ``review.last_sweep``) or ``records_carried`` (an erasure's,
  a sweep's cut short), so ``sweep records`` holds them against the log;
- each patient erased there and live here is erased again, by the erasure itself
  (``patients.record.delete_patient``: tombstones, wiped, audited), followed by an
  ``erasure_reapplied`` event (the reason); a hold on her lifted first (it was lifted
  before she was erased). No new destruction record: the carried one is the erasure's;
- the review stands when the restored policy is the one reviewed (``review.carry``).

Patients the sweep removed or anonymised after the backup are back by the backup's
data, lapsed as they were: the next sweep, under the same policy (its review carried),
takes them again; they are counted, not touched (anonymising or erasing them here would
be a different destruction than the policy's). A file that cannot be read (damaged:
the app offers the backup for that; its key not at hand) carries nothing and the
restore goes on: its answer says so (:attr:`Carried.unread`). No patient data in any
of it: counts only.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from receptionist.clock import Clock
from receptionist.context import SYSTEM, Ctx
from receptionist.errors import ReceptionistError, UnlockError
from receptionist.journal import audit
from receptionist.models import AuditEvent, DestructionRecord, Patient
from receptionist.ops.conflicterasure import close_erased
from receptionist.patients import record
from receptionist.retention import holds, records, review
from receptionist.retention.records import Record
from receptionist.store import keystore
from receptionist.store.storage import Database
from receptionist.store.vault import DataDir, clinic_id, keys_from_env
from receptionist.texts import QT_TRANSLATE_NOOP, Text

# The audit event that follows an erasure re-applied to a restored file: its reason.
REAPPLIED = "erasure_reapplied"
ERASED_EVENT = ("delete", "patient")  # an erasure's own event (``record.delete_patient``)
_BY_KEY = 500


@dataclass(frozen=True)
class Found:
    """What the clinic a restore replaces holds that must survive it (:func:`read`)."""

    records: list[Record]
    swept: frozenset[str]  # sweeps that ran to their end there
    erased: frozenset[str]  # patients erased there
    held: frozenset[str]  # every patient it holds
    anonymised: frozenset[str]  # those the sweep anonymised
    reviewed: str  # the whole policy a person reviewed there ("": the sweep waited)
    holds: tuple[tuple[str, str], ...] = ()  # (patient, reason) of each hold live there


@dataclass(frozen=True)
class Carried:
    """What a restore carried over (counts only)."""

    erasures_reapplied: int = 0
    records_kept: int = 0  # destruction records added to the restored file
    review_kept: bool = False  # a person's review of the policy stands
    review_lost: bool = False  # reviewed there; the restored policy differs: it waits
    lapsed_back: int = 0  # patients the sweep removed or anonymised since, back until it runs
    unread: str = ""  # why the clinic replaced could not be read ("": it was)
    holds_placed: int = 0  # holds placed after the backup, placed again
    locked: bool = False  # unread for want of its key (not damage): see ``backups.restore``


def stored_key(root: Path) -> bytes | None:
    """The clinic's key in ``root`` as this PC's keychain holds it now (None: none, or
    no clinic there), read before the backup is unlocked: unlocking it with a secret
    stores the backup's key there (a rekey since the backup: another key)."""
    try:
        return keystore.load_key(clinic_id(root))
    except (ReceptionistError, OSError, ValueError):
        return None


def read(
    root: Path,
    key: bytes,
    *,
    stored: bytes | None = None,
    env: Mapping[str, str] | None = None,
) -> Found | Carried:
    """What the clinic in ``root`` holds that a restore must carry over, read only.
    Opened with ``key`` (the backup's: the clinic's unless rekeyed since), else
    ``stored`` (:func:`stored_key`), else the key of a secret in ``env``; none is
    stored and no one is asked. A file that cannot be opened or read: a
    :class:`Carried` naming why, carrying nothing (the restore goes on)."""
    try:
        db = _opened(DataDir(Path(root)), key, stored, os.environ if env is None else env)
        try:
            with db.read() as s:
                return _found(s)
        finally:
            db.close()
    except UnlockError as exc:  # its key not at hand (rekeyed since, another keychain)
        return Carried(unread=_why(exc), locked=True)
    except Exception as exc:  # damaged, not ours: the restore goes on
        return Carried(unread=_why(exc))


def _opened(ddir: DataDir, key: bytes, stored: bytes | None, env: Mapping[str, str]) -> Database:
    """The clinic's file opened (not migrated, nothing written) with the first key of
    ``key``, ``stored``, the environment's secrets' that opens it."""
    refused: UnlockError | None = None
    tried: list[bytes] = []
    for candidate in chain((key,), (stored,) if stored else (), keys_from_env(ddir.root, env)):
        if candidate in tried:
            continue
        tried.append(candidate)
        try:
            return Database(ddir.db, candidate)
        except UnlockError as exc:
            refused = exc
    assert refused is not None  # ``key`` at least was tried
    raise refused


def _why(exc: Exception) -> str:
    """A failed read said safely (a bug's own words are not shown)."""
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    if isinstance(exc, ReceptionistError):
        return str(exc)
    return type(exc).__name__


def _found(s: Session) -> Found:
    swept = s.scalars(
        select(AuditEvent.entity_id).where(
            AuditEvent.action.in_((review.SWEEP, review.SWEEP_CARRIED)),
            AuditEvent.entity_type == review.ENTITY,
        )
    )
    tombstones = s.scalars(select(Patient.id).where(Patient.deleted_at.is_not(None)))
    deleted = s.scalars(
        select(AuditEvent.entity_id).where(
            AuditEvent.action == ERASED_EVENT[0], AuditEvent.entity_type == ERASED_EVENT[1]
        )
    )
    anonymised = s.scalars(select(Patient.id).where(Patient.anonymised_at.is_not(None)))
    return Found(
        records=records.recent(s, None)[::-1],  # oldest first
        swept=frozenset(i for i in swept if i is not None),
        erased=frozenset({*tombstones, *(i for i in deleted if i is not None)}),
        held=frozenset(s.scalars(select(Patient.id))),
        anonymised=frozenset(anonymised),
        reviewed=policy_reviewed(s),
        holds=tuple((h.patient_id, h.reason) for h in holds.every(s)),
    )


def policy_reviewed(s: Session) -> str:
    """The whole policy, when a person reviewed it as it is (the nightly sweep runs)."""
    return review.reviewed_policy(s) if review.reviewed(s) else ""


def apply(s: Session, clock: Clock, found: Found | Carried | None) -> Carried | None:
    """``found`` (:func:`read`) carried into the restored file, in its write ``s``, as
    the system: the records kept, the erasures re-applied, the review kept. None: the
    restore replaced no clinic (nothing was read)."""
    if found is None or isinstance(found, Carried):
        return found
    ctx = Ctx(SYSTEM, clock)
    kept = _records(s, ctx, found)
    erased = _erase(s, ctx, found.erased)
    held = _hold(s, ctx, found.holds, set(erased))
    back = _lapsed_back(s, found, erased)
    standing = review.carry(s, ctx, found.reviewed)
    lost = bool(found.reviewed) and not standing
    return Carried(len(erased), kept, standing, lost, back, holds_placed=held)


def _hold(s: Session, ctx: Ctx, live: tuple[tuple[str, str], ...], erased: set[str]) -> int:
    """The holds live in the clinic replaced that the restored file lacks (placed after
    the backup), placed again: else a sweep, its policy's review carried, would remove
    a patient a court or a doctor asked to keep. A hold lifted there since stays here
    (keeping too long is the safe side; a person lifts it). How many."""
    have = {h.patient_id for h in holds.every(s)}
    placed = 0
    for patient, reason in live:
        if patient in have or patient in erased:
            continue
        row = s.get(Patient, patient)
        if row is None or row.deleted_at is not None:
            continue  # not in the backup, or gone there: nothing of hers to keep
        holds.place(s, ctx, patient, reason)
        placed += 1
    return placed


def _records(s: Session, ctx: Ctx, found: Found) -> int:
    """The destruction records the restored file lacks (or holds with another count: a
    sweep under way when the backup was made), added; each sweep's or erasure's written
    into the log as a sweep writes them, then its end event. How many records."""
    have = {(r.sweep_id, r.kind, r.policy): r.count for r in s.scalars(select(DestructionRecord))}
    touched: dict[str, None] = {}
    kept = 0
    for r in found.records:
        key = (r.sweep_id, r.kind, r.policy)
        if key not in have:
            s.add(DestructionRecord(sweep_id=r.sweep_id, at=r.at, kind=r.kind,
                                    count=r.count, policy=r.policy))  # fmt: skip
        elif have[key] != r.count:
            s.execute(
                update(DestructionRecord)
                .where(
                    DestructionRecord.sweep_id == r.sweep_id,
                    DestructionRecord.kind == r.kind,
                    DestructionRecord.policy == r.policy,
                )
                .values(count=r.count, at=r.at)
            )
        else:
            continue
        touched[r.sweep_id] = None
        kept += 1
    s.flush()
    events: list[tuple[str, str, str | None]] = []
    for sweep_id in touched:
        events += records.as_events(records.of_sweep(s, sweep_id))
        end = review.SWEEP_CARRIED if sweep_id in found.swept else records.CARRIED
        events.append((end, review.ENTITY, sweep_id))
    audit.record_many(s, ctx, events)
    return kept


def _erase(s: Session, ctx: Ctx, erased: frozenset[str]) -> list[str]:
    """The patients of ``erased`` live in the restored file (not anonymised: nothing of
    hers left to erase), erased again; their ids."""
    live: list[str] = []
    ids = sorted(erased)
    for at in range(0, len(ids), _BY_KEY):
        live += s.scalars(
            select(Patient.id).where(
                Patient.id.in_(ids[at : at + _BY_KEY]),
                Patient.deleted_at.is_(None),
                Patient.anonymised_at.is_(None),
            )
        )
    for patient in sorted(live):
        holds.lift(s, ctx, patient)  # lifted before her erasure there, or she was not erased
        record.delete_patient(s, ctx, patient)
        audit.record(s, ctx, REAPPLIED, "patient", patient)
    if live:
        close_erased(s, ctx.clock.now())  # a conflict on her row or bookings shows her
    return live


def _lapsed_back(s: Session, found: Found, erased: list[str]) -> int:
    """Patients held by name here whom the clinic replaced no longer held so (removed
    or anonymised by its sweep), other than those erased again."""
    here = s.scalars(
        select(Patient.id).where(Patient.deleted_at.is_(None), Patient.anonymised_at.is_(None))
    )
    again = set(erased)
    return sum(1 for p in here if p not in again and (p not in found.held or p in found.anonymised))


def told(carried: Carried | None) -> list[Text]:
    """What a restore's answer says of what it carried over (counts only)."""
    if carried is None:
        return []
    if carried.unread:
        return [
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "Nothing could be carried over from the clinic file it replaced "
                    "({reason}): erasures made after the backup are not re-applied, and the "
                    "destruction records made since are only in that file, kept beside the "
                    "restored one (clinic.db.before-restore-<time>) until the retention "
                    "sweep deletes it. Erase those patients again, and keep a copy of that "
                    "file with its key file for the records.",
                ),
                reason=carried.unread,
            )
        ]
    found = [
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "Carried over from the clinic it replaced (made after the backup): "
                "{erasures} erasure(s) re-applied, {records} destruction record(s) kept.",
            ),
            erasures=carried.erasures_reapplied,
            records=carried.records_kept,
        )
    ]
    if carried.holds_placed:
        found.append(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "{count} hold(s) placed after the backup placed again: the retention "
                    "sweep keeps those patients.",
                ),
                count=carried.holds_placed,
            )
        )
    if carried.review_lost:
        found.append(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The restored retention policy is not the one a person reviewed: the "
                    "nightly sweep waits for a person's dry run and sweep.",
                )
            )
        )
    if carried.lapsed_back:
        found.append(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "{count} patient(s) the retention sweep removed or anonymised after the "
                    "backup are back with it, until the next sweep takes them again under "
                    "the same policy.",
                ),
                count=carried.lapsed_back,
            )
        )
    return found
