"""Supplier INVOICEs → draft vendor bills and CREDIT_NOTEs → draft vendor credit notes, through
real Dagster runs against both sandboxes: a confirmed, received purchase order billed with a price
discrepancy, resent under a new transaction id, credited; bad documents rejected with reasons."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from procuros_dagster.procuros.openapi import validate_document
from procuros_dagster.sandbox import demo_data as dd
from tests.mapping import fixtures_bills as fb

LOG_FIELDS = ["x_movement", "x_direction", "x_document_type", "x_state", "x_transaction_id", "x_res_model", "x_res_id",
              "x_record_name", "x_partner_id", "x_reason"]
MOVE_FIELDS = ["id", "name", "state", "move_type", "partner_id", "ref", "invoice_date", "date", "invoice_date_due",
               "invoice_origin", "reversed_entry_id", "narration", "amount_untaxed", "amount_total",
               "x_procuros_transaction_id"]
LINE_FIELDS = ["product_id", "quantity", "price_unit", "purchase_line_id", "tax_ids", "product_uom_id"]


def _check(result, name):
    found = [e.event_specific_data for e in result.all_events
             if e.event_type_value == "ASSET_CHECK_EVALUATION" and e.event_specific_data.check_name == name]
    assert found, f"check {name} was not evaluated"
    return found[-1]


def _enqueue(stack, kind: str, content: dict) -> str:
    assert validate_document(kind, content) == []  # what a supplier's system sends is valid per the spec
    return stack.procuros.enqueue(kind, content)


@pytest.fixture
def bought(stack):
    """A purchase order of the supplier set up for Procuros, confirmed and received in full."""
    stack.procuros.known_parties = stack.procuros.known_parties | dd.SUPPLIER_PARTNERS
    suppliers = dd.seed_suppliers(stack.gateway)
    products = stack.data.products
    po = dd.purchase_order(stack.gateway, suppliers.supplier_id, [
        {"product_id": products[dd.APFELSCHORLE], "product_qty": 10, "price_unit": 7.2},
        {"product_id": products[dd.ESPRESSO], "product_qty": 5, "price_unit": 14.9},
    ], confirm=True)
    [order] = stack.gateway.read("purchase.order", [po], ["name", "picking_ids", "order_line"])
    stack.gateway.validate_pickings(order["picking_ids"])
    lines = stack.gateway.search_read("purchase.order.line", [("order_id", "=", po)],
                                      ["id", "product_id", "qty_received", "taxes_id"], order="sequence, id")
    assert [l["qty_received"] for l in lines] == [10.0, 5.0]
    return {"supplier_id": suppliers.supplier_id, "po": po, "name": order["name"], "lines": lines}


def _bills(stack, *domain):
    return stack.gateway.search_read("account.move", [("move_type", "in", ["in_invoice", "in_refund"]), *domain],
                                     MOVE_FIELDS, order="id")


def test_invoices_become_draft_bills_linked_to_the_order_and_discrepancies_are_listed(stack, bought):
    today = date.fromisoformat(stack.today)
    billed_on = (today.replace(day=1) - timedelta(days=1)).replace(day=15)  # a past month (transcript 14)
    due = (billed_on + timedelta(days=30)).isoformat()
    po_name = bought["name"]
    good = _enqueue(stack, "INVOICE", fb.invoice("RE-2026-100", po_name, [
        {"gtin": dd.APFELSCHORLE, "quantity": 10, "price": 7.5, "order_line": 1},  # ordered at 7.20
        {"gtin": dd.ESPRESSO, "quantity": 5, "price": 14.9, "order_line": 2},
        {"gtin": dd.PFAND, "quantity": 10, "price": 0.25, "deposit": True},  # deposit: billed, never ordered
    ], date=billed_on.isoformat(), due=due))
    unknown_supplier = _enqueue(stack, "INVOICE", fb.invoice(
        "X-1", po_name, [{"gtin": dd.ESPRESSO, "quantity": 1, "price": 14.9}], supplier_gln="4099999000017"))
    unknown_order = _enqueue(stack, "INVOICE", fb.invoice(
        "RE-2026-101", "P09999", [{"gtin": dd.ESPRESSO, "quantity": 1, "price": 14.9}]))
    unknown_product = _enqueue(stack, "INVOICE", fb.invoice(
        "RE-2026-102", po_name, [{"gtin": "4300348765432", "quantity": 1, "price": 1.0}]))

    result = stack.run("import_vendor_bills")
    assert result.success

    [bill] = _bills(stack)
    assert bill["move_type"] == "in_invoice" and bill["state"] == "draft"
    assert bill["partner_id"][0] == bought["supplier_id"]
    assert bill["ref"] == "RE-2026-100" and bill["x_procuros_transaction_id"] == good
    assert bill["invoice_origin"] == po_name
    assert bill["invoice_date"] == billed_on.isoformat()
    # the accounting date and the draft's number follow the invoice date: a past month's last day
    month_end = (billed_on.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    assert bill["date"] == month_end.isoformat()
    assert bill["name"] == f"BILL/{billed_on.year}/{billed_on.month:02d}/0001"
    assert bill["invoice_date_due"] == due  # the supplier's due date
    assert bill["amount_untaxed"] == 75.0 + 74.5 + 2.5

    lines = stack.gateway.search_read("account.move.line", [("move_id", "=", bill["id"]), ("display_type", "=", "product")],
                                      LINE_FIELDS, order="sequence, id")
    po_lines = bought["lines"]
    assert [l["purchase_line_id"] and l["purchase_line_id"][0] for l in lines] == [po_lines[0]["id"], po_lines[1]["id"], False]
    assert [l["price_unit"] for l in lines] == [7.5, 14.9, 0.25]  # the supplier's prices, to be settled by the buyer
    assert lines[0]["tax_ids"] == po_lines[0]["taxes_id"]  # 19 % through the order's fiscal position
    assert lines[2]["product_id"][0] == stack.data.products[dd.PFAND]
    invoiced = stack.gateway.read("purchase.order.line", [po_lines[0]["id"]], ["qty_invoiced"])[0]["qty_invoiced"]
    assert invoiced == 10.0  # the draft counts against the order (transcript 06)

    check = _check(result, "vendor_bills_match_orders_and_totals")
    assert not check.passed and check.severity.value == "WARN"
    listed = check.metadata["list"].value.records
    assert [(r.data["document"], r.data["line"], r.data["bill"]) for r in listed] == [
        ("Invoice RE-2026-100", 1, bill["name"])]
    assert "price 7.50 differs from the order's 7.20" in listed[0].data["finding"]

    acks = stack.procuros.acknowledgements
    assert acks[good]["success"] is True
    assert "supplier GLN 4099999000017" in acks[unknown_supplier]["errorReason"]
    assert acks[unknown_supplier]["errorType"] == "DATA"
    assert "purchase order P09999 does not exist" in acks[unknown_order]["errorReason"]
    assert "Invoice RE-2026-102 line 1: no product" in acks[unknown_product]["errorReason"]

    logs = {e["x_transaction_id"]: e for e in stack.gateway.search_read("x_procuros_log", [], LOG_FIELDS, order="id")}
    assert logs[good]["x_state"] == "imported" and logs[good]["x_movement"] == "vendor_bills"
    assert (logs[good]["x_res_model"], logs[good]["x_res_id"], logs[good]["x_record_name"]) == (
        "account.move", bill["id"], bill["name"])
    assert logs[good]["x_partner_id"][0] == bought["supplier_id"]
    assert logs[unknown_order]["x_state"] == "rejected" and "P09999" in logs[unknown_order]["x_reason"]
    assert {logs[t]["x_document_type"] for t in logs} == {"INVOICE"}

    # the supplier resends the same invoice under a new transaction id: acknowledged, not created twice
    resent = _enqueue(stack, "INVOICE", fb.invoice("RE-2026-100", po_name, [
        {"gtin": dd.APFELSCHORLE, "quantity": 10, "price": 7.5}], date=billed_on.isoformat(), due=due))
    again = stack.run("import_vendor_bills")
    assert again.success
    assert [b["id"] for b in _bills(stack)] == [bill["id"]]
    assert stack.procuros.acknowledgements[resent]["success"] is True
    [entry] = stack.gateway.search_read("x_procuros_log", [("x_transaction_id", "=", resent)], LOG_FIELDS)
    assert (entry["x_state"], entry["x_res_id"], entry["x_record_name"]) == ("imported", bill["id"], bill["name"])
    assert _check(again, "vendor_bills_match_orders_and_totals").passed  # nothing new to look at

    # a rerun with nothing pending creates and logs nothing
    logged = stack.gateway.search_count("x_procuros_log", [])
    assert stack.run("import_vendor_bills").success
    assert len(_bills(stack)) == 1 and stack.gateway.search_count("x_procuros_log", []) == logged


def test_a_credit_note_becomes_a_draft_vendor_credit_note_linked_to_the_bill_it_corrects(stack, bought):
    po_name = bought["name"]
    _enqueue(stack, "INVOICE", fb.invoice("RE-2026-200", po_name, [
        {"gtin": dd.APFELSCHORLE, "quantity": 10, "price": 7.2}, {"gtin": dd.ESPRESSO, "quantity": 5, "price": 14.9}]))
    assert stack.run("import_vendor_bills").success
    [bill] = _bills(stack)

    credit = _enqueue(stack, "CREDIT_NOTE", fb.credit_note(
        "GS-2026-7", [{"gtin": dd.APFELSCHORLE, "quantity": 2, "price": 7.2, "reason": "Bruch bei Anlieferung"}],
        invoice="RE-2026-200", reason="Transportschaden: 2 Kartons"))
    unknown_supplier = _enqueue(stack, "CREDIT_NOTE", fb.credit_note(
        "GS-X", [{"gtin": dd.ESPRESSO, "quantity": 1, "price": 14.9}], supplier_gln="4099999000017"))
    result = stack.run("import_vendor_credit_notes")
    assert result.success

    [refund] = _bills(stack, ("move_type", "=", "in_refund"))
    assert refund["state"] == "draft" and refund["ref"] == "GS-2026-7"
    assert refund["reversed_entry_id"][0] == bill["id"]
    assert "Transportschaden: 2 Kartons" in refund["narration"]
    assert refund["invoice_origin"] == po_name  # the order, found through the bill it corrects
    [line] = stack.gateway.search_read("account.move.line", [("move_id", "=", refund["id"]), ("display_type", "=", "product")],
                                       LINE_FIELDS + ["name"])
    assert line["purchase_line_id"][0] == bought["lines"][0]["id"] and line["quantity"] == 2.0
    assert "Bruch bei Anlieferung" in line["name"]
    # the credit note lowers what is billed on the order line (transcript 06)
    assert stack.gateway.read("purchase.order.line", [bought["lines"][0]["id"]], ["qty_invoiced"])[0]["qty_invoiced"] == 8.0
    assert _check(result, "vendor_credit_notes_match_orders_and_totals").passed

    acks = stack.procuros.acknowledgements
    assert acks[credit]["success"] is True
    assert "Credit note GS-X: the supplier GLN 4099999000017" in acks[unknown_supplier]["errorReason"]
    [entry] = stack.gateway.search_read("x_procuros_log", [("x_transaction_id", "=", credit)], LOG_FIELDS)
    assert (entry["x_movement"], entry["x_document_type"], entry["x_res_id"]) == (
        "vendor_credit_notes", "CREDIT_NOTE", refund["id"])

    # resent under a new transaction id: not created twice
    resent = _enqueue(stack, "CREDIT_NOTE", fb.credit_note(
        "GS-2026-7", [{"gtin": dd.APFELSCHORLE, "quantity": 2, "price": 7.2}], invoice="RE-2026-200"))
    assert stack.run("import_vendor_credit_notes").success
    assert len(_bills(stack, ("move_type", "=", "in_refund"))) == 1
    assert stack.procuros.acknowledgements[resent]["success"] is True


def test_a_backfill_replays_the_suppliers_invoices_of_the_day_and_never_our_own(stack, bought):
    yesterday = (date.fromisoformat(stack.today) - timedelta(days=1)).isoformat()
    stack.gateway.write("res.partner", [bought["supplier_id"]], {"x_procuros_connector": False})
    theirs = stack.procuros.enqueue("INVOICE", fb.invoice("RE-2026-300", bought["name"], [
        {"gtin": dd.ESPRESSO, "quantity": 5, "price": 14.9}]), created_at=f"{yesterday}T09:00:00")
    # our own invoice to a customer, sent yesterday: in the history too, billed to the customer
    ours = fb.invoice("INV/2026/00001", "CUST-PO-1", [{"gtin": dd.ESPRESSO, "quantity": 1, "price": 20.0}])
    ours["header"]["buyer"] = {"name": "Kaufhaus Rheinland AG", "identifiers": [{"identifier": dd.BUYER_GLN, "domain": "GS1"}]}
    ours["header"]["supplier"] = fb.US
    state = stack.procuros.state
    with state.lock:
        sent = state._new_record(type="INVOICE", content=ours, receiver_gln=dd.BUYER_GLN, sender_gln=dd.OWN_GLN,
                                 flow="LIVE", created_at=datetime.fromisoformat(f"{yesterday}T10:00:00+01:00"),
                                 status="SUCCESS").id

    assert stack.run("import_vendor_bills").success  # the vendor is not set up for Procuros yet
    assert stack.procuros.acknowledgements[theirs]["success"] is False
    assert "is not set up for this Procuros integration" in stack.procuros.acknowledgements[theirs]["errorReason"]
    assert _bills(stack) == []

    # the buyer sets the vendor up and backfills yesterday: the supplier's invoice comes in from the history
    stack.gateway.write("res.partner", [bought["supplier_id"]], {"x_procuros_connector": "Procuros Connector"})
    assert stack.run("import_vendor_bills", partition=yesterday).success
    [bill] = _bills(stack)
    assert bill["ref"] == "RE-2026-300" and bill["x_procuros_transaction_id"] == theirs
    assert stack.gateway.search_read("x_procuros_log", [("x_transaction_id", "=", sent)], ["id"]) == []
    assert sent not in stack.procuros.acknowledgements
    # a second backfill of the day creates nothing
    assert stack.run("import_vendor_bills", partition=yesterday).success
    assert len(_bills(stack)) == 1
