"""The reminder channels' senders (network): e-mail over SMTP, SMS through a
Twilio-compatible REST API, WhatsApp through Meta's Cloud API. Each implements
``receptionist.reminders.channels.Sender`` and sorts every failure into transient,
permanent or unknown; :func:`build.senders` makes them from the clinic's settings."""
