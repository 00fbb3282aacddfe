"""Inbound shipping notices: a supplier's SHIPPING_NOTICE → the receipt of our purchase order (pure).

1. :func:`normalise_shipping_notices` — raw transactions → ``Normalised(headers, lines, rejects)``:
   one line per shipped item, or per batch of an item, with the SSCC of its transport unit
2. :func:`resolve_shipping_notices` — + Odoo look-ups (odoo/receipts.py) → ``Resolved``: the
   purchase order (our PO name + the supplier), its open receipt, each line's move and the
   quantity converted into the move's unit (Odoo keeps moves in the product's unit)
3. :func:`build_receipt_writes` — ``Resolved`` → ``ReceiptWrite`` per notice

A notice is one order's: items naming another order than the header (or each other) are
rejected, as are unknown orders and products, receipts already done and quantities beyond what
is still open — always with a reason the supplier can act on.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field

import pandas as pd
import pandera.pandas as pa

from . import reasons
from .documents import header_party_gln, identifier as _item_id, party_gln as _gln, records_by, text as _text
from .identifiers import gtin_key
from .orders_in_normalise import parse_procuros_datetime
from .schemas_in import _bool, _float, _int, _str, frame
from .units import UNIT_CODES, convert, uom_for_code

DATA, INTERNAL = reasons.DATA, reasons.INTERNAL
EPSILON = 1e-6
OPEN_RECEIPT = ("draft", "waiting", "confirmed", "assigned")  # not done, not cancelled

# --- schemas ---------------------------------------------------------------------------------

HEADERS = pa.DataFrameSchema(
    {
        "transaction_id": _str(unique=True),
        "notice_identifier": _str(),
        "order_identifier": _str(),
        "supplier_gln": _str(),
        "supplier_name": _str(nullable=True),
        "buyer_gln": _str(nullable=True),
        "notice_date": _str(nullable=True),  # ISO date, Europe/Berlin
        "line_count": _int(),
    },
    strict=True, ordered=True, name="ShippingNoticeHeaders",
)
LINES = pa.DataFrameSchema(
    {
        "transaction_id": _str(),
        "line_number": _int(),
        "gtin": _str(nullable=True),
        "buyer_item_id": _str(nullable=True),
        "quantity": _float(checks=[pa.Check.gt(0)]),
        "unit_code": _str(nullable=True, checks=[pa.Check.isin(UNIT_CODES)]),
        "lot": _str(nullable=True),
        "expiry": _str(nullable=True),  # ISO date
        "sscc": _str(nullable=True),
    },
    strict=True, ordered=True, name="ShippingNoticeLines",
)
REJECTS = pa.DataFrameSchema(
    {
        "transaction_id": _str(unique=True),
        "notice_identifier": _str(nullable=True),
        "supplier_gln": _str(nullable=True),
        "error_type": _str(checks=[pa.Check.isin([DATA, INTERNAL])]),
        "reason": _str(),
    },
    strict=True, ordered=True, name="ShippingNoticeRejects",
)
RESOLVED_HEADERS = pa.DataFrameSchema(
    {
        "transaction_id": _str(unique=True),
        # applied: an interrupted run set its lines but did not bind it (finished, not set again)
        "status": _str(checks=[pa.Check.isin(["update", "already_imported", "applied"])]),
        "notice_identifier": _str(),
        "order_identifier": _str(),
        "supplier_gln": _str(),
        "partner_id": _int(nullable=True),
        "company_id": _int(nullable=True),
        "order_id": _int(nullable=True),
        "picking_id": _int(),
        "picking_name": _str(nullable=True),
        "line_count": _int(),
    },
    strict=True, ordered=True, name="ResolvedShippingNotices",
)
RESOLVED_LINES = pa.DataFrameSchema(
    {
        "transaction_id": _str(),
        "line_number": _int(),
        "move_id": _int(),
        "product_id": _int(),
        "product": _str(),  # its name, for the receipt's chatter note
        "uom_id": _int(),
        "unit": _str(),
        "quantity": _float(checks=[pa.Check.gt(0)]),  # in the move's unit
        "replace": _bool(),  # the move's lines are Odoo's reservation, not an earlier notice's
        "lot": _str(nullable=True),
        "expiry": _str(nullable=True),
        "sscc": _str(nullable=True),
    },
    strict=True, ordered=True, name="ResolvedShippingNoticeLines",
)
SUMMARY = pa.DataFrameSchema(
    {
        "transaction_id": _str(),
        "notice_identifier": _str(nullable=True),
        "order_identifier": _str(nullable=True),
        "receipt": _str(nullable=True),
        "lines": _int(nullable=True),
        "status": _str(),
        "reason": _str(nullable=True),
    },
    strict=True, ordered=True, name="ShippingNoticeSummary",
)


@dataclass(frozen=True)
class Normalised:
    headers: pd.DataFrame
    lines: pd.DataFrame
    rejects: pd.DataFrame


@dataclass(frozen=True)
class Resolved:
    headers: pd.DataFrame
    lines: pd.DataFrame
    rejects: pd.DataFrame


# --- reasons (the supplier reads them in Procuros) ---------------------------------------------

def _n(notice: str | None) -> str:
    return f"Shipping notice {notice}" if notice else "Shipping notice"


def not_a_shipping_notice(kind: object) -> str:
    return f"Not a shipping notice (type {kind!r}); only SHIPPING_NOTICE documents are imported here"


def missing_field(notice: str | None, path: str) -> str:
    return f"{_n(notice)}: {path} is missing; it is required"


def not_addressed_to_us(notice: str | None, buyer_gln: str | None, own_gln: str) -> str:
    return f"{_n(notice)}: addressed to buyer {buyer_gln or '(none)'}, not to us ({own_gln}); send it to its buyer"


def several_orders(notice: str | None, orders: list[str]) -> str:
    return (f"{_n(notice)}: its items name several purchase orders ({', '.join(orders)}); "
            "send one shipping notice per purchase order")


def bad_quantity(notice: str | None, line: int, value: object) -> str:
    return f"{_n(notice)}, item {line}: shippedQuantity {value!r} is not a number of zero or more"


def batches_do_not_add_up(notice: str | None, line: int, total: float, shipped: float) -> str:
    return f"{_n(notice)}, item {line}: its batches add up to {total:g}, but shippedQuantity is {shipped:g}"


def bad_batch(notice: str | None, line: int, problem: str) -> str:
    return f"{_n(notice)}, item {line}: {problem}"


def unknown_unit(notice: str | None, line: int, code: object) -> str:
    return f"{_n(notice)}, item {line}: unit of measure {code!r} is not a Procuros unit code"


def nothing_shipped(notice: str | None) -> str:
    return f"{_n(notice)}: no item has a shipped quantity above zero; there is nothing to receive"


def supplier_unknown(notice: str | None, gln: str, name: str | None) -> str:
    who = f"{name} ({gln})" if name else gln
    return f"{_n(notice)}: the supplier {who} is not known in Odoo; ask the buyer to set your GLN on your contact"


def order_unknown(notice: str | None, order: str) -> str:
    return (f"{_n(notice)}: purchase order {order} is not known in Odoo; "
            "check the order number (orderIdentifier) against our purchase order")


def order_of_other_supplier(notice: str | None, order: str) -> str:
    return f"{_n(notice)}: purchase order {order} was not placed with you; check the order number"


def order_not_confirmed(notice: str | None, order: str, state: str) -> str:
    return (f"{_n(notice)}: purchase order {order} is not confirmed (it is {state}); "
            "ship only against confirmed purchase orders")


def receipts_closed(notice: str | None, order: str, receipts: list[str]) -> str:
    done = f" ({', '.join(receipts)})" if receipts else ""
    return (f"{_n(notice)}: purchase order {order} has no open receipt — its receipts{done} are already done "
            "or cancelled; the order is fully received, nothing more can be delivered against it")


def product_not_on_order(notice: str | None, line: int, what: str, order: str) -> str:
    return (f"{_n(notice)}, item {line}: {what} is not on the open receipt of purchase order {order}; "
            "check the item's GTIN, or ship it against the order it was ordered on")


def unit_unmapped(notice: str | None, line: int, code: str) -> str:
    return (f"{_n(notice)}, item {line}: unit {code} is not mapped to a unit of measure in Odoo; "
            "send the quantity in the ordered unit, or ask the buyer to map the unit")


def unit_other_category(notice: str | None, line: int, code: str, product: str, unit: str) -> str:
    return (f"{_n(notice)}, item {line}: unit {code} cannot be converted to {unit}, "
            f"the unit {product} is received in; send the quantity in the ordered unit")


def beyond_order(notice: str | None, line: int | str, product: str, shipped: float, open_qty: float,
                 unit: str, order: str) -> str:
    return (f"{_n(notice)}, item {line}: {product} ships {shipped:g} {unit}, but only {open_qty:g} {unit} "
            f"are still open on purchase order {order}; quantities beyond the order are not accepted")


# --- stage 1: normalise ----------------------------------------------------------------------

class _Rejected(Exception):
    def __init__(self, problems: list[str], error_type: str = DATA):
        super().__init__(reasons.join(problems))
        self.problems, self.error_type = problems, error_type








def buyer_gln(content: object) -> str | None:
    """The notice's buyer: us, for notices our suppliers send (the history also lists the
    SHIPPING_NOTICEs we send our customers, whose buyer is the customer)."""
    return header_party_gln(content, "buyer")


def _units(units: object, parent_sscc: str | None = None):
    """(item, SSCC) for every item of every transport unit, nested units included."""
    for unit in units if isinstance(units, list) else []:
        if not isinstance(unit, dict):
            continue
        sscc = _text(unit.get("unitIdentifier")) or parent_sscc
        for item in unit.get("items") or []:
            if isinstance(item, dict):
                yield item, sscc
        yield from _units(unit.get("transportUnits"), sscc)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _iso_date(value: object) -> str | None:
    ts = parse_procuros_datetime(value)
    return None if ts is None else ts.tz_convert("Europe/Berlin").date().isoformat()


def _normalise_one(tx: dict, own_gln: str | None) -> tuple[dict, list[dict]]:
    content = tx.get("content")
    if tx.get("type") not in (None, "SHIPPING_NOTICE"):
        raise _Rejected([not_a_shipping_notice(tx.get("type"))])
    if not isinstance(content, dict) or not isinstance(content.get("header"), dict):
        raise _Rejected([reasons.malformed_document("no content.header")])
    h = content["header"]
    notice = _text(h.get("shippingNoticeIdentifier"))
    problems: list[str] = []
    if not notice:
        problems.append(missing_field(None, "header.shippingNoticeIdentifier"))
    supplier = _gln(h.get("supplier"))
    if not supplier:
        problems.append(missing_field(notice, "header.supplier's GLN"))
    buyer = _gln(h.get("buyer"))
    if own_gln and buyer != own_gln:
        problems.append(not_addressed_to_us(notice, buyer, own_gln))
    try:
        notice_date = _iso_date(h.get("shippingNoticeDate"))
    except ValueError:
        problems.append(reasons.bad_date(notice, "shippingNoticeDate", h.get("shippingNoticeDate")))
        notice_date = None
    header_order = _text(h.get("orderIdentifier"))
    lines: list[dict] = []
    orders: list[str] = []
    for item, sscc in _units(content.get("transportUnits")):
        number = item.get("lineNumber") if isinstance(item.get("lineNumber"), int) else len(lines) + 1
        order = _text(item.get("orderIdentifier")) or header_order
        if order and order not in orders:
            orders.append(order)
        shipped = _number(item.get("shippedQuantity"))
        if shipped is None or shipped < 0:
            problems.append(bad_quantity(notice, number, item.get("shippedQuantity")))
            continue
        code = _text(item.get("unitOfMeasure"))
        if code is not None and code not in UNIT_CODES:
            problems.append(unknown_unit(notice, number, code))
            continue
        base = {"transaction_id": tx["procurosTransactionId"], "line_number": number,
                "gtin": _item_id(item, "GS1"), "buyer_item_id": _item_id(item, "BUYER"),
                "unit_code": code, "sscc": sscc, "lot": None, "expiry": None}
        if not base["gtin"] and not base["buyer_item_id"]:
            problems.append(reasons.no_item_identifier(notice, number))
            continue
        batches = [b for b in item.get("batches") or [] if isinstance(b, dict)]
        if not batches:
            if shipped > EPSILON:
                lines.append({**base, "quantity": shipped})
            continue
        total = 0.0
        for b in batches:
            qty = _number(b.get("quantity"))
            lot = _text(b.get("batchIdentifier"))
            if qty is None or qty < 0 or not lot:
                problems.append(bad_batch(notice, number, "a batch needs a batchIdentifier and a quantity"))
                break
            try:
                expiry = _iso_date(b.get("expirationDate"))
            except ValueError:
                problems.append(reasons.bad_date(notice, "batches.expirationDate", b.get("expirationDate"), number))
                break
            total += qty
            if qty > EPSILON:
                lines.append({**base, "quantity": qty, "lot": lot, "expiry": expiry})
        else:
            if abs(total - shipped) > EPSILON:
                problems.append(batches_do_not_add_up(notice, number, total, shipped))
    if not orders:
        problems.append(missing_field(notice, "header.orderIdentifier"))
    elif len(orders) > 1:
        problems.append(several_orders(notice, orders))
    if not problems and not lines:
        problems.append(nothing_shipped(notice))
    if problems:
        raise _Rejected(problems)
    header = {"transaction_id": tx["procurosTransactionId"], "notice_identifier": notice,
              "order_identifier": orders[0], "supplier_gln": supplier,
              "supplier_name": _text((h.get("supplier") or {}).get("name")), "buyer_gln": buyer,
              "notice_date": notice_date, "line_count": len({ln["line_number"] for ln in lines})}
    return header, lines


def _reject_row(tx: object, error_type: str, reason: str) -> dict:
    tx = tx if isinstance(tx, dict) else {}
    header = (tx.get("content") or {}).get("header") if isinstance(tx.get("content"), dict) else None
    header = header if isinstance(header, dict) else {}
    return {"transaction_id": str(tx.get("procurosTransactionId") or "unknown"),
            "notice_identifier": _text(header.get("shippingNoticeIdentifier")),
            "supplier_gln": _gln(header.get("supplier")), "error_type": error_type, "reason": reason}


def normalise_shipping_notices(transactions: list[dict], *, own_gln: str | None = None, limits=None) -> Normalised:
    """Raw transactions → Normalised frames; a notice that cannot be read becomes one reject row
    listing its problems, the rest of the batch goes on. ``limits``: the InboundSpec's signature."""
    headers, lines, rejects = [], [], []
    copies: dict[str, set[bytes]] = {}
    for tx in transactions:
        if isinstance(tx, dict) and isinstance(tx.get("procurosTransactionId"), str):
            copies.setdefault(tx["procurosTransactionId"], set()).add(
                hashlib.sha256(json.dumps(tx, sort_keys=True, default=str).encode("utf-8", "surrogatepass")).digest())
    seen: set[str] = set()
    for tx in transactions:
        tid = str(tx.get("procurosTransactionId")) if isinstance(tx, dict) else None
        if tid in seen:
            continue
        seen.add(tid)
        try:
            if not isinstance(tx, dict) or not isinstance(tx.get("procurosTransactionId"), str):
                raise _Rejected([reasons.malformed_document("no procurosTransactionId")], INTERNAL)
            if len(copies.get(tid, ())) > 1:
                raise _Rejected([reasons.listed_twice(tid)], INTERNAL)
            header, doc_lines = _normalise_one(tx, own_gln)
        except _Rejected as rej:
            rejects.append(_reject_row(tx, rej.error_type, reasons.join(rej.problems)))
            continue
        except Exception as exc:  # one broken document must not stop the batch
            rejects.append(_reject_row(tx, INTERNAL, reasons.internal_error(exc)))
            continue
        headers.append(header)
        lines.extend(doc_lines)
    return Normalised(frame(HEADERS, headers), frame(LINES, lines), frame(REJECTS, rejects))


def with_test_rejects(norm: Normalised, transactions: list[dict]) -> Normalised:
    extra = frame(REJECTS, [_reject_row(t, DATA, reasons.TEST_FLOW_REJECTED.replace("order", "shipping notice"))
                            for t in transactions])
    return Normalised(norm.headers, norm.lines, pd.concat([norm.rejects, extra], ignore_index=True))


# --- stage 2: resolve ------------------------------------------------------------------------

@dataclass(frozen=True)
class ReceiptLookups:
    """What resolution needs from Odoo (odoo/receipts.py reads it, one read per kind)."""

    suppliers: dict[str, list[int]]  # GLN -> commercial partner ids with that Reference
    orders: list[dict]  # purchase.order: id, name, state, partner_id (commercial), company_id
    receipts: list[dict]  # incoming stock.picking of those orders: id, name, state, purchase_id
    moves: list[dict]  # their stock.move: id, picking_id, product_id, product_uom, product_uom_qty, quantity, picked, state, purchase_line_id
    products: dict[int, dict]  # product.product of the moves: id, barcode, default_code, name
    line_units: dict[int, int]  # purchase.order.line id -> its unit (the ordered one)
    uoms: dict[int, dict]  # uom.uom id -> id, name, category_id, factor, rounding, x_procuros_unit_code
    uom_overrides: dict[str, int] = field(default_factory=dict)  # Procuros code -> uom id (settings)
    bound: dict[str, int] = field(default_factory=dict)  # transaction id -> receipt it was applied to
    # transaction id -> receipt holding lines it set, written by a run that died before binding it
    applied: dict[str, int] = field(default_factory=dict)


def _uom_for_code(code: str, lk: ReceiptLookups) -> dict | None:
    return uom_for_code(code, lk.uoms, lk.uom_overrides)


def _product_label(p: dict) -> str:
    return f"[{p['default_code']}] {p['name']}" if p.get("default_code") else p.get("name") or f"product {p['id']}"


def _open(move: dict, earlier: dict[int, float]) -> float:
    """What is still open on a move: its demand less what earlier notices set on it (a picked
    move's quantity is an earlier notice's, or the warehouse's count)."""
    already = (float(move.get("quantity") or 0.0) if move.get("picked") else 0.0) + earlier.get(move["id"], 0.0)
    return max(0.0, float(move["product_uom_qty"]) - already)


def _resolve_one(h: dict, lines: list[dict], lk: ReceiptLookups, orders: dict, receipts_of: dict,
                 moves_of: dict, earlier: dict[int, float]) -> tuple[dict, list[dict]]:
    """``earlier``: move id -> quantity notices earlier in this batch set on it (updated here)."""
    notice, order_name = h["notice_identifier"], h["order_identifier"]
    suppliers = set(lk.suppliers.get(h["supplier_gln"], []))
    if not suppliers:
        raise _Rejected([supplier_unknown(notice, h["supplier_gln"], _none(h.get("supplier_name")))])
    order = orders.get(order_name)
    if order is None:
        raise _Rejected([order_unknown(notice, order_name)])
    if order["partner_id"] not in suppliers:
        raise _Rejected([order_of_other_supplier(notice, order_name)])
    if order["state"] not in ("purchase", "done"):
        raise _Rejected([order_not_confirmed(notice, order_name, order["state"])])
    receipts = receipts_of.get(order["id"], [])
    open_ = [r for r in receipts if r["state"] in OPEN_RECEIPT]
    if not open_:
        raise _Rejected([receipts_closed(notice, order_name, [r["name"] for r in receipts])])
    receipt = open_[0]  # the earliest open one: a backorder only opens once its origin is done
    moves = [m for m in moves_of.get(receipt["id"], []) if m["state"] not in ("done", "cancel")]
    by_key: dict[str, list[dict]] = {}
    for m in moves:
        p = lk.products.get(m["product_id"]) or {}
        for key in filter(None, (gtin_key(p.get("barcode")), p.get("default_code") and f"code:{p['default_code']}")):
            by_key.setdefault(key, []).append(m)
    problems: list[str] = []
    out: list[dict] = []
    shipped: dict[int, float] = {}
    items_of: dict[int, list[int]] = {}
    for ln in lines:
        key = gtin_key(ln["gtin"]) if ln["gtin"] else None
        candidates = by_key.get(key, []) if key else []
        if not candidates and ln["buyer_item_id"]:
            candidates = by_key.get(f"code:{ln['buyer_item_id']}", [])
        if not candidates:
            what = f"GTIN {ln['gtin']}" if ln["gtin"] else f"article {ln['buyer_item_id']}"
            problems.append(product_not_on_order(notice, ln["line_number"], what, order_name))
            continue
        move = candidates[0]
        move_uom = lk.uoms[move["product_uom"]]
        product = lk.products.get(move["product_id"]) or {"id": move["product_id"]}
        if ln["unit_code"]:
            unit = _uom_for_code(ln["unit_code"], lk)
            if unit is None:
                problems.append(unit_unmapped(notice, ln["line_number"], ln["unit_code"]))
                continue
        else:  # no unit given: the unit we ordered in
            unit = lk.uoms.get(lk.line_units.get(move.get("purchase_line_id")) or move["product_uom"], move_uom)
        if unit.get("category_id") != move_uom.get("category_id"):
            problems.append(unit_other_category(notice, ln["line_number"], ln["unit_code"] or unit["name"],
                                                _product_label(product), move_uom["name"]))
            continue
        qty = convert(float(ln["quantity"]), unit, move_uom)
        # a product ordered on several lines has several moves: fill them in order, the last takes
        # what is left (and is checked against what it has open below)
        for i, m in enumerate(candidates):
            take = qty if i == len(candidates) - 1 else min(qty, max(0.0, _open(m, earlier) - shipped.get(m["id"], 0.0)))
            if take <= EPSILON:
                continue
            qty -= take
            shipped[m["id"]] = shipped.get(m["id"], 0.0) + take
            items_of.setdefault(m["id"], []).append(ln["line_number"])
            out.append({"transaction_id": h["transaction_id"], "line_number": ln["line_number"], "move_id": m["id"],
                        "product_id": m["product_id"], "product": _product_label(product), "uom_id": move_uom["id"],
                        "unit": move_uom.get("name") or str(move_uom["id"]), "quantity": take,
                        "replace": not m.get("picked") and m["id"] not in earlier, "lot": ln["lot"],
                        "expiry": ln["expiry"], "sscc": ln["sscc"]})
    by_product: dict[int, list[dict]] = {}
    for move in moves:
        by_product.setdefault(move["product_id"], []).append(move)
    for product_id, product_moves in by_product.items():  # a product's moves together: what is open in all
        total = sum(shipped.get(m["id"], 0.0) for m in product_moves)
        if not any(m["id"] in shipped for m in product_moves):
            continue
        open_qty = sum(_open(m, earlier) for m in product_moves)
        if total > open_qty + EPSILON:
            unit = lk.uoms[product_moves[0]["product_uom"]]["name"]
            item = ", ".join(str(i) for i in sorted({i for m in product_moves for i in items_of.get(m["id"], [])}))
            label = _product_label(lk.products.get(product_id) or {"id": product_id})
            problems.append(beyond_order(notice, item, label, round(total, 6), round(open_qty, 6), unit, order_name))
    if problems:
        raise _Rejected(problems)
    for move_id, qty in shipped.items():
        earlier[move_id] = earlier.get(move_id, 0.0) + qty
    header = {"transaction_id": h["transaction_id"], "status": "update", "notice_identifier": notice,
              "order_identifier": order_name, "supplier_gln": h["supplier_gln"], "partner_id": order["partner_id"],
              "company_id": order.get("company_id"), "order_id": order["id"], "picking_id": receipt["id"],
              "picking_name": receipt["name"], "line_count": h["line_count"]}
    return header, out


def resolve_shipping_notices(norm: Normalised, lk: ReceiptLookups) -> Resolved:
    orders = {o["name"]: o for o in lk.orders}
    receipts_of: dict[int, list[dict]] = {}
    for r in sorted(lk.receipts, key=lambda r: r["id"]):
        receipts_of.setdefault(r["purchase_id"], []).append(r)
    moves_of: dict[int, list[dict]] = {}
    for m in sorted(lk.moves, key=lambda m: m["id"]):
        moves_of.setdefault(m["picking_id"], []).append(m)
    names = {r["id"]: r["name"] for r in lk.receipts}
    lines_of = {tid: [{k: _none(v) for k, v in r.items()} for r in rows]  # NaN → None
                for tid, rows in records_by(norm.lines).items()}
    headers, lines, rejects = [], [], []
    earlier: dict[int, float] = {}
    for h in norm.headers.to_dict("records"):
        tid = h["transaction_id"]
        done = lk.bound.get(tid) or lk.applied.get(tid)
        if done:  # applied before: nothing is set twice
            order = orders.get(h["order_identifier"]) or {}
            headers.append({"transaction_id": tid, "status": "already_imported" if tid in lk.bound else "applied",
                            "notice_identifier": h["notice_identifier"], "order_identifier": h["order_identifier"],
                            "supplier_gln": h["supplier_gln"], "partner_id": order.get("partner_id"),
                            "company_id": order.get("company_id"), "order_id": order.get("id"),
                            "picking_id": done, "picking_name": names.get(done),
                            "line_count": h["line_count"]})
            continue
        try:
            header, doc_lines = _resolve_one(h, lines_of.get(tid, []), lk, orders, receipts_of, moves_of, earlier)
        except _Rejected as rej:
            rejects.append({"transaction_id": tid, "notice_identifier": h["notice_identifier"],
                            "supplier_gln": h["supplier_gln"], "error_type": rej.error_type,
                            "reason": reasons.join(rej.problems)})
            continue
        headers.append(header)
        lines.extend(doc_lines)
    # two notices of one batch on the same receipt: the second was checked against what the
    # first leaves open and only adds to it (replace False)
    return Resolved(frame(RESOLVED_HEADERS, headers), frame(RESOLVED_LINES, lines),
                    pd.concat([norm.rejects, frame(REJECTS, rejects)], ignore_index=True))


# --- stage 3: writes -------------------------------------------------------------------------

@dataclass(frozen=True)
class ReceiptWrite:
    transaction_id: str
    status: str  # update | already_imported | applied (lines set by an interrupted run: to finish)
    picking_id: int
    picking_name: str | None
    notice_identifier: str
    order_identifier: str
    lines: tuple[dict, ...] = ()  # move_id, product_id, uom_id, quantity, replace, lot, expiry, sscc


def _none(value: object) -> object:
    return None if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)) else value


def build_receipt_writes(resolved: Resolved) -> list[ReceiptWrite]:
    lines_of = records_by(resolved.lines, order_by="line_number")
    out = []
    for h in resolved.headers.sort_values("transaction_id").to_dict("records"):
        lines = tuple({"move_id": int(ln["move_id"]), "product_id": int(ln["product_id"]), "product": ln["product"],
                       "uom_id": int(ln["uom_id"]), "unit": ln["unit"],
                       "quantity": float(ln["quantity"]), "replace": bool(ln["replace"]), "lot": _none(ln["lot"]),
                       "expiry": _none(ln["expiry"]), "sscc": _none(ln["sscc"])}
                      for ln in lines_of.get(h["transaction_id"], []))
        out.append(ReceiptWrite(h["transaction_id"], h["status"], int(h["picking_id"]), _none(h["picking_name"]),
                                h["notice_identifier"], h["order_identifier"], lines))
    return out


def write_problems(writes: list[ReceiptWrite]) -> list[dict]:
    """Malformed values before anything is written (a mapping bug, not the supplier's data)."""
    problems = []
    for w in writes:
        if w.status == "update" and not w.lines:
            problems.append({"transaction_id": w.transaction_id, "problem": "no receipt lines to write"})
        for ln in w.lines:
            if ln["quantity"] <= 0 or ln["move_id"] <= 0 or ln["uom_id"] <= 0:
                problems.append({"transaction_id": w.transaction_id, "problem": f"malformed receipt line {ln}"})
    return problems


def reject_malformed(resolved: Resolved, malformed: dict[str, str]) -> Resolved:
    h = resolved.headers
    bad = h[h["transaction_id"].isin(list(malformed))]
    extra = frame(REJECTS, [{"transaction_id": r["transaction_id"], "notice_identifier": r["notice_identifier"],
                             "supplier_gln": r["supplier_gln"], "error_type": INTERNAL,
                             "reason": reasons.malformed_values(malformed[r["transaction_id"]])}
                            for r in bad.to_dict("records")])
    return Resolved(h[~h["transaction_id"].isin(list(malformed))],
                    resolved.lines[~resolved.lines["transaction_id"].isin(list(malformed))],
                    pd.concat([resolved.rejects, extra], ignore_index=True))


def summarise(resolved: Resolved) -> pd.DataFrame:
    rows = [{"transaction_id": h["transaction_id"], "notice_identifier": h["notice_identifier"],
             "order_identifier": h["order_identifier"], "receipt": _none(h["picking_name"]),
             "lines": h["line_count"], "status": h["status"],
             "reason": {"already_imported": f"already applied to {h['picking_name']}",
                        "applied": f"set on {h['picking_name']} by an interrupted run; finished now"}.get(h["status"])}
            for h in resolved.headers.to_dict("records")]
    rows += [{"transaction_id": r["transaction_id"], "notice_identifier": _none(r["notice_identifier"]),
              "order_identifier": None, "receipt": None, "lines": None, "status": "rejected", "reason": r["reason"]}
             for r in resolved.rejects.to_dict("records")]
    rows.sort(key=lambda r: r["transaction_id"])
    return frame(SUMMARY, rows)
