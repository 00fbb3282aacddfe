"""The exchange log: the seed's "Procuros > Logs", one record per document crossing attempt.

The records live in Odoo, in the custom model ``x_procuros_log`` that ``setup.provision`` creates
the way Studio does (transcript 15), so users read them next to their documents and the state of
every exchange survives a lost Dagster instance. This module writes and reads them; it knows
nothing of Dagster. Every method costs a fixed number of round trips, whatever the number of
documents: one search_read to find what is already logged, one create for the rest.

A document is identified by (integration, movement, key): the key is the Procuros transaction id
for inbound documents and "<model>,<id>" for outbound ones. Writing is idempotent: an entry equal
to the document's latest one (same state, same reason) is not written again, so a rerun after a
crash does not log a document twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import OdooValueError

LOG_MODEL = "x_procuros_log"
LOG_LABEL = "Procuros Log"

DIRECTIONS: tuple[tuple[str, str], ...] = (("in", "Received"), ("out", "Sent"))
DOCUMENT_TYPES: tuple[tuple[str, str], ...] = (
    ("ORDER", "Order"), ("ORDER_RESPONSE", "Order response"), ("SHIPPING_NOTICE", "Shipping notice"),
    ("INVOICE", "Invoice"), ("CREDIT_NOTE", "Credit note"),
)
STATES: tuple[tuple[str, str], ...] = (
    ("received", "Received"), ("imported", "Imported"), ("rejected", "Rejected"), ("sent", "Sent"),
    ("send_failed", "Send failed"), ("reported", "Reported to Procuros"), ("skipped", "Set aside"),
    ("changed_after_sending", "Changed after sending"),
)
#: how a state reads at the end of an entry's name ("INVOICE INV/2026/00012 sent")
STATE_PHRASES = {"received": "received", "imported": "imported", "rejected": "rejected", "sent": "sent",
                 "send_failed": "send failed", "reported": "reported to Procuros", "skipped": "set aside",
                 "changed_after_sending": "changed after sending"}
FAILED_STATES = ("rejected", "send_failed", "reported")
#: outbound records to send again: their latest entry says the send failed or was reported
RETRY_STATES = ("send_failed", "reported")

#: a reason longer than this is cut (the digest is of the whole reason, so identity survives)
MAX_REASON = 2000
_CUT = " [...]"

#: what latest() returns per key
READ_FIELDS = ["x_name", "x_integration", "x_direction", "x_document_type", "x_movement", "x_state", "x_key",
               "x_transaction_id", "x_res_model", "x_res_id", "x_record_name", "x_partner_id", "x_company_id",
               "x_reason", "x_reason_digest", "x_attempt", "x_error_url", "create_date"]


@dataclass(frozen=True)
class LogEntry:
    integration: str
    movement: str
    direction: str            # "in" | "out"
    document_type: str        # ORDER, ORDER_RESPONSE, SHIPPING_NOTICE, INVOICE, CREDIT_NOTE
    state: str                # see STATES
    key: str                  # Procuros transaction id (in) or "<model>,<id>" (out)
    transaction_id: str | None = None
    res_model: str | None = None
    res_id: int | None = None
    record_name: str | None = None
    partner_id: int | None = None
    company_id: int | None = None
    reason: str | None = None
    payload: str | None = None   # the raw JSON, kept whole
    error_url: str | None = None


def reason_digest(reason: str | None) -> str | False:
    """First 12 hex digits of the reason's sha1; False (Odoo's empty) without a reason."""
    if not reason:
        return False
    return hashlib.sha1(reason.encode("utf-8")).hexdigest()[:12]


def truncate_reason(reason: str | None) -> str | False:
    if not reason:
        return False
    return reason if len(reason) <= MAX_REASON else reason[:MAX_REASON - len(_CUT)] + _CUT


def entry_name(entry: LogEntry) -> str:
    subject = entry.record_name or entry.transaction_id or entry.key
    return f"{entry.document_type} {subject} {STATE_PHRASES[entry.state]}"


_ALLOWED = {"direction": {v for v, _ in DIRECTIONS}, "document_type": {v for v, _ in DOCUMENT_TYPES},
            "state": {v for v, _ in STATES}}


def _check(entry: LogEntry) -> None:
    # refused before any call: Odoo would refuse the whole create for one bad value anyway
    for attr, allowed in _ALLOWED.items():
        if getattr(entry, attr) not in allowed:
            raise OdooValueError(f"log entry {entry.key!r}: {attr} {getattr(entry, attr)!r} is not one of "
                                 f"{', '.join(sorted(allowed))}")
    for attr in ("integration", "movement", "key"):
        if not isinstance(getattr(entry, attr), str) or not getattr(entry, attr):
            raise OdooValueError(f"log entry: {attr} must be a non-empty string, got {getattr(entry, attr)!r}")


def _payload(payload: Any) -> str | False:
    if payload is None or payload == "":
        return False
    return payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)


class ExchangeLog:
    """Bulk writer and reader of ``x_procuros_log`` over a gateway (anything with ``search_read``
    and ``create`` like :class:`~procuros_dagster.odoo.gateway.OdooGateway`)."""

    def __init__(self, gateway):
        self.gw = gateway

    # -- writing -----------------------------------------------------------------------------------
    def write(self, entries: Sequence[LogEntry], *, fresh: Iterable[str] = (),
              settled: Iterable[str] = ()) -> list[int]:
        """Log the entries; returns the ids of the records created. One search_read of the
        documents' earlier entries and one create, none for an empty list.

        An entry equal (state and reason) to its document's latest entry is skipped, so a rerun
        writes nothing twice; equal entries within one call are written once. ``x_attempt``
        counts the document's entries, this one included. ``fresh``: keys of documents the caller
        knows to have no entry yet (records sent for the first time): they are not looked up, and
        when every entry is one of them the call is the create alone. ``settled``: keys of documents
        found done before (already imported): a latest entry of the same state stands, whatever its
        reason — the first entry said what was done, the rerun knows no more."""
        entries = list(entries)
        if not entries:
            return []
        for e in entries:
            _check(e)
        fresh, settled = set(fresh), set(settled)
        known = [e for e in entries if e.key not in fresh]
        history = self._history(known) if known else {}
        vals = []
        for e in entries:
            doc = (e.integration, e.movement, e.key)
            count, last = history.get(doc, (0, None))
            sig = (e.state, reason_digest(e.reason))
            if last == sig or (e.key in settled and last is not None and last[0] == e.state):
                continue
            history[doc] = (count + 1, sig)
            vals.append(self._vals(e, count + 1))
        return self.gw.create(LOG_MODEL, vals) if vals else []

    def _history(self, entries: Sequence[LogEntry]) -> dict[tuple, tuple[int, tuple]]:
        """{(integration, movement, key): (number of entries, (state, digest) of the latest)}."""
        rows = self.gw.search_read(LOG_MODEL, [
            ("x_integration", "in", sorted({e.integration for e in entries})),
            ("x_movement", "in", sorted({e.movement for e in entries})),
            ("x_key", "in", sorted({e.key for e in entries})),
        ], ["x_integration", "x_movement", "x_key", "x_state", "x_reason_digest"], order="id asc")
        wanted = {(e.integration, e.movement, e.key) for e in entries}
        out: dict[tuple, tuple[int, tuple]] = {}
        for r in rows:  # the "in" domains cross integrations and movements: keep the real documents
            doc = (r["x_integration"], r["x_movement"], r["x_key"])
            if doc in wanted:
                out[doc] = (out.get(doc, (0, None))[0] + 1, (r["x_state"], r["x_reason_digest"] or False))
        return out

    @staticmethod
    def _vals(e: LogEntry, attempt: int) -> dict[str, Any]:
        return {
            "x_name": entry_name(e), "x_integration": e.integration, "x_direction": e.direction,
            "x_document_type": e.document_type, "x_movement": e.movement, "x_state": e.state, "x_key": e.key,
            "x_transaction_id": e.transaction_id or False, "x_res_model": e.res_model or False,
            "x_res_id": e.res_id or 0, "x_record_name": e.record_name or False,
            "x_partner_id": e.partner_id or False, "x_company_id": e.company_id or False,
            "x_reason": truncate_reason(e.reason), "x_reason_digest": reason_digest(e.reason),
            "x_attempt": attempt, "x_error_url": e.error_url or False, "x_payload": _payload(e.payload),
        }

    # -- reading -----------------------------------------------------------------------------------
    def latest(self, integration: str, movement: str, keys: Iterable[str]) -> dict[str, dict]:
        """{key: latest entry (READ_FIELDS)} for the keys that were logged; one search_read."""
        keys = list(dict.fromkeys(keys))
        if not keys:
            return {}
        rows = self.gw.search_read(LOG_MODEL, [("x_integration", "=", integration), ("x_movement", "=", movement),
                                               ("x_key", "in", keys)], READ_FIELDS, order="id desc")
        out: dict[str, dict] = {}
        for r in rows:
            out.setdefault(r["x_key"], r)
        return out

    def logged(self, integration: str, movement: str,
               pairs: Iterable[tuple[str, str, str | None]]) -> set[tuple[str, str, str | None]]:
        """Which of these (key, state, reason) were ever logged (at any time, not only last);
        one search_read. Lets a flow report a failure once per record and reason."""
        pairs = list(dict.fromkeys(pairs))
        if not pairs:
            return set()
        rows = self.gw.search_read(LOG_MODEL, [
            ("x_integration", "=", integration), ("x_movement", "=", movement),
            ("x_key", "in", sorted({k for k, _, _ in pairs})), ("x_state", "in", sorted({s for _, s, _ in pairs})),
        ], ["x_key", "x_state", "x_reason_digest"])
        seen = {(r["x_key"], r["x_state"], r["x_reason_digest"] or False) for r in rows}
        return {p for p in pairs if (p[0], p[1], reason_digest(p[2])) in seen}

    def failed_record_ids(self, integration: str, movement: str, res_model: str) -> list[int]:
        """Ids of ``res_model`` records whose latest entry is send_failed or reported: the
        outbound retry list. Two search_reads: the records that ever failed, then those records'
        entries, so the whole history of successful sends is never read."""
        domain = [("x_integration", "=", integration), ("x_movement", "=", movement),
                  ("x_res_model", "=", res_model)]
        failed = self.gw.search_read(LOG_MODEL, domain + [("x_state", "in", list(RETRY_STATES))], ["x_res_id"])
        candidates = sorted({r["x_res_id"] for r in failed if r["x_res_id"]})
        if not candidates:
            return []
        rows = self.gw.search_read(LOG_MODEL, domain + [("x_res_id", "in", candidates)], ["x_res_id", "x_state"],
                                   order="id desc")
        latest: dict[int, str] = {}
        for r in rows:
            latest.setdefault(r["x_res_id"], r["x_state"])
        return sorted(rid for rid, state in latest.items() if state in RETRY_STATES)
