"""Google Calendar sync's core, with no network: which calendar each provider's
appointments go to, the event an appointment becomes, what waits to be pushed (read
from the change feed), and the rules for what comes back from Google.

``sync/google/`` talks to Google and calls these; nothing here imports a network
client. The rules: a provider's own event becomes blocked time for that provider; an
event of ours deleted in Google flags the appointment for the desk (never a silent
cancel); a time changed in Google becomes a proposed move for the desk; otherwise the
clinic's data wins.

May import: the kernel, ``models``, ``store``, ``journal``, ``settings``, ``staff``,
``privacy``, ``patients``, ``schedule`` and ``ops``.
"""
