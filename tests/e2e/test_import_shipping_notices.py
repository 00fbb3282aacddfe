"""Suppliers' SHIPPING_NOTICEs → the receipts of our purchase orders, through real Dagster runs."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import yaml

from procuros_dagster.defs.build import build_definitions
from procuros_dagster.procuros.client import ProcurosClient
from procuros_dagster.procuros.openapi import validate_document
from procuros_dagster.sandbox import demo_data as dd
from procuros_dagster.settings import load_settings

JOB = "import_shipping_notices"
SSCC = "340987650000001230"


def _item(line: int, gtin: str, ordered: float, shipped: float, unit: str | None = "EA", batches=None) -> dict:
    item = {"lineNumber": line, "identifiers": [{"identifier": gtin, "domain": "GS1"}], "isDepositItem": False,
            "orderedQuantity": ordered, "shippedQuantity": shipped}
    if unit:
        item["unitOfMeasure"] = unit
    if ordered != shipped:
        item["openQuantityAction"] = "DELIVERED_LATER"
    if batches:
        item["batches"] = [{"batchIdentifier": b, "expirationDate": e, "quantity": q} for b, e, q in batches]
    return item


def _notice(number: str, order: str, supplier_gln: str, items: list[dict], sscc: str | None = None) -> dict:
    unit = {"items": items}
    if sscc:
        unit |= {"unitIdentifier": sscc, "unitType": "EURO_PALLET"}
    content = {
        "header": {
            "buyer": {"name": "Nordwind Getränke GmbH", "identifiers": [{"identifier": dd.OWN_GLN, "domain": "GS1"}]},
            "supplier": {"identifiers": [{"identifier": supplier_gln, "domain": "GS1"}]},
            "shippingNoticeIdentifier": number,
            "shippingNoticeDate": "2026-03-17T16:40:00+01:00",
            "orderIdentifier": order,
        },
        "transportUnits": [unit],
    }
    assert validate_document("SHIPPING_NOTICE", content) == []
    return content


@pytest.fixture
def p2p(stack):
    stack.procuros.known_parties = stack.procuros.known_parties | dd.SUPPLIER_PARTNERS
    suppliers = dd.seed_suppliers(stack.gateway)
    gw = stack.gateway
    espresso, schorle, pfand = (stack.data.products[g] for g in (dd.ESPRESSO, dd.APFELSCHORLE, dd.PFAND))
    gw.write("product.product", [espresso], {"tracking": "lot"})
    dozen = gw.search_read("uom.uom", [("name", "=", "Dozens")], ["id"])[0]["id"]
    po_a = dd.purchase_order(gw, suppliers.supplier_id, [
        {"product_id": schorle, "product_qty": 2, "product_uom": dozen, "price_unit": 6.0},
        {"product_id": espresso, "product_qty": 10, "price_unit": 12.0}], confirm=True)
    po_b = dd.purchase_order(gw, suppliers.orr_supplier_id, [{"product_id": pfand, "product_qty": 5}], confirm=True)
    names = {o["id"]: o["name"] for o in gw.read("purchase.order", [po_a, po_b], ["name"])}
    return dict(a=names[po_a], b=names[po_b], a_id=po_a, b_id=po_b, espresso=espresso, schorle=schorle,
                pfand=pfand, suppliers=suppliers)


def _receipts(stack, po_id: int) -> list[dict]:
    return stack.gateway.search_read("stock.picking", [("purchase_id", "=", po_id)],
                                     ["id", "name", "state", "backorder_id"], order="id")


def _moves(stack, picking_id: int) -> dict[int, dict]:
    moves = stack.gateway.search_read("stock.move", [("picking_id", "=", picking_id)],
                                      ["product_id", "product_uom", "product_uom_qty", "quantity", "picked"])
    return {m["product_id"][0]: m for m in moves}


def _lines(stack, picking_id: int) -> list[tuple]:
    lines = stack.gateway.search_read("stock.move.line", [("picking_id", "=", picking_id)],
                                      ["product_id", "quantity", "lot_id", "result_package_id", "picked"], order="id")
    return sorted((l["product_id"][0], l["quantity"], l["lot_id"] and l["lot_id"][1],
                   l["result_package_id"] and l["result_package_id"][1], l["picked"]) for l in lines)


def _log(stack):
    return {e["x_transaction_id"]: e for e in stack.gateway.search_read(
        "x_procuros_log", [("x_movement", "=", "receipts")],
        ["x_transaction_id", "x_state", "x_res_model", "x_res_id", "x_record_name", "x_reason", "x_direction"])}


def test_two_notices_fill_a_receipt_and_its_backorder_with_lots_sscc_and_units(stack, p2p):
    yesterday = (date.fromisoformat(stack.today) - timedelta(days=1)).isoformat()
    first = stack.procuros.enqueue("SHIPPING_NOTICE", _notice("LS-1", p2p["a"], dd.SUPPLIER_GLN, [
        _item(1, dd.APFELSCHORLE, 24, 12, "EA"),
        _item(2, dd.ESPRESSO, 10, 6, "EA", batches=[("L2503A", "2027-03-01", 4), ("L2503B", "2027-04-01", 2)]),
    ], sscc=SSCC), created_at=f"{yesterday}T10:00:00")
    [receipt] = _receipts(stack, p2p["a_id"])
    before = _moves(stack, receipt["id"])
    assert before[p2p["schorle"]]["product_uom_qty"] == 24  # 2 Dozens ordered: the move is in Units

    result = stack.run(JOB)
    assert result.success
    checks = {e.event_specific_data.check_name: e.event_specific_data.passed for e in result.all_events
              if e.event_type_value == "ASSET_CHECK_EVALUATION"}
    assert checks == {"shipping_notices_resolve_cleanly": True, "receipt_writes_well_formed": True,
                      "shipping_notices_acknowledged": True}
    moves = _moves(stack, receipt["id"])
    assert moves[p2p["schorle"]]["quantity"] == 12 and moves[p2p["espresso"]]["quantity"] == 6
    assert all(m["picked"] for m in moves.values())
    assert _lines(stack, receipt["id"]) == sorted([
        (p2p["schorle"], 12, False, SSCC, True),
        (p2p["espresso"], 4, "L2503A", SSCC, True),
        (p2p["espresso"], 2, "L2503B", SSCC, True)])
    # Odoo 17 without product_expiry (Inventory > Settings > Expiration Dates) has no expiration
    # date on lots: the lots are created by name, the expiry is kept in the receipt's chatter note
    lots = stack.gateway.search_read("stock.lot", [("product_id", "=", p2p["espresso"])], ["name"])
    assert sorted(l["name"] for l in lots) == ["L2503A", "L2503B"]
    assert _receipts(stack, p2p["a_id"])[0]["state"] == "assigned"  # left for the warehouse to validate
    assert stack.procuros.acknowledgements[first]["success"] is True
    entry = _log(stack)[first]
    assert (entry["x_state"], entry["x_res_model"], entry["x_res_id"], entry["x_record_name"], entry["x_reason"]) == (
        "imported", "stock.picking", receipt["id"], receipt["name"], "quantities set; left for the warehouse to validate")
    notes = stack.gateway.search_read("mail.message", [("model", "=", "stock.picking"), ("res_id", "=", receipt["id"]),
                                                       ("body", "ilike", "LS-1")], ["body"])
    assert len(notes) == 1 and "L2503A, expiry 2027-03-01" in notes[0]["body"]

    # the day replayed from the history: the notice is found bound, nothing is set twice; the
    # SHIPPING_NOTICE we sent a customer that day is in the history too, and is not ours to receive
    ours = _notice("WH/OUT/00001", "PO-CUSTOMER-1", dd.OWN_GLN, [_item(1, dd.APFELSCHORLE, 24, 24)])
    ours["header"]["buyer"] = {"identifiers": [{"identifier": dd.BUYER_GLN, "domain": "GS1"}]}
    with ProcurosClient(stack.env["PROCUROS_API_URL"], stack.env["PROCUROS_API_TOKEN"]) as client:
        sent = client.send("SHIPPING_NOTICE", ours).transaction_id
    stack.procuros.state.records[sent].created_at = datetime.fromisoformat(f"{yesterday}T12:00:00+01:00")
    lines_before = _lines(stack, receipt["id"])
    replay = stack.run(JOB, partition=yesterday)
    assert replay.success
    [raw] = replay.asset_materializations_for_node("procuros_shipping_notices_raw")
    assert raw.metadata["replayed_from_history"].value == 1
    [resolved] = replay.asset_materializations_for_node("resolved_shipping_notices")
    assert resolved.metadata["already_imported"].value == 1 and resolved.metadata["to_update"].value == 0
    assert _lines(stack, receipt["id"]) == lines_before
    assert sent not in _log(stack)
    assert stack.procuros.ack_counts[first] == 1
    assert len(stack.gateway.search_read("stock.quant.package", [("name", "=", SSCC)], ["id"])) == 1

    # the warehouse validates: the rest goes to a backorder, which the second notice fills (in cases of 12)
    stack.gateway.validate_pickings([receipt["id"]], backorder=True)
    [done, backorder] = _receipts(stack, p2p["a_id"])
    assert done["state"] == "done" and backorder["backorder_id"][0] == receipt["id"]
    second = stack.procuros.enqueue("SHIPPING_NOTICE", _notice("LS-2", p2p["a"], dd.SUPPLIER_GLN, [
        _item(1, dd.APFELSCHORLE, 1, 1, "CS"),
        _item(2, dd.ESPRESSO, 4, 4, "EA", batches=[("L2503C", "2027-05-01", 4)])]))
    assert stack.run(JOB).success
    assert stack.procuros.acknowledgements[second]["success"] is True
    moves = _moves(stack, backorder["id"])
    assert moves[p2p["schorle"]]["quantity"] == 12 and moves[p2p["schorle"]]["product_uom"][1] == "Units"
    assert moves[p2p["espresso"]]["quantity"] == 4
    assert _log(stack)[second]["x_res_id"] == backorder["id"]

    # once everything is received, a further notice is rejected: there is no open receipt left
    stack.gateway.validate_pickings([backorder["id"]], backorder=True)
    late = stack.procuros.enqueue("SHIPPING_NOTICE", _notice("LS-3", p2p["a"], dd.SUPPLIER_GLN, [
        _item(1, dd.APFELSCHORLE, 1, 1, "CS")]))
    assert stack.run(JOB).success
    ack = stack.procuros.acknowledgements[late]
    assert ack["success"] is False and f"purchase order {p2p['a']} has no open receipt" in ack["errorReason"]
    assert _log(stack)[late]["x_state"] == "rejected"


def test_over_delivery_unknown_products_and_orders_are_rejected_with_reasons(stack, p2p):
    over = stack.procuros.enqueue("SHIPPING_NOTICE", _notice("LS-10", p2p["b"], dd.SUPPLIER_ORR_GLN, [
        _item(1, dd.PFAND, 5, 7, "EA")]))
    unknown_product = stack.procuros.enqueue("SHIPPING_NOTICE", _notice("LS-11", p2p["b"], dd.SUPPLIER_ORR_GLN, [
        _item(1, dd.ESPRESSO, 1, 1, "EA")]))
    unknown_order = stack.procuros.enqueue("SHIPPING_NOTICE", _notice("LS-12", "P99999", dd.SUPPLIER_ORR_GLN, [
        _item(1, dd.PFAND, 5, 5, "EA")]))
    other_supplier = stack.procuros.enqueue("SHIPPING_NOTICE", _notice("LS-13", p2p["a"], dd.SUPPLIER_ORR_GLN, [
        _item(1, dd.ESPRESSO, 10, 10, "EA")]))
    good = stack.procuros.enqueue("SHIPPING_NOTICE", _notice("LS-14", p2p["b"], dd.SUPPLIER_ORR_GLN, [
        _item(1, dd.PFAND, 5, 5)]))
    assert stack.run(JOB).success

    acks = stack.procuros.acknowledgements
    assert acks[over]["success"] is False
    assert acks[over]["errorReason"] == (
        f"Shipping notice LS-10, item 1: Pfand 0,25 EUR (Einweg) ships 7 Units, but only 5 Units are still open on "
        f"purchase order {p2p['b']}; quantities beyond the order are not accepted").replace(
        "Pfand 0,25 EUR (Einweg)", "[NW-PFAND-025] Pfand 0,25 EUR (Einweg)")
    assert acks[unknown_product]["success"] is False
    assert f"GTIN {dd.ESPRESSO} is not on the open receipt of purchase order {p2p['b']}" in acks[unknown_product]["errorReason"]
    assert "purchase order P99999 is not known in Odoo" in acks[unknown_order]["errorReason"]
    assert f"purchase order {p2p['a']} was not placed with you" in acks[other_supplier]["errorReason"]
    assert all(acks[t]["errorType"] == "DATA" for t in (over, unknown_product, unknown_order, other_supplier))
    assert acks[good]["success"] is True  # the rest of the batch goes on

    # rejected notices set nothing: PO A's receipt is as Odoo reserved it; PO B's took LS-14 only
    [receipt_a] = _receipts(stack, p2p["a_id"])
    assert not any(m["picked"] for m in _moves(stack, receipt_a["id"]).values())
    [receipt_b] = _receipts(stack, p2p["b_id"])
    assert _moves(stack, receipt_b["id"])[p2p["pfand"]]["quantity"] == 5
    log = _log(stack)
    assert {t: log[t]["x_state"] for t in (over, unknown_product, unknown_order, other_supplier, good)} == {
        over: "rejected", unknown_product: "rejected", unknown_order: "rejected", other_supplier: "rejected",
        good: "imported"}
    assert log[over]["x_reason"] == acks[over]["errorReason"]

    # a rerun finds nothing pending and changes nothing
    lines = _lines(stack, receipt_b["id"])
    assert stack.run(JOB).success
    assert _lines(stack, receipt_b["id"]) == lines and len(_log(stack)) == 5


def test_validate_receipts_setting_validates_the_receipt_when_the_notice_arrives(stack, p2p, tmp_path, monkeypatch):
    settings = tmp_path / "settings.yaml"
    settings.write_text(yaml.safe_dump({"purchase_defaults": {"validate_receipts": True}}))
    monkeypatch.setenv("PROCUROS_DAGSTER_SETTINGS", str(settings))
    stack.defs = build_definitions(load_settings())
    tid = stack.procuros.enqueue("SHIPPING_NOTICE", _notice("LS-20", p2p["b"], dd.SUPPLIER_ORR_GLN, [
        _item(1, dd.PFAND, 5, 3, "EA")]))
    assert stack.run(JOB).success
    assert stack.procuros.acknowledgements[tid]["success"] is True
    [done, backorder] = _receipts(stack, p2p["b_id"])
    assert done["state"] == "done" and _moves(stack, done["id"])[p2p["pfand"]]["quantity"] == 3
    assert backorder["state"] != "done" and _moves(stack, backorder["id"])[p2p["pfand"]]["product_uom_qty"] == 2
    assert _log(stack)[tid]["x_reason"] == "quantities set; receipt validated"
