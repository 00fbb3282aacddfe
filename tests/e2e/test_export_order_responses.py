"""ORDER_RESPONSE to the buyer: imported quotations confirmed as ordered (ACCEPT), edited before
confirming (CHANGE) or cancelled (REJECT), through real Dagster runs; each answered once."""

from __future__ import annotations

import json

from procuros_dagster.odoo.setup import REQUEST_FIELD
from procuros_dagster.procuros.openapi import described_errors, validate_document
from procuros_dagster.sandbox import demo_data as dd

from .test_automation import _berlin_day, _tick
from .test_buttons import WebClient, _button, _form_extension, _visible
from .test_complete_orders import _complete_order

JOB = "export_order_responses"
SWITCH = "x_procuros_send_order_response"


def _import(stack, *contents) -> dict[str, dict]:
    for content in contents:
        stack.enqueue_order(content)
    assert stack.run("import_sales_orders").success
    return {o["client_order_ref"]: o for o in stack.orders(fields=["id", "name", "client_order_ref", "order_line"])}


def _responses(stack) -> list[dict]:
    return [s["content"] for s in stack.procuros.sent if s["type"] == "ORDER_RESPONSE"]


def _switch_on(stack, on: bool = True) -> None:
    stack.gateway.write("res.partner", [stack.data.buyer_id], {SWITCH: on})


def _lines(stack, order_id) -> list[dict]:
    return stack.gateway.search_read("sale.order.line", [("order_id", "=", order_id)],
                                     ["id", "product_uom_qty", "price_unit", "x_procuros_line_number"], order="id")


def test_accept_change_and_reject_each_once_with_chatter_logs_and_bindings(stack):
    _switch_on(stack)
    orders = _import(
        stack,
        dd.order_content("PO-ORR-OK", [{"gtin": dd.ESPRESSO, "quantity": 10, "unit": "CT", "price": 89.4}]),
        dd.order_content("PO-ORR-EDIT", [{"gtin": dd.APFELSCHORLE, "quantity": 40, "unit": "CS", "price": 7.2},
                                         {"gtin": dd.ESPRESSO, "quantity": 10, "unit": "CT", "price": 89.4}]),
        dd.order_content("PO-ORR-NO", [{"gtin": dd.ESPRESSO, "quantity": 3, "unit": "CT", "price": 89.4}]),
        dd.order_content("PO-ORR-DRAFT", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT", "price": 89.4}]),
    )
    gw = stack.gateway
    # the user edits the second order's espresso line (8 cartons at 85.00) before confirming it
    espresso = next(l for l in _lines(stack, orders["PO-ORR-EDIT"]["id"]) if l["x_procuros_line_number"] == 2)
    gw.write("sale.order.line", [espresso["id"]], {"product_uom_qty": 8, "price_unit": 85.0})
    gw.confirm_sale_orders([orders["PO-ORR-OK"]["id"], orders["PO-ORR-EDIT"]["id"]])
    assert gw.call("sale.order", "action_cancel", [[orders["PO-ORR-NO"]["id"]]]) is True  # a quotation: no wizard

    assert stack.run(JOB).success
    sent = {c["header"]["orderIdentifier"]: c for c in _responses(stack)}
    assert set(sent) == {"PO-ORR-OK", "PO-ORR-EDIT", "PO-ORR-NO"}  # the quotation still in draft waits
    for content in sent.values():
        assert validate_document("ORDER_RESPONSE", content) == []
        assert described_errors("ORDER_RESPONSE", content) == {}

    accept = sent["PO-ORR-OK"]
    assert accept["header"]["type"] == "ACCEPT" and "items" not in accept
    assert accept["header"]["orderResponseIdentifier"] == orders["PO-ORR-OK"]["name"]
    assert accept["header"]["buyer"]["identifiers"][0]["identifier"] == dd.BUYER_GLN

    change = sent["PO-ORR-EDIT"]
    assert change["header"]["type"] == "CHANGE"
    assert change["header"]["requestedDeliveryDate"] == "2026-12-03T00:00:00+01:00"
    assert [(i["orderLineNumber"], i["unitOfMeasure"], i["orderedQuantity"], i["confirmedQuantity"], i["unitPrice"])
            for i in change["items"]] == [(1, "CS", 40, 40, 7.2), (2, "CT", 10, 8, 85.0)]
    assert change["items"][1]["identifiers"][0] == {"identifier": dd.ESPRESSO, "domain": "GS1"}

    reject = sent["PO-ORR-NO"]
    assert reject["header"]["type"] == "REJECT" and "items" not in reject
    assert "PO-ORR-NO was cancelled" in reject["header"]["comments"]

    # chatter, Logs and binding per order
    for ref in sent:
        oid = orders[ref]["id"]
        notes = gw.search_read("mail.message", [("model", "=", "sale.order"), ("res_id", "=", oid)], ["body"])
        assert sum("Sent to Procuros as ORDER_RESPONSE" in (m["body"] or "") for m in notes) == 1
    logs = gw.search_read("x_procuros_log", [("x_movement", "=", "order_responses_out")],
                          ["x_state", "x_res_id", "x_document_type", "x_direction", "x_payload"])
    assert sorted((e["x_res_id"], e["x_state"], e["x_document_type"], e["x_direction"]) for e in logs) == sorted(
        (orders[r]["id"], "sent", "ORDER_RESPONSE", "out") for r in sent)
    assert {json.loads(e["x_payload"])["header"]["type"] for e in logs} == {"ACCEPT", "CHANGE", "REJECT"}
    bound = gw.search_read("ir.model.data", [("module", "=", "procuros"), ("name", "=like", "sale_order_response_%")],
                           ["res_id", "model"])
    assert sorted(b["res_id"] for b in bound) == sorted(orders[r]["id"] for r in sent)
    assert {b["model"] for b in bound} == {"sale.order"}

    # reruns send nothing again; the draft confirmed later gets its own ACCEPT, once
    assert stack.run(JOB).success and len(_responses(stack)) == 3
    gw.confirm_sale_orders([orders["PO-ORR-DRAFT"]["id"]])
    assert stack.run(JOB).success and stack.run(JOB).success
    assert [c["header"]["orderIdentifier"] for c in _responses(stack)][3:] == ["PO-ORR-DRAFT"]

    # the accepted order cancelled afterwards: no second response, the change noted once for the user
    ok = orders["PO-ORR-OK"]["id"]
    assert gw.call("sale.order", "action_cancel", [[ok]], {"context": {"disable_cancel_warning": True}}) is True
    assert stack.run(JOB).success and stack.run(JOB).success
    assert len(_responses(stack)) == 4
    notes = gw.search_read("mail.message", [("model", "=", "sale.order"), ("res_id", "=", ok)], ["body"])
    changed = [m["body"] for m in notes if "changed after its order response was sent" in (m["body"] or "")]
    assert len(changed) == 1 and "type ACCEPT → REJECT" in changed[0]
    entries = gw.search_read("x_procuros_log", [("x_movement", "=", "order_responses_out"), ("x_res_id", "=", ok)],
                             ["x_state"], order="id")
    assert [e["x_state"] for e in entries] == ["sent", "changed_after_sending"]


def test_a_customer_with_the_switch_off_gets_no_order_response(stack):
    orders = _import(stack, dd.order_content("PO-ORR-OFF", [{"gtin": dd.ESPRESSO, "quantity": 2, "unit": "CT"}]))
    stack.gateway.confirm_sale_orders([orders["PO-ORR-OFF"]["id"]])
    assert stack.run(JOB).success
    assert _responses(stack) == [] and stack.procuros.reported_errors == []
    # switched on, the confirmed order is answered
    _switch_on(stack)
    assert stack.run(JOB).success
    assert [c["header"]["type"] for c in _responses(stack)] == ["ACCEPT"]


def test_the_send_order_response_button_sends_it_once(stack):
    _switch_on(stack)
    orders = _import(stack, dd.order_content("PO-ORR-BTN", [{"gtin": dd.ESPRESSO, "quantity": 4, "unit": "CT"}]))
    gw, oid = stack.gateway, orders["PO-ORR-BTN"]["id"]
    arch = _form_extension(gw, "procuros.view_order_form_procuros")
    button = _button(arch, "Send Order Response to Procuros")
    fields = ["state", "x_procuros_transaction_id", "x_procuros_partner_sends", REQUEST_FIELD]
    [values] = gw.read("sale.order", [oid], fields)
    assert not _visible(button, values)  # a quotation is not answered yet
    gw.confirm_sale_orders([oid])
    [values] = gw.read("sale.order", [oid], fields)
    assert values["x_procuros_partner_sends"] is True and _visible(button, values)
    assert not _visible(button, {**values, "x_procuros_transaction_id": False})

    env = stack.env
    browser = WebClient(env["ODOO_URL"], env["ODOO_DB"], env["ODOO_USERNAME"], env["ODOO_PASSWORD"])
    action, result = browser.press(button, "sale.order", oid)
    assert action["type"] == "ir.actions.server" and result is False
    assert gw.read("sale.order", [oid], [REQUEST_FIELD])[0][REQUEST_FIELD] is True
    assert _responses(stack) == []

    tick = _tick(stack, "odoo_exports")
    [request] = [r for r in tick.run_requests if r.job_name == "send_to_procuros"]
    assert request.run_config == {"ops": {"send_documents_now": {"config": {"order_responses_out": [str(oid)]}}}}
    job = stack.defs.resolve_job_def(request.job_name)
    assert job.execute_in_process(instance=stack.instance, run_config=request.run_config, tags=request.tags).success
    assert [c["header"]["type"] for c in _responses(stack)] == ["ACCEPT"]
    assert gw.read("sale.order", [oid], [REQUEST_FIELD])[0][REQUEST_FIELD] is False

    # pressed again after it went out: nothing is sent twice
    browser.press(button, "sale.order", oid)
    [again] = [r for r in _tick(stack, "odoo_exports", tick.cursor).run_requests if r.job_name == "send_to_procuros"]
    assert job.execute_in_process(instance=stack.instance, run_config=again.run_config).success
    assert len(_responses(stack)) == 1


def _order_with_terms(number: str) -> dict:
    """The Apfelschorle at 719.50 per 100 cases (7.195 a case, 7.20 in Odoo) with 10 % off, 2 % off the
    whole order and 25.00 freight: the import makes them a price per case, discounts of 11.8 % and
    2 % and a charge line."""
    content = dd.order_content(number, [
        {"gtin": dd.APFELSCHORLE, "quantity": 40, "unit": "CS", "price": 719.5, "buyer_id": "KR-55102",
         "item": {"pricingUnitQuantity": 100, "modificationGroups": [{"level": 1, "basis": 287.8, "modifications": [
             {"type": "ALLOWANCE", "calculationType": "RELATIVE", "reasonCode": "DISCOUNT", "percentage": 10}]}]}},
        {"gtin": dd.ESPRESSO, "quantity": 10, "unit": "CT", "price": 89.4},
    ])
    content["summary"] = {"subtotalAmount": 1153.02, "totalCharges": 25.0, "totalAllowances": 23.06,
                          "netAmount": 1154.96, "grossAmount": 1374.40, "dueAmount": 1374.40,
                          "tax": {"total": 219.44, "items": []},
                          "modificationGroups": [{"level": 1, "basis": 1153.02, "modifications": [
                              {"type": "ALLOWANCE", "calculationType": "RELATIVE", "percentage": 2},
                              {"type": "CHARGE", "calculationType": "ABSOLUTE", "reasonCode": "SHIPPING",
                               "description": "Fracht", "amount": 25.0, "tax": {"amount": 4.75, "percentage": 19}}]}]}
    return content


def test_an_order_imported_with_the_buyers_terms_is_accepted_as_imported_and_changed_in_its_terms(stack):
    _switch_on(stack)
    orders = _import(stack, _order_with_terms("PO-ORR-TERMS-OK"), _order_with_terms("PO-ORR-TERMS-EDIT"))
    gw = stack.gateway
    lines = gw.search_read("sale.order.line", [("order_id", "=", orders["PO-ORR-TERMS-EDIT"]["id"])],
                           ["id", "name", "price_unit", "discount", "x_procuros_line_number",
                            "x_procuros_buyer_article_number"], order="sequence, id")
    assert [(ln["x_procuros_line_number"], ln["price_unit"], ln["discount"]) for ln in lines] == [
        (1, 7.2, 11.8), (2, 89.4, 2.0), (False, 25.0, 0.0)]  # the import's reading, which the response compares with
    assert lines[0]["x_procuros_buyer_article_number"] == "KR-55102"
    gw.write("sale.order.line", [lines[1]["id"]], {"product_uom_qty": 8})  # two cartons of espresso short
    gw.confirm_sale_orders([orders["PO-ORR-TERMS-OK"]["id"], orders["PO-ORR-TERMS-EDIT"]["id"]])

    assert stack.run(JOB).success
    assert stack.procuros.reported_errors == []
    sent = {c["header"]["orderIdentifier"]: c for c in _responses(stack)}  # the sandbox accepted both
    assert set(sent) == {"PO-ORR-TERMS-OK", "PO-ORR-TERMS-EDIT"}
    for content in sent.values():
        assert validate_document("ORDER_RESPONSE", content) == []
        assert described_errors("ORDER_RESPONSE", content) == {}

    # as imported: no CHANGE for Odoo's gross price with a discount, nor for the freight line
    accept = sent["PO-ORR-TERMS-OK"]
    assert accept["header"]["type"] == "ACCEPT" and "items" not in accept

    change = sent["PO-ORR-TERMS-EDIT"]
    assert change["header"]["type"] == "CHANGE"
    schorle, espresso = change["items"]  # every order line, and the freight is none
    assert (schorle["orderLineNumber"], schorle["orderedQuantity"], schorle["confirmedQuantity"]) == (1, 40, 40)
    # the buyer's price per 100 cases as it sent it, before its allowances
    assert (schorle["unitPrice"], schorle["pricingUnitQuantity"]) == (719.5, 100)
    assert {"identifier": "KR-55102", "domain": "BUYER"} in schorle["identifiers"]
    assert {"identifier": dd.APFELSCHORLE, "domain": "GS1"} in schorle["identifiers"]
    assert (espresso["orderLineNumber"], espresso["orderedQuantity"], espresso["confirmedQuantity"],
            espresso["unitPrice"]) == (2, 10, 8, 89.4)
    assert "pricingUnitQuantity" not in espresso


def test_the_complete_order_confirmed_as_imported_is_accepted_in_its_delivery_window(stack):
    """Everything test_complete_orders imports (a ship-to by address, a delivery window and a line's
    own date, 10 % off, a price per 10 cartons, freight) confirmed unchanged: an ACCEPT."""
    _switch_on(stack)
    orders = _import(stack, _complete_order("PO-ORR-FULL"))
    stack.gateway.confirm_sale_orders([orders["PO-ORR-FULL"]["id"]])
    assert stack.run(JOB).success and stack.procuros.reported_errors == []
    [content] = _responses(stack)
    assert validate_document("ORDER_RESPONSE", content) == [] and described_errors("ORDER_RESPONSE", content) == {}
    header = content["header"]
    assert header["type"] == "ACCEPT" and "items" not in content
    assert (header["requestedEarliestDeliveryDate"], header["requestedLatestDeliveryDate"]) == (
        "2026-12-03T00:00:00+01:00", "2026-12-05T00:00:00+01:00")
    assert header["confirmedDeliveryDate"].startswith("2026-12-03")
    assert header["shipTo"]["postalAddress"]["street"] == "Dom 3"


def test_a_buyers_charge_changed_in_odoo_is_not_answered_and_the_reason_reported_once(stack):
    _switch_on(stack)
    orders = _import(stack, _order_with_terms("PO-ORR-FREIGHT"))
    gw, oid = stack.gateway, orders["PO-ORR-FREIGHT"]["id"]
    [freight] = gw.search_read("sale.order.line", [("order_id", "=", oid), ("name", "=", "Fracht")], ["id"])
    gw.write("sale.order.line", [freight["id"]], {"price_unit": 0.0})  # freight waived in Odoo
    gw.confirm_sale_orders([oid])
    assert stack.run(JOB).success and stack.run(JOB).success
    assert _responses(stack) == []
    [error] = stack.procuros.reported_errors
    assert "the buyer's charge 'Fracht' of 25.00 is 0.00 on the order" in error["errorReason"]
    assert orders["PO-ORR-FREIGHT"]["name"] in error["errorReason"]


def test_the_odoo_sensor_asks_for_the_days_run_when_a_quotation_is_confirmed(stack):
    _switch_on(stack)
    orders = _import(stack, dd.order_content("PO-ORR-SENSE", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}]))
    idle = _tick(stack, "odoo_exports")
    assert [r.job_name for r in idle.run_requests] == []  # a quotation is no answer yet
    stack.gateway.confirm_sale_orders([orders["PO-ORR-SENSE"]["id"]])
    tick = _tick(stack, "odoo_exports", idle.cursor)
    [request] = [r for r in tick.run_requests if r.job_name == JOB]
    [order] = stack.gateway.read("sale.order", [orders["PO-ORR-SENSE"]["id"]], ["write_date"])
    assert request.partition_key == _berlin_day(order["write_date"])
    assert stack.run(request.job_name, request.partition_key).success
    assert [c["header"]["type"] for c in _responses(stack)] == ["ACCEPT"]
