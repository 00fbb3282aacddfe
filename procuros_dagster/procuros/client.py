"""Synchronous Procuros REST API v2 client (httpx), with typed errors and retries.

The bearer token lives only in the httpx client's default headers: it is never logged, never
part of ``repr(client)`` and never copied into exception text.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import threading
from collections import defaultdict
from datetime import date
from importlib import metadata
from typing import Any, Callable, Iterable, Iterator

import httpx
from pydantic import ValidationError

from .errors import (ProcurosError, ProcurosTransportError, ProcurosValidationError,
                     error_for_status)
from .models import (AckResult, Acknowledgement, Page, ReceivedTransaction, SendOutcome,
                     SendStatus, Transaction, UnreadableTransaction)
from .pages import decode_page
from .retry import RetryPolicy, parse_retry_after

log = logging.getLogger("procuros_dagster.procuros")

BULK_LIMIT = 1000
DUPLICATE_MESSAGE = "Payload already received"

try:
    __version__ = metadata.version("procuros-dagster")
except metadata.PackageNotFoundError:  # running from a source checkout
    __version__ = "0.0.0"


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ProcurosClient:
    """``with ProcurosClient(base_url, token) as client: client.ping()``."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 30.0,
                 retry: RetryPolicy | None = None, transport: httpx.BaseTransport | None = None,
                 event_hooks: dict[str, list[Callable]] | None = None) -> None:
        url = httpx.URL(base_url)
        if url.scheme != "https" and not (url.scheme == "http" and _is_loopback(url.host)):
            raise ValueError("Procuros base_url must use https (plain http only for loopback hosts)")
        if not token:
            raise ValueError("Procuros API token is empty")
        self.base_url = str(url).rstrip("/")
        self.retry = retry or RetryPolicy()
        # per "METHOD /template": attempts (HTTP requests made), retries (re-attempts), sleeps
        self.stats: dict[str, dict[str, float]] = defaultdict(lambda: {"attempts": 0, "retries": 0, "slept": 0.0})
        self._stats_lock = threading.Lock()  # an export sends from several threads (one httpx client)
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout),
            transport=transport,
            event_hooks=event_hooks,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "User-Agent": f"procuros-dagster/{__version__}",
            },
        )

    def __repr__(self) -> str:
        return f"ProcurosClient(base_url={self.base_url!r})"

    __str__ = __repr__

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ProcurosClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- core request loop -------------------------------------------------------------

    def _request(self, method: str, template: str, path: str | None = None, *,
                 params: dict[str, Any] | None = None, body: Any = None,
                 handled: frozenset[int] = frozenset()) -> httpx.Response:
        """One logical call with retries.  Returns 2xx responses and statuses in ``handled``;
        raises a typed ProcurosError for everything else."""
        endpoint = f"{method} {template}"
        with self._stats_lock:
            stats = self.stats[endpoint]
        policy = self.retry
        start = policy.clock()
        attempt = 0
        headers = {"Content-Type": "application/json"} if body is not None else None
        content = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        while True:
            attempt += 1
            with self._stats_lock:
                stats["attempts"] += 1
            retry_after: float | None = None
            try:
                response = self._http.request(method, path or template, params=params,
                                              content=content, headers=headers)
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                failure: ProcurosError = ProcurosTransportError(
                    f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__,
                    endpoint=endpoint, attempts=attempt)
                log.warning("procuros %s attempt %d failed: %s", endpoint, attempt, type(exc).__name__)
            else:
                status = response.status_code
                log.debug("procuros %s -> %d (attempt %d)", endpoint, status, attempt)
                if 200 <= status < 300 or status in handled:
                    return response
                failure = error_for_status(status, _json_or_none(response), endpoint, attempt)
                if not policy.is_retryable_status(status):
                    # 400/401/403/404/422 need a fix on our side: never retried
                    log.warning("procuros %s -> %d: %s", endpoint, status, failure.message)
                    raise failure
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                log.warning("procuros %s -> %d (attempt %d)", endpoint, status, attempt)
            delay = policy.backoff(attempt, retry_after)
            elapsed = policy.clock() - start
            if attempt >= policy.max_attempts or elapsed + delay > policy.total_budget:
                failure.attempts = attempt
                raise failure
            with self._stats_lock:
                stats["retries"] += 1
                stats["slept"] += delay
            policy.sleep(delay)

    # --- endpoints -------------------------------------------------------------------

    def ping(self) -> None:
        """GET /v2/ping (204); raises ProcurosAuthError on a bad token."""
        self._request("GET", "/v2/ping")

    def iter_pending_pages(self, type: str | None = None, per_page: int = 100) -> Iterator[Page]:
        """Pages of the unprocessed incoming queue (``Page.items`` are ReceivedTransaction)."""
        yield from self._pages("/v2/transactions", ReceivedTransaction, {"filter[type]": type}, per_page)

    def iter_pending(self, type: str | None = None, per_page: int = 100) -> Iterator[ReceivedTransaction]:
        for page in self.iter_pending_pages(type=type, per_page=per_page):
            yield from page.items

    def iter_all_transaction_pages(self, type: str | None = None, flow: str | None = None,
                                   status: str | None = None,
                                   created_between: tuple[date, date] | None = None,
                                   per_page: int = 100) -> Iterator[Page]:
        between = f"{created_between[0].isoformat()},{created_between[1].isoformat()}" if created_between else None
        filters = {"filter[type]": type, "filter[flow]": flow, "filter[status]": status,
                   "filter[created_between]": between}
        yield from self._pages("/v2/all-transactions", Transaction, filters, per_page)

    def iter_all_transactions(self, type: str | None = None, flow: str | None = None,
                              status: str | None = None,
                              created_between: tuple[date, date] | None = None,
                              per_page: int = 100) -> Iterator[Transaction]:
        for page in self.iter_all_transaction_pages(type, flow, status, created_between, per_page):
            yield from page.items

    def _pages(self, path: str, model: type, filters: dict[str, Any], per_page: int) -> Iterator[Page]:
        # filters are repeated with every cursor: whether the cursor carries them is undocumented
        base = {k: str(getattr(v, "value", v)) for k, v in filters.items() if v is not None}
        base["per_page"] = str(per_page)  # always explicit: docs and spec disagree on the default
        cursor: str | None = None
        while True:
            params = dict(base, **({"cursor": cursor} if cursor else {}))
            data = decode_page(self._request("GET", path, params=params).content)
            page = Page.model_validate(data)
            page.items = [_item(model, item) for item in data.get("items", [])]
            yield page
            cursor = page.next_cursor
            if not page.has_more or not cursor:
                return

    def mark_processed(self, transaction_id: str, success: bool, error_type: str | None = None,
                       error_reason: str | None = None,
                       error_context: dict[str, str] | None = None) -> AckResult:
        ack = Acknowledgement(procuros_transaction_id=transaction_id, success=success,
                              error_type=error_type, error_reason=error_reason, error_context=error_context)
        body = ack.to_dict()
        body.pop("procurosTransactionId")
        data = self._request("PUT", "/v2/transactions/{procurosTransactionId}",
                             f"/v2/transactions/{transaction_id}", body=body).json()["data"]
        return AckResult(procuros_transaction_id=transaction_id, message=data.get("message", ""),
                         error_url=data.get("errorUrl"))

    def bulk_mark_processed(self, acks: Iterable[Acknowledgement]) -> list[AckResult]:
        """Acknowledge in chunks of at most 1000 using the schema's ``{"items": [...]}`` form."""
        results: list[AckResult] = []
        chunk: list[dict[str, Any]] = []

        def flush() -> None:
            data = self._request("POST", "/v2/transactions/bulk/mark-processed", body={"items": chunk}).json()
            results.extend(AckResult.model_validate(x) for x in data.get("data", []))
            chunk.clear()

        for ack in acks:
            chunk.append(ack.to_dict() if isinstance(ack, Acknowledgement) else Acknowledgement.model_validate(ack).to_dict())
            if len(chunk) == BULK_LIMIT:
                flush()
        if chunk:
            flush()
        return results

    def send(self, transaction_type: str, content: Any) -> SendOutcome:
        """POST /v2/transactions.  ``content`` is the document as a plain dict (or an object whose
        ``to_payload()`` returns it).  Retried on 429/5xx/network errors like every call: if a
        first attempt did land, the retry gets 400 "Payload already received" -> ALREADY_RECEIVED,
        which is the safe outcome (the document is at Procuros exactly once)."""
        transaction_type = str(getattr(transaction_type, "value", transaction_type))
        if hasattr(content, "to_payload"):
            content = content.to_payload()
        response = self._request("POST", "/v2/transactions", body={"type": transaction_type, "content": content},
                                 handled=frozenset({400, 422}))
        status = response.status_code
        data = _json_or_none(response) or {}
        common = dict(http_status=status, message=data.get("message"), error_url=data.get("errorUrl"),
                      transaction_id=data.get("procurosTransactionId"))
        if status == 201:
            return SendOutcome(status=SendStatus.TRANSMITTED, **common)
        if status == 202:
            return SendOutcome(status=SendStatus.NO_ACTION, **common)
        if status == 422:
            return SendOutcome(status=SendStatus.INVALID, errors=data.get("errors") or {}, **common)
        if status == 400 and str(data.get("message", "")).strip() == DUPLICATE_MESSAGE:
            return SendOutcome(status=SendStatus.ALREADY_RECEIVED, **common)
        if status == 400:
            raise ProcurosValidationError(str(data.get("message") or "HTTP 400"), status=400,
                                          endpoint="POST /v2/transactions", error_url=data.get("errorUrl"))
        raise ProcurosError(f"unexpected HTTP {status}", status=status, endpoint="POST /v2/transactions")

    def report_error(self, error_reason: str, error_type: str, *, transaction_identifier: str | None = None,
                     transaction_type: str | None = None,
                     error_context: dict[str, str] | None = None) -> str | None:
        """POST /v2/errors; returns the portal errorUrl."""
        body: dict[str, Any] = {"errorReason": error_reason, "errorType": error_type}
        if error_context:
            body["errorContext"] = error_context
        if transaction_identifier:
            body["transactionIdentifier"] = transaction_identifier
        if transaction_type:
            body["transactionType"] = str(getattr(transaction_type, "value", transaction_type))
        return self._request("POST", "/v2/errors", body=body).json().get("errorUrl")

    def get_transaction(self, transaction_id: str) -> Transaction:
        """GET /v2/all-transactions/{id}; ProcurosNotFound for an unknown id."""
        data = self._request("GET", "/v2/all-transactions/{procurosTransactionId}",
                             f"/v2/all-transactions/{transaction_id}").json()
        return Transaction.model_validate(data["data"])


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json() if response.content else None
    except ValueError:
        return None


def _item(model: type, item: Any):
    """One page item, typed; an item that is not a transaction at all stays raw (never raises)."""
    try:
        return model.model_validate(item)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(x) for x in e['loc']) or 'item'}: {e['msg']}" for e in exc.errors())
        return UnreadableTransaction(item, problems)
