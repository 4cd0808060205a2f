"""The ``receptionist`` command: the core's commands and the network's.

The core's command line (``receptionist.cli.main``) cannot import ``sync/``; this
entry point adds the network's commands (the cloud endpoint, joining, syncing) to it,
each module by name and by the commands it adds or extends, imported only when a
command line needs it: a core command (``receptionist appointment list``) imports none
of them, nor httpx, the Google client or the scheduler they import (issue #12).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from receptionist.cli import main as core
from receptionist.cli.lazy import Commands

# In the whole tree's order: googlecmds after cloudcmds (it extends `sync`).
NETWORK = (
    Commands("sync.cloudcmds", adds=("cloud", "join", "sync")),
    Commands("sync.servercmds", adds=("server",)),
    Commands("sync.googlecmds", adds=("google",), extends=("sync",)),
    Commands("sync.remindercmds", adds=(), extends=("reminders",)),
    Commands("sync.channelcmds", adds=(), extends=("channels",)),
    Commands("sync.servicecmd", adds=("scheduler",), jobs=True),
    Commands("sync.servicejobs", adds=(), extends=("service",)),
)


def main(argv: Sequence[str] | None = None) -> int:
    return core.main(argv, extra=NETWORK)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
