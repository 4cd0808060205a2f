"""Google Calendar sync over the network: the real google-api-python-client, built
from its bundled calendar v3 discovery document, driven by the core's rules
(``receptionist.google``). Every Google call runs on one thread (``worker``):
httplib2 is not thread-safe."""
