"""What a retailer's EDI team checks in our invoices, shipping notices and credit notes — through
real Dagster runs against the sandboxes (or a real Odoo 17)."""

from __future__ import annotations

from procuros_dagster.procuros.openapi import validate_document
from procuros_dagster.sandbox import demo_data as dd


def _import(stack, *contents) -> list[dict]:
    for content in contents:
        stack.enqueue_order(content)
    assert stack.run("import_sales_orders").success
    return stack.orders(fields=["id", "name", "client_order_ref", "order_line"])


def _sent(stack, transaction_type) -> list[dict]:
    return [s["content"] if "content" in s else s["body"]["content"]
            for s in stack.procuros.sent if s["type"] == transaction_type]


def _invoice(stack, order_ids) -> list[int]:
    invoice_ids = stack.gateway.invoice_sale_orders(order_ids)
    stack.gateway.post_moves(invoice_ids)
    return invoice_ids


def test_discounted_invoice_with_freight_goes_out_with_allowances_and_charges(stack):
    """500 cases at 2.49 less 2.5 % and a freight flat rate: before, the discounted line's net unit
    price failed the rounding check and the freight line (no GTIN) blocked the invoice."""
    [order] = _import(stack, dd.order_content("PO-RABATT", [{"gtin": dd.APFELSCHORLE, "quantity": 500, "unit": "CS",
                                                              "price": 2.49}]))
    gw = stack.gateway
    [freight] = gw.create("product.product", [{"name": "Frachtpauschale", "detailed_type": "service",
                                               "invoice_policy": "order", "list_price": 25.0}])
    [line] = order["order_line"]
    gw.write("sale.order.line", [line], {"discount": 2.5})
    gw.write("sale.order", [order["id"]], {"order_line": [[0, 0, {"product_id": freight, "product_uom_qty": 1,
                                                                  "price_unit": 25.0}]]})
    dd.deliver(gw, order["id"])
    [invoice_id] = _invoice(stack, [order["id"]])
    [move] = gw.read("account.move", [invoice_id], ["amount_untaxed", "amount_total"])

    assert stack.run("export_shipping_notices").success
    assert stack.run("export_invoices").success
    [invoice] = _sent(stack, "INVOICE")
    assert stack.procuros.reported_errors == []
    assert validate_document("INVOICE", invoice) == []
    [item] = invoice["items"]
    assert (item["quantity"], item["unitPrice"]) == (500, 2.49)
    [discount] = item["modificationGroups"][0]["modifications"]
    assert (discount["type"], discount["reasonCode"], discount["percentage"], discount["amount"]) == \
        ("ALLOWANCE", "DISCOUNT", 2.5, 31.12)
    s = invoice["summary"]
    assert (s["subtotalAmount"], s["totalCharges"], s["totalAllowances"]) == (1213.88, 25.0, 0)
    assert (s["netAmount"], s["grossAmount"]) == (move["amount_untaxed"], move["amount_total"])
    [charge] = s["modificationGroups"][0]["modifications"]
    assert (charge["type"], charge["calculationType"], charge["amount"]) == ("CHARGE", "ABSOLUTE", 25.0)
    assert charge["tax"]["percentage"] == 19
