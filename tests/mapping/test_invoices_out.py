"""INVOICE mapping on bundles shaped like the real Odoo 17 reads (transcript 05)."""

from __future__ import annotations

import json

from procuros_dagster.mapping.invoices_out import build_invoices
from procuros_dagster.mapping.outbound import totals_mismatches
from procuros_dagster.procuros.openapi import validate_document

from . import fixtures_out as fx


def _one(bundle, **ctx_overrides):
    batch = build_invoices(bundle, fx.ctx(**ctx_overrides))
    assert batch.failures == []
    (doc,) = batch.documents
    assert validate_document("INVOICE", doc.content) == []
    return batch, doc


def test_invoice_two_tax_rates_header_and_summary():
    batch, doc = _one(fx.invoice_bundle())
    assert (doc.model, doc.record_id, doc.binding_name) == ("account.move", 4, "invoice_4")
    h = doc.content["header"]
    assert h["invoiceIdentifier"] == "INV/2026/00001"
    assert h["invoiceDate"] == "2026-11-28T00:00:00+01:00"
    assert h["invoiceDueDate"] == "2026-12-28T00:00:00+01:00"
    assert (h["orderIdentifier"], h["orderDate"]) == ("CUST-PO-4711", "2026-11-28T16:54:42+01:00")
    assert (h["shippingNoticeIdentifier"], h["shippingNoticeDate"]) == ("WH/OUT/00001", "2026-11-28T18:54:47+01:00")
    assert h["currency"] == "EUR"
    assert h["paymentTerms"] == [{"payInNumberOfDays": 30, "percentage": 0.0}]
    assert h["AdditionalOrderIdentifiers"] == {"supplierOrderIdentifier": "S00001"}
    for party in ("buyer", "supplier"):
        assert set(h[party]["postalAddress"]) >= {"street", "city", "postalCode", "countryCode"}
    assert "billTo" not in h  # invoice address = buyer
    items = doc.content["items"]
    assert [(i["quantity"], i["unitPrice"], i["tax"]["amount"], i["tax"]["percentage"], i["orderLineNumber"])
            for i in items] == [(10.0, 12.5, 23.75, 19.0, 1), (25.5, 2.4, 4.28, 7.0, 2)]
    assert all(i["isInvoicedItem"] is True and i["isDepositItem"] is False for i in items)
    s = doc.content["summary"]
    assert (s["subtotalAmount"], s["netAmount"], s["grossAmount"], s["dueAmount"]) == (186.2, 186.2, 214.23, 214.23)
    assert s["tax"] == {"total": 28.03, "items": [
        {"percentage": 19.0, "taxableAmount": 125.0, "taxAmount": 23.75, "category": "sales"},
        {"percentage": 7.0, "taxableAmount": 61.2, "taxAmount": 4.28, "category": "sales"}]}
    assert batch.lines["net_amount"].tolist() == [125.0, 61.2]
    assert totals_mismatches(batch).empty


def test_totals_mismatch_is_reported():
    bundle = fx.invoice_bundle()
    bundle["account.move"][0]["amount_tax"] = 28.50  # e.g. a tax line edited by hand
    batch = build_invoices(bundle, fx.ctx())
    bad = totals_mismatches(batch)
    assert bad["document"].tolist() == ["INV/2026/00001"]
    assert "line taxes 28.03 != tax amount 28.50" in bad["problem"][0]


def test_invoice_without_done_delivery_is_a_failure():
    bundle = fx.invoice_bundle()
    bundle["stock.picking"] = []
    (f,) = build_invoices(bundle, fx.ctx()).failures
    assert f.reason == ("Invoice INV/2026/00001: sales order S00001 has no validated delivery; "
                        "Procuros requires a shipping notice reference")


def test_delivery_after_the_invoice_date_is_not_referenced():
    bundle = fx.invoice_bundle()
    bundle["stock.picking"][0]["date_done"] = "2026-11-29 08:00:00"
    assert build_invoices(bundle, fx.ctx()).documents == []


def test_missing_buyer_gln_and_incomplete_address_are_failures():
    bundle = fx.invoice_bundle()
    bundle["res.partner"][0]["ref"] = "12345"
    for o in bundle["sale.order"]:
        o["x_procuros_buyer_gln"] = False
    (f,) = build_invoices(bundle, fx.ctx()).failures
    assert f.reason == ("Invoice INV/2026/00001: customer Procuros Test Customer GmbH has no GLN in Reference "
                        "(Reference '12345' is not a valid 13-digit GLN)")
    bundle = fx.invoice_bundle()
    bundle["res.partner"][0]["city"] = False
    (f,) = build_invoices(bundle, fx.ctx()).failures
    assert "incomplete address (missing city)" in f.reason


def test_early_discount_payment_term_and_bill_to():
    bundle = fx.invoice_bundle()
    bundle["account.move"][0]["invoice_payment_term_id"] = [9, "2/7 Net 30"]
    bundle["res.partner"].append({**bundle["res.partner"][1], "id": 12, "name": "Buchhaltung", "type": "invoice",
                                  "ref": "4012345000023"})
    bundle["account.move"][0]["partner_id"] = [12, "Procuros Test Customer GmbH, Buchhaltung"]
    _, doc = _one(bundle)
    h = doc.content["header"]
    assert h["paymentTerms"] == [{"payInNumberOfDays": 7, "percentage": 2.0},
                                 {"payInNumberOfDays": 30, "percentage": 0.0}]
    assert h["billTo"]["identifiers"] == [{"identifier": "4012345000023", "domain": "GS1"}]


def test_discounted_line_sends_net_unit_price():
    bundle = fx.invoice_bundle()
    line = bundle["account.move.line"][0]
    line.update(discount=10.0, price_subtotal=112.5, price_total=133.88)
    bundle["account.move"][0].update(amount_untaxed=173.7, amount_tax=25.66, amount_total=199.36)
    batch, doc = _one(bundle)
    assert doc.content["items"][0]["unitPrice"] == 11.25
    assert doc.content["summary"]["subtotalAmount"] == 173.7
    assert totals_mismatches(batch).empty


def test_deterministic_payload():
    a = build_invoices(fx.invoice_bundle(), fx.ctx()).documents[0].content
    b = build_invoices(fx.invoice_bundle(), fx.ctx()).documents[0].content
    assert json.dumps(a) == json.dumps(b)
