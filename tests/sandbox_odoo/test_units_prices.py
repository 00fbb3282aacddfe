"""Units of measure and computed prices (transcript 09), driven through odoorpc.

A Units product sold in Dozens and a kg product sold in g: prices computed in the line's unit and
rounded to 2 digits, moves in the product's unit, delivered and received quantities back in the
line's unit, pricelist rules with min_quantity in the product's unit, and the purchase price trap.
"""
from __future__ import annotations

import pytest


from .rpc import call

UNITS, DOZENS, KG, G = 1, 2, 12, 13
STOCK = 8


@pytest.fixture()
def data(odoo):
    cust = call(odoo, "res.partner", "create", {"name": "Units Customer", "is_company": True})
    sup = call(odoo, "res.partner", "create", {"name": "Units Supplier", "is_company": True})
    widget = call(odoo, "product.product", "create", {
        "name": "Widget", "default_code": "W-U", "type": "product", "uom_id": UNITS, "uom_po_id": UNITS,
        "list_price": 9.5, "standard_price": 6.0, "invoice_policy": "delivery"})
    coffee = call(odoo, "product.product", "create", {
        "name": "Coffee", "default_code": "C-KG", "type": "product", "uom_id": KG, "uom_po_id": KG,
        "list_price": 12.5, "standard_price": 8.0, "invoice_policy": "delivery", "taxes_id": [[6, 0, [15]]]})
    return cust, sup, widget, coffee


def _read(o, model, ids, fields):
    return {r["id"]: r for r in call(o, model, "read", ids, fields=fields)}


def test_units_conversion_data(odoo):
    got = _read(odoo, "uom.uom", [UNITS, DOZENS, KG, G], ["factor", "factor_inv", "ratio", "uom_type"])
    assert (got[DOZENS]["factor_inv"], got[DOZENS]["ratio"], got[DOZENS]["uom_type"]) == (12.0, 12.0, "bigger")
    assert (got[G]["factor"], got[G]["factor_inv"], got[G]["ratio"]) == (1000.0, 0.001, 1000.0)
    assert (got[UNITS]["factor_inv"], got[UNITS]["ratio"]) == (1.0, 1.0)


def test_fresh_database_has_no_pricelist(odoo, data):
    cust, _, widget, _ = data
    assert call(odoo, "product.pricelist", "search_read", [], fields=["name"]) == []
    so = call(odoo, "sale.order", "create", {"partner_id": cust, "order_line": [[0, 0, {"product_id": widget}]]})
    assert call(odoo, "sale.order", "read", [so], fields=["pricelist_id"])[0]["pricelist_id"] is False


def test_sale_line_price_name_and_quantity_in_units(odoo, data):
    cust, _, widget, coffee = data
    so = call(odoo, "sale.order", "create", {"partner_id": cust, "order_line": [
        [0, 0, {"product_id": widget, "product_uom": DOZENS, "product_uom_qty": 3}],
        [0, 0, {"product_id": coffee, "product_uom": G, "product_uom_qty": 2500}]]})
    l1, l2 = call(odoo, "sale.order.line", "search_read", [["order_id", "=", so]], order="id", fields=[
        "name", "product_uom_qty", "product_qty", "price_unit", "price_subtotal", "pricelist_item_id"])
    assert (l1["name"], l1["price_unit"], l1["product_qty"], l1["price_subtotal"]) == ("[W-U] Widget", 114.0, 36.0, 342.0)
    # 12.50 / 1000 = 0.0125 per g, stored at the field's 2 digits: 0.01, so 2500 g cost 25.00
    assert (l2["price_unit"], l2["product_qty"], l2["price_subtotal"]) == (0.01, 2.5, 25.0)
    assert l1["pricelist_item_id"] is False

    call(odoo, "sale.order", "action_confirm", [so])
    [pick] = call(odoo, "sale.order", "read", [so], fields=["picking_ids"])[0]["picking_ids"]
    moves = call(odoo, "stock.move", "search_read", [["picking_id", "=", pick]], order="id",
                 fields=["product_uom", "product_uom_qty", "product_qty"])
    assert [(m["product_uom"][0], m["product_uom_qty"], m["product_qty"]) for m in moves] == [
        (UNITS, 36.0, 36.0), (KG, 2.5, 2.5)]

    quants = [call(odoo, "stock.quant", "create", {"product_id": p, "location_id": STOCK, "inventory_quantity": q})
              for p, q in ((widget, 100), (coffee, 20))]
    assert call(odoo, "stock.quant", "action_apply_inventory", quants) is None
    call(odoo, "stock.picking", "action_assign", [pick])
    lines = call(odoo, "stock.move.line", "search_read", [["picking_id", "=", pick]], order="id",
                 fields=["product_uom_id", "quantity", "quantity_product_uom"])
    assert [(l["product_uom_id"][0], l["quantity"], l["quantity_product_uom"]) for l in lines] == [
        (UNITS, 36.0, 36.0), (KG, 2.5, 2.5)]
    for m, q in zip(moves, (36.0, 2.5)):
        call(odoo, "stock.move", "write", [m["id"]], {"quantity": q, "picked": True})
    assert call(odoo, "stock.picking", "button_validate", [pick]) is True

    sol = call(odoo, "sale.order.line", "search_read", [["order_id", "=", so]], order="id",
               fields=["qty_delivered", "qty_to_invoice"])
    assert [(l["qty_delivered"], l["qty_to_invoice"]) for l in sol] == [(3.0, 3.0), (2500.0, 2500.0)]

    wiz = call(odoo, "sale.advance.payment.inv", "create", {"advance_payment_method": "delivered"},
               context={"active_model": "sale.order", "active_ids": [so], "active_id": so})
    inv = call(odoo, "sale.advance.payment.inv", "create_invoices", [wiz],
               context={"active_model": "sale.order", "active_ids": [so], "active_id": so})["res_id"]
    amls = call(odoo, "account.move.line", "search_read", [["move_id", "=", inv], ["display_type", "=", "product"]],
                order="id", fields=["quantity", "product_uom_id", "price_unit"])
    assert [(a["quantity"], a["product_uom_id"][0], a["price_unit"]) for a in amls] == [
        (3.0, DOZENS, 114.0), (2500.0, G, 0.01)]


def test_inventory_adjustment_books_a_done_move(odoo, data):
    _, _, widget, _ = data
    q = call(odoo, "stock.quant", "create", {"product_id": widget, "location_id": STOCK, "inventory_quantity": 7})
    call(odoo, "stock.quant", "action_apply_inventory", [q])
    [m] = call(odoo, "stock.move", "search_read", [["product_id", "=", widget]],
               fields=["state", "product_uom_qty", "location_id", "location_dest_id", "move_line_ids"])
    assert (m["state"], m["product_uom_qty"], m["location_id"][0], m["location_dest_id"][0]) == ("done", 7.0, 14, STOCK)
    assert len(m["move_line_ids"]) == 1


def test_pricelist_min_quantity_in_product_unit(odoo, data):
    cust, _, widget, _ = data
    pl = call(odoo, "product.pricelist", "create", {"name": "PL", "currency_id": 126, "item_ids": [
        [0, 0, {"applied_on": "0_product_variant", "product_id": widget, "compute_price": "fixed",
                "fixed_price": 8.75, "min_quantity": 0}],
        [0, 0, {"applied_on": "0_product_variant", "product_id": widget, "compute_price": "fixed",
                "fixed_price": 8.0, "min_quantity": 24}]]})
    items = call(odoo, "product.pricelist.item", "search_read", [["pricelist_id", "=", pl]], order="min_quantity",
                 fields=["name", "price"])
    assert [(i["name"], i["price"]) for i in items] == [("Variant: [W-U] Widget", "8.75\xa0€"),
                                                       ("Variant: [W-U] Widget", "8.00\xa0€")]
    cheap, base = items[1]["id"], items[0]["id"]
    so = call(odoo, "sale.order", "create", {"partner_id": cust, "pricelist_id": pl, "order_line": [
        [0, 0, {"product_id": widget, "product_uom": DOZENS, "product_uom_qty": q}] for q in (1, 3)] + [
        [0, 0, {"product_id": widget, "product_uom": UNITS, "product_uom_qty": q}] for q in (30, 10)]})
    lines = call(odoo, "sale.order.line", "search_read", [["order_id", "=", so]], order="id",
                 fields=["price_unit", "pricelist_item_id"])
    assert [(l["price_unit"], l["pricelist_item_id"][0]) for l in lines] == [
        (105.0, base), (96.0, cheap), (8.0, cheap), (8.75, base)]
    # an active pricelist becomes the default of later orders; archived, it no longer does
    later = call(odoo, "sale.order", "create", {"partner_id": cust})
    assert call(odoo, "sale.order", "read", [later], fields=["pricelist_id"])[0]["pricelist_id"][0] == pl
    call(odoo, "product.pricelist", "write", [pl], {"active": False})
    later = call(odoo, "sale.order", "create", {"partner_id": cust})
    assert call(odoo, "sale.order", "read", [later], fields=["pricelist_id"])[0]["pricelist_id"] is False


def test_purchase_in_dozens_keeps_the_unit_price_unconverted(odoo, data):
    _, sup, widget, _ = data
    po = call(odoo, "purchase.order", "create", {"partner_id": sup, "order_line": [
        [0, 0, {"product_id": widget, "product_uom": DOZENS, "product_qty": 2}]]})
    [line] = call(odoo, "purchase.order.line", "search_read", [["order_id", "=", po]], fields=[
        "product_uom", "product_qty", "product_uom_qty", "price_unit", "price_subtotal"])
    # the per-Unit standard_price per Dozen: Odoo's onchange resets the unit before pricing
    assert (line["product_qty"], line["product_uom_qty"], line["price_unit"], line["price_subtotal"]) == (
        2.0, 24.0, 6.0, 12.0)
    call(odoo, "purchase.order", "button_confirm", [po])
    [m] = call(odoo, "stock.move", "search_read", [["purchase_line_id", "=", line["id"]]],
               fields=["product_uom", "product_uom_qty", "quantity", "picking_id"])
    assert (m["product_uom"][0], m["product_uom_qty"], m["quantity"]) == (UNITS, 24.0, 24.0)
    assert call(odoo, "stock.picking", "button_validate", [m["picking_id"][0]]) is True
    got = call(odoo, "purchase.order.line", "read", [line["id"]], fields=["qty_received", "qty_to_invoice"])[0]
    assert (got["qty_received"], got["qty_to_invoice"]) == (2.0, 2.0)
