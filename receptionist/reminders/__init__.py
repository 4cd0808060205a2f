"""Reminders: the rules (settings), the templates and SMS segments, planning from the
appointments, and one bounded dispatch round through channel senders handed in by a
front end (the senders themselves, SMTP and HTTP, live in ``sync/channels``).

May import: the kernel, ``models``, ``store``, ``journal``, ``settings``, ``staff``,
``privacy``, ``patients`` and ``schedule``.
"""
