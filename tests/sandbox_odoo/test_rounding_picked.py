"""Float rounding to the fields' digits, strict datetime values and `picked` moves (transcript 14),
driven through odoorpc."""
from __future__ import annotations

import pytest

from procuros_dagster.sandbox.odoo.floats import float_round

from .rpc import call, rpc_error

STOCK = 8


@pytest.fixture()
def cust(odoo):
    return call(odoo, "res.partner", "create", {"name": "Rounding Customer", "is_company": True})


def _product(o, code, stock=None):
    pid = call(o, "product.product", "create", {"name": code, "default_code": code, "type": "product",
                                                "list_price": 11.0})
    if stock:
        q = call(o, "stock.quant", "create", {"product_id": pid, "location_id": STOCK, "inventory_quantity": stock})
        call(o, "stock.quant", "action_apply_inventory", [q])
    return pid


def test_float_round_is_half_up_in_decimal_terms():
    # binary round() gives 2.67 and 1.0 for the first two
    assert [float_round(v, precision_digits=2) for v in (2.675, 1.005, 0.125, 1.23456, -2.675)] == [
        2.68, 1.01, 0.13, 1.23, -2.68]
    assert float_round(0.0125, precision_rounding=0.01, rounding_method="UP") == 0.02
    assert float_round(36.001, precision_rounding=0.01, rounding_method="HALF-UP") == 36.0


def test_values_rounded_to_digits_on_create_and_write(odoo, cust):
    pid = _product(odoo, "R-1")
    so = call(odoo, "sale.order", "create", {"partner_id": cust, "order_line": [
        [0, 0, {"product_id": pid, "product_uom_qty": 1.23456, "price_unit": 1.23456}],
        [0, 0, {"product_id": pid, "product_uom_qty": 1, "price_unit": 2.675}],
        [0, 0, {"product_id": pid, "product_uom_qty": 1, "price_unit": 1.005}],
        [0, 0, {"product_id": pid, "product_uom_qty": 1, "price_unit": 0.125}],
        [0, 0, {"product_id": pid, "product_uom_qty": 2.5, "price_unit": 10.0, "discount": 3.333}]]})
    lines = call(odoo, "sale.order.line", "search_read", [["order_id", "=", so]], order="id",
                 fields=["product_uom_qty", "price_unit", "discount", "price_subtotal"])
    assert [(l["product_uom_qty"], l["price_unit"], l["discount"], l["price_subtotal"]) for l in lines] == [
        (1.23, 1.23, 0.0, 1.51), (1.0, 2.68, 0.0, 2.68), (1.0, 1.01, 0.0, 1.01), (1.0, 0.13, 0.0, 0.13),
        (2.5, 10.0, 3.33, 24.17)]
    order = call(odoo, "sale.order", "read", [so], fields=["amount_untaxed", "amount_tax", "amount_total"])[0]
    assert (order["amount_untaxed"], order["amount_tax"], order["amount_total"]) == (29.5, 5.6, 35.1)
    call(odoo, "sale.order.line", "write", [lines[1]["id"]], {"price_unit": 1.23456})
    assert call(odoo, "sale.order.line", "read", [lines[1]["id"]], fields=["price_unit"])[0]["price_unit"] == 1.23


def test_decimal_precision_records(odoo):
    got = call(odoo, "decimal.precision", "search_read", [], fields=["name", "digits"], order="id")
    assert [(r["name"], r["digits"]) for r in got] == [
        ("Percentage Analytic", 2), ("Product Price", 2), ("Discount", 2), ("Stock Weight", 2), ("Volume", 2),
        ("Product Unit of Measure", 2), ("Payment Terms", 6)]


def test_datetime_values_are_strict(odoo, cust):
    so = call(odoo, "sale.order", "create", {"partner_id": cust})
    assert rpc_error(odoo, "sale.order", "write", [so], {"commitment_date": "2026-11-28T10:00:00"}) == (
        "builtins.ValueError", "time data '2026-11-28T10:00:00' does not match format '%Y-%m-%d %H:%M:%S'")
    assert rpc_error(odoo, "sale.order", "write", [so], {"commitment_date": "2026-11-28 10:00:00+01:00"}) == (
        "builtins.ValueError", "unconverted data remains: +01:00")
    assert call(odoo, "sale.order", "read", [so], fields=["commitment_date"])[0]["commitment_date"] is False
    call(odoo, "sale.order", "write", [so], {"commitment_date": "2026-11-29"})
    assert call(odoo, "sale.order", "read", [so], fields=["commitment_date"])[0]["commitment_date"] == \
        "2026-11-29 00:00:00"
    # a domain takes the ISO form
    assert call(odoo, "sale.order", "search", [["id", "=", so], ["commitment_date", ">=", "2026-11-28T00:00:00"]]) == [so]
    assert call(odoo, "sale.order", "search", [["id", "=", so], ["commitment_date", ">=", "2026-11-29T00:00:01"]]) == []
    assert call(odoo, "sale.order", "search", [["id", "=", so], ["commitment_date", ">=", "2026-11-29T00:00:00"]]) == [so]


def test_date_field_keeps_the_date_of_a_datetime_string(odoo, cust):
    pid = _product(odoo, "R-2")
    inv = call(odoo, "account.move", "create", {"move_type": "out_invoice", "partner_id": cust,
                                                "invoice_line_ids": [[0, 0, {"product_id": pid}]]})
    call(odoo, "account.move", "write", [inv], {"invoice_date": "2026-11-28T10:00:00"})
    got = call(odoo, "account.move", "read", [inv], fields=["invoice_date", "date"])[0]
    assert (got["invoice_date"], got["date"]) == ("2026-11-28", "2026-11-28")
    assert rpc_error(odoo, "account.move", "write", [inv], {"invoice_date": "28.11.2026"}) == (
        "builtins.ValueError", "time data '28.11.2026' does not match format '%Y-%m-%d'")


def test_customer_invoice_without_partner_cannot_be_posted(odoo):
    pid = _product(odoo, "R-3")
    inv = call(odoo, "account.move", "create", {"move_type": "out_invoice", "invoice_date": "2026-12-01",
                                                "invoice_line_ids": [[0, 0, {"product_id": pid, "price_unit": 11.0}]]})
    assert rpc_error(odoo, "account.move", "action_post", [inv]) == (
        "odoo.exceptions.UserError",
        "The field 'Customer' is required, please complete it to validate the Customer Invoice.")
    assert call(odoo, "account.move", "read", [inv], fields=["state"])[0]["state"] == "draft"


def _picking(o, cust):
    a, b = _product(o, "PICK-A", 50), _product(o, "PICK-B", 50)
    so = call(o, "sale.order", "create", {"partner_id": cust, "order_line": [
        [0, 0, {"product_id": a, "product_uom_qty": 4}], [0, 0, {"product_id": b, "product_uom_qty": 6}]]})
    call(o, "sale.order", "action_confirm", [so])
    [pick] = call(o, "sale.order", "read", [so], fields=["picking_ids"])[0]["picking_ids"]
    call(o, "stock.picking", "action_assign", [pick])
    moves = call(o, "stock.move", "search_read", [["picking_id", "=", pick]], order="id",
                 fields=["quantity", "picked", "state"])
    assert [(m["quantity"], m["picked"], m["state"]) for m in moves] == [(4.0, False, "assigned"), (6.0, False, "assigned")]
    return so, pick, [m["id"] for m in moves]


def test_unpicked_move_goes_whole_into_the_backorder(odoo, cust):
    so, pick, (ma, mb) = _picking(odoo, cust)
    call(odoo, "stock.move", "write", [ma], {"picked": True})
    action = call(odoo, "stock.picking", "button_validate", [pick])
    assert action["res_model"] == "stock.backorder.confirmation" and action["name"] == "Create Backorder?"
    assert action["context"]["default_pick_ids"] == [[4, pick]]
    assert call(odoo, "stock.picking", "read", [pick], fields=["state"])[0]["state"] == "assigned"
    wiz = call(odoo, "stock.backorder.confirmation", "create", {}, context=action["context"])
    assert call(odoo, "stock.backorder.confirmation", "process", [wiz], context=action["context"]) is True
    picks = call(odoo, "stock.picking", "search_read", [["sale_id", "=", so]], order="id",
                 fields=["state", "backorder_id", "move_ids"])
    assert [(p["state"], p["move_ids"]) for p in picks] == [("done", [ma]), ("assigned", [mb])]
    assert picks[1]["backorder_id"][0] == pick
    moves = call(odoo, "stock.move", "read", [ma, mb], fields=["quantity", "picked", "state"])
    assert [(m["quantity"], m["picked"], m["state"]) for m in moves] == [(4.0, True, "done"), (6.0, False, "assigned")]
    lines = call(odoo, "sale.order.line", "search_read", [["order_id", "=", so]], order="id", fields=["qty_delivered"])
    assert [l["qty_delivered"] for l in lines] == [4.0, 0.0]


def test_nothing_picked_counts_as_all_picked(odoo, cust):
    so, pick, (ma, mb) = _picking(odoo, cust)
    assert call(odoo, "stock.picking", "button_validate", [pick]) is True
    moves = call(odoo, "stock.move", "read", [ma, mb], fields=["picked", "state"])
    assert [(m["picked"], m["state"]) for m in moves] == [(True, "done"), (True, "done")]
