"""Everything that talks to the network: Google Calendar, the cloud endpoint (client and
server), the reminder channels. It imports the core; the core never imports it.

Nothing is here yet: the app makes no network connection in this version.
"""
