"""``python -m procuros_dagster.sandbox.odoo --port 8069``: run the sandbox standalone."""
from __future__ import annotations

import argparse
import time

from .server import OdooSandbox


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Odoo 17 JSON-RPC sandbox")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8069)
    p.add_argument("--db", default="procuros")
    p.add_argument("--login", default="admin")
    p.add_argument("--password", default="admin")
    p.add_argument("--latency", type=float, default=0.0)
    a = p.parse_args(argv)
    sb = OdooSandbox(db=a.db, login=a.login, password=a.password, latency=a.latency, host=a.host, port=a.port)
    print(f"Odoo sandbox listening on {sb.start()} (db {a.db!r})", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        sb.stop()


if __name__ == "__main__":
    main()
