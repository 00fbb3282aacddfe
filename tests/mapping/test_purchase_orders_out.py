"""ORDER from purchase.order: the builder against hand-written bundles (shapes of transcripts 06 and 09)."""

from __future__ import annotations

import copy

import pytest

from procuros_dagster.mapping.identifiers import with_check_digit
from procuros_dagster.mapping.outbound import ExportContext
from procuros_dagster.mapping.purchase_orders_out import build_purchase_orders, changed_reason, changes_since_sent
from procuros_dagster.procuros.openapi import validate_document

OWN_GLN = "4098765000010"
SUPPLIER_GLN = "4012346000008"  # transcript 02's supplier
WAREHOUSE_GLN = with_check_digit("409876500099")
WIDGET_GTIN = "4012345100013"
FLOUR_GTIN = "4012345100020"
UNITS, DOZENS, KG = [1, "Units"], [2, "Dozens"], [12, "kg"]
SUPPLIER = [20, "Rec Lieferant GmbH"]


def ctx() -> ExportContext:
    return ExportContext(
        own_gln=OWN_GLN,
        company={"name": "My Company", "street": "Am Speicher 3", "street2": False, "zip": "28195", "city": "Bremen",
                 "country_code": "DE", "vat": "DE298765432"},
        integration_name="Procuros Connector",
        uom_codes={1: "EA", 2: "CS", 12: "KGM"},  # Dozens mapped to CS for these tests
        uom_factors={1: 1.0, 2: 1 / 12, 12: 1.0},
    )


def bundle() -> dict:
    return copy.deepcopy({
        "purchase.order": [{
            "id": 2, "name": "P00002", "state": "draft", "partner_id": SUPPLIER, "partner_ref": "AB-7731",
            "date_order": "2026-11-27 09:30:00", "date_planned": "2026-12-03 07:00:00", "currency_id": [126, "EUR"],
            "order_line": [5, 6], "picking_type_id": [1, "My Company: Receipts"], "dest_address_id": False,
            "company_id": [1, "My Company"], "amount_untaxed": 124.5, "amount_tax": 20.16, "amount_total": 144.66,
        }],
        "purchase.order.line": [
            {"id": 5, "order_id": [2, "P00002"], "sequence": 10, "display_type": False,
             "product_id": [3, "[PT-WIDGET] Procuros Test Widget"], "name": "[PT-WIDGET] Procuros Test Widget",
             "product_qty": 2.0, "product_uom": DOZENS, "price_unit": 48.0, "discount": 0.0, "price_subtotal": 96.0,
             "price_tax": 18.24, "taxes_id": [3], "date_planned": "2026-12-03 07:00:00"},
            {"id": 6, "order_id": [2, "P00002"], "sequence": 20, "display_type": False,
             "product_id": [4, "[PT-FLOUR] Procuros Test Flour (bulk)"], "name": "[PT-FLOUR] Procuros Test Flour (bulk)\nType 550",
             "product_qty": 25.0, "product_uom": KG, "price_unit": 1.14, "discount": 0.0, "price_subtotal": 28.5,
             "price_tax": 1.92, "taxes_id": [4], "date_planned": "2026-12-04 07:00:00"},
            {"id": 7, "order_id": [2, "P00002"], "sequence": 30, "display_type": "line_note", "product_id": False,
             "name": "Please deliver to ramp 3", "product_qty": 0.0, "product_uom": False, "price_unit": 0.0,
             "discount": 0.0, "price_subtotal": 0.0, "price_tax": 0.0, "taxes_id": [], "date_planned": False},
        ],
        "res.partner": [
            {"id": 1, "name": "My Company", "ref": False, "type": "contact", "parent_id": False, "is_company": True,
             "commercial_partner_id": [1, "My Company"], "street": "Am Speicher 3", "street2": False, "zip": "28195",
             "city": "Bremen", "country_code": "DE", "vat": False, "x_procuros_connector": False,
             "x_procuros_require_order_response": False},
            {"id": 15, "name": "Zentrallager", "ref": WAREHOUSE_GLN, "type": "delivery", "parent_id": [1, "My Company"],
             "is_company": False, "commercial_partner_id": [1, "My Company"], "street": "Hafenstraße 4",
             "street2": False, "zip": "32423", "city": "Minden", "country_code": "DE", "vat": False,
             "x_procuros_connector": False, "x_procuros_require_order_response": False},
            {"id": 20, "name": "Rec Lieferant GmbH", "ref": SUPPLIER_GLN, "type": "contact", "parent_id": False,
             "is_company": True, "commercial_partner_id": SUPPLIER, "street": "Lieferweg 1", "street2": False,
             "zip": "20095", "city": "Hamburg", "country_code": "DE", "vat": "DE811907980",
             "x_procuros_connector": "Procuros Connector", "x_procuros_require_order_response": False},
        ],
        "product.product": [
            {"id": 3, "name": "Procuros Test Widget", "display_name": "[PT-WIDGET] Procuros Test Widget",
             "default_code": "PT-WIDGET", "barcode": WIDGET_GTIN, "uom_id": UNITS, "uom_po_id": UNITS,
             "standard_price": 4.0, "product_tmpl_id": [3, "Procuros Test Widget"], "seller_ids": [9]},
            {"id": 4, "name": "Procuros Test Flour (bulk)", "display_name": "[PT-FLOUR] Procuros Test Flour (bulk)",
             "default_code": "PT-FLOUR", "barcode": FLOUR_GTIN, "uom_id": KG, "uom_po_id": KG,
             "standard_price": 1.14, "product_tmpl_id": [4, "Procuros Test Flour (bulk)"], "seller_ids": []},
        ],
        "product.supplierinfo": [{"id": 9, "partner_id": SUPPLIER, "product_tmpl_id": [3, "Procuros Test Widget"],
                                  "product_code": "LF-W-12", "sequence": 1}],
        "account.tax": [
            {"id": 3, "name": "19% I", "amount": 19.0, "amount_type": "percent", "description": "19% Vorsteuer"},
            {"id": 4, "name": "7% I", "amount": 7.0, "amount_type": "percent", "description": False},
        ],
        "stock.picking.type": [{"id": 1, "name": "Receipts", "warehouse_id": [1, "My Company"]}],
        "stock.warehouse": [{"id": 1, "name": "My Company", "partner_id": [15, "Zentrallager"]}],
    })


def test_purchase_order_becomes_an_order_valid_against_the_schema_field_by_field():
    batch = build_purchase_orders(bundle(), ctx())
    assert batch.failures == []
    [doc] = batch.documents
    assert (doc.model, doc.record_id, doc.record_name, doc.transaction_type) == ("purchase.order", 2, "P00002", "ORDER")
    assert validate_document("ORDER", doc.content) == []
    header = doc.content["header"]
    assert header == {
        "buyer": {"name": "My Company",
                  "identifiers": [{"identifier": OWN_GLN, "domain": "GS1"}, {"identifier": "DE298765432", "domain": "VAT_DE"}],
                  "postalAddress": {"street": "Am Speicher 3", "city": "Bremen", "postalCode": "28195", "countryCode": "DE"}},
        "supplier": {"name": "Rec Lieferant GmbH",
                     "identifiers": [{"identifier": SUPPLIER_GLN, "domain": "GS1"},
                                     {"identifier": "DE811907980", "domain": "VAT_DE"}],
                     "postalAddress": {"street": "Lieferweg 1", "city": "Hamburg", "postalCode": "20095",
                                       "countryCode": "DE"}},
        "shipTo": {"name": "Zentrallager", "identifiers": [{"identifier": WAREHOUSE_GLN, "domain": "GS1"}],
                   "postalAddress": {"street": "Hafenstraße 4", "city": "Minden", "postalCode": "32423",
                                     "countryCode": "DE"}},
        "orderIdentifier": "P00002",
        "orderDate": "2026-11-27T10:30:00+01:00",  # UTC in Odoo, Berlin time in the document
        "requestedDeliveryDate": "2026-12-03T08:00:00+01:00",
        "currency": "EUR",
        "AdditionalOrderIdentifiers": {"supplierOrderIdentifier": "AB-7731"},
    }
    widget, flour = doc.content["items"]  # the note line is no item
    assert widget == {
        "lineNumber": 1,
        "identifiers": [{"identifier": WIDGET_GTIN, "domain": "GS1"}, {"identifier": "PT-WIDGET", "domain": "BUYER"},
                        {"identifier": "LF-W-12", "domain": "SUPPLIER"}],
        "isDepositItem": False, "quantity": 2.0, "unitOfMeasure": "CS", "unitPrice": 48.0,
        "tax": {"amount": 18.24, "percentage": 19.0, "description": "19% Vorsteuer"},
        "requestedDeliveryDate": "2026-12-03T08:00:00+01:00",
        "description": "[PT-WIDGET] Procuros Test Widget",
    }
    assert (flour["lineNumber"], flour["quantity"], flour["unitOfMeasure"], flour["unitPrice"]) == (2, 25.0, "KGM", 1.14)
    assert flour["identifiers"] == [{"identifier": FLOUR_GTIN, "domain": "GS1"}, {"identifier": "PT-FLOUR", "domain": "BUYER"}]
    assert flour["tax"] == {"amount": 1.92, "percentage": 7.0, "description": "7% I"}
    assert flour["description"] == "[PT-FLOUR] Procuros Test Flour (bulk)"  # first line only
    assert doc.content["summary"] == {
        "subtotalAmount": 124.5, "totalCharges": 0, "totalAllowances": 0, "netAmount": 124.5, "grossAmount": 144.66,
        "dueAmount": 144.66,
        "tax": {"total": 20.16, "items": [{"percentage": 19.0, "taxableAmount": 96.0, "taxAmount": 18.24, "category": "purchase"},
                                          {"percentage": 7.0, "taxableAmount": 28.5, "taxAmount": 1.92, "category": "purchase"}]},
    }
    assert batch.lines[["line_number", "gtin", "unit", "quantity", "unit_price"]].values.tolist() == [
        [1, WIDGET_GTIN, "CS", 2.0, 48.0], [2, FLOUR_GTIN, "KGM", 25.0, 1.14]]


def test_dropship_address_and_a_warehouse_without_gln():
    b = bundle()
    b["res.partner"][1]["ref"] = False
    [doc] = build_purchase_orders(b, ctx()).documents
    assert "identifiers" not in doc.content["header"]["shipTo"]  # address only: identifiers are optional
    b["purchase.order"][0]["dest_address_id"] = [1, "My Company"]
    [doc] = build_purchase_orders(b, ctx()).documents
    assert doc.content["header"]["shipTo"]["name"] == "My Company"


def test_discount_gives_the_net_unit_price():
    b = bundle()
    b["purchase.order.line"][0].update(discount=10.0, price_subtotal=86.4)
    [doc] = build_purchase_orders(b, ctx()).documents
    assert doc.content["items"][0]["unitPrice"] == 43.2


def _reason(b) -> str:
    batch = build_purchase_orders(b, ctx())
    assert batch.documents == []
    [failure] = batch.failures
    return failure.reason


def test_supplier_without_gln_product_without_gtin_and_unit_without_code_are_refused_together():
    b = bundle()
    b["res.partner"][2]["ref"] = "LIEF-1"
    b["product.product"][0]["barcode"] = False
    b["purchase.order.line"][1].update(product_uom=[13, "g"], product_qty=25000.0, price_unit=0.0012)
    assert _reason(b) == (
        "Purchase order P00002: supplier Rec Lieferant GmbH has no GLN in Reference (Reference 'LIEF-1' is not a "
        "valid 13-digit GLN); enter the supplier's GLN in Reference on the contact (Sales & Purchase tab); "
        "line 1: product [PT-WIDGET] Procuros Test Widget has no barcode (GTIN); enter the GTIN you share with "
        "the supplier in the product's Barcode; "
        "line 2: unit g has no Procuros unit code; set 'Procuros Unit Type' on the unit "
        "(Inventory > Configuration > Units of Measure)")


def test_a_dozens_line_with_the_unconverted_per_unit_cost_is_refused():
    # transcript 09: 2 Dozens without a price get standard_price 6.0 (per Unit), not 72.0
    b = bundle()
    b["product.product"][0]["standard_price"] = 6.0
    b["purchase.order.line"][0].update(price_unit=6.0, price_subtotal=12.0)
    assert _reason(b) == (
        "Purchase order P00002: line 1 ([PT-WIDGET] Procuros Test Widget, 2 Dozens): the price 6.00 is the "
        "product's cost per Units, which Odoo did not convert to Dozens; enter the price per Dozens on the line")
    b["purchase.order.line"][0].update(price_unit=72.0, price_subtotal=144.0)  # priced per Dozen: sent
    assert len(build_purchase_orders(b, ctx()).documents) == 1


def test_a_dozens_line_with_the_unconverted_supplier_price_is_refused():
    # transcript 17: 2 Dozens without a price get the supplier's 2.50 per Unit (vendor pricelist), not 30.00
    b = bundle()
    b["product.supplierinfo"][0]["price"] = 2.5
    b["purchase.order.line"][0].update(price_unit=2.5, price_subtotal=5.0)
    assert _reason(b) == (
        "Purchase order P00002: line 1 ([PT-WIDGET] Procuros Test Widget, 2 Dozens): the price 2.50 is the "
        "supplier's price (product's Purchase tab) per Units, which Odoo did not convert to Dozens; enter the "
        "price per Dozens on the line")
    b["purchase.order.line"][0].update(price_unit=30.0, price_subtotal=60.0)  # priced per Dozen: sent
    assert len(build_purchase_orders(b, ctx()).documents) == 1
    # another supplier's price is no trap of this order
    b["product.supplierinfo"][0]["partner_id"] = [99, "Other"]
    b["purchase.order.line"][0].update(price_unit=2.5, price_subtotal=5.0)
    assert len(build_purchase_orders(b, ctx()).documents) == 1


def test_the_cost_in_the_products_own_unit_is_a_price_like_any_other():
    b = bundle()
    b["purchase.order.line"][1]["price_unit"] = 1.14  # flour in kg at its cost per kg: nothing wrong
    assert len(build_purchase_orders(b, ctx()).documents) == 1


@pytest.mark.parametrize("change, expected", [
    ({"state": "to approve"}, "is in state 'to approve'; only RFQs and confirmed purchase orders are sent"),
    ({"state": "cancel"}, "is in state 'cancel'"),
])
def test_orders_not_to_send(change, expected):
    b = bundle()
    b["purchase.order"][0].update(change)
    assert expected in _reason(b)


def test_supplier_not_set_up_and_no_lines():
    b = bundle()
    b["res.partner"][2]["x_procuros_connector"] = False
    b["purchase.order.line"] = [b["purchase.order.line"][2]]
    reason = _reason(b)
    assert "supplier Rec Lieferant GmbH is not set up for Procuros (Procuros Connector is empty on the contact)" in reason
    assert reason.endswith("has no product lines")


def test_changes_since_sent_names_what_the_supplier_does_not_know():
    [sent] = build_purchase_orders(bundle(), ctx()).documents
    b = bundle()
    b["purchase.order.line"][0].update(product_qty=3.0, price_subtotal=144.0)
    b["purchase.order.line"][1]["date_planned"] = "2026-12-05 07:00:00"
    b["purchase.order"][0]["state"] = "purchase"  # confirmed: Odoo's bookkeeping, no change for the supplier
    [now] = build_purchase_orders(b, ctx()).documents
    assert changes_since_sent(sent.content, now.content) == [
        "line 1 ([PT-WIDGET] Procuros Test Widget) quantity 2 → 3",
        "line 2 ([PT-FLOUR] Procuros Test Flour (bulk)) requested delivery date 2026-12-04T08:00:00+01:00 → "
        "2026-12-05T08:00:00+01:00",
    ]
    assert changes_since_sent(sent.content, sent.content) == []
    b = bundle()
    del b["purchase.order.line"][0]
    [fewer] = build_purchase_orders(b, ctx()).documents
    assert changes_since_sent(sent.content, fewer.content) == ["line 1 ([PT-WIDGET] Procuros Test Widget) removed"]
    assert changes_since_sent(fewer.content, sent.content) == ["line 1 ([PT-WIDGET] Procuros Test Widget) added"]
    assert changed_reason("P00002", "2026-11-27 09:31 UTC", ["line 1 quantity 2 → 3"]) == (
        "Purchase order P00002 was changed after it was sent to Procuros on 2026-11-27 09:31 UTC: "
        "line 1 quantity 2 → 3. It is not sent again: tell the supplier of the change.")
