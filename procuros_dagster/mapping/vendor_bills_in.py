"""Supplier INVOICEs → draft vendor bills, CREDIT_NOTEs → draft vendor credit notes (pure, no I/O).

Both documents share one pipeline, parameterised by a :class:`Kind`:

1. :func:`normalise` — ReceivedTransaction dicts → ``Normalised(headers, lines, rejects)``
2. :func:`resolve` — + the batched Odoo look-ups (odoo/vendor_bills.py) → ``Resolved``: supplier by
   GLN, purchase order by number, each line's purchase order line by line number / product, taxes
   by percentage through the order's fiscal position; status ``create`` or ``already_imported``
   (same supplier and document number, whatever the transaction id)
3. :func:`build_writes` — ``Resolved`` → :class:`BillWrite` list (account.move create values)

:func:`findings` compares each bill created with its purchase order and with the document's own
totals (read back from Odoo after the create); the bill is a draft, so a price discrepancy is
listed for the buyer to settle, not rejected.
"""

from __future__ import annotations

import hashlib
import html
import math
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

import pandas as pd
import pandera.pandas as pa

from . import vendor_bill_reasons as why
from .documents import header_party_gln, party_gln as _gln, records_by, text as _text
from .documents import identifier as _item_id
from .identifiers import gtin_key
from .odoo_values import m2o_id
from .schemas_in import _bool, _float, _int, _str, frame
from .units import UNIT_CODES, convert, uom_for_code

DATA, INTERNAL = "DATA", "INTERNAL"
STATUSES = ("create", "already_imported")


@dataclass(frozen=True)
class Kind:
    """What tells a bill from a credit note."""

    procuros_type: str  # INVOICE | CREDIT_NOTE
    label: str  # "Invoice" / "Credit note": how reasons name the document
    move_type: str  # in_invoice | in_refund
    number_field: str
    date_field: str
    due_field: str
    needs_order: bool  # an INVOICE must name our order; a CREDIT_NOTE may name the invoice instead


BILL = Kind("INVOICE", "Invoice", "in_invoice", "invoiceIdentifier", "invoiceDate", "invoiceDueDate", True)
CREDIT_NOTE = Kind("CREDIT_NOTE", "Credit note", "in_refund", "creditNoteIdentifier", "creditNoteDate",
                   "creditNoteDueDate", False)


# --- schemas ----------------------------------------------------------------------------------

HEADERS = pa.DataFrameSchema({
    "transaction_id": _str(unique=True),
    "document_number": _str(),
    "document_date": _str(),  # YYYY-MM-DD, the document's own calendar day
    "due_date": _str(nullable=True),
    "net_days": _int(nullable=True),
    "supplier_gln": _str(),
    "supplier_name": _str(nullable=True),
    "bill_to_gln": _str(nullable=True),
    "order_identifier": _str(nullable=True),
    "invoice_reference": _str(nullable=True),  # the invoice a credit note corrects
    "currency": _str(nullable=True),
    "reason": _str(nullable=True),
    "subtotal_amount": _float(nullable=True),
    "tax_total": _float(nullable=True),
    "gross_amount": _float(nullable=True),
    "line_count": _int(),
}, strict=True, ordered=True, name="NormalisedBillHeaders")

LINES = pa.DataFrameSchema({
    "transaction_id": _str(),
    "line_number": _int(),
    "order_line_number": _int(nullable=True),
    "gtin": _str(nullable=True),
    "buyer_item_id": _str(nullable=True),
    "supplier_item_id": _str(nullable=True),
    "is_deposit_item": _bool(),
    "quantity": _float(),
    "unit_code": _str(nullable=True),
    "unit_price": _float(),
    "tax_percentage": _float(),
    "tax_amount": _float(nullable=True),
    "description": _str(nullable=True),
    "reason": _str(nullable=True),
}, strict=True, ordered=True, unique=["transaction_id", "line_number"], name="NormalisedBillLines")

REJECTS = pa.DataFrameSchema({
    "transaction_id": _str(unique=True),
    "document_number": _str(nullable=True),
    "supplier_gln": _str(nullable=True),
    "error_type": _str(checks=[pa.Check.isin((DATA, INTERNAL))]),
    "reason": _str(),
}, strict=True, ordered=True, name="BillRejects")

RESOLVED_HEADERS = pa.DataFrameSchema({
    "transaction_id": _str(unique=True),
    "status": _str(checks=[pa.Check.isin(STATUSES)]),
    "document_key": _str(),  # supplier + number: what makes a resend the same document
    "document_number": _str(),
    "supplier_gln": _str(),
    "partner_id": _int(),
    "company_id": _int(nullable=True),
    "target_move_id": _int(nullable=True),
    "target_move_name": _str(nullable=True),
    "invoice_date": _str(),
    "due_date": _str(nullable=True),
    "payment_term_id": _int(nullable=True),
    "fiscal_position_id": _int(nullable=True),
    "currency_id": _int(nullable=True),
    "purchase_order_name": _str(nullable=True),
    "reversed_entry_id": _int(nullable=True),
    "invoice_reference": _str(nullable=True),
    "reason": _str(nullable=True),
    "subtotal_amount": _float(),
    "tax_total": _float(),
    "gross_amount": _float(),
    "rounding": _float(),
    "line_count": _int(),
}, strict=True, ordered=True,
    checks=[pa.Check(lambda df: (df["status"] == "create") | df["target_move_id"].notna(), name="duplicate_has_target")],
    name="ResolvedBillHeaders")

RESOLVED_LINES = pa.DataFrameSchema({
    "transaction_id": _str(),
    "line_number": _int(),
    "product_id": _int(),
    "product_uom_id": _int(),
    "quantity": _float(),
    "price_unit": _float(),
    "tax_id": _int(),
    "name": _str(),
    "purchase_line_id": _int(nullable=True),
    "order_price": _float(nullable=True),
    "open_quantity": _float(nullable=True),  # received and not yet billed, in the order line's unit
    "order_line": _str(nullable=True),  # "P00012 line 2": where a finding points to
}, strict=True, ordered=True, unique=["transaction_id", "line_number"], name="ResolvedBillLines")

FINDINGS = pa.DataFrameSchema({
    "transaction_id": _str(),
    "document": _str(),
    "bill": _str(nullable=True),
    "line": _int(nullable=True),
    "finding": _str(),
}, strict=True, ordered=True, name="BillFindings")

SUMMARY = pa.DataFrameSchema({
    "transaction_id": _str(),
    "document_number": _str(nullable=True),
    "supplier": _str(nullable=True),
    "purchase_order": _str(nullable=True),
    "lines": _int(nullable=True),
    "status": _str(checks=[pa.Check.isin(STATUSES + ("rejected",))]),
    "reason": _str(nullable=True),
}, strict=True, ordered=True, name="BillImportSummary")


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
    kind: Kind = BILL


# --- stage 1: normalise -----------------------------------------------------------------------







def addressed_to(content: object) -> str | None:
    """The GLN a supplier's document is addressed to: its invoice recipient (billTo), the buyer
    when billTo is absent — ours for the documents of our suppliers (our own outbound INVOICEs
    name a customer there, so the history replay leaves them out)."""
    return header_party_gln(content, "billTo", "buyer")


def _day(value: object) -> str | None:
    """A Procuros DateTime → its own calendar day (the supplier's date, not shifted to UTC)."""
    text = _text(value)
    if text is None:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or math.isinf(value):
        raise ValueError(value)
    return float(value)


def _opt_number(value: object) -> float | None:
    try:
        return None if value is None else _number(value)
    except ValueError:
        return None


def _net_days(terms: object) -> int | None:
    days = [t["payInNumberOfDays"] for t in terms if isinstance(t, dict) and not t.get("percentage")
            and isinstance(t.get("payInNumberOfDays"), int)] if isinstance(terms, list) else []
    return max(days) if days else None


def _items(items: list) -> list[dict]:
    """Invoiced items, sub-items included (a display's contents are billed as sub-items)."""
    out = []
    for item in items:
        if not isinstance(item, dict):
            out.append(item)
            continue
        if item.get("isInvoicedItem", True) is not False:
            out.append(item)
        subs = item.get("subItems")
        if isinstance(subs, list):
            out.extend(_items(subs))
    return out


def _normalise_one(t: dict, kind: Kind, own_gln: str) -> tuple[dict, list[dict]]:
    content = t.get("content") if isinstance(t.get("content"), dict) else {}
    header = content.get("header") if isinstance(content.get("header"), dict) else {}
    number = _text(header.get(kind.number_field))
    doc = why.document(kind.label, number)
    problems: list[str] = []
    if t.get("type") not in (None, kind.procuros_type):
        problems.append(why.not_this_type(doc, t.get("type")))
    if number is None:
        problems.append(why.missing_field(doc, kind.number_field))
    supplier = header.get("supplier") if isinstance(header.get("supplier"), dict) else {}
    supplier_gln = _gln(supplier)
    if supplier_gln is None:
        problems.append(why.missing_field(doc, "the supplier's GLN"))
    bill_to = addressed_to(content)
    if bill_to != own_gln:
        problems.append(why.not_addressed_to_us(doc, bill_to, own_gln))
    dates = {}
    for field in (kind.date_field, kind.due_field):
        try:
            dates[field] = _day(header.get(field))
        except ValueError:
            problems.append(why.bad_date(doc, field, header.get(field)))
            dates[field] = None
    if _text(header.get(kind.date_field)) is None:
        problems.append(why.missing_field(doc, kind.date_field))
    order = _text(header.get("orderIdentifier"))
    if kind.needs_order and order is None:
        problems.append(why.order_missing(doc))
    items = content.get("items") if isinstance(content.get("items"), list) else []
    if not items:
        problems.append(why.no_items(doc))
    lines: list[dict] = []
    seen: set[int] = set()
    for position, item in enumerate(_items(items), start=1):
        if not isinstance(item, dict):
            problems.append(why.no_item_identifier(doc, position))
            continue
        line = item.get("lineNumber") if isinstance(item.get("lineNumber"), int) else position
        if line in seen:
            problems.append(why.duplicate_line_number(doc, line))
        seen.add(line)
        ids = {d: _item_id(item, d) for d in ("GS1", "BUYER", "SUPPLIER")}
        if not any(ids.values()):
            problems.append(why.no_item_identifier(doc, line))
        values = {}
        tax = item.get("tax") if isinstance(item.get("tax"), dict) else {}
        for field, value in (("quantity", item.get("quantity")), ("unitPrice", item.get("unitPrice")),
                             ("tax percentage", tax.get("percentage"))):
            try:
                values[field] = _number(value)
            except ValueError:
                problems.append(why.not_a_number(doc, line, field, value))
        unit = _text(item.get("unitOfMeasure"))
        lines.append({
            "transaction_id": t.get("procurosTransactionId"), "line_number": line,
            "order_line_number": item.get("orderLineNumber") if isinstance(item.get("orderLineNumber"), int) else None,
            "gtin": ids["GS1"], "buyer_item_id": ids["BUYER"], "supplier_item_id": ids["SUPPLIER"],
            "is_deposit_item": bool(item.get("isDepositItem")),
            "quantity": values.get("quantity"), "unit_code": unit if unit in UNIT_CODES else None,
            "unit_price": values.get("unitPrice"), "tax_percentage": values.get("tax percentage"),
            "tax_amount": _opt_number(tax.get("amount")),
            "description": _text(item.get("description")), "reason": _text(item.get("reason")),
        })
    summary = content.get("summary") if isinstance(content.get("summary"), dict) else {}
    tax_summary = summary.get("tax") if isinstance(summary.get("tax"), dict) else {}
    head = {
        "transaction_id": t.get("procurosTransactionId"), "document_number": number,
        "document_date": dates[kind.date_field], "due_date": dates[kind.due_field],
        "net_days": _net_days(header.get("paymentTerms")),
        "supplier_gln": supplier_gln, "supplier_name": _text(supplier.get("name")), "bill_to_gln": bill_to,
        "order_identifier": order,
        "invoice_reference": _text(header.get("invoiceIdentifier")) if kind is CREDIT_NOTE else None,
        "currency": _text(header.get("currency")), "reason": _text(header.get("reason")),
        # the document's own totals: net (subtotal + charges - allowances), tax and gross
        "subtotal_amount": _opt_number(summary.get("netAmount", summary.get("subtotalAmount"))),
        "tax_total": _opt_number(tax_summary.get("total")),
        "gross_amount": _opt_number(summary.get("grossAmount", summary.get("dueAmount"))),
        "line_count": len(lines),
    }
    if problems:
        raise _Rejected(head, problems)
    return head, lines


class _Rejected(Exception):
    def __init__(self, head: dict, problems: list[str]):
        super().__init__("; ".join(problems))
        self.head = head
        self.problems = list(dict.fromkeys(problems))


def normalise(transactions: list[dict], *, own_gln: str, limits: Any = None, kind: Kind = BILL) -> Normalised:
    """One header row per readable document and one row per line; every other document becomes
    one reject listing all its problems (``limits``: the order import's, unused here)."""
    heads, lines, rejects = [], [], []
    seen: set[str] = set()
    for t in transactions:
        tid = t.get("procurosTransactionId") if isinstance(t, dict) else None
        if not isinstance(tid, str) or tid in seen:
            continue
        seen.add(tid)
        try:
            head, doc_lines = _normalise_one(t, kind, own_gln)
        except _Rejected as exc:
            rejects.append({"transaction_id": tid, "document_number": exc.head.get("document_number"),
                            "supplier_gln": exc.head.get("supplier_gln"), "error_type": DATA,
                            "reason": "; ".join(exc.problems)})
            continue
        heads.append(head)
        lines += doc_lines
    return Normalised(frame(HEADERS, heads), frame(LINES, lines), frame(REJECTS, rejects))


# --- stage 2: resolve -------------------------------------------------------------------------

@dataclass(frozen=True)
class BillLookups:
    """One batched Odoo read per kind (odoo/vendor_bills.py builds it); plain records."""

    partners: list[dict]  # res.partner with ref in the suppliers' GLNs
    orders: list[dict]  # purchase.order by name
    order_lines: list[dict]  # their purchase.order.line
    products: list[dict]  # product.product by GTIN / article number
    moves: list[dict]  # vendor bills and credit notes with ref in the documents' numbers
    taxes: list[dict]  # purchase taxes (per run)
    position_taxes: list[dict]  # account.fiscal.position.tax (per run)
    uom_codes: dict[int, str]  # uom id → Procuros unit code (per run)
    rounding: float  # the company currency's rounding (per run)
    connector: str  # the integration's name in the vendors' Procuros Connector field
    # uom.uom id → {id, name, category_id (id), factor, rounding, x_procuros_unit_code} (per run)
    uoms: dict[int, dict] = field(default_factory=dict)
    uom_overrides: dict[str, int] = field(default_factory=dict)  # the settings' Procuros code → uom id


def document_key(partner_id: int, number: str) -> str:
    """What a supplier's document is, whatever transaction carried it: vendor + number."""
    digest = hashlib.sha1(f"{int(partner_id)}|{number.strip().upper()}".encode()).hexdigest()[:20]
    return f"{int(partner_id)}_{digest}"


def _tax_chooser(lookups: BillLookups):
    """(percentage, fiscal position, preferred tax ids) → an Odoo purchase tax id or None.

    A tax the position maps is replaced by its destination, like Odoo's map_tax; the order
    line's (already mapped) taxes and the product's vendor taxes come first, then every
    purchase tax by sequence."""
    taxes = {t["id"]: t for t in lookups.taxes}
    mapping: dict[tuple[int, int], int] = {}
    for row in lookups.position_taxes:
        pos, src, dest = m2o_id(row.get("position_id")), m2o_id(row.get("tax_src_id")), m2o_id(row.get("tax_dest_id"))
        if pos and src and dest:
            mapping.setdefault((pos, src), dest)
    ordered = sorted(taxes.values(), key=lambda t: (t.get("sequence") or 0, t["id"]))

    def choose(pct: float, position: int | None, preferred: list[int], mapped: list[int]) -> int | None:
        def rate(tid):
            t = taxes.get(tid)
            return t.get("amount") if t and t.get("amount_type", "percent") == "percent" else None
        for tid in mapped:  # already through the position (the order line's taxes)
            if rate(tid) is not None and abs(rate(tid) - pct) < 1e-6:
                return tid
        for tid in preferred + [t["id"] for t in ordered]:
            dest = mapping.get((position, tid), tid) if position else tid
            if rate(dest) is not None and abs(rate(dest) - pct) < 1e-6:
                return dest
        return None
    return choose


def _product_index(products: list[dict]):
    by_gtin: dict[str, list[dict]] = {}
    by_code: dict[str, list[dict]] = {}
    for p in products:
        if gtin_key(p.get("barcode")):
            by_gtin.setdefault(gtin_key(p["barcode"]), []).append(p)
        if p.get("default_code"):
            by_code.setdefault(p["default_code"], []).append(p)
    return by_gtin, by_code


def _find_product(line: dict, by_gtin, by_code, doc: str, problems: list[str]) -> dict | None:
    tried = []
    for sent, index in ((line["gtin"], by_gtin), (line["supplier_item_id"], by_code), (line["buyer_item_id"], by_code)):
        sent = _na(sent)
        if sent is None:
            continue
        tried.append(str(sent))
        found = index.get(gtin_key(sent) if index is by_gtin else sent, [])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            problems.append(why.product_ambiguous(doc, line["line_number"], sent,
                                                  [p.get("display_name") or p.get("name") or str(p["id"]) for p in found]))
            return None
    problems.append(why.product_unknown(doc, line["line_number"], tried))
    return None


def _na(value):
    return None if value is None or (not isinstance(value, (list, dict, str)) and pd.isna(value)) else value


def _in_order_unit(quantity: float, code: str, uom_id: int | None, lookups: BillLookups) -> float | None:
    """A billed quantity in the order line's unit; None when the code has no Odoo unit or one of
    another category (kilograms for an order in units), or it comes to nothing."""
    billed, ordered = uom_for_code(code, lookups.uoms, lookups.uom_overrides), lookups.uoms.get(uom_id)
    if billed is None or ordered is None or billed.get("category_id") != ordered.get("category_id"):
        return None
    converted = convert(quantity, billed, ordered)
    return converted if converted > 0 else None


def resolve(norm: Normalised, lookups: BillLookups, kind: Kind = BILL) -> Resolved:
    headers, rejects, lines_out = [], [], []
    suppliers: dict[str, list[dict]] = {}
    for p in lookups.partners:
        if p.get("active", True) and (m2o_id(p.get("commercial_partner_id")) or p["id"]) == p["id"]:
            suppliers.setdefault(p.get("ref"), []).append(p)
    orders = {o["name"]: o for o in lookups.orders}
    order_lines: dict[int, list[dict]] = {}
    for ln in sorted(lookups.order_lines, key=lambda l: (l.get("sequence") or 0, l["id"])):
        if not ln.get("display_type"):
            order_lines.setdefault(m2o_id(ln["order_id"]), []).append(ln)
    by_gtin, by_code = _product_index(lookups.products)
    choose_tax = _tax_chooser(lookups)
    moves = {(m2o_id(m.get("commercial_partner_id")) or m2o_id(m.get("partner_id")), m.get("move_type"),
              (m.get("ref") or "").strip().upper()): m for m in sorted(lookups.moves, key=lambda m: m["id"])}
    lines_by_tid = records_by(norm.lines)
    for h in norm.headers.to_dict("records"):
        tid, number = h["transaction_id"], h["document_number"]
        doc = why.document(kind.label, number)
        problems: list[str] = []

        def reject(problems=problems):
            rejects.append({"transaction_id": tid, "document_number": number, "supplier_gln": h["supplier_gln"],
                            "error_type": DATA, "reason": "; ".join(dict.fromkeys(problems))})

        found = suppliers.get(h["supplier_gln"], [])
        if not found:
            problems.append(why.supplier_unknown(doc, h["supplier_gln"], _na(h["supplier_name"])))
        elif len(found) > 1:
            problems.append(why.supplier_ambiguous(doc, h["supplier_gln"], [p["name"] for p in found]))
        elif (found[0].get("x_procuros_connector") or None) != lookups.connector:
            problems.append(why.supplier_not_connected(doc, found[0]["name"], found[0].get("x_procuros_connector") or None,
                                                       lookups.connector))
        if problems:
            reject()
            continue
        partner = found[0]
        existing = moves.get((partner["id"], kind.move_type, number.strip().upper()))
        credited = None
        if _na(h["invoice_reference"]):
            credited = moves.get((partner["id"], BILL.move_type, h["invoice_reference"].strip().upper()))
        order_name = _na(h["order_identifier"]) or (credited.get("invoice_origin") if credited else None) or None
        order = orders.get(order_name) if order_name else None
        if order_name and order is None:
            problems.append(why.order_unknown(doc, order_name))
        elif order is not None:
            if m2o_id(order.get("partner_id")) != partner["id"]:
                problems.append(why.order_of_other_supplier(doc, order_name))
            elif order.get("state") not in ("purchase", "done"):
                problems.append(why.order_not_confirmed(doc, order_name, order.get("state") or ""))
            else:
                currency = (order.get("currency_id") or [None, None])[1] if order.get("currency_id") else None
                if _na(h["currency"]) and currency and h["currency"] != currency:
                    problems.append(why.currency_mismatch(doc, h["currency"], order_name, currency))
        if problems:
            reject()
            continue
        common = {
            "transaction_id": tid, "document_number": number, "supplier_gln": h["supplier_gln"],
            "partner_id": partner["id"], "document_key": document_key(partner["id"], number),
            "company_id": m2o_id(order.get("company_id")) if order else None,
            "invoice_date": h["document_date"], "invoice_reference": _na(h["invoice_reference"]),
            "rounding": lookups.rounding, "line_count": h["line_count"],
            "purchase_order_name": order["name"] if order else None,
        }
        if existing is not None:
            headers.append({**common, "status": "already_imported", "target_move_id": existing["id"],
                            "target_move_name": existing.get("name"), "subtotal_amount": 0.0, "tax_total": 0.0,
                            "gross_amount": 0.0})
            continue
        # the order's position, else the vendor's own: an order created over RPC has none (the form's
        # onchange sets it), as Odoo's _prepare_invoice falls back to the partner (transcript 17)
        position = (m2o_id(order.get("fiscal_position_id")) if order else None) or \
            m2o_id(partner.get("property_account_position_id"))
        po_lines = order_lines.get(order["id"], []) if order else []
        used: set[int] = set()
        doc_lines = []
        for ln in sorted(lines_by_tid.get(tid, []), key=lambda l: l["line_number"]):
            number_ = int(ln["line_number"])
            product = _find_product(ln, by_gtin, by_code, doc, problems)
            if product is None:
                continue
            candidates = [pl for pl in po_lines if m2o_id(pl.get("product_id")) == product["id"]]
            by_position = {i: pl for i, pl in enumerate(po_lines, start=1)}
            po_line = None
            wanted = _na(ln["order_line_number"])
            if wanted is not None and by_position.get(int(wanted)) in candidates:
                po_line = by_position[int(wanted)]
            elif candidates:
                po_line = next((pl for pl in candidates if pl["id"] not in used), candidates[0])
            if po_line is None and order is not None and not ln["is_deposit_item"]:
                # deposit articles are billed without being ordered (Pfand); anything else must be on the order
                problems.append(why.product_not_ordered(doc, number_, product.get("display_name") or product["name"],
                                                        order["name"]))
                continue
            uom = m2o_id(po_line.get("product_uom")) if po_line else m2o_id(product.get("uom_id"))
            ordered_code = lookups.uom_codes.get(uom)
            quantity, price = float(ln["quantity"]), float(ln["unit_price"])
            if _na(ln["unit_code"]) and ordered_code and ln["unit_code"] != ordered_code and po_line:
                # billed in another unit (cartons of 12 for an order in units): into the order line's
                # unit, as the receipts convert (the line's total stays the supplier's)
                converted = _in_order_unit(quantity, ln["unit_code"], uom, lookups)
                if converted is None:
                    problems.append(why.unit_mismatch(doc, number_, ln["unit_code"], ordered_code, order["name"]))
                    continue
                quantity, price = converted, price * quantity / converted
            tax = choose_tax(float(ln["tax_percentage"]), position, list(product.get("supplier_taxes_id") or []),
                             list(po_line.get("taxes_id") or []) if po_line else [])
            if tax is None:
                problems.append(why.tax_unknown(doc, number_, float(ln["tax_percentage"])))
                continue
            if po_line:
                used.add(po_line["id"])
                where = f"{order['name']} line {po_lines.index(po_line) + 1}"
            text = _na(ln["description"]) or product.get("name") or ""
            if _na(ln["reason"]):
                text = f"{text} ({ln['reason']})"
            doc_lines.append({
                "transaction_id": tid, "line_number": number_, "product_id": product["id"], "product_uom_id": uom,
                "quantity": quantity, "price_unit": price, "tax_id": tax,
                "name": f"{order['name']}: {text}" if order else text,
                "purchase_line_id": po_line["id"] if po_line else None,
                "order_price": float(po_line["price_unit"]) if po_line else None,
                "open_quantity": (float(po_line.get("qty_received") or 0.0) - float(po_line.get("qty_invoiced") or 0.0))
                if po_line else None,
                "order_line": where if po_line else None,
            })
        if problems:
            reject()
            continue
        lines_out += doc_lines
        sub = sum(round(l["quantity"] * l["price_unit"], 2) for l in doc_lines)
        line_tax = [_na(ln["tax_amount"]) for ln in lines_by_tid.get(tid, [])]
        tax_total = _na(h["tax_total"])
        if tax_total is None:
            tax_total = sum(t for t in line_tax if t is not None)
        subtotal = _na(h["subtotal_amount"])
        subtotal = sub if subtotal is None else subtotal
        gross = _na(h["gross_amount"])
        due_date, term = _na(h["due_date"]), None
        if due_date is None and _na(h["net_days"]) is not None:
            due_date = (pd.Timestamp(h["document_date"]) + pd.Timedelta(days=int(h["net_days"]))).date().isoformat()
        if due_date is None and kind is BILL:
            term = m2o_id(order.get("payment_term_id")) if order else None  # the order's terms decide
        headers.append({
            **common, "status": "create", "target_move_id": None, "target_move_name": None,
            "due_date": due_date, "payment_term_id": term, "fiscal_position_id": position,
            "currency_id": m2o_id(order.get("currency_id")) if order else None,
            "reversed_entry_id": credited["id"] if credited else None, "reason": _na(h["reason"]),
            "subtotal_amount": float(subtotal), "tax_total": float(tax_total),
            "gross_amount": float(gross) if gross is not None else float(subtotal) + float(tax_total),
        })
    # what could not even be read is rejected too: every document must be acknowledged
    rejects = norm.rejects.to_dict("records") + rejects
    return Resolved(frame(RESOLVED_HEADERS, headers), frame(RESOLVED_LINES, lines_out), frame(REJECTS, rejects), kind)


# --- stage 3: the writes ----------------------------------------------------------------------

@dataclass(frozen=True)
class BillWrite:
    transaction_id: str
    status: str  # create | already_imported
    document_key: str
    document_number: str
    target_move_id: int | None
    vals: dict


def _int(value) -> int | None:
    value = _na(value)
    return None if value is None else int(value)


def build_writes(resolved: Resolved) -> list[BillWrite]:
    """account.move create values with plain int ids. The accounting date and the draft's
    number are left to Odoo: it derives them from invoice_date (a bill dated in a past month
    lands on that month's last day, transcript 14)."""
    kind = resolved.kind
    by_tid = records_by(resolved.lines, order_by="line_number")
    out = []
    for h in resolved.headers.sort_values("transaction_id").to_dict("records"):
        if h["status"] == "already_imported":
            out.append(BillWrite(h["transaction_id"], "already_imported", h["document_key"], h["document_number"],
                                 _int(h["target_move_id"]), {}))
            continue
        lines = []
        for i, ln in enumerate(by_tid.get(h["transaction_id"], []), start=1):
            vals = {"product_id": int(ln["product_id"]), "name": str(ln["name"]), "quantity": float(ln["quantity"]),
                    "product_uom_id": int(ln["product_uom_id"]), "price_unit": float(ln["price_unit"]),
                    "tax_ids": [(6, 0, [int(ln["tax_id"])])], "sequence": 10 * i}
            if _int(ln["purchase_line_id"]):
                vals["purchase_line_id"] = _int(ln["purchase_line_id"])
            lines.append((0, 0, vals))
        vals = {
            "move_type": kind.move_type, "partner_id": int(h["partner_id"]),
            "ref": str(h["document_number"]), "payment_reference": str(h["document_number"]),
            "invoice_date": str(h["invoice_date"]),
            "x_procuros_transaction_id": str(h["transaction_id"]),
            "invoice_line_ids": lines,
        }
        for key, column in (("company_id", "company_id"), ("currency_id", "currency_id"),
                            ("fiscal_position_id", "fiscal_position_id"), ("reversed_entry_id", "reversed_entry_id")):
            if _int(h[column]):
                vals[key] = _int(h[column])
        if _na(h["purchase_order_name"]):
            vals["invoice_origin"] = str(h["purchase_order_name"])
        if _na(h["due_date"]):
            # the supplier's due date wins over the vendor's terms in Odoo (no term: Odoo keeps it)
            vals["invoice_payment_term_id"] = False
            vals["invoice_date_due"] = str(h["due_date"])
        elif _int(h["payment_term_id"]):
            vals["invoice_payment_term_id"] = _int(h["payment_term_id"])
        if _na(h["reason"]):
            vals["narration"] = f"<p>{html.escape(str(h['reason']))}</p>"
        out.append(BillWrite(h["transaction_id"], "create", h["document_key"], h["document_number"], None, vals))
    return out


def write_problems(writes: list[BillWrite]) -> list[dict]:
    """Malformed values (a mapping fault, never the supplier's): rows {transaction_id, problem}."""
    problems = []
    ok_id = lambda v: isinstance(v, int) and not isinstance(v, bool) and v > 0  # noqa: E731
    for w in writes:
        if w.status != "create":
            continue
        if not ok_id(w.vals.get("partner_id")):
            problems.append({"transaction_id": w.transaction_id, "problem": "partner_id is not an Odoo id"})
        lines = [c[2] for c in w.vals.get("invoice_line_ids", [])]
        if not lines:
            problems.append({"transaction_id": w.transaction_id, "problem": "the bill has no lines"})
        for ln in lines:
            if not (ok_id(ln.get("product_id")) and ok_id(ln.get("product_uom_id"))
                    and isinstance(ln.get("quantity"), float) and math.isfinite(ln["quantity"])):
                problems.append({"transaction_id": w.transaction_id, "problem": f"malformed line {ln}"})
                break
    return problems


def reject_malformed(resolved: Resolved, malformed: dict[str, str]) -> Resolved:
    h = resolved.headers
    numbers = dict(zip(h["transaction_id"], h["document_number"]))
    glns = dict(zip(h["transaction_id"], h["supplier_gln"]))
    extra = frame(REJECTS, [{"transaction_id": tid, "document_number": numbers.get(tid), "supplier_gln": glns.get(tid),
                             "error_type": INTERNAL,
                             "reason": f"The connector built malformed values for Odoo ({why_}); we are on it"}
                            for tid, why_ in malformed.items()])
    keep = ~h["transaction_id"].isin(list(malformed))
    return Resolved(h[keep], resolved.lines[~resolved.lines["transaction_id"].isin(list(malformed))],
                    pd.concat([resolved.rejects, extra], ignore_index=True), resolved.kind)


def with_test_rejects(norm: Normalised, transactions: list[dict], kind: Kind = BILL) -> Normalised:
    rows = []
    for t in transactions:
        header = (t.get("content") or {}).get("header") or {}
        rows.append({"transaction_id": t["procurosTransactionId"], "document_number": _text(header.get(kind.number_field)),
                     "supplier_gln": _gln(header.get("supplier")), "error_type": DATA,
                     "reason": f"Test transactions are not accepted by this Odoo; send the {kind.label.lower()} in the live flow"})
    return Normalised(norm.headers, norm.lines, pd.concat([norm.rejects, frame(REJECTS, rows)], ignore_index=True))


def summarise(resolved: Resolved) -> pd.DataFrame:
    rows = []
    for h in resolved.headers.to_dict("records"):
        rows.append({"transaction_id": h["transaction_id"], "document_number": h["document_number"],
                     "supplier": h["supplier_gln"], "purchase_order": _na(h["purchase_order_name"]),
                     "lines": h["line_count"], "status": h["status"],
                     "reason": f"already imported as {h['target_move_name']}" if h["status"] == "already_imported" else None})
    for r in resolved.rejects.to_dict("records"):
        rows.append({"transaction_id": r["transaction_id"], "document_number": _na(r["document_number"]),
                     "supplier": _na(r["supplier_gln"]), "purchase_order": None, "lines": None,
                     "status": "rejected", "reason": r["reason"]})
    rows.sort(key=lambda r: r["transaction_id"])
    return frame(SUMMARY, rows)


# --- the bill check ---------------------------------------------------------------------------

def findings(resolved: Resolved, outcomes: list) -> pd.DataFrame:
    """What the buyer should look at in the bills just created: prices and quantities that differ
    from the purchase order, and Odoo totals that differ from the document's own beyond the
    company's rounding. ``outcomes``: the writer's, with the amounts Odoo computed."""
    kind = resolved.kind
    created = {o.transaction_id: o for o in outcomes if o.status == "created"}
    heads = {h["transaction_id"]: h for h in resolved.headers.to_dict("records") if h["transaction_id"] in created}
    rows = []
    for tid, h in heads.items():
        o = created[tid]
        doc = why.document(kind.label, h["document_number"])
        half = float(h["rounding"]) / 2
        base = {"transaction_id": tid, "document": doc, "bill": o.record_name}
        if kind is CREDIT_NOTE and _na(h["invoice_reference"]) and _int(h["reversed_entry_id"]) is None:
            rows.append({**base, "line": None, "finding": why.credited_bill_unknown(h["invoice_reference"])})
        for what, document_value, odoo_value in (("untaxed amount", h["subtotal_amount"], o.amount_untaxed),
                                                 ("tax", h["tax_total"], o.amount_tax),
                                                 ("total", h["gross_amount"], o.amount_total)):
            if odoo_value is not None and abs(float(document_value) - float(odoo_value)) > half:
                rows.append({**base, "line": None, "finding": why.total_differs(what, document_value, odoo_value)})
    lines = resolved.lines[resolved.lines["transaction_id"].isin(list(heads))]
    for ln in lines.sort_values(["transaction_id", "line_number"]).to_dict("records"):
        if _na(ln["purchase_line_id"]) is None:
            continue
        h = heads[ln["transaction_id"]]
        base = {"transaction_id": ln["transaction_id"], "document": why.document(kind.label, h["document_number"]),
                "bill": created[ln["transaction_id"]].record_name, "line": int(ln["line_number"])}
        if abs(ln["price_unit"] - ln["order_price"]) > float(h["rounding"]) / 2:
            rows.append({**base, "finding": why.price_differs(ln["line_number"], ln["price_unit"], ln["order_price"],
                                                              ln["order_line"])})
        if kind is BILL and ln["quantity"] > ln["open_quantity"] + 1e-6:
            rows.append({**base, "finding": why.quantity_exceeds(ln["line_number"], ln["quantity"],
                                                                 max(ln["open_quantity"], 0.0), ln["order_line"])})
    return frame(FINDINGS, rows)


# --- the two kinds, as the movement registry wants them ---------------------------------------

def for_kind(kind: Kind) -> dict[str, Any]:
    """The InboundSpec functions of one kind (see movements.py)."""
    return dict(
        addressed_to=addressed_to,
        normalise=partial(normalise, kind=kind),
        with_test_rejects=partial(with_test_rejects, kind=kind),
        resolve=partial(resolve, kind=kind),
        build_writes=build_writes,
        write_problems=write_problems,
        reject_malformed=reject_malformed,
        summarise=summarise,
        findings=findings,
    )
