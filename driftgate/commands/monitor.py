"""`driftgate monitor`: the Prometheus exporter (parse, call driftgate.monitor, exit code).

driftgate monitor                                   # bundled pack, poll every 15 s
driftgate monitor --config monitor.yml --mode probe
driftgate monitor --url staging=http://127.0.0.1:8001 --check-config
"""

import sys

from driftgate.commands import help_of


def register(subparsers):
    # Imported here, not at module level: prometheus_client and jsonschema cost
    # about 100 ms, which the other subcommands must not pay (see driftgate/cli.py).
    from driftgate.monitor.config import DEFAULT_LISTEN
    from driftgate.monitor.server import MODES

    parser = subparsers.add_parser(
        "monitor",
        help=help_of("monitor"),
        description="Probe each target's health endpoint and serve /metrics, "
        "/probe?target=NAME and /-/healthy for Prometheus.",
    )
    parser.add_argument("--pack", help="policy pack file (default: the bundled Cat-Scan pack)")
    parser.add_argument("--config", help="monitor config file (targets, interval, timeout, pack)")
    parser.add_argument(
        "--url",
        action="append",
        default=[],
        metavar="NAME=URL",
        help="base URL override for a target (repeatable)",
    )
    parser.add_argument(
        "--listen", default=DEFAULT_LISTEN, help=f"HOST:PORT (default {DEFAULT_LISTEN})"
    )
    parser.add_argument(
        "--mode",
        choices=MODES,
        default="poll",
        help="poll: probe in the background and serve all targets on /metrics (default); "
        "probe: Prometheus drives probing through /probe?target=NAME",
    )
    parser.add_argument("--interval", type=float, help="seconds between polls (default 15)")
    parser.add_argument("--timeout", type=float, help="seconds one probe may take (default 5)")
    parser.add_argument(
        "--check-config", action="store_true", help="validate the configuration and exit"
    )
    parser.set_defaults(run=run)


def run(args):
    import signal
    import threading

    from driftgate.monitor.config import (
        MonitorOptionError,
        build_config,
        format_listen,
        parse_listen,
    )
    from driftgate.monitor.server import Exporter, serve

    config = build_config(
        config_path=args.config,
        pack_path=args.pack,
        overrides=_overrides(args.url),
        interval=args.interval,
        timeout=args.timeout,
    )
    host, port = parse_listen(args.listen)
    if args.check_config:
        names = ", ".join(config.targets)
        print(f"config OK: {len(config.targets)} targets ({names}), listen {host}:{port}")
        return 0
    exporter = Exporter(config, mode=args.mode)
    try:
        server = serve(exporter, host, port)
    except OSError as exc:
        raise MonitorOptionError(
            f"--listen {args.listen}: cannot listen ({exc.strerror})"
        ) from None
    exporter.start()
    # SIGTERM (systemd, docker stop) ends the server like Ctrl-C: a clean exit 0.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    bound = server.server_address
    print(
        f"driftgate monitor: {args.mode} mode, {len(config.targets)} targets, "
        f"listening on http://{format_listen(host, bound[1])}/metrics",
        file=sys.stderr,
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        exporter.stop()
        server.server_close()
    return 0


def _overrides(pairs):
    from driftgate.monitor.config import MonitorOptionError

    overrides = {}
    for pair in pairs:
        name, sep, url = pair.partition("=")
        if not sep or not name or not url:
            raise MonitorOptionError(f"--url {pair!r}: expected NAME=URL")
        overrides[name] = url
    return overrides
