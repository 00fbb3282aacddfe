"""Inbound order responses: Procuros ORDER_RESPONSE → updates of our purchase orders (pure, no I/O).

1. :func:`normalise_order_responses` — raw transactions → ``Normalised(headers, lines, rejects)``
2. :func:`resolve_order_responses` — + batched Odoo look-ups → ``Resolved`` with a status per
   response: ``confirm`` (ACCEPT), ``change`` (CHANGE: confirmed values applied, then confirmed),
   ``reject`` (the supplier refused the order: it stays unconfirmed), ``already_confirmed``
   (ACCEPT of an order confirmed when it was sent), ``already_imported`` (bound before, under
   this transaction or — a supplier's resend — under another: same supplier, order and number),
   ``superseded`` (a later response to the same order came in the same batch)
3. :func:`build_order_response_writes` — ``Resolved`` → :class:`OrderResponseWrite` list

A response is matched to our purchase order by its order number (the PO's name, sent as
orderIdentifier) and its supplier (the supplier GLN is the Reference of the PO partner's
commercial partner); a response line to the order line by ``orderLineNumber`` (else
``lineNumber``): the n-th product line of the PO in its order (sequence, id), as the order was sent.
Confirmed quantities and prices are converted into the PO line's unit when the response uses another.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

import pandas as pd
import pandera.pandas as pa

from . import reasons
from .documents import header_party_gln, party_gln as _gln, records_by, text as _text
from .identifiers import gtin_key
from .orders_in_normalise import parse_procuros_datetime
from .orders_in_types import clean
from .schemas_in import ERROR_TYPES, _float, _int, _str, _ts, frame
from .units import UNIT_CODES

RESPONSE_TYPES = ("ACCEPT", "CHANGE", "REJECT")
STATUSES = ("confirm", "change", "reject", "already_confirmed", "already_imported", "superseded")
OPEN_STATES = ("draft", "sent")  # an RFQ waiting for its confirmation (button_confirm passes over the rest)
QTY_DIGITS = 2  # Odoo's "Product Unit of Measure" precision
PRICE_DIGITS = 2  # "Product Price"

HEADERS = pa.DataFrameSchema(
    {
        "transaction_id": _str(unique=True),
        "order_identifier": _str(),
        "response_identifier": _str(),
        "response_type": _str(checks=[pa.Check.isin(RESPONSE_TYPES)]),
        "response_date": _ts(),
        "buyer_gln": _str(),
        "supplier_gln": _str(),
        "supplier_name": _str(nullable=True),
        "confirmed_delivery_date": _ts(nullable=True),
        "comments": _str(nullable=True),
        "version": _int(nullable=True),
        "line_count": _int(checks=[pa.Check.ge(0)]),
    },
    strict=True, ordered=True, name="NormalisedOrderResponseHeaders",
)

LINES = pa.DataFrameSchema(
    {
        "transaction_id": _str(),
        "line_number": _int(checks=[pa.Check.ge(1)]),  # the order line answered
        "gtin": _str(nullable=True),
        "confirmed_quantity": _float(nullable=True, checks=[pa.Check.ge(0)]),
        "unit_code": _str(nullable=True, checks=[pa.Check.isin(UNIT_CODES)]),
        "unit_price": _float(nullable=True, checks=[pa.Check.ge(0)]),
        "confirmed_delivery_date": _ts(nullable=True),
    },
    strict=True, ordered=True, unique=["transaction_id", "line_number"], name="NormalisedOrderResponseLines",
)

REJECTS = pa.DataFrameSchema(
    {
        "transaction_id": _str(unique=True),
        "order_identifier": _str(nullable=True),
        "supplier_gln": _str(nullable=True),
        "error_type": _str(checks=[pa.Check.isin(ERROR_TYPES)]),
        "reason": _str(),
    },
    strict=True, ordered=True, name="OrderResponseRejects",
)

RESOLVED_HEADERS = pa.DataFrameSchema(
    {
        "transaction_id": _str(unique=True),
        "status": _str(checks=[pa.Check.isin(STATUSES)]),
        "response_type": _str(checks=[pa.Check.isin(RESPONSE_TYPES)]),
        "order_identifier": _str(),
        "response_identifier": _str(),
        "supplier_gln": _str(),
        "target_order_id": _int(),
        "partner_id": _int(nullable=True),
        "company_id": _int(nullable=True),
        "comments": _str(nullable=True),
        "note": _str(nullable=True),  # why nothing is written (already confirmed, superseded)
    },
    strict=True, ordered=True, name="ResolvedOrderResponseHeaders",
)

RESOLVED_LINES = pa.DataFrameSchema(
    {
        "transaction_id": _str(),
        "line_number": _int(checks=[pa.Check.ge(1)]),
        "line_id": _int(),
        "product": _str(nullable=True),
        "product_qty": _float(nullable=True, checks=[pa.Check.ge(0)]),  # new values, in the line's unit
        "price_unit": _float(nullable=True, checks=[pa.Check.ge(0)]),
        "date_planned": _ts(nullable=True),
        "old_qty": _float(nullable=True),
        "old_price": _float(nullable=True),
        "old_date": _ts(nullable=True),
        "unit": _str(nullable=True),
    },
    strict=True, ordered=True, unique=["transaction_id", "line_number"], name="ResolvedOrderResponseLines",
)

SUMMARY = pa.DataFrameSchema(
    {
        "transaction_id": _str(),
        "order_identifier": _str(nullable=True),
        "response": _str(nullable=True),
        "supplier_gln": _str(nullable=True),
        "status": _str(checks=[pa.Check.isin(STATUSES + ("rejected",))]),
        "reason": _str(nullable=True),
    },
    strict=True, ordered=True, name="OrderResponseSummary",
)

# --- look-ups (one batched Odoo read each, see odoo/purchase_orders.py) -----------------------

PURCHASE_ORDERS = pa.DataFrameSchema(
    {
        "id": _int(unique=True),
        "name": _str(),
        "state": _str(),
        "receipt_status": _str(nullable=True),
        "partner_id": _int(),
        "supplier_gln": _str(nullable=True),  # Reference of the partner's commercial partner
        "company_id": _int(nullable=True),
    },
    name="PurchaseOrderLookup",
)

PURCHASE_LINES = pa.DataFrameSchema(
    {
        "id": _int(unique=True),
        "order_id": _int(),
        "line_number": _int(checks=[pa.Check.ge(1)]),
        "product": _str(nullable=True),
        "barcode": _str(nullable=True),
        "product_qty": _float(),
        "product_uom": _int(),
        "price_unit": _float(),
        "date_planned": _ts(nullable=True),
    },
    unique=["order_id", "line_number"], name="PurchaseLineLookup",
)

UOMS = pa.DataFrameSchema(
    {
        "id": _int(unique=True),
        "name": _str(nullable=True),
        "category_id": _int(),
        "factor": _float(checks=[pa.Check.gt(0)]),
        "x_procuros_unit_code": _str(nullable=True),
    },
    name="OrderResponseUomLookup",
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


@dataclass(frozen=True)
class Lookups:
    orders: pd.DataFrame  # PURCHASE_ORDERS
    lines: pd.DataFrame  # PURCHASE_LINES
    uoms: pd.DataFrame  # UOMS
    uom_overrides: dict[str, int] = field(default_factory=dict)  # settings' Procuros code → uom id
    bound: dict[str, int] = field(default_factory=dict)  # transaction id → purchase.order id applied before
    # document_key → purchase.order id: responses applied before, whatever transaction carried them
    documents: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class OrderResponseWrite:
    """What one response does to its purchase order."""

    transaction_id: str
    status: str  # see STATUSES
    target_order_id: int
    order_identifier: str
    response_type: str
    response_identifier: str
    line_vals: list[tuple[int, dict]]  # (purchase.order.line id, values) — CHANGE only
    changes: list[str]  # "line 2 (Espresso): quantity 10 → 8", for the chatter and the Logs
    comments: str | None  # the supplier's words (its reason, for a REJECT)
    note: str | None = None
    document_key: str = ""  # supplier + order + response number (see document_key)


# --- 1. normalise ---------------------------------------------------------------------------





def document_key(supplier_gln: str, order: str, number: str) -> str:
    """What a supplier's order response is, whatever transaction carried it: the supplier, our
    order and the response's number (a resend under a new transaction id is the same response)."""
    text = "|".join(str(v).strip().upper() for v in (supplier_gln, order, number))
    return "doc_" + hashlib.sha1(text.encode()).hexdigest()[:24]


def buyer_gln(content: object) -> str | None:
    """The buyer GLN of the response: us, for responses to our orders (InboundSpec.addressed_to)."""
    return header_party_gln(content, "buyer")


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or math.isinf(value):
        raise ValueError
    return float(value)


def _date(problems: list[str], order: str | None, name: str, value: object, line: int | None = None):
    try:
        return parse_procuros_datetime(value)
    except ValueError:
        what = f"{name} '{value}' is not a date (expected YYYY-MM-DD or an ISO 8601 date-time)"
        problems.append(reasons.response_bad_line(order, line, what) if line else f"{reasons._response(order)}: {what}")
        return None


def _lines(tid: str, order: str | None, items: list, problems: list[str]) -> list[dict]:
    rows, seen = [], set()
    for pos, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(reasons.response_bad_line(order, pos, "the item is not an object"))
            continue
        number = item.get("orderLineNumber", item.get("lineNumber"))
        if isinstance(number, float) and number.is_integer():
            number = int(number)
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            problems.append(reasons.response_bad_line(order, pos, "no orderLineNumber naming the order line answered"))
            continue
        if number in seen:
            problems.append(reasons.response_bad_line(order, number, "the order line is answered more than once"))
            continue
        seen.add(number)
        values = {}
        for key, name in (("confirmedQuantity", "confirmed_quantity"), ("unitPrice", "unit_price")):
            raw = item.get(key)
            try:
                values[name] = None if raw is None else _number(raw)
            except ValueError:
                problems.append(reasons.response_bad_line(order, number, f"{key} '{raw}' is not a number"))
                values[name] = None
            else:
                if values[name] is not None and values[name] < 0:
                    problems.append(reasons.response_bad_line(order, number, f"{key} {raw} is negative"))
                    values[name] = None
        unit = _text(item.get("unitOfMeasure"))
        if unit is not None and unit not in UNIT_CODES:
            problems.append(reasons.response_bad_line(order, number, f"unit '{unit}' is not a Procuros unit of measure"))
            unit = None
        rows.append({
            "transaction_id": tid, "line_number": number, "gtin": _gln(item),  # as sent, for the reason; compared by gtin_key
            "unit_code": unit,
            "confirmed_delivery_date": _date(problems, order, "confirmedDeliveryDate",
                                             item.get("confirmedDeliveryDate"), number),
            **values,
        })
    return rows


def _normalise_one(txn: object, own_gln: str) -> tuple[dict, list[dict]]:
    tid = txn.get("procurosTransactionId") if isinstance(txn, dict) else None
    content = txn.get("content") if isinstance(txn, dict) else None
    header = content.get("header") if isinstance(content, dict) else None
    header = header if isinstance(header, dict) else {}
    order = _text(header.get("orderIdentifier"))
    problems: list[str] = []
    if txn.get("isLatestVersion") is False:
        raise _Rejected([reasons.response_superseded(order, txn.get("replacedByProcurosTransactionId"))])
    if not isinstance(content, dict) or not header:
        raise _Rejected([f"{reasons._response(order)}: the document has no header"])
    for key, name in (("orderIdentifier", "order number (orderIdentifier)"),
                      ("orderResponseIdentifier", "response number (orderResponseIdentifier)"),
                      ("orderResponseDate", "response date (orderResponseDate)")):
        if not _text(header.get(key)):
            problems.append(reasons.response_missing(order, name))
    buyer, supplier = _gln(header.get("buyer")), _gln(header.get("supplier"))
    if buyer != own_gln:
        problems.append(reasons.response_not_for_us(order, buyer, own_gln))
    if not supplier:
        problems.append(reasons.response_missing(order, "supplier GLN (identifier with domain GS1)"))
    kind = header.get("type")
    if kind is None:
        kind = "REJECT"  # the API: an omitted type is treated as REJECT
    if kind not in RESPONSE_TYPES:
        problems.append(reasons.response_bad_type(order, kind))
    items = content.get("items") or []
    if not isinstance(items, list):
        problems.append(f"{reasons._response(order)}: items must be a list")
        items = []
    if kind == "CHANGE" and not items:
        problems.append(reasons.response_change_without_items(order))
    if kind == "REJECT":
        items = []  # not allowed with a REJECT; nothing of them would be applied
    lines = _lines(tid, order, items, problems)
    response_date = _date(problems, order, "orderResponseDate", header.get("orderResponseDate")) \
        if _text(header.get("orderResponseDate")) else None
    delivery = _date(problems, order, "confirmedDeliveryDate", header.get("confirmedDeliveryDate"))
    version = header.get("version")
    if problems:
        raise _Rejected(problems)
    # the supplier's words go to the chatter and the Logs: texts Odoo cannot store are made safe
    comments = clean("\n".join(t for t in (_text(header.get("comments")), _text(header.get("deliveryInformation"))) if t))
    return ({
        "transaction_id": tid, "order_identifier": order, "response_identifier": _text(header["orderResponseIdentifier"]),
        "response_type": kind, "response_date": response_date, "buyer_gln": buyer, "supplier_gln": supplier,
        "supplier_name": _text((header.get("supplier") or {}).get("name")), "confirmed_delivery_date": delivery,
        "comments": comments or None,
        "version": version if isinstance(version, int) and not isinstance(version, bool) else None,
        "line_count": len(lines),
    }, lines)


class _Rejected(Exception):
    def __init__(self, problems: list[str]):
        super().__init__(reasons.join(problems))
        self.problems = problems


def normalise_order_responses(transactions: list[dict], *, own_gln: str, limits=None) -> Normalised:
    """One header row per readable response, its lines, and one reject (DATA) per unreadable one."""
    headers, lines, rejects = [], [], []
    for txn in transactions:
        tid = txn.get("procurosTransactionId") if isinstance(txn, dict) else None
        header = ((txn.get("content") or {}).get("header") or {}) if isinstance(txn, dict) and isinstance(
            txn.get("content"), dict) else {}
        header = header if isinstance(header, dict) else {}
        if not isinstance(tid, str) or not tid:
            continue  # nothing to acknowledge it by
        try:
            h, ls = _normalise_one(txn, own_gln)
        except _Rejected as exc:
            rejects.append({"transaction_id": tid, "order_identifier": _text(header.get("orderIdentifier")),
                            "supplier_gln": _gln(header.get("supplier")), "error_type": reasons.DATA,
                            "reason": reasons.join(exc.problems)})
            continue
        except Exception as exc:  # a document we cannot read must not take the batch down
            rejects.append({"transaction_id": tid, "order_identifier": _text(header.get("orderIdentifier")),
                            "supplier_gln": None, "error_type": reasons.INTERNAL,
                            "reason": reasons.internal_error(exc)})
            continue
        headers.append(h)
        lines += ls
    return Normalised(frame(HEADERS, headers), frame(LINES, lines), frame(REJECTS, rejects))


# --- 2. resolve -------------------------------------------------------------------------------

def _value(v):
    return None if v is None or (not isinstance(v, str) and pd.isna(v)) else v


def _closed(po: dict) -> str | None:
    if po["state"] == "cancel":
        return "cancelled"
    if po["state"] == "done" or _value(po["receipt_status"]) in ("partial", "full"):
        return "already (partly) received"
    return None


def _uom_for(code: str, look: Lookups) -> list[int]:
    if code in look.uom_overrides:
        return [look.uom_overrides[code]]
    uoms = look.uoms
    return [int(i) for i in uoms.loc[uoms["x_procuros_unit_code"] == code, "id"]]


def _num(x: float) -> str:
    return f"{x:g}"


def _day(ts) -> str:
    return pd.Timestamp(ts).tz_convert("Europe/Berlin").date().isoformat() if _value(ts) is not None else "—"


def _resolve_lines(h: dict, po: dict, lines: list[dict], look: Lookups, problems: list[str], *,
                   by_number: dict[int, dict], uoms: pd.DataFrame) -> list[dict]:
    """``by_number``: the order's lines by line number; ``uoms``: the units by id (both built once
    per batch: filtering every line of the batch for each response made resolving quadratic)."""
    order = h["order_identifier"]
    out = []
    for ln in lines:
        n = int(ln["line_number"])
        pl = by_number.get(n)
        if pl is None:
            problems.append(reasons.response_unknown_line(order, n))
            continue
        gtin = _value(ln["gtin"])
        if gtin and gtin_key(pl["barcode"]) != gtin_key(gtin):
            ordered = f"{pl['product']}, GTIN {pl['barcode']}" if _value(pl["barcode"]) else pl["product"]
            problems.append(reasons.response_wrong_product(order, n, gtin, ordered))
            continue
        qty, price = _value(ln["confirmed_quantity"]), _value(ln["unit_price"])
        code = _value(ln["unit_code"])
        line_uom = int(pl["product_uom"])
        if code is not None and (qty is not None or price is not None):
            found = _uom_for(code, look)
            if len(found) != 1 or found[0] not in uoms.index:
                problems.append(reasons.response_unit_unmapped(order, n, code))
                continue
            src = found[0]
            if src != line_uom:
                if line_uom not in uoms.index or uoms.at[src, "category_id"] != uoms.at[line_uom, "category_id"]:
                    ordered_in = uoms.at[line_uom, "name"] if line_uom in uoms.index else "the order's unit"
                    problems.append(reasons.response_unit_mismatch(order, n, code, ordered_in))
                    continue
                # Odoo's uom._compute_quantity: qty / from.factor * to.factor; a price per unit the other way
                ratio = float(uoms.at[line_uom, "factor"]) / float(uoms.at[src, "factor"])
                qty = None if qty is None else qty * ratio
                price = None if price is None else price / ratio
        date = _value(ln["confirmed_delivery_date"])
        if date is None:
            date = _value(h["confirmed_delivery_date"])
        out.append({
            "transaction_id": h["transaction_id"], "line_number": n, "line_id": int(pl["id"]), "product": pl["product"],
            "product_qty": None if qty is None else round(qty, QTY_DIGITS),
            "price_unit": None if price is None else round(price, PRICE_DIGITS),
            "date_planned": date, "old_qty": float(pl["product_qty"]), "old_price": float(pl["price_unit"]),
            "old_date": _value(pl["date_planned"]),
            "unit": uoms.at[line_uom, "name"] if line_uom in uoms.index else None,
        })
    return out


def _reject(h: dict, reason: str, error_type: str = reasons.DATA) -> dict:
    return {"transaction_id": h["transaction_id"], "order_identifier": h["order_identifier"],
            "supplier_gln": h["supplier_gln"], "error_type": error_type, "reason": reason}


def resolve_order_responses(norm: Normalised, look: Lookups) -> Resolved:
    """Match each response to its purchase order and lines; what cannot be applied is rejected."""
    orders = look.orders.to_dict("records")
    by_name: dict[str, list[dict]] = {}
    for po in orders:
        by_name.setdefault(po["name"], []).append(po)
    lines_of: dict[str, list[dict]] = {}
    for ln in norm.lines.to_dict("records"):  # one conversion, not one per response
        lines_of.setdefault(ln["transaction_id"], []).append(ln)
    po_lines: dict[int, dict[int, dict]] = {}
    for pl in look.lines.to_dict("records"):
        if not pd.isna(pl["order_id"]):
            po_lines.setdefault(int(pl["order_id"]), {})[int(pl["line_number"])] = pl
    uoms = look.uoms.set_index("id")
    headers, lines, rejects = [], [], norm.rejects.to_dict("records")
    # several responses to one order in a batch: the latest (version, date) is applied, the others noted
    ranked = norm.headers.assign(_v=norm.headers["version"].fillna(-1)).sort_values(
        ["_v", "response_date", "transaction_id"], ascending=False)
    latest: dict[tuple[str, str], str] = {}
    for h in ranked.drop(columns="_v").to_dict("records"):
        order, tid = h["order_identifier"], h["transaction_id"]
        candidates = by_name.get(order, [])
        if not candidates:
            rejects.append(_reject(h, reasons.response_unknown_order(order)))
            continue
        ours = [po for po in candidates if _value(po["supplier_gln"]) == h["supplier_gln"]]
        if not ours:
            rejects.append(_reject(h, reasons.response_other_supplier(order, h["supplier_gln"])))
            continue
        po = ours[0]
        row = {"transaction_id": tid, "response_type": h["response_type"], "order_identifier": order,
               "response_identifier": h["response_identifier"], "supplier_gln": h["supplier_gln"],
               "target_order_id": int(po["id"]), "partner_id": po["partner_id"], "company_id": po["company_id"],
               "comments": h["comments"], "note": None}
        if tid in look.bound:
            headers.append({**row, "status": "already_imported", "target_order_id": look.bound[tid]})
            continue
        resent = look.documents.get(document_key(h["supplier_gln"], order, h["response_identifier"]))
        if resent:  # the supplier sent it again under a new transaction id: applied once
            headers.append({**row, "status": "already_imported", "target_order_id": resent,
                            "note": reasons.response_resent(order, h["response_identifier"])})
            continue
        key = (order, h["supplier_gln"])
        if key in latest:
            headers.append({**row, "status": "superseded", "note": reasons.response_twice(order, latest[key])})
            continue
        latest[key] = h["response_identifier"]
        closed = _closed(po)
        if closed:
            rejects.append(_reject(h, reasons.response_order_closed(order, closed)))
            continue
        confirmed = po["state"] not in OPEN_STATES
        problems: list[str] = []
        resolved_lines = _resolve_lines(h, po, lines_of.get(tid, []), look, problems,
                                        by_number=po_lines.get(int(po["id"]), {}), uoms=uoms)
        settled = False
        if h["response_type"] == "CHANGE" and confirmed and not problems:
            # a run that died after confirming and before binding left the changes in: settled, not refused
            settled = not any(_line_change(ln)[0] for ln in resolved_lines)
            if not settled:
                problems.append(reasons.response_change_after_confirmation(order))
        if problems:
            rejects.append(_reject(h, reasons.join(problems)))
            continue
        if h["response_type"] == "REJECT":
            status = "reject"
        elif h["response_type"] == "ACCEPT" or settled:
            status = "already_confirmed" if confirmed else "confirm"
        else:
            status = "change"
            lines += resolved_lines
        note = None
        if status == "already_confirmed":
            note = f"{order} was already confirmed"
        elif status == "reject" and confirmed:  # confirmed when sent: a supplier without Require Order Response
            note = f"{order} is already confirmed in Odoo: cancel it or agree the delivery with the supplier"
        headers.append({**row, "status": status, "note": note})
    headers.sort(key=lambda r: r["transaction_id"])
    return Resolved(frame(RESOLVED_HEADERS, headers), frame(RESOLVED_LINES, lines), frame(REJECTS, rejects))


# --- 3. writes --------------------------------------------------------------------------------

def odoo_datetime(ts) -> str:
    return pd.Timestamp(ts).tz_convert("UTC").strftime("%Y-%m-%d %H:%M:%S")


def _line_change(ln: dict) -> tuple[dict, list[str]]:
    vals, said = {}, []
    unit = f" {ln['unit']}" if _value(ln["unit"]) else ""
    if _value(ln["product_qty"]) is not None and abs(ln["product_qty"] - ln["old_qty"]) > 1e-9:
        vals["product_qty"] = float(ln["product_qty"])
        said.append(f"quantity {_num(ln['old_qty'])} → {_num(ln['product_qty'])}{unit}")
    if _value(ln["price_unit"]) is not None and abs(ln["price_unit"] - ln["old_price"]) > 1e-9:
        vals["price_unit"] = float(ln["price_unit"])
        said.append(f"price {_num(ln['old_price'])} → {_num(ln['price_unit'])}")
    new_date = _value(ln["date_planned"])
    if new_date is not None and (_value(ln["old_date"]) is None or _day(new_date) != _day(ln["old_date"])):
        vals["date_planned"] = odoo_datetime(new_date)
        said.append(f"delivery {_day(ln['old_date'])} → {_day(new_date)}")
    product = f" ({ln['product']})" if _value(ln["product"]) else ""
    return vals, [f"line {int(ln['line_number'])}{product}: {', '.join(said)}"] if said else []


def build_order_response_writes(resolved: Resolved) -> list[OrderResponseWrite]:
    """One write per response, ordered by transaction id; line values only for a CHANGE, and only
    the values that differ (a write that changes nothing is not sent)."""
    by_tid = records_by(resolved.lines, order_by="line_number")
    out = []
    for h in resolved.headers.sort_values("transaction_id").to_dict("records"):
        line_vals, changes = [], []
        for ln in by_tid.get(h["transaction_id"], []) if h["status"] == "change" else []:
            vals, said = _line_change(ln)
            if vals:
                line_vals.append((int(ln["line_id"]), vals))
                changes += said
        out.append(OrderResponseWrite(
            transaction_id=str(h["transaction_id"]), status=str(h["status"]), target_order_id=int(h["target_order_id"]),
            order_identifier=str(h["order_identifier"]), response_type=str(h["response_type"]),
            response_identifier=str(h["response_identifier"]), line_vals=line_vals, changes=changes,
            comments=_value(h["comments"]), note=_value(h["note"]),
            document_key=document_key(h["supplier_gln"], h["order_identifier"], h["response_identifier"])))
    return out


def _is_id(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v > 0


def write_problems(writes: list[OrderResponseWrite]) -> list[dict]:
    """The last check before Odoo: ids are ids, quantities and prices are numbers ≥ 0."""
    problems = []
    for w in writes:
        if not _is_id(w.target_order_id):
            problems.append({"transaction_id": w.transaction_id, "problem": f"target order {w.target_order_id!r} is not an Odoo id"})
        if w.status not in STATUSES:
            problems.append({"transaction_id": w.transaction_id, "problem": f"unknown status {w.status!r}"})
        for line_id, vals in w.line_vals:
            if not _is_id(line_id):
                problems.append({"transaction_id": w.transaction_id, "problem": f"line id {line_id!r} is not an Odoo id"})
            for key in ("product_qty", "price_unit"):
                if key in vals and not (isinstance(vals[key], float) and math.isfinite(vals[key]) and vals[key] >= 0):
                    problems.append({"transaction_id": w.transaction_id, "problem": f"line {key} is {vals[key]!r}"})
    return problems


# --- rules of the inbound sequence that are the response's own (see flows/inbound.py) ----------

def with_test_rejects(norm: Normalised, transactions: list[dict]) -> Normalised:
    extra = [{"transaction_id": t["procurosTransactionId"],
              "order_identifier": _text((((t.get("content") or {}).get("header")) or {}).get("orderIdentifier")),
              "supplier_gln": None, "error_type": reasons.DATA,
              "reason": "Test transactions are not accepted by this Odoo; send the order response in the live flow"}
             for t in transactions]
    return Normalised(norm.headers, norm.lines, frame(REJECTS, norm.rejects.to_dict("records") + extra))


def reject_malformed(resolved: Resolved, malformed: dict[str, str]) -> Resolved:
    """Responses whose write values are malformed become rejects, as our own (INTERNAL) fault."""
    heads = resolved.headers
    gone = heads[heads["transaction_id"].isin(list(malformed))].to_dict("records")
    extra = [_reject(h, reasons.malformed_values(malformed[h["transaction_id"]]), reasons.INTERNAL) for h in gone]
    return Resolved(heads[~heads["transaction_id"].isin(list(malformed))],
                    resolved.lines[~resolved.lines["transaction_id"].isin(list(malformed))],
                    frame(REJECTS, resolved.rejects.to_dict("records") + extra))


def summarise(resolved: Resolved) -> pd.DataFrame:
    rows = [{"transaction_id": h["transaction_id"], "order_identifier": h["order_identifier"],
             "response": f"{h['response_type']} {h['response_identifier']}", "supplier_gln": h["supplier_gln"],
             "status": h["status"], "reason": _value(h["note"])}
            for h in resolved.headers.to_dict("records")]
    rows += [{"transaction_id": r["transaction_id"], "order_identifier": _value(r["order_identifier"]),
              "response": None, "supplier_gln": _value(r["supplier_gln"]), "status": "rejected", "reason": r["reason"]}
             for r in resolved.rejects.to_dict("records")]
    rows.sort(key=lambda r: r["transaction_id"])
    return frame(SUMMARY, rows)
