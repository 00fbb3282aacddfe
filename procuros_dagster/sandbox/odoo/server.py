"""HTTP front of the Odoo sandbox: /jsonrpc (what odoorpc uses) and the /web/* routes."""
from __future__ import annotations

import json
import random
import re
import secrets
import threading
import time
from collections import Counter
from importlib import resources
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from . import access, chatter, i18n, orm  # noqa: F401  (chatter: hooks only)
from .clock import Clock, using
from .cost import CostModel
from .errors import (AccessDenied, AccessError, OdooRpcError, RpcAttributeError, RpcKeyError,
                     RpcTypeError, RpcValueError, SessionExpired, UserError, error_payload)

VERSION = {"server_version": "17.0", "server_version_info": [17, 0, 0, "final", 0, ""],
           "server_serie": "17.0", "protocol_version": 1}
# Odoo's 404 page for an unknown route, as recorded (07): the website layout with a fresh CSRF token
NOT_FOUND_PAGE = (resources.files("procuros_dagster.sandbox.odoo") / "data" / "not_found.html").read_text()
CSRF = re.compile(r'csrf_token: "[0-9a-f]+o\d+"')


def not_found_html(company: str) -> bytes:
    token = f'csrf_token: "{secrets.token_hex(20)}o{int(time.time()) + 31536000}"'
    return CSRF.sub(token, NOT_FOUND_PAGE).replace("My Company", company).encode()


ADMIN_UID = 2
GENERIC = {"create", "read", "write", "unlink", "search", "search_read", "search_count", "read_group",
           "fields_get", "name_search", "default_get", "exists"}


class _Drop(Exception):
    """Fault injection: close the connection without answering."""


class _Http500(Exception):
    pass


class HeldCall:
    """A call the sandbox holds before running it (see OdooSandbox.hold)."""

    def __init__(self, model: str, method: str):
        self.model, self.method = model, method
        self.skip = 0  # matching calls to let through before this one
        self.reached = threading.Event()  # the call arrived and waits
        self.done = threading.Event()  # the call ran (and committed, unless it raised)
        self._released = threading.Event()

    def release(self) -> None:
        self._released.set()

    def wait(self) -> None:
        self._released.wait(timeout=300)


class OdooSandbox:
    """In-memory Odoo 17 speaking JSON-RPC on 127.0.0.1 (see module docstring of the package)."""

    def __init__(self, db: str = "procuros", login: str = "admin", password: str = "admin",
                 latency: float = 0.0, host: str = "127.0.0.1", port: int = 0,
                 clock: "Clock | None" = None, company_name: str | None = None,
                 used_ids: dict | None = None, pricelists: bool = False, cost: "CostModel | None" = None):
        """``used_ids`` / ``pricelists``: start from a database with history (see baseline.py)
        instead of a fresh one. ``cost``: take as long per call as a real Odoo (cost.py); the
        flat ``latency`` is added to every request either way."""
        from . import business  # noqa: F401  (registers computes and methods)
        self.db_name = db
        self.db = orm.Database(db, login, password, company_name, used_ids, pricelists)
        self.latency = latency
        self.cost = cost
        self.busy_seconds = 0.0  # the modelled cost of the calls served (see cost.py)
        self._timer, self._sleep = time.perf_counter, time.sleep  # a test may count instead of wait
        self.clock = clock or Clock()
        self.host, self.port = host, port
        self.lock = threading.RLock()
        self.call_counts: Counter = Counter()
        self.rpc_count = 0
        self.sessions: dict[str, int | None] = {}
        self._faults: list[dict] = []
        self._holds: list[HeldCall] = []
        self._chaos: dict | None = None  # rate-based faults (see inject_faults)
        self.faults_injected: Counter = Counter()  # kind -> how many calls it hit
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> str:
        if self._server is None:
            sandbox = self

            class Handler(_Handler):
                sb = sandbox

            self._server = ThreadingHTTPServer((self.host, self.port), Handler)
            self._server.daemon_threads = True
            self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="odoo-sandbox", daemon=True)
            self._thread.start()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("sandbox not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "OdooSandbox":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ accounting / faults
    def reset_counts(self) -> None:
        with self.lock:
            self.call_counts.clear()
            self.rpc_count = 0
            self.busy_seconds = 0.0

    def hold(self, model: str, method: str, skip: int = 0) -> "HeldCall":
        """Hold the next ``model.method`` call (after ``skip`` others) before it runs, as a slow
        request in Odoo: it runs and commits when released, whether or not its client is still
        waiting (a killed client does not stop Odoo's transaction), and what it writes is invisible
        to others until then."""
        held = HeldCall(model, method)
        held.skip = skip
        with self.lock:
            self._holds.append(held)
        return held

    def unhold(self, held: "HeldCall") -> None:
        """Withdraw a hold no call has reached yet."""
        with self.lock:
            if held in self._holds:
                self._holds.remove(held)

    def _take_hold(self, model: str, method: str) -> "HeldCall | None":
        with self.lock:
            held = next((h for h in self._holds if (h.model, h.method) == (model, method)), None)
            if held is not None and held.skip > 0:
                held.skip -= 1
                return None
            if held is not None:
                self._holds.remove(held)
        return held

    def inject_fault(self, model: str | None = None, method: str | None = None, count: int = 1,
                     kind: str = "error") -> None:
        """Make the next ``count`` matching calls fail: ``error`` (UserError answer, no writes),
        ``drop`` (connection closed without an answer) or ``http500``."""
        if kind not in ("error", "drop", "http500"):
            raise ValueError(kind)
        with self.lock:
            self._faults.append({"model": model, "method": method, "count": count, "kind": kind})

    def inject_faults(self, rate: float, *, seed: int = 0, kinds: tuple[str, ...] = ("drop", "http500", "slow"),
                      slow: float = 0.05) -> None:
        """Fail a share ``rate`` of all calls, transiently, each with one of ``kinds`` drawn from
        ``random.Random(seed)`` (the same calls get the same faults on every run): ``drop`` and
        ``http500`` before the call runs (nothing written), ``slow`` answers after ``slow``
        seconds. Never data errors: a chaos run must be able to succeed by running again.
        ``rate=0`` switches it off; ``faults_injected`` counts what was injected."""
        unknown = set(kinds) - {"drop", "http500", "slow"}
        if unknown or not kinds or not 0 <= rate <= 1:
            raise ValueError(f"rate must be 0..1 and kinds drop/http500/slow, got {rate!r}, {kinds!r}")
        with self.lock:
            self._chaos = {"rate": rate, "kinds": tuple(kinds), "slow": slow, "rng": random.Random(seed)} if rate else None

    def _take_chaos(self) -> str | None:
        chaos = self._chaos
        if chaos is None or chaos["rng"].random() >= chaos["rate"]:
            return None
        kind = chaos["rng"].choice(chaos["kinds"])
        self.faults_injected[kind] += 1
        return kind

    def _take_fault(self, model: str | None, method: str | None) -> str | None:
        for f in self._faults:
            if (f["model"] in (None, model)) and (f["method"] in (None, method)) and f["count"] > 0:
                f["count"] -= 1
                if f["count"] == 0:
                    self._faults.remove(f)
                return f["kind"]
        return None

    # ------------------------------------------------------------------ calls
    def _count(self, key: str, model: str | None = None, method: str | None = None):
        self.call_counts[key] += 1
        self.rpc_count += 1
        kind = self._take_fault(model, method) or self._take_chaos()
        if kind == "slow":  # under the lock, as a busy Odoo worker: the connector calls one at a time
            time.sleep(self._chaos["slow"] if self._chaos else 0)
        if kind == "error":
            raise UserError(f"Injected fault on {key}")
        if kind == "drop":
            raise _Drop()
        if kind == "http500":
            raise _Http500()

    def execute_kw(self, model: str, method: str, args: list | None = None, kwargs: dict | None = None,
                   uid: int | None = None) -> Any:
        """One model call by user ``uid`` (the admin by default), run as a transaction (rolled back
        when it raises)."""
        held = self._take_hold(model, method)
        if held is None:
            return self._execute(model, method, args, kwargs, uid)
        held.reached.set()
        held.wait()
        try:
            return self._execute(model, method, args, kwargs, uid)
        finally:
            held.done.set()

    def web_action_load(self, uid: int, action_id, additional_context=None) -> Any:
        """/web/action/load: the action (by id or xml id) as the web client gets it, False if none."""
        from . import actions
        db = self.db
        with self.lock, using(self.clock):
            self._count("web.action.load")
            db.ctx = {**(additional_context or {})} if isinstance(additional_context, dict) else {}
            db.uid = uid
            try:
                return actions.load(db, action_id, additional_context)
            finally:
                db.ctx = {}
                db.uid = ADMIN_UID

    def _execute(self, model: str, method: str, args: list | None, kwargs: dict | None, uid: int | None) -> Any:
        args = list(args or [])
        kwargs = dict(kwargs or {})
        context = kwargs.pop("context", None) or {}
        db = self.db
        with self.lock, using(self.clock):
            started = self._timer()
            self._count(f"{model}.{method}", model, method)
            if model not in db.model_fields:
                raise RpcKeyError(model)
            if method.startswith("_"):
                raise AccessError(f"Private methods (such as {method}) cannot be called remotely.")
            fn = orm.METHODS.get(model, {}).get(method) or orm.METHODS.get("*", {}).get(method)
            if fn is None and method in GENERIC:
                fn = getattr(self, "_m_" + method)
            if fn is None:
                raise RpcAttributeError(f"The method '{method}' does not exist on the model '{model}'")
            db.ctx = context if isinstance(context, dict) else {}
            db.uid = uid or ADMIN_UID
            db.begin()
            try:
                access.check_call(db, model, method)
                result = i18n.translate_result(db, fn(db, model, *args, **kwargs))
            except TypeError as exc:
                db.rollback()
                raise RpcTypeError(str(exc)) from exc
            except OdooRpcError as exc:
                db.rollback()
                raise i18n.translate_error(db, exc)
            except (KeyError, ValueError, AttributeError, IndexError) as exc:
                db.rollback()
                raise RpcValueError(str(exc)) from exc
            else:
                db.commit()
            finally:
                db.ctx = {}
                db.uid = ADMIN_UID
            if self.cost is not None:  # Odoo busy with the call: nothing else is served meanwhile
                # The modelled cost is the whole of a real Odoo's time for the call, its own work
                # included: the sandbox's work stands in for that, so only the rest is slept (a call
                # the sandbox is slower at than Odoo takes the sandbox's time, charged as modelled).
                seconds = self.cost.cost(model, method, args, result)
                self.busy_seconds += seconds
                remaining = seconds - (self._timer() - started)
                if remaining > 0:
                    self._sleep(remaining)
            return result

    # generic ORM entry points (signatures follow Odoo's so positional args bind the same way)
    @staticmethod
    def _m_create(db, model, vals_list):
        return db.create(model, vals_list)

    @staticmethod
    def _m_read(db, model, ids, fields=None, load="_classic_read"):
        for check in orm.ACCESS_CHECKS:
            check(db, model, ids, "read")
        return db.read(model, ids, fields)

    @staticmethod
    def _m_write(db, model, ids, vals):
        for check in orm.ACCESS_CHECKS:
            check(db, model, ids, "write")
        return db.write(model, ids, vals)

    @staticmethod
    def _m_unlink(db, model, ids):
        for check in orm.ACCESS_CHECKS:
            check(db, model, ids, "unlink")
        return db.unlink(model, ids)

    @staticmethod
    def _m_search(db, model, domain=None, offset=0, limit=None, order=None, count=False):
        return db.search(model, domain, offset, limit, order, count)

    @staticmethod
    def _m_search_read(db, model, domain=None, fields=None, offset=0, limit=None, order=None):
        return db.search_read(model, domain, fields, offset, limit, order)

    @staticmethod
    def _m_search_count(db, model, domain=None, limit=None):
        n = db.search(model, domain, count=True)
        return min(n, limit) if limit else n

    @staticmethod
    def _m_read_group(db, model, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        return db.read_group(model, domain, fields, groupby, offset, limit, orderby, lazy)

    @staticmethod
    def _m_fields_get(db, model, allfields=None, attributes=None):
        return db.fields_get(model, allfields, attributes)

    @staticmethod
    def _m_name_search(db, model, name="", args=None, operator="ilike", limit=100):
        return db.name_search(model, name, args, operator, limit)

    @staticmethod
    def _m_default_get(db, model, fields_list):
        from .business import default_get
        return default_get(db, model, fields_list)

    @staticmethod
    def _m_exists(db, model, ids):
        return [i for i in db.as_ids(ids) if i in db.tables[model]]

    # ------------------------------------------------------------------ services
    def login(self, dbname, login, password) -> int | None:
        """The uid of an active user with this login and password, else None."""
        if dbname != self.db_name:
            return None
        if login == self.db.login:
            return ADMIN_UID if password == self.db.password else None
        return access.authenticate(self.db, login, password)

    def check_credentials(self, dbname, uid, password) -> None:
        user = self.db.tables["res.users"].get(uid) if isinstance(uid, int) else None
        login = self.db.login if uid == ADMIN_UID else (user or {}).get("login")
        if user is None or self.login(dbname, login, password) != uid:
            raise AccessDenied()

    def dispatch_jsonrpc(self, params: dict) -> Any:
        service = params.get("service")
        method = params.get("method")
        args = list(params.get("args") or [])
        if service == "common":
            with self.lock:
                self._count(f"common.{method}")
            if method == "version":
                return dict(VERSION)
            if method in ("login", "authenticate"):
                dbname, login, password = (args + [None] * 3)[:3]
                with self.lock:
                    return self.login(dbname, login, password) or False
            if method == "about":
                return "See http://openerp.com"
            raise RpcAttributeError(f"'{method}' is not a valid method of service 'common'")
        if service == "db":
            with self.lock:
                self._count(f"db.{method}")
            if method == "list":
                return [self.db_name]
            if method == "server_version":
                return VERSION["server_version"]
            raise RpcKeyError(method)
        if service == "object":
            if method not in ("execute", "execute_kw"):
                raise RpcAttributeError(f"'{method}' is not a valid method of service 'object'")
            if len(args) < 5:
                raise RpcTypeError(f"{method}() missing required positional arguments")
            dbname, uid, password, model, meth = args[:5]
            self.check_credentials(dbname, uid, password)
            if method == "execute":
                return self.execute_kw(model, meth, args[5:], {}, uid=uid)
            return self.execute_kw(model, meth, args[5] if len(args) > 5 else [], args[6] if len(args) > 6 else {},
                                   uid=uid)
        raise RpcKeyError(str(service))

    def session_info(self, uid: int = ADMIN_UID) -> dict:
        user = self.db.tables["res.users"][uid]
        admin = uid == ADMIN_UID
        partner = self.db.display_name("res.partner", user.get("partner_id"))
        return {
            "uid": uid, "is_system": admin, "is_admin": admin, "is_public": False, "is_internal_user": True,
            "user_context": {"lang": user.get("lang") or "en_US", "tz": user.get("tz") or False, "uid": uid},
            "db": self.db_name,
            "server_version": "17.0", "server_version_info": VERSION["server_version_info"],
            "name": user.get("name") or partner, "username": self.db.login if admin else user.get("login"), "partner_display_name": partner,
            "partner_id": user.get("partner_id"), "web.base.url": "http://127.0.0.1:8069", "active_ids_limit": 20000,
            "max_file_upload_size": 134217728, "home_action_id": False,
            "currencies": {"126": {"symbol": "€", "position": "after", "digits": [69, 2]},
                           "1": {"symbol": "$", "position": "before", "digits": [69, 2]}},
            "user_companies": {"current_company": 1, "allowed_companies": {"1": {
                "id": 1, "name": self.db.tables["res.company"][1]["name"], "sequence": 0, "child_ids": [], "parent_id": False}},
                "disallowed_ancestor_companies": {}},
            "show_effect": True, "display_switch_company_menu": False, "user_id": [uid],
        }


class _Handler(BaseHTTPRequestHandler):
    sb: OdooSandbox
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes: avoid 40 ms stalls

    def log_message(self, *a):  # keep test output quiet
        pass

    def _send(self, status: int, body: bytes, ctype: str, cookie: str | None = None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if cookie:
            self.send_header("Set-Cookie", f"session_id={cookie}; Max-Age=604800; HttpOnly; Path=/")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, payload: dict, cookie: str | None = None):
        self._send(200, json.dumps(payload).encode(), "application/json", cookie)

    def _cookie(self) -> str | None:
        for part in (self.headers.get("Cookie") or "").split(";"):
            k, _, v = part.strip().partition("=")
            if k == "session_id":
                return v
        return None

    def do_GET(self):
        self._send(404, not_found_html(self.sb.db.tables["res.company"][1]["name"]), "text/html; charset=utf-8")

    def do_POST(self):
        sb = self.sb
        path = self.path.split("?", 1)[0]
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        routes = ("/jsonrpc", "/web/webclient/version_info", "/web/database/list", "/web/session/authenticate",
                  "/web/session/get_session_info", "/web/dataset/call_kw", "/web/session/destroy",
                  "/web/action/load", "/web/action/run")
        if not (path in routes or path.startswith("/web/dataset/call_kw/")):
            return self._send(404, not_found_html(sb.db.tables["res.company"][1]["name"]), "text/html; charset=utf-8")
        try:
            body = json.loads(raw or b"null")
            if not isinstance(body, dict):
                raise ValueError
        except ValueError:
            return self._send(400, b"Invalid JSON data", "text/plain; charset=utf-8")
        if sb.latency:
            time.sleep(sb.latency)
        req_id = body.get("id")
        params = body.get("params") or {}
        cookie = None
        try:
            result, cookie = self._route(path, params)
            payload = {"jsonrpc": "2.0", "id": req_id}
            if result is not None:  # odoo.http: a method returning None leaves out "result" altogether
                payload["result"] = result
        except _Drop:
            self.close_connection = True
            try:
                self.connection.shutdown(2)
            except OSError:
                pass
            return
        except _Http500:
            return self._send(500, b"Internal Server Error", "text/plain; charset=utf-8")
        except SessionExpired as exc:
            payload = {"jsonrpc": "2.0", "id": None, "error": error_payload(exc)}
        except OdooRpcError as exc:
            payload = {"jsonrpc": "2.0", "id": req_id, "error": error_payload(exc)}
        except Exception as exc:  # an unexpected sandbox bug still answers in Odoo's shape
            payload = {"jsonrpc": "2.0", "id": req_id,
                       "error": error_payload(RpcValueError(f"{type(exc).__name__}: {exc}"))}
        self._json(payload, cookie)

    def _route(self, path: str, params: dict):
        sb = self.sb
        if path == "/jsonrpc":
            return sb.dispatch_jsonrpc(params), None
        if path == "/web/webclient/version_info":
            cookie = self._cookie()
            if cookie not in sb.sessions:
                cookie = secrets.token_hex(20)
                sb.sessions[cookie] = None
            return dict(VERSION), cookie
        if path == "/web/database/list":
            return [sb.db_name], None
        if path == "/web/session/authenticate":
            with sb.lock:
                sb._count("web.session.authenticate")
            if params.get("db") != sb.db_name:
                raise AccessError("Database not found.")
            with sb.lock:
                uid = sb.login(params.get("db"), params.get("login"), params.get("password"))
                if uid is None:
                    raise AccessDenied()
                cookie = secrets.token_hex(20)
                sb.sessions[cookie] = uid
                return sb.session_info(uid), cookie
        if path == "/web/session/get_session_info":
            uid = sb.sessions.get(self._cookie())
            if not uid:
                raise SessionExpired()
            with sb.lock:
                return sb.session_info(uid), None
        if path == "/web/session/destroy":
            sb.sessions.pop(self._cookie(), None)
            return None, None
        uid = sb.sessions.get(self._cookie())
        if not uid:
            raise SessionExpired()
        if path == "/web/action/load":  # what the web client calls for a button of type "action"
            return sb.web_action_load(uid, params.get("action_id"), params.get("additional_context")), None
        if path == "/web/action/run":  # ... and then, for a server action, this
            if "action_id" not in params:
                raise RpcTypeError("Action.run() missing 1 required positional argument: 'action_id'")
            context = params.get("context") or {}
            return sb.execute_kw("ir.actions.server", "run", [[params["action_id"]]], {"context": context},
                                 uid=uid), None
        # /web/dataset/call_kw[/...]
        missing = [k for k in ("model", "method", "args", "kwargs") if k not in params]
        if missing:
            names = [f"'{k}'" for k in missing]
            joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + ", and " + names[-1]
            plural = "argument" if len(names) == 1 else "arguments"
            raise RpcTypeError(f"DataSet.call_kw() missing {len(names)} required positional {plural}: {joined}")
        return sb.execute_kw(params["model"], params["method"], params["args"], params["kwargs"], uid=uid), None
