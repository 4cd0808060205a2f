"""Everything that talks to the network: the cloud endpoint (the HTTP client here, the
server in ``sync/server/``), and later Google Calendar and the reminder channels. It
imports the core; the core never imports it.
"""
