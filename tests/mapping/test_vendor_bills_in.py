"""Vendor bills and credit notes in: normalise, resolve, writes and the bill check, without Odoo."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from procuros_dagster.mapping import vendor_bills_in as vb
from procuros_dagster.sandbox import demo_data as dd
from tests.mapping import fixtures_bills as fb

SUPPLIER, OTHER = 11, 12
PO, PO_OTHER, RFQ = 1, 2, 3
APS, ESP, PFAND = 2, 4, 3  # product ids
TAX_19_I, TAX_19_EU, TAX_7_I, TAX_0 = 23, 1, 24, 25
EU_POSITION = 4


def _txn(content, tid="t-1", kind="INVOICE"):
    return {"procurosTransactionId": tid, "type": kind, "content": content}


def _lookups(**kw) -> vb.BillLookups:
    base = dict(
        partners=[{"id": SUPPLIER, "name": "Brauerei Weserbergland KG", "ref": dd.SUPPLIER_GLN,
                   "commercial_partner_id": [SUPPLIER, "x"], "active": True, "x_procuros_connector": "Procuros Connector",
                   "property_account_position_id": False},
                  {"id": OTHER, "name": "Kaffeerösterei Hanse GmbH", "ref": dd.SUPPLIER_ORR_GLN,
                   "commercial_partner_id": [OTHER, "x"], "active": True, "x_procuros_connector": False,
                   "property_account_position_id": False}],
        orders=[{"id": PO, "name": "P00001", "state": "purchase", "partner_id": [SUPPLIER, "x"],
                 "fiscal_position_id": [EU_POSITION, "EU"], "currency_id": [126, "EUR"], "payment_term_id": [7, "30 days"],
                 "company_id": [1, "My Company"]},
                {"id": PO_OTHER, "name": "P00002", "state": "purchase", "partner_id": [OTHER, "x"],
                 "fiscal_position_id": False, "currency_id": [126, "EUR"], "payment_term_id": False, "company_id": [1, "c"]},
                {"id": RFQ, "name": "P00003", "state": "draft", "partner_id": [SUPPLIER, "x"],
                 "fiscal_position_id": False, "currency_id": [126, "EUR"], "payment_term_id": False, "company_id": [1, "c"]}],
        order_lines=[
            {"id": 101, "order_id": [PO, "P00001"], "sequence": 10, "display_type": False, "product_id": [APS, "x"],
             "product_uom": [1, "Units"], "product_qty": 10.0, "qty_received": 10.0, "qty_invoiced": 0.0,
             "price_unit": 7.2, "taxes_id": [TAX_19_EU]},
            {"id": 102, "order_id": [PO, "P00001"], "sequence": 20, "display_type": False, "product_id": [ESP, "x"],
             "product_uom": [1, "Units"], "product_qty": 5.0, "qty_received": 3.0, "qty_invoiced": 0.0,
             "price_unit": 14.9, "taxes_id": [TAX_19_EU]}],
        products=[{"id": APS, "name": "Apfelschorle", "barcode": dd.APFELSCHORLE, "default_code": "NW-APS-12-05",
                   "uom_id": [1, "Units"], "supplier_taxes_id": [TAX_19_I]},
                  {"id": ESP, "name": "Espresso", "barcode": dd.ESPRESSO, "default_code": "NW-ESP-1KG",
                   "uom_id": [1, "Units"], "supplier_taxes_id": [TAX_7_I]},
                  {"id": PFAND, "name": "Pfand", "barcode": dd.PFAND, "default_code": "NW-PFAND-025",
                   "uom_id": [1, "Units"], "supplier_taxes_id": [TAX_19_I]}],
        moves=[],
        taxes=[{"id": TAX_19_I, "amount": 19.0, "amount_type": "percent", "sequence": 10},
               {"id": TAX_7_I, "amount": 7.0, "amount_type": "percent", "sequence": 15},
               {"id": TAX_0, "amount": 0.0, "amount_type": "percent", "sequence": 16},
               {"id": TAX_19_EU, "amount": 19.0, "amount_type": "percent", "sequence": 20}],
        position_taxes=[{"position_id": [EU_POSITION, "EU"], "tax_src_id": [TAX_19_I, "x"], "tax_dest_id": [TAX_19_EU, "x"]}],
        uom_codes={1: "EA"}, rounding=0.01, connector="Procuros Connector",
    )
    base.update(kw)
    return vb.BillLookups(**base)


def _resolve(contents, kind=vb.BILL, lookups=None):
    txns = [_txn(c, f"t-{i}", kind.procuros_type) for i, c in enumerate(contents)]
    norm = vb.normalise(txns, own_gln=dd.OWN_GLN, kind=kind)
    return norm, vb.resolve(norm, lookups or _lookups(), kind)


def _reasons(resolved) -> dict[str, str]:
    return dict(zip(resolved.rejects["transaction_id"], resolved.rejects["reason"]))


APS_LINE = {"gtin": dd.APFELSCHORLE, "quantity": 10, "price": 7.2}


def test_documents_are_addressed_to_their_bill_to_party_and_default_to_the_buyer():
    content = fb.invoice("RE-1", "P00001", [APS_LINE])
    assert vb.addressed_to(content) == dd.OWN_GLN
    content["header"]["billTo"] = {"identifiers": [{"identifier": dd.BILL_TO_GLN, "domain": "GS1"}]}
    assert vb.addressed_to(content) == dd.BILL_TO_GLN  # e.g. our own outbound invoice to a customer's accounts
    norm = vb.normalise([_txn(content)], own_gln=dd.OWN_GLN)
    assert norm.headers.empty
    assert "is billed to GLN 4012345000030, not to us" in norm.rejects["reason"][0]


def test_unreadable_documents_are_rejected_with_every_problem_named():
    content = fb.invoice("RE-1", "P00001", [APS_LINE])
    del content["header"]["invoiceIdentifier"]
    content["items"][0]["quantity"] = "zehn"
    norm = vb.normalise([_txn(content)], own_gln=dd.OWN_GLN)
    reason = norm.rejects["reason"][0]
    assert "invoiceIdentifier is missing" in reason and "line 1: quantity 'zehn' is not a number" in reason
    no_order = fb.invoice("RE-2", "P00001", [APS_LINE])
    del no_order["header"]["orderIdentifier"]
    assert "names no purchase order" in vb.normalise([_txn(no_order)], own_gln=dd.OWN_GLN).rejects["reason"][0]


def test_a_bill_resolves_to_its_order_lines_taxes_and_due_date():
    content = fb.invoice("RE-1", "P00001", [
        {**APS_LINE, "order_line": 1}, {"gtin": dd.ESPRESSO, "quantity": 3, "price": 14.9},
        {"gtin": dd.PFAND, "quantity": 10, "price": 0.25, "deposit": True}], date="2026-11-20", payment_days=14)
    _, resolved = _resolve([content])
    assert resolved.rejects.empty
    [h] = resolved.headers.to_dict("records")
    assert (h["status"], h["partner_id"], h["purchase_order_name"]) == ("create", SUPPLIER, "P00001")
    assert h["invoice_date"] == "2026-11-20" and h["due_date"] == "2026-12-04"  # invoice date + the net days
    lines = resolved.lines.to_dict("records")
    assert [l["purchase_line_id"] for l in lines][:2] == [101, 102] and vb._na(lines[2]["purchase_line_id"]) is None
    # the order lines' taxes; the deposit's own vendor tax mapped through the order's fiscal position
    assert [l["tax_id"] for l in lines] == [TAX_19_EU, TAX_19_EU, TAX_19_EU]
    [write] = vb.build_writes(resolved)
    assert write.vals["move_type"] == "in_invoice" and write.vals["ref"] == "RE-1"
    assert write.vals["invoice_date"] == "2026-11-20" and "date" not in write.vals  # Odoo derives it (transcript 14)
    assert write.vals["invoice_payment_term_id"] is False and write.vals["invoice_date_due"] == "2026-12-04"
    assert write.vals["fiscal_position_id"] == EU_POSITION and write.vals["invoice_origin"] == "P00001"
    assert write.vals["invoice_line_ids"][0][2]["purchase_line_id"] == 101
    assert write.vals["invoice_line_ids"][0][2]["tax_ids"] == [(6, 0, [TAX_19_EU])]
    assert vb.write_problems([write]) == []


def test_an_order_without_fiscal_position_takes_the_vendors_own():
    # transcript 17: a PO created over RPC has no fiscal position; the vendor's own maps the deposit's tax
    lookups = _lookups()
    lookups.orders[0]["fiscal_position_id"] = False
    lookups.partners[0]["property_account_position_id"] = [EU_POSITION, "EU"]
    content = fb.invoice("RE-2", "P00001", [{"gtin": dd.PFAND, "quantity": 10, "price": 0.25, "deposit": True}],
                         date="2026-11-20")
    _, resolved = _resolve([content], lookups=lookups)
    assert resolved.rejects.empty
    assert [l["tax_id"] for l in resolved.lines.to_dict("records")] == [TAX_19_EU]
    [write] = vb.build_writes(resolved)
    assert write.vals["fiscal_position_id"] == EU_POSITION


def test_without_a_due_date_the_orders_payment_terms_decide():
    [write] = vb.build_writes(_resolve([fb.invoice("RE-1", "P00001", [APS_LINE])])[1])
    assert write.vals["invoice_payment_term_id"] == 7 and "invoice_date_due" not in write.vals


@pytest.mark.parametrize("change, expected", [
    (dict(supplier_gln="4099999000017"), "Invoice RE-9: the supplier GLN 4099999000017 (Brauerei Weserbergland KG) is not a vendor"),
    (dict(supplier_gln=dd.SUPPLIER_ORR_GLN), "is not set up for this Procuros integration in our Odoo (its Procuros Connector is empty"),
    (dict(order="P09999"), "Invoice RE-9: purchase order P09999 does not exist in our Odoo"),
    (dict(order="P00002"), "Invoice RE-9: purchase order P00002 was not placed with you"),
    (dict(order="P00003"), "Invoice RE-9: purchase order P00003 is not confirmed yet"),
    (dict(lines=[{"gtin": "4300348765432", "quantity": 1, "price": 1.0}]),
     "Invoice RE-9 line 1: no product in our Odoo has the GTIN or article number 4300348765432"),
    (dict(lines=[{"gtin": dd.PFAND, "quantity": 1, "price": 1.0}]), "Invoice RE-9 line 1: Pfand is not on purchase order P00001"),
    (dict(lines=[{**APS_LINE, "tax": 16}]), "Invoice RE-9 line 1: no purchase tax of 16 % exists in our Odoo"),
    (dict(lines=[{**APS_LINE, "unit": "CS"}]), "line 1 is billed in CS, but purchase order P00001 orders it in EA"),
])
def test_bills_that_cannot_be_matched_are_rejected_with_reasons(change, expected):
    content = fb.invoice("RE-9", change.get("order", "P00001"), change.get("lines", [APS_LINE]),
                         supplier_gln=change.get("supplier_gln", dd.SUPPLIER_GLN))
    _, resolved = _resolve([content])
    assert resolved.headers.empty
    assert expected in resolved.rejects["reason"][0]
    assert resolved.rejects["error_type"][0] == "DATA"


def test_a_resent_bill_is_already_imported_whatever_its_transaction_id():
    earlier = [{"id": 40, "name": "BILL/2026/11/0001", "ref": "re-1", "move_type": "in_invoice", "state": "draft",
                "partner_id": [SUPPLIER, "x"], "commercial_partner_id": [SUPPLIER, "x"], "invoice_origin": "P00001"}]
    _, resolved = _resolve([fb.invoice("RE-1", "P00001", [APS_LINE])], lookups=_lookups(moves=earlier))
    [h] = resolved.headers.to_dict("records")
    assert (h["status"], h["target_move_id"], h["target_move_name"]) == ("already_imported", 40, "BILL/2026/11/0001")
    [write] = vb.build_writes(resolved)
    assert write.status == "already_imported" and write.vals == {}
    assert vb.summarise(resolved)["reason"][0] == "already imported as BILL/2026/11/0001"
    # another vendor's document with the same number is another document
    assert vb.document_key(SUPPLIER, "RE-1") == vb.document_key(SUPPLIER, " re-1")
    assert vb.document_key(SUPPLIER, "RE-1") != vb.document_key(OTHER, "RE-1")


def test_a_credit_note_is_linked_to_the_bill_it_corrects_and_its_order():
    bill = {"id": 40, "name": "BILL/2026/11/0001", "ref": "RE-1", "move_type": "in_invoice", "state": "posted",
            "partner_id": [SUPPLIER, "x"], "commercial_partner_id": [SUPPLIER, "x"], "invoice_origin": "P00001"}
    content = fb.credit_note("GS-1", [{**APS_LINE, "quantity": 2, "reason": "Bruch"}], invoice="RE-1",
                             reason="Transportschaden")
    _, resolved = _resolve([content], vb.CREDIT_NOTE, _lookups(moves=[bill]))
    [write] = vb.build_writes(resolved)
    assert write.vals["move_type"] == "in_refund" and write.vals["reversed_entry_id"] == 40
    assert write.vals["invoice_origin"] == "P00001" and write.vals["narration"] == "<p>Transportschaden</p>"
    line = write.vals["invoice_line_ids"][0][2]
    assert line["purchase_line_id"] == 101 and line["name"] == "P00001: Apfelschorle (Bruch)"
    assert "invoice_payment_term_id" not in write.vals  # a credit note has no terms of its own


@dataclass
class _Outcome:
    transaction_id: str
    status: str
    record_name: str | None
    amount_untaxed: float | None
    amount_tax: float | None
    amount_total: float | None


def test_the_bill_check_lists_prices_quantities_and_totals_with_the_document_and_line():
    content = fb.invoice("RE-1", "P00001", [{**APS_LINE, "price": 7.5}, {"gtin": dd.ESPRESSO, "quantity": 5, "price": 14.9}])
    _, resolved = _resolve([content])
    tid = resolved.headers["transaction_id"][0]
    found = vb.findings(resolved, [_Outcome(tid, "created", "BILL/2026/11/0001", 149.5, 28.41, 177.92)])
    rows = [(r["document"], r["bill"], vb._na(r["line"]), r["finding"]) for r in found.to_dict("records")]
    # the untaxed amount and the tax agree; the total is a cent off, beyond the company's rounding
    assert rows == [
        ("Invoice RE-1", "BILL/2026/11/0001", None, "total 177.91 on the document, 177.92 in Odoo"),
        ("Invoice RE-1", "BILL/2026/11/0001", 1, "line 1: price 7.50 differs from the order's 7.20 (P00001 line 1)"),
        ("Invoice RE-1", "BILL/2026/11/0001", 2,
         "line 2: quantity 5 is more than the 3 received and not yet billed (P00001 line 2)"),
    ]
    # a document already imported is not checked again; within the rounding nothing is listed
    assert vb.findings(resolved, [_Outcome(tid, "already_imported", "BILL/2026/11/0001", None, None, None)]).empty
    ok = fb.invoice("RE-2", "P00001", [APS_LINE])
    _, resolved = _resolve([ok])
    tid = resolved.headers["transaction_id"][0]
    assert vb.findings(resolved, [_Outcome(tid, "created", "BILL/2026/11/0002", 72.0, 13.684, 85.685)]).empty


def test_a_credit_note_for_a_bill_odoo_does_not_have_is_imported_unlinked_and_listed():
    content = fb.credit_note("GS-2", [{**APS_LINE, "quantity": 1}], invoice="RE-404", order="P00001")
    _, resolved = _resolve([content], vb.CREDIT_NOTE)
    [write] = vb.build_writes(resolved)
    assert "reversed_entry_id" not in write.vals
    tid = resolved.headers["transaction_id"][0]
    found = vb.findings(resolved, [_Outcome(tid, "created", "RBILL/2026/11/0001", 7.2, 1.37, 8.57)])
    assert list(found["finding"]) == ["corrects invoice RE-404, which is not a bill of this vendor in Odoo: not linked"]


def test_test_flow_documents_refused_by_the_integration_are_rejected_with_a_reason():
    txn = _txn(fb.invoice("RE-T", "P00001", [APS_LINE]), "t-test")
    norm = vb.with_test_rejects(vb.normalise([], own_gln=dd.OWN_GLN), [txn], kind=vb.BILL)
    [reject] = norm.rejects.to_dict("records")
    assert (reject["transaction_id"], reject["document_number"], reject["supplier_gln"]) == ("t-test", "RE-T", dd.SUPPLIER_GLN)
    assert reject["reason"] == "Test transactions are not accepted by this Odoo; send the invoice in the live flow"


UOMS = {1: {"id": 1, "name": "Units", "category_id": 1, "factor": 1.0, "rounding": 0.01, "x_procuros_unit_code": "EA"},
        5: {"id": 5, "name": "Carton of 10", "category_id": 1, "factor": 0.1, "rounding": 0.01,
            "x_procuros_unit_code": "CT"},
        6: {"id": 6, "name": "kg", "category_id": 2, "factor": 1.0, "rounding": 0.001, "x_procuros_unit_code": "KGM"}}


def test_a_bill_in_cartons_for_an_order_in_units_is_converted_into_the_order_lines_unit():
    lookups = _lookups(uoms=UOMS, uom_codes={1: "EA", 5: "CT", 6: "KGM"})
    _, resolved = _resolve([fb.invoice("RE-CT", "P00001", [{**APS_LINE, "quantity": 1, "price": 72.0, "unit": "CT"}])],
                           lookups=lookups)
    assert resolved.rejects.empty, resolved.rejects["reason"].tolist()
    [line] = resolved.lines.to_dict("records")
    # 1 carton of 10 at 72.00 = 10 units at 7.20, the order line's unit and price: nothing to flag
    assert (line["quantity"], line["price_unit"], line["product_uom_id"]) == (10.0, 7.2, 1)
    tid = resolved.headers["transaction_id"][0]
    assert vb.findings(resolved, [_Outcome(tid, "created", "BILL/2026/11/0003", 72.0, 13.68, 85.68)]).empty
    # the settings may name the unit a code stands for
    moved = {**UOMS, 5: {**UOMS[5], "x_procuros_unit_code": False}}
    _, resolved = _resolve([fb.invoice("RE-CT", "P00001", [{**APS_LINE, "quantity": 2, "price": 72.0, "unit": "CT"}])],
                           lookups=_lookups(uoms=moved, uom_overrides={"CT": 5}))
    assert resolved.lines["quantity"].tolist() == [20.0]
    # a unit of another category is not converted: the supplier is told to bill in the order's unit
    _, resolved = _resolve([fb.invoice("RE-KG", "P00001", [{**APS_LINE, "unit": "KGM"}])], lookups=lookups)
    assert "is billed in KGM, but purchase order P00001 orders it in EA" in resolved.rejects["reason"][0]
