"""The network's background jobs, added to the core's (``receptionist.jobs``) by the
app and by ``receptionist scheduler``: cloud sync every few minutes while this PC is
connected, the reminders' dispatch every minute on the reminder station, and a Google
round every few minutes on the Google station (on the Google thread)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import TYPE_CHECKING

from receptionist.clock import Clock
from receptionist.google import account, station
from receptionist.jobs.registry import Every, Job, counted_nothing
from receptionist.jobs.runner import Stopped, stop_asked, stop_asker
from receptionist.ops import replica
from receptionist.reminders import dispatch, halt
from receptionist.store.storage import Database

from .google.worker import on_google_thread

if TYPE_CHECKING:
    from .reminderlease import EndpointLease

# The network's client libraries (httpx, the Google client, the channels' senders) are
# imported when a job runs, not by every command line that lists the jobs.

SYNC_MINUTES = 5
GOOGLE_MINUTES = 5


def cloud_sync(db: Database, clock: Clock) -> Mapping[str, int]:
    """One sync round when this PC is connected to a clinic's endpoint; else nothing.
    Asked to stop (the app closing), the round ends before its next batch or page
    (``runner.Stopped``, with what it did: the next round goes on from there)."""
    if not replica.status(db).connected:
        return {"connected": 0}
    from . import cloud

    done = cloud.sync_once(db, clock, stop=stop_asked)
    counts = {
        "connected": 1,
        "pushed": done.pushed,
        "pulled": done.pulled,
        "merged": done.merged,
        "conflicts": done.conflicts,
        "uploaded": done.uploaded,
    }
    if done.stopped:
        raise Stopped(counts)
    return counts


def reminder_lease(db: Database, clock: Clock) -> EndpointLease | None:
    """The endpoint's lease for a PC connected to one (None: a clinic with no cloud)."""
    from .reminderlease import EndpointLease

    return EndpointLease(db, clock) if replica.status(db).connected else None


def send_reminders(db: Database, clock: Clock) -> Mapping[str, int]:
    """One dispatch round (plan, then send what is due) with the channels set up; on a
    PC that is not the reminder station (or a stand-by), or with reminders off, nothing;
    with a cloud, while another PC holds the endpoint's lease, it plans and sends
    nothing (``dispatch._stand_by``). ``needs_attention``
    counts the channels stopped because their provider refused the credentials or their
    set-up fails every message (``reminders.halt``)."""
    from .channels import build
    from .reminderlease import PEEK_EVERY

    senders = build.Senders(db)  # secrets read only when something goes
    lease = reminder_lease(db, clock)
    done = dispatch.run(db, clock, senders, lease=lease, stop=stop_asked)
    if lease is not None and done.reason == "not_station":  # the status bar shows who sends
        lease.peek(unless_newer_than=PEEK_EVERY)
    return {
        "active": int(done.active),
        "planned": done.planned,
        "withdrawn": done.withdrawn,
        "sent": len(done.of("sent")),
        "failed": len(done.of("failed")),
        "skipped": len(done.of("skipped")),
        "held": len(done.of("held")),
        # Tried in vain (no provider reached): queued again until too late to send.
        "retrying": len(done.of("retrying")),
        # A channel stopped (its provider refused the credentials, or its set-up fails
        # every message): the run's record says so, and why ("tls_not_offered_email").
        "needs_attention": len(done.halted),
        **{f"{_why(reason)}_{channel}": 1 for channel, reason in sorted(done.causes.items())},
    }


def _why(reason: str) -> str:
    """A stop's reason as a count's name: "credentials_refused", "tls_not_offered"."""
    return reason.removeprefix(halt.SETUP_PREFIX)


def google_sync(db: Database, clock: Clock) -> Mapping[str, int]:
    """One Google round on the Google station with an account connected; else nothing
    (another PC runs it, or none is connected here). Asked to stop (the app closing),
    the round ends after the request under way (``runner.Stopped``: the next round
    goes on from there); it runs on the Google thread, so it is handed this job's
    ``runner.stop_asker``."""
    if not station.station(db).is_here:
        return {"station": 0}
    if not account.recheck(db):  # and what the status bar reads corrected, if need be
        return {"station": 1, "connected": 0}
    if account.paused(db):  # the token was refused: paused until a person reconnects
        return {"station": 1, "connected": 1, "needs_reconnect": 1}
    from .google import round as google_round

    stop = stop_asker()
    done = on_google_thread(lambda: google_round.run(db, clock, stop=stop))
    counts = {"station": 1, "connected": 1, "ok": int(done.status == "ok"), **asdict(done.counts)}
    if done.status == google_round.STOPPED:
        raise Stopped(counts)
    return counts


def google_quiet(counts: Mapping[str, int]) -> bool:
    """A Google run that did nothing: no round (not the station, no account), or a round
    that went fine and changed nothing (its requests are no change); a paused account or
    a round that did not go well (offline, quota: ``ok`` 0) is something."""
    standing = counted_nothing("station", "connected", "ok", "requests", "retries")
    return standing(counts) and counts.get("ok", 1) != 0


# Which counts say how things stand rather than what a run did: a run whose other
# counts are all 0 did nothing (the record of runs keeps those for a shorter while).
CLOUD_SYNC = Job("cloud.sync", cloud_sync, Every(SYNC_MINUTES), lease_minutes=30,
                 quiet=counted_nothing("connected"))  # fmt: skip
REMINDERS = Job("reminders.dispatch", send_reminders, Every(1), lease_minutes=15,
                quiet=counted_nothing("active"))  # fmt: skip
GOOGLE_SYNC = Job("google.sync", google_sync, Every(GOOGLE_MINUTES), lease_minutes=30,
                  quiet=google_quiet)  # fmt: skip
NETWORK_JOBS = (CLOUD_SYNC, REMINDERS, GOOGLE_SYNC)
