"""A tiny scripted JSON-RPC server for what the Odoo sandbox cannot fake: another server version,
HTTP 5xx answers, dropped connections. Speaks the /jsonrpc wire format odoorpc uses."""

from __future__ import annotations

import json
import threading
from collections import Counter, defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class StubOdoo:
    def __init__(self, version: str = "17.0", password: str = "admin", dbs=("procuros",)):
        self.version = version
        self.password = password
        self.dbs = list(dbs)
        self.calls: Counter[str] = Counter()
        # "model.method" -> queue of scripted answers: ("http", code) | ("drop",) | ("error", name, msg) | ("result", v)
        self.script: dict[str, deque] = defaultdict(deque)
        self.requests: list[dict] = []
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> str:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):  # quiet
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                stub.requests.append(body)
                outcome = stub.answer(self.path, body.get("params") or {})
                if outcome[0] == "http":
                    self.send_response(outcome[1])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if outcome[0] == "drop":
                    self.close_connection = True
                    self.connection.close()
                    return
                if outcome[0] == "error":
                    payload = {"jsonrpc": "2.0", "id": body.get("id"), "error": {
                        "code": 200, "message": "Odoo Server Error",
                        "data": {"name": outcome[1], "message": outcome[2], "arguments": [outcome[2]],
                                 "debug": f"Traceback ...\n{outcome[1]}: {outcome[2]}", "context": {}}}}
                else:
                    payload = {"jsonrpc": "2.0", "id": body.get("id"), "result": outcome[1]}
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    # -- behaviour ---------------------------------------------------------------------------
    def answer(self, path: str, params: dict):
        if path == "/web/webclient/version_info":
            major = int(self.version.split(".")[0].split("~")[-1])
            return ("result", {"server_version": self.version, "server_version_info": [major, 0, 0, "final", 0, ""],
                               "server_serie": self.version, "protocol_version": 1})
        if path != "/jsonrpc":
            return ("http", 404)
        service, method, args = params.get("service"), params.get("method"), params.get("args") or []
        if service == "db" and method == "list":
            return ("result", self.dbs)
        if service == "common" and method == "login":
            db, _login, pwd = args
            if db not in self.dbs:
                return ("error", "psycopg2.OperationalError", f'connection failed: FATAL:  database "{db}" does not exist')
            return ("result", 2 if pwd == self.password else False)
        if service == "object" and method == "execute":
            return ("result", {"lang": "en_US", "tz": "Europe/Berlin", "uid": 2})
        if service == "object" and method == "execute_kw":
            key = f"{args[3]}.{args[4]}"
            self.calls[key] += 1
            if self.script[key]:
                return self.script[key].popleft()
            return ("result", [] if args[4] in ("search_read", "read", "search") else True)
        return ("error", "builtins.KeyError", f"{service}.{method}")
