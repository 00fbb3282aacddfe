"""Focused tests of the Odoo sandbox, driven through odoorpc like the connector does."""
from __future__ import annotations

from collections import Counter

import httpx
import odoorpc
import pytest

from .rpc import call, rpc_error


def seed(o):
    cust = call(o, "res.partner", "create", {"name": "Cust GmbH", "is_company": True, "ref": "4012345000009",
                                               "phone": "+49 30 1", "country_id": 57})
    ship = call(o, "res.partner", "create", {"name": "DC", "type": "delivery", "parent_id": cust, "ref": "4012345000016"})
    sup = call(o, "res.partner", "create", {"name": "Supplier AG", "is_company": True, "ref": "4012346000008"})
    widget = call(o, "product.product", "create", {"name": "Widget", "default_code": "PT-WIDGET",
                                                     "barcode": "4012345100013", "detailed_type": "product",
                                                     "list_price": 12.5, "standard_price": 7.0})
    flour = call(o, "product.product", "create", {"name": "Flour", "default_code": "PT-FLOUR", "barcode": "4012345100020",
                                                    "detailed_type": "product", "uom_id": 12, "uom_po_id": 12,
                                                    "invoice_policy": "delivery", "taxes_id": [[6, 0, [15]]],
                                                    "supplier_taxes_id": [[6, 0, [24]]]})
    return cust, ship, sup, widget, flour


def test_login_version_and_wrong_password(sb, odoo):
    assert odoo.version == "17.0"
    assert odoo.env.uid == 2
    assert odoo.db.list() == ["procuros"]
    r = httpx.post(sb.url + "/jsonrpc", json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
        "service": "common", "method": "login", "args": ["procuros", "admin", "nope"]}}).json()
    assert r == {"jsonrpc": "2.0", "id": 1, "result": False}
    r = httpx.post(sb.url + "/jsonrpc", json={"jsonrpc": "2.0", "method": "call", "id": 2, "params": {
        "service": "object", "method": "execute_kw",
        "args": ["procuros", 2, "nope", "res.partner", "search_count", [[]], {}]}}).json()
    assert r["error"]["data"]["name"] == "odoo.exceptions.AccessDenied"
    assert httpx.post(sb.url + "/jsonrpc", content=b"{nope").status_code == 400
    assert httpx.post(sb.url + "/web/no/route", json={}).status_code == 404


def test_counts_latency_and_faults(sb, odoo):
    sb.reset_counts()
    call(odoo, "res.partner", "search_count", [])
    assert sb.call_counts["res.partner.search_count"] == 1 and sb.rpc_count == 1
    sb.inject_fault("res.partner", "create", kind="error")
    with pytest.raises(odoorpc.error.RPCError):
        call(odoo, "res.partner", "create", {"name": "X"})
    assert call(odoo, "res.partner", "search_count", [["name", "=", "X"]]) == 0
    sb.inject_fault("res.partner", "search_count", kind="http500")
    with pytest.raises(Exception):
        call(odoo, "res.partner", "search_count", [])
    sb.inject_fault(kind="drop")
    with pytest.raises(Exception):
        call(odoo, "res.partner", "search_count", [])
    assert call(odoo, "res.partner", "search_count", []) == 2


def test_failed_call_leaves_no_partial_writes(odoo):
    before = call(odoo, "res.partner", "search_count", [])
    name, _ = rpc_error(odoo, "res.partner", "create", [{"name": "ok"}, {"name": "bad", "country_id": 999999}])
    assert name == "odoo.exceptions.ValidationError"
    assert call(odoo, "res.partner", "search_count", []) == before


def test_traps(odoo):
    cust, ship, sup, widget, flour = seed(odoo)
    assert rpc_error(odoo, "res.partner", "create", {"name": "x", "no_such_field": 1}) == (
        "builtins.ValueError", "Invalid field 'no_such_field' on model 'res.partner'")
    assert rpc_error(odoo, "res.partner", "create", {"name": "x", "country_id": "DE"})[0] == \
        "psycopg2.errors.InvalidTextRepresentation"
    assert rpc_error(odoo, "res.partner", "create", {"name": "x", "country_id": [57, "Germany"]})[0] == \
        "psycopg2.errors.InvalidTextRepresentation"
    assert call(odoo, "res.partner", "write", [cust], {"country_id": [57, "Germany"]}) is True
    assert call(odoo, "res.partner", "read", [cust], fields=["country_id"])[0]["country_id"] is False
    assert rpc_error(odoo, "sale.order", "_create_invoices", [1])[0] == "odoo.exceptions.AccessError"
    assert rpc_error(odoo, "res.partner", "no_such_method", [1])[0] == "builtins.AttributeError"
    assert rpc_error(odoo, "no.such.model", "search", [])[0] == "builtins.KeyError"
    assert rpc_error(odoo, "res.partner", "write", [999999], {"name": "x"})[0] == "odoo.exceptions.MissingError"
    assert call(odoo, "res.partner", "read", [cust, 999999], fields=["name"]) == [{"id": cust, "name": "Cust GmbH"}]
    assert rpc_error(odoo, "product.product", "create", {"name": "dup", "barcode": "4012345100013"})[1].startswith(
        "Barcode(s) already assigned")
    name, msg = rpc_error(odoo, "sale.order", "create", {"client_order_ref": "x"})
    assert name == "odoo.exceptions.ValidationError" and "Field: Customer (partner_id)" in msg
    assert rpc_error(odoo, "res.partner", "search", [["name", "like2", "x"]])[1] == "Invalid leaf ('name', 'like2', 'x')"
    assert rpc_error(odoo, "res.partner", "search", [["name", "="]])[1] == "not enough values to unpack (expected 3, got 2)"
    so = call(odoo, "sale.order", "create", {"partner_id": cust, "order_line": [[0, 0, {"product_id": widget}]]})
    line = call(odoo, "sale.order", "read", [so], fields=["order_line"])[0]["order_line"][0]
    assert rpc_error(odoo, "sale.order.line", "write", [line], {"product_uom_qty": "ten"})[0] == "builtins.TypeError"


def test_domains_and_display_names(odoo):
    cust, ship, sup, widget, flour = seed(odoo)
    s = lambda model, dom, **kw: call(odoo, model, "search", dom, **kw)
    assert s("res.partner", [["ref", "in", ["4012345000009", "4012346000008"]]]) == [cust, sup]
    assert s("res.partner", ["|", ["ref", "=", "4012346000008"], ["name", "ilike", "dc"]], order="id") == [ship, sup]
    assert s("res.partner", ["!", ["is_company", "=", True]], order="id") == [3, ship]
    assert s("res.partner", [["parent_id", "=", "Cust GmbH"]]) == [ship]
    assert s("res.partner", [["parent_id.ref", "=", "4012345000009"]]) == [ship]
    assert s("res.partner", [["id", "child_of", cust]], order="id") == [cust, ship]
    assert s("res.partner", [["email", "=", False], ["ref", "=like", "40123%"]], order="id") == [cust, ship, sup]
    assert s("res.partner", [["child_ids", "in", [ship]]]) == [cust]
    assert s("product.product", [["barcode", "in", [str(i) for i in range(1000)] + ["4012345100020"]]]) == [flour]
    assert s("product.product", [["default_code", "=?", False]], order="id") == [1, widget, flour]
    rows = call(odoo, "res.partner", "read", [ship], fields=["display_name", "commercial_partner_id"])
    assert rows[0]["display_name"] == "Cust GmbH, DC" and rows[0]["commercial_partner_id"] == [cust, "Cust GmbH"]
    assert call(odoo, "product.product", "read", [widget], fields=["display_name"])[0]["display_name"] == "[PT-WIDGET] Widget"
    assert call(odoo, "stock.picking.type", "read", [2], fields=["display_name"])[0]["display_name"] == \
        "My Company: Delivery Orders"


def test_x2many_commands(odoo):
    cust, ship, sup, widget, flour = seed(odoo)
    so = call(odoo, "sale.order", "create", {"partner_id": cust, "order_line": [
        [0, 0, {"product_id": widget, "product_uom_qty": 2}], [0, 0, {"product_id": flour, "product_uom_qty": 3}]]})
    lines = call(odoo, "sale.order", "read", [so], fields=["order_line"])[0]["order_line"]
    call(odoo, "sale.order", "write", [so], {"order_line": [[1, lines[0], {"product_uom_qty": 5}], [2, lines[1]]]})
    assert call(odoo, "sale.order.line", "read", lines, fields=["product_uom_qty"]) == [{"id": lines[0], "product_uom_qty": 5.0}]
    call(odoo, "product.product", "write", [widget], {"taxes_id": [[4, 15]]})
    assert call(odoo, "product.product", "read", [widget], fields=["taxes_id"])[0]["taxes_id"] == [14, 15]
    call(odoo, "product.product", "write", [widget], {"taxes_id": [[3, 14]]})
    call(odoo, "product.product", "write", [widget], {"taxes_id": [[5]]})
    assert call(odoo, "product.product", "read", [widget], fields=["taxes_id"])[0]["taxes_id"] == []
    call(odoo, "sale.order", "write", [so], {"order_line": [[5]]})
    assert call(odoo, "sale.order", "read", [so], fields=["order_line"])[0]["order_line"] == []


def test_custom_field_and_messages(odoo):
    model_id = call(odoo, "ir.model", "search", [["model", "=", "sale.order"]])[0]
    call(odoo, "ir.model.fields", "create", {"model_id": model_id, "name": "x_procuros_transaction_id",
                                             "field_description": "Procuros Transaction", "ttype": "char",
                                             "state": "manual"})
    uom_model = call(odoo, "ir.model", "search", [["model", "=", "uom.uom"]])[0]
    call(odoo, "ir.model.fields", "create", {"model_id": uom_model, "name": "x_procuros_unit_code", "ttype": "selection",
                                             "field_description": "Procuros Unit Type", "state": "manual",
                                             "selection_ids": [[0, 0, {"value": "EA", "name": "Each", "sequence": 1}]]})
    assert call(odoo, "uom.uom", "fields_get", ["x_procuros_unit_code"], attributes=["selection"]) == {
        "x_procuros_unit_code": {"selection": [["EA", "Each"]]}}
    cust, *_ = seed(odoo)
    so = call(odoo, "sale.order", "create", {"partner_id": cust, "x_procuros_transaction_id": "t-1"})
    assert call(odoo, "sale.order", "search", [["x_procuros_transaction_id", "=", "t-1"]]) == [so]
    msg = call(odoo, "sale.order", "message_post", [so], body="hello", message_type="comment")
    row = call(odoo, "mail.message", "read", [msg], fields=["model", "res_id", "body"])[0]
    assert row == {"id": msg, "model": "sale.order", "res_id": so, "body": "<p>hello</p>"}


def test_an_order_s_default_addresses_are_the_partner_s_delivery_and_invoice_addresses(odoo):
    # sale.order._compute_partner_shipping_id: partner_id.address_get(['delivery'])['delivery']
    cust, ship, *_ = seed(odoo)
    so = call(odoo, "sale.order", "create", {"partner_id": cust})
    o = call(odoo, "sale.order", "read", [so], fields=["partner_shipping_id", "partner_invoice_id"])[0]
    assert (o["partner_shipping_id"][0], o["partner_invoice_id"][0]) == (ship, cust)  # no invoice address: itself


def test_sales_flow_end_to_end(odoo):
    cust, ship, sup, widget, flour = seed(odoo)
    so1, so2 = call(odoo, "sale.order", "create", [
        {"partner_id": cust, "partner_shipping_id": ship, "client_order_ref": "PO-1", "carrier_id": 1,
         "order_line": [[0, 0, {"product_id": widget, "product_uom_qty": 10, "price_unit": 12.5}],
                        [0, 0, {"product_id": flour, "product_uom_qty": 10, "price_unit": 2.4}]]},
        {"partner_id": cust, "partner_shipping_id": cust, "client_order_ref": "PO-2",
         "order_line": [[0, 0, {"product_id": widget, "product_uom_qty": 5, "price_unit": 12.5}]]}])
    o = call(odoo, "sale.order", "read", [so1], fields=["name", "amount_untaxed", "amount_tax", "amount_total", "state"])[0]
    assert (o["name"], o["amount_untaxed"], o["amount_tax"], o["amount_total"], o["state"]) == \
        ("S00001", 149.0, 25.43, 174.43, "draft")
    assert call(odoo, "sale.order", "action_confirm", [so1, so2]) is True
    assert rpc_error(odoo, "sale.order", "action_confirm", [so1])[0] == "odoo.exceptions.UserError"
    assert rpc_error(odoo, "sale.order", "unlink", [so1])[0] == "odoo.exceptions.UserError"
    p1 = call(odoo, "sale.order", "read", [so1], fields=["picking_ids"])[0]["picking_ids"][0]
    pick = call(odoo, "stock.picking", "read", [p1], fields=["name", "state", "partner_id", "carrier_id", "origin"])[0]
    assert pick["name"] == "WH/OUT/00001" and pick["state"] == "confirmed" and pick["partner_id"][0] == ship
    assert rpc_error(odoo, "stock.picking", "button_validate", [p1])[0] == "odoo.exceptions.UserError"
    quants = [call(odoo, "stock.quant", "create", {"product_id": p, "location_id": 8, "inventory_quantity": 100},
                   context={"inventory_mode": True}) for p in (widget, flour)]
    assert call(odoo, "stock.quant", "action_apply_inventory", quants) is None
    call(odoo, "stock.picking", "action_assign", [p1])
    moves = call(odoo, "stock.move", "search_read", [["picking_id", "=", p1]], fields=["quantity", "state"], order="id")
    assert [m["state"] for m in moves] == ["assigned", "assigned"]
    call(odoo, "stock.move", "write", [moves[1]["id"]], {"quantity": 7.5})
    action = call(odoo, "stock.picking", "button_validate", [p1])
    assert action["res_model"] == "stock.backorder.confirmation"
    ctx = action["context"]
    wiz = call(odoo, "stock.backorder.confirmation", "create", {}, context=ctx)
    assert call(odoo, "stock.backorder.confirmation", "process", [wiz], context=ctx) is True
    p = call(odoo, "stock.picking", "read", [p1], fields=["state", "backorder_ids", "date_done"])[0]
    assert p["state"] == "done" and len(p["backorder_ids"]) == 1 and p["date_done"]
    assert call(odoo, "sale.order", "read", [so1], fields=["delivery_status"])[0]["delivery_status"] == "partial"
    # second order: short, no backorder, then the one-time SMS question (partner has a phone)
    p2 = call(odoo, "sale.order", "read", [so2], fields=["picking_ids"])[0]["picking_ids"][0]
    m2 = call(odoo, "stock.move", "search", [["picking_id", "=", p2]])
    call(odoo, "stock.move", "write", m2, {"quantity": 3})
    ctx = call(odoo, "stock.picking", "button_validate", [p2])["context"]
    wiz = call(odoo, "stock.backorder.confirmation", "create", {}, context=ctx)
    sms = call(odoo, "stock.backorder.confirmation", "process_cancel_backorder", [wiz], context=ctx)
    assert sms["res_model"] == "confirm.stock.sms"
    assert call(odoo, "confirm.stock.sms", "dont_send_sms", [sms["res_id"]], context=sms["context"]) is True
    assert call(odoo, "sale.order", "read", [so2], fields=["delivery_status"])[0]["delivery_status"] == "full"
    # invoice: widget by ordered qty (10), flour by delivered (7.5)
    ctx = {"active_model": "sale.order", "active_ids": [so1], "active_id": so1}
    wiz = call(odoo, "sale.advance.payment.inv", "create", {"advance_payment_method": "delivered"}, context=ctx)
    inv = call(odoo, "sale.advance.payment.inv", "create_invoices", [wiz], context=ctx)["res_id"]
    lines = call(odoo, "account.move.line", "search_read", [["move_id", "=", inv], ["display_type", "=", "product"]],
                 fields=["quantity", "sale_line_ids"], order="id")
    assert [l["quantity"] for l in lines] == [10.0, 7.5]
    assert call(odoo, "account.move", "action_post", [inv]) is False
    m = call(odoo, "account.move", "read", [inv], fields=["name", "state", "invoice_date", "payment_reference", "ref"])[0]
    assert m["name"].startswith("INV/") and m["state"] == "posted" and m["payment_reference"] == m["name"]
    assert rpc_error(odoo, "account.move", "action_post", [inv])[1] == f"The entry {m['name']} (id {inv}) must be in draft."
    assert rpc_error(odoo, "account.move", "unlink", [inv])[0] == "odoo.exceptions.UserError"
    ctx = {"active_model": "account.move", "active_ids": [inv]}
    assert rpc_error(odoo, "account.move.reversal", "create", {}, context=ctx)[0] == "odoo.exceptions.ValidationError"
    rev = call(odoo, "account.move.reversal", "create", {"reason": "Damaged", "journal_id": 1}, context=ctx)
    cn = call(odoo, "account.move.reversal", "refund_moves", [rev], context=ctx)["res_id"]
    c = call(odoo, "account.move", "read", [cn], fields=["move_type", "ref", "reversed_entry_id"])[0]
    assert c["move_type"] == "out_refund" and c["ref"] == f"Reversal of: {m['name']}, Damaged"
    call(odoo, "account.move", "action_post", [cn])
    assert call(odoo, "account.move", "read", [inv], fields=["payment_state"])[0]["payment_state"] == "reversed"
    assert call(odoo, "sale.order.line", "search_read", [["order_id", "=", so1]], fields=["qty_invoiced"])[0][
        "qty_invoiced"] == 0.0


def test_purchase_flow_end_to_end(odoo):
    cust, ship, sup, widget, flour = seed(odoo)
    po = call(odoo, "purchase.order", "create", {"partner_id": sup, "partner_ref": "SUP-1", "order_line": [
        [0, 0, {"product_id": widget, "product_qty": 50, "price_unit": 7.0}],
        [0, 0, {"product_id": flour, "product_qty": 40, "price_unit": 1.1}]]})
    assert call(odoo, "purchase.order", "read", [po], fields=["display_name"])[0]["display_name"] == "P00001 (SUP-1)"
    assert call(odoo, "purchase.order", "button_confirm", [po]) is True
    pick = call(odoo, "purchase.order", "read", [po], fields=["picking_ids"])[0]["picking_ids"][0]
    assert call(odoo, "stock.picking", "read", [pick], fields=["state"])[0]["state"] == "assigned"
    assert call(odoo, "stock.picking", "button_validate", [pick]) is True
    lines = call(odoo, "purchase.order.line", "search_read", [["order_id", "=", po]],
                 fields=["qty_received", "qty_to_invoice"], order="id")
    assert [l["qty_received"] for l in lines] == [50.0, 40.0]
    bill = call(odoo, "purchase.order", "action_create_invoice", [po])["res_id"]
    assert call(odoo, "purchase.order", "read", [po], fields=["invoice_status"])[0]["invoice_status"] == "invoiced"
    assert rpc_error(odoo, "account.move", "action_post", [bill])[1] == \
        "The Bill/Refund date is required to validate this document."
    call(odoo, "account.move", "write", [bill], {"invoice_date": "2026-11-28"})
    call(odoo, "account.move", "action_post", [bill])
    assert call(odoo, "account.move", "read", [bill], fields=["name"])[0]["name"] == "BILL/2026/11/0001"
    assert rpc_error(odoo, "purchase.order", "action_create_invoice", [po])[0] == "odoo.exceptions.UserError"
    refund = call(odoo, "account.move", "create", {
        "move_type": "in_refund", "partner_id": sup, "invoice_date": "2026-11-28", "reversed_entry_id": bill,
        "invoice_line_ids": [[0, 0, {"product_id": flour, "quantity": 5, "price_unit": 1.1,
                                     "purchase_line_id": lines[1]["id"]}]]})
    call(odoo, "account.move", "action_post", [refund])
    assert call(odoo, "purchase.order.line", "read", [lines[1]["id"]], fields=["qty_invoiced"])[0]["qty_invoiced"] == 35.0
    assert call(odoo, "purchase.order", "read", [po], fields=["invoice_status"])[0]["invoice_status"] == "to invoice"


def test_bulk_orders_stay_fast(odoo):
    cust, ship, sup, widget, flour = seed(odoo)
    vals = [{"partner_id": cust, "client_order_ref": f"R{i}", "order_line": [
        [0, 0, {"product_id": widget, "product_uom_qty": 1}] for _ in range(10)]} for i in range(300)]
    ids = call(odoo, "sale.order", "create", vals)
    assert len(ids) == 300
    rows = call(odoo, "sale.order", "search_read", [["client_order_ref", "in", [f"R{i}" for i in range(300)]]],
                fields=["order_line", "amount_total"])
    assert len(rows) == 300 and all(len(r["order_line"]) == 10 for r in rows)


def test_rate_based_faults_are_transient_seeded_and_counted(sb, odoo):
    def outcomes(seed):
        sb.inject_faults(0.5, seed=seed, kinds=("drop", "http500", "slow"), slow=0.0)
        sb.faults_injected.clear()
        got = []
        for i in range(40):
            try:
                call(odoo, "res.partner", "create", {"name": f"chaos-{seed}-{i}"})
                got.append("ok")
            except Exception:  # noqa: BLE001 - a dropped connection or an HTTP 500
                got.append("failed")
        sb.inject_faults(0)
        return got, dict(sb.faults_injected)

    first, injected = outcomes(7)
    assert outcomes(7) == (first, injected)  # the same seed, the same faults
    assert outcomes(8)[0] != first
    assert set(injected) == {"drop", "http500", "slow"} and 5 < sum(injected.values()) < 35
    assert first.count("failed") == injected["drop"] + injected["http500"]  # slow answers still succeed
    # a failed call wrote nothing: only the answered creates exist (seed 7 ran twice: each twice)
    names = [r["name"] for r in call(odoo, "res.partner", "search_read", [["name", "=like", "chaos-7-%"]], ["name"])]
    assert Counter(names) == {f"chaos-7-{i}": 2 for i, o in enumerate(first) if o == "ok"}
    with pytest.raises(ValueError):
        sb.inject_faults(0.2, kinds=("error",))  # data errors are no transient fault


def test_a_hold_can_let_earlier_calls_through(sb, odoo):
    import threading

    held = sb.hold("res.partner", "create", skip=2)
    call(odoo, "res.partner", "create", {"name": "first"})
    call(odoo, "res.partner", "create", {"name": "second"})
    assert not held.reached.is_set()
    t = threading.Thread(target=call, args=(odoo, "res.partner", "create", {"name": "third"}), daemon=True)
    t.start()
    assert held.reached.wait(timeout=30)
    held.release()
    t.join(timeout=30)
    assert held.done.is_set()
    later = sb.hold("res.partner", "create")
    sb.unhold(later)
    call(odoo, "res.partner", "create", {"name": "fourth"})
    assert not later.reached.is_set()


def test_cancelling_a_quotation_at_once_and_a_confirmed_order_through_the_wizard(odoo):
    """sale.order.action_cancel (Odoo 17): a draft is cancelled; any other order gets the
    sale.order.cancel wizard unless the context says disable_cancel_warning, and then its
    deliveries not done are cancelled with it; a locked order cannot be cancelled."""
    cust, _ship, _sup, widget, _flour = seed(odoo)
    draft, confirmed = call(odoo, "sale.order", "create", [
        {"partner_id": cust, "order_line": [[0, 0, {"product_id": widget, "product_uom_qty": 1, "price_unit": 1.0}]]},
        {"partner_id": cust, "order_line": [[0, 0, {"product_id": widget, "product_uom_qty": 2, "price_unit": 1.0}]]}])
    assert call(odoo, "sale.order", "action_cancel", [draft]) is True
    call(odoo, "sale.order", "action_confirm", [confirmed])
    wizard = call(odoo, "sale.order", "action_cancel", [confirmed])
    assert (wizard["res_model"], wizard["target"]) == ("sale.order.cancel", "new")
    assert call(odoo, "sale.order", "read", [confirmed], fields=["state"])[0]["state"] == "sale"
    assert call(odoo, "sale.order", "action_cancel", [confirmed], context={"disable_cancel_warning": True}) is True
    [order] = call(odoo, "sale.order", "read", [draft, confirmed], fields=["state", "picking_ids"])[1:]
    assert order["state"] == "cancel"
    assert [p["state"] for p in call(odoo, "stock.picking", "read", order["picking_ids"], fields=["state"])] == ["cancel"]
    assert [s["state"] for s in call(odoo, "sale.order", "read", [draft], fields=["state"])] == ["cancel"]
    locked = call(odoo, "sale.order", "create", {"partner_id": cust, "locked": True})
    assert rpc_error(odoo, "sale.order", "action_cancel", [locked]) == (
        "odoo.exceptions.UserError", "You cannot cancel a locked order. Please unlock it first.")
