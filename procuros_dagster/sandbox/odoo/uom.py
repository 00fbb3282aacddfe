"""Units of measure, prices in a line's unit and pricelist rules, as in Odoo 17 (transcript 09).

* uom.uom: ``factor`` is how many of this unit make one reference unit (Dozens 1/12, g 1000);
  quantities convert as ``qty / from.factor * to.factor``, prices as ``price * from.factor / to.factor``
  (``uom.uom._compute_quantity`` / ``_compute_price``); a converted quantity is rounded to the target
  unit's ``rounding`` (UP by default, HALF-UP where the caller says so, plain HALF-UP for the same unit).
* product.pricelist(.item): the first applicable rule (``applied_on, min_quantity desc, categ_id desc,
  id desc``), ``min_quantity`` compared in the product's unit, the price converted into the line's unit.
"""
from __future__ import annotations

from .floats import float_round
from .orm import AFTER_WRITE, COMPUTE, DEFAULTS, DISPLAY


def _uom(db, uid):
    return db.tables["uom.uom"].get(uid) if uid else None


def factor_inv(u: dict) -> float:
    f = u.get("factor") or 0.0
    return 1.0 / f if f else 0.0


def _ratio(u: dict) -> float:
    t = u.get("uom_type")
    return 1.0 if t == "reference" else factor_inv(u) if t == "bigger" else (u.get("factor") or 0.0)


COMPUTE["uom.uom"]["factor_inv"] = lambda db, r: factor_inv(r)
COMPUTE["uom.uom"]["ratio"] = lambda db, r: _ratio(r)


def _from_factor_inv(raw: dict) -> dict:
    """uom.uom.create/write take ``factor_inv`` and store its inverse as ``factor``."""
    if "factor_inv" in raw:
        inv = raw.pop("factor_inv")
        raw["factor"] = 1.0 / inv if inv else 0.0
    return raw


def _uom_defaults(db, raw, x2m):
    _from_factor_inv(raw)
    raw.setdefault("factor", 1.0)
    raw.setdefault("rounding", 0.01)
    raw.setdefault("uom_type", "reference")


def _uom_written(db, ids, raw, x2m):
    if "factor_inv" in raw:
        for i in ids:
            db.set("uom.uom", i, _from_factor_inv({"factor_inv": raw["factor_inv"]}))


DEFAULTS["uom.uom"] = _uom_defaults
AFTER_WRITE["uom.uom"] = _uom_written


def convert_qty(db, qty: float, from_id, to_id, rounding_method: str = "UP") -> float:
    """uom.uom._compute_quantity (units of different categories are left alone, not refused: the
    sandbox has no unit category check yet)."""
    src, dst = _uom(db, from_id), _uom(db, to_id)
    if not qty or not src or not dst:
        return qty or 0.0
    if src["id"] == dst["id"]:
        amount, rounding_method = qty, "HALF-UP"
    elif src.get("category_id") != dst.get("category_id"):
        return qty
    else:
        amount = qty / (src.get("factor") or 1.0) * (dst.get("factor") or 1.0)
    return float_round(amount, precision_rounding=dst.get("rounding") or 0.01, rounding_method=rounding_method)


def convert_price(db, price: float, from_id, to_id) -> float:
    """uom.uom._compute_price: the price of one ``from`` unit expressed per ``to`` unit."""
    src, dst = _uom(db, from_id), _uom(db, to_id)
    if not price or not src or not dst or src["id"] == dst["id"] or src.get("category_id") != dst.get("category_id"):
        return price
    return price * (src.get("factor") or 1.0) / (dst.get("factor") or 1.0)


def product_uom(db, product: dict):
    return db.raw_value("product.product", product, "uom_id")


# ---------------------------------------------------------------------- pricelists
def _pricelist_defaults(db, raw, x2m):
    raw.setdefault("discount_policy", "with_discount")
    raw.setdefault("sequence", 16)


def _item_defaults(db, raw, x2m):
    raw.setdefault("applied_on", "3_global")
    raw.setdefault("base", "list_price")
    raw.setdefault("compute_price", "fixed")
    raw.setdefault("min_quantity", 0.0)
    raw.setdefault("fixed_price", 0.0)


def _item_name(db, r) -> str:
    """product.pricelist.item._compute_name_and_price (the name half)."""
    applied = r.get("applied_on")
    if applied == "0_product_variant" and r.get("product_id"):
        return f"Variant: {db.display_name('product.product', r['product_id'])}"
    if applied == "1_product" and r.get("product_tmpl_id"):
        return db.display_name("product.template", r["product_tmpl_id"])
    if applied == "2_product_category" and r.get("categ_id"):
        return f"Category: {db.display_name('product.category', r['categ_id'])}"
    return "All Products"


def _money(x: float) -> str:
    return f"{x:.2f}\xa0€"  # formatLang puts a no-break space before the symbol


def _item_price(db, r) -> str:
    """The other half: a label of the rule's price (EUR, the only currency here)."""
    cp = r.get("compute_price")
    if cp == "fixed":
        return _money(r.get("fixed_price") or 0.0)
    if cp == "percentage":
        return f"{r.get('percent_price') or 0.0:g} %"
    return f"{r.get('price_discount') or 0.0:g} % discount and {r.get('price_surcharge') or 0.0:g} surcharge"


DEFAULTS["product.pricelist"] = _pricelist_defaults
DEFAULTS["product.pricelist.item"] = _item_defaults
DISPLAY["product.pricelist.item"] = _item_name
COMPUTE["product.pricelist.item"]["name"] = _item_name
COMPUTE["product.pricelist.item"]["price"] = _item_price
COMPUTE["product.pricelist.item"]["currency_id"] = lambda db, r: (
    db.tables["product.pricelist"].get(r.get("pricelist_id")) or {}).get("currency_id", 126)


def default_pricelist(db):
    """res.partner.property_product_pricelist without a partner-specific one: the company's first
    active pricelist, or none at all (a fresh database has none)."""
    active = [p for p in db.tables["product.pricelist"].values() if p.get("active", True)]
    active.sort(key=lambda p: (p.get("sequence") or 0, p["id"]))
    return active[0]["id"] if active else False


def _applicable(db, item: dict, product: dict, qty_product_uom: float, date: str) -> bool:
    """product.pricelist.item._is_applicable_for, plus the date window of _get_applicable_rules."""
    if item.get("date_start") and date < item["date_start"]:
        return False
    if item.get("date_end") and date > item["date_end"]:
        return False
    if item.get("min_quantity") and qty_product_uom < item["min_quantity"]:
        return False
    applied = item.get("applied_on")
    if applied == "0_product_variant":
        return item.get("product_id") == product["id"]
    if applied == "1_product":
        return item.get("product_tmpl_id") == db.raw_value("product.product", product, "product_tmpl_id")
    if applied == "2_product_category":
        categ, seen = db.raw_value("product.product", product, "categ_id"), set()
        while categ and categ not in seen:  # the rule's category or one of its parents
            if categ == item.get("categ_id"):
                return True
            seen.add(categ)
            categ = (db.tables["product.category"].get(categ) or {}).get("parent_id")
        return False
    return True


def pricelist_rule(db, pricelist_id, product: dict, qty: float, uom_id, date: str):
    """product.pricelist._get_product_rule: the first rule that applies, or None."""
    if not pricelist_id or not product:
        return None
    qty_product_uom = convert_qty(db, qty, uom_id, product_uom(db, product))
    items = [i for i in db.tables["product.pricelist.item"].values() if i.get("pricelist_id") == pricelist_id
             and i.get("active", True)]
    for item in db.sort("product.pricelist.item", items):
        if _applicable(db, item, product, qty_product_uom, date):
            return item
    return None


def rule_price(db, item, product: dict, qty: float, uom_id, date: str) -> float:
    """product.pricelist.item._compute_price: the price per ``uom_id`` (no rule: the sales price)."""
    base_uom = product_uom(db, product)
    convert = lambda p: convert_price(db, p, base_uom, uom_id)  # noqa: E731
    if item and item.get("compute_price") == "fixed":
        return convert(item.get("fixed_price") or 0.0)
    base = convert(db.raw_value("product.product", product, "lst_price") or 0.0)
    if item and item.get("compute_price") == "percentage":
        return base - base * (item.get("percent_price") or 0.0) / 100
    if item and item.get("compute_price") == "formula":
        if item.get("base") == "standard_price":
            base = convert(db.raw_value("product.product", product, "standard_price") or 0.0)
        price = base - base * (item.get("price_discount") or 0.0) / 100
        if item.get("price_round"):
            price = float_round(price, precision_rounding=item["price_round"])
        return price + convert(item.get("price_surcharge") or 0.0)
    return base


def sale_line_price(db, order: dict, product: dict, qty: float, uom_id) -> tuple[float, int | bool]:
    """sale.order.line._compute_pricelist_item_id and _compute_price_unit: (price per line unit, rule)."""
    date = (order.get("date_order") or "")[:10] or "9999-12-31"
    item = pricelist_rule(db, order.get("pricelist_id"), product, qty or 1.0, uom_id, date)
    return rule_price(db, item, product, qty or 1.0, uom_id, date), (item["id"] if item else False)


# ---------------------------------------------------------------------- quantities in the product's unit
def _in_product_uom(db, r, qty_field: str, uom_field: str, rounding_method: str) -> float:
    product = db.tables["product.product"].get(r.get("product_id"))
    qty = r.get(qty_field) or 0.0
    return convert_qty(db, qty, r.get(uom_field), product_uom(db, product), rounding_method) if product else qty


COMPUTE["sale.order.line"]["product_qty"] = lambda db, r: _in_product_uom(db, r, "product_uom_qty", "product_uom", "UP")
COMPUTE["stock.move"]["product_qty"] = lambda db, r: _in_product_uom(db, r, "product_uom_qty", "product_uom", "HALF-UP")
COMPUTE["stock.move.line"]["quantity_product_uom"] = lambda db, r: _in_product_uom(
    db, r, "quantity", "product_uom_id", "HALF-UP")
