"""Odoo reads for the order responses we send our customers: quotations imported from Procuros,
confirmed or cancelled since, with what the buyer ordered.

What the buyer ordered is read from the import's entry in Procuros > Logs (its payload is the ORDER
as received, kept whole), not from the order lines: users edit those, and the difference is the
CHANGE. Seven reads whatever the batch size; bound orders (answered already) are dropped.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Sequence

from .exchange_log import LOG_MODEL
from .order_lookups import _price_digits
from procuros_dagster.mapping.odoo_values import m2o_id
from procuros_dagster.mapping.order_responses_out import PRICE_PRECISION

from .outbound_reads import Bound, Gateway, _drop_bound, _ids, _read, _scope, day_domain, utc_day_range

#: the switch on the customer (its company) that turns order responses on
SWITCH = "x_procuros_send_order_response"
#: the inbound movement whose Logs entries carry the buyer's ORDER (movements.SALES_ORDERS.name)
IMPORT_MOVEMENT = "sales_orders"

# Imported quotations confirmed (sale) or cancelled, of customers with the switch on.
ELIGIBLE_SALE_ORDERS = [
    ("x_procuros_transaction_id", "!=", False),
    ("state", "in", ["sale", "cancel"]),
    (f"partner_id.commercial_partner_id.{SWITCH}", "=", True),
]
PARTNER_FIELD = "partner_id.commercial_partner_id"
# An order's day is its last change's: confirming or cancelling it writes it, and an order edited
# again before it is answered moves to that day (the daily run of each day looks at it then). Its
# date_order would not do: a cancelled quotation keeps the buyer's order date there.
DAY_FIELD = "write_date"
ORDER_FIELDS = [
    "id", "name", "state", "partner_id", "partner_shipping_id", "client_order_ref", "date_order", "write_date",
    "commitment_date", "expected_date", "currency_id", "order_line", "x_procuros_order_date", "x_procuros_buyer_gln",
    "x_procuros_transaction_id", "company_id",
]
LINE_FIELDS = [
    "id", "order_id", "sequence", "display_type", "product_id", "name", "product_uom_qty", "product_uom", "price_unit",
    "discount", "x_procuros_line_number", "x_procuros_is_deposit", "x_procuros_buyer_article_number",
]
PARTNER_FIELDS = ["id", "name", "ref", "type", "parent_id", "commercial_partner_id", "street", "street2", "zip", "city",
                  "country_code", "vat", SWITCH]
PRODUCT_FIELDS = ["id", "name", "display_name", "default_code", "barcode"]


def fetch_order_response_bundle(gw: Gateway, *, day: date | None = None, record_ids: Sequence[int] | None = None,
                                tz: str = "Europe/Berlin", retry_ids: Sequence[int] = (), bound: Bound | None = None,
                                scope: Sequence = ()) -> dict[str, list[dict]]:
    """The orders to answer (last changed on the local ``day``, or ``record_ids``) and what the
    mapping needs of them."""
    by_day = day_domain(DAY_FIELD, day, tz, is_datetime=True) if day is not None else []
    domain = [*ELIGIBLE_SALE_ORDERS, *scope, *_scope(day, record_ids, by_day, retry_ids)]
    orders = _drop_bound(gw.search_read("sale.order", domain, ORDER_FIELDS, order="id"), "sale.order", bound)
    bundle: dict[str, list[dict]] = {"sale.order": orders, "sale.order.line": [], "res.partner": [],
                                     "product.product": [], "procuros.order": []}
    if not orders:
        return bundle
    order_ids = [o["id"] for o in orders]
    lines = gw.search_read("sale.order.line", [("order_id", "in", order_ids)], LINE_FIELDS, order="id")
    partner_ids = sorted(set(_ids(orders, "partner_id") + _ids(orders, "partner_shipping_id")))
    bundle.update({
        "sale.order.line": lines,
        "res.partner": sorted(gw.search_read("res.partner", [("id", "parent_of", partner_ids)], PARTNER_FIELDS,
                                             context={"active_test": False}), key=lambda p: p["id"]),
        "product.product": _read(gw, "product.product", _ids(lines, "product_id"), PRODUCT_FIELDS),
        "procuros.order": ordered_as_received(gw, order_ids),
        # the import rounded the buyer's prices to these digits: an order as ordered compares equal
        PRICE_PRECISION: [{"name": "Product Price", "digits": _price_digits(gw)}],
    })
    return bundle


def ordered_as_received(gw: Gateway, order_ids: Sequence[int]) -> list[dict]:
    """``[{"id": sale.order id, "content": the ORDER's content}]`` from the latest import of each
    order in the Logs (a newer version of an order updates its quotation: the newest counts)."""
    entries = gw.search_read(LOG_MODEL, [("x_movement", "=", IMPORT_MOVEMENT), ("x_state", "=", "imported"),
                                         ("x_res_model", "=", "sale.order"), ("x_res_id", "in", list(order_ids))],
                             ["id", "x_res_id", "x_payload"], order="id")
    latest: dict[int, dict] = {}
    for e in entries:
        try:
            payload = json.loads(e.get("x_payload") or "null")
        except ValueError:
            continue
        if isinstance(payload, dict) and isinstance(payload.get("content"), dict):
            latest[int(e["x_res_id"])] = {"id": int(e["x_res_id"]), "content": payload["content"]}
    return [latest[i] for i in sorted(latest)]


def changed_candidates(gw: Gateway, *, day: date | None = None, record_ids: Sequence[int] | None = None,
                       tz: str = "Europe/Berlin", scope: Sequence = ()) -> list[dict]:
    """Orders (or their lines) written on or after the local ``day``, or the named ones: those answered
    earlier may have changed since (cancelled after an ACCEPT, quantities edited). Two reads; whether
    they were answered and what changed is for the caller, on the content."""
    if record_ids is not None:
        extra = [("id", "in", sorted({int(i) for i in record_ids}))]
    elif day is not None:
        start = utc_day_range(day, tz)[0]
        extra = ["|", ("write_date", ">=", start), ("order_line.write_date", ">=", start)]
    else:
        return []
    orders = gw.search_read("sale.order", [*ELIGIBLE_SALE_ORDERS, *scope, *extra],
                            ["id", "name", "partner_id", "write_date"], order="id")
    if not orders:
        return []
    written = {o["id"]: str(o.get("write_date") or "") for o in orders}
    for line in gw.search_read("sale.order.line", [("order_id", "in", sorted(written))], ["order_id", "write_date"]):
        oid = m2o_id(line.get("order_id"))
        if oid in written and str(line.get("write_date") or "") > written[oid]:
            written[oid] = str(line["write_date"])
    return [{**o, "changed_at": written[o["id"]]} for o in orders]
