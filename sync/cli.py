"""The ``receptionist`` command: the core's commands and the network's.

The core's command line (``receptionist.cli.main``) cannot import ``sync/``; this
entry point adds the network's commands (the cloud endpoint, joining, syncing) to it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from receptionist.cli import main as core

from . import cloudcmds, googlecmds, remindercmds, servercmds, servicecmd

# googlecmds after cloudcmds: it extends `sync`
NETWORK = (cloudcmds, servercmds, googlecmds, remindercmds, servicecmd)


def main(argv: Sequence[str] | None = None) -> int:
    return core.main(argv, extra=NETWORK)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
