"""Opening an odoorpc session: URL parsing, version check, login, and typed errors for each way
this can fail. Nothing here ever puts the password into a message or a log record."""

from __future__ import annotations

import copy
import json
import logging
import re
import socket
import time
import urllib.error
from dataclasses import dataclass
from urllib.parse import urlsplit

import odoorpc

from .errors import (
    OdooAuthError,
    OdooConnectionError,
    OdooDatabaseError,
    OdooVersionError,
    scrub,
)

SUPPORTED_MAJOR = 17


@dataclass(frozen=True)
class Endpoint:
    host: str
    protocol: str  # odoorpc protocol name: "jsonrpc" or "jsonrpc+ssl"
    port: int

    @property
    def url(self) -> str:
        scheme = "https" if self.protocol == "jsonrpc+ssl" else "http"
        return f"{scheme}://{self.host}:{self.port}"


def parse_url(url: str) -> Endpoint:
    """``https://erp.example.com`` -> jsonrpc+ssl on 443; ``http://127.0.0.1:8069`` -> jsonrpc on 8069.

    A bare host (``erp.example.com:8069``) is taken as plain http.
    """
    if not url or not url.strip():
        raise OdooConnectionError("ODOO_URL is empty")
    raw = url.strip()
    if "://" not in raw:
        raw = "http://" + raw
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OdooConnectionError(f"ODOO_URL must look like https://erp.example.com, got {_safe_url(url)!r}")
    try:
        port = parts.port
    except ValueError as exc:
        raise OdooConnectionError(f"ODOO_URL has an invalid port: {_safe_url(url)!r}") from exc
    ssl = parts.scheme == "https"
    return Endpoint(parts.hostname, "jsonrpc+ssl" if ssl else "jsonrpc", port or (443 if ssl else 80))


def _safe_url(url: str) -> str:
    # a URL may carry user:password@ - never echo that part
    return re.sub(r"//[^/@]*@", "//***@", url)


def major_version(version: str | None) -> int | None:
    m = re.match(r"(?:saas~)?(\d+)", str(version or ""))
    return int(m.group(1)) if m else None


class _PasswordFilter(logging.Filter):
    """odoorpc logs every JSON-RPC request at DEBUG level. It hides a ``password`` *key*, but on
    Odoo >= 10 the password travels positionally in ``params.args`` (``[db, uid, password, ...]``
    for services common/object), so it would be logged in clear. This filter blanks it."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, dict) and isinstance(args.get("data"), dict):
            params = args["data"].get("params")
            if isinstance(params, dict) and params.get("service") in ("common", "object"):
                rpc_args = params.get("args")
                if isinstance(rpc_args, list) and len(rpc_args) >= 3:
                    redacted = copy.copy(args)
                    redacted["data"] = dict(args["data"])
                    redacted["data"]["params"] = dict(params, args=[*rpc_args[:2], "**********", *rpc_args[3:]])
                    record.args = redacted
        return True


_FILTER = _PasswordFilter()


def install_log_filter() -> None:
    logger = logging.getLogger("odoorpc.rpc.jsonrpclib")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)


install_log_filter()


def _transport_error(endpoint: Endpoint, exc: BaseException) -> OdooConnectionError:
    if isinstance(exc, urllib.error.HTTPError):
        reason = f"HTTP {exc.code}"
    elif isinstance(exc, urllib.error.URLError):
        reason = str(exc.reason)
    elif isinstance(exc, (json.JSONDecodeError, ValueError)):
        reason = "the answer is not JSON-RPC (is this an Odoo server?)"
    else:
        reason = f"{type(exc).__name__}: {exc}"
    return OdooConnectionError(f"Cannot reach Odoo at {endpoint.url}: {reason}")


def open_session(url: str, db: str, username: str, password: str, *, timeout: float = 60, attempts: int = 3,
                 backoff: float = 0.5, sleep=time.sleep):
    """Return a logged-in ``odoorpc.ODOO``; raise a typed error otherwise. Logging in writes
    nothing, so a dropped connection or a 5xx on the way is tried again (a wrong password is not)."""
    for attempt in range(1, attempts + 1):
        try:
            return _open_session(url, db, username, password, timeout=timeout)
        except OdooConnectionError:
            if attempt == attempts:
                raise
            sleep(backoff * 2 ** (attempt - 1))
    raise AssertionError("unreachable")


def _open_session(url: str, db: str, username: str, password: str, *, timeout: float):
    endpoint = parse_url(url)
    try:
        # odoorpc asks /web/webclient/version_info here (one round trip, no credentials sent yet)
        odoo = odoorpc.ODOO(endpoint.host, protocol=endpoint.protocol, port=endpoint.port, timeout=timeout)
    except (urllib.error.URLError, OSError, socket.timeout, ValueError, KeyError, TypeError) as exc:
        raise _transport_error(endpoint, exc) from None
    except odoorpc.error.Error as exc:
        raise OdooConnectionError(f"Cannot reach Odoo at {endpoint.url}: {scrub(str(exc), password)}") from None
    found = odoo.version
    if major_version(found) != SUPPORTED_MAJOR:
        raise OdooVersionError(
            f"Odoo at {endpoint.url} runs version {found or 'unknown'}; this connector supports Odoo 17.x only"
        )
    try:
        odoo.login(db, username, password)
    except odoorpc.error.RPCError as exc:
        info = exc.info if isinstance(exc.info, dict) else {}
        name = (info.get("data") or {}).get("name", "")
        text = scrub(str(exc), password)
        if _database_missing(odoo, db, name, text):
            raise OdooDatabaseError(f"Database {db!r} does not exist on Odoo at {endpoint.url}") from None
        if not info:  # odoorpc's own "Wrong login ID or password" (common.login returned false)
            raise OdooAuthError(f"Odoo at {endpoint.url} refused login {username!r} on database {db!r}") from None
        raise OdooAuthError(
            f"Odoo at {endpoint.url} refused login {username!r} on database {db!r}: {name}: {text}"
        ) from None
    except (urllib.error.URLError, OSError, socket.timeout, ValueError) as exc:
        raise _transport_error(endpoint, exc) from None
    return endpoint, odoo


def _database_missing(odoo, db: str, error_name: str, text: str) -> bool:
    lowered = text.lower()
    if "database not found" in lowered or ("database" in lowered and "does not exist" in lowered):
        return True
    try:
        # db.list is answered without credentials; a server with list_db=False refuses it
        names = odoo.db.list()
    except Exception:  # noqa: BLE001 - the list is only a hint
        return False
    return isinstance(names, list) and db not in names
