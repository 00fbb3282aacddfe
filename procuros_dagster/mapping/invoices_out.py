"""INVOICE documents from posted customer invoices (account.move, move_type out_invoice).

Bundle models: account.move (the invoices; for credit notes also the reversed invoices),
account.move.line (product lines), account.tax, sale.order.line (all lines of the invoiced orders),
sale.order, stock.picking (the orders' done outgoing deliveries), stock.move (the orders' done outgoing
moves), res.partner, product.product, account.payment.term, account.payment.term.line.

Every invoice item names the delivery that shipped its order line (shippingNoticeIdentifier/Date/LineNumber,
numbered as the shipping notice numbered it); the header keeps one reference (the last delivery).

The item/summary code here is shared with credit_notes_out (same line and total structure).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any, Callable

from .outbound import (
    INVOICE, BuildError, ExportContext, OutboundBatch, OutboundDocument, date_as_datetime,
    drop_none, failure_from, finish_batch, first_line, ids, index, kind, local_date, local_datetime, money,
    qty, text, order_identifier,
)
from .invoice_legal import CATEGORIES, bank_account, financial_institution, legal_information, tax_category
from .odoo_values import m2o_id, m2o_name
from .parties import bill_to_party, buyer_party, ship_to_party, supplier_party
from .shipping_notices_out import item_identity, notice_lines

_EPS = 1e-6

MODEL = "account.move"
SWITCH = "x_procuros_send_invoice"


def build_invoices(bundle: dict[str, list[dict]], ctx: ExportContext) -> OutboundBatch:
    return build_moves(bundle, ctx, INVOICE, "out_invoice", _invoice_content)


# --- shared with credit notes ---------------------------------------------------------------

@dataclass
class MoveData:
    moves: dict[int, dict]
    lines: dict[int, dict]
    taxes: dict[int, dict]
    sale_lines: dict[int, dict]
    orders: dict[int, dict]
    pickings: dict[int, dict]
    partners: dict[int, dict]
    products: dict[int, dict]
    terms: dict[int, dict]
    term_lines: dict[int, dict]
    stock_moves: dict[int, dict] = field(default_factory=dict)
    bank_accounts: dict[int, dict] = field(default_factory=dict)
    banks: dict[int, dict] = field(default_factory=dict)
    companies: dict[int, dict] = field(default_factory=dict)
    fiscal_positions: dict[int, dict] = field(default_factory=dict)

    @classmethod
    def of(cls, bundle: dict[str, list[dict]]) -> "MoveData":
        return cls(index(bundle, "account.move"), index(bundle, "account.move.line"), index(bundle, "account.tax"),
                   index(bundle, "sale.order.line"), index(bundle, "sale.order"), index(bundle, "stock.picking"),
                   index(bundle, "res.partner"), index(bundle, "product.product"),
                   index(bundle, "account.payment.term"), index(bundle, "account.payment.term.line"),
                   index(bundle, "stock.move"), index(bundle, "res.partner.bank"), index(bundle, "res.bank"),
                   index(bundle, "res.company"), index(bundle, "account.fiscal.position"))

    @cached_property
    def lines_by_move(self) -> dict[int, list[dict]]:
        """Each move's lines, indexed once per batch (a move's lines are not searched among every
        line of the batch: that made a batch of 1,000 invoices quadratic)."""
        out: dict[int, list[dict]] = defaultdict(list)
        for ln in self.lines.values():
            move_id = m2o_id(ln.get("move_id"))
            if move_id:
                out[move_id].append(ln)
        return out

    @cached_property
    def done_deliveries_by_order(self) -> dict[int, list[dict]]:
        """Each sale order's done outgoing pickings (with a validation date), indexed once per batch."""
        out: dict[int, list[dict]] = defaultdict(list)
        for p in self.pickings.values():
            order_id = m2o_id(p.get("sale_id"))
            if order_id and _is_done_delivery(p):
                out[order_id].append(p)
        return out

    @cached_property
    def done_moves_by_picking(self) -> dict[int, list[dict]]:
        """The done outgoing moves of each picking, as the shipping notice of that picking sees them."""
        out: dict[int, list[dict]] = defaultdict(list)
        for m in sorted(self.stock_moves.values(), key=lambda m: int(m["id"])):
            pid = m2o_id(m.get("picking_id"))
            if pid and m.get("state") == "done" and m.get("picking_code", "outgoing") == "outgoing":
                out[pid].append(m)
        return out

    @cached_property
    def delivered_moves_by_sale_line(self) -> dict[int, list[tuple[int, dict]]]:
        """(picking, move) of each sale line's moves that shipped something in a done delivery:
        indexed once, so that a line's deliveries are not searched among every move of the batch."""
        out: dict[int, list[tuple[int, dict]]] = defaultdict(list)
        for pid, moves in self.done_moves_by_picking.items():
            if pid in self.pickings and _is_done_delivery(self.pickings[pid]):
                for m in moves:
                    sale_line = m2o_id(m.get("sale_line_id"))
                    if sale_line and float(m.get("quantity") or 0.0) > 0:
                        out[sale_line].append((pid, m))
        return out


def build_moves(bundle, ctx: ExportContext, transaction_type: str, move_type: str, content_fn) -> OutboundBatch:
    batch = OutboundBatch()
    data = MoveData.of(bundle)
    line_rows: list[dict] = []
    total_rows: list[dict] = []
    for move in sorted(data.moves.values(), key=lambda m: int(m["id"])):
        if move.get("move_type") != move_type:
            continue  # e.g. the reversed invoices read along with credit notes
        label = f"{kind(transaction_type)} {move.get('name')}"
        try:
            if move.get("state") != "posted":
                raise BuildError("is not posted; only posted documents are sent")
            commercial = data.partners.get(m2o_id(move.get("commercial_partner_id")) or -1)
            if commercial is None:
                raise BuildError(f"customer {m2o_name(move.get('commercial_partner_id'))} was not read")
            if not commercial.get(SWITCH):
                raise BuildError(f"customer {commercial.get('name')} does not have 'Send Invoice & Credit Notes' enabled")
            lines = product_lines(move, data)
            items, rows = build_items(move, lines, data, ctx, transaction_type)
            content = content_fn(move, commercial, items, data, ctx)
            charges = content["summary"].get("modificationGroups", [{"modifications": []}])[0]["modifications"]
            content["items"] = public(content["items"])
        except BuildError as exc:
            batch.failures.append(failure_from(MODEL, move, transaction_type, f"{label}: {exc}"))
            continue
        batch.documents.append(OutboundDocument(MODEL, int(move["id"]), str(move["name"]), transaction_type, content))
        line_rows += rows
        sign = {"CHARGE": 1, "ALLOWANCE": -1}
        total_rows.append({
            "record_id": int(move["id"]), "document": str(move["name"]), "transaction_type": transaction_type,
            "lines_net": money(sum(r["net_amount"] for r in rows) + sum(sign[m["type"]] * m["amount"] for m in charges)),
            "lines_tax": money(sum(r["tax_amount"] for r in rows)
                               + sum(sign[m["type"]] * m["tax"]["amount"] for m in charges)),
            "amount_untaxed": money(move.get("amount_untaxed")), "amount_tax": money(move.get("amount_tax")),
            "amount_total": money(move.get("amount_total")),
        })
    return finish_batch(batch, line_rows, total_rows)


def product_lines(move: dict, data: MoveData) -> list[dict]:
    wanted = set(ids(move.get("invoice_line_ids")))
    lines = [ln for ln in data.lines_by_move.get(int(move["id"]), [])
             if ln.get("display_type") == "product" and (not wanted or int(ln["id"]) in wanted)]
    if not lines:
        raise BuildError("has no product lines")
    return sorted(lines, key=lambda ln: (int(ln.get("sequence") or 0), int(ln["id"])))


def line_sale_line(line: dict, data: MoveData) -> dict | None:
    for sl_id in sorted(ids(line.get("sale_line_ids"))):
        if sl_id in data.sale_lines:
            return data.sale_lines[sl_id]
    return None


def orders_of(lines: list[dict], data: MoveData) -> list[dict]:
    order_ids = {m2o_id(sl.get("order_id")) for ln in lines if (sl := line_sale_line(ln, data))}
    return sorted((data.orders[i] for i in order_ids if i in data.orders), key=lambda o: str(o.get("name")))


def order_date(order: dict, ctx: ExportContext) -> str | None:
    return local_datetime(order.get("x_procuros_order_date") or order.get("date_order"), ctx.timezone)


def _tax_of(line: dict, data: MoveData) -> dict[str, Any]:
    subtotal = float(line.get("price_subtotal") or 0.0)
    amount = money(abs(float(line.get("price_total") or 0.0) - subtotal))
    taxes = [data.taxes[t] for t in sorted(ids(line.get("tax_ids"))) if t in data.taxes]
    if taxes and all(t.get("amount_type") == "percent" for t in taxes):
        percentage = round(sum(float(t.get("amount") or 0.0) for t in taxes), 4)
    elif subtotal:
        percentage = round(abs(amount / subtotal) * 100, 2)  # fixed / group taxes: effective rate
    else:
        percentage = 0.0
    if ids(line.get("tax_ids")) and not taxes:
        raise BuildError(f"the taxes of line {line.get('name')!r} were not read")
    desc = ", ".join(text(t.get("description")) or str(t.get("name")) for t in taxes) or None
    return drop_none({"amount": amount, "percentage": percentage, "description": desc})


def is_charge_line(line: dict, data: MoveData) -> bool:
    """Freight, packaging and other charges (or a negative allowance line): a line without a
    product, or of a service product without GTIN. They travel as document-level modifications,
    not as items: an item needs a GTIN, and a retailer books a freight line as a charge."""
    sale_line = line_sale_line(line, data)
    if sale_line and sale_line.get("is_downpayment"):
        return False  # a down payment is no charge: it fails as an item (no GTIN / negative quantity)
    if not line.get("product_id"):
        return True
    product = data.products.get(m2o_id(line["product_id"]))
    return bool(product and product.get("type") == "service" and not text(product.get("barcode")))


_REASONS = (("SHIPPING", ("fracht", "freight", "versand", "shipping", "delivery", "porto", "lieferung")),
            ("PACKAGING", ("verpack", "packag")), ("INSURANCE", ("versicher", "insurance")))


def _charge_reason(line: dict, data: MoveData, allowance: bool) -> str:
    sl = line_sale_line(line, data)
    if sl and sl.get("is_delivery"):
        return "SHIPPING"  # the delivery line Odoo's carrier added
    if allowance:
        return "DISCOUNT"
    label = (text(line.get("name")) or m2o_name(line.get("product_id")) or "").lower()
    return next((code for code, words in _REASONS if any(w in label for w in words)), "HANDLING")


def charge_modification(line: dict, data: MoveData) -> dict[str, Any]:
    """An absolute CHARGE (or ALLOWANCE, for a negative line) with the tax Odoo applied to it."""
    net = money(float(line.get("price_subtotal") or 0.0))
    allowance = net < 0
    tax = _tax_of(line, data)
    return drop_none({"type": "ALLOWANCE" if allowance else "CHARGE", "calculationType": "ABSOLUTE",
                      "reasonCode": _charge_reason(line, data, allowance),
                      "description": first_line(line.get("name")) or m2o_name(line.get("product_id")),
                      "amount": abs(net), "tax": {"amount": tax["amount"], "percentage": tax["percentage"]}})


def discount_groups(basis: float, net: float, discount: float) -> list[dict]:
    """The line discount as a RELATIVE ALLOWANCE/DISCOUNT on the gross line amount; its amount is
    what Odoo took off (gross - subtotal), so quantity x unitPrice - allowance = the line's net."""
    surcharge = discount < 0
    return [{"basis": money(basis), "level": 1, "modifications": [{
        "type": "CHARGE" if surcharge else "ALLOWANCE", "calculationType": "RELATIVE",
        "reasonCode": "HANDLING" if surcharge else "DISCOUNT", "percentage": abs(round(discount, 4)),
        "amount": money(abs(basis - net))}]}]


def split_item(item: dict, quantity: float, net: float, tax_amount: float) -> dict:
    """A part of an item (one delivery's share): quantity, net, tax and any discount group follow."""
    part = {**item, "quantity": qty(quantity), "tax": {**item["tax"], "amount": tax_amount}, "_net": money(net)}
    if item.get("modificationGroups"):
        [group] = item["modificationGroups"]
        [mod] = group["modifications"]
        part["modificationGroups"] = discount_groups(quantity * item["unitPrice"], net,
                                                     mod["percentage"] * (-1 if mod["type"] == "CHARGE" else 1))
    return part


def build_items(move: dict, lines: list[dict], data: MoveData, ctx: ExportContext,
                transaction_type: str) -> tuple[list[dict], list[dict]]:
    multi_order = len(orders_of(lines, data)) > 1
    items, rows = [], []
    for line in lines:
        if is_charge_line(line, data):
            continue  # a document-level modification (document_charges)
        n = len(items) + 1
        quantity = float(line.get("quantity") or 0.0)
        if not line.get("product_id"):
            raise BuildError(f"line {line.get('name')!r} has no product")
        if quantity < 0:
            raise BuildError(f"line {line.get('name')!r} has a negative quantity (e.g. a down payment deduction); "
                             "Procuros needs positive lines")
        product = data.products.get(m2o_id(line["product_id"]))
        sl = line_sale_line(line, data)
        ident = item_identity(product, m2o_id(line.get("product_uom_id")), m2o_name(line.get("product_uom_id")),
                              m2o_name(line.get("product_id")), ctx, sl)
        subtotal = money(line.get("price_subtotal"))
        discount = float(line.get("discount") or 0.0)
        # unitPrice is the gross price Odoo invoiced; a discount is its own allowance on the line
        unit_price = float(line.get("price_unit") or 0.0)
        tax = _tax_of(line, data)
        item: dict[str, Any] = {"lineNumber": n, **ident, "isDepositItem": bool(sl and sl.get("x_procuros_is_deposit")),
                                "isInvoicedItem": True, "quantity": qty(quantity), "unitPrice": unit_price, "tax": tax,
                                "_net": subtotal}
        if discount:
            item["modificationGroups"] = discount_groups(quantity * unit_price, subtotal, discount)
        ln = sl.get("x_procuros_line_number") if sl else None
        if isinstance(ln, int) and not isinstance(ln, bool) and ln > 0:
            item["orderLineNumber"] = ln
        if multi_order and sl:
            order = data.orders.get(m2o_id(sl.get("order_id")) or -1)
            if order:
                item["orderIdentifier"] = order_identifier(order)
                item["orderDate"] = order_date(order, ctx)
        desc = first_line(line.get("name"))
        if desc:
            item["description"] = desc
        items.append(item)
        rows.append({
            "record_id": int(move["id"]), "document": str(move["name"]), "transaction_type": transaction_type,
            "line_number": n, "gtin": ident["identifiers"][0]["identifier"], "unit": ident["unitOfMeasure"],
            "quantity": qty(quantity), "ordered_quantity": None, "shipped_quantity": None, "over_delivered": False,
            "unit_price": unit_price, "net_amount": subtotal, "tax_amount": tax["amount"],
            "allowance_amount": money(quantity * unit_price - subtotal),
        })
    if not items:
        raise BuildError("has only charge lines (no line of a product with a GTIN)")
    return items, rows


def item_net(item: dict) -> float:
    return item["_net"] if "_net" in item else item["quantity"] * item["unitPrice"]


def public(items: list[dict]) -> list[dict]:
    """Items without the builder's private keys (``_net``)."""
    return [{k: v for k, v in it.items() if not k.startswith("_")} for it in items]


def summary(move: dict, items: list[dict], charges: list[dict] = (),
            category: Callable[[float], str] = lambda rate: "S") -> dict[str, Any]:
    """Totals as Procuros reads them: subtotal = Σ line nets (after line discounts), plus the
    document-level charges, minus its allowances = Odoo's untaxed amount; each tax rate with its
    category (UNCL5305 code -> invoice_legal.CATEGORIES: "sales", or why it is tax-free)."""
    by_rate: dict[float, list[float]] = defaultdict(lambda: [0.0, 0.0])
    subtotal = 0.0
    for it in items:
        net = item_net(it)
        subtotal += net
        by_rate[float(it["tax"]["percentage"])][0] += net
        by_rate[float(it["tax"]["percentage"])][1] += it["tax"]["amount"]
    sign = {"CHARGE": 1, "ALLOWANCE": -1}
    for mod in charges:
        by_rate[float(mod["tax"]["percentage"])][0] += sign[mod["type"]] * mod["amount"]
        by_rate[float(mod["tax"]["percentage"])][1] += sign[mod["type"]] * mod["tax"]["amount"]
    out = {
        "subtotalAmount": money(subtotal),
        "totalCharges": money(sum(m["amount"] for m in charges if m["type"] == "CHARGE")),
        "totalAllowances": money(sum(m["amount"] for m in charges if m["type"] == "ALLOWANCE")),
        "netAmount": money(move.get("amount_untaxed")),
        "grossAmount": money(move.get("amount_total")),
        "dueAmount": money(move.get("amount_total")),
        "tax": {
            "total": money(move.get("amount_tax")),
            "items": [drop_none({"percentage": rate, "taxableAmount": money(v[0]), "taxAmount": money(v[1]),
                                 "category": CATEGORIES[category(rate)][0], "description": CATEGORIES[category(rate)][1]})
                      for rate, v in sorted(by_rate.items(), reverse=True)],
        },
    }
    if charges:
        out["modificationGroups"] = [{"basis": money(subtotal), "level": 1, "modifications": list(charges)}]
    return out


def document_charges(move: dict, data: MoveData) -> list[dict]:
    return [charge_modification(ln, data) for ln in product_lines(move, data) if is_charge_line(ln, data)]


def last_delivery(orders: list[dict], data: MoveData, on_or_before: str | None, ctx: ExportContext) -> dict | None:
    """The orders' last done outgoing picking validated on or before the given (local) date — or,
    when every delivery came later (invoiced on order, or dated in another time zone than ours),
    the first one after it: an invoice must name a delivery whenever one exists."""
    done = [p for o in orders for p in data.done_deliveries_by_order.get(int(o["id"]), [])]
    key = lambda p: (str(p["date_done"]), int(p["id"]))  # noqa: E731
    before = [p for p in done if on_or_before is None or local_date(p["date_done"], ctx.timezone) <= on_or_before]
    return max(before, key=key) if before else min(done, key=key, default=None)


def _is_done_delivery(picking: dict | None) -> bool:
    return bool(picking and picking.get("state") == "done" and text(picking.get("date_done"))
                and picking.get("picking_type_code", "outgoing") == "outgoing")


def line_deliveries(sale_line: dict, data: MoveData, on_or_before: str | None,
                    ctx: ExportContext) -> list[tuple[dict, float]]:
    """The done deliveries that shipped a sale line (validated on or before the date when there
    are several), oldest first, each with the quantity it shipped in the sale line's unit."""
    unit = m2o_id(sale_line.get("product_uom"))
    shipped: dict[int, float] = defaultdict(float)
    for pid, m in data.delivered_moves_by_sale_line.get(int(sale_line["id"]), []):
        shipped[pid] += ctx.convert(float(m["quantity"]), m2o_id(m.get("product_uom")) or unit, unit)
    found = [(data.pickings[pid], q) for pid, q in shipped.items()]
    if len(found) > 1 and on_or_before is not None:
        # several: those validated by the invoice date (if every one came later, all of them)
        found = [(p, q) for p, q in found if local_date(p["date_done"], ctx.timezone) <= on_or_before] or found
    return sorted(found, key=lambda pq: (str(pq[0]["date_done"]), int(pq[0]["id"])))


def allocate(quantity: float, deliveries: list[tuple[dict, float]]) -> list[tuple[dict, float]]:
    """Which deliveries an invoiced quantity came from: the newest ones first (earlier invoices
    took the older ones), each up to what it shipped; anything invoiced beyond what was shipped
    stays with the newest. Returned oldest first."""
    parts: list[tuple[dict, float]] = []
    rest = quantity
    for picking, shipped in reversed(deliveries):
        if rest <= _EPS:
            break
        take = min(rest, shipped)
        parts.append((picking, take))
        rest -= take
    if parts and rest > _EPS:
        parts[0] = (parts[0][0], parts[0][1] + rest)
    return list(reversed(parts))


def shipping_notice_line_number(picking_id: int, sale_line_id: int, data: MoveData) -> int | None:
    """The lineNumber the picking's shipping notice gave the sale line (same grouping and order as
    shipping_notices_out: one line per sale line, by sale line sequence and id, lines without one last).
    None when a sale line of the picking was not read (the number could not be reproduced)."""
    keys = [key for key, _ in notice_lines(data.done_moves_by_picking.get(picking_id, []), data.sale_lines)]
    if any(k[0] == "sl" and k[1] not in data.sale_lines for k in keys):
        return None
    return keys.index(("sl", sale_line_id)) + 1 if ("sl", sale_line_id) in keys else None


def items_by_delivery(lines: list[dict], items: list[dict], data: MoveData, on_or_before: str | None,
                      ctx: ExportContext) -> list[dict]:
    """Item-level shipping notice references: the delivery each invoiced quantity came from. A
    line shipped in several deliveries becomes one item per delivery (quantity, tax split), so
    that every item names the notice line it settles; items are numbered again in order."""
    out: list[dict] = []
    for line, item in zip(lines, items):
        sl = line_sale_line(line, data)
        parts = allocate(item["quantity"], line_deliveries(sl, data, on_or_before, ctx)) if sl else []
        tax_left, net_left = item["tax"]["amount"], item_net(item)
        for i, (delivery, quantity) in enumerate(parts or [(None, item["quantity"])]):
            part = dict(item)
            if len(parts) > 1:
                last = i == len(parts) - 1
                share = tax_left if last else money(item["tax"]["amount"] * quantity / item["quantity"])
                net = net_left if last else money(item_net(item) * quantity / item["quantity"])
                tax_left, net_left = money(tax_left - share), money(net_left - net)
                part = split_item(item, quantity, net, share)
            if delivery is not None:
                part["shippingNoticeIdentifier"] = str(delivery["name"])
                part["shippingNoticeDate"] = local_datetime(delivery["date_done"], ctx.timezone)
                number = shipping_notice_line_number(int(delivery["id"]), int(sl["id"]), data)
                if number is not None:
                    part["shippingNoticeLineNumber"] = number
            out.append(part)
    return [{**it, "lineNumber": n} for n, it in enumerate(out, start=1)]


def parties(move: dict, commercial: dict, orders: list[dict], data: MoveData, ctx: ExportContext) -> dict[str, Any]:
    gln = text(orders[0].get("x_procuros_buyer_gln")) if orders else None
    supplier = supplier_party(ctx, full_address=True)
    bank = financial_institution(bank_account(move, data.bank_accounts, data.companies), data.banks,
                                 supplier.get("name"))
    if bank:
        supplier["financialInstitution"] = bank
    out: dict[str, Any] = {"buyer": buyer_party(commercial, gln=gln, full_address=True), "supplier": supplier}
    bill_to = bill_to_party(data.partners.get(m2o_id(move.get("partner_id")) or -1), commercial)
    if bill_to:
        out["billTo"] = bill_to
    ship = data.partners.get(m2o_id(move.get("partner_shipping_id")) or -1)
    if ship:
        out["shipTo"] = ship_to_party(ship)
    return out


def payment_terms(move: dict, data: MoveData) -> list[dict] | None:
    """Procuros tiers {payInNumberOfDays, percentage=cash discount}: early discount, then the net term."""
    term = data.terms.get(m2o_id(move.get("invoice_payment_term_id")) or -1)
    out = []
    if term:
        if term.get("early_discount") and term.get("discount_percentage"):
            out.append({"payInNumberOfDays": int(term.get("discount_days") or 0),
                        "percentage": float(term["discount_percentage"])})
        days = [int(data.term_lines[i].get("nb_days") or 0) for i in ids(term.get("line_ids")) if i in data.term_lines]
        if days:
            out.append({"payInNumberOfDays": max(days), "percentage": 0.0})
    if not any(t["percentage"] == 0.0 for t in out):
        inv, due = text(move.get("invoice_date")), text(move.get("invoice_date_due"))
        if inv and due:
            out.append({"payInNumberOfDays": max((date.fromisoformat(due) - date.fromisoformat(inv)).days, 0),
                        "percentage": 0.0})
    return out or None


def _invoice_content(move: dict, commercial: dict, items: list[dict], data: MoveData, ctx: ExportContext) -> dict:
    tz = ctx.timezone
    lines = [ln for ln in product_lines(move, data) if not is_charge_line(ln, data)]
    orders = orders_of(lines, data)
    if not orders:
        raise BuildError("is not linked to a sales order; Procuros requires the buyer's order number")
    delivery = last_delivery(orders, data, text(move.get("invoice_date")), ctx)
    if delivery is None:
        raise BuildError(f"sales order {orders[0].get('name')} has no validated delivery; "
                         "Procuros requires a shipping notice reference")
    items = items_by_delivery(lines, items, data, text(move.get("invoice_date")), ctx)
    header = {
        **parties(move, commercial, orders, data, ctx),
        "invoiceIdentifier": str(move["name"]),
        "invoiceDate": date_as_datetime(move.get("invoice_date"), tz),
        "invoiceDueDate": date_as_datetime(move.get("invoice_date_due"), tz),
        "shippingNoticeIdentifier": str(delivery["name"]),
        "shippingNoticeDate": local_datetime(delivery["date_done"], tz),
        "orderIdentifier": order_identifier(orders[0]),
        "orderDate": order_date(orders[0], ctx),
        "currency": m2o_name(move.get("currency_id")),
        "paymentTerms": payment_terms(move, data),
        "AdditionalOrderIdentifiers": {"supplierOrderIdentifier": ", ".join(str(o["name"]) for o in orders)},
    }
    if not header["invoiceDate"]:
        raise BuildError("has no invoice date")
    supplied = max((it["shippingNoticeDate"] for it in items if it.get("shippingNoticeDate")),
                   default=header["shippingNoticeDate"])
    charges = document_charges(move, data)
    category = categorise(commercial, ctx)
    header["legalInformation"] = legal_information(
        {category(float(t["tax"]["percentage"])) for t in [*items, *charges]},
        data.fiscal_positions.get(m2o_id(move.get("fiscal_position_id")) or -1), ctx.company, commercial,
        supplied[:10] if supplied else None)
    return {"header": drop_none(header), "items": items, "summary": summary(move, items, charges, category)}


def categorise(commercial: dict, ctx: ExportContext) -> Callable[[float], str]:
    """The tax category of a rate on this customer's documents (invoice_legal.tax_category)."""
    return lambda rate: tax_category(rate, ctx.company, commercial)
