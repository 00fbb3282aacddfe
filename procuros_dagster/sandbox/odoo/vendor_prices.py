"""Vendor pricelists (product.supplierinfo) and how Odoo 17 prices a purchase line from them.

Transcript 17 and purchase/models/purchase_order_line.py:

* a line created over RPC without some of name/price_unit/product_qty/product_uom/taxes_id/
  date_planned gets them from ``_prepare_add_missing_fields``: a new line runs
  ``onchange_product_id`` — the unit reset to the product's purchase unit, ``_suggest_quantity``
  (the supplier's smallest ``min_qty``, or 1) — so the price is the supplier's price (or the cost)
  for that suggested quantity *in the purchase unit*: never converted to the line's unit, and a
  ``min_qty`` price break is ignored however much is ordered;
* writing ``product_qty`` or ``product_uom`` later reruns
  ``_compute_price_unit_and_date_planned_and_name`` with the line's own quantity and unit: the
  supplier's price converted to the line's unit (``seller.product_uom._compute_price``); without a
  supplier price a price already there stays unless the unit changed;
* the line's name is the product's display name with the chosen supplier's code and name, its
  ``date_planned`` the order date plus the supplier's lead time (``_get_date_planned``).
"""
from __future__ import annotations

import datetime as dt

from . import uom
from .clock import now
from .orm import COMPUTE, COMPANY_MODELS, DEFAULTS, DISPLAY

FORMAT = "%Y-%m-%d %H:%M:%S"


def _defaults(db, raw, x2m):
    raw.setdefault("sequence", 1)
    raw.setdefault("min_qty", 0.0)
    raw.setdefault("price", 0.0)
    raw.setdefault("delay", 1)
    raw.setdefault("discount", 0.0)
    raw.setdefault("currency_id", 126)
    raw.setdefault("product_name", False)
    raw.setdefault("product_code", False)
    raw.setdefault("product_id", False)


DEFAULTS["product.supplierinfo"] = _defaults
COMPANY_MODELS.add("product.supplierinfo")  # company_id defaults to the current company
DISPLAY["product.supplierinfo"] = lambda db, r: db.display_name("res.partner", r.get("partner_id"))


def seller_uom(db, s: dict):
    """product_uom is related to product_tmpl_id.uom_po_id."""
    tmpl = db.tables["product.template"].get(s.get("product_tmpl_id")) or {}
    return tmpl.get("uom_po_id") or tmpl.get("uom_id")


def _of_product(db, product: dict) -> list[dict]:
    return [s for s in db.tables["product.supplierinfo"].values()
            if s.get("product_tmpl_id") == product.get("product_tmpl_id")
            and (not s.get("product_id") or s["product_id"] == product["id"])]


def select_seller(db, product: dict, partner_id, quantity: float, uom_id) -> dict | None:
    """product.product._select_seller: the cheapest price of the first matching supplier whose
    min_qty the quantity (in the supplier's unit) reaches, on the date."""
    partner = db.tables["res.partner"].get(partner_id) or {}
    today = now()[:10]
    found = []
    for s in sorted(_of_product(db, product), key=lambda s: (s.get("sequence") or 0, -(s.get("min_qty") or 0.0),
                                                            s.get("price") or 0.0, s["id"])):
        if s.get("date_start") and s["date_start"] > today or s.get("date_end") and s["date_end"] < today:
            continue
        if partner_id and s.get("partner_id") not in (partner_id, partner.get("parent_id")):
            continue
        qty = quantity
        if qty and uom_id and uom_id != seller_uom(db, s):
            qty = uom.convert_qty(db, qty, uom_id, seller_uom(db, s), "HALF-UP")
        if quantity is not None and qty < (s.get("min_qty") or 0.0) - 1e-9:
            continue
        if not found or found[0].get("partner_id") == s.get("partner_id"):
            found.append(s)
    discounted = lambda s: (s.get("price") or 0.0) * (1 - (s.get("discount") or 0.0) / 100)  # noqa: E731
    return min(found, key=lambda s: (discounted(s), s.get("sequence") or 0, s["id"])) if found else None


def description(db, product: dict, seller: dict | None) -> str:
    """_get_product_purchase_description: the display name with the supplier's code and name."""
    name = db.raw_value("product.product", product, "name") or ""
    code = product.get("default_code") or False
    if seller:
        name, code = seller.get("product_name") or name, seller.get("product_code") or code
    text = f"[{code}] {name}" if code else name
    extra = db.raw_value("product.product", product, "description_purchase")
    return f"{text}\n{extra}" if extra else text


def _planned(order: dict, seller: dict | None) -> str:
    start = dt.datetime.strptime(order.get("date_order") or now(), FORMAT)
    return (start + dt.timedelta(days=(seller or {}).get("delay") or 0)).strftime(FORMAT)


def _cost_in(db, product: dict, uom_id) -> float:
    cost = db.raw_value("product.product", product, "standard_price") or 0.0
    return round(uom.convert_price(db, cost, uom.product_uom(db, product), uom_id), 2)


def new_line_values(db, raw: dict, product: dict, order: dict) -> None:
    """_prepare_add_missing_fields: what a line created without them gets (set only if missing)."""
    mine = sorted((s for s in _of_product(db, product) if s.get("partner_id") == order.get("partner_id")),
                  key=lambda s: s.get("min_qty") or 0.0)
    purchase_uom = db.raw_value("product.product", product, "uom_po_id") or uom.product_uom(db, product)
    qty = (mine[0].get("min_qty") or 1.0) if mine else 1.0
    unit = seller_uom(db, mine[0]) if mine else purchase_uom
    seller = select_seller(db, product, order.get("partner_id"), qty, unit)
    raw.setdefault("product_uom", unit)
    raw.setdefault("product_qty", qty)
    raw.setdefault("name", description(db, product, seller))
    raw.setdefault("date_planned", _planned(order, seller))
    if "price_unit" not in raw:
        raw["price_unit"] = round(seller.get("price") or 0.0, 2) if seller else _cost_in(db, product, unit)
        raw.setdefault("discount", (seller or {}).get("discount") or 0.0)


def reprice(db, line: dict, product: dict, order: dict, unit_changed: bool) -> dict:
    """_compute_price_unit_and_date_planned_and_name after a write of the quantity or unit."""
    seller = select_seller(db, product, order.get("partner_id"), line.get("product_qty") or 0.0, line.get("product_uom"))
    out: dict = {}
    if seller or not line.get("date_planned"):
        out["date_planned"] = _planned(order, seller)
    if seller:
        price = round(seller.get("price") or 0.0, 2)
        out["price_unit"] = round(uom.convert_price(db, price, seller_uom(db, seller), line.get("product_uom")), 2)
        out["discount"] = seller.get("discount") or 0.0
    else:
        out["discount"] = 0.0
        has_own = any(s.get("partner_id") == order.get("partner_id") for s in _of_product(db, product))
        if has_own or not line.get("price_unit") or unit_changed:
            out["price_unit"] = _cost_in(db, product, line.get("product_uom"))
    defaults = [description(db, product, None)] + [description(db, product, s) for s in _of_product(db, product)]
    if not line.get("name") or line["name"] in defaults:
        out["name"] = description(db, product, seller)
    return out


def _ordered(db, tmpl: dict) -> list[int]:
    """seller_ids in the model's _order ('sequence, min_qty DESC, price, id')."""
    rows = [s for s in db.tables["product.supplierinfo"].values() if s.get("product_tmpl_id") == tmpl["id"]]
    return [s["id"] for s in sorted(rows, key=lambda s: (s.get("sequence") or 0, -(s.get("min_qty") or 0.0),
                                                         s.get("price") or 0.0, s["id"]))]


COMPUTE["product.template"]["seller_ids"] = _ordered
COMPUTE["product.supplierinfo"]["product_uom"] = seller_uom
