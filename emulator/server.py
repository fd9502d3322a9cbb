"""``python -m emulator``: parse flags, serve the app with waitress, stop cleanly on SIGTERM/SIGINT.

waitress is a real multi-threaded WSGI server (the issue rules out wsgiref): the emulator must see
concurrent requests to exercise locking and client connection pools the way a tenant would.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import FrameType

import waitress
from waitress.channel import ClientDisconnected

from emulator.app import EmulatorApp
from emulator.data_dir import DataDirError, lock_data_dir, prepare_data_dir
from emulator.faults import DroppedConnection, FaultSpec
from emulator.http import StartResponse
from emulator.options import DIALECTS, EmulatorOptions
from emulator.ratelimit import STYLES, RateLimitSpec


def _port(text: str) -> int:
    """A TCP port (0 = any free one); argparse names the flag when this raises."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535, got {port}")
    return port


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m emulator",
        description="Local Zscaler-style tenant: OAuth token endpoint, ZIdentity admin API and SCIM 2.0.",
        epilog=(
            "On start it prints 'emulator listening on URL' and writes DATA_DIR/credentials.json (mode 0600: "
            "token_url, api_url, client_id, client_secret, scim_url, scim_token, control_token). State "
            "(clients, secrets, users, groups) survives restarts; delete DATA_DIR to start over. Stop it "
            "with Ctrl-C or SIGTERM. Exit code 2: a bad flag, a busy port or an unusable data dir, "
            "named in one line. Full reference: docs/emulator.md."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=_port, default=8787, help="port to bind, 0-65535; 0 picks a free one (default 8787)"
    )
    parser.add_argument(
        "--data-dir", type=Path, default=Path(".tenant"), help="state directory (default .tenant)"
    )
    parser.add_argument(
        "--dialect",
        choices=DIALECTS,
        default="strict",
        help="SCIM dialect: strict (RFC 7644) or zpa (ZPA's documented quirks); default strict",
    )
    parser.add_argument(
        "--rate-limit", type=float, metavar="RPS", help="enable rate limiting at RPS requests/s"
    )
    parser.add_argument(
        "--rate-limit-burst", type=int, metavar="N", help="bucket size (default: RPS rounded up)"
    )
    parser.add_argument(
        "--rate-limit-style",
        choices=STYLES,
        help=(
            "how a 429 says when to retry: zia (Retry-After: 1, body '1 seconds'), zpa (Retry-After: 4s) "
            "or ziam (x-ratelimit-reset, no Retry-After); default zia"
        ),
    )
    parser.add_argument(
        "--faults",
        metavar="SPEC",
        help=(
            "fault injection as JSON, same body as PUT /_emulator/faults; keys error_rate, "
            "error_statuses, latency_ms, drop_rate, commit_then_drop_rate, routes, seed; "
            "e.g. '{\"error_rate\": 0.1}'"
        ),
    )
    parser.add_argument("--seed", type=int, help="seed for fault injection (overrides the SPEC's seed)")
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads (default 8)")
    parser.add_argument("--verbose", action="store_true", help="log one line per request to stderr")
    return parser


def options_from_args(args: argparse.Namespace, parser: argparse.ArgumentParser) -> EmulatorOptions:
    rate_limit = None
    if args.rate_limit is None:
        for flag, value in (
            ("--rate-limit-burst", args.rate_limit_burst),
            ("--rate-limit-style", args.rate_limit_style),
        ):
            if value is not None:
                parser.error(f"{flag}: shapes the limit --rate-limit turns on, so it needs --rate-limit")
    else:
        body: dict = {"rps": args.rate_limit}
        if args.rate_limit_burst is not None:
            body["burst"] = args.rate_limit_burst
        if args.rate_limit_style is not None:
            body["style"] = args.rate_limit_style
        try:
            rate_limit = RateLimitSpec.from_json(body)
        except ValueError as exc:
            parser.error(f"--rate-limit: {exc}")
    faults = None
    if args.seed is not None and args.faults is None:
        parser.error("--seed: seeds fault injection, so it needs --faults")
    if args.faults is not None:
        try:
            spec_body = json.loads(args.faults) if args.faults else {}
        except json.JSONDecodeError as exc:
            parser.error(f"--faults: not valid JSON ({exc.msg} at column {exc.colno})")
        except ValueError:  # Python reads no integer of more than 4,300 digits
            parser.error("--faults: a number has too many digits")
        if not isinstance(spec_body, dict):
            parser.error("--faults: expected a JSON object")
        if args.seed is not None and spec_body:
            spec_body["seed"] = args.seed
        try:
            faults = FaultSpec.from_json(spec_body)
        except ValueError as exc:
            parser.error(f"--faults: {exc}")
    return EmulatorOptions(dialect=args.dialect, rate_limit=rate_limit, faults=faults, verbose=args.verbose)


def socket_closing_app(app: EmulatorApp):
    """Adapt ``DroppedConnection`` to waitress: ``ClientDisconnected`` makes it close the socket
    without writing a byte, which is exactly what a client sees when a connection drops."""

    def wsgi(environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        try:
            return app(environ, start_response)
        except DroppedConnection:
            raise ClientDisconnected("fault injection: dropping the connection") from None

    return wsgi


def open_tenant(data_dir: Path, options: EmulatorOptions) -> EmulatorApp:
    """The tenant with both databases open, so a bad ``--data-dir`` stops the server before it listens.

    :raises DataDirError: Naming the directory or file and what is wrong with it.
    """
    app = EmulatorApp(data_dir, options)
    try:
        app.scim_app  # noqa: B018 - opens scim.db now rather than on the first SCIM request
    except DataDirError:
        app.close()
        raise
    return app


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    # waitress's event loop swallows most exceptions raised inside it but re-raises
    # KeyboardInterrupt, so SIGTERM is turned into one to leave ``server.run()`` promptly.
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.threads < 1:
        parser.error("--threads: must be at least 1")
    options = options_from_args(args, parser)
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(message)s")
    if args.verbose:
        logging.getLogger("emulator.requests").setLevel(logging.INFO)
    # waitress logs "client disconnected" for every injected drop; that is noise, not news.
    logging.getLogger("waitress").setLevel(logging.ERROR)

    try:
        lock = lock_data_dir(prepare_data_dir(args.data_dir))
    except DataDirError as exc:
        return _data_dir_error(exc)
    with lock:
        try:
            app = open_tenant(args.data_dir, options)
        except DataDirError as exc:
            return _data_dir_error(exc)
        return serve(app, args)


def _data_dir_error(exc: DataDirError) -> int:
    print(f"error: --data-dir: {exc}", file=sys.stderr)
    return 2


def serve(app: EmulatorApp, args: argparse.Namespace) -> int:
    """Listen, announce the URL, write credentials.json, serve until SIGTERM/SIGINT; 2 if it cannot."""
    try:
        server = waitress.create_server(
            socket_closing_app(app), host=args.host, port=args.port, threads=args.threads, ident="emulator"
        )
    except (OSError, ValueError) as exc:  # waitress raises ValueError for a host it cannot resolve
        app.close()
        reason = exc.strerror if isinstance(exc, OSError) else "the host name does not resolve"
        print(f"error: cannot listen on {args.host}:{args.port}: {reason}", file=sys.stderr)
        return 2
    port = server.effective_port
    base_url = f"http://{args.host}:{port}"
    try:
        app.write_credentials(base_url)
    except OSError as exc:
        server.close()
        app.close()
        print(f"error: --data-dir: cannot write {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    try:
        # Inside the try: a signal right after the ready line must still stop cleanly.
        print(f"emulator listening on {base_url}", flush=True)
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        app.close()
    return 0
