"""server [add-clinic|destructions]: run the cloud endpoint, add a clinic to it, or read
what its housekeeping destroyed."""

from __future__ import annotations

import argparse
from datetime import date

from receptionist.cli.common import App, examples
from receptionist.errors import ValidationError
from receptionist.texts import QT_TRANSLATE_NOOP, Text

DATABASE_HELP = "sqlite:///PATH (a small clinic) or postgresql+psycopg://USER@HOST/DB (recommended)"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "server",
        help="run the clinic's cloud endpoint (or: server add-clinic | destructions)",
        **examples(
            "receptionist server --database sqlite:///srv/endpoint.db --host 127.0.0.1 --port 8443",
            "receptionist server --database postgresql+psycopg://rc@db/rc --host 0.0.0.0 "
            "--port 443 --tls-cert cert.pem --tls-key key.pem",
        ),
    )
    p.add_argument("--database", help=DATABASE_HELP)
    p.add_argument("--host", default="127.0.0.1", help="the address to listen on (loopback)")
    p.add_argument("--port", type=int, default=8443, help="the port to listen on (8443)")
    p.add_argument("--tls-cert", help="the HTTPS certificate chain (PEM)")
    p.add_argument("--tls-key", help="its private key (PEM)")
    p.add_argument(
        "--allow-plain-http",
        action="store_true",
        help="listen off loopback without TLS: only behind a proxy that speaks TLS",
    )
    p.set_defaults(func=cmd_serve)
    ssub = p.add_subparsers(dest="server_cmd", required=False, metavar="ACTION")
    a = ssub.add_parser(
        "add-clinic",
        help="add a clinic to the endpoint and print its one-time connect code",
        **examples(
            'receptionist server add-clinic --database sqlite:///srv/endpoint.db --name "Moda"'
        ),
    )
    a.add_argument("--database", required=True, help=DATABASE_HELP)
    a.add_argument("--name", required=True, help="the clinic's name, as the operator knows it")
    a.set_defaults(func=cmd_add_clinic)
    d = ssub.add_parser(
        "destructions",
        help="what the endpoint's housekeeping destroyed, per day, kind and rule (kept 3 years)",
        **examples(
            "receptionist server destructions --database sqlite:///srv/endpoint.db --json",
            "receptionist server destructions --database sqlite:///srv/endpoint.db "
            "--since 2026-06-01 --clinic 5f0c...",
        ),
    )
    d.add_argument("--database", required=True, help=DATABASE_HELP)
    d.add_argument("--clinic", help="only this clinic's records (its id, as add-clinic printed)")
    d.add_argument("--since", help="only from this UTC day on, like 2026-06-01")
    d.set_defaults(func=cmd_destructions)


def cmd_serve(app: App) -> int:
    a = app.args
    if not a.database:
        from receptionist.errors import ValidationError

        raise ValidationError("database", "Give the endpoint's database: --database URL.")
    from .server.commands import serve  # the endpoint (FastAPI, uvicorn): only to run it

    serve(
        a.database, a.host, a.port, certfile=a.tls_cert, keyfile=a.tls_key,
        allow_plain_http=a.allow_plain_http,
    )  # fmt: skip
    return 0


def cmd_add_clinic(app: App) -> int:
    from .server.commands import add_clinic

    made = add_clinic(app.args.database, app.args.name, out=None)
    app.emit(
        {"clinic_id": made.clinic_id, "code": made.code, "expires_at": made.expires_at},
        f"Clinic added. Its one-time connect code (24 hours):\n\n    {made.code}\n\n"
        "On the clinic's first PC: receptionist cloud connect --server URL --code CODE",
    )
    return 0


def cmd_destructions(app: App) -> int:
    from .server.commands import destructions

    a = app.args
    found = destructions(a.database, clinic_id=a.clinic, since=_day(a.since) if a.since else None)
    lines = [f"{r.day}  {r.clinic_id}  {r.kind}: {r.count} ({r.rule})" for r in found] or [
        "No destruction records."
    ]
    app.emit([r.as_json() for r in found], "\n".join(lines))
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            "since", Text(QT_TRANSLATE_NOOP("core", "The --since day must look like 2026-06-01."))
        ) from None
