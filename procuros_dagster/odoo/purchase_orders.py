"""Our purchase orders as order responses find and change them: the reader (one batched read per
kind and chunk) and the writer (line changes, confirmations, bindings, chatter).

Idempotency: a response is bound (``order_response_<transaction id>`` → the purchase order) after
it was applied, and so is the response itself (``order_response_doc_<supplier, order and number>``):
a supplier resending it under a new transaction id finds it applied and is told so. No claim is taken first, as the sales orders' creates need: nothing is created
here, and every write is idempotent by itself — the line values are absolute (quantity 8, not
"2 less"), ``button_confirm`` passes over an order already confirmed, a REJECT writes nothing.
A run that dies between the write and the binding leaves the response pending; the next run
finds the values in (nothing left to write; a CHANGE to the now confirmed order whose lines carry
them is settled, not refused), confirms what is not confirmed yet and binds it. The chatter note
is posted after the binding, so a crash can lose a note but never post one twice.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from typing import Sequence

import pandas as pd

from procuros_dagster.mapping import order_responses_in as orr
from procuros_dagster.mapping.odoo_values import m2o_id
from procuros_dagster.odoo.binder import Binder
from procuros_dagster.odoo.errors import OdooRpcError

log = logging.getLogger(__name__)

MODEL = "purchase.order"
LINE_MODEL = "purchase.order.line"
BINDING_PREFIX = "order_response"
ORDER_FIELDS = ["id", "name", "state", "receipt_status", "partner_id", "company_id"]
LINE_FIELDS = ["id", "order_id", "sequence", "display_type", "product_id", "product_qty", "product_uom",
               "price_unit", "date_planned"]


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None


def _unique(values) -> list:
    return sorted({v for v in values if isinstance(v, str) and v})


@dataclass(frozen=True)
class RunLookups:
    uoms: pd.DataFrame
    uom_overrides: dict[str, int]
    scope: str  # the integration's binding prefix


def run_lookups(gateway, settings, integration) -> RunLookups:
    uoms = [{"id": u["id"], "name": u.get("name") or "", "category_id": m2o_id(u.get("category_id")),
             "factor": u.get("factor") or 1.0, "x_procuros_unit_code": _text(u.get("x_procuros_unit_code"))}
            for u in gateway.uoms()]
    overrides = gateway.unit_code_overrides(settings.uom_codes)
    return RunLookups(orr.frame(orr.UOMS, uoms), overrides, integration.prefix)


def line_numbers(lines: list[dict]) -> list[tuple[dict, int]]:
    """Each product line of one order with its number as the order was sent: 1, 2, … in the order's
    own order (sequence, id); section and note lines carry none."""
    products = sorted((ln for ln in lines if not ln.get("display_type")), key=lambda ln: (ln.get("sequence") or 0, ln["id"]))
    return [(ln, n) for n, ln in enumerate(products, start=1)]


def fetch_lookups(gateway, norm: orr.Normalised, settings, integration, per_run: RunLookups | None = None) -> orr.Lookups:
    """Purchase orders by name, their suppliers, lines and products, and bindings: one read each."""
    per_run = per_run or run_lookups(gateway, settings, integration)
    names = _unique(norm.headers["order_identifier"])
    orders = gateway.search_read(MODEL, [("name", "in", names)], ORDER_FIELDS) if names else []
    partner_ids = sorted({m2o_id(o.get("partner_id")) for o in orders} - {None})
    partners = gateway.read("res.partner", partner_ids, ["commercial_partner_id", "ref"]) if partner_ids else []
    commercial = {p["id"]: m2o_id(p.get("commercial_partner_id")) or p["id"] for p in partners}
    refs = {p["id"]: _text(p.get("ref")) for p in partners}
    # POs are mostly to the supplier company itself; a contact's company is read only when needed
    parents = sorted(set(commercial.values()) - set(refs))
    refs.update({p["id"]: _text(p.get("ref")) for p in gateway.read("res.partner", parents, ["ref"])} if parents else {})
    lines = gateway.search_read(LINE_MODEL, [("order_id", "in", [o["id"] for o in orders])], LINE_FIELDS) if orders else []
    product_ids = sorted({m2o_id(ln.get("product_id")) for ln in lines} - {None})
    products = {p["id"]: p for p in gateway.read("product.product", product_ids, ["display_name", "barcode"])} \
        if product_ids else {}
    by_order: dict[int, list[dict]] = {}
    for ln in lines:
        by_order.setdefault(m2o_id(ln.get("order_id")), []).append(ln)
    line_rows = []
    for order_id, order_lines in by_order.items():
        for ln, n in line_numbers(order_lines):
            product = products.get(m2o_id(ln.get("product_id"))) or {}
            line_rows.append({
                "id": ln["id"], "order_id": order_id, "line_number": n,
                "product": product.get("display_name"), "barcode": _text(product.get("barcode")),
                "product_qty": ln.get("product_qty") or 0.0, "product_uom": m2o_id(ln.get("product_uom")),
                "price_unit": ln.get("price_unit") or 0.0,
                # Odoo keeps datetimes naive in UTC
                "date_planned": pd.Timestamp(ln["date_planned"], tz="UTC") if ln.get("date_planned") else None,
            })
    order_rows = [{
        "id": o["id"], "name": o["name"], "state": o["state"], "receipt_status": _text(o.get("receipt_status")),
        "partner_id": m2o_id(o.get("partner_id")),
        "supplier_gln": refs.get(commercial.get(m2o_id(o.get("partner_id")))),
        "company_id": m2o_id(o.get("company_id")),
    } for o in orders]
    binder = Binder(gateway, BINDING_PREFIX, per_run.scope)
    heads = norm.headers.to_dict("records")
    documents = [orr.document_key(h["supplier_gln"], h["order_identifier"], h["response_identifier"]) for h in heads]
    found = binder.find([h["transaction_id"] for h in heads] + documents, MODEL) if heads else {}
    keys = set(documents)
    bound = {k: res_id for k, (_, res_id) in found.items() if k not in keys}
    return orr.Lookups(orders=orr.frame(orr.PURCHASE_ORDERS, order_rows), lines=orr.frame(orr.PURCHASE_LINES, line_rows),
                       uoms=per_run.uoms, uom_overrides=per_run.uom_overrides, bound=bound,
                       documents={k: res_id for k, (_, res_id) in found.items() if k in keys})


# --- the writer -------------------------------------------------------------------------------

@dataclass
class OrderResponseOutcome:
    transaction_id: str
    order_identifier: str | None
    status: str  # confirmed | changed | rejected_by_supplier | already_confirmed | superseded | already_imported | failed
    response_type: str | None = None
    order_id: int | None = None
    order_name: str | None = None
    log_reason: str | None = None  # what the Logs entry says happened
    error: str | None = None
    error_type: str = "INTERNAL"

    record_id = property(lambda self: self.order_id)
    record_name = property(lambda self: self.order_name)

    @staticmethod
    def columns() -> list[str]:
        return ["transaction_id", "order_identifier", "status", "response_type", "order_id", "order_name",
                "log_reason", "error", "error_type"]

    def as_row(self) -> dict:
        return {c: getattr(self, c) for c in self.columns()}

    @property
    def ack_context(self) -> dict[str, str] | None:
        """The acknowledgement's word beyond success: a resend was recognised, not applied again."""
        if self.status == "already_imported" and self.log_reason:
            return {"outcome": "already applied", "reason": self.log_reason}
        return None


def _supplier_words(w: orr.OrderResponseWrite) -> str:
    return f": {w.comments}" if w.comments else " (no reason given)"


def _log_reason(w: orr.OrderResponseWrite) -> str | None:
    if w.status == "change":
        changed = "; ".join(w.changes) if w.changes else "no value differs from the order"
        return f"Confirmed with the supplier's changes ({w.response_identifier}): {changed}"
    if w.status == "reject":
        return f"Rejected by the supplier ({w.response_identifier}){_supplier_words(w)}; {w.note or 'the order stays unconfirmed'}"
    if w.status in ("already_confirmed", "superseded"):
        return w.note
    return None


def _chatter(w: orr.OrderResponseWrite) -> str:
    head = "Order response <b>{}</b> ({}) from Procuros transaction {}".format(
        html.escape(w.response_identifier), w.response_type, html.escape(w.transaction_id))
    if w.status == "change":
        items = "".join(f"<li>{html.escape(c)}</li>" for c in w.changes) or "<li>no value differs from the order</li>"
        return f"<p>{head}: confirmed with the supplier's changes:</p><ul>{items}</ul>"
    if w.status == "reject":
        reason = html.escape(w.comments) if w.comments else "no reason given"
        after = html.escape(w.note) if w.note else "It stays unconfirmed"
        return f"<p>{head}: <b>the supplier rejected the order</b> ({reason}). {after}.</p>"
    return f"<p>{head}: confirmed by the supplier.</p>"


def _write_lines(gateway, writes: list[orr.OrderResponseWrite]) -> dict[str, str]:
    """The lines' new values, one write per distinct set of values (a day's changes often share a
    date); {transaction id: error} of the responses Odoo refused."""
    groups: dict[tuple, list[tuple[str, int]]] = {}
    for w in writes:
        for line_id, vals in w.line_vals:
            groups.setdefault(tuple(sorted(vals.items())), []).append((w.transaction_id, line_id))
    failed: dict[str, str] = {}
    for vals, members in groups.items():
        try:
            gateway.write(LINE_MODEL, [line_id for _, line_id in members], dict(vals))
        except OdooRpcError as exc:
            for tid, line_id in members:  # one by one: only the refused line's response fails
                try:
                    gateway.write(LINE_MODEL, [line_id], dict(vals))
                except OdooRpcError as one:
                    failed.setdefault(tid, f"Odoo refused the supplier's changes: {one.message}")
            log.warning("Odoo refused a batch of order response line changes: %s", exc.message)
    return failed


def _confirm(gateway, ids: list[int]) -> dict[int, str]:
    """button_confirm on all at once; a refused batch is halved to find the order(s) Odoo refuses."""
    if not ids:
        return {}
    try:
        gateway.confirm_purchase_orders(ids)
        return {}
    except OdooRpcError as exc:
        if len(ids) == 1:
            return {ids[0]: f"Odoo refused to confirm the order: {exc.message}"}
    middle = len(ids) // 2
    return {**_confirm(gateway, ids[:middle]), **_confirm(gateway, ids[middle:])}


def write_order_responses(gateway, writes: Sequence[orr.OrderResponseWrite], *, binder: Binder,
                          chunk_size: int = 200) -> list[OrderResponseOutcome]:
    writes = list(writes)
    targets = sorted({w.target_order_id for w in writes})
    # the state now, not at resolve time: someone may have confirmed or cancelled the order since
    current = {r["id"]: r for r in gateway.read(MODEL, targets, ["name", "state"])} if targets else {}
    outcomes: dict[str, OrderResponseOutcome] = {}

    def outcome(w, status, **kw):
        outcomes[w.transaction_id] = OrderResponseOutcome(
            w.transaction_id, w.order_identifier, status, w.response_type, w.target_order_id,
            (current.get(w.target_order_id) or {}).get("name"), **kw)

    active = []
    for w in writes:
        state = (current.get(w.target_order_id) or {}).get("state")
        if w.status == "already_imported":
            outcome(w, "already_imported", log_reason=w.note)  # a resend says so
        elif state is None:
            outcome(w, "failed", error=f"Purchase order {w.order_identifier} was deleted in Odoo", error_type="DATA")
        elif w.status in ("confirm", "change") and state not in orr.OPEN_STATES:
            if w.status == "confirm" and state == "purchase":
                outcome(w, "already_confirmed", log_reason=f"{w.order_identifier} was already confirmed")
            else:
                outcome(w, "failed", error_type="DATA",
                        error=f"Order response for order {w.order_identifier}: the purchase order is no longer "
                              f"awaiting confirmation (state {state}); the response was not applied")
        else:
            active.append(w)
    changes = [w for w in active if w.status == "change"]
    refused = _write_lines(gateway, changes)
    to_confirm = [w for w in active if w.status in ("confirm", "change") and w.transaction_id not in refused]
    not_confirmed = {}
    for start in range(0, len(to_confirm), max(1, chunk_size)):
        chunk = to_confirm[start:start + chunk_size]
        not_confirmed.update(_confirm(gateway, sorted({w.target_order_id for w in chunk})))
    done = {"confirm": "confirmed", "change": "changed", "reject": "rejected_by_supplier",
            "already_confirmed": "already_confirmed", "superseded": "superseded"}
    for w in active:
        if w.transaction_id in refused:
            outcome(w, "failed", error=refused[w.transaction_id])
        elif w.target_order_id in not_confirmed and w.status in ("confirm", "change"):
            outcome(w, "failed", error=not_confirmed[w.target_order_id])
        else:
            outcome(w, done[w.status], log_reason=_log_reason(w))
    applied = [o for o in outcomes.values() if o.status != "failed"]
    if applied:
        keys = {w.transaction_id: w.document_key for w in writes}
        binder.bind([(o.transaction_id, MODEL, o.order_id) for o in applied]
                    + [(keys[o.transaction_id], MODEL, o.order_id) for o in applied if keys[o.transaction_id]])
    fresh = {o.transaction_id for o in applied if o.status in ("confirmed", "changed", "rejected_by_supplier")}
    if fresh:
        try:
            gateway.post_messages(MODEL, [(w.target_order_id, _chatter(w)) for w in active if w.transaction_id in fresh])
        except OdooRpcError as exc:  # the responses are applied and bound; the Logs still say what happened
            log.warning("Odoo refused the order responses' chatter notes: %s", exc.message)
    return [outcomes[w.transaction_id] for w in writes]


def rejected_orders(outcomes) -> list[dict]:
    """The orders the supplier refused in these outcomes, for the asset check."""
    return [{"order": o.order_name or o.order_identifier, "transaction_id": o.transaction_id, "reason": o.log_reason}
            for o in outcomes if o.status == "rejected_by_supplier"]
