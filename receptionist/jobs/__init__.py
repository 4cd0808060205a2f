"""Background jobs: what they are, when each is due, and one runner of a kind at a time.

A job is a name, a function of the open database and the clock that does bounded
work in short transactions and returns counts (no patient data), and a trigger
(every N minutes, or daily at an hour the clinic sets). What is due is computed from
the database's record of runs and the clock, never from a scheduler's job store, so
a PC that slept, was off or crashed runs each job once when it is back (coalesced).
The schedulers (``ui/scheduler.py`` in the app, ``sync/service.py`` headless) only
wake a runner every minute.

May import the kernel, ``models``, ``store``, ``journal``, ``settings``, ``staff``,
``privacy``, ``patients``, ``schedule``, ``replica``, ``retention`` and ``ops``: jobs
call the operations, like a front end, but run without a person.
"""
