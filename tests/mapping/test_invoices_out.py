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
    assert (doc.model, doc.record_id) == ("account.move", 4)
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


def test_a_delivery_validated_after_the_invoice_date_is_still_named():
    """Invoiced on order (or dated in the Odoo user's time zone, a day behind ours): Procuros needs a
    shipping notice reference, and refusing would leave the posted invoice unsendable for good."""
    bundle = fx.invoice_bundle()
    bundle["stock.picking"][0]["date_done"] = "2026-11-29 08:00:00"
    [doc] = build_invoices(bundle, fx.ctx()).documents
    assert doc.content["header"]["shippingNoticeIdentifier"] == bundle["stock.picking"][0]["name"]


def test_an_invoice_without_any_validated_delivery_is_not_sent():
    bundle = fx.invoice_bundle()
    bundle["stock.picking"][0]["state"] = "assigned"
    [failure] = build_invoices(bundle, fx.ctx()).failures
    assert "has no validated delivery" in failure.reason


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


def test_discounted_line_keeps_the_gross_price_with_a_discount_allowance():
    bundle = fx.invoice_bundle()
    line = bundle["account.move.line"][0]
    line.update(discount=10.0, price_subtotal=112.5, price_total=133.88)
    bundle["account.move"][0].update(amount_untaxed=173.7, amount_tax=25.66, amount_total=199.36)
    batch, doc = _one(bundle)
    item = doc.content["items"][0]
    assert item["unitPrice"] == 12.5
    assert item["modificationGroups"] == [{"basis": 125.0, "level": 1, "modifications": [
        {"type": "ALLOWANCE", "calculationType": "RELATIVE", "reasonCode": "DISCOUNT", "percentage": 10.0,
         "amount": 12.5}]}]
    assert doc.content["summary"]["subtotalAmount"] == 173.7
    assert totals_mismatches(batch).empty


def test_a_discount_whose_net_price_does_not_round_is_sent():
    """500 x 2.49 less 2.5 % = 1213.88 in Odoo; a net unit price (2.4278) x 500 = 1213.90 failed the
    line check and blocked the invoice. Gross price plus the allowance adds up to the cent."""
    bundle = fx.invoice_bundle()
    line = bundle["account.move.line"][0]
    line.update(quantity=500.0, price_unit=2.49, discount=2.5, price_subtotal=1213.88, price_total=1444.52)
    bundle["account.move"][0].update(amount_untaxed=1275.08, amount_tax=234.92, amount_total=1510.0)
    batch, doc = _one(bundle)
    item = doc.content["items"][0]
    assert (item["quantity"], item["unitPrice"]) == (500.0, 2.49)
    [mod] = item["modificationGroups"][0]["modifications"]
    assert (item["modificationGroups"][0]["basis"], mod["percentage"], mod["amount"]) == (1245.0, 2.5, 31.12)
    assert doc.content["summary"]["subtotalAmount"] == 1275.08
    assert batch.lines["allowance_amount"].tolist() == [31.12, 0.0]
    assert totals_mismatches(batch).empty


def _with_freight(bundle, *, product=True):
    """A freight line (service product without GTIN, or a line without product) at 19 %: 25 + 4.75."""
    freight = [8, "Fracht"]
    if product:
        bundle["product.product"].append({"id": 8, "name": "Frachtpauschale", "display_name": "Frachtpauschale",
                                          "default_code": False, "barcode": False, "uom_id": fx.UNITS,
                                          "type": "service"})
    line = fx._aml(14, fx.INV1, 2, freight if product else False, "Frachtpauschale", 1.0, fx.UNITS, 25.0, 25.0,
                   29.75, [14], [])
    bundle["account.move.line"].append(line)
    bundle["account.move"][0]["invoice_line_ids"].append(14)
    bundle["account.move"][0].update(amount_untaxed=211.2, amount_tax=32.78, amount_total=243.98)
    return bundle


def test_freight_line_without_gtin_is_a_document_charge():
    batch, doc = _one(_with_freight(fx.invoice_bundle()))
    assert [i["identifiers"][0]["identifier"] for i in doc.content["items"]] == [fx.WIDGET_GTIN, fx.FLOUR_GTIN]
    s = doc.content["summary"]
    assert (s["subtotalAmount"], s["totalCharges"], s["totalAllowances"], s["netAmount"]) == (186.2, 25.0, 0.0, 211.2)
    assert s["modificationGroups"] == [{"basis": 186.2, "level": 1, "modifications": [
        {"type": "CHARGE", "calculationType": "ABSOLUTE", "reasonCode": "SHIPPING", "description": "Frachtpauschale",
         "amount": 25.0, "tax": {"amount": 4.75, "percentage": 19.0}}]}]
    assert s["tax"]["items"][0] == {"percentage": 19.0, "taxableAmount": 150.0, "taxAmount": 28.5, "category": "sales"}
    assert totals_mismatches(batch).empty


def test_a_line_without_product_is_a_charge_too_and_a_negative_one_an_allowance():
    bundle = _with_freight(fx.invoice_bundle(), product=False)
    line = bundle["account.move.line"][-1]
    line.update(name="Aktionsrabatt", price_unit=-25.0, price_subtotal=-25.0, price_total=-29.75)
    bundle["account.move"][0].update(amount_untaxed=161.2, amount_tax=23.28, amount_total=184.48)
    batch, doc = _one(bundle)
    s = doc.content["summary"]
    [mod] = s["modificationGroups"][0]["modifications"]
    assert (mod["type"], mod["reasonCode"], mod["amount"]) == ("ALLOWANCE", "DISCOUNT", 25.0)
    assert (s["totalCharges"], s["totalAllowances"]) == (0.0, 25.0)
    assert totals_mismatches(batch).empty


def test_a_goods_product_without_gtin_still_fails():
    bundle = fx.invoice_bundle()
    bundle["product.product"][0]["barcode"] = False
    [failure] = build_invoices(bundle, fx.ctx()).failures
    assert "has no barcode (GTIN)" in failure.reason


def test_deterministic_payload():
    a = build_invoices(fx.invoice_bundle(), fx.ctx()).documents[0].content
    b = build_invoices(fx.invoice_bundle(), fx.ctx()).documents[0].content
    assert json.dumps(a) == json.dumps(b)


# --- item-level shipping notice references ----------------------------------------------------

def _refs(doc):
    return [(i.get("shippingNoticeIdentifier"), i.get("shippingNoticeDate"), i.get("shippingNoticeLineNumber"))
            for i in doc.content["items"]]


def _notice_line_numbers(sn_bundle):
    """{(shipping notice, orderLineNumber): lineNumber} as the shipping notices themselves number them."""
    from procuros_dagster.mapping.shipping_notices_out import build_shipping_notices

    batch = build_shipping_notices(sn_bundle, fx.ctx())
    assert batch.failures == []
    return {(d.record_name, i["orderLineNumber"]): i["lineNumber"]
            for d in batch.documents for u in d.content["transportUnits"] for i in u["items"]}


def _assert_same_numbers_as_the_notices(doc, sn_bundle):
    numbers = _notice_line_numbers(sn_bundle)
    for item in doc.content["items"]:
        assert numbers[(item["shippingNoticeIdentifier"], item["orderLineNumber"])] == item["shippingNoticeLineNumber"]


def test_single_delivery_items_reference_it():
    _, doc = _one(fx.invoice_bundle())
    assert _refs(doc) == [("WH/OUT/00001", "2026-11-28T18:54:47+01:00", 1),
                          ("WH/OUT/00001", "2026-11-28T18:54:47+01:00", 2)]
    _assert_same_numbers_as_the_notices(doc, fx.full_delivery_bundle())


def test_partial_delivery_and_backorder_each_item_references_its_own_delivery():
    _, doc = _one(fx.two_deliveries_invoice_bundle())
    assert _refs(doc) == [("WH/OUT/00002", "2026-11-28T18:54:47+01:00", 1),   # widgets: first delivery
                          ("WH/OUT/00004", "2026-11-30T10:12:00+01:00", 1)]   # flour: the backorder
    h = doc.content["header"]  # the header keeps one reference: the last delivery
    assert (h["shippingNoticeIdentifier"], h["shippingNoticeDate"]) == ("WH/OUT/00004", "2026-11-30T10:12:00+01:00")
    _assert_same_numbers_as_the_notices(doc, fx.two_deliveries_bundle())


def test_line_shipped_in_several_deliveries_becomes_one_item_per_delivery():
    """Flour: 7.5 kg left in WH/OUT/00002, 2.5 kg in its backorder WH/OUT/00004, one invoice line
    of 10 kg: two items, each settling its own shipping notice line."""
    _, doc = _one(fx.two_deliveries_invoice_bundle(flour_split=True))
    assert _refs(doc) == [("WH/OUT/00002", "2026-11-28T18:54:47+01:00", 1),
                          ("WH/OUT/00002", "2026-11-28T18:54:47+01:00", 2),
                          ("WH/OUT/00004", "2026-11-30T10:12:00+01:00", 1)]
    items = doc.content["items"]
    assert [(i["lineNumber"], i["quantity"]) for i in items] == [(1, 20.0), (2, 7.5), (3, 2.5)]
    assert items[1]["unitPrice"] == items[2]["unitPrice"] == 2.4
    assert round(items[1]["tax"]["amount"] + items[2]["tax"]["amount"], 2) == 1.68  # the line's 7 % tax
    assert doc.content["summary"]["tax"]["total"] == 47.28
    _assert_same_numbers_as_the_notices(doc, fx.two_deliveries_bundle(flour_split=True))
    # invoiced before the backorder left: the flour's latest delivery by then is WH/OUT/00002 (its line 2)
    _, doc = _one(fx.two_deliveries_invoice_bundle(flour_split=True, invoice_date="2026-11-29"))
    assert _refs(doc) == [("WH/OUT/00002", "2026-11-28T18:54:47+01:00", 1),
                          ("WH/OUT/00002", "2026-11-28T18:54:47+01:00", 2)]
    assert doc.content["header"]["shippingNoticeIdentifier"] == "WH/OUT/00002"
    _assert_same_numbers_as_the_notices(doc, fx.two_deliveries_bundle(flour_split=True))


def test_line_number_left_out_when_it_cannot_be_reproduced():
    bundle = fx.two_deliveries_invoice_bundle()
    # WH/OUT/00002 also shipped an order line that was not read: its numbering is unknown
    bundle["stock.move"].append({**bundle["stock.move"][0], "id": 40, "sale_line_id": [99, "S00002 - ?"]})
    _, doc = _one(bundle)
    assert _refs(doc) == [("WH/OUT/00002", "2026-11-28T18:54:47+01:00", None),
                          ("WH/OUT/00004", "2026-11-30T10:12:00+01:00", 1)]


def test_undelivered_line_has_no_item_reference():
    bundle = fx.two_deliveries_invoice_bundle()
    bundle["stock.move"] = [m for m in bundle["stock.move"] if m["id"] != 10]
    _, doc = _one(bundle)
    assert _refs(doc) == [("WH/OUT/00002", "2026-11-28T18:54:47+01:00", 1), (None, None, None)]


# --- what invoice law and the retailer's invoice check need ---------------------------------

def _with_bank(bundle, *, named=False):
    bundle["account.move"][0].update(company_id=[1, "My Company"], partner_bank_id=[7, "DE89…"] if named else False)
    bundle["res.company"] = [{"id": 1, "partner_id": [1, "My Company"]}]
    bundle["res.bank"] = [{"id": 2, "name": "Sparkasse Bremen", "bic": "SBREDE22XXX"}]
    bundle["res.partner.bank"] = [
        {"id": 6, "acc_number": "DE02 1001 0010 0006 8201 01", "acc_holder_name": False, "partner_id": [1, "My Company"],
         "bank_id": False, "allow_out_payment": False, "sequence": 10, "company_id": False},
        {"id": 7, "acc_number": "DE89 2905 0101 0012 3456 78", "acc_holder_name": False, "partner_id": [1, "My Company"],
         "bank_id": [2, "Sparkasse Bremen"], "allow_out_payment": True, "sequence": 20, "company_id": False},
    ]
    return bundle


def test_supplier_bank_details_from_the_company_account_odoo_would_pick():
    _, doc = _one(_with_bank(fx.invoice_bundle()))
    # the account allowed for payments first, as account.move._compute_partner_bank_id sorts them
    assert doc.content["header"]["supplier"]["financialInstitution"] == {
        "name": "Sparkasse Bremen", "institutionId": "SBREDE22XXX", "institutionIdDomain": "BIC",
        "accountNumber": "DE89290501010012345678", "accountHolder": "My Company"}


def test_the_invoice_s_own_bank_account_wins():
    bundle = _with_bank(fx.invoice_bundle())
    bundle["account.move"][0]["partner_bank_id"] = [6, "DE02…"]
    _, doc = _one(bundle)
    assert doc.content["header"]["supplier"]["financialInstitution"] == {
        "accountNumber": "DE02100100100006820101", "accountHolder": "My Company"}


def _tax_free(bundle, country, vat):
    """The fiscal position replaced 19 % / 7 % by 0 %: Odoo's amounts without tax."""
    bundle["res.partner"][0].update(country_code=country, vat=vat)
    bundle["account.tax"] += [{"id": 40, "name": "0% EU D", "amount": 0.0, "amount_type": "percent",
                               "price_include": False, "description": "Tax free intracomm. Delivery"}]
    for line in bundle["account.move.line"]:
        if line["display_type"] == "product":
            line.update(tax_ids=[40], price_total=line["price_subtotal"])
    bundle["account.move"][0].update(amount_tax=0.0, amount_total=186.2, fiscal_position_id=[4, "EU"])
    bundle["account.fiscal.position"] = [{"id": 4, "name": "Business partner EU (with VAT ID)",
                                          "note": "<p>Steuerfreie innergemeinschaftliche Lieferung</p>"}]
    return bundle


def test_intra_community_supply_category_legal_text_and_both_vat_ids():
    _, doc = _one(_tax_free(fx.invoice_bundle(), "FR", "FR 40303265045"))
    [rate] = doc.content["summary"]["tax"]["items"]
    assert (rate["percentage"], rate["category"], rate["description"]) == (
        0.0, "intra-community supply", "Intra-Community supply (VATEX-EU-IC)")
    legal = doc.content["header"]["legalInformation"].splitlines()
    assert legal == ["Steuerfreie innergemeinschaftliche Lieferung", "Intra-Community supply (VATEX-EU-IC)",
                     "VAT ID of the buyer: FR40303265045; VAT ID of the supplier: DE298765432",
                     "Date of supply: 2026-11-28"]
    # a French VAT id is no VAT_DE identifier
    assert [i["domain"] for i in doc.content["header"]["buyer"]["identifiers"]] == ["GS1"]


def test_export_and_domestic_exempt_categories():
    _, doc = _one(_tax_free(fx.invoice_bundle(), "CH", "CHE-123.456.788"))
    assert doc.content["summary"]["tax"]["items"][0]["category"] == "export"
    _, doc = _one(_tax_free(fx.invoice_bundle(), "DE", "DE812345678"))
    assert doc.content["summary"]["tax"]["items"][0]["category"] == "exempt"


def test_a_domestic_taxed_invoice_says_only_the_date_of_supply():
    _, doc = _one(fx.invoice_bundle())
    assert doc.content["header"]["legalInformation"] == "Date of supply: 2026-11-28"
    assert {i["category"] for i in doc.content["summary"]["tax"]["items"]} == {"sales"}


def test_the_buyers_article_number_is_echoed_on_invoice_and_credit_note_lines():
    from procuros_dagster.mapping.credit_notes_out import build_credit_notes

    bundle = fx.invoice_bundle()
    for sl in bundle["sale.order.line"]:
        sl["x_procuros_buyer_article_number"] = f"KR-{sl['id']}"
    _, doc = _one(bundle)
    assert [i["identifiers"][-1] for i in doc.content["items"]] == [
        {"identifier": "KR-2", "domain": "BUYER"}, {"identifier": "KR-3", "domain": "BUYER"}]
    cn_bundle = fx.credit_note_bundle()
    for sl in cn_bundle["sale.order.line"]:
        sl["x_procuros_buyer_article_number"] = f"KR-{sl['id']}"
    [cn] = build_credit_notes(cn_bundle, fx.ctx()).documents
    assert all(i["identifiers"][-1]["domain"] == "BUYER" for i in cn.content["items"])


def test_a_discounted_line_shipped_in_two_deliveries_splits_its_allowance_too():
    bundle = fx.two_deliveries_invoice_bundle(flour_split=True)
    flour = next(ln for ln in bundle["account.move.line"] if ln.get("display_type") == "product" and ln["quantity"] == 10.0)
    gross = flour["price_subtotal"]
    flour.update(discount=10.0, price_subtotal=round(gross * 0.9, 2), price_total=round(gross * 0.9 * 1.07, 2))
    move = bundle["account.move"][0]
    cut = round(gross * 0.1, 2)
    move.update(amount_untaxed=round(move["amount_untaxed"] - cut, 2), amount_tax=round(move["amount_tax"] - 0.17, 2),
                amount_total=round(move["amount_total"] - cut - 0.17, 2))
    batch = build_invoices(bundle, fx.ctx())
    [doc] = batch.documents
    parts = doc.content["items"][1:]
    assert [(p["quantity"], p["modificationGroups"][0]["basis"], p["modificationGroups"][0]["modifications"][0]["amount"])
            for p in parts] == [(7.5, 18.0, 1.8), (2.5, 6.0, 0.6)]
    assert doc.content["summary"]["subtotalAmount"] == round(move["amount_untaxed"], 2)
    assert totals_mismatches(batch).empty


def test_a_down_payment_deduction_is_no_allowance():
    bundle = _with_freight(fx.invoice_bundle())
    line = bundle["account.move.line"][-1]
    line.update(name="Down payment", quantity=-1.0, price_subtotal=-25.0, price_total=-29.75, sale_line_ids=[99])
    bundle["sale.order.line"].append({**bundle["sale.order.line"][0], "id": 99, "is_downpayment": True,
                                      "product_id": [8, "Down payment"]})
    [failure] = build_invoices(bundle, fx.ctx()).failures
    assert "has a negative quantity (e.g. a down payment deduction)" in failure.reason
