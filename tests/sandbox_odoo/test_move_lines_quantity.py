"""A move's quantity follows its move lines (stock.move.quantity is computed from them in 17):
lines created, written or removed through the API move it, in the move's unit."""
from __future__ import annotations

from .rpc import call


def _receipt_move(o):
    vendor = call(o, "res.partner", "create", {"name": "Lines Vendor", "is_company": True})
    pid = call(o, "product.product", "create", {"name": "ML-1", "default_code": "ML-1", "type": "product"})
    dozen = call(o, "uom.uom", "search_read", [["name", "=", "Dozens"]], fields=["id"])[0]["id"]
    po = call(o, "purchase.order", "create", {"partner_id": vendor, "order_line": [
        [0, 0, {"product_id": pid, "product_qty": 2, "product_uom": dozen, "price_unit": 5.0}]]})
    call(o, "purchase.order", "button_confirm", [po])
    [move] = call(o, "stock.move", "search_read", [["purchase_line_id.order_id", "=", po]],
                  fields=["id", "picking_id", "product_uom", "product_uom_qty", "quantity", "move_line_ids"])
    return move, dozen


def _qty(o, move_id):
    return call(o, "stock.move", "read", [move_id], fields=["quantity"])[0]["quantity"]


def test_move_quantity_is_the_sum_of_its_lines(odoo):
    move, dozen = _receipt_move(odoo)
    assert (move["product_uom_qty"], move["quantity"], len(move["move_line_ids"])) == (24.0, 24.0, 1)
    [reserved] = move["move_line_ids"]
    extra = call(odoo, "stock.move.line", "create", {"move_id": move["id"], "quantity": 5.0,
                                                     "product_uom_id": move["product_uom"][0]})
    assert _qty(odoo, move["id"]) == 29.0
    call(odoo, "stock.move.line", "write", [extra], {"quantity": 1.0, "product_uom_id": dozen})
    assert _qty(odoo, move["id"]) == 36.0  # 1 Dozen on the line: 12 Units on the move
    call(odoo, "stock.move.line", "unlink", [reserved])
    assert _qty(odoo, move["id"]) == 12.0
