"""Logging a bug without patient data: the type and where, never the message.

Exception messages can carry values (a driver's error may quote a row), so a bug is
logged as its type and its stack of file:line:function, and the user is told one
calm sentence.
"""

from __future__ import annotations

import traceback


def describe(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = " <- ".join(
        f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}" for f in frames[::-1]
    )
    chain: list[str] = []
    cause = exc.__cause__ or exc.__context__
    while cause is not None and len(chain) < 5:
        chain.append(type(cause).__name__)
        cause = cause.__cause__ or cause.__context__
    caused = f" (caused by {', '.join(chain)})" if chain else ""
    return f"{type(exc).__name__}{caused} at {where or 'unknown place'}"
