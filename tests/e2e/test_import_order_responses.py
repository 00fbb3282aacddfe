"""Procuros ORDER_RESPONSEs → our purchase orders, through real Dagster runs against both sandboxes:
accepted ones confirmed, changed ones updated (in the line's unit) and confirmed, rejected ones left
unconfirmed with the supplier's reason and a failing check; bad ones rejected with reasons."""

from __future__ import annotations

from typing import Any

from procuros_dagster.procuros.openapi import validate_document
from procuros_dagster.sandbox import demo_data as dd

LOG_FIELDS = ["x_movement", "x_direction", "x_document_type", "x_state", "x_transaction_id", "x_res_model",
              "x_res_id", "x_record_name", "x_partner_id", "x_reason"]


def response(order: str, kind: str | None, items: list[dict[str, Any]] | None = None, *,
             supplier_gln: str = dd.SUPPLIER_ORR_GLN, number: str | None = None, comments: str | None = None,
             confirmed_delivery: str | None = None, version: int | None = None) -> dict:
    """An ORDER_RESPONSE as the supplier sends it to us; validated against the OpenAPI schema."""
    header: dict[str, Any] = {
        "buyer": {"name": "Nordwind Getränke GmbH", "identifiers": [{"identifier": dd.OWN_GLN, "domain": "GS1"}]},
        "supplier": {"name": "Kaffeerösterei Hanse GmbH", "identifiers": [{"identifier": supplier_gln, "domain": "GS1"}]},
        "orderResponseIdentifier": number or f"AB-{order}",
        "orderResponseDate": "2026-11-30T14:02:00+01:00",
        "orderIdentifier": order,
    }
    if kind:
        header["type"] = kind
    if kind == "CHANGE":
        header["requestedDeliveryDate"] = "2026-12-10T00:00:00+01:00"
        header["confirmedDeliveryDate"] = confirmed_delivery or "2026-12-10T00:00:00+01:00"
    if comments:
        header["comments"] = comments
    if version is not None:
        header["version"] = version
    content: dict[str, Any] = {"header": header}
    if items:
        content["items"] = items
    problems = validate_document("ORDER_RESPONSE", content)
    assert not problems, problems
    return content


def item(line: int, gtin: str, ordered: float, confirmed: float, unit: str = "EA", price: float | None = None,
         delivery: str | None = None) -> dict:
    it: dict[str, Any] = {"lineNumber": line, "orderLineNumber": line,
                          "identifiers": [{"identifier": gtin, "domain": "GS1"}],
                          "orderedQuantity": ordered, "confirmedQuantity": confirmed, "unitOfMeasure": unit}
    if price is not None:
        it["unitPrice"] = price
    if delivery:
        it["confirmedDeliveryDate"] = delivery
    return it


def _check(result, name):
    evaluations = [e.event_specific_data for e in result.all_events
                   if e.event_type_value == "ASSET_CHECK_EVALUATION" and e.event_specific_data.check_name == name]
    assert evaluations, f"check {name} was not evaluated"
    return evaluations[-1]


def _po(stack, order_id: int) -> dict:
    return stack.gateway.read("purchase.order", [order_id], ["name", "state"])[0]


def _lines(stack, order_id: int) -> list[dict]:
    return stack.gateway.search_read("purchase.order.line", [("order_id", "=", order_id)],
                                     ["product_qty", "product_uom", "price_unit", "date_planned"], order="sequence, id")


def _notes(stack, order_id: int) -> list[str]:
    return [m["body"] for m in stack.gateway.search_read(
        "mail.message", [("model", "=", "purchase.order"), ("res_id", "=", order_id)], ["body"], order="id")
        if "Order response" in (m["body"] or "")]


def test_order_responses_confirm_change_and_reject_our_purchase_orders(stack):
    stack.procuros.known_parties = stack.procuros.known_parties | dd.SUPPLIER_PARTNERS
    suppliers = dd.seed_suppliers(stack.gateway)
    apfel, espresso = stack.data.products[dd.APFELSCHORLE], stack.data.products[dd.ESPRESSO]
    ea = stack.data.uoms["EA"]

    def order(supplier_id=suppliers.orr_supplier_id):
        oid = dd.purchase_order(stack.gateway, supplier_id, [
            {"product_id": apfel, "product_qty": 120, "product_uom": ea, "price_unit": 0.55},
            {"product_id": espresso, "product_qty": 10, "product_uom": ea, "price_unit": 12.0},
        ], date_planned="2026-12-08 09:00:00")
        return oid, _po(stack, oid)["name"]

    (accepted, accepted_name), (changed, changed_name), (rejected, rejected_name) = order(), order(), order()
    other, other_name = order(suppliers.supplier_id)
    wrong_line, wrong_line_name = order()

    accept_doc = response(accepted_name, "ACCEPT")
    change_doc = response(changed_name, "CHANGE", [
        # confirmed in cases of 12 (the order is in units): 9 cases = 108 units at 6.60 a case = 0.55 a unit
        item(1, dd.APFELSCHORLE, 10, 9, unit="CS", price=6.6),
        item(2, dd.ESPRESSO, 10, 8, price=12.5, delivery="2026-12-12T00:00:00+01:00"),
    ], comments="Espresso: nur 8 verfügbar.")
    reject_doc = response(rejected_name, "REJECT", comments="Bio-Espresso bis Januar nicht lieferbar")
    t_accept, t_change, t_reject = (stack.procuros.enqueue("ORDER_RESPONSE", d) for d in (accept_doc, change_doc, reject_doc))
    t_unknown = stack.procuros.enqueue("ORDER_RESPONSE", response("P99999", "ACCEPT"))
    t_other = stack.procuros.enqueue("ORDER_RESPONSE", response(other_name, "ACCEPT"))
    t_line = stack.procuros.enqueue("ORDER_RESPONSE", response(wrong_line_name, "CHANGE", [
        item(1, dd.APFELSCHORLE, 120, 120), item(3, dd.ESPRESSO, 10, 10)]))

    result = stack.run("import_order_responses")
    assert result.success

    # ACCEPT confirms; CHANGE applies the values in the line's unit and confirms; REJECT leaves it
    assert _po(stack, accepted)["state"] == "purchase"
    assert _po(stack, changed)["state"] == "purchase"
    assert _po(stack, rejected)["state"] == "draft"
    assert _po(stack, other)["state"] == "draft"
    assert _po(stack, wrong_line)["state"] == "draft"
    first, second = _lines(stack, changed)
    assert (first["product_qty"], first["product_uom"][0], first["price_unit"]) == (108.0, ea, 0.55)
    assert (second["product_qty"], second["price_unit"]) == (8.0, 12.5)
    assert second["date_planned"].startswith("2026-12-11 23:00")  # midnight in Berlin, kept in UTC
    assert first["date_planned"].startswith("2026-12-09 23:00")  # the header's confirmed date
    assert [(l["product_qty"], l["price_unit"]) for l in _lines(stack, wrong_line)] == [(120.0, 0.55), (10.0, 12.0)]
    # the receipt of the changed order carries the confirmed quantities
    moves = stack.gateway.search_read("stock.move", [("purchase_line_id.order_id", "=", changed)], ["product_uom_qty"],
                                      order="id")
    assert [m["product_uom_qty"] for m in moves] == [108.0, 8.0]

    # the chatter says what happened, once per order
    [change_note] = _notes(stack, changed)
    assert "quantity 120 → 108" in change_note and "price 12 → 12.5" in change_note
    assert "delivery 2026-12-08 → 2026-12-12" in change_note
    [reject_note] = _notes(stack, rejected)
    assert "rejected the order" in reject_note and "bis Januar nicht lieferbar" in reject_note
    assert len(_notes(stack, accepted)) == 1 and not _notes(stack, other)

    acks = stack.procuros.acknowledgements
    assert all(acks[t]["success"] is True for t in (t_accept, t_change, t_reject))
    for t, words in ((t_unknown, "we have no purchase order P99999"),
                     (t_other, f"was not sent to supplier GLN {dd.SUPPLIER_ORR_GLN}"),
                     (t_line, f"purchase order {wrong_line_name} has no line 3")):
        assert acks[t]["success"] is False and acks[t]["errorType"] == "DATA"
        assert words in acks[t]["errorReason"]

    logs = {e["x_transaction_id"]: e for e in stack.gateway.search_read(
        "x_procuros_log", [("x_movement", "=", "order_responses")], LOG_FIELDS, order="id")}
    assert len(logs) == 6
    assert {logs[t]["x_state"] for t in (t_accept, t_change, t_reject)} == {"imported"}
    assert {logs[t]["x_state"] for t in (t_unknown, t_other, t_line)} == {"rejected"}
    assert logs[t_change]["x_res_model"] == "purchase.order" and logs[t_change]["x_res_id"] == changed
    assert logs[t_change]["x_document_type"] == "ORDER_RESPONSE" and logs[t_change]["x_direction"] == "in"
    assert "line 1 (" in logs[t_change]["x_reason"] and "quantity 120 → 108" in logs[t_change]["x_reason"]
    assert "Rejected by the supplier" in logs[t_reject]["x_reason"]
    assert "bis Januar nicht lieferbar" in logs[t_reject]["x_reason"]
    assert logs[t_reject]["x_partner_id"][0] == suppliers.orr_supplier_id

    # the buyer learns of the rejected order from the failing check
    check = _check(result, "order_responses_accepted")
    assert not check.passed
    assert check.metadata["count"].value == 1
    assert rejected_name in str(check.metadata["documents"].value.records)
    assert _check(result, "order_responses_resolve_cleanly").passed is False  # the three bad ones

    # a rerun, and the same responses once more, change nothing
    before = {oid: (_po(stack, oid), _lines(stack, oid), _notes(stack, oid)) for oid in (accepted, changed, rejected)}
    assert stack.run("import_order_responses").success
    # the same transactions listed once more, as after an acknowledgement that never reached Procuros
    # (items queued raw are served as bytes, which the sandbox's own contract check cannot read)
    stack.procuros.self_check = False
    for t, content in ((t_accept, accept_doc), (t_change, change_doc), (t_reject, reject_doc)):
        stack.procuros.enqueue_raw({"procurosTransactionId": t, "type": "ORDER_RESPONSE", "content": content,
                                    "isLatestVersion": True, "replacesProcurosTransactionId": None,
                                    "replacedByProcurosTransactionId": None})
    again = stack.run("import_order_responses")
    assert again.success
    assert _check(again, "order_responses_accepted").passed  # nothing newly rejected
    assert all(stack.procuros.acknowledgements[t]["success"] is True for t in (t_accept, t_change, t_reject))
    assert {oid: (_po(stack, oid), _lines(stack, oid), _notes(stack, oid)) for oid in before} == before
    assert len(stack.gateway.search_read("x_procuros_log", [("x_movement", "=", "order_responses")], ["id"])) == 6


def test_responses_to_orders_confirmed_when_sent_or_already_received(stack):
    stack.procuros.known_parties = stack.procuros.known_parties | dd.SUPPLIER_PARTNERS
    suppliers = dd.seed_suppliers(stack.gateway)
    lines = [{"product_id": stack.data.products[dd.ESPRESSO], "product_qty": 6, "price_unit": 12.0}]
    # the brewery does not require order responses: its orders are confirmed when they are sent
    confirmed = dd.purchase_order(stack.gateway, suppliers.supplier_id, lines, confirm=True)
    received = dd.purchase_order(stack.gateway, suppliers.supplier_id, lines, confirm=True)
    [picking] = stack.gateway.search("stock.picking", [("purchase_id", "=", received)])
    moves = stack.gateway.search_read("stock.move", [("picking_id", "=", picking)], ["id", "product_uom_qty"])
    stack.gateway.set_move_quantities({m["id"]: m["product_uom_qty"] for m in moves})
    stack.gateway.validate_pickings([picking])
    names = {r["id"]: r["name"] for r in stack.gateway.read("purchase.order", [confirmed, received], ["name"])}

    t_accept = stack.procuros.enqueue("ORDER_RESPONSE", response(names[confirmed], "ACCEPT", supplier_gln=dd.SUPPLIER_GLN,
                                                                 version=1))
    t_reject = stack.procuros.enqueue("ORDER_RESPONSE", response(
        names[confirmed], "REJECT", supplier_gln=dd.SUPPLIER_GLN, number="AB-2", comments="Sudhaus in Wartung", version=2))
    t_received = stack.procuros.enqueue("ORDER_RESPONSE", response(names[received], "ACCEPT", supplier_gln=dd.SUPPLIER_GLN))
    result = stack.run("import_order_responses")
    assert result.success

    acks = stack.procuros.acknowledgements
    assert acks[t_received]["success"] is False and acks[t_received]["errorType"] == "DATA"
    assert f"purchase order {names[received]} is already (partly) received" in acks[t_received]["errorReason"]
    # two responses to one order in one run: the later version is applied, the other noted
    assert acks[t_accept]["success"] is True and acks[t_reject]["success"] is True
    logs = {e["x_transaction_id"]: e for e in stack.gateway.search_read(
        "x_procuros_log", [("x_movement", "=", "order_responses")], LOG_FIELDS, order="id")}
    assert logs[t_received]["x_state"] == "rejected"
    assert {logs[t]["x_state"] for t in (t_accept, t_reject)} == {"imported"}
    assert "superseded by the later response AB-2" in logs[t_accept]["x_reason"]
    assert "Sudhaus in Wartung" in logs[t_reject]["x_reason"]
    assert f"{names[confirmed]} is already confirmed in Odoo: cancel it" in logs[t_reject]["x_reason"]
    # confirmed when it was sent, it stays so: the buyer decides, told by the check
    assert stack.gateway.read("purchase.order", [confirmed], ["state"])[0]["state"] == "purchase"
    check = _check(result, "order_responses_accepted")
    assert not check.passed and names[confirmed] in str(check.metadata["documents"].value.records)
