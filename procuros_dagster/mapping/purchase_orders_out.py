"""ORDER documents from our RFQs and purchase orders (purchase.order), sent to our suppliers.

Bundle models (odoo/purchase_reads.py): purchase.order, purchase.order.line, res.partner (the
suppliers, their commercial partners, the ship-to addresses), product.product, product.supplierinfo
(the supplier's own article numbers), account.tax, stock.picking.type, stock.warehouse.

We are the buyer here: our GLN and company are ``buyer``, the supplier's commercial partner (GLN in
Reference, as the seed documents it) is ``supplier``, the receiving warehouse's address is
``shipTo``. Each purchase order's problems are collected and refused together, so the buyer can fix
them in one go; a purchase order with any problem is not sent at all.

Odoo trap (transcripts 09 and 17): a PO line entered in another unit than the product's (Dozens of
a Units product) without a price gets the product's cost — or the supplier's price from the
product's Purchase tab — per *purchase* unit, not converted. Sending it would order at a twelfth
of the price; such a line is refused until the buyer enters the price per unit of the line.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .identifiers import is_valid_gtin
from .odoo_values import m2o_id, m2o_name
from .outbound import (
    BuildError, ExportContext, OutboundBatch, OutboundDocument, drop_none, failure_from, first_line, ids, index,
    finish_batch, local_datetime, money, qty, text,
)
from .parties import partner_gln, postal_address, supplier_party, vat_identifiers

ORDER = "ORDER"
MODEL = "purchase.order"
SWITCH = "x_procuros_connector"
#: RFQs (draft, sent) and confirmed purchase orders; "to approve" waits for the manager's approval
SENDABLE_STATES = ("draft", "sent", "purchase")
_PRICE_EPS = 0.005  # prices are compared as Odoo rounds them: to the cent


def build_purchase_orders(bundle: dict[str, list[dict]], ctx: ExportContext) -> OutboundBatch:
    batch = OutboundBatch()
    data = _Data(bundle)
    rows: list[dict] = []
    for order in sorted(data.orders.values(), key=lambda o: int(o["id"])):
        content, problems, line_rows = _order_content(order, data, ctx)
        name = str(order.get("name") or order["id"])
        if problems:
            batch.failures.append(failure_from(MODEL, order, ORDER, f"Purchase order {name}: " + "; ".join(
                dict.fromkeys(problems))))
            continue
        batch.documents.append(OutboundDocument(MODEL, int(order["id"]), name, ORDER, content))
        rows += line_rows
    return finish_batch(batch, rows, [])  # the line frame's rules (GTIN, unit, amounts) checked by pandera


class _Data:
    def __init__(self, bundle: dict[str, list[dict]]):
        self.orders = index(bundle, "purchase.order")
        self.lines = index(bundle, "purchase.order.line")
        self.partners = index(bundle, "res.partner")
        self.products = index(bundle, "product.product")
        self.taxes = index(bundle, "account.tax")
        self.picking_types = index(bundle, "stock.picking.type")
        self.warehouses = index(bundle, "stock.warehouse")
        # (supplier commercial partner, product template) -> the supplier's article number
        self.supplier_codes: dict[tuple[int, int], str] = {}
        # (supplier, product template) -> its prices per purchase unit (vendor pricelist)
        self.supplier_prices: dict[tuple[int, int], list[float]] = defaultdict(list)
        for info in sorted(bundle.get("product.supplierinfo", []) or [], key=lambda r: (r.get("sequence") or 0, r["id"])):
            code = text(info.get("product_code"))
            key = (m2o_id(info.get("partner_id")) or 0, m2o_id(info.get("product_tmpl_id")) or 0)
            if code and key not in self.supplier_codes:
                self.supplier_codes[key] = code
            if info.get("price"):
                self.supplier_prices[key].append(float(info["price"]))
        self.lines_by_order: dict[int, list[dict]] = defaultdict(list)
        for line in self.lines.values():
            self.lines_by_order[m2o_id(line.get("order_id")) or 0].append(line)


def _commercial(order: dict, data: _Data) -> dict | None:
    partner = data.partners.get(m2o_id(order.get("partner_id")) or -1)
    if partner is None:
        return None
    return data.partners.get(m2o_id(partner.get("commercial_partner_id")) or int(partner["id"]), partner)


def _supplier(commercial: dict) -> tuple[dict | None, str | None]:
    name = text(commercial.get("name")) or str(commercial["id"])
    gln = partner_gln(commercial)
    if not gln:
        ref = text(commercial.get("ref"))
        hint = f" (Reference {ref!r} is not a valid 13-digit GLN)" if ref else ""
        return None, (f"supplier {name} has no GLN in Reference{hint}; enter the supplier's GLN in Reference "
                      "on the contact (Sales & Purchase tab)")
    party: dict[str, Any] = {"name": name, "identifiers": [{"identifier": gln, "domain": "GS1"},
                                                             *vat_identifiers(commercial.get("vat"))]}
    address = postal_address(commercial)
    if address:
        party["postalAddress"] = address
    return party, None


def ship_to(order: dict, data: _Data) -> dict | None:
    """Where the goods go: the dropship address when set, else the receiving warehouse's address,
    with its GLN when its Reference holds one (the ship-to's identifiers are optional)."""
    partner = data.partners.get(m2o_id(order.get("dest_address_id")) or -1)
    if partner is None:
        ptype = data.picking_types.get(m2o_id(order.get("picking_type_id")) or -1) or {}
        warehouse = data.warehouses.get(m2o_id(ptype.get("warehouse_id")) or -1) or {}
        partner = data.partners.get(m2o_id(warehouse.get("partner_id")) or -1)
    if partner is None:
        return None
    party: dict[str, Any] = {"name": text(partner.get("name")) or str(partner["id"])}
    gln = partner_gln(partner)
    if gln:
        party["identifiers"] = [{"identifier": gln, "domain": "GS1"}]
    address = postal_address(partner)
    if address:
        party["postalAddress"] = address
    return party


def _unconverted_price(line: dict, product: dict, ctx: ExportContext,
                       supplier_prices: list[float] = ()) -> tuple[str, str] | None:
    """(what, unit) of the price Odoo put on the line unconverted (transcripts 09, 17), or None.

    Odoo fills a missing price from the supplier's price (vendor pricelist) or the product's cost,
    per purchase unit, and does not convert it to the line's unit; a line in another unit carrying
    exactly such a price was not priced in its own unit. A price of 0 is 0 in every unit."""
    price = float(line.get("price_unit") or 0.0)
    line_uom = m2o_id(line.get("product_uom"))
    cost = float(product.get("standard_price") or 0.0)
    if not price:
        return None
    base, purchase = m2o_id(product.get("uom_id")), m2o_id(product.get("uom_po_id")) or m2o_id(product.get("uom_id"))
    purchase_name = m2o_name(product.get("uom_po_id")) or m2o_name(product.get("uom_id"))
    candidates = [(purchase, p, purchase_name, "the supplier's price (product's Purchase tab)")
                  for p in supplier_prices]
    if cost:
        candidates.append((base, cost, m2o_name(product.get("uom_id")), "the product's cost"))
        if purchase and purchase != base and purchase in ctx.uom_factors and base in ctx.uom_factors:
            # the cost per purchase unit: cost per product unit x product units per purchase unit
            candidates.append((purchase, cost * ctx.uom_factors[base] / ctx.uom_factors[purchase], purchase_name,
                               "the product's cost"))
    for uom, unit_price, uom_name, what in candidates:
        if uom and uom != line_uom and abs(price - round(unit_price, 2)) < _PRICE_EPS:
            return what, uom_name or str(uom)
    return None


def _tax(line: dict, data: _Data) -> dict[str, Any]:
    taxes = [data.taxes[t] for t in sorted(ids(line.get("taxes_id"))) if t in data.taxes]
    amount = money(line.get("price_tax"))
    subtotal = float(line.get("price_subtotal") or 0.0)
    if taxes and all(t.get("amount_type") == "percent" for t in taxes):
        percentage = round(sum(float(t.get("amount") or 0.0) for t in taxes), 4)
    else:
        percentage = round(abs(amount / subtotal) * 100, 2) if subtotal else 0.0
    desc = ", ".join(text(t.get("description")) or str(t.get("name")) for t in taxes) or None
    return drop_none({"amount": amount, "percentage": percentage, "description": desc})


def _items(order: dict, commercial: dict, data: _Data, ctx: ExportContext) -> tuple[list[dict], list[str], list[dict]]:
    lines = sorted((ln for ln in data.lines_by_order.get(int(order["id"]), []) if not ln.get("display_type")),
                   key=lambda ln: (int(ln.get("sequence") or 0), int(ln["id"])))
    if not lines:
        return [], ["has no product lines"], []
    items, problems, rows = [], [], []
    for n, line in enumerate(lines, start=1):
        label = f"line {n}"
        product = data.products.get(m2o_id(line.get("product_id")) or -1)
        if product is None:
            problems.append(f"{label} has no product" if not line.get("product_id")
                            else f"{label}: product {m2o_name(line.get('product_id'))} was not read")
            continue
        pname = text(product.get("display_name")) or text(product.get("name")) or str(product["id"])
        unit_name = m2o_name(line.get("product_uom")) or "?"
        barcode = text(product.get("barcode"))
        line_problems = []
        if not barcode:
            line_problems.append(f"{label}: product {pname} has no barcode (GTIN); enter the GTIN you share "
                                 "with the supplier in the product's Barcode")
        elif not is_valid_gtin(barcode):
            line_problems.append(f"{label}: product {pname} has barcode {barcode!r}, which is not a valid GTIN "
                                 "(8/12/13/14 digits with a GS1 check digit)")
        code = ctx.uom_codes.get(m2o_id(line.get("product_uom")) or -1)
        if not code:
            line_problems.append(f"{label}: unit {unit_name} has no Procuros unit code; set 'Procuros Unit "
                                 "Type' on the unit (Inventory > Configuration > Units of Measure)")
        quantity = float(line.get("product_qty") or 0.0)
        if quantity <= 0:
            line_problems.append(f"{label} ({pname}) has quantity {qty(quantity):g}; order a positive quantity "
                                 "or remove the line")
        tmpl = m2o_id(product.get("product_tmpl_id")) or 0
        suppliers = {m2o_id(order.get("partner_id")) or 0, int(commercial["id"])}
        unconverted = _unconverted_price(line, product, ctx, [p for s in sorted(suppliers)
                                                              for p in data.supplier_prices.get((s, tmpl), [])])
        if unconverted:
            what, per = unconverted
            line_problems.append(
                f"{label} ({pname}, {qty(quantity):g} {unit_name}): the price {float(line['price_unit']):.2f} is "
                f"{what} per {per}, which Odoo did not convert to {unit_name}; enter the "
                f"price per {unit_name} on the line")
        if line_problems:
            problems += line_problems
            continue
        discount = float(line.get("discount") or 0.0)
        subtotal = money(line.get("price_subtotal"))
        # unitPrice net of the line discount, so that quantity x unitPrice = the line subtotal
        unit_price = round(subtotal / quantity, 4) if discount else float(line.get("price_unit") or 0.0)
        identifiers = [{"identifier": barcode, "domain": "GS1"}]
        if text(product.get("default_code")):  # our article number: we are the buyer
            identifiers.append({"identifier": text(product["default_code"]), "domain": "BUYER"})
        supplier_code = data.supplier_codes.get((int(commercial["id"]), m2o_id(product.get("product_tmpl_id")) or 0))
        if supplier_code:
            identifiers.append({"identifier": supplier_code, "domain": "SUPPLIER"})
        tax = _tax(line, data)
        items.append(drop_none({
            "lineNumber": n, "identifiers": identifiers, "isDepositItem": False, "quantity": qty(quantity),
            "unitOfMeasure": code, "unitPrice": unit_price, "tax": tax,
            "requestedDeliveryDate": local_datetime(line.get("date_planned"), ctx.timezone),
            "description": first_line(line.get("name")),
        }))
        rows.append({
            "record_id": int(order["id"]), "document": str(order["name"]), "transaction_type": ORDER,
            "line_number": n, "gtin": barcode, "unit": code, "quantity": qty(quantity), "ordered_quantity": None,
            "shipped_quantity": None, "over_delivered": False, "unit_price": unit_price, "net_amount": subtotal,
            "tax_amount": tax["amount"],
        })
    return items, problems, rows


def _summary(order: dict, items: list[dict]) -> dict[str, Any]:
    by_rate: dict[float, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for it in items:
        by_rate[float(it["tax"]["percentage"])][0] += it["quantity"] * it["unitPrice"]
        by_rate[float(it["tax"]["percentage"])][1] += it["tax"]["amount"]
    untaxed, total = money(order.get("amount_untaxed")), money(order.get("amount_total"))
    return {
        "subtotalAmount": untaxed, "totalCharges": 0, "totalAllowances": 0, "netAmount": untaxed,
        "grossAmount": total, "dueAmount": total,
        "tax": {"total": money(order.get("amount_tax")),
                "items": [{"percentage": rate, "taxableAmount": money(v[0]), "taxAmount": money(v[1]),
                           "category": "purchase"} for rate, v in sorted(by_rate.items(), reverse=True)]},
    }


def _order_content(order: dict, data: _Data, ctx: ExportContext) -> tuple[dict, list[str], list[dict]]:
    problems: list[str] = []
    if order.get("state") not in SENDABLE_STATES:
        problems.append(f"is in state {order.get('state')!r}; only RFQs and confirmed purchase orders are sent")
    commercial = _commercial(order, data)
    if commercial is None:
        return {}, [*problems, f"supplier {m2o_name(order.get('partner_id'))} was not read"], []
    if not text(commercial.get(SWITCH)):
        problems.append(f"supplier {commercial.get('name')} is not set up for Procuros (Procuros Connector is "
                        "empty on the contact)")
    supplier, problem = _supplier(commercial)
    if problem:
        problems.append(problem)
    try:
        buyer = supplier_party(ctx)  # us: our GLN, company name, address and VAT id
    except BuildError as exc:  # our own GLN is wrong in the settings
        problems.append(str(exc))
        buyer = None
    items, item_problems, rows = _items(order, commercial, data, ctx)
    problems += item_problems
    if problems:
        return {}, problems, []
    header = drop_none({
        "buyer": buyer, "supplier": supplier, "shipTo": ship_to(order, data),
        "orderIdentifier": str(order["name"]),
        "orderDate": local_datetime(order.get("date_order"), ctx.timezone),
        "requestedDeliveryDate": local_datetime(order.get("date_planned"), ctx.timezone),
        "currency": m2o_name(order.get("currency_id")),
    })
    if text(order.get("partner_ref")):  # the supplier's own reference of this order (Vendor Reference)
        header["AdditionalOrderIdentifiers"] = {"supplierOrderIdentifier": text(order["partner_ref"])}
    return {"header": header, "items": items, "summary": _summary(order, items)}, [], rows


# --- an order changed after it was sent -------------------------------------------------------------

_ITEM_FIELDS = (("quantity", "quantity"), ("unitOfMeasure", "unit"), ("unitPrice", "price"),
                ("requestedDeliveryDate", "requested delivery date"))


def _shown(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:g}"
    return "none" if value is None else str(value)


def _gtin(item: dict) -> str | None:
    return next((i["identifier"] for i in item.get("identifiers", []) if i.get("domain") == "GS1"), None)


def changes_since_sent(sent: dict, current: dict) -> list[str]:
    """What the supplier does not know: the differences between the ORDER as sent and as the
    purchase order reads now, one phrase each ("line 2 quantity 10 → 12"). Only what the supplier
    acts on is compared (lines, dates, ship-to, currency), not Odoo's own bookkeeping (state,
    received quantities)."""
    out: list[str] = []
    sh, ch = sent.get("header", {}), current.get("header", {})
    if sh.get("requestedDeliveryDate") != ch.get("requestedDeliveryDate"):
        out.append(f"requested delivery date {sh.get('requestedDeliveryDate')} → {ch.get('requestedDeliveryDate')}")
    if sh.get("currency") != ch.get("currency"):
        out.append(f"currency {sh.get('currency')} → {ch.get('currency')}")
    if (sh.get("shipTo") or {}) != (ch.get("shipTo") or {}):
        out.append(f"delivery address {(sh.get('shipTo') or {}).get('name')} → {(ch.get('shipTo') or {}).get('name')}")
    # lines are matched by product, in order: the numbers shift when a line is removed
    sent_items = [(_gtin(i), i) for i in sent.get("items", [])]
    current_items = [(_gtin(i), i) for i in current.get("items", [])]
    remaining = list(current_items)
    for gtin, item in sent_items:
        match = next((c for c in remaining if c[0] == gtin), None)
        label = f"line {item.get('lineNumber')} ({item.get('description') or gtin})"
        if match is None:
            out.append(f"{label} removed")
            continue
        remaining.remove(match)
        for key, what in _ITEM_FIELDS:
            if item.get(key) != match[1].get(key):
                out.append(f"{label} {what} {_shown(item.get(key))} → {_shown(match[1].get(key))}")
    for gtin, item in remaining:
        out.append(f"line {item.get('lineNumber')} ({item.get('description') or gtin}) added")
    return out


def changed_reason(name: str, sent_on: str, changes: list[str]) -> str:
    return (f"Purchase order {name} was changed after it was sent to Procuros on {sent_on}: "
            + "; ".join(changes) + ". It is not sent again: tell the supplier of the change.")
