"""The sales orders' Odoo reader: everything order resolution needs, one batched read per kind."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dataclasses import dataclass

import pandas as pd

from procuros_dagster.mapping import orders_in
from procuros_dagster.mapping.identifiers import gtin_variants
from procuros_dagster.mapping.odoo_values import m2o_id
from procuros_dagster.odoo.errors import OdooError

if TYPE_CHECKING:  # the settings import the movement registry, which imports this
    from procuros_dagster.settings import Settings


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None


PARTNER_FIELDS = [
    "id", "name", "ref", "type", "parent_id", "commercial_partner_id", "active",
    "x_procuros_connector", "property_payment_term_id", "property_delivery_carrier_id",
]
PRODUCT_FIELDS = ["id", "barcode", "default_code", "name", "uom_id", "sale_ok", "active"]
ORDER_FIELDS = ["id", "name", "state", "x_procuros_transaction_id", "client_order_ref", "partner_id"]


def _partners_frame(records: list[dict]) -> pd.DataFrame:
    rows = [
        {
            "id": r["id"],
            "name": r.get("name") or "",
            "ref": _text(r.get("ref")),
            "type": r.get("type") or "contact",
            "parent_id": m2o_id(r.get("parent_id")),
            "commercial_partner_id": m2o_id(r.get("commercial_partner_id")) or r["id"],
            "active": bool(r.get("active", True)),
            "x_procuros_connector": _text(r.get("x_procuros_connector")),
            "property_payment_term_id": m2o_id(r.get("property_payment_term_id")),
            "property_delivery_carrier_id": m2o_id(r.get("property_delivery_carrier_id")),
        }
        for r in records
    ]
    return pd.DataFrame(rows, columns=[c for c in PARTNER_FIELDS])


def _uoms_frame(records: list[dict]) -> pd.DataFrame:
    rows = [
        {
            "id": r["id"],
            "name": r.get("name") or "",
            "category_id": m2o_id(r.get("category_id")),
            "x_procuros_unit_code": _text(r.get("x_procuros_unit_code")),
            "factor": r.get("factor") or None,  # prices per another unit are converted with it
        }
        for r in records
    ]
    return pd.DataFrame(rows, columns=["id", "name", "category_id", "x_procuros_unit_code", "factor"])


def _products_frame(records: list[dict], uom_category: dict[int, int]) -> pd.DataFrame:
    rows = [
        {
            "id": r["id"],
            "barcode": _text(r.get("barcode")),
            "default_code": _text(r.get("default_code")),
            "name": r.get("name") or "",
            "uom_id": m2o_id(r.get("uom_id")),
            "uom_category_id": uom_category.get(m2o_id(r.get("uom_id"))),
            "sale_ok": bool(r.get("sale_ok", True)),
            "active": bool(r.get("active", True)),
        }
        for r in records
    ]
    return pd.DataFrame(
        rows, columns=["id", "barcode", "default_code", "name", "uom_id", "uom_category_id", "sale_ok", "active"]
    )


def _existing_frame(records: list[dict]) -> pd.DataFrame:
    rows = [
        {
            "id": r["id"],
            "name": r.get("name"),
            "state": r.get("state"),
            "x_procuros_transaction_id": _text(r.get("x_procuros_transaction_id")),
            "client_order_ref": _text(r.get("client_order_ref")),
            "partner_id": m2o_id(r.get("partner_id")),
        }
        for r in records
    ]
    return pd.DataFrame(rows, columns=ORDER_FIELDS)


def _unique(values) -> list:
    return sorted({v for v in values if isinstance(v, str) and v})


def sales_defaults(gateway, settings: Settings, company: str | None = None) -> orders_in.SalesDefaults:
    """Resolve the settings' sales defaults once per run; unset ones fall back to Odoo's own.

    ``company``: the integration's company (name or external id); default: the user's first."""
    d = settings.sales_defaults

    def one(model: str, ref: str | None) -> int | None:
        return gateway.resolve(model, [ref])[ref] if ref else None

    domain = [("id", "=", one("res.company", company))] if company else []
    company = gateway.search_read("res.company", domain, ["id", "currency_id"], order="sequence, id", limit=1)[0]
    company_id = company["id"]
    currency = company["currency_id"][1] if company.get("currency_id") else None  # display name = ISO code
    warehouse_id = one("stock.warehouse", d.warehouse)
    if warehouse_id is None:
        found = gateway.search_read("stock.warehouse", [("company_id", "=", company_id)], ["id"], order="sequence, id", limit=1)
        warehouse_id = found[0]["id"] if found else None
    carrier_id = one("delivery.carrier", d.shipping_method)
    charge_product, charge_uom = _charge_product(gateway, one("product.product", d.charge_product), carrier_id)
    return orders_in.SalesDefaults(
        warehouse_id=warehouse_id,
        location_id=one("stock.location", d.location),
        carrier_id=carrier_id,
        payment_term_id=one("account.payment.term", d.payment_terms),
        company_id=company_id,
        currency=currency,
        charge_product_id=charge_product,
        charge_uom_id=charge_uom,
        price_digits=_price_digits(gateway),
    )


STANDARD_DELIVERY = "delivery.product_product_delivery"


def _charge_product(gateway, product_id: int | None, carrier_id: int | None) -> tuple[int | None, int | None]:
    """The product of the buyer's charges and its unit: the setting's, else the shipping method's
    delivery product, else Odoo's own "Standard delivery" service product (the delivery app's)."""
    if product_id is None and carrier_id is not None:
        carrier = gateway.read("delivery.carrier", [carrier_id], ["product_id"])
        product_id = m2o_id(carrier[0].get("product_id")) if carrier else None
    if product_id is None:
        hit = gateway.xmlids([STANDARD_DELIVERY]).get(STANDARD_DELIVERY)
        product_id = hit[1] if hit and hit[0] == "product.product" else None
    if product_id is None:
        return None, None
    found = gateway.read("product.product", [product_id], ["uom_id"])
    return product_id, (m2o_id(found[0].get("uom_id")) if found else None)


def _price_digits(gateway) -> int:
    """Odoo's "Product Price" precision (sale.order.line.price_unit is rounded to it); Odoo's
    default, 2, when the connector's user may not read it."""
    try:
        found = gateway.search_read("decimal.precision", [("name", "=", "Product Price")], ["digits"], limit=1)
    except OdooError:
        return 2
    return int(found[0]["digits"]) if found else 2


def _payment_terms(gateway) -> list[dict]:
    """Odoo's payment terms with their instalments, for matching the buyer's (two reads a run)."""
    terms = gateway.search_read("account.payment.term", [], ["id", "name", "early_discount",
                                                             "discount_percentage", "discount_days"], order="sequence, id")
    lines = gateway.search_read("account.payment.term.line", [("payment_id", "in", [t["id"] for t in terms])],
                                ["payment_id", "value", "value_amount", "delay_type", "nb_days"], order="id") if terms else []
    by_term: dict[int, list] = {}
    for ln in lines:
        by_term.setdefault(m2o_id(ln["payment_id"]), []).append(
            (ln.get("value"), float(ln.get("value_amount") or 0), ln.get("delay_type"), int(ln.get("nb_days") or 0)))
    return [{**t, "lines": by_term.get(t["id"], [])} for t in terms]


@dataclass(frozen=True)
class RunLookups:
    """What is the same for every chunk of a run: read once, not per chunk."""

    defaults: orders_in.SalesDefaults
    uoms: pd.DataFrame
    uom_overrides: dict[str, int]
    connector: str  # the integration's name in the partners' Procuros Connector field
    payment_terms: list[dict] = ()  # Odoo's, with their instalments
    countries: dict[str, int] | None = None  # ISO code -> res.country id


def run_lookups(gateway, settings: Settings, integration) -> RunLookups:
    uoms = _uoms_frame(gateway.uoms())
    overrides: dict[str, int] = {}
    if settings.uom_codes:
        resolved = gateway.resolve("uom.uom", list(settings.uom_codes))
        overrides = {code: resolved[ref] for ref, code in settings.uom_codes.items()}
    countries = {c["code"]: c["id"] for c in gateway.search_read("res.country", [], ["id", "code"]) if c.get("code")}
    return RunLookups(sales_defaults(gateway, settings, integration.company), uoms, overrides,
                      integration.connector, _payment_terms(gateway), countries)


ADDRESS_FIELDS = ["id", "parent_id", "type", "street", "zip", "city", "country_id"]


def _addresses(gateway, partners: list[dict], headers: pd.DataFrame) -> list[dict]:
    """The buyers of address-only ship-tos and their delivery addresses (one read, only when
    an order of the batch gives its ship-to by address)."""
    if not len(headers) or "ship_to_gln" not in headers:
        return []
    by_address = headers[headers["ship_to_gln"].isna() & (headers["ship_to_street"].notna()
                                                          | headers["ship_to_city"].notna()
                                                          | headers["ship_to_postal_code"].notna())]
    glns = set(by_address["buyer_gln"])
    buyers = sorted({p["id"] for p in partners if p.get("ref") in glns})
    if not buyers:
        return []
    return delivery_addresses(gateway, buyers)


def delivery_addresses(gateway, buyer_ids: list[int]) -> list[dict]:
    """The buyers themselves and their delivery addresses, as plain rows."""
    found = gateway.search_read("res.partner", ["|", ("id", "in", buyer_ids), "&", ("parent_id", "in", buyer_ids),
                                                ("type", "=", "delivery")], ADDRESS_FIELDS, order="id")
    return [{**r, "parent_id": m2o_id(r.get("parent_id")), "country_id": m2o_id(r.get("country_id"))} for r in found]


def fetch_order_lookups(gateway, norm: orders_in.Normalised, settings: Settings, integration,
                        per_run: RunLookups | None = None) -> orders_in.OrderLookups:
    """One read per kind for this batch (partners, products, earlier imports)."""
    per_run = per_run or run_lookups(gateway, settings, integration)
    headers, lines = norm.headers, norm.lines
    glns = _unique(
        list(headers.get("buyer_gln", [])) + list(headers.get("ship_to_gln", [])) + list(headers.get("bill_to_gln", []))
    )
    # every spelling of each GTIN (GTIN-13 / -14 with a leading zero): the mapping matches them as one
    gtins = _unique([v for g in lines.get("gtin", []) for v in gtin_variants(g)])
    codes = _unique(list(lines.get("buyer_item_id", [])) + list(lines.get("supplier_item_id", [])))
    tids = _unique(list(headers.get("transaction_id", [])) + list(headers.get("replaces_transaction_id", [])))
    order_refs = _unique(headers.get("order_identifier", []))

    partners = gateway.partners_by_ref(glns) if glns else []
    product_domain = ["|", ("barcode", "in", gtins), ("default_code", "in", codes)]
    products = (
        gateway.search_read("product.product", product_domain, PRODUCT_FIELDS) if (gtins or codes) else []
    )
    existing = (
        gateway.search_read(
            "sale.order",
            ["|", ("x_procuros_transaction_id", "in", tids), ("client_order_ref", "in", order_refs)],
            ORDER_FIELDS,
        )
        if tids
        else []
    )
    uoms = per_run.uoms
    return orders_in.OrderLookups(
        partners=_partners_frame(partners),
        products=_products_frame(products, dict(zip(uoms["id"], uoms["category_id"]))),
        uoms=uoms,
        uom_overrides=per_run.uom_overrides,
        existing_orders=_existing_frame(existing),
        defaults=per_run.defaults,
        integration_name=per_run.connector,
        payment_terms=list(per_run.payment_terms),
        addresses=_addresses(gateway, partners, headers),
        countries=dict(per_run.countries or {}),
    )
