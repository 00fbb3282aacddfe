"""sale.advance.payment.inv over several orders (transcript 11), through odoorpc."""
from __future__ import annotations

import pytest


from .rpc import call

MOVE = ["partner_id", "partner_shipping_id", "invoice_origin", "ref", "payment_reference", "invoice_date",
        "invoice_payment_term_id", "narration", "invoice_line_ids", "amount_untaxed", "amount_total"]


@pytest.fixture()
def shop(odoo):
    cust = call(odoo, "res.partner", "create", {"name": "Sammel GmbH", "is_company": True, "country_id": 57})
    north = call(odoo, "res.partner", "create", {"name": "Nord", "type": "delivery", "parent_id": cust, "country_id": 57})
    south = call(odoo, "res.partner", "create", {"name": "Sued", "type": "delivery", "parent_id": cust, "country_id": 57})
    a = call(odoo, "product.product", "create", {"name": "A", "default_code": "SAM-A", "detailed_type": "consu"})
    b = call(odoo, "product.product", "create", {"name": "B", "default_code": "SAM-B", "detailed_type": "consu",
                                                  "taxes_id": [[6, 0, [15]]]})
    return cust, north, south, a, b


def _confirmed(o, cust, ship, ref, lines):
    so = call(o, "sale.order", "create", {"partner_id": cust, "partner_shipping_id": ship, "client_order_ref": ref,
                                          "order_line": [[0, 0, {"product_id": p, "product_uom_qty": q,
                                                                 "price_unit": price}] for p, q, price in lines]})
    call(o, "sale.order", "action_confirm", [so])
    return so


def _invoice(o, orders, **vals):
    ctx = {"active_model": "sale.order", "active_ids": orders, "active_id": orders[0]}
    wiz = call(o, "sale.advance.payment.inv", "create", {"advance_payment_method": "delivered", **vals}, context=ctx)
    read = call(o, "sale.advance.payment.inv", "read", [wiz], fields=["sale_order_ids", "consolidated_billing"])[0]
    return read, call(o, "sale.advance.payment.inv", "create_invoices", [wiz], context=ctx)


def test_two_orders_one_invoice(odoo, shop):
    cust, north, south, a, b = shop
    so1 = _confirmed(odoo, cust, north, "PO-1", [(a, 10, 10.0), (b, 5, 4.0)])
    so2 = _confirmed(odoo, cust, south, "PO-2", [(a, 3, 10.0)])
    wiz, action = _invoice(odoo, [so1, so2])
    assert wiz["sale_order_ids"] == [so2, so1] and wiz["consolidated_billing"] is True  # newest first

    [move] = call(odoo, "sale.order", "read", [so1], fields=["invoice_ids"])[0]["invoice_ids"]
    assert (action["res_id"], action["views"][0], action["context"]) == (
        move, [681, "form"], {"default_move_type": "out_invoice"})
    orders = call(odoo, "sale.order", "read", [so1, so2], fields=["invoice_ids", "invoice_status"])
    assert [(o["invoice_ids"], o["invoice_status"]) for o in orders] == [([move], "invoiced")] * 2

    [m] = call(odoo, "account.move", "read", [move], fields=MOVE)
    names = [o["name"] for o in call(odoo, "sale.order", "read", [so2, so1], fields=["name"])]
    assert m["invoice_origin"] == ", ".join(names) and m["ref"] == "PO-1, PO-2"
    assert (m["partner_id"][0], m["partner_shipping_id"][0]) == (cust, south)  # the newest order's address
    assert (m["payment_reference"], m["invoice_date"], m["invoice_payment_term_id"], m["narration"]) == (False,) * 4
    assert (m["amount_untaxed"], m["amount_total"]) == (150.0, 176.1)
    lines = call(odoo, "account.move.line", "read", m["invoice_line_ids"], fields=["sequence", "quantity", "sale_line_ids"])
    sol = {(l["order_id"][0], l["product_id"][0]): l["id"] for l in call(
        odoo, "sale.order.line", "search_read", [["order_id", "in", [so1, so2]]], fields=["order_id", "product_id"])}
    assert [(l["sequence"], l["quantity"], l["sale_line_ids"]) for l in lines] == [
        (1, 3.0, [sol[so2, a]]), (2, 10.0, [sol[so1, a]]), (3, 5.0, [sol[so1, b]])]


def test_consolidated_billing_false_one_invoice_per_order(odoo, shop):
    cust, north, _, a, b = shop
    so3 = _confirmed(odoo, cust, north, "PO-3", [(a, 2, 10.0)])
    so4 = _confirmed(odoo, cust, north, "PO-4", [(b, 7, 4.0)])
    _, action = _invoice(odoo, [so3, so4], consolidated_billing=False)
    inv3, inv4 = (call(odoo, "sale.order", "read", [so], fields=["invoice_ids"])[0]["invoice_ids"] for so in (so3, so4))
    assert inv4[0] < inv3[0]  # the newest order is invoiced first
    assert (action["res_id"], action["domain"], action["views"][0]) == (0, [["id", "in", inv4 + inv3]], [674, "tree"])
    moves = call(odoo, "account.move", "read", inv4 + inv3, fields=["ref", "amount_total"])
    assert [(m["ref"], m["amount_total"]) for m in moves] == [("PO-4", 29.96), ("PO-3", 23.8)]


def test_a_single_order_keeps_its_defaults_in_the_action(odoo, shop):
    cust, north, _, a, _ = shop
    so = _confirmed(odoo, cust, north, "PO-9", [(a, 1, 10.0)])
    _, action = _invoice(odoo, [so])
    assert action["context"] == {"default_move_type": "out_invoice", "default_partner_id": cust,
                                 "default_partner_shipping_id": north, "default_invoice_payment_term_id": None,
                                 "default_invoice_origin": call(odoo, "sale.order", "read", [so], fields=["name"])[0]["name"]}
    line = call(odoo, "account.move", "read", [action["res_id"]], fields=["invoice_line_ids"])[0]["invoice_line_ids"]
    assert call(odoo, "account.move.line", "read", line, fields=["sequence"])[0]["sequence"] == 0
