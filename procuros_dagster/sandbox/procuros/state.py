"""In-memory state of the Procuros sandbox: queues, history, sends, acknowledgements.

All methods take the state lock; the HTTP handler threads and the test thread share it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from . import contract

BERLIN = ZoneInfo("Europe/Berlin")
# (sender role, receiver role) of a document a connection sends.  Procuros routes by these parties
# (API-NOTES §2.5); the five core documents' directions are documented, the others are read from
# their header's role names (the goods owner instructs its logistics provider, and so on).
ROUTING = {
    "ORDER": ("buyer", "supplier"),
    "ORDER_RESPONSE": ("supplier", "buyer"),
    "SHIPPING_NOTICE": ("supplier", "buyer"),
    "INVOICE": ("supplier", "buyer"),
    "CREDIT_NOTE": ("supplier", "buyer"),
    "DISPATCH_INSTRUCTION": ("supplier", "shipFrom"),
    "DISPATCH_INSTRUCTION_RESPONSE": ("shipFrom", "supplier"),
    "RECEIVAL_NOTICE": ("customer", "supplier"),
    "REMITTANCE_ADVICE": ("buyer", "supplier"),
    "PRODUCT_CATALOG": ("sender", "receiver"),
    "INVENTORY_REPORT": ("warehouse", "goodsOwner"),
    "SALES_REPORT": ("buyer", "supplier"),
}
_TID = re.compile(rb'"procurosTransactionId"\s*:\s*"([^"\\]+)"')
UNRESOLVED = "Could not resolve party using provided identifiers"  # the spec's 422 example
PORTAL = "https://portal.procuros-sandbox.invalid"


def _glns(party: Any) -> list[str]:
    if not isinstance(party, dict):
        return []
    return [str(ident["identifier"]) for ident in party.get("identifiers") or []
            if isinstance(ident, dict) and ident.get("domain", "GS1") == "GS1" and ident.get("identifier")]


def canonical_hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"after:{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """Opaque to clients; raises ValueError when garbled."""
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    prefix, _, seq = raw.partition(":")
    if prefix != "after":
        raise ValueError(cursor)
    return int(seq)


@dataclass(frozen=True)
class RawItem:
    """A queue item served byte for byte as it was enqueued (broken JSON, bad encodings)."""
    data: bytes


def encode_json(payload: Any) -> bytes:
    """JSON bytes of a response, with any RawItem in a page's ``items`` spliced in verbatim."""
    items = payload.get("items") if isinstance(payload, dict) else None
    raws = {f"\x00raw{i}\x00": it.data for i, it in enumerate(items or []) if isinstance(it, RawItem)}
    if not raws:
        return json.dumps(payload, ensure_ascii=False).encode()
    marks = iter(raws)
    payload = dict(payload, items=[next(marks) if isinstance(it, RawItem) else it for it in items])
    data = json.dumps(payload, ensure_ascii=False).encode()
    for mark, raw in raws.items():
        data = data.replace(json.dumps(mark).encode(), raw, 1)
    return data


@dataclass
class Record:
    id: str
    seq: int
    type: str
    content: dict[str, Any]
    receiver_gln: str | None
    sender_gln: str | None
    flow: str
    created_at: datetime
    status: str = "PENDING"
    replaces: str | None = None
    replaced_by: str | None = None
    raw: bytes | None = None  # served verbatim instead of the fields above (enqueue_raw)

    def received(self) -> dict[str, Any] | RawItem:
        if self.raw is not None:
            return RawItem(self.raw)
        return {
            "procurosTransactionId": self.id,
            "type": self.type,
            "content": self.content,
            "isLatestVersion": self.replaced_by is None,
            "replacesProcurosTransactionId": self.replaces,
            "replacedByProcurosTransactionId": self.replaced_by,
        }

    def transaction(self) -> dict[str, Any]:
        if self.raw is not None:  # the history shows what it could read of it
            return {"procurosTransactionId": self.id, "type": self.type, "content": self.content,
                    "isLatestVersion": True, "replacesProcurosTransactionId": None,
                    "replacedByProcurosTransactionId": None, "status": self.status, "flow": self.flow,
                    "createdAt": self.created_at.isoformat(timespec="seconds")}
        return dict(self.received(), status=self.status, flow=self.flow,
                    createdAt=self.created_at.isoformat(timespec="seconds"))


@dataclass
class SendResult:
    http_status: int
    body: dict[str, Any]


@dataclass
class SandboxState:
    own_gln: str
    known: set[str] = field(default_factory=set)  # GLNs that exist on the network besides ours
    partners: set[str] | None = None          # connected ones; None: every known party is connected
    inactive: set[str] = field(default_factory=set)  # receivers whose relationship answers 202
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.records: dict[str, Record] = {}
            self.queues: dict[str, list[str]] = {}
            self.acknowledgements: dict[str, dict[str, Any]] = {}
            self.ack_counts: Counter[str] = Counter()  # transaction id -> times it was marked processed
            self.sent: list[dict[str, Any]] = []
            self.reported_errors: list[dict[str, Any]] = []
            self.hashes: set[str] = set()
            self.copies: dict[str, list[str]] = {}  # record keys of an id enqueued raw more than once
            self.call_counts: Counter[str] = Counter()
            self._seq = 0

    # --- test hooks -------------------------------------------------------------------

    def _new_record(self, **kw: Any) -> Record:
        self._seq += 1
        rec = Record(id=str(uuid.uuid4()), seq=self._seq, **kw)
        self.records[rec.id] = rec
        return rec

    def enqueue(self, type: str, content: dict[str, Any], *, receiver_gln: str | None = None,
                flow: str = "LIVE", created_at: datetime | str | None = None,
                replaces: str | None = None) -> str:
        if isinstance(created_at, str):
            created_at = datetime.fromisoformat(created_at)
        if created_at is not None and created_at.tzinfo is None:
            created_at = created_at.replace(tzinfo=BERLIN)
        receiver = receiver_gln or self.own_gln
        with self.lock:
            rec = self._new_record(type=type, content=content, receiver_gln=receiver, sender_gln=None,
                                   flow=flow, created_at=created_at or datetime.now(BERLIN), replaces=replaces)
            if replaces:
                old = self.records[replaces]
                old.replaced_by = rec.id
                # Procuros prunes superseded versions from the pending queue (API-NOTES §4.4)
                for queue in self.queues.values():
                    if replaces in queue:
                        queue.remove(replaces)
            self.queues.setdefault(receiver, []).append(rec.id)
            return rec.id

    def enqueue_raw(self, item: Any, *, flow: str = "LIVE", created_at: datetime | None = None) -> str:
        """Queue an item exactly as given: a dict (the transaction as listed, its own
        ``procurosTransactionId`` kept), or str/bytes served verbatim, broken JSON included.
        The same id enqueued twice is listed twice, as a queue with duplicates would list it."""
        data = item if isinstance(item, bytes) else item.encode() if isinstance(item, str) else None
        parsed = item if data is None else None
        if data is not None:
            try:
                parsed = json.loads(data)
            except ValueError:
                parsed = None
        found = _TID.search(data if data is not None else json.dumps(item).encode())
        tid = parsed.get("procurosTransactionId") if isinstance(parsed, dict) else None
        tid = tid if isinstance(tid, str) else found.group(1).decode() if found else str(uuid.uuid4())
        parsed = parsed if isinstance(parsed, dict) else {}
        with self.lock:
            self._seq += 1
            key = tid if tid not in self.records else f"{tid}#{self._seq}"
            self.copies.setdefault(tid, [tid] if tid in self.records else []).append(key)
            rec = Record(id=tid, seq=self._seq, type=str(parsed.get("type") or "ORDER"),
                         content=parsed.get("content"), receiver_gln=self.own_gln, sender_gln=None,
                         flow=flow, created_at=created_at or datetime.now(BERLIN),
                         raw=data if data is not None else json.dumps(item, ensure_ascii=False).encode())
            self.records[key] = rec
            self.queues.setdefault(self.own_gln, []).append(key)
            return tid

    def pending(self, gln: str | None = None) -> list[dict[str, Any]]:
        """What the queue lists (items enqueued raw as their parsed JSON, or their bytes)."""
        with self.lock:
            return [self._readable(self.records[i]) for i in self.queues.get(gln or self.own_gln, [])]

    @staticmethod
    def _readable(rec: Record) -> Any:
        if rec.raw is None:
            return rec.received()
        try:
            return json.loads(rec.raw)
        except ValueError:
            return rec.raw.decode("utf-8", "replace")

    # --- API behaviour ----------------------------------------------------------------

    def resolve(self, party: Any) -> str | None:
        """The GLN a party resolves to: ours or a known trade partner's; None when none is."""
        return next((g for g in _glns(party) if g == self.own_gln or g in self.known), None)

    def _visible(self, rec: Record) -> bool:
        return self.own_gln in (rec.receiver_gln, rec.sender_gln)

    def list_pending(self, type: str | None, after: int, per_page: int) -> tuple[list[dict], int | None]:
        with self.lock:
            recs = [self.records[i] for i in self.queues.get(self.own_gln, [])]
            return self._page([r for r in recs if (type is None or r.type == type) and r.seq > after],
                              per_page, "received")

    def list_all(self, filters: dict[str, Any], after: int, per_page: int) -> tuple[list[dict], int | None]:
        between: tuple[date, date] | None = filters.get("created_between")
        with self.lock:
            recs = sorted((r for r in self.records.values() if self._visible(r) and r.seq > after),
                          key=lambda r: r.seq)
            recs = [r for r in recs
                    if all(filters.get(k) in (None, getattr(r, k)) for k in ("type", "flow", "status"))
                    and (between is None or between[0] <= r.created_at.astimezone(BERLIN).date() <= between[1])]
            return self._page(recs, per_page, "transaction")

    @staticmethod
    def _page(recs: list[Record], per_page: int, view: str) -> tuple[list[dict], int | None]:
        page = recs[:per_page]
        more = len(recs) > per_page
        return [getattr(r, view)() for r in page], (page[-1].seq if more else None)

    def show(self, transaction_id: str) -> dict[str, Any] | None:
        with self.lock:
            rec = self.records.get(transaction_id)
            return rec.transaction() if rec and self._visible(rec) else None

    def markable(self, transaction_id: str) -> bool:
        """Whether this account received that transaction (only those can be marked processed)."""
        with self.lock:
            rec = self.records.get(transaction_id)
            return rec is not None and rec.receiver_gln == self.own_gln

    def mark(self, transaction_id: str, ack: dict[str, Any]) -> dict[str, Any] | None:
        """Record an acknowledgement; None when the transaction is unknown to this account."""
        with self.lock:
            if not self.markable(transaction_id):
                return None
            queue = self.queues.get(self.own_gln, [])
            for key in self.copies.get(transaction_id, [transaction_id]):  # every copy listed
                if key in queue:
                    queue.remove(key)
                self.records[key].status = "SUCCESS" if ack["success"] else "FAILED"
            self.ack_counts[transaction_id] += 1
            self.acknowledgements[transaction_id] = {
                "success": ack["success"], "errorType": ack.get("errorType"),
                "errorReason": ack.get("errorReason"), "errorContext": ack.get("errorContext"),
            }
            result: dict[str, Any] = {"message": "OK."}
            if not ack["success"]:
                result["errorUrl"] = f"{PORTAL}/transactions/{transaction_id}/errors"
            return result

    def receive_send(self, body: Any) -> SendResult:
        error_url = f"{PORTAL}/errors/{uuid.uuid4()}"
        ttype = body.get("type") if isinstance(body, dict) else None
        content = body.get("content") if isinstance(body, dict) else None
        errors = (contract.document_errors(ttype, content) if isinstance(ttype, str)
                  else {"type": ["The type field is required."]})
        entry: dict[str, Any] = {"type": ttype, "content": content, "transaction_id": None, "errors": errors}
        with self.lock:
            self.sent.append(entry)
            if errors:
                return self._send_result(entry, 422, "INVALID", {
                    "message": "The given data was invalid.", "errors": errors, "errorUrl": error_url})
            digest = canonical_hash({"type": ttype, "content": content})
            if digest in self.hashes:
                return self._send_result(entry, 400, "ALREADY_RECEIVED",
                                         {"message": "Payload already received", "errorUrl": error_url})
            sender_role, role = ROUTING[ttype]
            sender = self.resolve(content["header"].get(sender_role))
            receiver = self.resolve(content["header"].get(role))
            if sender != self.own_gln:  # a connection sends only in its own name
                errors[sender_role] = [UNRESOLVED]
            if receiver is None or receiver == self.own_gln or (self.partners is not None and receiver not in self.partners):
                errors[role] = [UNRESOLVED]
            elif ttype == "ORDER_RESPONSE":
                errors.update(self._unanswered_lines(content, receiver))
            if errors:
                entry["errors"] = errors
                return self._send_result(entry, 422, "INVALID", {
                    "message": "The given data was invalid.", "errors": errors, "errorUrl": error_url})
            self.hashes.add(digest)
            rec = self._new_record(type=ttype, content=content, receiver_gln=receiver, sender_gln=sender,
                                   flow="LIVE", created_at=datetime.now(BERLIN))
            entry["transaction_id"] = rec.id
            if receiver in self.inactive:
                rec.status = "DROPPED"
                return self._send_result(entry, 202, "NO_ACTION", {
                    "message": "Trade relationship not yet active.", "procurosTransactionId": rec.id})
            rec.status = "SUCCESS"
            return self._send_result(entry, 201, "TRANSMITTED", {"procurosTransactionId": rec.id})

    def _unanswered_lines(self, content: dict[str, Any], buyer: str) -> dict[str, list[str]]:
        """A CHANGE "must contain ALL order line items" (OrderResponse.items): checked against the
        buyer's ORDER when it came through this sandbox (its latest version)."""
        header = content["header"]
        if header.get("type") != "CHANGE":
            return {}
        orders = [r for r in self.records.values() if r.type == "ORDER" and r.raw is None and r.replaced_by is None
                  and r.receiver_gln == self.own_gln and buyer in _glns((r.content.get("header") or {}).get("buyer"))
                  and (r.content.get("header") or {}).get("orderIdentifier") == header.get("orderIdentifier")]
        if not orders:
            return {}
        order = max(orders, key=lambda r: r.seq)
        lines = {it.get("lineNumber", n) for n, it in enumerate(order.content.get("items") or [], start=1)
                 if isinstance(it, dict)}
        answered = {it.get("orderLineNumber") for it in content.get("items") or [] if isinstance(it, dict)}
        missing = sorted(n for n in lines - answered if isinstance(n, int))
        if not missing:
            return {}
        return {"content.items": [f"The content.items field must contain all order line items; order "
                                  f"{header.get('orderIdentifier')} line(s) {', '.join(map(str, missing))} missing."]}

    @staticmethod
    def _send_result(entry: dict[str, Any], status: int, outcome: str, body: dict[str, Any]) -> SendResult:
        entry.update(http_status=status, outcome=outcome, error_url=body.get("errorUrl"))
        return SendResult(status, body)

    def report_error(self, body: dict[str, Any]) -> str:
        with self.lock:
            url = f"{PORTAL}/errors/{uuid.uuid4()}"
            self.reported_errors.append(dict(body, errorUrl=url))
            return url

    def snapshot(self) -> dict[str, Any]:
        """JSON view for the cross-process control endpoint."""
        with self.lock:
            return {
                "sent": list(self.sent), "acknowledgements": dict(self.acknowledgements),
                "reported_errors": list(self.reported_errors), "pending": self.pending(),
                "call_counts": dict(self.call_counts),
            }


def ids(items: Iterable[dict[str, Any]]) -> list[str]:
    return [i["procurosTransactionId"] for i in items]
