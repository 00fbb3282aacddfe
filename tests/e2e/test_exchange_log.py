"""Procuros > Logs: every document crossing leaves its entry in Odoo, once, whatever crashes.

One entry per attempt state: imported, rejected, sent, send failed, reported; a retry that
succeeds adds its own entry with the next attempt number; a rerun adds nothing.
"""

from __future__ import annotations

import json

from procuros_dagster.odoo import exchange_log
from procuros_dagster.sandbox import demo_data as dd

FIELDS = ["x_integration", "x_movement", "x_direction", "x_document_type", "x_state", "x_key", "x_transaction_id",
          "x_res_model", "x_res_id", "x_record_name", "x_partner_id", "x_reason", "x_attempt", "x_payload"]


def _log(stack, *domain):
    return stack.gateway.search_read("x_procuros_log", list(domain), FIELDS, order="id")


def _espresso(number: str, **kw) -> dict:
    return dd.order_content(number, [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}], **kw)


def test_imported_and_rejected_orders_are_logged_with_their_payload_once(stack):
    good = stack.enqueue_order(_espresso("PO-LOG-1"))
    bad = stack.enqueue_order(dd.order_content("PO-LOG-BAD", [{"gtin": "4300348765432", "quantity": 1}]))
    assert stack.run("import_sales_orders").success
    entries = {e["x_transaction_id"]: e for e in _log(stack)}
    assert set(entries) == {good, bad}

    [order] = stack.orders([("x_procuros_transaction_id", "=", good)])
    imported = entries[good]
    assert (imported["x_state"], imported["x_direction"], imported["x_document_type"], imported["x_movement"]) == (
        "imported", "in", "ORDER", "sales_orders")
    assert (imported["x_res_model"], imported["x_res_id"], imported["x_record_name"]) == (
        "sale.order", order["id"], order["name"])
    assert imported["x_partner_id"][0] == stack.data.buyer_id
    assert json.loads(imported["x_payload"])["content"]["header"]["orderIdentifier"] == "PO-LOG-1"
    assert imported["x_attempt"] == 1 and imported["x_integration"] == "default"

    rejected = entries[bad]
    assert rejected["x_state"] == "rejected"
    assert rejected["x_reason"] == stack.procuros.acknowledgements[bad]["errorReason"]
    assert rejected["x_record_name"] == "PO-LOG-BAD"

    assert stack.run("import_sales_orders").success  # nothing pending: nothing new
    assert len(_log(stack)) == 2


def test_a_crash_between_the_odoo_write_and_the_log_is_repaired_without_duplicates(stack, monkeypatch):
    tids = [stack.enqueue_order(_espresso(f"PO-CRASH-LOG-{i}")) for i in range(3)]
    real_write = exchange_log.ExchangeLog.write

    def crash(self, entries):
        raise ConnectionError("the connector died after creating the orders")

    monkeypatch.setattr(exchange_log.ExchangeLog, "write", crash)
    assert not stack.run("import_sales_orders").success
    assert len(stack.orders()) == 3 and _log(stack) == []
    assert stack.procuros.acknowledgements == {}  # still pending: the next run logs them

    monkeypatch.setattr(exchange_log.ExchangeLog, "write", real_write)
    assert stack.run("import_sales_orders").success
    assert len(stack.orders()) == 3  # found again, not created twice
    entries = _log(stack)
    assert sorted(e["x_transaction_id"] for e in entries) == sorted(tids)
    assert {e["x_state"] for e in entries} == {"imported"} and {e["x_attempt"] for e in entries} == {1}
    assert all(stack.procuros.acknowledgements[t]["success"] for t in tids)


def test_send_failure_then_retry_success_are_two_attempts_of_one_document(stack):
    stack.enqueue_order(_espresso("PO-LOG-SN"))
    assert stack.run("import_sales_orders").success
    [order] = stack.orders([("client_order_ref", "=", "PO-LOG-SN")])
    picking, _ = dd.deliver(stack.gateway, order["id"])
    stack.procuros.partners = {"4000000000001"}  # our buyer is not a connected partner yet: 422

    assert stack.run("export_shipping_notices").success
    assert stack.run("export_shipping_notices").success  # told once, not on every run
    [failed] = _log(stack, ("x_movement", "=", "shipping_notices"))
    assert (failed["x_state"], failed["x_direction"], failed["x_key"], failed["x_attempt"]) == (
        "send_failed", "out", f"stock.picking,{picking}", 1)
    assert "Procuros refused delivery" in failed["x_reason"]

    stack.procuros.partners = None
    assert stack.run("export_shipping_notices").success
    entries = _log(stack, ("x_movement", "=", "shipping_notices"))
    failed_again, sent = entries
    assert failed_again == failed
    assert (sent["x_state"], sent["x_attempt"], sent["x_res_id"]) == ("sent", 2, picking)
    [notice] = [s for s in stack.procuros.sent if s.get("outcome") == "TRANSMITTED"]
    assert sent["x_transaction_id"] == notice["transaction_id"]
    assert json.loads(sent["x_payload"]) == notice["content"]  # the document exactly as sent
    assert sent["x_partner_id"]


def test_a_document_that_cannot_be_built_is_logged_as_reported_once(stack):
    stack.enqueue_order(_espresso("PO-LOG-NOGTIN"))
    assert stack.run("import_sales_orders").success
    [order] = stack.orders([("client_order_ref", "=", "PO-LOG-NOGTIN")])
    dd.deliver(stack.gateway, order["id"])
    stack.gateway.write("product.product", [stack.data.products[dd.ESPRESSO]], {"barcode": False})
    assert stack.run("export_shipping_notices").success
    assert stack.run("export_shipping_notices").success
    [reported] = _log(stack, ("x_movement", "=", "shipping_notices"))
    assert reported["x_state"] == "reported" and "has no barcode" in reported["x_reason"]
    assert len(stack.procuros.reported_errors) == 1


def test_the_logs_are_under_procuros_in_the_menu(stack):
    [menu] = stack.gateway.search_read("ir.ui.menu", [("name", "=", "Logs")], ["action", "parent_id"])
    assert menu["parent_id"][1] == "Procuros"
    action_id = int(menu["action"].split(",")[1])
    [action] = stack.gateway.read("ir.actions.act_window", [action_id], ["res_model"])
    assert action["res_model"] == "x_procuros_log"
