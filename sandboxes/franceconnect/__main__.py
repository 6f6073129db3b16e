"""`python -m sandboxes.franceconnect --port 5001 --app-url http://127.0.0.1:5000`: the sandbox
on werkzeug's threaded server, one process (codes and tokens live in its memory). Settings also
come from SANDBOX_* environment variables (SANDBOX_PORT, SANDBOX_APP_URL, SANDBOX_ISSUER…)."""

from __future__ import annotations

import argparse
import os
import sys

from werkzeug.serving import run_simple

from . import SandboxConfigError, create_sandbox


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sandboxes.franceconnect", description="Bac à sable FranceConnect v2."
    )
    parser.add_argument("--host", default=os.environ.get("SANDBOX_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("SANDBOX_PORT", "5001")))
    parser.add_argument("--app-url", help="adresse de Téléservices (défaut : SANDBOX_APP_URL)")
    parser.add_argument("--issuer", help="émetteur (défaut : http://<hôte>:<port>/api/v2)")
    args = parser.parse_args(argv)

    config = {}
    if args.app_url:
        config["APP_URL"] = args.app_url
    if args.issuer:
        config["ISSUER"] = args.issuer
    try:
        app = create_sandbox(config)
    except (SandboxConfigError, OSError, ValueError) as error:
        print(f"Bac à sable FranceConnect : configuration invalide : {error}", file=sys.stderr)
        return 2
    # This process serves plain HTTP by design; let Authlib accept it on any host name (it
    # accepts only loopback addresses otherwise), e.g. inside a container network.
    os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")

    shown_host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    if app.config["ISSUER"]:
        issuer = app.config["ISSUER"]
    else:  # the issuer follows the host name each request came to
        issuer = f"http://{shown_host}:{args.port}/api/v2 (ou l'hôte par lequel on l'appelle)"
    print(f"Bac à sable FranceConnect — émetteur {issuer}", file=sys.stderr)
    print(
        f"  client_id {app.config['CLIENT_ID']}, redirect_uri {app.config['REDIRECT_URI']}",
        file=sys.stderr,
    )
    if app.config["MISBEHAVE"]:
        print(f"  ATTENTION : MISBEHAVE={app.config['MISBEHAVE']}", file=sys.stderr)
    run_simple(args.host, args.port, app, threaded=True, use_reloader=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
