"""Stage 2 of the order import: normalised orders + batched Odoo lookups → Odoo ids and a status.

Strict identifier matching as Procuros asks (API notes §5): the buyer GLN identifies the customer,
shipTo/billTo GLNs must be addresses of that same customer (no silent fallback), products by GTIN
first and by article number only when no GTIN is given; anything ambiguous is an error.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pandera.pandas as pa

from . import reasons
from .identifiers import gtin_key, is_valid_gtin
from .orders_in_normalise import Normalised
from .orders_in_terms import (
    address_candidates, combined_discount, describe_terms, match_address, match_payment_term, price_note,
    price_per_line_unit,
)
from .schemas_in import (
    EXISTING_ORDERS, PARTNERS, PRODUCTS, REJECTS, RESOLVED_CHARGES, RESOLVED_HEADERS, RESOLVED_LINES, UOMS,
    empty_frame, frame,
)

EDITABLE_STATES = ("draft", "sent")


@dataclass(frozen=True)
class SalesDefaults:
    """Ids resolved by the Dagster layer from the integration's sales settings."""
    warehouse_id: int
    location_id: int | None
    carrier_id: int | None
    payment_term_id: int | None
    company_id: int
    currency: str | None = None  # the company's currency (ISO code): prices are taken as given in it
    charge_product_id: int | None = None  # the service product of the buyer's charges (freight, packaging …)
    charge_uom_id: int | None = None  # that product's unit
    price_digits: int = 2  # Odoo's "Product Price" precision: sale.order.line.price_unit is rounded to it


@dataclass(frozen=True)
class OrderLookups:
    partners: pd.DataFrame
    products: pd.DataFrame
    uoms: pd.DataFrame
    existing_orders: pd.DataFrame
    defaults: SalesDefaults
    integration_name: str
    uom_overrides: dict[str, int] = field(default_factory=dict)
    # Odoo's payment terms: id, name, early_discount, discount_percentage, discount_days, lines
    payment_terms: list[dict] = field(default_factory=list)
    # the buyers (and their delivery addresses) of address-only ship-tos: id, parent_id, type, street, zip, city, country_id
    addresses: list[dict] = field(default_factory=list)
    countries: dict[str, int] = field(default_factory=dict)  # ISO code -> res.country id


@dataclass(frozen=True)
class Resolved:
    headers: pd.DataFrame
    lines: pd.DataFrame
    rejects: pd.DataFrame
    charges: pd.DataFrame = field(default_factory=lambda: empty_frame(RESOLVED_CHARGES))


def _odoo_value(value: object) -> object:
    # search_read gives False for empty fields and [id, "name"] for many2one
    if value is False:
        return None
    if isinstance(value, (list, tuple)) and len(value) == 2 and isinstance(value[0], int):
        return value[0]
    return value


def _prepare(df: pd.DataFrame, schema: pa.DataFrameSchema) -> list[dict]:
    """Validate a lookup frame (tolerating raw search_read values) and return its rows."""
    df = df.copy()
    for col in df.columns:
        if df[col].dtype == object:
            df[col] = df[col].map(_odoo_value)
    if df.empty:
        df = df.astype(object)
    for col in ("active", "sale_ok"):  # boolean columns: missing value means "no"
        if col in df.columns:
            df[col] = df[col].fillna(False).astype(bool)
    return [_row(r) for r in schema.validate(df).to_dict("records")]


_PLAIN = frozenset({str, int, bool, list, dict})


def _row(record: dict) -> dict:
    """NaN/NA → None and numpy ints → int, so rows compare and serialise plainly."""
    out = {}
    for key, value in record.items():
        kind = type(value)
        if kind in _PLAIN:  # most values: nothing to convert (pd.isna per value was most of the time)
            out[key] = value
        elif kind is float:
            out[key] = None if value != value else value
        elif value is None or pd.isna(value):
            out[key] = None
        elif hasattr(value, "item") and not isinstance(value, pd.Timestamp):
            out[key] = value.item()
        else:
            out[key] = value
    return out


def _key(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _product_label(p: dict) -> str:
    return f"[{p['default_code']}] {p['name']}" if p.get("default_code") else str(p.get("name") or p["id"])


class _Index:
    """The lookups as dictionaries, built once per batch."""

    def __init__(self, lk: OrderLookups):
        partners = [p for p in _prepare(lk.partners, PARTNERS) if p["active"]]
        self.partner = {p["id"]: p for p in partners}
        self.by_ref: dict[str, list[dict]] = defaultdict(list)
        for p in partners:
            if _key(p["ref"]):
                self.by_ref[_key(p["ref"])].append(p)
        products = [p for p in _prepare(lk.products, PRODUCTS) if p["active"]]
        self.by_barcode: dict[str, list[dict]] = defaultdict(list)
        self.by_code: dict[str, list[dict]] = defaultdict(list)
        for p in products:
            if gtin_key(p["barcode"]):
                self.by_barcode[gtin_key(p["barcode"])].append(p)
            if _key(p["default_code"]):
                self.by_code[_key(p["default_code"])].append(p)
        uoms = _prepare(lk.uoms, UOMS)
        self.uom = {u["id"]: u for u in uoms}
        self.uom_by_code: dict[str, list[dict]] = defaultdict(list)
        for u in uoms:
            if _key(u["x_procuros_unit_code"]):
                self.uom_by_code[_key(u["x_procuros_unit_code"]).upper()].append(u)
        self.overrides = {str(k).strip().upper(): int(v) for k, v in (lk.uom_overrides or {}).items()}
        orders = _prepare(lk.existing_orders, EXISTING_ORDERS)
        self.order_by_tid = {o["x_procuros_transaction_id"]: o for o in orders if _key(o["x_procuros_transaction_id"])}
        self.order_by_ref: dict[tuple[int, str], list[dict]] = defaultdict(list)
        for o in orders:
            if _key(o["client_order_ref"]):
                self.order_by_ref[(o["partner_id"], _key(o["client_order_ref"]))].append(o)


def _buyer(ix: _Index, h: dict, lk: OrderLookups, problems: list[str]) -> dict | None:
    order, gln = h["order_identifier"], h["buyer_gln"]
    companies = [p for p in ix.by_ref.get(gln, []) if p["commercial_partner_id"] == p["id"]]
    if not companies:
        problems.append(reasons.buyer_unknown(order, gln, h["buyer_name"]))
        return None
    if len(companies) > 1:
        problems.append(reasons.buyer_ambiguous(order, gln, sorted(str(p["name"]) for p in companies)))
        return None
    buyer = companies[0]
    connector = _key(buyer["x_procuros_connector"])
    # the seed makes the connector mandatory for suppliers only; for customers the GLN suffices,
    # but a customer explicitly bound to another integration must not be imported here
    if connector and connector.casefold() != lk.integration_name.strip().casefold():
        problems.append(reasons.buyer_other_connector(order, buyer["name"], gln, connector, lk.integration_name))
        return None
    return buyer


def _address(ix: _Index, h: dict, buyer: dict, role: str, gln: str | None, problems: list[str]) -> int | None:
    """A shipTo/billTo GLN → an address of the buyer; absent → the buyer itself."""
    if not gln:
        return buyer["id"]
    order = h["order_identifier"]
    matches = ix.by_ref.get(gln, [])
    own = [p for p in matches if p["commercial_partner_id"] == buyer["id"]]
    if len(own) > 1:  # prefer the address type that fits the role
        wanted = "delivery" if role == "ship_to" else "invoice"
        typed = [p for p in own if p["type"] == wanted]
        own = typed if len(typed) == 1 else own
    if len(own) == 1:
        return own[0]["id"]
    if len(own) > 1:
        problems.append(reasons.address_ambiguous(order, role, gln, sorted(str(p["name"]) for p in own)))
    elif matches:
        others = sorted({str((ix.partner.get(p["commercial_partner_id"]) or p)["name"]) for p in matches})
        problems.append(reasons.address_of_other_customer(order, role, gln, buyer["name"], ", ".join(others)))
    else:
        name = h["ship_to_name"] if role == "ship_to" else None
        problems.append(reasons.address_unknown(order, role, gln, name, buyer["name"]))
    return None


def _product(ix: _Index, order: str, ln: dict, problems: list[str]) -> dict | None:
    n = ln["line_number"]
    if ln["gtin"]:
        found = ix.by_barcode.get(gtin_key(ln["gtin"]), [])
        if not found:
            problems.append(reasons.gtin_unknown(order, n, ln["gtin"]) if is_valid_gtin(ln["gtin"])
                            else reasons.gtin_check_digit(order, n, ln["gtin"]))
        elif len(found) > 1:
            problems.append(reasons.gtin_ambiguous(order, n, ln["gtin"], sorted(_product_label(p) for p in found)))
        return found[0] if len(found) == 1 else None
    # no GTIN: the supplier article number is our own Internal Reference, so it goes first
    tried = []
    for number, who in ((ln["supplier_item_id"], "supplier"), (ln["buyer_item_id"], "buyer")):
        if not number:
            continue
        found = ix.by_code.get(_key(number), [])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            problems.append(reasons.article_ambiguous(order, n, number, sorted(_product_label(p) for p in found)))
            return None
        tried.append(f"{number} ({who})")
    problems.append(reasons.article_unknown(order, n, tried))
    return None


def _uom(ix: _Index, order: str, code: str, problems: list[str], lines: list[int]) -> dict | None:
    if code in ix.overrides:  # a settings override wins over the unit's own Procuros code
        uid = ix.overrides[code]
        return ix.uom.get(uid) or {"id": uid, "name": None, "category_id": None}
    found = ix.uom_by_code.get(code, [])
    if len(found) == 1:
        return found[0]
    if found:
        problems.append(reasons.unit_ambiguous(order, code, sorted(str(u["name"]) for u in found)))
    else:
        problems.append(reasons.unit_unmapped(order, code, lines))
    return None


def _round(value: float, digits: int) -> float:
    # Odoo's float_round (half-up in decimal terms), not Python's banker's rounding of binary floats
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def _price(ix: _Index, h: dict, ln: dict, uom: dict, digits: int, problems: list[str],
           notes: list[str]) -> tuple[float | None, str | None]:
    """The buyer's price per line unit, rounded as Odoo rounds it, and the price as sent when it
    was per another quantity (a price per 100 must not become a price per piece)."""
    price, per_code = ln["unit_price"], ln["pricing_unit_code"]
    if price is None:
        return None, None
    factors = None
    if per_code and per_code != ln["unit_code"] and ln["pricing_unit_quantity"] is None:
        pricing = (ix.uom_by_code.get(per_code.upper()) or [None])[0]
        if pricing is not None and pricing.get("factor") and uom.get("factor") and pricing["category_id"] == uom["category_id"]:
            factors = (float(pricing["factor"]), float(uom["factor"]))
    per_unit, said = price_per_line_unit(price, ln["unit_code"], ln["pricing_unit_quantity"], per_code, factors)
    if per_unit is None:
        problems.append(f"{reasons._order(h['order_identifier'])} line {ln['line_number']}: the price "
                        f"{price:g} is per {per_code}, but the line does not say how many {ln['unit_code']} "
                        f"are in one {per_code}; send pricingUnitQuantity")
        return None, None
    kept = _round(per_unit, digits)
    if said:
        notes.append(price_note(f"Line {ln['line_number']}", said, per_unit, kept, ln["unit_code"],
                                ln["quantity"], digits))
    return kept, said


def _lines(ix: _Index, h: dict, lines: list[dict], problems: list[str], digits: int = 2,
           notes: list[str] | None = None) -> list[dict]:
    notes = [] if notes is None else notes
    order = h["order_identifier"]
    by_code: dict[str, list[int]] = defaultdict(list)
    for ln in lines:
        by_code[ln["unit_code"]].append(ln["line_number"])
    uoms = {code: _uom(ix, order, code, problems, nums) for code, nums in by_code.items()}
    out = []
    for ln in lines:
        n = ln["line_number"]
        product = _product(ix, order, ln, problems)
        uom = uoms[ln["unit_code"]]
        if product is not None and not product["sale_ok"]:
            problems.append(reasons.product_not_sellable(order, n, _product_label(product)))
        if product is None or uom is None:
            continue
        if uom["category_id"] is not None and uom["category_id"] != product["uom_category_id"]:
            sold_in = (ix.uom.get(product["uom_id"]) or {}).get("name") or f"unit category {product['uom_category_id']}"
            problems.append(reasons.unit_category_mismatch(order, n, ln["unit_code"], _product_label(product), sold_in))
            continue
        price, said = _price(ix, h, ln, uom, digits, problems, notes)
        discount = combined_discount(ln["allowance_percent"], h["order_allowance_percent"])
        out.append({
            "transaction_id": h["transaction_id"],
            "line_number": n,
            "product_id": product["id"],
            "product_uom": uom["id"],
            "product_uom_qty": ln["quantity"],
            "price_unit": price,
            "name": ln["description"],
            "is_deposit_item": bool(ln["is_deposit_item"]),
            "discount": discount or None,
            "buyer_article_number": ln["buyer_item_id"],
            "buyer_price": said,
            "delivery_date": ln["requested_delivery_date"],
            "delivery_earliest": ln["requested_earliest_date"],
            "delivery_latest": ln["requested_latest_date"],
        })
    return out


def _note(h: dict) -> str | None:
    # an address-only ship-to is the delivery address itself (found or created), not a note
    text = "\n\n".join(p for p in (h["comments"], h["delivery_information"]) if p)
    return text or None


def _ship_to_by_address(lk: OrderLookups, h: dict, buyer: dict) -> tuple[int | None, dict]:
    """An address-only ship-to: the buyer or one of its delivery addresses at that address, else
    the values of a new delivery address of the buyer (created with the order)."""
    country = lk.countries.get((h["ship_to_country"] or "").upper())
    found = match_address(address_candidates(lk.addresses, buyer["id"]), h["ship_to_street"],
                          h["ship_to_postal_code"], h["ship_to_city"], country)
    if found is not None:
        return found, {}
    return None, {"new_ship_to_name": h["ship_to_name"] or h["ship_to_city"] or buyer["name"],
                  "new_ship_to_street": h["ship_to_street"], "new_ship_to_zip": h["ship_to_postal_code"],
                  "new_ship_to_city": h["ship_to_city"], "new_ship_to_country_id": country}


def _terms(h: dict) -> list[tuple[int, float]]:
    """The buyer's payment terms as normalised ("14:2,30:0"): [(days, percentage)]."""
    return [(int(d), float(p)) for d, p in (t.split(":") for t in (h["payment_terms"] or "").split(",") if t)]


def _payment_term(lk: OrderLookups, h: dict, buyer: dict, notes: list[str]) -> int | None:
    """The buyer's terms matched to an Odoo payment term; else the customer's own (or the
    settings' default), said in the chatter."""
    fallback = buyer["property_payment_term_id"] or lk.defaults.payment_term_id
    if not h["payment_terms"]:
        return fallback
    terms = _terms(h)
    found = match_payment_term(terms, lk.payment_terms)
    if found is not None:
        return found
    names = {t["id"]: t.get("name") for t in lk.payment_terms}
    instead = (f"the customer's payment terms ({names.get(buyer['property_payment_term_id'], '?')}) apply"
               if buyer["property_payment_term_id"] else
               f"the default payment terms ({names.get(fallback, '?')}) apply" if fallback else
               "Odoo's default applies")
    notes.append(f"The buyer asks for payment terms {describe_terms(terms)}; no Odoo payment term matches "
                 f"them, so {instead}. Agree the terms with the buyer if they differ.")
    return fallback


def _target(ix: _Index, h: dict, buyer: dict | None, problems: list[str]) -> tuple[str, dict | None]:
    """Status and existing order for a transaction not imported yet (versions / duplicates)."""
    order = h["order_identifier"]
    is_replacement = h["replaces_transaction_id"] is not None or (h["version"] or 0) > 1
    previous = ix.order_by_tid.get(h["replaces_transaction_id"]) if h["replaces_transaction_id"] else None
    if previous is None and buyer is not None:
        same = [o for o in ix.order_by_ref.get((buyer["id"], order), [])
                if o["x_procuros_transaction_id"] != h["transaction_id"]]
        if same:
            previous = max(same, key=lambda o: o["id"])
            if not is_replacement:
                problems.append(reasons.duplicate_order_number(order, previous["name"]))
                return "create", None
    if previous is None:
        return "create", None
    if previous["state"] in EDITABLE_STATES:
        return "update", previous
    problems.append(reasons.changed_after_confirmation(order, h["version"], previous["name"]))
    return "update", previous


def resolve_orders(norm: Normalised, lookups: OrderLookups) -> Resolved:
    """Normalised orders → Resolved(headers, lines, rejects); stage-1 rejects pass through."""
    ix = _Index(lookups)
    d = lookups.defaults
    charges_by_tid: dict[str, list[dict]] = defaultdict(list)
    for c in (_row(r) for r in norm.charges.to_dict("records")):
        charges_by_tid[c["transaction_id"]].append(c)
    out_charges: list[dict] = []
    lines_by_tid: dict[str, list[dict]] = defaultdict(list)
    for ln in sorted((_row(r) for r in norm.lines.to_dict("records")), key=lambda r: r["line_number"]):
        lines_by_tid[ln["transaction_id"]].append(ln)
    headers, out_lines = [], []
    rejects = [_row(r) for r in norm.rejects.to_dict("records")]
    in_batch: dict[tuple[int, str], str] = {}
    for h in (_row(r) for r in norm.headers.to_dict("records")):
        tid, order = h["transaction_id"], h["order_identifier"]
        base = {"transaction_id": tid, "client_order_ref": order, "order_date": h["order_date"],
                "buyer_gln": h["buyer_gln"], "buyer_name": h["buyer_name"], "version": h["version"],
                "line_count": h["line_count"]}
        done = ix.order_by_tid.get(tid)
        if done is not None:  # idempotency: imported before (maybe the ack got lost)
            headers.append({**base, "status": "already_imported", "target_order_id": done["id"],
                            "target_order_name": done["name"], "partner_id": done["partner_id"]})
            continue
        try:
            problems: list[str] = []
            buyer = _buyer(ix, h, lookups, problems)
            shipping = invoice = None
            new_ship_to: dict = {}
            notes = [h["notes"]] if h["notes"] else []
            if buyer is not None:
                shipping = _address(ix, h, buyer, "ship_to", h["ship_to_gln"], problems)
                if h["ship_to_gln"] is None and any(h[k] for k in ("ship_to_street", "ship_to_postal_code", "ship_to_city")):
                    shipping, new_ship_to = _ship_to_by_address(lookups, h, buyer)
                invoice = _address(ix, h, buyer, "bill_to", h["bill_to_gln"], problems)
            status, previous = _target(ix, h, buyer, problems)
            if buyer is not None and status == "create" and (buyer["id"], order) in in_batch:
                problems.append(reasons.duplicate_in_batch(order, in_batch[(buyer["id"], order)]))
            resolved_lines = _lines(ix, h, lines_by_tid.get(tid, []), problems, d.price_digits, notes)
            doc_charges = charges_by_tid.get(tid, [])
            if doc_charges and d.charge_product_id is None and not problems:
                rejects.append({"transaction_id": tid, "order_identifier": order, "buyer_gln": h["buyer_gln"],
                                "error_type": reasons.INTERNAL,
                                "reason": f"{reasons._order(order)} carries the buyer's charges "
                                          f"({', '.join(c['description'] for c in doc_charges)}), but the connector "
                                          "has no product to charge them with: set sales_defaults.charge_product "
                                          "(or a shipping method whose delivery product takes them)"})
                continue
            if d.currency and h.get("currency") and h["currency"] != d.currency:
                problems.append(reasons.currency_mismatch(order, h["currency"], d.currency))
        except Exception as exc:  # one broken document must not stop the batch
            rejects.append({"transaction_id": tid, "order_identifier": order, "buyer_gln": h["buyer_gln"],
                            "error_type": reasons.INTERNAL, "reason": reasons.internal_error(exc)})
            continue
        if problems:
            rejects.append({"transaction_id": tid, "order_identifier": order, "buyer_gln": h["buyer_gln"],
                            "error_type": reasons.DATA, "reason": reasons.join(problems)})
            continue
        in_batch[(buyer["id"], order)] = tid
        line_dates = [ln["requested_delivery_date"] for ln in lines_by_tid.get(tid, [])
                      if ln["requested_delivery_date"] is not None]
        headers.append({
            **base,
            "status": status,
            "target_order_id": previous["id"] if previous else None,
            "target_order_name": previous["name"] if previous else None,
            "partner_id": buyer["id"],
            "partner_shipping_id": shipping,
            "partner_invoice_id": invoice,
            "payment_term_id": _payment_term(lookups, h, buyer, notes),
            "carrier_id": buyer["property_delivery_carrier_id"] or d.carrier_id,
            "warehouse_id": d.warehouse_id,
            "company_id": d.company_id,
            # Odoo's Delivery Date: the requested day, else the window's first day, else the lines' first
            "commitment_date": h["requested_delivery_date"] or h["requested_earliest_date"]
                               or (min(line_dates) if line_dates else None),
            "note": _note(h),
            "delivery_earliest": h["requested_earliest_date"],
            "delivery_latest": h["requested_latest_date"],
            "order_type": h["order_type"],
            "promotion_code": h["promotion_code"],
            "contract_reference": h["contract_reference"],
            "final_recipient": h["final_recipient"],
            "buyer_payment_terms": describe_terms(_terms(h)) or None,
            **new_ship_to,
            "notes": "\n".join(notes) or None,
        })
        out_lines.extend(resolved_lines)
        out_charges.extend({**c, "product_id": d.charge_product_id, "product_uom": d.charge_uom_id}
                           for c in doc_charges)
    return Resolved(
        headers=frame(RESOLVED_HEADERS, headers),
        lines=frame(RESOLVED_LINES, out_lines),
        rejects=frame(REJECTS, rejects),
        charges=frame(RESOLVED_CHARGES, out_charges),
    )
