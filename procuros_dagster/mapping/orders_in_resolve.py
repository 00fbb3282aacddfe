"""Stage 2 of the order import: normalised orders + batched Odoo lookups → Odoo ids and a status.

Strict identifier matching as Procuros asks (API notes §5): the buyer GLN identifies the customer,
shipTo/billTo GLNs must be addresses of that same customer (no silent fallback), products by GTIN
first and by article number only when no GTIN is given; anything ambiguous is an error.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd
import pandera.pandas as pa

from . import reasons
from .identifiers import gtin_key, is_valid_gtin
from .orders_in_normalise import Normalised
from .schemas_in import (
    EXISTING_ORDERS, PARTNERS, PRODUCTS, REJECTS, RESOLVED_HEADERS, RESOLVED_LINES, UOMS, frame,
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


@dataclass(frozen=True)
class OrderLookups:
    partners: pd.DataFrame
    products: pd.DataFrame
    uoms: pd.DataFrame
    existing_orders: pd.DataFrame
    defaults: SalesDefaults
    integration_name: str
    uom_overrides: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Resolved:
    headers: pd.DataFrame
    lines: pd.DataFrame
    rejects: pd.DataFrame


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


def _row(record: dict) -> dict:
    """NaN/NA → None and numpy ints → int, so rows compare and serialise plainly."""
    out = {}
    for key, value in record.items():
        if value is None or (not isinstance(value, (list, dict, str)) and pd.isna(value)):
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


def _lines(ix: _Index, h: dict, lines: list[dict], problems: list[str]) -> list[dict]:
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
        out.append({
            "transaction_id": h["transaction_id"],
            "line_number": n,
            "product_id": product["id"],
            "product_uom": uom["id"],
            "product_uom_qty": ln["quantity"],
            "price_unit": ln["unit_price"],
            "name": ln["description"],
            "is_deposit_item": bool(ln["is_deposit_item"]),
        })
    return out


def _note(h: dict) -> str | None:
    parts = [h["comments"], h["delivery_information"]]
    address = [h["ship_to_name"], h["ship_to_street"],
               " ".join(p for p in (h["ship_to_postal_code"], h["ship_to_city"]) if p) or None,
               h["ship_to_country"]]
    if h["ship_to_gln"] is None and any(address):
        parts.append("Ship to: " + ", ".join(a for a in address if a))
    text = "\n\n".join(p for p in parts if p)
    return text or None


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
            if buyer is not None:
                shipping = _address(ix, h, buyer, "ship_to", h["ship_to_gln"], problems)
                invoice = _address(ix, h, buyer, "bill_to", h["bill_to_gln"], problems)
            status, previous = _target(ix, h, buyer, problems)
            if buyer is not None and status == "create" and (buyer["id"], order) in in_batch:
                problems.append(reasons.duplicate_in_batch(order, in_batch[(buyer["id"], order)]))
            resolved_lines = _lines(ix, h, lines_by_tid.get(tid, []), problems)
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
            "payment_term_id": buyer["property_payment_term_id"] or d.payment_term_id,
            "carrier_id": buyer["property_delivery_carrier_id"] or d.carrier_id,
            "warehouse_id": d.warehouse_id,
            "company_id": d.company_id,
            "commitment_date": h["requested_delivery_date"] or (min(line_dates) if line_dates else None),
            "note": _note(h),
        })
        out_lines.extend(resolved_lines)
    return Resolved(
        headers=frame(RESOLVED_HEADERS, headers),
        lines=frame(RESOLVED_LINES, out_lines),
        rejects=frame(REJECTS, rejects),
    )
