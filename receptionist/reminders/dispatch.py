"""One bounded dispatch round: what the scheduler runs every minute, and
``receptionist reminders dispatch`` runs once.

Exactly once: a message's state becomes "sending" in a committed transaction BEFORE
the network call, and "sent" / "failed" (or "pending" again, for a transient error,
with a backoff: ``_settle``) in another one after it (a send whose answer never came stays
"sending" for the status lookup below, where the provider has one). Two rounds at
once (two threads, two processes) cannot take one message twice: taking it is a
conditional update in a write transaction, and writes are serialised. A message
found still "sending" long after a round began it (the PC crashed, the process was
killed mid-send, or the provider's answer never came) is never resent blindly: the
provider's status lookup, about the address the message went to (kept on the row as
it went "sending": the patient's may have changed since), finds it (sent); where it
does not (``NOT_LISTED``: a list may leave out a message the provider took) or the
provider cannot tell, it becomes "unknown", for a person to look at. A lookup the
provider refuses for the credentials leaves the message "sending" and stops the channel
(``halt``) until they are saved again; one that meets a transient failure is asked
again at the next round.

A provider that refuses the clinic's credentials stops its channel (``halt``): the
message stays queued, and so does every later one on that channel, until the
channel's settings are saved again. So does a sender saved before today's check that
the check refuses now (``_sender_refused``): found before anything goes, it stops the
channel instead of reading as empty (no e-mail or WhatsApp channel at all, an SMS
with no From).

A transient failure (nothing reached the provider: no connection, a connection lost
before the message was handed over, a proxy's page; or the provider said "later": a
rate limit, an e-mail server's 4xx such as greylisting) keeps the message queued,
reason ``retry:<code>``: tried again after 1, 2, 4, 8 minutes (``reminders.max_attempts``
quick tries), then every ``RETRY_CAP`` (or the provider's Retry-After), for as long as
it is worth sending (``compose.too_late``: its late limit after its time, or the
appointment's start). A short outage (the network down at 08:00, when the messages
held over quiet hours all go) so loses none of them. Once the next try would come too
late it fails, reason ``retried_until_start:<code>`` / ``retried_until_late:<code>``
(``compose.given_up``), as does one found retrying past that (the station was off).
A try that got no connection (``channels.NO_CONNECTION``: a silent or refusing server)
is the round's only one on that channel: its other due messages wait for the same next
try, or their own first wait where that comes sooner, uncounted (``_wait_behind``), and
the round goes on with the other channels. When
the network returns, what never reached the provider is due at once (``network_back``).
Tries that run into quiet hours wait for their end, which then counts as the message's
time (its ``send_at``), as planning moves a message due in them. The status bar and
``reminders status`` name the channels whose messages wait so (``ops.reminders``).

A round asked to stop (``run``'s ``stop``: the app closing, the service stopping) ends
before its next lookup or message: the one under way ends as any does, the rest stay
queued as they were, never begun, so none goes twice or is left "sending".

A PC that took over the sending (the cloud's lease moved here, or its file was
restored from a backup: ``handover``) never sends what the previous sender answered
for (``_handed_over``).

Every message sent or failed becomes an entry in the patient's communication log, and
every provider answer (a send's, a status lookup's) a row of the delivery log
(``deliverylog``: no text, no address), in the transaction that settles the message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import and_, exists, false, func, or_, select, true, update
from sqlalchemy.orm import Session

from receptionist import zones
from receptionist.clock import Clock, FixedClock, Shifted
from receptionist.context import SYSTEM, Ctx
from receptionist.journal import changefeed
from receptionist.models import (
    Appointment,
    ChangeEntry,
    CommunicationEntry,
    Patient,
    Reminder,
    from_micros,
)
from receptionist.patients import commlog
from receptionist.safelog import describe
from receptionist.settings import clinic as clinic_settings
from receptionist.settings import clinicstore
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text, When

from . import channelsettings, config, deliverylog, halt, handover, held, station
from .channels import (
    NO_CONNECTION,
    NOT_PROVIDER,
    NOT_REACHED,
    Lost,
    Outcome,
    Outgoing,
    SecretMissing,
    Sender,
    digest,
)
from .compose import RETRY, Go, Stop, Wait, decide, given_up, too_late, tried
from .plan import NEW_BOOKING, ROLE_LOST, Planned, confirm_since, plan
from .planscope import Memo
from .quiet import send_time
from .settings import CHANNEL_NAMES, CHANNELS
from .watemplates import Call

log = logging.getLogger(__name__)
ROUND_LIMIT = 200  # messages one round sends at most; the next round takes the rest
STALE_SENDING = timedelta(minutes=10)  # far longer than any send may take
# The longest wait between two tries of a message whose provider could not be reached
# (a Retry-After may ask for longer): a network back at 08:10 sends by 08:25.
RETRY_CAP = timedelta(minutes=15)
# A send whose answer never came, left "sending" for its provider's status lookup once
# stale (``_recover``), where the provider has one (``Outcome.ask_later``).
LOOKING_UP = "awaiting_lookup"
# A lookup that did not find the message in the provider's list: "unknown" for a person.
NOT_LISTED = "not_listed"
# A server error (HTTP 5xx) to a send the provider cannot be asked about (WhatsApp):
# it may have taken the message, so "unknown" for a person (the code in the delivery log).
SERVER_ERROR = "server_error"
# A message the previous sender answered for after its last renewal, before a person's
# "take over now" ended its lease (``Hold.doubted``): it may or may not have sent it, and
# nothing it synced says so. "unknown", for a person (``_leave``).
TAKEN_OVER = "taken_over"
# A message held back after a takeover until the endpoint answers a push of its booking
# (``handover.unanswered``): the previous sender may have seen it (``held``).
AWAITING_PUSH = held.AWAITING_PUSH

# A change of an appointment that may be what a reschedule or cancellation message
# announces: one the feed says moved or cancelled it, an insert, or one from before
# the feed said so (``ChangeEntry.moved`` None).
_NEWS = ChangeEntry.moved.is_not(False)
NEWS_DEPTH = 20_000  # feed entries read back for a booking's last move at most


@dataclass(frozen=True)
class Item:
    """One message a round dealt with (no patient data: ids, kinds, codes)."""

    reminder_id: str
    appointment_id: str
    kind: str
    rule: str
    channel: str
    state: str
    reason: str = ""
    provider_id: str = ""


@dataclass
class Round:
    """What one round did. ``active`` is False when this PC is not the station or
    reminders are off (``reason`` says which); then it did nothing."""

    active: bool
    reason: str = ""
    holder: str = ""  # "lease_elsewhere": the code of the PC that holds the lease
    planned: int = 0
    withdrawn: int = 0
    items: list[Item] = field(default_factory=list)
    # Channels stopped at the round's end: their provider refused the credentials, or
    # their set-up fails every message; ``causes`` gives each one's reason (``halt``).
    causes: dict[str, str] = field(default_factory=dict)
    # The stopped channels' senders as saved, where today's check refuses them.
    refused_senders: dict[str, str] = field(default_factory=dict)
    # Ended early, the process stopping (``run``'s ``stop``): messages due were left queued.
    stopped: bool = False

    @property
    def halted(self) -> set[str]:
        """The channels stopped at the round's end (those of ``causes``)."""
        return set(self.causes)

    def of(self, *states: str) -> list[Item]:
        return [i for i in self.items if i.state in states]

    def attention(self, channel: str) -> Text:
        """What to do about ``channel``, stopped at the round's end."""
        return halt.attention(channel, self.causes[channel], self.refused_senders.get(channel, ""))


def run(
    db: Database,
    clock: Clock,
    senders: Mapping[str, Sender],
    *,
    limit: int = ROUND_LIMIT,
    lease: station.Lease | None = None,
    # ``jobs.runner.stop_asked``: once it says so (the app closing), the round ends
    # before its next lookup or message (see the module's note; ``Round.stopped``).
    stop: Callable[[], bool] | None = None,
) -> Round:
    """One round: recover messages cut short, plan, then send what is due (at most
    ``limit``), each in its own short transactions. With a cloud, only while this PC
    holds the endpoint's lease (``lease``; none given: nothing is sent); while another
    PC holds it, a station or stand-by plans and sends nothing (``_stand_by``); a PC
    that is neither lets go of it if it still holds it."""
    with db.read() as s:
        cfg = config.load(s)
        role, cloud = station.place(s, cfg.station, cfg.standby)
    if not cfg.enabled:
        _MEMOS.pop(db, None)
        return Round(False, "disabled")
    if role == "none":
        _MEMOS.pop(db, None)  # what it had queued is withdrawn: planned afresh one day
        withdrawn = _role_lost(db, clock.now())
        if cloud and lease is not None:
            lease.let_go()  # renamed away: the new station need not wait a day
        return Round(False, "not_station", withdrawn=withdrawn)
    cutoff = by = doubted = None
    skew = timedelta(0)
    own = clock  # this PC's: what the round writes, the handovers' checks (``_own``)
    if cloud:
        hold = lease(role == "station", cfg.takeover) if lease else station.Hold(False, "", None)
        clock = Shifted(clock, hold.skew)  # the round's windows: the endpoint's time
        if not hold.held:
            why = hold.reason or ("lease_elsewhere" if hold.holder else "no_lease")
            waiting = Round(False, why, hold.holder)
            if why == "lease_elsewhere":
                waiting.planned, waiting.withdrawn = _stand_by(db, clock, cfg, hold)
            return waiting
        cutoff, skew, doubted = hold.cutoff, hold.skew, hold.doubted
        by = _sends_until(hold, cfg, role == "station")
    result = Round(True)
    stopping = stop or _never
    stops = _keychain_again(db, own.now())  # the round's one read of the stopped channels
    result.items += _recover(db, own, senders, stopping)  # its sends' claims: this PC's times
    with db.write() as s:
        now = clock.now()
        restored = handover.cut_short(s, db.path.parent, own.now())
        refused = channelsettings.refused_senders(s)  # once a round: each message asks
        _senders_fixed(s, own.now(), refused, stops.causes)
        done = plan(s, now, cfg, None if restored else _MEMOS.get(db, Memo()), own.now())
        if stops.waiting:  # none queued on a stopped channel: nothing to read
            result.items += held.past_held(s, (now, own.now()), _end, cfg)
        if cutoff is not None:
            handover.note(s, "lease", cutoff, own.now(), skew, doubted)
        handovers = [
            replace(t, doubted=doubted) if t.kind == "lease" else t
            for t in handover.current(s, own.now(), skew)
        ]
    if restored:
        handover.restore_written(db.path.parent)
    result.planned, result.withdrawn = _planned(db, now, cfg, done, own.now())
    for taken in handovers:
        result.items += _handed_over(db, own.now(), taken, cfg, skew)
    # A message whose being the previous sender's hangs on a push's answer waits for it.
    down: dict[str, tuple[datetime, str]] = {}  # channels no try reached: ``_wait_behind``
    waits = handover.unanswered(handovers)
    if waits is not None:
        result.items += held.awaiting_push(db, (clock.now(), own.now()), waits, _end)
    for reminder_id in _due(db, clock.now(), limit, waits, by):
        if stopping():  # the rest stay queued, untouched, for the next round
            result.stopped = True
            break
        item = _one(db, clock, senders, reminder_id, cfg, refused, down)
        if item is not None:
            result.items.append(item)
    _advance(db, clock.now(), handovers, done.top, cfg.horizon)  # what was due went: weighed
    if stops.causes or any(i.state == "held" for i in result.items):
        with db.read() as s:  # at the round's end: credentials saved meanwhile resumed one
            result.causes = halt.causes(s)
            if halt.SENDER_SAVED in result.causes.values():
                result.refused_senders = channelsettings.refused_senders(s)
    return result


# How far each Database's plans got (``planscope``): in memory, per open file.
_MEMOS: WeakKeyDictionary[Database, Memo] = WeakKeyDictionary()


def _planned(
    db: Database, now: datetime, cfg: config.Config, done: Planned, wrote: datetime | None = None
) -> tuple[int, int]:
    """The rest of a full pass of planning (the first round, or after the settings
    changed), each batch in a short transaction of its own; what all of it added and
    withdrew. The memo is kept only once its plan is committed. ``wrote``: this PC's
    time (``plan``)."""
    added, withdrawn = done.added, done.withdrawn
    if done.memo is None:  # planned without one (a restore): the next round, a full pass
        _MEMOS.pop(db, None)
    while done.memo is not None:
        _MEMOS[db] = done.memo
        if not done.more:
            break
        with db.write() as s:
            done = plan(s, now, cfg, done.memo, wrote)
        added, withdrawn = added + done.added, withdrawn + done.withdrawn
    return added, withdrawn


def _own(clock: Clock) -> Clock:
    """This PC's own clock under the round's (``Shifted`` onto the endpoint's time with
    a cloud): the round decides on the endpoint's time (what is due, the late limit, the
    next try, the lease's bounds) and writes what happened (a message taken, sent,
    failed, skipped or held, its communication-log and delivery-log entries) on this
    PC's, as its audit log and the desk's own entries are (docs/sync-protocol.md,
    "Time")."""
    return clock.clock if isinstance(clock, Shifted) else clock


def _sends_until(hold: station.Hold, cfg: config.Config, preferred: bool) -> datetime | None:
    """The latest time a message this PC sends on the lease ``hold`` may be due (None:
    no bound), in the endpoint's time, as the round's clock (``Hold.skew``). A PC that
    takes the lease over leaves alone what fell due by a minute
    after this PC's last renewal the endpoint granted (``handover``): what falls due
    up to then is this PC's alone. The station (``preferred``) may also send what falls
    due up to the late limit before the lease it was given runs out: only a stand-by
    takes its lease, no earlier than its end, and sends what fell due within the late
    limit before. A stand-by's lease is the station's to take back at any moment: no
    more. Past the bound a message waits for the next renewal; this bites where a round
    runs long, and for a station out of reach of the endpoint, sending on the lease it
    remembers: it stops before the lease's end, so what falls due then is sent once,
    by the stand-by if it takes over (or by the station, once it reaches the endpoint
    again in time)."""
    if hold.renewed is None or hold.until is None:
        return None
    renewed = hold.renewed + handover.SENDING_AFTER
    if not preferred:
        return renewed
    return max(renewed, hold.until - cfg.late_limit - handover.SENDING_AFTER)


def _stand_by(
    db: Database, clock: Clock, cfg: config.Config, hold: station.Hold
) -> tuple[int, int]:
    """While another PC holds the lease (the endpoint said so just now), plan as the
    sender would, so this PC knows each booking's start and status as it saw them
    (a move or cancellation made after a takeover needs its message, which only the
    earlier plan shows), and send nothing. What is due stays queued for the late
    limit: the holder may have been silent since before it fell due (its lease runs a
    day), and then it is this PC's to send if it takes over (the takeover leaves what
    fell due up to the holder's last renewal: ``_handed_over``). Past the late limit
    it could not go anyway: skipped, "other_station". It watches the holder renew
    (``handover.watch``): what reached this PC after the holder fell silent is not
    the holder's to have seen."""
    now, at = clock.now(), _own(clock).now()  # deciding, and what it writes
    stale = now - cfg.late_limit
    due = select(Reminder).where(Reminder.state == "pending", Reminder.send_at < stale)
    with db.write() as s:
        handover.watch(s, hold.renewed, at, now)  # heard: on this PC's clock, and the round's
        done = plan(s, now, cfg, _MEMOS.get(db, Memo()), at)
        for row in s.scalars(due):
            _finish(row, "skipped", "other_station", at)
    return _planned(db, now, cfg, done, at)


def _role_lost(db: Database, now: datetime) -> int:
    """This PC neither sends nor stands by (any more): what it had queued, as the
    station or a stand-by, is withdrawn ("role_lost"), never sent from a plan grown
    stale if it sends again one day; it then plans afresh (``plan.ROLE_LOST``). A
    message left "sending" stays, for a person (or its recovery, if it sends again).
    One read a round while there is nothing to withdraw."""
    queued = select(Reminder.id).where(Reminder.state == "pending").limit(1)
    with db.read() as s:
        if s.scalar(queued) is None:
            return 0
    with db.write() as s:
        done = s.execute(
            update(Reminder)
            .where(Reminder.state == "pending")
            .values(state="withdrawn", reason=ROLE_LOST, finished_at=now, updated_at=now)
        )
        return int(done.rowcount)  # type: ignore[attr-defined]


def _handed_over(
    db: Database, now: datetime, taken: handover.Handover, cfg: config.Config,
    skew: timedelta = timedelta(0),
) -> list[Item]:  # fmt: skip
    """Messages the previous sender answered for (it sent them or let them go), never
    sent a second time from here (``handover``): reminders due up to the cutoff, the
    messages of moves and cancellations made up to then (or planned here by then: the
    booking changed again since), and the confirmations of the
    bookings made up to then: unless the booking, or the change, reached this PC only
    after the mark (the previous sender never saw it). A confirmation another PC's
    reminders logged a message for (the communication log syncs) is skipped too.

    After a restore, a message this file had planned before the restore for a time
    after it is left alone: the file before the restore held the same row, and could
    not have sent it yet.

    The cutoff is kept on this PC's clock (``handover.note``) and read on two:
    ``made`` as kept, for when bookings were made and changed (the desks write them on
    theirs) and when rows were planned here (``_own``); ``cutoff`` on the round's (the
    endpoint's time with a cloud), for what was due (``send_at``, a planned time): a
    lease's as the endpoint said it (``endpoint_cutoff``, so a correction of this PC's
    clock since moves it not), else ``made`` moved by ``skew`` (the endpoint's time less
    this PC's, this round)."""
    a, r = Appointment, Reminder
    seen = _seen_before(taken.mark, taken.pushed, taken.kind)
    made = taken.cutoff
    cutoff = taken.endpoint_cutoff if taken.endpoint_cutoff is not None else made + skew
    due = (r.kind == "reminder") & (r.send_at <= cutoff) & (r.reason != "recovered_absent")
    news = r.kind.in_(("reschedule", "cancellation"))
    changed = news & (a.updated_at <= made)  # or moved by then, changed since: below
    # Planned here by the cutoff: the move or cancellation it announces was here (so on
    # the endpoint) by then, whatever changed in the booking since; unless this PC had
    # changed the booking itself before planning it and pushed that only after the cutoff.
    heard = news & (r.created_at <= made) & ~_own_late(taken.pushed, r)
    theirs = r.state == "pending"
    if taken.kind == "restore":
        theirs = theirs & ~((r.created_at <= made) & (r.send_at > cutoff))
    with db.read() as s:
        last_news = _last_news(s, theirs & news)
        waited = _quiet_past(s, cutoff, made, cfg, theirs & news, last_news)
        moved_by = _moved_by(s, made, theirs & news, last_news)
    if waited:
        theirs = theirs & r.id.not_in(waited)
    if moved_by:
        changed = changed | r.id.in_(moved_by)
    query = (
        select(r)
        .outerjoin(a, a.id == r.appointment_id)
        .where(theirs, or_(due, heard, changed & seen(a.id, False)))
        .limit(ROUND_LIMIT * 5)
    )
    doubt = _doubted(taken, cutoff, made, now + skew)
    # After a restore, one past the late limit (the round's time) is too late whether or
    # not it went before the restore: "late", nothing to resend, not "restored".
    stale = now + skew - cfg.late_limit if taken.kind == "restore" else None
    with db.write() as s:
        rows = _confirmed_elsewhere(s, made, seen, theirs)
        for row in rows:
            _leave(s, row, taken.reason, now, doubt, stale)
        items = [_item(row) for row in rows]
    # Every one, batch after batch, before anything is sent: one left pending would go
    # out a second time in this very round (its time is due).
    while True:
        with db.write() as s:
            rows = list(s.scalars(query))
            for row in rows:
                _leave(s, row, taken.reason, now, doubt, stale)
            items += [_item(row) for row in rows]
        if len(rows) < ROUND_LIMIT * 5:
            return items


@dataclass(frozen=True)
class _Doubt:
    """A person's "take over now": the old holder's last renewal, a minute after, in the
    round's time (``due``, for what was due) and on this PC's clock (``made``, for when
    bookings were made and changed), and the round's time now."""

    due: datetime
    made: datetime
    now: datetime


def _doubted(
    taken: handover.Handover, cutoff: datetime, made: datetime, now: datetime
) -> _Doubt | None:
    """What of ``taken`` the previous sender may or may not have sent (None: nothing):
    a lease forced from it (``Handover.doubted``); ``cutoff`` and ``made``, the handover's
    cutoff on the two clocks, put its last renewal on this PC's clock too."""
    if taken.kind != "lease" or taken.doubted is None or taken.doubted >= cutoff:
        return None
    return _Doubt(taken.doubted, taken.doubted - (cutoff - made), now)


def _leave(
    s: Session, r: Reminder, reason: str, now: datetime, doubt: _Doubt | None,
    stale: datetime | None = None,
) -> None:  # fmt: skip
    """``r`` was the previous sender's (``_handed_over``): skipped, ``reason``. With
    ``stale`` (a restore's: the round's time less the late limit), one past the late
    limit is skipped "late" instead (``_past_late``): a round would not send it now
    whether or not it went before the restore, so the desk is not asked to resend it
    (before, a restore the morning after skipped the whole previous day's reminders as
    "restored", each inviting a resend of a stale message). After a
    person's "take over now" (``doubt``), one it answered for only after its last
    renewal (due after it; a confirmation, move or cancellation message of a change made
    after it) may or may not have gone: it died some time between that renewal and the
    takeover. Unless its communication log, synced here, says it sent (or failed) the
    message, or the appointment has begun (nothing of use left to send), it is
    "unknown" (:data:`TAKEN_OVER`), for a person to look at and resend from the
    Reminders view: neither sent a second time nor dropped without a word."""
    if doubt is not None and _in_doubt(s, r, doubt) and not _logged_elsewhere(s, r):
        _finish(r, "unknown", TAKEN_OVER, now)
        return
    if stale is not None and _past_late(r, stale):
        _finish(r, "skipped", "late", now)
        return
    _finish(r, "skipped", reason, now)


def _past_late(r: Reminder, stale: datetime) -> bool:
    """Whether ``r`` is past the late limit (``stale``: the round's time less it), as a
    round decides (``compose.decide``: its time, or its next try's, before then; one
    tried in vain, its time: ``compose.too_late``)."""
    if tried(r):
        return r.send_at < stale
    return max(r.send_at, r.next_try_at or r.send_at) < stale


def _in_doubt(s: Session, r: Reminder, doubt: _Doubt) -> bool:
    """Whether the previous sender could have dealt with ``r`` only after its last
    renewal (``doubt``): due after it (or waiting for quiet hours' end after it), or a
    message of a booking made (a confirmation) or changed (a move or cancellation) after
    it; and the appointment is still ahead."""
    appt = s.get(Appointment, r.appointment_id)
    if appt is None or appt.deleted_at is not None or appt.start_utc <= doubt.now:
        return False
    if r.send_at > doubt.due:
        return True
    if r.kind == "confirmation":
        return appt.created_at > doubt.made
    return r.kind != "reminder" and appt.updated_at > doubt.made


def _logged_elsewhere(s: Session, r: Reminder) -> bool:
    """The communication log (synced from the PC that sent it) has the message ``r``: an
    entry of the sending or failing of a message of its kind (a reminder: of its rule)
    for its appointment and start; for a confirmation, any message of the appointment
    (as ``_dealt_with_elsewhere``)."""
    c = CommunicationEntry
    if r.kind == "confirmation":
        return bool(s.scalar(select(_dealt_with_elsewhere(r.appointment_id))))
    what = Text(WHAT[r.kind], rule=r.rule) if r.kind == "reminder" else Text(WHAT[r.kind])
    found = exists().where(
        c.appointment_id == r.appointment_id, c.appointment_start == r.appointment_start,
        c.direction == "out", c.recorded_by.is_(None), c.deleted_at.is_(None),
        c.channel.in_(CHANNELS), c.summary.startswith(str(what), autoescape=True),
    )  # fmt: skip
    return bool(s.scalar(select(found)))


def _quiet_past(
    s: Session, cutoff: datetime, made: datetime, cfg: config.Config, news: Any,
    last_news: Mapping[str, datetime],
) -> list[str]:  # fmt: skip
    """The pending move and cancellation messages (``news``) the previous sender could
    not have sent by the cutoff (``made``: the same on this PC's clock, for the
    changes' times): the booking's last move or cancellation (its last
    change, unless the feed says a later one, before or after the cutoff, moved
    nothing: ``_last_news``) was made in quiet hours that end after it, so a message of
    it, planned on any PC no earlier than the change, waits for their end
    (``quiet.send_time``). Nobody else sends them. A change's time (written on a desk's
    clock, taken as this PC's) is put on the cutoff's clock before it is weighed
    (``cutoff - made``): before, a change made just before the cutoff on a PC whose
    clock runs ahead read as one after it, whose message the previous sender had not
    sent, and it went a second time."""
    a, r = Appointment, Reminder
    if cfg.quiet_end is None:
        return []
    shift = cutoff - made  # this PC's clock onto the cutoff's (the endpoint's)
    query = (
        select(r.id, a.id, a.updated_at, a.start_utc)
        .join(a, a.id == r.appointment_id)
        .where(news, r.send_at > cutoff)
    )
    window = (cfg.quiet_start, cfg.quiet_end)

    def waits(changed: datetime, start: datetime) -> bool:
        at = send_time(changed + shift, start, window, cfg.quiet_mode, cfg.tz)
        return at is not None and at > cutoff

    found = []
    for row_id, appt_id, changed, start in s.execute(query):
        if changed <= made and not waits(changed, start):
            continue  # its last change by then did not wait: nor did an earlier move
        moved = last_news.get(appt_id, changed)  # changed since the cutoff: moved when?
        if moved <= made and waits(moved, start):
            found.append(row_id)
    return found


def _moved_by(
    s: Session, cutoff: datetime, news: Any, last_news: Mapping[str, datetime]
) -> list[str]:
    """The pending move and cancellation messages (``news``) of bookings changed after
    the cutoff whose last move or cancellation was made by then (``_last_news``): the
    later change moved nothing (the desk confirmed the booking, noted a call), and the
    message is the previous sender's as if the booking had not changed since."""
    a, r = Appointment, Reminder
    query = (
        select(r.id, a.id, a.updated_at)
        .join(a, a.id == r.appointment_id)
        .where(news, a.updated_at > cutoff)
    )
    return [
        row_id
        for row_id, appt_id, changed in s.execute(query)
        if last_news.get(appt_id, changed) <= cutoff
    ]


def _last_news(s: Session, news: Any) -> dict[str, datetime]:
    """When each appointment of the messages ``news`` was last moved or cancelled
    (``_NEWS``), as the feed says: its newest such entry, read from the feed's end back
    at most ``NEWS_DEPTH`` entries (a booking whose message is still queued changed
    lately; a message held for days, its channel stopped, is asked about every round),
    all in one read. One with none found is not listed: its last change (the rule
    before the feed said so) stands for it."""
    c = ChangeEntry
    booked = list(s.scalars(select(Reminder.appointment_id).where(news).distinct()))
    if not booked:
        return {}
    top = changefeed.last_seq(s)
    newest = (
        select(func.max(c.seq))
        .where(c.seq > top - NEWS_DEPTH, c.entity == "appointment", _NEWS)
        .where(c.row_id.in_(booked))
        .group_by(c.row_id)
    )
    return {row_id: at for row_id, at in s.execute(select(c.row_id, c.at).where(c.seq.in_(newest)))}


def _advance(
    db: Database, now: datetime, taken: list[handover.Handover], top: int,
    horizon: timedelta | None = None,
) -> None:  # fmt: skip
    """Each handover's mark moved on past what this round planned and weighed, and
    past what no plan looks at before the ``horizon`` (``handover.advance``)."""
    behind = [t.kind for t in taken if handover.behind(t.mark, t.pushed, top) is not None]
    if not behind:
        return
    with db.write() as s:
        since = min(from_micros(confirm_since(s)), now - NEW_BOOKING)
        for kind in behind:
            handover.advance(s, kind, top, since, now, now + horizon if horizon else None)


def _seen_before(mark: int | None, pushed: int | None = None, kind: str | None = None) -> Any:
    """A condition on an appointment id: it was here (inserted, or any move or
    cancellation of it: ``inserted`` False) before the mark, and, if made here, pushed
    by ``pushed``; so the previous sender may have seen it. A change that moved
    nothing (a status, a note: ``_NEWS``) is no news of a move it could have missed.
    Nor is one the ``kind`` handover's mark moved past before any plan looked at it
    (``handover.late``)."""

    def seen(appointment_id: Any, inserted: bool) -> Any:
        c = ChangeEntry
        after = [c.seq > mark] if mark is not None else []
        if pushed is not None:
            after.append((c.seq > pushed) & c.origin.is_(None))
        found = [appointment_id.not_in(handover.late(kind, inserted))] if kind else []
        if after:
            late = select(c.row_id).where(or_(*after), c.entity == "appointment")
            found.append(
                appointment_id.not_in(late.where(c.kind == "insert" if inserted else _NEWS))
            )
        return and_(*found) if found else true()

    return seen


def _own_late(pushed: int | None, r: type[Reminder]) -> Any:
    """A condition on a reminder row: its appointment was moved or cancelled here
    (``_NEWS``), after what this PC had pushed at the cutoff (``pushed``), no later
    than the row was planned: the change it announces may be one the previous sender
    never saw. Another change made here (the stand-by confirmed the booking after it
    heard of the holder's move) leaves the message the previous sender's."""
    if pushed is None:
        return false()
    c = ChangeEntry
    return exists().where(
        c.seq > pushed, c.origin.is_(None), c.entity == "appointment",
        c.row_id == r.appointment_id, c.at <= r.created_at, _NEWS,
    )  # fmt: skip


def _confirmed_elsewhere(s: Session, cutoff: datetime, seen: Any, theirs: Any) -> list[Reminder]:
    a, r = Appointment, Reminder
    pending = theirs & (r.kind == "confirmation")
    # No limit: the pending confirmations are what planning made (a round's adds at
    # most), and one not looked at here would be sent again in this round.
    early = (a.created_at <= cutoff) & seen(a.id, True)
    query = (
        select(r)
        .outerjoin(a, a.id == r.appointment_id)
        .where(pending, or_(early, _dealt_with_elsewhere(r.appointment_id)))
    )
    return list(s.scalars(query))


def _dealt_with_elsewhere(appointment_id: Any) -> Any:
    """Another PC's reminders logged a message for the appointment: that PC planned
    (and sent or failed) its confirmation when it first saw the booking."""
    c = CommunicationEntry
    return exists().where(
        c.appointment_id == appointment_id, c.direction == "out", c.recorded_by.is_(None),
        c.channel.in_(CHANNELS), c.deleted_at.is_(None),
    )  # fmt: skip


def network_back(db: Database, now: datetime) -> int:
    """The network is back (``jobs.netreturn``): the queued messages whose last try
    never reached the provider (no connection, a connection lost, a proxy's or a
    portal's answer: ``channels.reached_none``) are due now, not at their next try (up to
    ``RETRY_CAP`` away); those the provider itself asked to wait (a rate limit, its
    Retry-After, an e-mail server's 4xx) keep waiting. How many. Their next try is
    cleared, not set to a time: the round decides what is due on the endpoint's time
    (``Hold.skew``), and this PC's ``now`` (the change's time, ``updated_at``) may be
    minutes after it; due at its planned time, the message goes in the next round
    whatever the clocks say (as ``halt.resume``'s). Its try is still counted
    (``compose.tried``: its reason says ``retry:``), so it is not skipped as late."""
    r = Reminder
    reached_none = or_(
        r.reason.in_([RETRY + code for code in NOT_REACHED]),
        r.reason.startswith(RETRY + NOT_PROVIDER, autoescape=True),
    )
    with db.write() as s:
        done = s.execute(
            update(r)
            .where(r.state == "pending", reached_none, r.next_try_at.is_not(None))
            .values(next_try_at=None, updated_at=now)
        )
        return int(done.rowcount)  # type: ignore[attr-defined]


def _due(
    db: Database, now: datetime, limit: int, waits: Any = None, by: datetime | None = None
) -> list[str]:
    """The messages due (at most ``limit``), but for those ``waits`` names; with ``by``,
    only those due by then (``_sends_until``)."""
    r = Reminder
    query = (
        select(r.id)
        .where(r.state == "pending", r.send_at <= now, r.reason.not_in(halt.REASONS))
        .where(or_(r.next_try_at.is_(None), r.next_try_at <= now))
        .order_by(r.send_at, r.id)
        .limit(limit)
    )
    if waits is not None:
        query = query.where(~waits)
    if by is not None:
        query = query.where(r.send_at <= by)
    with db.read() as s:
        return list(s.scalars(query))


def _one(
    db: Database, clock: Clock, senders: Mapping[str, Sender], reminder_id: str,
    cfg: config.Config, refused: Mapping[str, str], down: dict[str, tuple[datetime, str]],
) -> Item | None:  # fmt: skip
    with db.write() as s:
        r = s.get(Reminder, reminder_id)
        if r is None or r.state != "pending":
            return None  # another round took it
        now, at = clock.now(), _own(clock).now()  # deciding, and what it writes
        decision = decide(s, r, now, cfg, senders.keys())
        if isinstance(decision, Wait):
            r.next_try_at, r.updated_at = decision.until, at
            if tried(r):  # tried in vain till quiet hours: their end is
                r.send_at = decision.until  # its time now (``compose.too_late``)
            return None
        if isinstance(decision, Stop):
            _finish(r, decision.state, decision.reason, at)
            if decision.state == "failed":  # given up after tries in vain
                _log(s, r, at, None)
            return _item(r)
        channel = decision.channel
        stopped = halt.cause(s, channel) or _sender_refused(s, channel, refused)
        if stopped is not None:  # asked now: not the round's start
            halt.hold(r, channel, at, stopped)
            return _item(r, "held")
        if channel in down:
            return _wait_behind(s, r, decision, down[channel], (now, at), cfg)
        message = _take(r, decision, at)
    sender = _sender(db, _own(clock), senders, message)
    if isinstance(sender, Item):  # its secret is not on this PC: held, nothing sent
        return sender
    outcome = _send(sender, message)
    with db.write() as s:
        r = s.get(Reminder, reminder_id)
        assert r is not None
        now, at = clock.now(), _own(clock).now()
        if outcome.status == "transient" and outcome.code in NO_CONNECTION:
            wait = backoff(r.attempts, cfg.max_attempts, outcome.retry_after)
            down[message.channel] = (now + wait, (RETRY + outcome.code)[:64])
        return _settle(s, r, outcome, (now, at), cfg, message.template)


def _wait_behind(
    s: Session, r: Reminder, go: Go, down: tuple[datetime, str],
    times: tuple[datetime, datetime], cfg: config.Config,
) -> Item:  # fmt: skip
    """``r`` is due on ``go``'s channel, whose first try this round got no connection
    (``down``: that try's next one and reason): it waits, this try not counted, instead
    of costing another timeout (30 s for a silent mail server, 10 for a web provider's
    connect) and keeping the round from the other channels. It waits for the same next
    try, or for its own (the wait after one more try of its own: ``backoff``) where that
    comes first: the message tried is the oldest due, maybe at ``RETRY_CAP`` already,
    and one never tried (a booking made for within the quarter hour) would otherwise
    wait as long. If even that next try would come too late for it, it fails as given
    up, as if it had been tried (``_settle``; ``times``: the round's now and this PC's,
    ``_own``)."""
    shared, reason = down
    now, at = times
    r.channel = go.channel
    next_try = min(shared, now + backoff(r.attempts + 1, cfg.max_attempts))
    if next_try >= too_late(r, cfg)[0]:
        gave_up = given_up(r, cfg, reason.removeprefix(RETRY))
        _finish(r, gave_up.state, gave_up.reason, at)
        _log(s, r, at, go.template)
        return _item(r)
    r.next_try_at, r.reason, r.updated_at = next_try, reason, at
    return _item(r, "retrying")


def _sender_refused(s: Session, channel: str, refused: Mapping[str, str]) -> str | None:
    """The stop of ``channel`` whose saved sender today's check refuses (it would read
    as empty, and the channel go quiet: ``channelsettings.refused_senders``), or None.
    ``refused``: those the round found at its start; one of them is read again (the
    desk may have saved it right meanwhile), any other is not read at all."""
    if channel not in refused:  # (a channel that stops on it: STOPPING)
        return None
    return halt.SENDER_SAVED if channelsettings.refused_senders(s, (channel,)) else None


def _senders_fixed(
    s: Session, now: datetime, still: Mapping[str, str], causes: Mapping[str, str]
) -> None:
    """Channels stopped on a refused sender whose sender is right now (saved on another
    PC and synced here, unaudited, which ``ops.settings`` never resumed): resumed.
    ``still``: the channels whose sender is refused now; ``causes``: the channels
    stopped at the round's start (``_keychain_again``: nothing since stops one on its
    sender but a round's own message, ``_one``)."""
    stopped = [c for c, why in causes.items() if why == halt.SENDER_SAVED]
    halt.resume(s, [c for c in stopped if c not in still], now)


def _sender(
    db: Database, clock: Clock, senders: Mapping[str, Sender], message: Outgoing
) -> Sender | Item:
    """The channel's sender, made on first use (its secret read then): if that fails,
    the claimed message goes back to the queue, unsent and its try not counted, instead
    of waiting "sending" for a lookup that can only call it "unknown". When the
    channel's password or token is not on this PC (``SecretMissing``), the channel
    stops on it (``halt.SECRET_MISSING``) and the message waits: its item, "held"."""
    try:
        return senders[message.channel]
    except Exception as exc:
        missing = isinstance(exc, SecretMissing)
        with db.write() as s:
            r = s.get(Reminder, message.reminder_id)
            if r is not None and r.state == "sending":
                r.state, r.attempts, r.claimed_at = "pending", r.attempts - 1, None
                r.sent_to = ""  # nothing went
                if isinstance(exc, SecretMissing):
                    halt.hold(r, r.channel, clock.now(), _secret_stop(exc))
                    return _item(r, "held")
        if missing:
            return Item(message.reminder_id, "", "", "", message.channel, "held")
        raise


def _secret_stop(exc: SecretMissing) -> str:
    """The stop of a channel whose secret was not read: not on this PC, or behind a
    keychain that refused to be read (asked again each round: ``_keychain_again``)."""
    return halt.KEYCHAIN_LOCKED if exc.locked else halt.SECRET_MISSING


@dataclass(frozen=True)
class _Stops:
    """The channels stopped at a round's start, less those it resumed at once
    (``_keychain_again``): each one's reason, and whether a message is queued on one
    (``halt.WAITING``; else only lookups wait: nothing for ``held.past_held``)."""

    causes: dict[str, str]
    waiting: bool


def _keychain_again(db: Database, now: datetime) -> _Stops:
    """Channels stopped because this PC's keychain refused to be read: resumed, so the
    round reads it again (once, on its first message due): unlocked, the messages go
    with nothing saved; still locked, the channel stops again. The channels stopped at
    the round's start (the round's one read of them: ``halt.kinds`` passes over every
    queued message), but for those: nothing but a round stops one, and a round that
    stopped none and found none stopped reads them no more (``run``)."""
    with db.read() as s:
        kinds = halt.kinds(s)
    causes = halt.causes_among(kinds)
    stopped = [c for c, why in causes.items() if why == halt.KEYCHAIN_LOCKED]
    if stopped:  # a write only then: most rounds have none
        with db.write() as s:
            halt.resume(s, stopped, now)
    waiting = any(state == "pending" and c not in stopped for state, c, _ in kinds)
    return _Stops({c: why for c, why in causes.items() if c not in stopped}, waiting)


def _take(r: Reminder, go: Go, now: datetime) -> Outgoing:
    """State "sending", committed by the caller before anything is sent."""
    r.state, r.channel, r.claimed_at, r.updated_at = "sending", go.channel, now, now
    r.attempts += 1
    r.digest, r.sent_to = digest(go.channel, go.to, go.body), go.to
    return Outgoing(r.id, go.channel, go.to, go.subject, go.body, now, go.template)


def _send(sender: Sender, message: Outgoing) -> Outcome:
    try:
        return sender.send(message)
    except Exception as exc:  # a sender's bug: the request may have gone
        log.error("sender failed: %s", describe(exc))
        return Outcome("unknown", code="sender_error")


def _unknown_reason(outcome: Outcome) -> str:
    if outcome.http_status is not None and outcome.http_status >= 500:
        return SERVER_ERROR
    return outcome.code or "no_answer"


def _settle(
    s: Session, r: Reminder, outcome: Outcome, times: tuple[datetime, datetime],
    cfg: config.Config, template: Call | None,
) -> Item:  # fmt: skip
    """What the provider answered, kept. ``times``: the round's now, for what it decides
    (the next try, too late), and this PC's, for what happened (``_own``)."""
    now, at = times
    deliverylog.note(s, r.id, r.channel, "send", at, outcome)
    stop = halt.stops(outcome)
    if stop is not None:  # the channel stops; the message waits, not counted a try
        r.attempts -= 1
        halt.hold(r, r.channel, at, stop)
        return _item(r, "held")
    if outcome.status == "sent":
        r.provider_id = outcome.provider_id[:128]
        _finish(r, "sent", "", at)
        _log(s, r, at, template)
    elif outcome.status == "unknown" and outcome.ask_later:  # the lookup will say
        r.reason, r.updated_at = LOOKING_UP, at
        return _item(r, "looking_up")
    elif outcome.status == "unknown":
        _finish(r, "unknown", _unknown_reason(outcome), at)
    elif outcome.status == "transient":
        wait = backoff(r.attempts, cfg.max_attempts, outcome.retry_after)
        if now + wait >= too_late(r, cfg)[0]:  # the next try would come too late
            gave_up = given_up(r, cfg, outcome.code)
            _finish(r, gave_up.state, gave_up.reason, at)
            _log(s, r, at, template)
            return _item(r)
        r.state, r.next_try_at, r.updated_at = "pending", now + wait, at
        r.reason = (RETRY + outcome.code)[:64]
        return _item(r, "retrying")
    else:
        _finish(r, "failed", _code(outcome.status, outcome.code), at)
        _log(s, r, at, template)
    return _item(r)


def backoff(attempts: int, quick: int, retry_after: float | None = None) -> timedelta:
    """The wait after the ``attempts``-th try failed for now: 1, 2, 4, 8... minutes for
    the first ``quick`` tries (``reminders.max_attempts``), ``RETRY_CAP`` at most and
    from then on; longer if the provider's Retry-After asks for it."""
    wait = RETRY_CAP
    if attempts < quick:
        wait = min(timedelta(minutes=2 ** max(attempts - 1, 0)), RETRY_CAP)
    if retry_after:
        wait = max(wait, timedelta(seconds=retry_after))
    return wait


def _code(status: str, code: str) -> str:
    return f"{status}:{code}"[:64] if code else status


def _finish(r: Reminder, state: str, reason: str, now: datetime) -> None:
    r.state, r.reason, r.finished_at, r.updated_at = state, reason, now, now


def _end(s: Session, r: Reminder, stop: Stop, now: datetime) -> Item:
    """``r`` ends as ``stop`` says (``held``'s): a failed one in the patient's log."""
    _finish(r, stop.state, stop.reason, now)
    if stop.state == "failed":
        _log(s, r, now, None)
    return _item(r)


def _item(r: Reminder, state: str | None = None) -> Item:
    return Item(
        r.id, r.appointment_id, r.kind, r.rule, r.channel, state or r.state, r.reason, r.provider_id
    )


SENT = QT_TRANSLATE_NOOP(
    "core", "{what} sent by {channel} (status: sent; provider id {provider_id})."
)
# The code is kept beside it (the entry's ``reason``), said in words where it is shown
# (``reasons.explain``); before session 17 it ended the summary: "(status: failed; <code>)".
FAILED = QT_TRANSLATE_NOOP("core", "{what} for {start} not sent by {channel}.")
# Its appointment gone: the entry keeps no start (nor does the summary).
FAILED_GONE = QT_TRANSLATE_NOOP("core", "{what} not sent by {channel}.")
WHAT = {
    "reminder": QT_TRANSLATE_NOOP("core", "Appointment reminder ({rule} before)"),
    "confirmation": QT_TRANSLATE_NOOP("core", "Booking confirmation"),
    "reschedule": QT_TRANSLATE_NOOP("core", "Reschedule message"),
    "cancellation": QT_TRANSLATE_NOOP("core", "Cancellation message"),
}


# WhatsApp sends the clinic's approved template, not our text: the entry names it.
AS_TEMPLATE = QT_TRANSLATE_NOOP(
    "core", "{said} WhatsApp template {name}, language {language}, values: {values}."
)
MAX_VALUES = 1000  # characters of the values kept (the summary holds 2,000 at most)


def _log(s: Session, r: Reminder, now: datetime, template: Call | None) -> None:
    """The communication-log entry of a message sent or failed (no text kept: the
    template and the appointment say what it said), with the start the message named:
    synced, it tells every PC the start the patient was last told (``plan``). A
    WhatsApp message's names what went: the approved template, its language code and
    the values sent in it (the message's own data, no more)."""
    patient = s.get(Patient, r.patient_id)
    if patient is None or patient.deleted_at is not None:
        return
    what = Text(WHAT[r.kind], rule=r.rule) if r.kind == "reminder" else Text(WHAT[r.kind])
    channel = Text(CHANNEL_NAMES[r.channel]) if r.channel in CHANNEL_NAMES else r.channel
    appt = s.get(Appointment, r.appointment_id)
    live = appt is not None and appt.deleted_at is None
    if r.state == "sent":
        summary = Text(SENT, what=what, channel=channel, provider_id=r.provider_id)
    elif live:  # which visit, in the clinic's time: a patient's entries alike told apart
        zone = zones.zone(str(clinicstore.value(s, clinic_settings.TIMEZONE)))
        start = When(r.appointment_start.astimezone(zone), "day_time")
        summary = Text(FAILED, what=what, start=start, channel=channel)
    else:
        summary = Text(FAILED_GONE, what=what, channel=channel)
    if template is not None:
        values = " | ".join(template.parameters)[:MAX_VALUES]
        summary = Text(AS_TEMPLATE, said=summary, name=template.name,
                       language=template.language, values=values)  # fmt: skip
    commlog.add(
        s,
        Ctx(SYSTEM, FixedClock(now)),
        r.patient_id,
        channel=r.channel,
        direction="out",
        summary=summary,
        occurred_at=now,
        appointment_id=r.appointment_id if live else None,
        appointment_start=r.appointment_start if live else None,
        reason=r.reason if r.state == "failed" else "",
    )


def _never() -> bool:
    return False


def _recover(
    db: Database, clock: Clock, senders: Mapping[str, Sender], stop: Callable[[], bool] = _never
) -> list[Item]:
    """Messages left "sending" by a round that never came back: asked about, never
    resent blindly (once ``stop`` says so, the rest at a later round)."""
    cutoff = clock.now() - STALE_SENDING
    with db.read() as s:
        lost = [
            Lost(r.id, r.channel, r.sent_to, r.digest, r.claimed_at or r.updated_at)
            for r in s.scalars(
                select(Reminder)
                .where(Reminder.state == "sending", Reminder.claimed_at < cutoff)
                # A lookup the provider refused waits for the credentials (``halt``).
                .where(Reminder.reason.not_in(halt.REASONS))
            )
        ]
    items = []
    for found in lost:
        if stop():
            break
        with db.read() as s:
            if halt.is_halted(s, found.channel):  # refused this round: not asked again
                continue
        try:
            answer = _ask(db, senders, found)
        except SecretMissing as exc:  # no token here to ask with: it waits, "sending"
            with db.write() as s:
                r = s.get(Reminder, found.reminder_id)
                if r is not None and r.state == "sending":
                    halt.await_lookup(r, clock.now(), _secret_stop(exc))
                    items.append(_item(r, "held"))
            continue
        with db.write() as s:
            r = s.get(Reminder, found.reminder_id)
            if r is None or r.state != "sending":
                continue
            now = clock.now()
            deliverylog.note(s, r.id, r.channel, "lookup", now, answer)
            items.append(_looked_up(s, r, answer, now))
    return items


def _looked_up(s: Session, r: Reminder, answer: Outcome | None, now: datetime) -> Item:
    """Settle a send cut short by its provider's answer to the lookup."""
    stop = halt.stops(answer) if answer is not None else None
    if stop is not None:  # as a send's refusal would
        halt.await_lookup(r, now, stop)
        return _item(r, "held")
    if answer is not None and answer.status == "transient":
        r.updated_at = now  # the provider busy, a proxy's page: asked next round
    elif answer is not None and answer.status == "sent":
        r.provider_id = answer.provider_id[:128]
        _finish(r, "sent", "recovered", now)
        _log(s, r, now, None)
    elif answer is not None and answer.code == "absent":
        # Not listed proves nothing: a list may leave out a message the provider took
        # (its clock, its order, a body it rewrote); sent again, it could go twice.
        _finish(r, "unknown", NOT_LISTED, now)
    else:  # a lost answer reads as one, not as a send the PC's stop cut short
        _finish(r, "unknown", "no_answer" if r.reason == LOOKING_UP else "interrupted", now)
    return _item(r)


def _ask(db: Database, senders: Mapping[str, Sender], found: Lost) -> Outcome | None:
    """The provider's answer about the address the message went to (kept on the row as
    it went "sending"), never the patient's address now: changed since, the lookup
    would find nothing and the message would go twice. A row from before the address
    was kept has none: not asked, so "unknown" for a person."""
    sender = senders.get(found.channel)
    if sender is None or not found.to:
        return None
    try:
        return sender.lookup(found)
    except Exception as exc:
        log.error("status lookup failed: %s", describe(exc))
        return None
