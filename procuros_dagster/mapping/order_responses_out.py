"""ORDER_RESPONSE documents to the buyer, from quotations imported from Procuros and then
confirmed or cancelled in Odoo.

Bundle models: sale.order (the orders to answer), sale.order.line (their lines), res.partner
(commercial and delivery partners), product.product, and ``procuros.order`` — the buyer's ORDER
as it was received, one ``{"id": <sale.order id>, "content": {...}}`` per order (read from the
import's entry in Procuros > Logs): what the buyer ordered is compared with what Odoo confirms.

* cancelled → REJECT: no items and no dates (the schema's description forbids them), the reason
  in ``comments``;
* confirmed with every ordered line as ordered (quantity, unit, price, discount, delivery date) →
  ACCEPT, without items (Procuros: "omit to confirm all lines as-is");
* confirmed otherwise → CHANGE: every line, ordered or added in Odoo, with ordered and confirmed
  quantity, price and delivery date, plus the header's confirmed and requested delivery dates.

"As ordered" is what the import made of the buyer's terms (orders_in_terms): the price per pricing
unit as a price per line unit (rounded to Odoo's "Product Price" digits), the buyer's allowances
(line and summary modificationGroups) as the line's discount, and its charges as charge lines. Prices
go back per the buyer's pricing unit and before its allowances, as the buyer's unitPrice is: the
buyer applies its own allowances to them. Charge lines are no order lines for the buyer; one changed
or removed in Odoo cannot be said in an ORDER_RESPONSE and is refused with the reason.

The mapping is deterministic (the same order gives the same payload): a resend after a crash is
answered "Payload already received".
"""

from __future__ import annotations

from typing import Any

from .identifiers import is_valid_gtin
from .odoo_values import m2o_id, m2o_name
from .orders_in_normalise import _line_numbers, parse_procuros_datetime
from .orders_in_terms import charge_line_name, combined_discount, read_modifications
from .outbound import (
    BuildError, ExportContext, OutboundBatch, OutboundDocument, drop_none, failure_from, first_line, index,
    local_datetime, order_identifier, text,
)
from .parties import buyer_party, ship_to_party, supplier_party

ORDER_RESPONSE = "ORDER_RESPONSE"
MODEL = "sale.order"
ORDER_MODEL = "procuros.order"  # the bundle key of the buyer's ORDERs as received
_EPS = 1e-6
_MONEY_EPS = 0.005  # half a cent: what the buyer's system rounds away
_DISCOUNT_EPS = 0.005  # Odoo keeps discounts to 2 decimals (orders_in_terms.DISCOUNT_DIGITS)
PRICE_PRECISION = "decimal.precision"  # the bundle key of Odoo's "Product Price" digits


def build_order_responses(bundle: dict[str, list[dict]], ctx: ExportContext) -> OutboundBatch:
    batch = OutboundBatch()
    d = _Indexed(bundle)
    for order in sorted(bundle.get(MODEL, []), key=lambda o: int(o["id"])):
        try:
            content = _build_one(order, d, ctx)
        except BuildError as exc:
            batch.failures.append(failure_from(MODEL, order, ORDER_RESPONSE, f"Sales order {order.get('name')}: {exc}"))
            continue
        batch.documents.append(OutboundDocument(MODEL, int(order["id"]), str(order["name"]), ORDER_RESPONSE, content))
    return batch


class _Indexed:
    def __init__(self, bundle: dict[str, list[dict]]):
        self.partners = index(bundle, "res.partner")
        self.products = index(bundle, "product.product")
        self.ordered = {int(r["id"]): r.get("content") for r in bundle.get(ORDER_MODEL, []) or []}
        digits = [int(p["digits"]) for p in bundle.get(PRICE_PRECISION) or [] if isinstance(p.get("digits"), int)]
        self.price_digits = digits[0] if digits else 2  # Odoo's default
        self.lines: dict[int, list[dict]] = {}
        for line in sorted(bundle.get("sale.order.line", []) or [], key=lambda l: (int(l.get("sequence") or 0), int(l["id"]))):
            if not line.get("display_type"):  # sections and notes are no order lines
                self.lines.setdefault(m2o_id(line.get("order_id")) or -1, []).append(line)


def response_type(order: dict) -> str | None:
    """REJECT for a cancelled order, None (ACCEPT or CHANGE, decided on the lines) for a confirmed one."""
    if order.get("state") == "cancel":
        return "REJECT"
    if order.get("state") == "sale":
        return None
    raise BuildError(f"is {order.get('state')!r}, neither confirmed nor cancelled; only those are answered")


def _build_one(order: dict, d: _Indexed, ctx: ExportContext) -> dict[str, Any]:
    kind = response_type(order)
    commercial = d.partners.get(m2o_id(order.get("partner_id")) or -1)
    commercial = d.partners.get(m2o_id((commercial or {}).get("commercial_partner_id")) or -1, commercial)
    if commercial is None:
        raise BuildError("its customer was not read")
    if not commercial.get("x_procuros_send_order_response"):
        raise BuildError(f"customer {commercial.get('name')} does not have 'Send Order Response' enabled")
    ordered = d.ordered.get(int(order["id"]))
    if not isinstance(ordered, dict):
        raise BuildError(f"the buyer's order (Procuros transaction {order.get('x_procuros_transaction_id')}) is not "
                         "in Procuros > Logs, so what was ordered is not known; answer the buyer outside Procuros")
    tz = ctx.timezone
    header = drop_none({
        "buyer": buyer_party(commercial, gln=text(order.get("x_procuros_buyer_gln"))),
        "supplier": supplier_party(ctx),
        "orderResponseIdentifier": str(order["name"]),
        # confirming sets date_order to the confirmation's time (sale.order._prepare_confirmation_values);
        # a cancellation is dated by the order's last write (the cancel, unless edited since)
        "orderResponseDate": local_datetime(order.get("write_date") if kind == "REJECT" else order.get("date_order"), tz),
        "orderIdentifier": order_identifier(order),
        "orderDate": local_datetime(order.get("x_procuros_order_date"), tz),
        "currency": m2o_name(order.get("currency_id")),
        "AdditionalOrderIdentifiers": {"supplierOrderIdentifier": str(order["name"])},
    })
    shipping = d.partners.get(m2o_id(order.get("partner_shipping_id")) or -1)
    if shipping is not None and int(shipping["id"]) != int(commercial["id"]):
        header["shipTo"] = ship_to_party(shipping)
    if kind == "REJECT":
        company = text((ctx.company or {}).get("name")) or "the supplier"
        return {"header": {"type": "REJECT", **header,
                           "comments": f"Order {header['orderIdentifier']} was cancelled by {company} "
                                       f"(sales order {order['name']}) and will not be delivered."}}
    requested = _requested_date(ordered)
    confirmed = text(order.get("commitment_date")) or text(order.get("expected_date"))
    confirmed_at = local_datetime(confirmed, tz) if confirmed else None
    items, changed = _items(d.lines.get(int(order["id"]), []), ordered, d, ctx)
    earliest, latest = (_parse((ordered.get("header") or {}).get(f"requested{k}DeliveryDate"))
                        for k in ("Earliest", "Latest"))
    header.update(drop_none({"requestedEarliestDeliveryDate": _iso(earliest, tz),
                             "requestedLatestDeliveryDate": _iso(latest, tz)}))
    date_changed = bool(requested and confirmed and _day(requested, tz) != _day(confirmed, tz, odoo=True)
                        and not _in_window(_day(confirmed, tz, odoo=True), earliest, latest, tz))
    if not changed and not date_changed:
        return {"header": {"type": "ACCEPT", **header, **drop_none({
            "requestedDeliveryDate": _iso(requested, tz), "confirmedDeliveryDate": confirmed_at})}}
    confirmed_at = confirmed_at or _iso(requested, tz) or local_datetime(order.get("date_order"), tz)
    # CHANGE needs both dates; a buyer who asked for no date accepts the one we confirm
    for item in items:
        item.setdefault("confirmedDeliveryDate", confirmed_at)
    return {"header": {"type": "CHANGE", **header, "requestedDeliveryDate": _iso(requested, tz) or confirmed_at,
                       "confirmedDeliveryDate": confirmed_at}, "items": items}


def _in_window(day: str, earliest, latest, tz: str) -> bool:
    """Whether a confirmed day lies in the buyer's delivery window (when it gave one)."""
    if earliest is None and latest is None:
        return False
    return (earliest is None or _day(earliest, tz) <= day) and (latest is None or day <= _day(latest, tz))


def _requested_date(ordered: dict):
    """The buyer's requested delivery date: the header's, else its window's first day (the
    quotation's commitment date, as the import sets it), else the earliest of its lines'."""
    head = (ordered.get("header") or {}).get("requestedDeliveryDate") \
        or (ordered.get("header") or {}).get("requestedEarliestDeliveryDate")
    dates = [head] if head else [i.get("requestedDeliveryDate") for i in ordered.get("items") or []
                                 if isinstance(i, dict) and i.get("requestedDeliveryDate")]
    parsed = [ts for ts in (_parse(v) for v in dates) if ts is not None]
    return min(parsed) if parsed else None


def _parse(value):
    try:
        return parse_procuros_datetime(value)
    except ValueError:
        return None


def _iso(ts, tz: str) -> str | None:
    return None if ts is None else ts.tz_convert(tz).isoformat()


def _day(value, tz: str, odoo: bool = False) -> str:
    if odoo:
        return (local_datetime(value, tz) or "")[:10]
    return value.tz_convert(tz).date().isoformat()


def _ordered_items(ordered: dict) -> dict[int, dict]:
    """The buyer's items by line number, missing numbers generated by the import's own rule (the
    numbers its lines keep in x_procuros_line_number)."""
    items = ordered.get("items") if isinstance(ordered.get("items"), list) else []
    out: dict[int, dict] = {}
    for n, item in zip(_line_numbers(items), items):
        if isinstance(item, dict):
            out.setdefault(n, item)
    return out


def _number(value: Any, default: float | None = None) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def _line_number(line: dict) -> int | None:
    n = line.get("x_procuros_line_number")
    return n if isinstance(n, int) and not isinstance(n, bool) and n > 0 else None


def _buyer_terms(ordered: dict, wanted: dict[int, dict]) -> tuple[dict[int, float], list[tuple[str, float]]]:
    """The buyer's allowances as the import made them each line's discount ({line number: %}) and
    its charges as the import named its charge lines ([(name, amount)]); the import refused an
    order whose modificationGroups it could not read, so their problems are not looked at here."""
    summary = ordered.get("summary") if isinstance(ordered.get("summary"), dict) else {}
    whole = read_modifications(summary.get("modificationGroups"), "the order's summary", None)
    discounts: dict[int, float] = {}
    charges: list[tuple[str, float]] = []
    for n, item in sorted(wanted.items()):
        mods = read_modifications(item.get("modificationGroups"), f"line {n}", None)
        discounts[n] = combined_discount(mods.allowance_percent, whole.allowance_percent)
        charges += [(charge_line_name(c["description"], n), c["amount"]) for c in mods.charges]
    charges += [(charge_line_name(c["description"], None), c["amount"]) for c in whole.charges]
    return discounts, charges


def _without_charges(lines: list[dict], charges: list[tuple[str, float]]) -> list[dict]:
    """The order's lines without the charge lines the import made of the buyer's charges (no
    order lines for the buyer). A charge changed or removed in Odoo cannot be said in an
    ORDER_RESPONSE (its items are order lines): refused, for the user to set it back."""
    rest = list(lines)
    for name, amount in charges:
        line = next((ln for ln in rest if _line_number(ln) is None and text(ln.get("name")) == name), None)
        if line is None:
            raise BuildError(f"the buyer's charge {name!r} of {amount:.2f} is no longer on the order, and an order "
                             "response cannot tell the buyer of a removed charge; add the line back, or answer the "
                             "buyer outside Procuros")
        total = float(line.get("product_uom_qty") or 0.0) * float(line.get("price_unit") or 0.0) \
            * (1 - float(line.get("discount") or 0.0) / 100)
        if abs(total - amount) > _MONEY_EPS:
            raise BuildError(f"the buyer's charge {name!r} of {amount:.2f} is {total:.2f} on the order, and an order "
                             "response cannot tell the buyer of a changed charge; set it back, or answer the buyer "
                             "outside Procuros")
        rest.remove(line)
    return rest


def _items(lines: list[dict], ordered: dict, d: _Indexed, ctx: ExportContext) -> tuple[list[dict], bool]:
    """Every line of the order with what was ordered and what is confirmed; whether any differs."""
    wanted = _ordered_items(ordered)
    discounts, charges = _buyer_terms(ordered, wanted)
    items: list[dict] = []
    changed = False
    seen: set[int] = set()
    for line in _without_charges(lines, charges):
        n = _line_number(line)
        asked = wanted.get(n) if n is not None and n not in seen else None
        if n is not None:
            seen.add(n)
        item, differs = _line_item(line, asked, discounts.get(n, 0.0), d, ctx)
        if n is not None and asked is not None:
            item["orderLineNumber"] = n
        changed |= differs
        items.append(item)
    for n, asked in sorted(wanted.items()):
        if n in seen:
            continue
        # ordered, but the line was deleted in Odoo: confirmed 0, the buyer's identifiers echoed
        changed = True
        items.append(drop_none({
            "orderLineNumber": n, "identifiers": _echo_identifiers(asked, n),
            "isDepositItem": bool(asked.get("isDepositItem")), "orderedQuantity": _number(asked.get("quantity"), 1.0),
            "confirmedQuantity": 0.0, "unitOfMeasure": asked.get("unitOfMeasure") or "EA",
            "unitPrice": _number(asked.get("unitPrice")), **_pricing_unit(asked),
            "description": text(asked.get("description")),
        }))
    for i, item in enumerate(items, start=1):
        item["lineNumber"] = i
    return [{"lineNumber": it.pop("lineNumber"), **it} for it in items], changed


def _echo_identifiers(asked: dict, n: int) -> list[dict]:
    idents = [{"identifier": str(i["identifier"]), "domain": i.get("domain") or "GS1"}
              for i in asked.get("identifiers") or [] if isinstance(i, dict) and text(i.get("identifier"))]
    if not any(i["domain"] in ("GS1", "BUYER") for i in idents):
        raise BuildError(f"ordered line {n} was removed in Odoo and the order names it by no GTIN or buyer's "
                         "article number; it cannot be answered")
    return idents


def _pricing_unit(asked: dict) -> dict:
    """The buyer's pricing unit as it sent it: the prices sent back are per that unit."""
    out: dict[str, Any] = {}
    if _number(asked.get("pricingUnitQuantity")) is not None:
        out["pricingUnitQuantity"] = _number(asked.get("pricingUnitQuantity"))
    if text(asked.get("pricingUnitOfMeasure")):
        out["pricingUnitOfMeasure"] = text(asked.get("pricingUnitOfMeasure"))
    return out


def _per_pricing_unit(asked: dict, line: dict, unit: str, ctx: ExportContext) -> float:
    """Line units in one of the buyer's pricing units, as the import read them
    (orders_in_terms.price_per_line_unit): pricingUnitQuantity, else Odoo's factors of a pricing
    unit other than the line's."""
    quantity = _number(asked.get("pricingUnitQuantity"))
    if quantity is not None and quantity > 0:
        return quantity
    code = (text(asked.get("pricingUnitOfMeasure")) or "").upper()
    if not code or code == unit:
        return 1.0
    ids = sorted(i for i, c in ctx.uom_codes.items() if c == code)
    pricing = ctx.uom_factors.get(ids[0]) if ids else None
    own = ctx.uom_factors.get(m2o_id(line.get("product_uom")) or -1)
    if not pricing or not own:
        raise BuildError(f"line {_line_number(line)} is priced per {code}, and no unit of measure with that Procuros "
                         f"unit code is known in Odoo; the price cannot be sent per {code}")
    return own / pricing  # uom.uom._compute_price: price * pricing.factor / own.factor


def _price_before_allowances(price: float, discount: float, buyer_discount: float) -> float:
    """The price to send so that the buyer's own allowances (``buyer_discount`` %) on it give the
    line's price after Odoo's discount."""
    net = price * (1 - discount / 100)
    # a line the buyer had for free stays free whatever the price: nothing to divide by
    return round(net / (1 - buyer_discount / 100) if buyer_discount < 100 else net, 6)


def _line_item(line: dict, asked: dict | None, buyer_discount: float, d: _Indexed,
               ctx: ExportContext) -> tuple[dict, bool]:
    product = d.products.get(m2o_id(line.get("product_id")) or -1)
    label = m2o_name(line.get("product_id")) or "?"
    if product is None:
        raise BuildError(f"product {label} was not read")
    unit = ctx.uom_codes.get(m2o_id(line.get("product_uom")) or -1)
    if not unit:
        raise BuildError(f"unit of measure {m2o_name(line.get('product_uom'))!r} (product {label}) has no Procuros "
                         "unit code; set 'Procuros Unit Type' on the unit in Sales > Configuration > Units of Measure")
    confirmed_qty = float(line.get("product_uom_qty") or 0.0)
    price, discount = float(line.get("price_unit") or 0.0), float(line.get("discount") or 0.0)
    item: dict[str, Any] = {"identifiers": _identifiers(line, product, asked, label),
                            "isDepositItem": bool(line.get("x_procuros_is_deposit")),
                            "unitOfMeasure": unit}
    if asked is None:  # added in Odoo: nothing of it was ordered, no allowance of the buyer's on it
        item.update({"orderedQuantity": 0.0, "confirmedQuantity": round(confirmed_qty, 6),
                     "unitPrice": _price_before_allowances(price, discount, 0.0)})
        differs = True
    else:
        ordered_unit = asked.get("unitOfMeasure") or "EA"
        if ordered_unit != unit:
            raise BuildError(f"line {line.get('x_procuros_line_number')} ({label}) was ordered in {ordered_unit} and is "
                             f"confirmed in {unit}; confirm the quantity in the unit the buyer ordered")
        ordered_qty = _number(asked.get("quantity"), 1.0)
        per = _per_pricing_unit(asked, line, unit, ctx)
        ordered_price = _number(asked.get("unitPrice"))
        item.update({"orderedQuantity": ordered_qty, "confirmedQuantity": round(confirmed_qty, 6)})
        # as ordered: the import's price per line unit (Odoo rounds it to its Product Price digits)
        # and the buyer's allowances as the discount
        same_price = ordered_price is None or abs(price - ordered_price / per) <= 0.5 * 10 ** -d.price_digits + 1e-9
        same_discount = abs(discount - buyer_discount) <= _DISCOUNT_EPS
        differs = abs(confirmed_qty - ordered_qty) > _EPS or not (same_price and same_discount)
        if ordered_price is not None and same_price and same_discount:
            item["unitPrice"] = ordered_price  # as the buyer sent it, not Odoo's rounding of it
        else:  # per the buyer's pricing unit, before its allowances, as its unitPrice is
            item["unitPrice"] = _price_before_allowances(price * per, discount, buyer_discount)
        item.update(_pricing_unit(asked))
    desc = first_line(line.get("name"))
    if desc:
        item["description"] = desc
    return item, differs


def _identifiers(line: dict, product: dict, asked: dict | None, label: str) -> list[dict]:
    """The product's GTIN and our article number, and the buyer's article number as the buyer sent it
    (kept on the line at import, else the ordered item's BUYER identifier)."""
    idents = []
    barcode = text(product.get("barcode"))
    if barcode and is_valid_gtin(barcode):
        idents.append({"identifier": barcode, "domain": "GS1"})
    code = text(product.get("default_code"))
    if code:
        idents.append({"identifier": code, "domain": "SUPPLIER"})
    buyer = text(line.get("x_procuros_buyer_article_number"))
    if buyer is None and asked is not None:
        buyer = next((text(i.get("identifier")) for i in asked.get("identifiers") or []
                      if isinstance(i, dict) and i.get("domain") == "BUYER" and text(i.get("identifier"))), None)
    if buyer:
        idents.append({"identifier": buyer, "domain": "BUYER"})
    if not any(i["domain"] in ("GS1", "BUYER") for i in idents):
        raise BuildError(f"product {label} has no valid barcode (GTIN) and the line no buyer's article number; "
                         "set the barcode in Odoo")
    return idents


# --- an order changed after its response went out (reported once, never answered twice) -----------

def changes_since_sent(sent: dict, current: dict) -> list[str]:
    """What the buyer was not told: the differences between the order response as sent and as the
    order reads now ("type ACCEPT → REJECT", "line 2 confirmed quantity 10 → 8")."""
    out: list[str] = []
    sh, ch = sent.get("header", {}), current.get("header", {})
    if sh.get("type") != ch.get("type"):
        out.append(f"type {sh.get('type')} → {ch.get('type')}")
    if ch.get("type") != "REJECT" and sh.get("confirmedDeliveryDate") != ch.get("confirmedDeliveryDate"):
        out.append(f"confirmed delivery date {sh.get('confirmedDeliveryDate')} → {ch.get('confirmedDeliveryDate')}")
    key = lambda i: (i.get("orderLineNumber") is None, i.get("orderLineNumber") or i.get("lineNumber"))  # noqa: E731
    before = {key(i): i for i in sent.get("items") or []}
    for item in current.get("items") or []:
        old = before.get(key(item))
        label = f"line {item.get('orderLineNumber') or item.get('lineNumber')}"
        if old is None:  # an ACCEPT confirmed every line as ordered
            old = {"confirmedQuantity": item.get("orderedQuantity")} \
                if not sent.get("items") and item.get("orderLineNumber") else None
        if old is None:
            out.append(f"{label} added")
            continue
        for field, what in (("confirmedQuantity", "confirmed quantity"), ("unitPrice", "price")):
            if field in old and field in item and old[field] != item[field]:
                out.append(f"{label} {what} {_num(old.get(field))} → {_num(item.get(field))}")
    return out


def changed_reason(name: str, sent_on: str, changes: list[str]) -> str:
    return (f"Sales order {name} was changed after its order response was sent to Procuros on {sent_on}: "
            + "; ".join(changes) + ". No second order response is sent: tell the buyer of the change.")


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
