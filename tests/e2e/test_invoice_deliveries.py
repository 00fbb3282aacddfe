"""An invoice covering several deliveries says, per item, which delivery (shipping notice) it came from."""

from __future__ import annotations

from procuros_dagster.procuros.openapi import validate_document
from procuros_dagster.sandbox import demo_data as dd


def _sent(stack, transaction_type):
    return [s["content"] if "content" in s else s["body"]["content"]
            for s in stack.procuros.sent if s["type"] == transaction_type]


def test_invoice_items_reference_the_delivery_that_shipped_them(stack):
    stack.enqueue_order(dd.order_content("PO-INV-SPLIT", [
        {"gtin": dd.APFELSCHORLE, "quantity": 4, "unit": "CS", "price": 7.2},
        {"gtin": dd.ESPRESSO, "quantity": 10, "unit": "CT", "price": 89.4}]))
    assert stack.run("import_sales_orders").success
    [order] = stack.orders([("client_order_ref", "=", "PO-INV-SPLIT")])
    gw = stack.gateway

    # half of each line leaves now, the rest stays in a backorder ...
    first, summary = dd.deliver(gw, order["id"], fraction=0.5, backorder=True)
    [backorder] = summary.backorder_ids
    # ... which later ships the rest of the espresso only; the Apfelschorle remainder is cancelled
    gw.call("stock.picking", "action_assign", [[backorder]])
    moves = gw.search_read("stock.move", [("picking_id", "=", backorder)],
                           ["id", "product_uom_qty", "sale_line_id"], order="id")
    lines = {sl["id"]: sl["x_procuros_line_number"] for sl in gw.read(
        "sale.order.line", [m["sale_line_id"][0] for m in moves], ["x_procuros_line_number"])}
    by_line = {lines[m["sale_line_id"][0]]: m for m in moves}
    gw.write("stock.move", [by_line[1]["id"]], {"quantity": 0, "picked": False})
    gw.set_move_quantities({by_line[2]["id"]: by_line[2]["product_uom_qty"]})
    gw.validate_pickings([backorder], backorder=False)
    pickings = {p["id"]: p for p in gw.read("stock.picking", [first, backorder], ["name", "state"])}
    assert {p["state"] for p in pickings.values()} == {"done"}

    invoice_ids = gw.invoice_sale_orders([order["id"]])
    gw.post_moves(invoice_ids)
    assert stack.run("export_shipping_notices").success
    assert stack.run("export_invoices").success

    notices = {n["header"]["shippingNoticeIdentifier"]: n for n in _sent(stack, "SHIPPING_NOTICE")}
    first_name, back_name = pickings[first]["name"], pickings[backorder]["name"]
    assert set(notices) == {first_name, back_name}
    notice_lines = {(name, i["orderLineNumber"]): i["lineNumber"]
                    for name, n in notices.items() for u in n["transportUnits"] for i in u["items"]}

    [invoice] = _sent(stack, "INVOICE")
    assert validate_document("INVOICE", invoice) == []
    refs = {i["orderLineNumber"]: (i["shippingNoticeIdentifier"], i["shippingNoticeDate"], i["shippingNoticeLineNumber"])
            for i in invoice["items"]}
    # line 1 left only in the first delivery; line 2 in both: the latest one (the backorder) is referenced
    assert refs == {
        1: (first_name, notices[first_name]["header"]["shippingNoticeDate"], notice_lines[(first_name, 1)]),
        2: (back_name, notices[back_name]["header"]["shippingNoticeDate"], notice_lines[(back_name, 2)]),
    }
    assert (notice_lines[(first_name, 1)], notice_lines[(back_name, 2)]) == (1, 1)
    assert invoice["header"]["shippingNoticeIdentifier"] == back_name
