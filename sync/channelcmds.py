"""channels test email|sms|whatsapp: one test message through a channel, with the
senders dispatch uses (SMTP, SMS, WhatsApp: network, so here and not in the core's
command line, which sets the channels up: ``receptionist.cli.remindercmds``). Exit 0
when it was sent, 1 when not, with the sentence saying why and what to do."""

from __future__ import annotations

import argparse
from typing import Any

from receptionist.cli.common import App, examples
from receptionist.ops import channeltest
from receptionist.ops.channeltest import TestResult
from receptionist.reminders.settings import CHANNELS

_TO = {
    "email": ("ADDRESS", "the e-mail address to send the test message to", "desk@example.org"),
    "sms": (
        "NUMBER",
        "the phone number to send the test message to: with its country code, or one of "
        "the clinic's region",
        "+905321112233",
    ),
    "whatsapp": (
        "NUMBER",
        "the WhatsApp number to send the test message to: with its country code, or one of "
        "the clinic's region (WhatsApp takes the test's free text only if that phone wrote "
        "to the clinic's WhatsApp number in the last 24 hours)",
        "+905321112233",
    ),
}


def _channels_actions(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """The core's ``channels`` group, to add the network's command to it."""
    group = sub.choices["channels"]
    for action in group._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise LookupError("the core's channels group has no subcommands")  # a bug


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    about = (
        "send one test message (no patient's data: 'Test message from <clinic> — "
        "Receptionist') through a channel as set up, to see that its password or token "
        "works (an administrator or a manager); exit 0 if sent, 1 if not, saying why"
    )
    t = _channels_actions(sub).add_parser(
        "test", help=about, description=about[:1].upper() + about[1:] + "."
    )
    tsub = t.add_subparsers(dest="channel", required=True, metavar="CHANNEL")
    for channel in CHANNELS:
        metavar, said, example = _TO[channel]
        p = tsub.add_parser(
            channel,
            help=f"a test message by {channel}",
            description=f"One test message by {channel}, through the channel as set up "
            "(channels set), with its password or token on this PC.",
            **examples(
                f"receptionist channels test {channel} --to {example}",
                f"receptionist channels test {channel} --to {example} --json",
            ),
        )
        p.add_argument("--to", required=True, metavar=metavar, help=said)
        p.set_defaults(func=cmd_test)


def _data(done: TestResult) -> dict[str, Any]:
    return {
        "channel": done.channel,
        "sent": done.sent,
        "provider_id": done.provider_id or None,
        "code": done.code or None,
        "said": str(done.said),
    }


def cmd_test(app: App) -> int:
    from .channels.build import Senders  # httpx, smtplib: only to send

    with app.database() as db:
        ctx = app.ctx(db)
        done = channeltest.test_channel(db, ctx, app.args.channel, app.args.to, Senders(db))
    app.emit(_data(done), str(done.said))
    return 0 if done.sent else 1
