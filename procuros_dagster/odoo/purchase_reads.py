"""Odoo reads and writes of the purchase orders we send (the ``purchase_orders`` movement).

``fetch_purchase_order_bundle`` has the signature every outbound fetch has (see outbound_reads.py)
and makes a constant number of round trips: the purchase orders, then one read per related model.
A supplier is set up for Procuros the way the seed says: Procuros Connector set on its commercial
partner, its GLN in Reference; the mapping refuses a purchase order without a GLN with a reason.

``confirm_sent`` is the movement's after-sent hook (Require Order Response), ``unconfirmed_sent``
finds the orders a crash left sent but unconfirmed, and ``changed_candidates`` finds purchase
orders sent earlier whose lines were written since.
"""

from __future__ import annotations

import html
from datetime import date
from typing import Sequence

from procuros_dagster.mapping.odoo_values import m2o_id
from procuros_dagster.mapping.purchase_orders_out import SENDABLE_STATES

from .errors import OdooUserError, OdooValidationError

_REFUSED = (OdooUserError, OdooValidationError)  # Odoo's business refusals of one record
from .exchange_log import LOG_MODEL
from .outbound_reads import Bound, Gateway, _drop_bound, _ids, _read, _scope, utc_day_range

ORDER_FIELDS = [
    "id", "name", "state", "partner_id", "partner_ref", "date_order", "date_planned", "currency_id", "order_line",
    "picking_type_id", "dest_address_id", "company_id", "amount_untaxed", "amount_tax", "amount_total",
]
ORDER_LINE_FIELDS = [
    "id", "order_id", "sequence", "display_type", "product_id", "name", "product_qty", "product_uom", "price_unit",
    "discount", "price_subtotal", "price_tax", "taxes_id", "date_planned",
]
PARTNER_FIELDS = [
    "id", "name", "ref", "type", "parent_id", "is_company", "commercial_partner_id", "street", "street2", "zip",
    "city", "country_code", "vat", "x_procuros_connector", "x_procuros_require_order_response",
]
PRODUCT_FIELDS = ["id", "name", "display_name", "default_code", "barcode", "uom_id", "uom_po_id", "standard_price",
                  "product_tmpl_id", "seller_ids"]
SUPPLIERINFO_FIELDS = ["id", "partner_id", "product_tmpl_id", "product_code", "sequence", "price"]
TAX_FIELDS = ["id", "name", "amount", "amount_type", "description"]

# Which purchase orders are sent: RFQs and purchase orders of suppliers whose commercial partner
# has the Procuros Connector set. The Odoo sensor watches the same domain.
ELIGIBLE_PURCHASE_ORDERS = [
    ("state", "in", list(SENDABLE_STATES)),
    ("partner_id.commercial_partner_id.x_procuros_connector", "!=", False),
]
PARTNER_FIELD = "partner_id.commercial_partner_id"
REQUIRE_ORDER_RESPONSE = "x_procuros_require_order_response"
NOT_CONFIRMED = "but Odoo did not confirm it"  # the chatter note of a confirmation Odoo refused
MODELS = ("purchase.order.line", "res.partner", "product.product", "product.supplierinfo", "account.tax",
          "stock.picking.type", "stock.warehouse")


def fetch_purchase_order_bundle(gw: Gateway, *, day: date | None = None, record_ids: Sequence[int] | None = None,
                                tz: str = "Europe/Berlin", retry_ids: Sequence[int] = (),
                                bound: Bound | None = None, scope: Sequence = ()) -> dict[str, list[dict]]:
    """RFQs / purchase orders of enabled suppliers (date_order on the local ``day``, or
    ``record_ids``) not sent yet, with their lines, suppliers, products, taxes and warehouses."""
    by_day = []
    if day is not None:
        start, end = utc_day_range(day, tz)  # date_order is a UTC datetime: the day in our time zone
        by_day = [("date_order", ">=", start), ("date_order", "<", end)]
    domain = [*ELIGIBLE_PURCHASE_ORDERS, *scope, *_scope(day, record_ids, by_day, retry_ids)]
    orders = _drop_bound(gw.search_read("purchase.order", domain, ORDER_FIELDS, order="id"), "purchase.order", bound)
    return related(gw, orders)


def related(gw: Gateway, orders: list[dict]) -> dict[str, list[dict]]:
    """The bundle of these purchase orders: one read per related model."""
    bundle: dict[str, list[dict]] = {"purchase.order": orders, **{m: [] for m in MODELS}}
    if not orders:
        return bundle
    lines = gw.search_read("purchase.order.line", [("order_id", "in", [o["id"] for o in orders])],
                           ORDER_LINE_FIELDS, order="id")
    products = _read(gw, "product.product", _ids(lines, "product_id"), PRODUCT_FIELDS)
    picking_types = _read(gw, "stock.picking.type", _ids(orders, "picking_type_id"), ["id", "name", "warehouse_id"])
    warehouses = _read(gw, "stock.warehouse", _ids(picking_types, "warehouse_id"), ["id", "name", "partner_id"])
    # suppliers, their commercial partners and the ship-to addresses, with their parents, in one read
    partner_ids = _ids(orders, "partner_id") + _ids(orders, "dest_address_id") + _ids(warehouses, "partner_id")
    partners = sorted(gw.search_read("res.partner", [("id", "parent_of", sorted(set(partner_ids)))], PARTNER_FIELDS,
                                     context={"active_test": False}), key=lambda p: p["id"]) if partner_ids else []
    # the suppliers' own article numbers (Purchase tab of the product), read only when there are any
    infos = _read(gw, "product.supplierinfo", _ids(products, "seller_ids"), SUPPLIERINFO_FIELDS)
    bundle.update({
        "purchase.order.line": lines,
        "res.partner": partners,
        "product.product": products,
        "product.supplierinfo": infos,
        "account.tax": _read(gw, "account.tax", _ids(lines, "taxes_id"), TAX_FIELDS),
        "stock.picking.type": picking_types,
        "stock.warehouse": warehouses,
    })
    return bundle


def confirm_sent(gw, record_ids: Sequence[int], bundle: dict[str, list[dict]]) -> list[int]:
    """Require Order Response: the RFQs just sent to suppliers who do not require one are confirmed
    now, in one call; the others stay RFQs until the supplier's ORDER_RESPONSE accepts them."""
    orders = {o["id"]: o for o in bundle.get("purchase.order", [])}
    partners = {p["id"]: p for p in bundle.get("res.partner", [])}

    def requires_response(order: dict) -> bool:
        partner = partners.get(m2o_id(order.get("partner_id")) or -1) or {}
        commercial = partners.get(m2o_id(partner.get("commercial_partner_id")) or -1, partner)
        return bool(commercial.get(REQUIRE_ORDER_RESPONSE))

    to_confirm = sorted(i for i in record_ids if i in orders and orders[i].get("state") in ("draft", "sent")
                        and not requires_response(orders[i]))
    if not to_confirm:
        return []
    try:
        gw.call("purchase.order", "button_confirm", [to_confirm])
        return to_confirm
    except _REFUSED:
        pass  # one order Odoo will not confirm (e.g. a product rule) must not keep the others unconfirmed
    confirmed, refused = [], []
    for oid in to_confirm:
        try:
            gw.call("purchase.order", "button_confirm", [[oid]])
            confirmed.append(oid)
        except _REFUSED as exc:
            refused.append((oid, f"<p>Sent to Procuros, {NOT_CONFIRMED}: {html.escape(str(exc))}. "
                                 "Confirm it by hand.</p>"))
    if refused:
        gw.post_messages("purchase.order", refused)
    return confirmed


def unconfirmed_sent(gw: Gateway, *, scope: Sequence = (), bound: Bound) -> dict[str, list[dict]]:
    """RFQs sent earlier to suppliers who do not require an order response, yet still unconfirmed:
    a run died between binding them and confirming them (the movement's ``unfinished`` hook).
    Left alone: orders the supplier answered (their response decides) and orders Odoo refused to
    confirm (the buyer was told on the chatter to confirm them by hand). The flow keeps those
    unchanged since they were sent. Two calls when none was sent, four when some were."""
    orders = gw.search_read("purchase.order", [
        *ELIGIBLE_PURCHASE_ORDERS, *scope, ("state", "in", ["draft", "sent"]),
        (f"{PARTNER_FIELD}.{REQUIRE_ORDER_RESPONSE}", "=", False)],
        ["id", "name", "state", "partner_id", "write_date"], order="id")
    sent = bound("purchase.order", [o["id"] for o in orders]) if orders else set()
    orders = [o for o in orders if o["id"] in sent]
    if orders:
        ids = [o["id"] for o in orders]
        refused = {m["res_id"] for m in gw.search_read("mail.message", [
            ("model", "=", "purchase.order"), ("res_id", "in", ids), ("body", "ilike", NOT_CONFIRMED)], ["res_id"])}
        left = answered(gw, ids) | refused
        orders = [o for o in orders if o["id"] not in left]
    # the domain kept suppliers needing no response: confirm_sent needs no partners to tell
    return {"purchase.order": orders, "res.partner": []}


def changed_candidates(gw: Gateway, *, day: date | None = None, record_ids: Sequence[int] | None = None,
                       tz: str = "Europe/Berlin", scope: Sequence = ()) -> list[dict]:
    """Purchase orders still open whose lines were written on or after the local ``day`` (or the
    named ones): those sent earlier may have changed since. One search_read plus one for the lines'
    latest write; whether they were sent and what changed is for the caller."""
    if record_ids is not None:
        extra = [("id", "in", sorted({int(i) for i in record_ids}))]
    elif day is not None:
        extra = [("order_line.write_date", ">=", utc_day_range(day, tz)[0])]
    else:
        return []
    orders = gw.search_read("purchase.order", [*ELIGIBLE_PURCHASE_ORDERS, *scope, *extra],
                            ["id", "name", "partner_id"], order="id")
    if not orders:
        return []
    written: dict[int, str] = {}
    for line in gw.search_read("purchase.order.line", [("order_id", "in", [o["id"] for o in orders])],
                               ["order_id", "write_date"]):
        oid = m2o_id(line.get("order_id"))
        if oid and str(line.get("write_date") or "") > written.get(oid, ""):
            written[oid] = str(line["write_date"])
    return [{**o, "changed_at": written[o["id"]]} for o in orders if o["id"] in written]


def answered(gw, record_ids: Sequence[int]) -> set[int]:
    """Purchase orders an ORDER_RESPONSE was imported for: from then on their lines follow the
    supplier's answer, which is no change to report. One search_read of the Logs."""
    if not record_ids:
        return set()
    rows = gw.search_read(LOG_MODEL, [("x_movement", "=", "order_responses"), ("x_res_model", "=", "purchase.order"),
                                      ("x_res_id", "in", sorted(record_ids)), ("x_state", "=", "imported")],
                          ["x_res_id"])
    return {r["x_res_id"] for r in rows}
