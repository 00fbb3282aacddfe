"""Odoo's float rounding and the ``digits`` of float fields.

fields_get does not export ``digits``, so the fields whose definition in Odoo 17 names a
decimal.precision (``digits='Product Price'``) are listed here. Odoo rounds such a value whenever it
is assigned (``fields.Float.convert_to_cache``), on create and write alike, with ``float_round``:
half-up in decimal terms (2.675 -> 2.68, 1.005 -> 1.01) where Python's ``round`` would give 2.67.
"""
from __future__ import annotations

import math

# decimal.precision as a fresh Odoo 17 database has it (transcript 14): (id, name, digits)
PRECISIONS = [(1, "Percentage Analytic", 2), (2, "Product Price", 2), (3, "Discount", 2), (4, "Stock Weight", 2),
              (5, "Volume", 2), (6, "Product Unit of Measure", 2), (7, "Payment Terms", 6)]

PRICE, QTY, DISCOUNT = "Product Price", "Product Unit of Measure", "Discount"
# model -> field -> a decimal.precision name, or a fixed number of digits
DIGITS: dict[str, dict[str, str | int]] = {
    "sale.order.line": {"price_unit": PRICE, "product_uom_qty": QTY, "discount": DISCOUNT, "qty_delivered": QTY,
                        "product_packaging_qty": QTY},
    "purchase.order.line": {"price_unit": PRICE, "product_qty": QTY, "discount": DISCOUNT, "qty_received": QTY,
                            "qty_received_manual": QTY, "product_packaging_qty": QTY},
    "account.move.line": {"price_unit": PRICE, "quantity": QTY, "discount": DISCOUNT},
    "stock.move": {"product_uom_qty": QTY, "quantity": QTY},
    "stock.move.line": {"quantity": QTY},
    "stock.quant": {"quantity": QTY, "reserved_quantity": QTY, "inventory_quantity": QTY},
    "product.template": {"list_price": PRICE, "standard_price": PRICE, "weight": "Stock Weight", "volume": "Volume"},
    "product.product": {"list_price": PRICE, "lst_price": PRICE, "standard_price": PRICE, "weight": "Stock Weight",
                        "volume": "Volume"},
    "product.pricelist.item": {"fixed_price": PRICE, "min_quantity": QTY, "price_surcharge": PRICE,
                               "price_round": PRICE, "price_min_margin": PRICE, "price_max_margin": PRICE,
                               "price_discount": 2},
    "account.payment.term.line": {"value_amount": "Payment Terms"},
    "account.tax": {"amount": 4},
}


def float_round(value: float, precision_digits: int | None = None, precision_rounding: float | None = None,
                rounding_method: str = "HALF-UP") -> float:
    """odoo.tools.float_round: round at a decimal precision, nudging the value by one binary
    epsilon of its magnitude so that decimal ties (2.675 stored as 2.67499999...) break as written."""
    factor = 10 ** -precision_digits if precision_digits is not None else precision_rounding
    if not factor or not value:
        return 0.0
    normalized = value / factor
    sign = math.copysign(1.0, normalized)
    epsilon = 2 ** (math.log(abs(normalized), 2) - 52)
    if rounding_method == "UP":
        rounded = math.ceil(abs(normalized - sign * epsilon)) * sign
    elif rounding_method == "DOWN":
        rounded = math.floor(abs(normalized + sign * epsilon)) * sign
    else:
        rounded = round(normalized + math.copysign(epsilon, normalized))
    return rounded * factor


def digits_of(db, model: str, fname: str) -> int | None:
    spec = DIGITS.get(model, {}).get(fname)
    if spec is None or isinstance(spec, int):
        return spec
    for r in db.tables.get("decimal.precision", {}).values():
        if r.get("name") == spec:
            return int(r.get("digits") or 0)
    return dict((n, d) for _, n, d in PRECISIONS).get(spec)


def round_field(db, model: str, fname: str, value: float) -> float:
    digits = digits_of(db, model, fname)
    return value if digits is None else float_round(value, precision_digits=digits)
