"""The buyer's commercial terms on an inbound ORDER (pure, no I/O): prices per pricing unit,
discounts and charges (modificationGroups), payment terms and an address-only ship-to.

Each function returns what Odoo needs and the sentences a person should read on the quotation
(its chatter), so that nothing the buyer said is silently changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

DISCOUNT_DIGITS = 2  # Odoo 17's "Discount" precision: sale.order.line.discount is rounded to it
REASON_WORDS = {"SHIPPING": "Shipping", "PACKAGING": "Packaging", "HANDLING": "Handling",
                "DISCOUNT": "Discount", "INSURANCE": "Insurance"}


def _n(value: float) -> str:
    """A number as people write it: 12.5, 0.1234, 100."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _money(value: float) -> str:
    return f"{value:,.2f}"


# --- modificationGroups ---------------------------------------------------------------------------

@dataclass
class Modifications:
    """What a list of ModificationGroups comes to: allowances as a percentage of the basis,
    charges as amounts, the sentences that explain a conversion, and what is wrong with it."""

    allowance_percent: float = 0.0
    charges: list[dict] = field(default_factory=list)  # {reason, description, amount}
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def read_modifications(groups, where: str, order: str | None) -> Modifications:
    """``where``: "line 3" or "the order's summary". Groups apply in the order of their level,
    each on its own basis (the amount the buyer computed it on); an absolute allowance becomes
    a percentage of the first basis (said in the notes)."""
    out = Modifications()
    if not groups:
        return out
    prefix = f"Order {order} {where}" if order else where[:1].upper() + where[1:]
    if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
        out.problems.append(f"{prefix}: modificationGroups must be a list of objects")
        return out
    ordered = sorted(groups, key=lambda g: _number(g.get("level")) or 0)
    base = _number(ordered[0].get("basis"))
    allowed = 0.0
    for g in ordered:
        basis = _number(g.get("basis"))
        mods = g.get("modifications")
        if basis is None or basis < 0:
            out.problems.append(f"{prefix}: a modification group needs its basis (the amount it applies to)")
            continue
        if not isinstance(mods, list) or not mods or not all(isinstance(m, dict) for m in mods):
            out.problems.append(f"{prefix}: a modification group needs at least one modification")
            continue
        for m in mods:
            kind, calc = m.get("type"), m.get("calculationType")
            pct, amount = _number(m.get("percentage")), _number(m.get("amount"))
            label = str(m.get("description") or "").strip() or REASON_WORDS.get(str(m.get("reasonCode")), "")
            if kind not in ("ALLOWANCE", "CHARGE") or calc not in ("ABSOLUTE", "RELATIVE"):
                out.problems.append(f"{prefix}: a modification must be an ALLOWANCE or CHARGE, ABSOLUTE or "
                                    f"RELATIVE (got {kind!r}, {calc!r})")
                continue
            value = basis * pct / 100 if calc == "RELATIVE" and pct is not None else amount
            if value is None or value < 0:
                wanted = "percentage" if calc == "RELATIVE" else "amount"
                out.problems.append(f"{prefix}: a {calc.lower()} {kind.lower()} needs a {wanted} of 0 or more")
                continue
            if kind == "ALLOWANCE":
                allowed += value
                if calc == "ABSOLUTE" and base:
                    out.notes.append(f"{where[:1].upper() + where[1:]}: the buyer's allowance of {_money(value)}"
                                     f"{f' ({label})' if label else ''} is {_n(round(100 * value / base, 4))} % "
                                     f"of {_money(base)}")
            else:
                out.charges.append({"reason": str(m.get("reasonCode") or "") or None,
                                    "description": label or "Charge", "amount": round(value, 2)})
    if allowed and not base:
        out.problems.append(f"{prefix}: an allowance of {_money(allowed)} on a basis of 0")
    elif base and allowed > base + 1e-9:
        out.problems.append(f"{prefix}: allowances of {_money(allowed)} exceed the amount of {_money(base)} "
                            "they apply to")
    elif base:
        out.allowance_percent = 100 * allowed / base
    return out


def charge_line_name(description: str, line_number: int | None) -> str:
    """The label of the charge line a buyer's charge becomes: the import writes it, the order
    response recognises the line by it (a charge is no order line for the buyer)."""
    return f"{description} (line {line_number})" if line_number is not None else description


def combined_discount(line_percent: float | None, order_percent: float | None) -> float:
    """A line allowance and an order allowance applied one after the other, as Odoo's discount."""
    rest = (1 - (line_percent or 0) / 100) * (1 - (order_percent or 0) / 100)
    return round(100 * (1 - rest), DISCOUNT_DIGITS)


# --- prices per pricing unit ----------------------------------------------------------------------

def price_per_line_unit(price: float, unit_code: str, per_quantity: float | None, per_code: str | None,
                        factors: tuple[float, float] | None) -> tuple[float | None, str | None]:
    """The buyer's price per pricing unit → the price per unit of the line, and how it was read.

    ``per_quantity`` (pricingUnitQuantity): line units in one pricing unit, so the price is divided
    by it. Without it a pricing unit other than the line's is converted through Odoo's units
    (``factors``: the pricing and the line unit's factors, same category); None when neither says
    how many line units a pricing unit holds."""
    if per_quantity == 1:  # one line unit per pricing unit: the price is the line unit's
        return price, None
    if per_quantity is not None:
        shown = f"{_n(per_quantity)} {unit_code}" + (f" ({per_code})" if per_code and per_code != unit_code else "")
        return price / per_quantity, f"{_n(price)} per {shown}"
    if not per_code or per_code == unit_code:
        return price, None
    if factors is None:
        return None, None
    pricing_factor, line_factor = factors
    # uom.uom._compute_price: price * from.factor / to.factor
    return price * pricing_factor / line_factor, f"{_n(price)} per {per_code}"


def price_note(where: str, said: str, per_unit: float, kept: float, unit_code: str, quantity: float,
               digits: int) -> str:
    text = f"{where}: the buyer's price {said} is {_n(per_unit)} per {unit_code}"
    if abs(kept - per_unit) > 1e-9:
        text += (f"; Odoo keeps prices to {digits} decimals (Product Price), so {_n(kept)} per {unit_code}: "
                 f"{_money(kept * quantity)} instead of the buyer's {_money(per_unit * quantity)}")
    return text


# --- payment terms --------------------------------------------------------------------------------

def describe_terms(terms: list[tuple[int, float]]) -> str:
    parts = [f"{_n(p)} % within {d} days" for d, p in sorted(terms) if p]
    parts += [f"net {d} days" for d, p in sorted(terms) if not p]
    return ", ".join(parts)


def read_terms(value) -> list[tuple[int, float]]:
    return [(int(t["payInNumberOfDays"]), float(t.get("percentage") or 0))
            for t in (value if isinstance(value, list) else [])
            if isinstance(t, dict) and isinstance(t.get("payInNumberOfDays"), (int, float))
            and not isinstance(t.get("payInNumberOfDays"), bool)]


def match_payment_term(terms: list[tuple[int, float]], odoo_terms: list[dict]) -> int | None:
    """The Odoo payment term saying what the buyer's terms say: one instalment of 100 % after the
    net days, and the cash discount (Odoo holds one: early discount % within days), or failing
    that a term named for them ("30 Days", "Net 30", "2/14 Net 30"). ``odoo_terms``: id, name,
    early_discount, discount_percentage, discount_days, lines [(value, value_amount, delay_type,
    nb_days)]."""
    net = [d for d, p in terms if not p]
    cash = [(d, p) for d, p in terms if p]
    if not net or len(cash) > 1:
        return None
    days = max(net)
    for t in odoo_terms:
        lines = t.get("lines") or []
        if len(lines) != 1 or tuple(lines[0][:3]) != ("percent", 100.0, "days_after") or lines[0][3] != days:
            continue
        if cash and t.get("early_discount") and (t.get("discount_days"), float(t.get("discount_percentage") or 0)) == cash[0]:
            return t["id"]
        if not cash and not t.get("early_discount"):
            return t["id"]
    names = {f"{days} days", f"net {days}", f"{days} days net"} if not cash else {
        f"{_n(cash[0][1])}/{cash[0][0]} net {days}"}
    for t in odoo_terms:
        if re.sub(r"\s+", " ", str(t.get("name") or "")).strip().casefold() in names:
            return t["id"]
    return None


# --- an address-only ship-to --------------------------------------------------------------------

def _address_key(street, zip_code, city) -> tuple[str, str, str]:
    def norm(v):
        return re.sub(r"[\s.,-]+", " ", str(v or "")).strip().casefold().replace("straße", "str").replace("strasse", "str")
    return norm(street), norm(zip_code), norm(city)


def match_address(candidates: list[dict], street, zip_code, city, country_id=None) -> int | None:
    """The buyer itself or one of its delivery addresses at the same street, zip and city (and
    country, when both name one); the buyer first, then the lowest id."""
    key = _address_key(street, zip_code, city)
    if not any(key):
        return None
    for c in candidates:
        other = c.get("country_id")
        if _address_key(c.get("street"), c.get("zip"), c.get("city")) == key and (
                not country_id or not other or other == country_id):
            return c["id"]
    return None


def address_candidates(addresses: pd.DataFrame | list[dict], buyer_id: int) -> list[dict]:
    rows = addresses.to_dict("records") if isinstance(addresses, pd.DataFrame) else list(addresses)
    own = [r for r in rows if r["id"] == buyer_id]
    children = sorted((r for r in rows if r.get("parent_id") == buyer_id and r.get("type") == "delivery"),
                      key=lambda r: r["id"])
    return own + children
