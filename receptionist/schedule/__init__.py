"""The schedule and its rules: the clinic row, providers, rooms and services
(``catalog``), working hours and time off, conflicts, booking and the appointment's
life, free slots, series, what a schedule window shows (``agenda``, ``cards``), the
today board and the waitlist.

May import: the kernel, ``models``, ``store``, ``journal``, ``staff`` and ``patients``.
"""
