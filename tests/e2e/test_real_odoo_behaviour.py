"""The connector on real Odoo 17 behaviour that a lax sandbox once hid (transcripts 09-13).

Each test failed before the sandbox learnt the behaviour and the connector was fixed for it:
stock moves in the product's unit, one invoice for several orders, a German user's reversal,
a least-privilege integration user, fiscal positions.
"""

from __future__ import annotations

import pytest

from procuros_dagster.odoo import OdooGateway
from procuros_dagster.odoo.errors import OdooAccessError
from procuros_dagster.odoo.setup import GROUP_XMLID, provision
from procuros_dagster.procuros.openapi import validate_document
from procuros_dagster.sandbox import demo_data as dd

WIDGET_GTIN = "4012345100013"


def _sent(stack, transaction_type):
    return [s["content"] if "content" in s else s["body"]["content"]
            for s in stack.procuros.sent if s["type"] == transaction_type]


def _items(notice):
    return [it for unit in notice["transportUnits"] for it in unit["items"]]


def _import(stack, *contents):
    for content in contents:
        stack.enqueue_order(content)
    assert stack.run("import_sales_orders").success
    return {o["client_order_ref"]: o["id"] for o in stack.orders(fields=["id", "client_order_ref"])}


def _carton_product(stack) -> int:
    """A product stocked in Units, sold to the retailer by the carton of 12 (code CT)."""
    gw = stack.gateway
    units = gw.resolve("uom.uom", ["uom.product_uom_unit"])["uom.product_uom_unit"]
    category = gw.read("uom.uom", [units], ["category_id"])[0]["category_id"][0]
    gw.write("uom.uom", [stack.data.uoms["CT"]], {"x_procuros_unit_code": False})
    [carton] = gw.create("uom.uom", [{"name": "Carton of 12", "category_id": category, "uom_type": "bigger",
                                      "factor_inv": 12.0, "x_procuros_unit_code": "CT"}])
    [product] = gw.create("product.product", [{"name": "Widget", "barcode": WIDGET_GTIN, "default_code": "W-1",
                                               "list_price": 1.5, "detailed_type": "product", "uom_id": units,
                                               "uom_po_id": units, "invoice_policy": "order"}])
    location = gw.resolve("stock.location", ["stock.stock_location_stock"])["stock.stock_location_stock"]
    quant = gw.call("stock.quant", "create", [[{"product_id": product, "location_id": location,
                                                "inventory_quantity": 1000.0}]], {"context": {"inventory_mode": True}})
    gw.call("stock.quant", "action_apply_inventory", [quant if isinstance(quant, list) else [quant]])
    return carton


def test_an_order_in_cartons_ships_and_invoices_in_cartons(stack):
    carton = _carton_product(stack)
    ids = _import(stack, dd.order_content("PO-CARTON", [{"gtin": WIDGET_GTIN, "quantity": 3, "unit": "CT",
                                                         "price": 18.0}]))
    [line] = stack.gateway.search_read("sale.order.line", [("order_id", "=", ids["PO-CARTON"])],
                                       ["product_uom", "product_uom_qty"])
    assert (line["product_uom"][0], line["product_uom_qty"]) == (carton, 3.0)
    picking, _ = dd.deliver(stack.gateway, ids["PO-CARTON"])
    # Odoo keeps the delivery in the product's unit: 36 Units leave the warehouse
    [move] = stack.gateway.search_read("stock.move", [("picking_id", "=", picking)], ["product_uom", "quantity"])
    assert (move["product_uom"][1], move["quantity"]) == ("Units", 36.0)
    assert stack.run("export_shipping_notices").success
    [notice] = _sent(stack, "SHIPPING_NOTICE")
    assert validate_document("SHIPPING_NOTICE", notice) == []
    [item] = _items(notice)
    assert (item["unitOfMeasure"], item["orderedQuantity"], item["shippedQuantity"]) == ("CT", 3.0, 3.0)
    assert "openQuantityAction" not in item
    stack.gateway.post_moves(stack.gateway.invoice_sale_orders([ids["PO-CARTON"]]))
    assert stack.run("export_invoices").success
    [invoice] = _sent(stack, "INVOICE")
    [inv_item] = invoice["items"]
    assert (inv_item["unitOfMeasure"], inv_item["quantity"], inv_item["unitPrice"]) == ("CT", 3.0, 18.0)
    assert inv_item["shippingNoticeIdentifier"] == notice["header"]["shippingNoticeIdentifier"]


def test_one_invoice_for_two_orders_names_each_line_s_own_order_and_delivery(stack):
    ids = _import(stack,
                  dd.order_content("PO-CONS-1", [{"gtin": dd.APFELSCHORLE, "quantity": 2, "unit": "CS", "price": 7.2}]),
                  dd.order_content("PO-CONS-2", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT", "price": 89.4}]))
    deliveries = {ref: dd.deliver(stack.gateway, oid)[0] for ref, oid in ids.items()}
    invoice_ids = stack.gateway.invoice_sale_orders(list(ids.values()))
    assert len(invoice_ids) == 1, "Odoo invoices one customer's orders together"
    stack.gateway.post_moves(invoice_ids)
    assert stack.run("export_shipping_notices").success and stack.run("export_invoices").success
    notices = {n["header"]["orderIdentifier"]: n["header"]["shippingNoticeIdentifier"]
               for n in _sent(stack, "SHIPPING_NOTICE")}
    [invoice] = _sent(stack, "INVOICE")
    assert validate_document("INVOICE", invoice) == []
    by_order = {it["orderIdentifier"]: it for it in invoice["items"]}
    assert set(by_order) == {"PO-CONS-1", "PO-CONS-2"}
    for ref, item in by_order.items():
        assert item["shippingNoticeIdentifier"] == notices[ref]
    names = {p["id"]: p["name"] for p in stack.gateway.read("stock.picking", list(deliveries.values()), ["name"])}
    assert {it["shippingNoticeIdentifier"] for it in invoice["items"]} == set(names.values())


def test_a_credit_note_reversed_by_a_german_user_keeps_its_reason(stack):
    stack.gateway.call("base.language.install", "lang_install", [stack.gateway.create(
        "base.language.install", [{"lang_ids": [[6, 0, _german(stack)]], "overwrite": False}])])
    ids = _import(stack, dd.order_content("PO-DE", [{"gtin": dd.ESPRESSO, "quantity": 2, "unit": "CT", "price": 89.4}]))
    dd.deliver(stack.gateway, ids["PO-DE"])
    [invoice] = stack.gateway.invoice_sale_orders([ids["PO-DE"]])
    stack.gateway.post_moves([invoice])
    # the accountant works in German: Odoo writes "Stornierung von: INV/..., <Grund>"
    stack.gateway.context["lang"] = "de_DE"
    try:
        [credit_note] = stack.gateway.reverse_moves([invoice], reason="Ware beschädigt")
    finally:
        stack.gateway.context["lang"] = "en_US"
    ref = stack.gateway.read("account.move", [credit_note], ["ref"])[0]["ref"]
    assert ref.startswith("Stornierung von: ")
    stack.gateway.post_moves([credit_note])
    assert stack.run("export_credit_notes").success
    [cn] = _sent(stack, "CREDIT_NOTE")
    assert cn["header"]["reason"] == "Ware beschädigt"


def _german(stack) -> list[int]:
    return [r["id"] for r in stack.gateway.search_read("res.lang", [("code", "=", "de_DE")], ["id"],
                                                       context={"active_test": False})]


def test_an_intra_eu_customer_is_invoiced_without_german_vat(stack):
    gw = stack.gateway
    france = gw.search_read("res.country", [("code", "=", "FR")], ["id"], limit=1)[0]["id"]
    # a French customer: Odoo finds its fiscal position itself (no fixed one on the contact)
    gw.write("res.partner", [stack.data.buyer_id], {"country_id": france, "vat": "FR40303265045",
                                                    "property_account_position_id": False})
    ids = _import(stack, dd.order_content("PO-EU", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT", "price": 89.4}]))
    [order] = gw.read("sale.order", [ids["PO-EU"]], ["fiscal_position_id", "amount_tax"])
    assert order["fiscal_position_id"] and order["amount_tax"] == 0.0
    dd.deliver(gw, ids["PO-EU"])
    gw.post_moves(gw.invoice_sale_orders([ids["PO-EU"]]))
    assert stack.run("export_shipping_notices").success and stack.run("export_invoices").success
    [invoice] = _sent(stack, "INVOICE")
    assert validate_document("INVOICE", invoice) == []
    assert [it["tax"]["percentage"] for it in invoice["items"]] == [0.0]
    assert invoice["summary"]["tax"]["total"] == 0.0
    assert invoice["summary"]["grossAmount"] == invoice["summary"]["netAmount"] == 89.4


# --- the integration user ------------------------------------------------------------------------

CONNECTOR_LOGIN, CONNECTOR_PASSWORD = "procuros-connector", "connector-password-5e1d"


def _integration_user(stack, monkeypatch, *, with_group: bool) -> OdooGateway:
    """An internal user with the rights the README lists, the flows' Odoo login from now on."""
    admin = stack.gateway
    [(_, internal)] = admin.xmlids(["base.group_user"]).values()
    admin.create("res.users", [{"name": "Procuros Connector", "login": CONNECTOR_LOGIN,
                                "password": CONNECTOR_PASSWORD, "groups_id": [[6, 0, [internal]]]}])
    if with_group:
        report = provision(admin, connector_user=CONNECTOR_LOGIN)
        assert any(CONNECTOR_LOGIN in line for line in report.access)
    monkeypatch.setenv("ODOO_USERNAME", CONNECTOR_LOGIN)
    monkeypatch.setenv("ODOO_PASSWORD", CONNECTOR_PASSWORD)
    return OdooGateway.connect(stack.odoo.url, stack.odoo.db_name, CONNECTOR_LOGIN, CONNECTOR_PASSWORD)


def test_every_flow_runs_as_a_least_privilege_integration_user(stack, monkeypatch):
    user = _integration_user(stack, monkeypatch, with_group=True)
    groups = user.read("res.users", [user.uid], ["groups_id"])[0]["groups_id"]
    admin_groups = {gid for _, gid in stack.gateway.xmlids(["base.group_system", "base.group_erp_manager"]).values()}
    assert len(admin_groups) == 2 and not admin_groups & set(groups), "the integration user is no administrator"
    with pytest.raises(OdooAccessError) as refused:  # it may not create contacts, for instance
        user.create("res.partner", [{"name": "Not allowed"}])
    assert "Procuros connector" not in str(refused.value)  # the group is no remedy for a right it never grants

    ids = _import(stack, dd.order_content("PO-LP-1", [{"gtin": dd.ESPRESSO, "quantity": 2, "unit": "CT", "price": 89.4}]))
    [order] = stack.gateway.read("sale.order", [ids["PO-LP-1"]], ["user_id", "x_procuros_transaction_id"])
    assert order["x_procuros_transaction_id"]
    dd.deliver(stack.gateway, ids["PO-LP-1"])  # the warehouse and accounting work as usual (as admin here)
    [invoice] = stack.gateway.invoice_sale_orders([ids["PO-LP-1"]])
    stack.gateway.post_moves([invoice])
    stack.gateway.post_moves(stack.gateway.reverse_moves([invoice], reason="Preisnachlass"))
    for job in ("export_shipping_notices", "export_invoices", "export_credit_notes"):
        assert stack.run(job).success, job
    assert sorted(s["type"] for s in stack.procuros.sent) == ["CREDIT_NOTE", "INVOICE", "SHIPPING_NOTICE"]
    # reruns find the bindings the integration user wrote: nothing is sent twice
    for job in ("import_sales_orders", "export_shipping_notices", "export_invoices", "export_credit_notes"):
        assert stack.run(job).success, job
    assert len(stack.procuros.sent) == 3 and len(stack.orders()) == 1


def _messages(error) -> str:
    """A step failure's message and those of its causes (Dagster wraps the connector's error)."""
    parts = []
    while error is not None:
        parts.append(error.message)
        error = error.cause
    return "\n".join(parts)


def test_a_missing_right_is_reported_by_name(stack, monkeypatch):
    user = _integration_user(stack, monkeypatch, with_group=False)
    stack.enqueue_order(dd.order_content("PO-LP-2", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}]))
    result = stack.run("import_sales_orders")
    assert not result.success
    text = "\n".join(_messages(e.step_failure_data.error) for e in result.all_events if e.is_step_failure)
    assert "'procuros-connector' lacks a right" in text and "(ir.model" in text
    assert "Procuros connector" in text and "setup-odoo --connector-user procuros-connector" in text
    [(_, group)] = stack.gateway.xmlids([GROUP_XMLID]).values()
    groups = stack.gateway.read("res.users", [user.uid], ["groups_id"])[0]["groups_id"]
    assert group not in groups, "the connector never grants itself rights"
