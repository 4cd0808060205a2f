"""server [add-clinic]: run the cloud endpoint, or add a clinic to it."""

from __future__ import annotations

import argparse

from receptionist.cli.common import App, examples

DATABASE_HELP = "sqlite:///PATH (a small clinic) or postgresql+psycopg://USER@HOST/DB (recommended)"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "server",
        help="run the clinic's cloud endpoint (or: server add-clinic)",
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
