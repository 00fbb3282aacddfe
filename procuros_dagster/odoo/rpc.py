"""One execute_kw round trip per call: counting, error mapping, retries of read-only calls and
the plain CRUD wrappers. Never odoorpc's browse()/record API: it reads every field of a model,
which fails on account.move in Odoo 17 (needed_terms cannot be serialised)."""

from __future__ import annotations

import copy
import http.client
import json
import re
import socket
import time
import urllib.error
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import odoorpc

from .errors import (
    CONNECTOR_GROUP,
    OdooConnectionError,
    OdooError,
    OdooValueError,
    rpc_error_class,
    scrub,
)

# What the 'Procuros connector' group grants (itself or through the groups it implies), as Odoo's
# AccessError words it: only for these is "give it the group" the remedy of an access error.
_READ_ONLY = ("res.partner", "product.product", "uom.uom", "res.company", "stock.picking", "stock.move",
              "stock.move.line", "stock.lot", "stock.quant.package", "account.move", "account.move.line",
              "account.tax", "account.payment.term", "account.payment.term.line", "stock.warehouse",
              "stock.location", "delivery.carrier", "res.users", "ir.model.fields")
CONNECTOR_RIGHTS = frozenset(
    {(m, "access") for m in _READ_ONLY}
    | {(m, op) for m in ("sale.order", "sale.order.line") for op in ("access", "create", "modify")}
    | {("ir.model.data", "access"), ("ir.model.data", "create"), ("mail.message", "access"), ("mail.message", "create")}
    # the exchange log (setup.LOG_ACCESS): the group reads, adds and corrects entries, never deletes
    | {("x_procuros_log", op) for op in ("access", "create", "modify")}
)
_ACCESS_VERB = re.compile(r"not allowed to (access|create|modify|delete) .*?\(([\w.]+)\) records")

# Methods that change nothing in Odoo. Only these are retried after a transient failure: a
# create/write/business action whose answer was lost may already have been committed, and
# sending it again would create a second order, post a second invoice, etc. (not idempotent).
READ_ONLY_METHODS = frozenset(
    {
        "search", "search_read", "read", "search_count", "read_group", "fields_get", "name_search",
        "name_get", "default_get", "check_object_reference", "check_access_rights", "context_get",
        "get_views", "web_search_read", "web_read",
    }
)
TRANSIENT_HTTP_CODES = frozenset({500, 502, 503, 504})


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code in TRANSIENT_HTTP_CODES
    if isinstance(exc, urllib.error.URLError):
        return isinstance(exc.reason, (OSError, socket.timeout)) or "timed out" in str(exc.reason)
    return isinstance(
        exc, (ConnectionError, socket.timeout, TimeoutError, http.client.HTTPException, json.JSONDecodeError)
    )


def _is_pair(value: Any) -> bool:
    return (
        isinstance(value, (list, tuple))
        and len(value) == 2
        and isinstance(value[0], int)
        and not isinstance(value[0], bool)
        and isinstance(value[1], str)
    )


class RpcCore:
    """Holds the logged-in odoorpc session and performs single execute_kw calls."""

    #: retries for read-only calls after a transient failure, and the first back-off delay (s)
    max_retries = 3
    backoff = 0.2

    def __init__(self, odoo: odoorpc.ODOO, *, url: str, db: str, username: str):
        self._odoo = odoo
        self.url = url
        self.db = db
        self.username = username
        self.uid: int = odoo.env.uid
        #: the server's version as it announced it ("17.0", "saas~17.2")
        self.server_version: str = str(getattr(odoo, "version", "") or "")
        ctx = dict(odoo.env.context or {})
        ctx.setdefault("uid", self.uid)
        #: context sent with every call (lang, tz, uid as odoorpc's context_get returned them)
        self.context: dict[str, Any] = ctx
        self.rpc_count = 0
        self.call_counts: Counter[str] = Counter()
        self._field_types: dict[str, dict[str, str]] = {}
        #: x_procuros_* field names known to exist, filled by setup.check_setup/provision
        self.procuros_fields: set[tuple[str, str]] = set()

    def __repr__(self) -> str:  # never the password
        return f"{type(self).__name__}(url={self.url!r}, db={self.db!r}, username={self.username!r}, uid={self.uid})"

    def in_company(self, company_id: int):
        """The same session acting in one company (context ``allowed_company_ids``): what it creates
        belongs to that company and Odoo's multi-company rules apply as for a user switched to it."""
        clone = copy.copy(self)
        clone.context = {**self.context, "allowed_company_ids": [int(company_id)]}
        return clone

    def reset_counts(self) -> None:
        self.rpc_count = 0
        self.call_counts = Counter()

    # -- the one round trip ---------------------------------------------------------------------
    def call(self, model: str, method: str, args: Sequence[Any] = (), kwargs: Mapping[str, Any] | None = None,
             *, context: Mapping[str, Any] | None = None) -> Any:
        """``execute_kw(model, method, args, kwargs)``; the gateway's context is merged in."""
        kw = dict(kwargs or {})
        ctx = dict(self.context)
        ctx.update(kw.get("context") or {})
        ctx.update(context or {})
        kw["context"] = ctx
        attempt = 0
        while True:
            self.rpc_count += 1
            self.call_counts[f"{model}.{method}"] += 1
            try:
                return self._odoo.execute_kw(model, method, list(args), kw)
            except odoorpc.error.RPCError as exc:
                raise self._rpc_error(model, method, exc) from None
            except OdooError:
                raise
            except Exception as exc:  # noqa: BLE001 - transport level
                if not _is_transient(exc):
                    raise OdooConnectionError(
                        f"{model}.{method}: transport error talking to {self.url}: {type(exc).__name__}: "
                        f"{self._scrub(str(exc))}"
                    ) from None
                if method not in READ_ONLY_METHODS or attempt >= self.max_retries:
                    extra = "" if method in READ_ONLY_METHODS else " (not retried: the call may have been applied)"
                    raise OdooConnectionError(
                        f"{model}.{method}: {self._scrub(str(exc)) or type(exc).__name__} from {self.url}"
                        f" after {attempt + 1} attempt(s){extra}"
                    ) from None
                time.sleep(self.backoff * (2**attempt))
                attempt += 1

    def _scrub(self, text: str) -> str:
        return scrub(text, getattr(self._odoo, "_password", None))

    def _rpc_error(self, model: str, method: str, exc: "odoorpc.error.RPCError"):
        info = exc.info if isinstance(exc.info, dict) else {}
        data = info.get("data") or {}
        name = data.get("name") or info.get("message") or "odoo.error"
        message = data.get("message") or str(exc) or info.get("message", "")
        cls = rpc_error_class(name)
        message = self._scrub(str(message))
        verb = _ACCESS_VERB.search(message) if name == "odoo.exceptions.AccessError" else None
        if verb and (verb.group(2), verb.group(1)) in CONNECTOR_RIGHTS:
            # name the user and the remedy: the integration user lacks a right the flows need
            message = (f"the Odoo user {self.username!r} lacks a right: {message.split(chr(10))[0]} "
                       f"An administrator gives it the '{CONNECTOR_GROUP}' group with "
                       f"`procuros-dagster setup-odoo --connector-user {self.username}`. ({message})")
        return cls(model, method, name, message, self._scrub(str(data.get("debug", ""))))

    # -- CRUD --------------------------------------------------------------------------------------
    def search_read(self, model: str, domain: Sequence[Any], fields: Sequence[str], order: str | None = None,
                    limit: int | None = None, offset: int = 0, context: Mapping[str, Any] | None = None) -> list[dict]:
        kw = {"fields": list(fields), **_paging(order, limit, offset)}
        return self.call(model, "search_read", [list(domain)], kw, context=context)

    def iter_search_read(self, model: str, domain: Sequence[Any], fields: Sequence[str], order: str,
                         page_size: int = 500, context: Mapping[str, Any] | None = None) -> Iterator[dict]:
        """Page through a search_read with limit/offset. ``order`` is required: without a total order
        (end it with ``id``) records can move between pages while paging."""
        if not order:
            raise OdooValueError("iter_search_read needs an explicit order (e.g. 'write_date asc, id asc')")
        offset = 0
        while True:
            page = self.search_read(model, domain, fields, order=order, limit=page_size, offset=offset,
                                    context=context)
            yield from page
            if len(page) < page_size:
                return
            offset += page_size

    def read(self, model: str, ids: Iterable[int], fields: Sequence[str],
             context: Mapping[str, Any] | None = None) -> list[dict]:
        ids = list(ids)
        if not ids:
            return []
        # Odoo answers [] for missing ids, no error: callers compare lengths when it matters
        return self.call(model, "read", [ids], {"fields": list(fields)}, context=context)

    def search(self, model: str, domain: Sequence[Any], order: str | None = None, limit: int | None = None,
               offset: int = 0, context: Mapping[str, Any] | None = None) -> list[int]:
        return self.call(model, "search", [list(domain)], _paging(order, limit, offset), context=context)

    def search_count(self, model: str, domain: Sequence[Any], context: Mapping[str, Any] | None = None) -> int:
        return self.call(model, "search_count", [list(domain)], {}, context=context)

    def create(self, model: str, vals_list: Sequence[Mapping[str, Any]] | Mapping[str, Any],
               context: Mapping[str, Any] | None = None) -> list[int]:
        """One ``create`` with a list of values; always returns a list of ids (Odoo returns an int
        for a single dict). The whole list is created in one transaction: all or nothing."""
        if isinstance(vals_list, Mapping):
            vals_list = [vals_list]
        vals_list = [dict(v) for v in vals_list]
        if not vals_list:
            return []
        result = self.call(model, "create", [vals_list], {}, context=context)
        return [result] if isinstance(result, int) else list(result)

    def write(self, model: str, ids: Iterable[int], vals: Mapping[str, Any],
              context: Mapping[str, Any] | None = None) -> bool:
        """``write``; refuses ``[id, "name"]`` pairs and strings in many2one fields, which Odoo 17
        accepts with ``true`` while silently emptying the field."""
        ids = list(ids)
        if not ids:
            return True
        self._check_many2one_values(model, vals)
        return self.call(model, "write", [ids, dict(vals)], {}, context=context)

    def unlink(self, model: str, ids: Iterable[int], context: Mapping[str, Any] | None = None) -> bool:
        ids = list(ids)
        if not ids:
            return True
        return self.call(model, "unlink", [ids], {}, context=context)

    def field_types(self, model: str) -> dict[str, str]:
        """{field: type} of a model, fetched once per gateway (fields_get)."""
        if model not in self._field_types:
            info = self.call(model, "fields_get", [], {"attributes": ["type"]})
            self._field_types[model] = {name: spec.get("type", "") for name, spec in info.items()}
        return self._field_types[model]

    def _check_many2one_values(self, model: str, vals: Mapping[str, Any]) -> None:
        pairs = [k for k, v in vals.items() if _is_pair(v)]
        if pairs:
            raise OdooValueError(
                f"{model}.write: {', '.join(pairs)} given as [id, name]; pass the plain integer id "
                "(Odoo would answer true and silently empty a many2one field)"
            )
        # a string into a many2one is the same trap; only *_id fields need the (cached) type lookup
        suspects = [k for k, v in vals.items() if isinstance(v, str) and k.endswith("_id")]
        if suspects:
            types = self.field_types(model)
            bad = [k for k in suspects if types.get(k) == "many2one"]
            if bad:
                raise OdooValueError(
                    f"{model}.write: many2one field(s) {', '.join(bad)} given as a string; pass the integer id "
                    "(Odoo would answer true and silently empty the field)"
                )


def _paging(order: str | None, limit: int | None, offset: int) -> dict[str, Any]:
    """search/search_read keyword arguments, sent only when set (as the web client does)."""
    kw: dict[str, Any] = {}
    if order:
        kw["order"] = order
    if limit:
        kw["limit"] = limit
    if offset:
        kw["offset"] = offset
    return kw
