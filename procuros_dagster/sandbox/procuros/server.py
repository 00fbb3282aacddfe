"""HTTP front of the Procuros sandbox: a real server on 127.0.0.1 speaking the v2 API.

Test hooks: ``enqueue``, ``enqueue_raw`` (an item listed byte for byte: broken JSON, duplicated ids), ``sent``,
``acknowledgements``, ``ack_counts``, ``reported_errors``, ``pending``, ``call_counts``, ``latency``,
``inject_faults`` (seeded rates; ``faults_injected``, ``clear_faults``), ``hold``, ``reset``, ``known_parties``,
``partners``, ``inactive`` — and JSON control endpoints under ``/_sandbox/`` (no bearer token)
for use from another process.

Strictness follows the published document (``contract``): documents naming parties the network
does not know are refused, bodies are validated before anything changes, routing answers 404/405
(with ``Allow``) before authentication, and every error, protocol-level ones included, is JSON.
"""

from __future__ import annotations

import hmac
import json
import logging
import random
import re
import select
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from collections import Counter
from typing import Any, Iterable
from urllib.parse import parse_qs, urlencode, urlsplit

from procuros_dagster.procuros import openapi

from . import contract
from .state import SandboxState, decode_cursor, encode_cursor, encode_json

log = logging.getLogger("procuros_dagster.sandbox.procuros")

UUID = r"(?P<id>[0-9A-Za-z-]+)"
ROUTES: list[tuple[str, str, re.Pattern[str]]] = [
    (m, t, re.compile("^" + p + "$")) for m, t, p in [
        ("GET", "/v2/ping", "/v2/ping"),
        ("GET", "/v2/transactions", "/v2/transactions"),
        ("POST", "/v2/transactions", "/v2/transactions"),
        ("POST", "/v2/transactions/bulk/mark-processed", "/v2/transactions/bulk/mark-processed"),
        ("PUT", "/v2/transactions/{procurosTransactionId}", "/v2/transactions/" + UUID),
        ("POST", "/v2/errors", "/v2/errors"),
        ("GET", "/v2/all-transactions", "/v2/all-transactions"),
        ("GET", "/v2/all-transactions/{procurosTransactionId}", "/v2/all-transactions/" + UUID),
    ]
]
# every method each known path answers, for 405's Allow header (HEAD comes with GET, as in Laravel)
ALLOWED: dict[str, list[str]] = {}
for _m, _t, _ in ROUTES:
    ALLOWED.setdefault(_t, []).extend([_m, "HEAD"] if _m == "GET" else [_m])
TYPES = set(openapi.DOCUMENT_SCHEMAS)
FLOWS = {"LIVE", "TEST"}
STATUSES = {"PENDING", "SUCCESS", "FAILED", "DROPPED", "UNKNOWN"}


@dataclass
class Fault:
    status: int | None = None
    rate: float = 1.0
    count: int | None = None
    endpoint: str | None = None
    kind: str = "status"  # status | timeout | drop
    retry_after: str | float | None = None
    delay: float = 30.0   # the longest a "timeout" fault waits for the client to hang up

    def matches(self, key: str) -> bool:
        return self.endpoint is None or self.endpoint in (key, key.split(" ", 1)[1])


@dataclass
class Hold:
    endpoint: str
    skip: int = 0  # matching requests to let through before the held one
    limit: int | None = None  # how many matching requests it holds (None: every one until released)
    reached: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)  # the held request was processed or dropped
    _released: threading.Event = field(default_factory=threading.Event)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    dropped: bool = False

    def release(self) -> None:
        self._released.set()

    def drop(self) -> None:
        """Release the held request without processing it: its connection is closed unanswered,
        as when the client dies before the server got to the request."""
        self.dropped = True
        self._released.set()

    @property
    def released(self) -> bool:
        return self._released.is_set()


class _Reply(Exception):
    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        self.status, self.body, self.headers = status, body, headers or {}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # dropped/timed-out connections are deliberate faults: no traceback spam on stderr
        log.debug("sandbox connection error from %s", client_address, exc_info=True)


class _AccountHooks:
    """Test hooks on one Procuros account's state (its queue, what it sent, acknowledged, reported)."""

    state: SandboxState

    own_gln = property(lambda self: self.state.own_gln)
    sent = property(lambda self: self.state.sent)
    acknowledgements = property(lambda self: self.state.acknowledgements)
    ack_counts = property(lambda self: self.state.ack_counts)
    reported_errors = property(lambda self: self.state.reported_errors)
    call_counts = property(lambda self: self.state.call_counts)

    @property
    def known_parties(self) -> set[str]:
        return self.state.known

    @known_parties.setter
    def known_parties(self, value: Iterable[str]) -> None:
        self.state.known = set(value)

    @property
    def partners(self) -> set[str] | None:
        return self.state.partners

    @partners.setter
    def partners(self, value: set[str] | None) -> None:
        self.state.partners = set(value) if value is not None else None

    @property
    def inactive(self) -> set[str]:
        return self.state.inactive

    @inactive.setter
    def inactive(self, value: set[str]) -> None:
        self.state.inactive = set(value)

    def enqueue(self, type: str, content: dict[str, Any], **kw: Any) -> str:
        return self.state.enqueue(type, content, **kw)

    def enqueue_raw(self, item: Any, **kw: Any) -> str:
        return self.state.enqueue_raw(item, **kw)

    def pending(self, gln: str | None = None) -> list[dict[str, Any]]:
        return self.state.pending(gln)


class ProcurosAccount(_AccountHooks):
    """Another account on the same sandbox: its own token, own GLN, queue and history, as a second
    company's integration has at Procuros (see ProcurosSandbox.add_account)."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state


class ProcurosSandbox(_AccountHooks):
    def __init__(self, token: str = "sandbox-token", own_gln: str = "4098765000010", *,
                 host: str = "127.0.0.1", port: int = 0, known_parties: Iterable[str] = (),
                 partners: set[str] | None = None, inactive: set[str] | None = None,
                 self_check: bool = False, latency: float = 0.0) -> None:
        """``known_parties``: the GLNs of the trade partners that exist on the network; a sent
        document naming any other party is refused (422), as the API cannot resolve it.
        ``partners``: those of them with an active connection (None: all of them);
        ``inactive``: receivers whose relationship is not live yet (202)."""
        self._token = token
        self._accounts: list[tuple[str, SandboxState]] = []  # more accounts: add_account
        self.host, self.port = host, port
        self.state = SandboxState(own_gln=own_gln, known=set(known_parties), partners=partners,
                                  inactive=set(inactive or ()))
        self.self_check = self_check
        self.contract_violations: list[str] = []
        self.latency = latency
        self.delays: list[tuple[str, float]] = []  # (endpoint, seconds) of each request held by latency
        self.timeouts: list[tuple[str, bool]] = []  # (endpoint, whether the client hung up) per timeout fault
        self._faults: list[Fault] = []
        self._holds: list[Hold] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._rng = random.Random(0)
        self.faults_injected: Counter[str] = Counter()  # "429", "500", "timeout", "drop", ... -> requests hit

    def __repr__(self) -> str:
        return f"ProcurosSandbox(url={self.url if self._server else None!r}, own_gln={self.own_gln!r})"

    # --- lifecycle --------------------------------------------------------------------

    def start(self) -> str:
        handler = type("Handler", (_Handler,), {"sandbox": self})
        self._server = _Server((self.host, self.port), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="procuros-sandbox", daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        for hold in list(self._holds):
            hold.release()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self.self_check and self.contract_violations:
            raise AssertionError("sandbox responses violate the OpenAPI document: " + "; ".join(self.contract_violations))

    def __enter__(self) -> ProcurosSandbox:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if not self._server:
            raise RuntimeError("sandbox not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- test hooks -------------------------------------------------------------------


    def inject_faults(self, status: int | None = None, rate: float = 1.0, count: int | None = None,
                      endpoint: str | None = None, kind: str = "status",
                      retry_after: str | float | None = None, delay: float = 30.0,
                      seed: int | None = None) -> Fault:
        """``rate``: the share of matching requests hit, drawn from the sandbox's random.Random
        (re-seeded with ``seed`` when given, so the same requests get the same faults)."""
        if kind not in ("status", "timeout", "drop"):
            raise ValueError(kind)
        if kind == "status" and status is None:
            status = 500
        fault = Fault(status, rate, count, endpoint, kind, retry_after, delay)
        with self.state.lock:
            if seed is not None:
                self._rng.seed(seed)
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.state.lock:
            self._faults.clear()

    def hold(self, endpoint: str, skip: int = 0, limit: int | None = None) -> Hold:
        """Hold the next request to ``endpoint`` (after ``skip`` others) until released or dropped;
        the ones after it too, unless ``limit`` says how many are held."""
        h = Hold(endpoint, skip, limit)
        with self.state.lock:
            self._holds.append(h)
        return h

    def reset(self) -> None:
        for hold in list(self._holds):
            hold.release()
        with self.state.lock:
            self._faults.clear()
            self._holds.clear()
            self.contract_violations.clear()
            self.latency = 0.0
            self.state.reset()

    # --- request plumbing (called from handler threads) --------------------------------

    def _take_fault(self, key: str) -> Fault | None:
        with self.state.lock:
            for fault in self._faults:
                if fault.matches(key) and (fault.count is None or fault.count > 0) and self._rng.random() < fault.rate:
                    if fault.count is not None:
                        fault.count -= 1
                    self.faults_injected[str(fault.status) if fault.kind == "status" else fault.kind] += 1
                    return fault
        return None

    def _wait_holds(self, key: str) -> list[Hold] | None:
        """Block on matching holds; None when one of them was dropped (do not process), else the
        holds, whose ``done`` the caller sets once it processed the request."""
        with self.state.lock:
            holds = []
            for h in self._holds:
                if h.released or h.endpoint not in (key, key.split(" ", 1)[1]):
                    continue
                if h.skip > 0:
                    h.skip -= 1
                    continue
                if h.limit is not None:
                    if h.limit <= 0:
                        continue
                    h.limit -= 1
                holds.append(h)
        for h in holds:
            h.reached.set()
            h._released.wait(timeout=600)
        if any(h.dropped for h in holds):
            for h in holds:
                h.done.set()
            return None
        return holds

    def add_account(self, token: str, own_gln: str) -> ProcurosAccount:
        """A second account (another token and own GLN) on this server; the network's parties are shared."""
        state = SandboxState(own_gln=own_gln, known=self.state.known, partners=self.state.partners,
                             inactive=self.state.inactive)
        self._accounts.append((token, state))
        return ProcurosAccount(state)

    def _state_for(self, header: str | None) -> SandboxState | None:
        """The account the bearer token belongs to; None for an unknown or missing token."""
        found = None
        for token, state in [(self._token, self.state), *self._accounts]:
            expected = f"Bearer {token}"
            if header is not None and hmac.compare_digest(header.encode(), expected.encode()):
                found = state  # every token is compared: the time taken does not say which matched
        return found

    def _check_token(self, header: str | None) -> bool:
        return self._state_for(header) is not None


class _Handler(BaseHTTPRequestHandler):
    sandbox: ProcurosSandbox
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes: avoid 40 ms stalls

    def log_message(self, fmt: str, *args: Any) -> None:  # quiet; never logs headers
        log.debug("sandbox %s", fmt % args)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def __getattr__(self, name: str) -> Any:
        # any other method (PATCH, TRACE, OPTIONS, ...) is routed too, to answer 405/404 in JSON
        # instead of http.server's HTML 501
        if name.startswith("do_") and name[3:].isupper():
            return lambda: self._dispatch(name[3:])
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # protocol-level refusals (bad request line, oversized headers) in the API's JSON shape
        self.close_connection = True
        self.command = self.command or "GET"  # unset when the request line itself was bad
        if self.request_version not in ("HTTP/1.0", "HTTP/1.1"):
            self.request_version = self.protocol_version  # else http.server omits status line and headers
        self._send(code, {"message": message or self.responses.get(code, ("Error",))[0]},
                   {"Connection": "close"})

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    @staticmethod
    def _parse_body(raw: bytes, template: str | None) -> Any:
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise _Reply(400, _Handler._error_body(template, "Malformed JSON body."))

    def _body(self) -> Any:
        return self._parse_body(self._read_body(), None)

    def _dispatch(self, method: str) -> None:
        sb = self.sandbox
        split = urlsplit(self.path)
        path, query = split.path, parse_qs(split.query, keep_blank_values=True)
        if path.startswith("/_sandbox/"):
            return self._control(method, path, query)
        matches = [(meth, t, m.groupdict()) for meth, t, rx in ROUTES if (m := rx.match(path))]
        as_method = "GET" if method == "HEAD" else method  # HEAD is GET without the body
        route = next(((t, args) for meth, t, args in matches if meth == as_method), None)
        template = route[0] if route else None
        key = f"{as_method} {template or path}"
        with sb.state.lock:
            sb.call_counts[key] += 1
        if sb.latency:
            time.sleep(sb.latency)
            with sb.state.lock:
                sb.delays.append((key, sb.latency))
        raw = self._read_body()  # always drained, so a refused request leaves the connection usable
        try:
            fault = sb._take_fault(key)
            if fault is not None:
                if fault.kind == "drop":
                    return self._drop()
                if fault.kind == "timeout":
                    # never answer: wait until the client gives up and hangs up (at most `delay`
                    # seconds), so its timeout fires whatever the machine's load; never processed
                    gave_up = self._wait_for_hangup(fault.delay)
                    with sb.state.lock:
                        sb.timeouts.append((key, gave_up))
                    return self._drop()
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                raise _Reply(fault.status, self._error_body(template, "Too Many Requests." if fault.status == 429
                                                             else "Server Error."), headers)
            # routing comes before authentication, as in the API's framework: unknown path 404,
            # known path with another method 405 + Allow
            if not matches:
                raise _Reply(404, {"message": "Not Found."})
            if route is None:
                allowed = ALLOWED[matches[0][1]]
                raise _Reply(405, {"message": f"The {method} method is not supported for route "
                                              f"{path.lstrip('/')}. Supported methods: {', '.join(allowed)}."},
                             {"Allow": ", ".join(allowed)})
            account = sb._state_for(self.headers.get("Authorization"))
            if account is None:
                raise _Reply(401, self._error_body(template, "Unauthenticated."))
            body = self._parse_body(raw, template)
            held = sb._wait_holds(key)
            if held is None:
                return self._drop()
            try:
                status, payload = self._api(as_method, template, route[1], query, body, account)
            finally:
                for h in held:
                    h.done.set()
        except _Reply as reply:
            status, payload = reply.status, reply.body
            extra = reply.headers
        else:
            extra = {}
        if sb.self_check and template and method != "HEAD":
            problems = contract.response_problems(method, template, status, payload)
            if problems:
                with sb.state.lock:
                    sb.contract_violations.append(f"{method} {template} {status}: {problems}")
        self._send(status, payload, extra)

    @staticmethod
    def _error_body(template: str | None, message: str) -> dict[str, Any]:
        body: dict[str, Any] = {"message": message}
        if template == "/v2/transactions":  # send endpoint 4XX schema requires errorUrl
            body["errorUrl"] = f"https://portal.procuros-sandbox.invalid/errors/{uuid.uuid4()}"
        return body

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = b"" if payload is None else encode_json(payload)
        try:
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            if data:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _wait_for_hangup(self, limit: float) -> bool:
        """Block until the client closes its end of the connection (True) or ``limit`` passes."""
        deadline = time.monotonic() + limit
        while (left := deadline - time.monotonic()) > 0:
            readable, _, _ = select.select([self.connection], [], [], min(left, 0.05))
            if readable:
                try:
                    if not self.connection.recv(1, socket.MSG_PEEK):
                        return True
                except OSError:
                    return True
                time.sleep(0.01)  # more data from the client (a pipelined request): keep waiting
        return False

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # --- the API ------------------------------------------------------------------------

    def _invalid(self, errors: dict[str, list[str]]) -> _Reply:
        return _Reply(422, {"message": "The given data was invalid.", "errors": errors})

    def _paging(self, query: dict[str, list[str]]) -> tuple[int, int]:
        raw = query.get("per_page", ["100"])[-1]
        try:
            per_page = int(raw)
        except ValueError:
            per_page = 0
        if not 1 <= per_page <= 100:
            raise self._invalid({"per_page": ["The per page must be between 1 and 100."]})
        cursor = query.get("cursor", [""])[-1]
        try:
            after = decode_cursor(cursor) if cursor else 0
        except ValueError:
            raise self._invalid({"cursor": ["The cursor is invalid."]})
        return per_page, after

    def _filter(self, query: dict[str, list[str]], name: str, allowed: set[str]) -> str | None:
        value = query.get(f"filter[{name}]", [None])[-1]
        if value is not None and value not in allowed:
            raise self._invalid({f"filter.{name}": [f"The selected filter.{name} is invalid."]})
        return value

    def _envelope(self, path: str, query: dict[str, list[str]], items: list[dict], next_seq: int | None,
                  per_page: int) -> dict[str, Any]:
        cursor = encode_cursor(next_seq) if next_seq is not None else None
        next_url = None
        if cursor:
            params = {k: v[-1] for k, v in query.items() if k != "cursor"}
            params.update(cursor=cursor, per_page=str(per_page))
            next_url = f"{self.sandbox.url}{path}?{urlencode(params)}"
        return {"items": items, "hasMore": cursor is not None, "perPage": per_page, "count": len(items),
                "nextCursor": cursor, "nextPageUrl": next_url}

    def _api(self, method: str, template: str, args: dict[str, str], query: dict[str, list[str]],
             body: Any, state: SandboxState) -> tuple[int, Any]:
        if template == "/v2/ping":
            return 204, None
        if method == "GET" and template == "/v2/transactions":
            per_page, after = self._paging(query)
            items, nxt = state.list_pending(self._filter(query, "type", TYPES), after, per_page)
            return 200, self._envelope(template, query, items, nxt, per_page)
        if method == "GET" and template == "/v2/all-transactions":
            per_page, after = self._paging(query)
            filters: dict[str, Any] = {"type": self._filter(query, "type", TYPES),
                                       "flow": self._filter(query, "flow", FLOWS),
                                       "status": self._filter(query, "status", STATUSES)}
            between = query.get("filter[created_between]", [None])[-1]
            if between:
                try:
                    lo, hi = (date.fromisoformat(x) for x in between.split(","))
                except ValueError:
                    raise self._invalid({"filter.created_between": ["Expected YYYY-MM-DD,YYYY-MM-DD."]})
                filters["created_between"] = (lo, hi)
            items, nxt = state.list_all(filters, after, per_page)
            return 200, self._envelope(template, query, items, nxt, per_page)
        if template == "/v2/all-transactions/{procurosTransactionId}":
            found = state.show(args["id"])
            if found is None:
                raise _Reply(404, {"message": "Transaction not found."})
            return 200, {"data": found}
        if template == "/v2/transactions/{procurosTransactionId}":
            self._validate_body(method, template, body)
            result = state.mark(args["id"], body)
            if result is None:
                raise _Reply(404, {"message": "Transaction not found."})
            return 200, {"data": result}
        if template == "/v2/transactions/bulk/mark-processed":
            # the schema's {"items": [...]} only: the bare array of the docs' curl sample is a 422
            self._validate_body(method, template, body)
            # validated as a whole before anything is marked: an id this account did not receive
            # is a field error of that item (the 422 shape names fields; a 404 could not say which)
            with state.lock:
                unknown = {f"items.{i}.procurosTransactionId": [f"The selected items.{i}.procurosTransactionId is invalid."]
                           for i, item in enumerate(body["items"]) if not state.markable(item["procurosTransactionId"])}
                if unknown:
                    raise self._invalid(unknown)
                data = [{"procurosTransactionId": item["procurosTransactionId"],
                         **state.mark(item["procurosTransactionId"], item)} for item in body["items"]]
            return 200, {"data": data}
        if method == "POST" and template == "/v2/transactions":
            result = state.receive_send(body)
            return result.http_status, result.body
        if template == "/v2/errors":
            self._validate_body(method, template, body)
            return 201, {"message": "OK.", "errorUrl": state.report_error(body)}
        raise _Reply(404, {"message": "Not Found."})

    def _validate_body(self, method: str, template: str, body: Any) -> None:
        errors = contract.body_errors(method, template, body)
        if errors:
            raise self._invalid(errors)

    # --- control endpoints (no bearer token; loopback only) ---------------------------

    def _control(self, method: str, path: str, query: dict[str, list[str]]) -> None:
        sb = self.sandbox
        try:
            body = self._body() or {}
            op = path[len("/_sandbox/"):].strip("/")
            if op == "enqueue" and method == "POST":
                tid = sb.enqueue(body["type"], body["content"], receiver_gln=body.get("receiver_gln"),
                                 flow=body.get("flow", "LIVE"), created_at=body.get("created_at"),
                                 replaces=body.get("replaces"))
                return self._send(201, {"id": tid})
            if op == "state" and method == "GET":
                return self._send(200, sb.state.snapshot())
            if op == "faults" and method == "POST":
                sb.inject_faults(**{k: body[k] for k in ("status", "rate", "count", "endpoint", "kind",
                                                          "retry_after", "delay") if k in body})
                return self._send(201, {"ok": True})
            if op == "config" and method == "POST":
                if "known_parties" in body:
                    sb.known_parties = body["known_parties"]
                if "partners" in body:
                    sb.partners = set(body["partners"]) if body["partners"] is not None else None
                if "inactive" in body:
                    sb.inactive = set(body["inactive"])
                if "latency" in body:
                    sb.latency = float(body["latency"])
                return self._send(200, {"ok": True})
            if op == "hold" and method == "POST":
                h = sb.hold(body["endpoint"])
                return self._send(201, {"id": h.id})
            if op.startswith("hold/"):
                hid, _, action = op[5:].partition("/")
                h = next((x for x in sb._holds if x.id == hid), None)
                if h is None:
                    return self._send(404, {"message": "Unknown hold."})
                if action == "release" and method == "POST":
                    h.release()
                return self._send(200, {"reached": h.reached.is_set(), "released": h.released})
            if op == "reset" and method == "POST":
                sb.reset()
                return self._send(200, {"ok": True})
            return self._send(404, {"message": "Unknown control endpoint."})
        except (_Reply, KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, _Reply):
                return self._send(exc.status, exc.body)
            return self._send(400, {"message": f"bad control request: {exc!r}"})
