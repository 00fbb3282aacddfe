"""``python -m procuros_dagster.sandbox.procuros --port 8900 --token T --gln G --partner GLN ...``."""

from __future__ import annotations

import argparse
import signal
import threading

from .server import ProcurosSandbox


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Run the Procuros API sandbox")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8900)
    ap.add_argument("--token", default="sandbox-token")
    ap.add_argument("--gln", default="4098765000010")
    ap.add_argument("--partner", action="append", default=[], metavar="GLN",
                    help="a trade partner's GLN known to the network (repeatable); sends naming others get 422")
    ap.add_argument("--latency", type=float, default=0.0)
    args = ap.parse_args(argv)
    sb = ProcurosSandbox(args.token, args.gln, host=args.host, port=args.port, known_parties=args.partner,
                         latency=args.latency)
    print(f"Procuros sandbox for GLN {args.gln} listening on {sb.start()}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        sb.stop()


if __name__ == "__main__":
    main()
