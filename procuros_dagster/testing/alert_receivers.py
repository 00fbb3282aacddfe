"""Local receivers for alert tests: an SMTP server (aiosmtpd) and an HTTP webhook receiver
(http.server), both on 127.0.0.1, recording what they got. Needs the test extra (aiosmtpd)."""

from __future__ import annotations

import contextlib
import email
import email.policy
import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SmtpReceiver:
    host: str
    port: int
    messages: list = field(default_factory=list)  # email.message.EmailMessage
    raw: list[bytes] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)  # (user, password) the server saw
    refuse_next: list[str] = field(default_factory=list)  # e.g. "451 try later" answers DATA


@contextlib.contextmanager
def smtp_receiver(*, users: dict[str, str] | None = None) -> Iterator[SmtpReceiver]:
    """users: login → password; when given, AUTH is required (over plain text: loopback only)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    receiver = SmtpReceiver("127.0.0.1", _free_port())

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            if receiver.refuse_next:
                return receiver.refuse_next.pop(0)
            receiver.raw.append(envelope.content)
            receiver.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            user, password = auth_data.login.decode(), auth_data.password.decode()
            receiver.logins.append((user, password))
            ok = (users or {}).get(user) == password
            return AuthResult(success=ok, handled=False)
        return AuthResult(success=False, handled=False)

    kwargs = {"authenticator": authenticator, "auth_required": True, "auth_require_tls": False} if users else {}
    controller = Controller(Handler(), hostname=receiver.host, port=receiver.port, **kwargs)
    controller.start()
    try:
        yield receiver
    finally:
        controller.stop()


@dataclass
class WebhookReceiver:
    url: str
    calls: list[dict] = field(default_factory=list)  # {"path": ..., "body": parsed JSON, "raw": bytes}
    answers: list[tuple[int, dict]] = field(default_factory=list)  # queued (status, headers); then 200

    def texts(self) -> list[str]:
        return [c["body"]["text"] for c in self.calls if c["status"] == 200]


@contextlib.contextmanager
def webhook_receiver(path: str = "/hooks/T000/B000/webhook-secret-8c4f") -> Iterator[WebhookReceiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    receiver = WebhookReceiver(f"http://127.0.0.1:{server.server_address[1]}{path}")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, headers = receiver.answers.pop(0) if receiver.answers else (200, {})
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            receiver.calls.append({"path": self.path, "body": body, "raw": raw, "status": status})
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):  # keep test output clean
            pass

    server.RequestHandlerClass = Handler
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
