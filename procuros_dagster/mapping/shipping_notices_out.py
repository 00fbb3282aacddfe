"""SHIPPING_NOTICE documents from validated outgoing pickings of sale orders.

Bundle models: stock.picking (the pickings to send), stock.move (ALL moves of the involved sale
lines, so earlier deliveries and backorders are visible), stock.move.line (of the pickings),
sale.order, sale.order.line, res.partner (picking partners + commercial partners),
product.product, stock.lot, stock.quant.package.

Quantities: in Odoo 17 a done move's ``quantity`` is what left the warehouse; after a backorder the
done move's ``product_uom_qty`` is cut down to the shipped quantity, so the ordered quantity is
taken from the sale line minus what earlier done deliveries of that line shipped.

Units: Odoo keeps stock moves in the product's unit (3 cartons of 12 ship as a move of 36 Units),
while the customer ordered in the sale line's unit. Every line is reported in the unit it was
ordered in, move quantities converted into it, so ordered and shipped quantities compare.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any, Iterable

from .identifiers import is_valid_gtin, is_valid_sscc, sscc
from .outbound import (
    SHIPPING_NOTICE, BuildError, ExportContext, OutboundBatch, OutboundDocument, drop_none,
    failure_from, finish_batch, first_line, ids, index, local_date, local_datetime, qty, text, order_identifier,
)
from .odoo_values import m2o_id, m2o_name
from .parties import buyer_party, ship_to_party, supplier_party

MODEL = "stock.picking"
_EPS = 1e-6


def build_shipping_notices(bundle: dict[str, list[dict]], ctx: ExportContext) -> OutboundBatch:
    batch = OutboundBatch()
    line_rows: list[dict] = []
    data = _Indexed(bundle)
    for picking in sorted(bundle.get(MODEL, []), key=lambda p: int(p["id"])):
        try:
            content, rows, writes = _build_one(picking, data, ctx)
        except BuildError as exc:
            batch.failures.append(failure_from(MODEL, picking, SHIPPING_NOTICE, f"Delivery {picking.get('name')}: {exc}"))
            continue
        batch.documents.append(OutboundDocument(MODEL, int(picking["id"]), str(picking["name"]), SHIPPING_NOTICE, content))
        if writes:
            batch.odoo_writes[int(picking["id"])] = writes
        line_rows += rows
    return finish_batch(batch, line_rows, [])


class _Indexed:
    def __init__(self, bundle: dict[str, list[dict]]):
        self.pickings = index(bundle, "stock.picking")
        self.moves = index(bundle, "stock.move")
        self.move_lines = index(bundle, "stock.move.line")
        self.orders = index(bundle, "sale.order")
        self.sale_lines = index(bundle, "sale.order.line")
        self.partners = index(bundle, "res.partner")
        self.products = index(bundle, "product.product")
        self.lots = index(bundle, "stock.lot")
        self.packages = index(bundle, "stock.quant.package")
        # indexed once per batch: a picking's moves are not searched among every move of the batch
        self.moves_by_sale_line: dict[int, list[dict]] = defaultdict(list)
        self.moves_by_picking: dict[int, list[dict]] = defaultdict(list)
        for m in self.moves.values():
            sl = m2o_id(m.get("sale_line_id"))
            if sl:
                self.moves_by_sale_line[sl].append(m)
            pid = m2o_id(m.get("picking_id"))
            if pid:
                self.moves_by_picking[pid].append(m)
        self.lines_by_move: dict[int, list[dict]] = defaultdict(list)
        for ml in self.move_lines.values():
            mid = m2o_id(ml.get("move_id"))
            if mid:
                self.lines_by_move[mid].append(ml)


def _build_one(picking: dict, d: _Indexed, ctx: ExportContext) -> tuple[dict[str, Any], list[dict], list]:
    tz = ctx.timezone
    if picking.get("state") != "done" or not text(picking.get("date_done")):
        raise BuildError("is not validated (state done); only validated deliveries are sent")
    if picking.get("picking_type_code") not in (None, "outgoing"):
        raise BuildError("is not an outgoing delivery")
    order = d.orders.get(m2o_id(picking.get("sale_id")) or -1)
    if order is None:
        raise BuildError("is not linked to a sales order")
    ship_partner = d.partners.get(m2o_id(picking.get("partner_id")) or -1)
    if ship_partner is None:
        raise BuildError("has no delivery address (partner)")
    commercial = d.partners.get(m2o_id(ship_partner.get("commercial_partner_id")) or int(ship_partner["id"]))
    if commercial is None:
        raise BuildError(f"the customer of {ship_partner.get('name')} was not read")
    if not commercial.get("x_procuros_send_shipping_notice"):
        raise BuildError(f"customer {commercial.get('name')} does not have 'Send Shipping Notice' enabled")

    header = drop_none({
        "buyer": buyer_party(commercial, gln=text(order.get("x_procuros_buyer_gln"))),
        "supplier": supplier_party(ctx),
        "shipTo": ship_to_party(ship_partner),
        "shippingNoticeIdentifier": str(picking["name"]),
        "shippingNoticeDate": local_datetime(picking["date_done"], tz),
        "orderIdentifier": order_identifier(order),
        "orderDate": local_datetime(order.get("x_procuros_order_date") or order.get("date_order"), tz),
        "despatchDate": local_datetime(picking["date_done"], tz),
        **delivery_dates(picking, order, tz),
        "carrier": m2o_name(picking.get("carrier_id")),
        "trackingNumber": text(picking.get("carrier_tracking_ref")),
        "trackingUrl": tracking_url(picking.get("carrier_tracking_url")),
        "AdditionalOrderIdentifiers": {"supplierOrderIdentifier": str(order["name"])},
    })
    items, rows = _items(picking, d, ctx)
    units = TransportUnits(picking, ctx)
    return {"header": header, "transportUnits": units.of(items)}, rows, units.writes


def delivery_dates(picking: dict, order: dict, tz: str) -> dict[str, str | None]:
    """The buyer's requested delivery date (the order's Delivery Date, set from the ORDER) and
    when the goods are expected: as requested when they left by then; else, late, the despatch
    day (Odoo knows no transit time, so that is the earliest they can arrive)."""
    requested = text(order.get("commitment_date"))
    done = str(picking["date_done"])
    if requested is None:
        return {}
    expected = requested if local_date(done, tz) <= local_date(requested, tz) else done
    return {"requestedDeliveryDate": local_datetime(requested, tz), "expectedDeliveryDate": local_datetime(expected, tz)}


def tracking_url(value: Any) -> str | None:
    """stock_delivery's carrier_tracking_url: a URL, or for several parcels a JSON list of
    [name, url] pairs (stock.picking._get_multiple_carrier_tracking): the first one's URL."""
    url = text(value)
    if url and url.startswith("["):
        try:
            pairs = json.loads(url)
            url = text(pairs[0][1]) if pairs and isinstance(pairs[0], list) and len(pairs[0]) == 2 else None
        except ValueError:
            return None
    return url


def _line_sort_key(sale_line: dict | None, move: dict) -> tuple:
    if sale_line is None:
        return (1, 0, 0, int(move["id"]))
    return (0, int(sale_line.get("sequence") or 0), int(sale_line["id"]), 0)


def notice_lines(done_moves: Iterable[dict], sale_lines: dict[int, dict]) -> list[tuple[tuple, list[dict]]]:
    """A picking's shipping-notice lines in lineNumber order: its done moves grouped per sale line
    (a line can have several moves), by sale line sequence and id, moves without a sale line last.
    Invoices reproduce these numbers (invoices_out), so both must use this one rule."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for m in done_moves:
        sl = m2o_id(m.get("sale_line_id"))
        groups[("sl", sl) if sl else ("mv", int(m["id"]))].append(m)
    ordered = sorted(groups, key=lambda k: _line_sort_key(sale_lines.get(k[1]) if k[0] == "sl" else None, groups[k][0]))
    return [(key, groups[key]) for key in ordered]


def _items(picking: dict, d: _Indexed, ctx: ExportContext) -> tuple[list[dict], list[dict]]:
    pid = int(picking["id"])
    lines = notice_lines(
        (m for m in d.moves_by_picking.get(pid, []) if m.get("state") == "done"), d.sale_lines
    )
    if not lines:
        raise BuildError("has no done stock moves")
    backorders = set(ids(picking.get("backorder_ids")))
    items, rows = [], []
    for line_number, (key, group) in enumerate(lines, start=1):
        moves = sorted(group, key=lambda m: int(m["id"]))
        sale_line = d.sale_lines.get(key[1]) if key[0] == "sl" else None
        if key[0] == "sl" and sale_line is None:
            raise BuildError(f"sales order line {key[1]} was not read")
        unit = m2o_id(sale_line.get("product_uom")) if sale_line else m2o_id(moves[0].get("product_uom"))
        shipped = qty(sum(_in_unit(m, m.get("quantity"), unit, ctx) for m in moves))
        if sale_line is not None:
            # the buyer's ordered quantity, whatever earlier deliveries of the line shipped
            earlier = qty(_shipped_earlier(picking, d.moves_by_sale_line[key[1]], unit, ctx))
            ordered = qty(float(sale_line.get("product_uom_qty") or 0.0))
        else:
            earlier, ordered = 0.0, shipped  # a move added in the warehouse without an order line
        product = d.products.get(m2o_id(moves[0].get("product_id")) or -1)
        uom = sale_line.get("product_uom") if sale_line else moves[0].get("product_uom")
        item = item_identity(product, m2o_id(uom), m2o_name(uom), m2o_name(moves[0].get("product_id")), ctx,
                             sale_line)
        item = {"lineNumber": line_number, **item,
                "isDepositItem": bool(sale_line and sale_line.get("x_procuros_is_deposit")),
                "orderedQuantity": ordered, "shippedQuantity": shipped}
        weight = gross_weight(product, moves, ctx)
        if weight:
            item["grossWeight"] = weight
        ln = sale_line.get("x_procuros_line_number") if sale_line else None
        if isinstance(ln, int) and not isinstance(ln, bool) and ln > 0:
            item["orderLineNumber"] = ln
        if abs(ordered - shipped) > _EPS:
            # the rest of the line: still to come (a backorder) or cancelled — or, when earlier
            # deliveries shipped it, with them: the API knows no "delivered earlier", and DISCARDED
            # would book a shortfall the buyer never had
            open_after = ordered - earlier - shipped
            item["openQuantityAction"] = _open_action(key, backorders, d) if open_after > _EPS or earlier <= _EPS \
                else "DELIVERED_LATER"
        desc = first_line(sale_line.get("name")) if sale_line else None
        if desc:
            item["description"] = desc
        over = qty(earlier + shipped - ordered)
        if over > _EPS:
            item["comments"] = over_delivery_comment(over, earlier, shipped, ordered, item["unitOfMeasure"])
        item["_portions"] = _portions(moves, shipped, unit, d, ctx)
        items.append(item)
        rows.append({
            "record_id": pid, "document": str(picking["name"]), "transaction_type": SHIPPING_NOTICE,
            "line_number": line_number, "gtin": item["identifiers"][0]["identifier"],
            "unit": item["unitOfMeasure"], "quantity": shipped, "ordered_quantity": ordered,
            "shipped_quantity": shipped, "over_delivered": earlier + shipped > ordered + _EPS,
            "unit_price": None, "net_amount": None, "tax_amount": None,
        })
    return items, rows


_GRAMS = {"kg": 1000.0, "lb": 453.59237, "lbs": 453.59237}


def gross_weight(product: dict | None, moves: list[dict], ctx: ExportContext) -> float | None:
    """The line's gross weight in grams (Procuros' unit): the product's Weight per unit of the
    product (kg, or lb when Odoo is set to pounds) times the quantity that left, in that unit."""
    weight = float((product or {}).get("weight") or 0.0)
    per = _GRAMS.get((text((product or {}).get("weight_uom_name")) or "kg").lower())
    if weight <= 0 or per is None:
        return None
    base = m2o_id(product.get("uom_id"))
    quantity = sum(ctx.convert(float(m.get("quantity") or 0.0), m2o_id(m.get("product_uom")) or base, base)
                   for m in moves)
    return round(quantity * weight * per, 3) or None


def over_delivery_comment(over: float, earlier: float, shipped: float, ordered: float, unit: str) -> str:
    total = f"{qty(earlier + shipped):g} {unit} shipped in all" if earlier > _EPS else f"{shipped:g} {unit} shipped"
    return f"Over-delivery: {over:g} {unit} more than ordered ({total}, {ordered:g} {unit} ordered)"


def _in_unit(record: dict, quantity: Any, unit: int | None, ctx: ExportContext, uom_field: str = "product_uom") -> float:
    """A move's (or move line's) quantity, kept in the product's unit, in the reported ``unit``."""
    return ctx.convert(float(quantity or 0.0), m2o_id(record.get(uom_field)), unit)


BUYER_ARTICLE_NUMBER = "x_procuros_buyer_article_number"  # on sale.order.line, from the buyer's ORDER


def item_identity(product: dict | None, uom_id: int | None, uom_name: str | None, product_label: str | None,
                  ctx: ExportContext, sale_line: dict | None = None) -> dict[str, Any]:
    """The item's identifiers (GTIN, our article number, the buyer's article number of the order
    line, echoed as the buyer sent it) and its unit code."""
    if product is None:
        raise BuildError(f"product {product_label or '?'} was not read")
    label = product.get("display_name") or product_label or product.get("name")
    barcode = text(product.get("barcode"))
    if not barcode:
        raise BuildError(f"product {label} has no barcode (GTIN); set it in Odoo")
    if not is_valid_gtin(barcode):
        raise BuildError(f"product {label} has barcode {barcode!r}, which is not a valid GTIN "
                         "(8/12/13/14 digits with a GS1 check digit); fix it in Odoo")
    code = ctx.uom_codes.get(uom_id) if uom_id is not None else None
    if not code:
        raise BuildError(f"unit of measure {uom_name or uom_id!r} (product {label}) has no Procuros unit code; "
                         "set 'Procuros Unit Type' on the unit in Sales > Configuration > Units of Measure")
    identifiers = [{"identifier": barcode, "domain": "GS1"}]
    default_code = text(product.get("default_code"))
    if default_code:
        identifiers.append({"identifier": default_code, "domain": "SUPPLIER"})
    buyer_number = text((sale_line or {}).get(BUYER_ARTICLE_NUMBER))
    if buyer_number:
        identifiers.append({"identifier": buyer_number, "domain": "BUYER"})
    return {"identifiers": identifiers, "unitOfMeasure": code}


def _shipped_earlier(picking: dict, line_moves: list[dict], unit: int | None, ctx: ExportContext) -> float:
    """Quantity of the sale line (in ``unit``) that left in done deliveries before this picking."""
    me = (str(picking["date_done"]), int(picking["id"]))
    total = 0.0
    for m in line_moves:
        other = m2o_id(m.get("picking_id"))
        if m.get("state") != "done" or other == int(picking["id"]):
            continue
        if m.get("picking_code", "outgoing") != "outgoing":
            continue
        if (str(m.get("date") or ""), other or 0) < me:
            total += _in_unit(m, m.get("quantity"), unit, ctx)
    return total


def _open_action(key: tuple, backorders: set[int], d: _Indexed) -> str:
    if not backorders:
        return "DISCARDED"
    if key[0] != "sl":
        return "DELIVERED_LATER"
    later = [m for m in d.moves_by_sale_line[key[1]]
             if m2o_id(m.get("picking_id")) in backorders and m.get("state") != "cancel"]
    known = any(d.moves_by_picking.get(b) for b in backorders)
    # the backorder may only hold other lines: then this line's remainder was cancelled
    return "DELIVERED_LATER" if later or not known else "DISCARDED"


def _portions(moves: list[dict], shipped: float, unit: int | None, d: _Indexed, ctx: ExportContext) -> list[dict]:
    """Split the line over result packages; each portion carries its batches (in ``unit``)."""
    by_pkg: dict[int | None, dict[tuple, float]] = defaultdict(lambda: defaultdict(float))
    covered = 0.0
    for m in moves:
        for ml in sorted(d.lines_by_move.get(int(m["id"]), []), key=lambda x: int(x["id"])):
            q = _in_unit(ml, ml.get("quantity"), unit, ctx, "product_uom_id")
            if q <= 0:
                continue
            lot_id = m2o_id(ml.get("lot_id"))
            lot_name = m2o_name(ml.get("lot_id")) or text(ml.get("lot_name"))
            by_pkg[m2o_id(ml.get("result_package_id"))][(lot_id, lot_name)] += q
            covered += q
    rest = shipped - covered
    if rest > _EPS or not by_pkg:  # quantities not on move lines travel unpackaged, without batch
        by_pkg[None][(None, None)] += max(rest, 0.0) if by_pkg else shipped
    portions = []
    for pkg_id, lots in by_pkg.items():
        batches = []
        for (lot_id, lot_name), q in sorted(lots.items(), key=lambda kv: (kv[0][1] or "", kv[0][0] or 0)):
            if lot_name is None:
                continue
            lot = d.lots.get(lot_id or -1, {})
            batches.append(drop_none({"batchIdentifier": lot_name,
                                      "expirationDate": local_date(lot.get("expiration_date"), ctx.timezone),
                                      "quantity": qty(q)}))
        total = qty(sum(lots.values()))
        if batches and abs(sum(b["quantity"] for b in batches) - total) > _EPS:
            product = m2o_name(moves[0].get("product_id"))
            raise BuildError(f"product {product} was shipped partly with and partly without lot numbers; "
                             "batch quantities must add up to the shipped quantity")
        portions.append({"package": d.packages.get(pkg_id, {"id": pkg_id, "name": None}) if pkg_id else None,
                         "quantity": total, "batches": batches})
    return portions


class TransportUnits:
    """The picking's transport units: one per result package, plus one pallet for the goods in no
    package. Each carries an SSCC: the package's name when it is one, else the one stored on the
    package (or, for the pallet, on the picking), else a new one in our GS1 company prefix —
    extension digit 0 + the package's id, 1 + the picking's id: the same on every rerun —
    to be stored before sending (``writes``)."""

    PACKAGE, PALLET = 0, 1  # the SSCC's extension digit: which kind of record its serial numbers

    def __init__(self, picking: dict, ctx: ExportContext):
        self.picking, self.ctx = picking, ctx
        self.writes: list[tuple[str, int, dict]] = []

    def of(self, items: list[dict]) -> list[dict]:
        units: dict[Any, dict] = {}
        for item in items:
            portions = item.pop("_portions")
            remaining_open = item["orderedQuantity"] - item["shippedQuantity"]
            for i, portion in enumerate(portions):
                last = i == len(portions) - 1
                entry = dict(item)
                entry["shippedQuantity"] = portion["quantity"]
                if item.get("grossWeight") and item["shippedQuantity"]:  # the unit's share of the line
                    entry["grossWeight"] = round(item["grossWeight"] * portion["quantity"] / item["shippedQuantity"], 3)
                # ordered/open quantity stay with the last portion so the unit sums equal the line
                entry["orderedQuantity"] = qty(max(portion["quantity"] + (remaining_open if last else 0.0), 0.0))
                if not last or abs(entry["orderedQuantity"] - entry["shippedQuantity"]) <= _EPS:
                    entry.pop("openQuantityAction", None)
                if portion["batches"]:
                    entry["batches"] = portion["batches"]
                pkg = portion["package"]
                key = (0, str(pkg.get("name") or ""), int(pkg["id"])) if pkg else (1, "", 0)
                if key not in units:
                    units[key] = self._unit(pkg)
                units[key]["items"].append(entry)
        out = [units[k] for k in sorted(units)]
        for unit in out:
            count = trade_unit_count(unit["items"])
            if count is not None:
                unit["containedTradeUnitCount"] = count
        return out

    def _unit(self, package: dict | None) -> dict[str, Any]:
        unit: dict[str, Any] = {}
        if package is None:
            code = self._sscc("stock.picking", self.picking, None, self.PALLET)
            unit_type = "PALLET"
        else:
            code = self._sscc("stock.quant.package", package, text(package.get("name")), self.PACKAGE)
            unit_type = _unit_type(m2o_name(package.get("package_type_id")) or text(package.get("name")) or "")
        if code:
            unit["unitIdentifier"] = code
        unit["unitType"] = unit_type
        unit["items"] = []
        return unit

    def _sscc(self, model: str, record: dict, name: str | None, extension: int) -> str | None:
        for known in (name, text(record.get("x_procuros_sscc"))):
            if known and is_valid_sscc(known):
                return known
        if not self.ctx.gs1_prefix:
            return None
        try:
            code = sscc(self.ctx.gs1_prefix, extension, int(record["id"]))
        except ValueError as exc:
            raise BuildError(f"no SSCC for {'package ' + name if name else 'its pallet'}: {exc}") from None
        self.writes.append((model, int(record["id"]), {"x_procuros_sscc": code}))
        return code


# units counted in whole trade units (cases, cartons, pieces); weights and lengths are not
_COUNTED = {"EA", "PCK", "SET", "CS", "CA", "CT", "CQ", "CU", "BJ", "BO", "PF", "BG", "RO", "BE", "PR", "TU"}


def trade_unit_count(items: list[dict]) -> int | None:
    """How many trade units (cases, cartons, pieces) a unit holds: its goods' shipped quantities;
    deposit lines (the crates' Pfand) are no goods. None when a line is in kg, litres and the like."""
    goods = [it for it in items if not it.get("isDepositItem")]
    if not goods or any(it.get("unitOfMeasure") not in _COUNTED or abs(it["shippedQuantity"] - round(it["shippedQuantity"])) > _EPS
                        for it in goods):
        return None
    return int(round(sum(it["shippedQuantity"] for it in goods)))


def _unit_type(label: str) -> str:
    low = label.lower()
    if "euro" in low and ("pal" in low):
        return "EURO_PALLET"
    if "pal" in low:
        return "PALLET"
    if "carton" in low or "karton" in low or "box" in low:
        return "CARTON"
    if "container" in low:
        return "CONTAINER"
    return "PACKAGE"
