"""Operations: one function per thing a user can do, each owning its transaction.

May import every room of the core except ``cli`` and ``demo``; front ends (the app,
the CLI, sync, the scheduler) call these and nothing lower.
"""
