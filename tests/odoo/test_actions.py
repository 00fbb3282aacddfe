"""Business actions as the transcripts show them: confirm, deliver (full / backorder / no
backorder with the one-time SMS wizard), invoice, post, reverse, purchase and vendor bills."""

import pytest
from conftest import MasterData, connect

from procuros_dagster.odoo import OdooUserError


def _confirmed_order(gw, md, **kw):
    [so] = gw.create("sale.order", [md.order_vals(**kw)])
    assert gw.confirm_sale_orders([so]) is True
    [order] = gw.read("sale.order", [so], ["state", "picking_ids"])
    assert order["state"] == "sale" and len(order["picking_ids"]) == 1
    return so, order["picking_ids"][0]


def _moves(gw, picking):
    return gw.search_read("stock.move", [("picking_id", "=", picking)], ["product_id", "product_uom_qty", "quantity"],
                          order="id")


def test_confirm_sale_orders_batch(gw, md):
    ids = gw.create("sale.order", [md.order_vals(ref=f"B{i}") for i in range(3)])
    gw.reset_counts()
    assert gw.confirm_sale_orders(ids) is True and gw.rpc_count == 1
    assert {r["state"] for r in gw.read("sale.order", ids, ["state"])} == {"sale"}
    with pytest.raises(OdooUserError):
        gw.confirm_sale_orders(ids[:1])


def test_set_move_quantities_groups_equal_quantities(gw, md):
    _, picking = _confirmed_order(gw, md, lines=((5, 1.0), (5, 1.0)))
    moves = _moves(gw, picking)
    gw.reset_counts()
    assert gw.set_move_quantities({m["id"]: 5 for m in moves}) == 1
    assert gw.call_counts == {"stock.move.write": 1}
    assert [m["quantity"] for m in _moves(gw, picking)] == [5.0, 5.0]


def test_validate_full_delivery(gw, md):
    md.stock_up(gw)
    so, picking = _confirmed_order(gw, md)
    gw.call("stock.picking", "action_assign", [[picking]])
    gw.set_move_quantities({m["id"]: m["product_uom_qty"] for m in _moves(gw, picking)})
    summary = gw.validate_pickings([picking])
    assert summary.validated == [picking] and summary.backorder_ids == [] and summary.not_done == []
    [p] = gw.read("stock.picking", [picking], ["state", "date_done"])
    assert p["state"] == "done" and p["date_done"]


def test_validate_partial_with_backorder(gw, md):
    md.stock_up(gw)
    so, picking = _confirmed_order(gw, md, lines=((20, 12.0), (10, 2.4)))
    widget, flour = _moves(gw, picking)
    gw.set_move_quantities({widget["id"]: 20, flour["id"]: 7.5})
    summary = gw.validate_pickings([picking], backorder=True)
    assert "stock.backorder.confirmation" in summary.wizards
    assert summary.validated == [picking] and len(summary.backorder_ids) == 1
    [rest] = _moves(gw, summary.backorder_ids[0])
    assert rest["product_uom_qty"] == pytest.approx(2.5)
    assert gw.read("sale.order", [so], ["delivery_status"])[0]["delivery_status"] == "partial"


def test_validate_partial_without_backorder_answers_the_sms_wizard(fresh_sandbox):
    gw = connect(fresh_sandbox)
    md = MasterData(gw, with_phone=True)  # stock_sms asks once per company for partners with a phone
    md.stock_up(gw)
    so, picking = _confirmed_order(gw, md, lines=((5, 12.5), (2, 2.4)))
    widget, flour = _moves(gw, picking)
    gw.set_move_quantities({widget["id"]: 3, flour["id"]: 2})
    summary = gw.validate_pickings([picking], backorder=False)
    assert summary.wizards == ["stock.backorder.confirmation", "confirm.stock.sms"]
    assert summary.validated == [picking] and summary.backorder_ids == []
    assert gw.read("sale.order", [so], ["delivery_status"])[0]["delivery_status"] == "full"
    # only the first time: the next delivery validates without the SMS wizard
    _, picking2 = _confirmed_order(gw, md, lines=((1, 1.0), (1, 1.0)))
    gw.set_move_quantities({m["id"]: 1 for m in _moves(gw, picking2)})
    assert gw.validate_pickings([picking2]).wizards == []


def _delivered_and_invoiced(gw, md):
    md.stock_up(gw)
    so, picking = _confirmed_order(gw, md, ref="CUST-PO-INV")
    gw.set_move_quantities({m["id"]: m["product_uom_qty"] for m in _moves(gw, picking)})
    gw.validate_pickings([picking])
    gw.reset_counts()
    invoices = gw.invoice_sale_orders([so])
    assert gw.rpc_count == 4
    return so, invoices


def test_invoice_post_and_reverse_with_reason(gw, md):
    so, invoices = _delivered_and_invoiced(gw, md)
    assert len(invoices) == 1
    [inv] = gw.read("account.move", invoices, ["move_type", "state", "ref", "invoice_origin", "journal_id"])
    assert inv["move_type"] == "out_invoice" and inv["state"] == "draft" and inv["ref"] == "CUST-PO-INV"
    assert gw.post_moves(invoices) == invoices  # action_post answers false: not a failure
    [posted] = gw.read("account.move", invoices, ["state", "name"])
    assert posted["state"] == "posted"
    gw.reset_counts()
    credit_notes = gw.reverse_moves(invoices, "Damaged goods returned (RETANN 9001)")
    assert gw.call_counts["account.move.reversal.create"] == 1
    [cn] = gw.read("account.move", credit_notes, ["move_type", "ref", "reversed_entry_id", "journal_id"])
    assert cn["move_type"] == "out_refund" and cn["reversed_entry_id"][0] == invoices[0]
    assert cn["ref"] == f"Reversal of: {posted['name']}, Damaged goods returned (RETANN 9001)"
    gw.post_moves(credit_notes)
    with pytest.raises(OdooUserError):
        gw.post_moves(invoices)  # posting twice is refused


def test_reverse_without_reason_and_explicit_journal(gw, md):
    so, invoices = _delivered_and_invoiced(gw, md)
    gw.post_moves(invoices)
    journal = gw.read("account.move", invoices, ["journal_id"])[0]["journal_id"][0]
    gw.reset_counts()
    [cn] = gw.reverse_moves(invoices, None, journal_id=journal)
    assert "account.move.read" not in gw.call_counts  # journal given: no look-up
    [rec] = gw.read("account.move", [cn], ["ref", "move_type"])
    assert rec["ref"].startswith("Reversal of: ") and "," not in rec["ref"]


def test_purchase_receipt_and_vendor_bill(gw, md):
    [po] = gw.create("purchase.order", [{"partner_id": md.supplier, "partner_ref": "SUP-SO-1", "order_line": [
        (0, 0, {"product_id": md.widget, "product_qty": 50, "product_uom": 1, "price_unit": 7.0}),
        (0, 0, {"product_id": md.flour, "product_qty": 40, "product_uom": 12, "price_unit": 1.1}),
    ]}])
    assert gw.confirm_purchase_orders([po]) is True
    [order] = gw.read("purchase.order", [po], ["state", "picking_ids", "order_line"])
    assert order["state"] == "purchase"
    summary = gw.validate_pickings(order["picking_ids"])  # receipts come with quantities prefilled
    assert summary.validated == order["picking_ids"]
    l1, l2 = order["order_line"]
    bill_ids = gw.create_vendor_bills([{
        "move_type": "in_invoice", "partner_id": md.supplier, "ref": "VINV-1", "invoice_date": "2026-11-28",
        "invoice_line_ids": [
            (0, 0, {"product_id": md.widget, "quantity": 50, "product_uom_id": 1, "price_unit": 7.0,
                    "purchase_line_id": l1}),
            (0, 0, {"product_id": md.flour, "quantity": 40, "product_uom_id": 12, "price_unit": 1.1,
                    "purchase_line_id": l2}),
        ]}])
    gw.post_moves(bill_ids)
    [bill] = gw.read("account.move", bill_ids, ["move_type", "state"])
    assert bill == {"id": bill_ids[0], "move_type": "in_invoice", "state": "posted"}
    assert [r["qty_invoiced"] for r in gw.read("purchase.order.line", [l1, l2], ["qty_invoiced"])] == [50.0, 40.0]
    refund = gw.create_vendor_bills([{
        "move_type": "in_refund", "partner_id": md.supplier, "ref": "VCN-1", "invoice_date": "2026-11-28",
        "reversed_entry_id": bill_ids[0],
        "invoice_line_ids": [(0, 0, {"product_id": md.flour, "quantity": 5, "product_uom_id": 12,
                                     "price_unit": 1.1, "purchase_line_id": l2})]}])
    gw.post_moves(refund)
    assert gw.read("purchase.order.line", [l2], ["qty_invoiced"])[0]["qty_invoiced"] == 35.0
    with pytest.raises(ValueError):
        gw.create_vendor_bills([{"move_type": "out_invoice"}])
