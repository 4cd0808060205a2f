"""Operations on reminders: one dispatch round, the list of messages, and setting up a
channel (its address in the clinic's settings, its secret in the keychain).

The senders are built by ``sync/channels`` from :func:`channel_setup`; the core never
touches the network.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from weakref import WeakKeyDictionary

from sqlalchemy import Subquery, case, func, select, union_all
from sqlalchemy.orm import Session

from receptionist.clock import Clock
from receptionist.context import Ctx, require
from receptionist.errors import Ambiguous, ValidationError
from receptionist.journal import audit
from receptionist.models import (
    Appointment,
    AuditEvent,
    Patient,
    Provider,
    Reminder,
    StaffUser,
    setting_id,
)
from receptionist.models.base import UTCDateTime
from receptionist.models.names import display_name
from receptionist.patients import search
from receptionist.patients.numbering import normalise_number
from receptionist.reminders import channelsettings as cs
from receptionist.reminders import config, dispatch, halt, reasons, servicerules, station
from receptionist.reminders.channels import Sender
from receptionist.reminders.compose import RETRY
from receptionist.reminders.dispatch import Item, Round
from receptionist.reminders.settings import CHANNELS, STATION
from receptionist.schedule.clinic import clinic_id
from receptionist.settings import clinicstore, registry, secretstore
from receptionist.settings.registry import Setting
from receptionist.store import lookcopy
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from . import lookup
from . import settings as ops_settings

__all__ = [
    "CHANNELS", "Item", "ReminderRow", "ReminderStatus", "Round", "channel_setup", "listing",
    "run", "secret_state", "secret_states", "secrets_missing", "status",
]  # fmt: skip

STATES = ("pending", "sending", "sent", "failed", "skipped", "unknown", "withdrawn")
LIST_LIMIT = 1000
CANNOT_SEE = Text(QT_TRANSLATE_NOOP("core", "Your role cannot see the reminders."))


CANNOT_SEND = Text(QT_TRANSLATE_NOOP("core", "Your role cannot send reminders; ask a manager."))


def run(
    db: Database,
    ctx: Ctx,
    clock: Clock,
    senders: Mapping[str, Sender],
    *,
    lease: station.Lease | None = None,
) -> Round:
    """One dispatch round now, asked for by a person (see
    ``receptionist.reminders.dispatch``; the scheduler calls ``dispatch.run`` itself)."""
    require(ctx, "clinic.configure", CANNOT_SEND)
    lookcopy.refuse(db.path.parent, lookcopy.NO_REMINDERS)  # the clinic sends them
    return dispatch.run(db, clock, senders, lease=lease)


@dataclass(frozen=True)
class ReminderRow:
    id: str
    appointment_id: str
    patient_id: str
    kind: str
    rule: str
    channel: str
    state: str
    reason: str
    scheduled_for: datetime
    send_at: datetime
    appointment_start: datetime  # the start the message was planned for
    attempts: int
    provider_id: str  # the messaging provider's id of the message (a Twilio SID)
    finished_at: datetime | None
    explained: Text | None = None  # the reason in words: what happened, what to do
    sent_to: str = ""  # the address it went to ("": not sent yet); patient data
    # Whose message it is (:func:`listing`): the patient's number ("": no longer on
    # file) and name as every list names a patient (``models.names.display_name``:
    # "anonymised" for one the sweep anonymised, and for an erased one, whose row keeps
    # only the number); ``patient_erased``: no record left to open (erased, or gone).
    patient_number: str = ""
    patient_name: str = ""
    patient_erased: bool = False
    appointment_provider: str = ""  # the appointment's provider ("": it is gone)
    # A queued message that waits to be tried again (a try failed for now, or quiet
    # hours came first): when it goes next, not ``send_at`` (None: any other message).
    next_try_at: datetime | None = None


# The list's groups, in order (one rule, :func:`listing`): failed and unknown wait for
# a person, newest first; queued soonest first; sent, skipped, withdrawn newest first.
WAITING_FOR_A_PERSON = ("failed", "unknown")
QUEUED = ("pending", "sending")
ORDER = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "failed and unknown first, newest first; then queued, soonest first; then sent, "
        "skipped and withdrawn, newest first",
    )
)


def listing(
    db: Database,
    ctx: Ctx,
    *,
    states: tuple[str, ...] = (),
    limit: int = LIST_LIMIT,
    patient: str = "",
) -> list[ReminderRow]:
    """The messages planned and sent (``states`` filters), each with its patient and
    its appointment's provider, in one query, in the order :data:`ORDER` says: what
    waits for a person first, so the ``limit`` never hides it behind the queue; what is
    still to go soonest first (by its next try, for one waiting to be tried again);
    what is done newest first (kept six months, the limit must not show only the
    oldest). ``patient``: only the messages of the patients it finds (:func:`named_patients`:
    a patient number, or what the patient search finds), read by patient, so a
    patient whose messages are past the first ``limit`` of everyone's is found."""
    require(ctx, "patient.read", CANNOT_SEE)
    for state in states:
        if state not in STATES:
            raise ValidationError(
                "state",
                Text(
                    QT_TRANSLATE_NOOP("core", "The state must be one of: {states}."),
                    states=", ".join(STATES),
                ),
            )
    r = Reminder
    group = case((r.state.in_(WAITING_FOR_A_PERSON), 0), (r.state.in_(QUEUED), 1), else_=2)
    goes = func.coalesce(case((r.state == "pending", r.next_try_at), else_=None), r.send_at)
    soonest = case((r.state.in_(QUEUED), goes), else_=None)
    query = (
        select(
            r, Patient.number, Patient.given_name, Patient.family_name, Patient.deleted_at,
            Provider.name,
        )
        .outerjoin(Patient, Patient.id == r.patient_id)
        .outerjoin(Appointment, Appointment.id == r.appointment_id)
        .outerjoin(Provider, Provider.id == Appointment.provider_id)
        .order_by(group, soonest, r.send_at.desc(), r.id)
        .limit(limit)
    )  # fmt: skip
    with db.read() as s:
        if patient.strip():  # her messages, along the patient index
            ids = named_patients(s, ctx, patient)
            if not ids:
                return []
            query = query.where(r.patient_id.in_(ids))
            if states:  # as text, not the column: SQLite would walk (state, send_at)
                query = query.where((r.state + "").in_(states))  # for all of them
        else:
            page = _first(states or STATES, limit)
            query = query.join(page, page.c.id == r.id)
        kept = cs.refused_senders(s)  # named in a stopped channel's words
        found = s.execute(query).all()
        return [
            _row(row, kept, _Whose(number, given, family, erased, provider))
            for row, number, given, family, erased, provider in found
        ]


def named_patients(s: Session, ctx: Ctx, typed: str) -> list[str]:
    """The ids of the patients ``typed`` names, as the patient search finds them (a
    patient number, names, a phone; folded: case, accents, Turkish i's; at most
    ``search.MAX_LIMIT`` of them), and the patient whose number it is even when she
    was erased (her row keeps only the number, and the search has forgotten her)."""
    found = [p.id for p in search.search_patients(s, ctx, typed, limit=search.MAX_LIMIT)]
    number = normalise_number(typed.strip())
    if number is not None:
        found += s.scalars(select(Patient.id).where(Patient.number == number))
    return list(dict.fromkeys(found))


def _first(states: Collection[str], limit: int) -> Subquery:
    """The ids of the first ``limit`` messages of each of ``states`` in the list's order,
    each read along the (state, send_at) index, which stops at ``limit``: the page is
    among them, and only they are joined to their patients and sorted, however many
    months of sent messages the station keeps (one statement with the list's query)."""
    r = Reminder
    parts = [
        select(r.id)
        .where(r.state == state)
        .order_by(r.send_at if state in QUEUED else r.send_at.desc())
        .limit(limit)
        .subquery()
        for state in states
    ]
    return union_all(*(select(part.c.id) for part in parts)).subquery()


@dataclass(frozen=True)
class _Whose:
    number: str | None  # None: the patient is not on file any more
    given: str | None
    family: str | None
    erased_at: datetime | None
    provider: str | None


def _row(
    r: Reminder, kept: Mapping[str, str] | None = None, whose: _Whose | None = None
) -> ReminderRow:
    """``r`` as the list shows it; ``whose``: its patient and provider as read with it
    (None: not read, as after a resend)."""
    sender = (kept or {}).get(r.channel, "")
    explained = reasons.explain(r.reason, r.channel, sender)
    row = ReminderRow(
        r.id, r.appointment_id, r.patient_id, r.kind, r.rule, r.channel, r.state, r.reason,
        r.scheduled_for, r.send_at, r.appointment_start, r.attempts, r.provider_id, r.finished_at,
        explained, r.sent_to, next_try_at=r.next_try_at if r.state == "pending" else None,
    )  # fmt: skip
    if whose is None:
        return row
    if whose.number is None:  # her row is gone (a sweep purged it): no number, no name
        return replace(row, patient_erased=True, appointment_provider=whose.provider or "")
    return replace(
        row,
        patient_number=whose.number,
        patient_name=display_name(whose.given, whose.family),
        patient_erased=whose.erased_at is not None,
        appointment_provider=whose.provider or "",
    )


@dataclass(frozen=True)
class ReminderStatus:
    """What the status bar says of reminders (no patient data: counts and a time).

    ``mode``: "off" (reminders not switched on), "here" (this PC is the station and
    sends), "standby" (this PC sends only when ``station`` has been off for the
    takeover time), "elsewhere" (``station`` names the PC that sends), "unnamed" (the clinic
    syncs and no station is named: no PC sends). ``queued``: waiting or going now;
    ``failed``: failed, waiting for a person; ``to_check``: "Unknown: check" (the
    provider may have it), for a person to look at, counted apart; ``next_due``: when the next
    queued message may go (None: none queued); ``attention``: the channels stopped
    because their provider refused the credentials (``reminders.halt``); ``kept``: on
    a PC that does not send now (a stand-by, or a station while another PC holds the
    lease), the messages it planned as the sender would: the sender's, not queued here,
    sent from here only if this PC takes over (``dispatch._stand_by``); ``waiting``: the
    channels whose messages wait to be tried again because a try reached no provider
    (the network down, an e-mail server greylisting), each with the last try's code."""

    mode: str
    station: str
    queued: int
    failed: int
    next_due: datetime | None
    attention: tuple[str, ...] = ()
    kept: int = 0
    # Each stopped channel's reason (``halt.REASONS``): what the words ask to fix.
    causes: tuple[tuple[str, str], ...] = ()
    # The senders as saved that today's check refuses (the words of their stop name them).
    refused_senders: tuple[tuple[str, str], ...] = ()
    # The channels whose messages wait to be tried again (a try reached no provider, or
    # it said "later": ``dispatch._settle``), each with its newest try's code.
    waiting: tuple[tuple[str, str], ...] = ()
    to_check: int = 0
    # How many entries of ``reminders.service_rules`` planning ignores (a deleted
    # service's, or keyed by a name saved before keys were checked: ``servicekeys``).
    ignored_rules: int = 0

    def waiting_texts(self) -> list[Text]:
        """What the waiting channels met, in words (``reasons.waiting``)."""
        return [reasons.waiting(channel, code) for channel, code in self.waiting]

    def waiting_for(self) -> list[tuple[Text, tuple[str, ...]]]:
        """What the waiting channels wait for, in a few words, each with its channels
        (``reasons.waiting_for``: the status bar's label)."""
        return reasons.waiting_for(self.waiting)

    # On a PC that sends or may take over (the station, a stand-by), the channels set up
    # whose password or token is not on it (``secrets_missing``): in ``attention`` too,
    # said ahead of any message (a stand-by: that it could not send if it took over).
    secrets_missing: tuple[str, ...] = ()
    # Of those, the ones whose keychain refused to be read (locked, not answering): the
    # secret may be there; the words say to unlock it (``halt.KEYCHAIN_LOCKED``).
    secrets_locked: tuple[str, ...] = ()

    def attention_texts(self) -> list[Text]:
        """What to do about each stopped channel, in words."""
        return [self.attention_text(channel) for channel in self.attention]

    def attention_text(self, channel: str) -> Text:
        if channel in self.secrets_missing and self.mode == "standby":
            return halt.takeover_warning(channel, channel in self.secrets_locked)
        sender = dict(self.refused_senders).get(channel, "")
        return halt.attention(channel, self.cause(channel), sender)

    def cause(self, channel: str) -> str:
        if channel in self.secrets_locked:
            return halt.KEYCHAIN_LOCKED
        if channel in self.secrets_missing:
            return halt.SECRET_MISSING
        return dict(self.causes).get(channel, halt.HALTED)


def status(db: Database, sending: bool | None = None) -> ReminderStatus:
    """The reminders' state for the status bar: one read, counts only (any role).
    ``sending``: whether this PC holds the cloud's reminders lease, as last heard (None:
    not known, or no cloud; then the station sends and a stand-by does not). Where this
    PC does not send, its pending messages are ``kept``, not queued. In a copy restored
    to look at (``lookcopy``) the mode is "copy": it sends none, its messages are kept."""
    with db.read() as s:
        cfg = config.load(s)
        role = station.role(s, cfg.station, cfg.standby)
        tally = _tally(s)
        counts, next_due, waiting = tally.counts, tally.next_due, tally.waiting
        causes = tuple(sorted(halt.causes_among(tally.kinds).items()))
        kept = tuple(sorted(cs.refused_senders(s).items())) if causes else ()
        ignored = len(servicerules.stored(s, cfg.service_rules).gone)  # read with cfg
    if not cfg.enabled:
        mode = "off"
    elif lookcopy.restored_copy(db.path.parent) is not None:
        mode, role = "copy", "none"  # a copy restored to look at sends nothing
    elif role != "none":
        mode = "here" if role == "station" else "standby"
    else:
        mode = "elsewhere" if cfg.station else "unnamed"
    held = secret_states(db) if mode in ("here", "standby") else {}
    missing = tuple(c for c, state in held.items() if state != "kept")
    locked = tuple(c for c, state in held.items() if state == "locked")
    attention = tuple(sorted({channel for channel, _ in causes} | set(missing)))
    sends = role == "station" if sending is None else sending and role != "none"
    pending, failed = counts.get("pending", 0), counts.get("failed", 0)
    to_check = counts.get("unknown", 0)  # the provider may have it: a person looks
    if not sends:  # planned as the sender would, for a takeover: the sender's messages
        return ReminderStatus(
            mode, cfg.station, counts.get("sending", 0), failed, None, attention, kept=pending,
            to_check=to_check,
            causes=causes, refused_senders=kept, ignored_rules=ignored,
            secrets_missing=missing, secrets_locked=locked,
        )  # fmt: skip
    queued = pending + counts.get("sending", 0)
    return ReminderStatus(
        mode, cfg.station, queued, failed, next_due, attention, causes=causes,
        to_check=to_check, refused_senders=kept, waiting=waiting, ignored_rules=ignored,
        secrets_missing=missing, secrets_locked=locked,
    )  # fmt: skip


_COUNTED = ("pending", "sending", "failed", "unknown")


@dataclass(frozen=True)
class _Tally:
    """The messages the status bar counts, read in one pass (:func:`_tally`)."""

    counts: dict[str, int]  # state -> how many
    next_due: datetime | None  # the soonest time a pending one may go
    waiting: tuple[tuple[str, str], ...]  # (channel, newest try's code) of those retrying
    kinds: tuple[tuple[str, str, str], ...]  # every (state, channel, reason) there is


def _tally(s: Session) -> _Tally:
    """One grouped read of the counted messages (``_COUNTED``) by state, channel and
    reason, each group with its soonest time to go and its newest change: the counts,
    the next time, the channels waiting to try again and (``halt.causes_among``) those
    stopped all come from it; the status bar reloads on every change and each minute."""
    r = Reminder
    query = (
        select(
            r.state, r.channel, r.reason, func.count(),
            func.min(func.coalesce(r.next_try_at, r.send_at), type_=UTCDateTime()),
            func.max(r.updated_at),
        )
        .where(r.state.in_(_COUNTED))
        .group_by(r.state, r.channel, r.reason)
    )  # fmt: skip
    counts: dict[str, int] = {}
    due: list[datetime] = []
    newest: dict[str, tuple[datetime, str]] = {}  # channel -> its newest retry's (time, code)
    kinds = []
    for state, channel, reason, n, soonest, changed in s.execute(query):
        counts[state] = counts.get(state, 0) + n
        kinds.append((state, channel, reason))
        if state != "pending":
            continue
        due.append(soonest)
        if reason.startswith(RETRY):
            newest[channel] = max(newest.get(channel, (changed, "")), (changed, reason))
    waiting = tuple(sorted((c, why.removeprefix(RETRY)) for c, (_, why) in newest.items()))
    return _Tally(counts, min(due, default=None), waiting, tuple(kinds))


@dataclass(frozen=True)
class EmailSetup:
    host: str
    port: int
    security: str
    sender: str
    username: str
    password: str

    @property
    def needs_secret(self) -> bool:
        """A password is needed only to sign in (a user name is set)."""
        return bool(self.username)

    @property
    def secret(self) -> str:
        return self.password


@dataclass(frozen=True)
class HttpSetup:
    base_url: str
    account: str
    sender: str
    token: str

    needs_secret = True  # Twilio's Basic auth, Meta's Bearer token: never without one

    @property
    def secret(self) -> str:
        return self.token


@dataclass(frozen=True)
class ChannelSetup:
    """Each channel as set up (None: not set up), secrets included: for the senders."""

    email: EmailSetup | None
    sms: HttpSetup | None
    whatsapp: HttpSetup | None
    # The channels whose secret was asked for and not read because this PC's keychain
    # refused (locked, not answering), the encrypted file holding none either.
    locked: frozenset[str] = frozenset()

    def missing_secret(self, channel: str) -> bool:
        """``channel`` is set up and needs a password or token that was not read (not
        on this PC, or not asked for: ``channel_setup``'s ``secrets``)."""
        setup: EmailSetup | HttpSetup | None = getattr(self, channel)
        return setup is not None and setup.needs_secret and not setup.secret

    def needing_secrets(self) -> tuple[str, ...]:
        """The channels set up that need a password or token to send."""
        return tuple(c for c in CHANNELS if (s := getattr(self, c)) is not None and s.needs_secret)


# Whether each channel's secret is on this PC, as last read, per open file, with the
# audit log's newest event then: the status bar asks every minute, and a keychain may
# ask the user, or log, on each read. A secret changes only by ``secretstore.write`` on
# this PC (audited: ``channels_saved``), so the answer holds until one is saved. A
# keychain that refused to be read is unlocked outside the app, with nothing saved, so
# only reading it again can tell; but a locked one may show an unlock prompt at each
# read (Linux), so it is read again only once another read got an answer
# (``secretstore.answers``: a round with something to send, Settings, a command: the
# keychain is open), a setting of its channel was saved, or LOCKED_REASK asks went by.
@dataclass
class _Held:
    seen: int  # the audit log's newest event when read
    held: dict[str, bool]  # channel -> its secret kept (read, answered)
    locked: frozenset[str] = frozenset()  # the channels whose keychain read was refused
    answers: int = 0  # ``secretstore.answers()`` when last read
    asks: int = 0  # asks since the keychain was last read


_HELD: WeakKeyDictionary[Database, _Held] = WeakKeyDictionary()
# While locked, the keychain is read again at every LOCKED_REASK-th ask at most (the
# status bar asks each minute: a prompt, and a "locked" gone stale, a quarter hour).
LOCKED_REASK = 15


def secrets_missing(db: Database) -> tuple[str, ...]:
    """The channels set up whose password or token is needed and not on this PC (they
    are never synced nor in backups: each PC that may send needs its own), or not
    readable now (its keychain locked: :func:`secret_states`)."""
    return tuple(c for c, state in secret_states(db).items() if state != "kept")


def secret_states(db: Database) -> dict[str, secretstore.Held]:
    """Each channel set up that needs a password or token, and whether it is on this
    PC: "kept", "none", or "locked" (the keychain refused to be read). The keychain is
    read once per channel, and again only after one of its settings was saved; while it
    refuses, again once another read got an answer or every LOCKED_REASK asks (``_HELD``)."""
    known = _HELD.get(db) or _Held(1 << 62, {})  # nothing known: only the log's newest
    newest, saved = channels_saved(db, known.seen)
    held, was_locked = known.held, known.locked
    if newest < known.seen:  # the log went back (a restore), or nothing was known yet
        held, was_locked = {}, frozenset()
    held = {c: there for c, there in held.items() if c not in saved}
    if secretstore.answers() != known.answers or known.asks + 1 >= LOCKED_REASK:
        was_locked = frozenset()  # the keychain answered someone since: open, maybe
    still = {c for c in was_locked if c not in saved}
    wanted = channel_setup(db, secrets=()).needing_secrets()
    unknown = [c for c in wanted if c not in held and c not in still]
    locked: set[str] = set()
    if unknown:
        read = channel_setup(db, secrets=unknown)
        locked = set(read.locked)
        held.update({c: not read.missing_secret(c) for c in unknown if c not in locked})
    locked |= still & set(wanted)
    _HELD[db] = _Held(
        newest, held, frozenset(locked), secretstore.answers(), 0 if unknown else known.asks + 1
    )
    return {c: "locked" if c in locked else "kept" if held[c] else "none" for c in wanted}


_SAVED_AS = ("clinic_setting", "setting")  # the audit's entity types of settings, secrets


def channels_saved(db: Database, after: int) -> tuple[int, set[str]]:
    """The audit log's newest event, and the channels any of whose settings or secret
    were saved on this PC after event ``after``: a sender made before then is stale.
    (A setting changed on another PC arrives by sync unaudited as an update; the next
    round's senders read it.) Reads only the events since ``after`` (the log's key)."""
    ids = {setting_id(key): channel for channel, keys in cs.BY_CHANNEL.items() for key in keys}
    with db.read() as s:
        newest = s.scalar(select(func.max(AuditEvent.seq))) or 0
        if newest <= after:
            return newest, set()
        query = select(AuditEvent.entity_id).where(
            AuditEvent.seq > after, AuditEvent.seq <= newest,
            AuditEvent.entity_type.in_(_SAVED_AS),
        )  # fmt: skip
        return newest, {ids[i] for i in s.scalars(query) if i in ids}


def channel_setup(db: Database, secrets: Collection[str] | None = None) -> ChannelSetup:
    """What the senders need. Only the station's own process asks (no acting user).
    The keychain is read only for the channels named in ``secrets`` (None: every
    channel; the others' secrets are left empty)."""
    with db.read() as s:
        v = clinicstore.values(s, {k.key: k for k in _PLAIN})
        # A sender today's check refuses, as saved: the channel stays set up, and
        # dispatch stops it on that sender (``halt.SENDER_SAVED``), never going quiet.
        for channel, kept in cs.refused_senders(s).items():
            v[cs.SENDERS[channel].key] = kept
        ns = (clinic_id(s) or "") if secrets is None or secrets else ""
        locked: set[str] = set()

        def secret(setting: Setting) -> str:
            channel = next(c for c, key in SECRETS.items() if key == setting.key)
            if not ns or (secrets is not None and channel not in secrets):
                return ""
            found, refused = secretstore.lookup(s, ns, setting)
            if refused:
                locked.add(channel)
            return found or ""

        email = None
        if v[cs.EMAIL_HOST.key] and v[cs.EMAIL_SENDER.key]:
            email = EmailSetup(
                str(v[cs.EMAIL_HOST.key]), int(str(v[cs.EMAIL_PORT.key])),
                str(v[cs.EMAIL_SECURITY.key]), str(v[cs.EMAIL_SENDER.key]),
                str(v[cs.EMAIL_USERNAME.key]), secret(cs.EMAIL_PASSWORD),
            )  # fmt: skip
        sms = _http(v, cs.SMS_BASE_URL, cs.SMS_ACCOUNT, cs.SMS_SENDER, secret(cs.SMS_TOKEN))
        whatsapp = _http(
            v, cs.WHATSAPP_BASE_URL, cs.WHATSAPP_ACCOUNT, cs.WHATSAPP_SENDER,
            secret(cs.WHATSAPP_TOKEN),
        )  # fmt: skip
    return ChannelSetup(email, sms, whatsapp, frozenset(locked))


_PLAIN = (
    cs.EMAIL_HOST, cs.EMAIL_PORT, cs.EMAIL_SECURITY, cs.EMAIL_SENDER, cs.EMAIL_USERNAME,
    cs.SMS_BASE_URL, cs.SMS_ACCOUNT, cs.SMS_SENDER,
    cs.WHATSAPP_BASE_URL, cs.WHATSAPP_ACCOUNT, cs.WHATSAPP_SENDER,
)  # fmt: skip


def _http(
    v: Mapping[str, object], url: Setting, account: Setting, sender: Setting, token: str
) -> HttpSetup | None:
    if not v[url.key] or not v[account.key]:
        return None
    return HttpSetup(str(v[url.key]), str(v[account.key]), str(v[sender.key]), token)


EMAIL_KEYS = {
    "host": cs.EMAIL_HOST.key,
    "port": cs.EMAIL_PORT.key,
    "security": cs.EMAIL_SECURITY.key,
    "sender": cs.EMAIL_SENDER.key,
    "username": cs.EMAIL_USERNAME.key,
}
HTTP_KEYS = {
    "sms": {
        "base_url": cs.SMS_BASE_URL.key,
        "account": cs.SMS_ACCOUNT.key,
        "sender": cs.SMS_SENDER.key,
    },
    "whatsapp": {
        "base_url": cs.WHATSAPP_BASE_URL.key,
        "account": cs.WHATSAPP_ACCOUNT.key,
        "sender": cs.WHATSAPP_SENDER.key,
    },
}
SECRETS = {channel: setting.key for channel, setting in halt.SECRETS.items()}


def secret_state(db: Database, channel: str) -> secretstore.Held:
    """Whether ``channel``'s password or token is on this PC, its value unread by the
    caller (any role may ask: the answer holds no secret; ``channels set`` keeps the
    one kept when none is given): "kept", "none", or "locked" (this PC's keychain
    refused to be read; the encrypted file holds none)."""
    with db.read() as s:
        namespace = clinic_id(s) or ""
        return secretstore.held(s, namespace, halt.SECRETS[channel]) if namespace else "none"


def set_channel(
    db: Database, ctx: Ctx, channel: str, values: Mapping[str, object], secret: str | None
) -> list[ops_settings.Entry]:
    """Set up ``channel`` (email, sms, whatsapp): its values by name (host, port, ...;
    base_url, account, sender) and its secret (None: leave it as it is). Every value
    is checked before any is written; a refusal names the setting's key."""
    keys = EMAIL_KEYS if channel == "email" else HTTP_KEYS.get(channel)
    if keys is None:
        raise ValidationError(
            "channel",
            Text(
                QT_TRANSLATE_NOOP("core", "The channel must be one of: {channels}."),
                channels=", ".join(CHANNELS),
            ),
        )
    chosen: dict[str, object] = {keys[name]: value for name, value in values.items()}
    if secret is not None:
        chosen[SECRETS[channel]] = secret
    return ops_settings.set_many(db, ctx, chosen)


RESENDABLE = ("failed", "unknown", "skipped")
CANNOT_RESEND = Text(QT_TRANSLATE_NOOP("core", "Your role cannot resend reminders."))
UNKNOWN_NOT_CONFIRMED = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "This message may have arrived (the channel never said whether it did): sent "
        "again, the patient may get it twice. Ask the patient first, then confirm the "
        "resend.",
    )
)

NO_STATION = QT_TRANSLATE_NOOP(
    "core",
    "No PC is named the reminder station, so none sends: name one in {where}, then resend there.",
)
NOT_THE_STATION = QT_TRANSLATE_NOOP(
    "core",
    "This PC does not send reminders: the reminder station ({station}) plans and sends "
    "them. Resend there.",
)


def resend(db: Database, ctx: Ctx, reminder_id: str, confirmed: bool = False) -> ReminderRow:
    """Send a failed, unknown or skipped message again at the next round (all the
    checks of sending apply again: consent, the appointment, quiet hours). Refused
    in a copy restored to look at (``lookcopy``): queued there, it would go once the
    copy is adopted, though the clinic may have resent it too. An unknown message
    may have arrived: it is resent only when ``confirmed`` (the person asked the
    patient), else refused with nothing changed."""
    require(ctx, "patient.write", CANNOT_RESEND)
    lookcopy.refuse(db.path.parent, lookcopy.NO_REMINDERS)
    with db.write() as s:
        r = _by_key(s, reminder_id)
        if r is None or r.state not in RESENDABLE:
            raise ValidationError(
                "reminder",
                Text(
                    QT_TRANSLATE_NOOP(
                        "core", "Only a failed, unknown or skipped message can be sent again."
                    )
                ),
            )
        if r.state == "unknown" and not confirmed:
            raise ValidationError("confirmed", UNKNOWN_NOT_CONFIRMED)
        cfg = config.load(s)
        if station.role(s, cfg.station, cfg.standby) != "station":
            if not cfg.station:  # none named: nothing is planned anywhere
                raise ValidationError("station", Text(NO_STATION, where=registry.where(STATION)))
            raise ValidationError("station", Text(NOT_THE_STATION, station=cfg.station))
        now = ctx.clock.now()
        r.state, r.reason, r.attempts, r.send_at = "pending", "resend", 0, now
        r.next_try_at = r.claimed_at = r.finished_at = None
        r.updated_at = now
        return _row(r)


def _by_key(s: Session, key: str) -> Reminder | None:
    """The message whose id is ``key``, or starts with it (at least 6 characters, as
    ``reminders list`` shows 8); None if none. Several: say so, to type more."""
    key = key.strip().lower()
    if len(key) == 36:
        return s.get(Reminder, key)
    if len(key) < 6:
        raise ValidationError(
            "reminder",
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "Give the message's id, or at least its first 6 characters."
                )
            ),
        )
    rows = lookup.starting(s, Reminder, key)
    if len(rows) > 1:
        raise Ambiguous(
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "More than one message's id starts with {key}; type more of it."
                ),
                key=key,
            ),
            "reminder",
        )
    return rows[0] if rows else None


# -- a person's "take over now" (the network side: sync/reminderlease.take_over) ---------

TAKE_OVER = "reminders.take_over"
CANNOT_TAKE_OVER = Text(
    QT_TRANSLATE_NOOP("core", "Only an administrator can take over sending the reminders.")
)
TAKEN_OVER = "reminders_taken_over"  # the audit's action; its entity: the device it took from


@dataclass(frozen=True)
class TakeOver:
    """What a take-over asks the endpoint for: the lease's length, and who asks (the
    user's name the endpoint keeps, else the front end's)."""

    lease: timedelta
    by: str


def may_take_over(db: Database, ctx: Ctx) -> TakeOver:
    """Refuse unless an administrator asks on the PC the clinic named its reminder
    station, connected to a cloud, in a clinic that is not a copy to look at: only
    there does taking the endpoint's lease over now make this PC send. What to ask
    the endpoint for, read in the same transaction."""
    require(ctx, TAKE_OVER, CANNOT_TAKE_OVER)
    lookcopy.refuse(db.path.parent, lookcopy.NO_REMINDERS)
    with db.read() as s:
        cfg = config.load(s)
        role, cloud = station.place(s, cfg.station, cfg.standby)
        user = s.get(StaffUser, ctx.actor.user_id) if ctx.actor.user_id else None
        by = user.username if user is not None else ctx.actor.source
    if not cloud:
        raise ValidationError(
            "reminders.station",
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "This PC syncs with no cloud: no other PC can hold the reminders, "
                    "so there is nothing to take over.",
                )
            ),
        )
    if role != "station":
        raise ValidationError(
            "reminders.station",
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "This PC is not the reminder station: name it in {station} and save, "
                    "then take over.",
                ),
                station=registry.where(STATION),
            ),
        )
    return TakeOver(cfg.takeover, by)


def record_take_over(db: Database, ctx: Ctx, from_code: str) -> None:
    """Audit that ``ctx``'s user took the reminders over now from device ``from_code``
    ("": the lease was free); who and when are the event's. No patient data."""
    with db.write() as s:
        audit.record(s, ctx, TAKEN_OVER, "device", from_code or None)
