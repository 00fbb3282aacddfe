"""pandera schemas for the inbound order pipeline (normalise → resolve → vals) and its lookups.

All columns coerce, so empty frames and object columns built from dicts validate; the validated
(coerced) frame is what the stages return. Strings are nullable where the brief allows it, ids are
nullable ``Int64`` where Odoo may leave them empty.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from .units import UNIT_CODES  # the Procuros UnitOfMeasure enum; anything else fails its schema too

ERROR_TYPES = ("DATA", "INTERNAL")
STATUSES = ("create", "update", "already_imported")
UTC_TS = pd.DatetimeTZDtype(unit="ns", tz="UTC")


def _str(nullable: bool = False, checks=None, **kw) -> pa.Column:
    checks = list(checks or []) + ([] if nullable else [pa.Check.str_length(min_value=1)])
    return pa.Column(str, nullable=nullable, coerce=True, checks=checks, **kw)


def _int(nullable: bool = False, **kw) -> pa.Column:
    return pa.Column("Int64", nullable=nullable, coerce=True, **kw)


def _ts(nullable: bool = False) -> pa.Column:
    return pa.Column(UTC_TS, nullable=nullable, coerce=True)


def _bool() -> pa.Column:
    return pa.Column(bool, coerce=True)


def _float(nullable: bool = False, checks=None) -> pa.Column:
    return pa.Column(float, nullable=nullable, coerce=True, checks=checks or [])


NORMALISED_HEADERS = pa.DataFrameSchema(
    {
        "transaction_id": _str(unique=True),
        "order_identifier": _str(),
        "order_date": _ts(),
        "buyer_gln": _str(),
        "buyer_name": _str(nullable=True),
        "supplier_gln": _str(nullable=True),
        "ship_to_gln": _str(nullable=True),
        "ship_to_name": _str(nullable=True),
        "ship_to_street": _str(nullable=True),
        "ship_to_city": _str(nullable=True),
        "ship_to_postal_code": _str(nullable=True),
        "ship_to_country": _str(nullable=True),
        "bill_to_gln": _str(nullable=True),
        "requested_delivery_date": _ts(nullable=True),
        "currency": _str(nullable=True),
        "comments": _str(nullable=True),
        "delivery_information": _str(nullable=True),
        "version": _int(nullable=True),
        "replaces_transaction_id": _str(nullable=True),
        "is_latest_version": _bool(),
        "payment_days": _int(nullable=True),
        "payment_terms": _str(nullable=True),  # the buyer's terms as "days:percentage,…"
        "requested_earliest_date": _ts(nullable=True),
        "requested_latest_date": _ts(nullable=True),
        "order_type": _str(nullable=True),
        "promotion_code": _str(nullable=True),
        "contract_reference": _str(nullable=True),
        "final_recipient": _str(nullable=True),
        "order_allowance_percent": _float(nullable=True),
        "notes": _str(nullable=True),  # for the chatter: how the buyer's terms were read
        "line_count": _int(checks=[pa.Check.ge(1)]),
    },
    strict=True,
    ordered=True,
    name="NormalisedOrderHeaders",
)

NORMALISED_LINES = pa.DataFrameSchema(
    {
        "transaction_id": _str(),
        "line_number": _int(checks=[pa.Check.ge(1)]),
        "gtin": _str(nullable=True),
        "buyer_item_id": _str(nullable=True),
        "supplier_item_id": _str(nullable=True),
        "is_deposit_item": _bool(),
        "quantity": _float(checks=[pa.Check.gt(0)]),
        "unit_code": _str(checks=[pa.Check.isin(UNIT_CODES)]),
        "unit_price": _float(nullable=True),
        "description": _str(nullable=True),
        "requested_delivery_date": _ts(nullable=True),
        "requested_earliest_date": _ts(nullable=True),
        "requested_latest_date": _ts(nullable=True),
        "pricing_unit_quantity": _float(nullable=True),
        "pricing_unit_code": _str(nullable=True),
        "allowance_percent": _float(nullable=True),
    },
    strict=True,
    ordered=True,
    unique=["transaction_id", "line_number"],
    # every line needs at least one identifier to be matched against a product
    checks=[pa.Check(lambda df: df[["gtin", "buyer_item_id", "supplier_item_id"]].notna().any(axis=1),
                     name="line_has_identifier")],
    name="NormalisedOrderLines",
)

CHARGES = pa.DataFrameSchema(
    {
        "transaction_id": _str(),
        "line_number": _int(nullable=True),  # empty: a charge on the whole order (its summary)
        "reason": _str(nullable=True),
        "description": _str(),
        "amount": _float(checks=[pa.Check.ge(0)]),
    },
    strict=True,
    ordered=True,
    name="OrderCharges",
)

REJECTS = pa.DataFrameSchema(
    {
        "transaction_id": _str(unique=True),
        "order_identifier": _str(nullable=True),
        "buyer_gln": _str(nullable=True),
        "error_type": _str(checks=[pa.Check.isin(ERROR_TYPES)]),
        "reason": _str(),
    },
    strict=True,
    ordered=True,
    name="OrderRejects",
)

RESOLVED_HEADERS = pa.DataFrameSchema(
    {
        "transaction_id": _str(unique=True),
        "status": _str(checks=[pa.Check.isin(STATUSES)]),
        "target_order_id": _int(nullable=True),
        "target_order_name": _str(nullable=True),
        "partner_id": _int(),
        # nullable only for already_imported rows, which carry no new values
        "partner_shipping_id": _int(nullable=True),
        "partner_invoice_id": _int(nullable=True),
        "payment_term_id": _int(nullable=True),
        "carrier_id": _int(nullable=True),
        "warehouse_id": _int(nullable=True),
        "company_id": _int(nullable=True),
        "client_order_ref": _str(),
        "order_date": _ts(),
        "commitment_date": _ts(nullable=True),
        "note": _str(nullable=True),
        "delivery_earliest": _ts(nullable=True),
        "delivery_latest": _ts(nullable=True),
        "order_type": _str(nullable=True),
        "promotion_code": _str(nullable=True),
        "contract_reference": _str(nullable=True),
        "final_recipient": _str(nullable=True),
        "buyer_payment_terms": _str(nullable=True),  # the buyer's terms in words
        # an address-only ship-to none of the buyer's addresses has: a delivery address to create
        "new_ship_to_name": _str(nullable=True),
        "new_ship_to_street": _str(nullable=True),
        "new_ship_to_zip": _str(nullable=True),
        "new_ship_to_city": _str(nullable=True),
        "new_ship_to_country_id": _int(nullable=True),
        "notes": _str(nullable=True),
        "buyer_gln": _str(),
        "buyer_name": _str(nullable=True),
        "version": _int(nullable=True),
        "line_count": _int(),
    },
    strict=True,
    ordered=True,
    checks=[
        pa.Check(lambda df: (df["status"] == "create") | df["target_order_id"].notna(),
                 name="update_has_target"),
        pa.Check(lambda df: (df["status"] == "already_imported")
                 | (df[["partner_invoice_id", "warehouse_id"]].notna().all(axis=1)
                    & (df["partner_shipping_id"].notna() | df["new_ship_to_name"].notna())),
                 name="new_values_complete"),
    ],
    name="ResolvedOrderHeaders",
)

RESOLVED_LINES = pa.DataFrameSchema(
    {
        "transaction_id": _str(),
        "line_number": _int(checks=[pa.Check.ge(1)]),
        "product_id": _int(),
        "product_uom": _int(),
        "product_uom_qty": _float(checks=[pa.Check.gt(0)]),
        "price_unit": _float(nullable=True),
        "name": _str(nullable=True),
        "is_deposit_item": _bool(),
        "discount": _float(nullable=True),
        "buyer_article_number": _str(nullable=True),
        "buyer_price": _str(nullable=True),  # the buyer's price as sent, when converted: "12.5 per 100 EA"
        "delivery_date": _ts(nullable=True),
        "delivery_earliest": _ts(nullable=True),
        "delivery_latest": _ts(nullable=True),
    },
    strict=True,
    ordered=True,
    unique=["transaction_id", "line_number"],
    name="ResolvedOrderLines",
)

RESOLVED_CHARGES = pa.DataFrameSchema({**CHARGES.columns, "product_id": _int(), "product_uom": _int()}, strict=True, ordered=True,
                                     name="ResolvedOrderCharges")

SUMMARY = pa.DataFrameSchema(
    {
        "transaction_id": _str(),
        "order_identifier": _str(nullable=True),
        "buyer": _str(nullable=True),
        "lines": _int(nullable=True),
        "status": _str(checks=[pa.Check.isin(STATUSES + ("rejected",))]),
        "reason": _str(nullable=True),
    },
    strict=True,
    ordered=True,
    name="OrderImportSummary",
)

# --- lookups built by the Dagster layer from one batched Odoo read each (extra columns allowed) ---

PARTNERS = pa.DataFrameSchema(
    {
        "id": _int(unique=True),
        "name": _str(nullable=True),
        "ref": _str(nullable=True),
        "type": _str(nullable=True),
        "parent_id": _int(nullable=True),
        "commercial_partner_id": _int(),
        "active": _bool(),
        "x_procuros_connector": _str(nullable=True),
        "property_payment_term_id": _int(nullable=True),
        "property_delivery_carrier_id": _int(nullable=True),
    },
    name="PartnerLookup",
)

PRODUCTS = pa.DataFrameSchema(
    {
        "id": _int(unique=True),
        "barcode": _str(nullable=True),
        "default_code": _str(nullable=True),
        "name": _str(nullable=True),
        "uom_id": _int(),
        "uom_category_id": _int(),
        "sale_ok": _bool(),
        "active": _bool(),
    },
    name="ProductLookup",
)

UOMS = pa.DataFrameSchema(
    {
        "id": _int(unique=True),
        "name": _str(nullable=True),
        "category_id": _int(),
        "x_procuros_unit_code": _str(nullable=True),
    },
    name="UomLookup",
)

EXISTING_ORDERS = pa.DataFrameSchema(
    {
        "id": _int(unique=True),
        "name": _str(nullable=True),
        "state": _str(nullable=True),
        "x_procuros_transaction_id": _str(nullable=True),
        "client_order_ref": _str(nullable=True),
        "partner_id": _int(),
    },
    name="ExistingOrderLookup",
)


def empty_frame(schema: pa.DataFrameSchema) -> pd.DataFrame:
    """An empty, validated frame with the schema's columns and dtypes."""
    return schema.validate(pd.DataFrame({c: pd.Series([], dtype=object) for c in schema.columns}))


def frame(schema: pa.DataFrameSchema, rows: list[dict]) -> pd.DataFrame:
    """Rows (dicts; missing keys → null) → validated frame in schema column order."""
    cols = list(schema.columns)
    if not rows:
        return empty_frame(schema)
    df = pd.DataFrame.from_records([{c: r.get(c) for c in cols} for r in rows], columns=cols)
    return schema.validate(df)
