"""RFQs / purchase orders → Procuros ORDER, through real Dagster runs against both sandboxes."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from procuros_dagster.defs.resources import ConnectorSettingsResource, OdooResource, ProcurosResource
from procuros_dagster.procuros.openapi import validate_document
from procuros_dagster.mapping.identifiers import with_check_digit
from procuros_dagster.odoo.exchange_log import ExchangeLog, LogEntry
from procuros_dagster.sandbox import demo_data as dd

WAREHOUSE_GLN = with_check_digit("409111100999")

LOG_FIELDS = ["x_movement", "x_direction", "x_document_type", "x_state", "x_key", "x_res_model", "x_res_id",
              "x_record_name", "x_partner_id", "x_reason", "x_attempt", "x_payload"]


@pytest.fixture
def suppliers(stack):
    stack.procuros.known_parties = stack.procuros.known_parties | dd.SUPPLIER_PARTNERS
    return dd.seed_suppliers(stack.gateway)


def _orders_sent(stack) -> list[dict]:
    return [s for s in stack.procuros.sent if s["type"] == "ORDER"]


def _content(entry):
    return entry["content"] if "content" in entry else entry["body"]["content"]


def _po(stack, po_id, fields=("name", "state")):
    [po] = stack.gateway.read("purchase.order", [po_id], list(fields))
    return po


def _logs(stack, po_id):
    return stack.gateway.search_read("x_procuros_log", [("x_res_model", "=", "purchase.order"), ("x_res_id", "=", po_id)],
                                     LOG_FIELDS, order="id")


def _notes(stack, po_id):
    return [m["body"] for m in stack.gateway.search_read(
        "mail.message", [("model", "=", "purchase.order"), ("res_id", "=", po_id)], ["body"], order="id")]


def test_orders_go_out_once_and_are_confirmed_unless_an_order_response_is_required(stack, suppliers):
    products = stack.data.products
    # the receiving warehouse's own address, with its GLN in Reference
    germany = stack.gateway.search_read("res.country", [("code", "=", "DE")], ["id"])[0]["id"]
    [lager] = stack.gateway.create("res.partner", [{"name": "Zentrallager Minden", "ref": WAREHOUSE_GLN,
                                                    "street": "Hafenstraße 4", "zip": "32423", "city": "Minden",
                                                    "country_id": germany}])
    [warehouse] = stack.gateway.search_read("stock.warehouse", [], ["id"], limit=1)
    stack.gateway.write("stock.warehouse", [warehouse["id"]], {"partner_id": lager})
    plain = dd.purchase_order(stack.gateway, suppliers.supplier_id, [
        {"product_id": products[dd.APFELSCHORLE], "product_qty": 10, "product_uom": stack.data.uoms["CS"],
         "price_unit": 7.2},
        {"product_id": products[dd.ESPRESSO], "product_qty": 3, "price_unit": 15.9},
    ])
    answered = dd.purchase_order(stack.gateway, suppliers.orr_supplier_id, [
        {"product_id": products[dd.ESPRESSO], "product_qty": 4, "product_uom": stack.data.uoms["CT"],
         "price_unit": 89.4}])

    result = stack.run("export_purchase_orders")
    assert result.success
    sent = {_content(s)["header"]["orderIdentifier"]: _content(s) for s in _orders_sent(stack)}
    plain_po, answered_po = _po(stack, plain), _po(stack, answered)
    assert set(sent) == {plain_po["name"], answered_po["name"]}
    for content in sent.values():
        assert validate_document("ORDER", content) == []

    order = sent[plain_po["name"]]
    header = order["header"]
    assert header["buyer"]["identifiers"][0] == {"identifier": dd.OWN_GLN, "domain": "GS1"}
    assert header["supplier"]["identifiers"][0] == {"identifier": dd.SUPPLIER_GLN, "domain": "GS1"}
    assert header["supplier"]["name"] == "Brauerei Weserbergland KG"
    assert header["shipTo"] == {"name": "Zentrallager Minden",
                                "identifiers": [{"identifier": WAREHOUSE_GLN, "domain": "GS1"}],
                                "postalAddress": {"street": "Hafenstraße 4", "city": "Minden", "postalCode": "32423",
                                                  "countryCode": "DE"}}
    assert header["orderDate"] and header["requestedDeliveryDate"]
    assert header["currency"] == "EUR"
    assert [(i["identifiers"][0]["identifier"], i["quantity"], i["unitOfMeasure"], i["unitPrice"])
            for i in order["items"]] == [(dd.APFELSCHORLE, 10, "CS", 7.2), (dd.ESPRESSO, 3, "EA", 15.9)]
    assert all(i["requestedDeliveryDate"] for i in order["items"])
    assert sent[answered_po["name"]]["header"]["supplier"]["identifiers"][0]["identifier"] == dd.SUPPLIER_ORR_GLN

    # Require Order Response: off → confirmed when sent; on → still an RFQ, the order response confirms it.
    assert plain_po["state"] == "purchase"
    assert answered_po["state"] == "draft"
    [log] = [e for e in _logs(stack, plain) if e["x_state"] == "sent"]
    assert (log["x_movement"], log["x_direction"], log["x_document_type"], log["x_key"]) == (
        "purchase_orders", "out", "ORDER", f"purchase.order,{plain}")
    assert log["x_partner_id"][0] == suppliers.supplier_id
    assert any("Sent to Procuros as ORDER" in body for body in _notes(stack, plain))

    # Each order goes out once: a rerun sends nothing and logs nothing new.
    assert stack.run("export_purchase_orders").success
    assert len(_orders_sent(stack)) == 2
    assert [e["x_state"] for e in _logs(stack, plain)] == ["sent"]
    frame = stack.run("export_purchase_orders").output_for_node("purchase_orders_sent")
    assert frame.empty


def _two_cases_without_price(stack, suppliers, product: int) -> tuple[int, dict]:
    po_id = dd.purchase_order(stack.gateway, suppliers.supplier_id, [
        {"product_id": product, "product_qty": 2, "product_uom": stack.data.uoms["CS"]}])
    [line] = stack.gateway.search_read("purchase.order.line", [("order_id", "=", po_id)], ["id", "price_unit"])
    return po_id, line


def test_a_line_priced_per_product_unit_is_refused_until_priced_in_its_unit(stack, suppliers):
    # transcript 09: a line in Cases of 12 without a price gets the cost per Unit, not converted
    espresso = stack.data.products[dd.ESPRESSO]
    stack.gateway.write("product.product", [espresso], {"standard_price": 6.0})
    po_id, line = _two_cases_without_price(stack, suppliers, espresso)
    assert line["price_unit"] == 6.0  # what Odoo does

    result = stack.run("export_purchase_orders")
    assert not _orders_sent(stack)
    frame = result.output_for_node("purchase_orders_sent")
    [reason] = frame["error"].tolist()
    name = _po(stack, po_id)["name"]
    assert reason.startswith(f"Purchase order {name}: line 1")
    assert "cost per Units" in reason and "enter the price per Case of 12" in reason
    [check] = [c for c in result.get_asset_check_evaluations() if c.check_name == "purchase_orders_delivered"]
    assert not check.passed
    assert [e["x_state"] for e in _logs(stack, po_id)] == ["reported"]
    assert _po(stack, po_id)["state"] == "draft"  # not sent, not confirmed
    assert stack.run("export_purchase_orders").output_for_node("purchase_orders_sent")["status"].tolist() == ["NOT_BUILT"]
    assert [e["x_state"] for e in _logs(stack, po_id)] == ["reported"]  # reported once

    # The buyer enters the price per case: the next run sends it.
    stack.gateway.write("purchase.order.line", [line["id"]], {"price_unit": 72.0})
    assert stack.run("export_purchase_orders").success
    [sent] = _orders_sent(stack)
    assert [(i["unitOfMeasure"], i["unitPrice"]) for i in _content(sent)["items"]] == [("CS", 72.0)]
    assert [e["x_state"] for e in _logs(stack, po_id)] == ["reported", "sent"]


def test_a_line_priced_from_the_vendor_pricelist_per_product_unit_is_refused(stack, suppliers):
    # transcript 17: the supplier's price on the product's Purchase tab is per purchase unit; a line in
    # Cases of 12 created without a price gets it unconverted (and its minimum quantities ignored)
    espresso = stack.data.products[dd.ESPRESSO]
    [tmpl] = stack.gateway.read("product.product", [espresso], ["product_tmpl_id"])
    stack.gateway.create("product.supplierinfo", [{"partner_id": suppliers.supplier_id, "price": 5.5,
                                                   "product_tmpl_id": tmpl["product_tmpl_id"][0]}])
    po_id, line = _two_cases_without_price(stack, suppliers, espresso)
    assert line["price_unit"] == 5.5  # what Odoo does

    result = stack.run("export_purchase_orders")
    assert not _orders_sent(stack)
    [reason] = result.output_for_node("purchase_orders_sent")["error"].tolist()
    assert "the price 5.50 is the supplier's price (product's Purchase tab) per Units" in reason
    assert "enter the price per Case of 12" in reason
    stack.gateway.write("purchase.order.line", [line["id"]], {"price_unit": 66.0})
    assert stack.run("export_purchase_orders").success
    assert [(i["unitOfMeasure"], i["unitPrice"]) for i in _content(_orders_sent(stack)[0])["items"]] == [("CS", 66.0)]


def test_supplier_without_gln_and_product_without_gtin_are_refused_with_reasons(stack, suppliers):
    stack.gateway.write("res.partner", [suppliers.supplier_id], {"ref": "BRAUEREI-1"})
    [no_gtin] = stack.gateway.create("product.product", [{"name": "Kronkorken", "type": "consu"}])
    po_id = dd.purchase_order(stack.gateway, suppliers.supplier_id, [{"product_id": no_gtin, "product_qty": 5,
                                                                     "price_unit": 0.1}])
    frame = stack.run("export_purchase_orders").output_for_node("purchase_orders_sent")
    [reason] = frame["error"].tolist()
    assert "supplier Brauerei Weserbergland KG has no GLN in Reference (Reference 'BRAUEREI-1'" in reason
    assert "line 1: product Kronkorken has no barcode (GTIN)" in reason
    assert not _orders_sent(stack)
    assert stack.procuros.reported_errors  # told Procuros once, as our own failure
    assert _po(stack, po_id)["state"] == "draft"


def test_an_order_changed_after_sending_is_reported_once_and_not_sent_again(stack, suppliers):
    po_id = dd.purchase_order(stack.gateway, suppliers.orr_supplier_id, [
        {"product_id": stack.data.products[dd.ESPRESSO], "product_qty": 4, "product_uom": stack.data.uoms["CT"],
         "price_unit": 89.4}])
    assert stack.run("export_purchase_orders").success
    assert len(_orders_sent(stack)) == 1
    # the buyer raises the quantity afterwards
    [line] = stack.gateway.search_read("purchase.order.line", [("order_id", "=", po_id)], ["id"])
    stack.gateway.write("purchase.order.line", [line["id"]], {"product_qty": 6})

    result = stack.run("export_purchase_orders")
    assert result.success
    assert len(_orders_sent(stack)) == 1  # not re-sent
    logs = _logs(stack, po_id)
    assert [e["x_state"] for e in logs] == ["sent", "changed_after_sending"]
    name = _po(stack, po_id)["name"]
    assert logs[1]["x_reason"].startswith(f"Purchase order {name} was changed after it was sent to Procuros on ")
    assert logs[1]["x_reason"].endswith(
        ": line 1 ([NW-ESP-1KG] Bio-Espresso ganze Bohne 1 kg) quantity 4 → 6. It is not sent again: tell the "
        "supplier of the change.")
    assert sum("changed after it was sent" in b for b in _notes(stack, po_id)) == 1
    frame = result.output_for_node("purchase_orders_sent")
    assert frame["status"].tolist() == ["CHANGED_AFTER_SENDING"]

    # once: the next run neither sends nor reports it again
    assert stack.run("export_purchase_orders").success
    assert len(_orders_sent(stack)) == 1
    assert [e["x_state"] for e in _logs(stack, po_id)] == ["sent", "changed_after_sending"]
    assert sum("changed after it was sent" in b for b in _notes(stack, po_id)) == 1


def test_a_received_order_is_no_change(stack, suppliers):
    """Odoo writes the lines when goods arrive (received quantities): that is not a change to report."""
    po_id = dd.purchase_order(stack.gateway, suppliers.supplier_id, [
        {"product_id": stack.data.products[dd.ESPRESSO], "product_qty": 2, "price_unit": 15.9}])
    assert stack.run("export_purchase_orders").success
    [picking] = _po(stack, po_id, ["picking_ids"])["picking_ids"]
    stack.gateway.validate_pickings([picking])
    assert stack.run("export_purchase_orders").success
    assert [e["x_state"] for e in _logs(stack, po_id)] == ["sent"]


def test_send_now_sends_a_named_rfq_whatever_its_date(stack, suppliers):
    po_id = dd.purchase_order(stack.gateway, suppliers.orr_supplier_id, [
        {"product_id": stack.data.products[dd.ESPRESSO], "product_qty": 1, "price_unit": 15.9}])
    name = _po(stack, po_id)["name"]
    job = stack.defs.resolve_job_def("send_to_procuros")
    config = {"ops": {"send_documents_now": {"config": {"purchase_orders": [name]}}}}
    assert job.execute_in_process(instance=stack.instance, run_config=config).success
    assert [_content(s)["header"]["orderIdentifier"] for s in _orders_sent(stack)] == [name]
    assert _po(stack, po_id)["state"] == "draft"  # Require Order Response: waits for the answer
    assert job.execute_in_process(instance=stack.instance, run_config=config).success
    assert len(_orders_sent(stack)) == 1


def test_the_sent_batch_is_confirmed_in_one_call(stack, suppliers, monkeypatch):
    espresso = stack.data.products[dd.ESPRESSO]
    plain = [dd.purchase_order(stack.gateway, suppliers.supplier_id, [{"product_id": espresso, "product_qty": q,
                                                                       "price_unit": 15.9}]) for q in (1, 2, 3)]
    waiting = dd.purchase_order(stack.gateway, suppliers.orr_supplier_id, [{"product_id": espresso, "product_qty": 1,
                                                                           "price_unit": 15.9}])
    confirms = []
    real_call = type(stack.gateway).call

    def spy(self, model, method, args=(), kwargs=None, **kw):
        if method == "button_confirm":
            confirms.append((model, args))
        return real_call(self, model, method, args, kwargs, **kw)

    monkeypatch.setattr(type(stack.gateway), "call", spy)
    assert stack.run("export_purchase_orders").success
    assert confirms == [("purchase.order", [sorted(plain)])]
    assert [_po(stack, i)["state"] for i in [*plain, waiting]] == ["purchase", "purchase", "purchase", "draft"]


def test_lines_changed_by_an_imported_order_response_are_no_change_to_report(stack, suppliers):
    po_id = dd.purchase_order(stack.gateway, suppliers.orr_supplier_id, [
        {"product_id": stack.data.products[dd.ESPRESSO], "product_qty": 4, "price_unit": 15.9}])
    assert stack.run("export_purchase_orders").success
    # the supplier answered with a CHANGE (what the order-response import logs), and it was applied
    ExchangeLog(stack.gateway).write([LogEntry(
        integration="default", movement="order_responses", direction="in", document_type="ORDER_RESPONSE",
        state="imported", key="orr-1", transaction_id="orr-1", res_model="purchase.order", res_id=po_id)])
    [line] = stack.gateway.search_read("purchase.order.line", [("order_id", "=", po_id)], ["id"])
    stack.gateway.write("purchase.order.line", [line["id"]], {"product_qty": 3})
    assert stack.run("export_purchase_orders").success
    assert [e["x_state"] for e in _logs(stack, po_id) if e["x_movement"] == "purchase_orders"] == ["sent"]
    assert len(_orders_sent(stack)) == 1


def test_the_odoo_sensor_requests_the_export_for_a_new_rfq_of_a_procuros_supplier(stack, suppliers):
    def tick(cursor=None):
        context = dg.build_sensor_context(
            instance=stack.instance, cursor=cursor, sensor_name="odoo_exports", definitions=stack.defs,
            resources={"procuros": ProcurosResource(), "odoo": OdooResource(),
                       "connector_settings": ConnectorSettingsResource()})
        return stack.defs.resolve_sensor_def("odoo_exports").evaluate_tick(context)

    nothing = tick()
    assert nothing.run_requests == []
    # an RFQ of a supplier that does not trade through Procuros is not watched
    [other] = stack.gateway.create("res.partner", [{"name": "Papierhandel Meyer", "is_company": True}])
    dd.purchase_order(stack.gateway, other, [{"product_id": stack.data.products[dd.ESPRESSO], "product_qty": 1,
                                              "price_unit": 15.9}])
    assert tick(nothing.cursor).run_requests == []
    po_id = dd.purchase_order(stack.gateway, suppliers.supplier_id, [
        {"product_id": stack.data.products[dd.ESPRESSO], "product_qty": 1, "price_unit": 15.9}])
    [request] = tick(nothing.cursor).run_requests
    assert request.job_name == "export_purchase_orders"
    [po] = stack.gateway.read("purchase.order", [po_id], ["date_order"])
    utc = datetime.strptime(po["date_order"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
    assert request.partition_key == utc.astimezone(ZoneInfo("Europe/Berlin")).date().isoformat()
    assert stack.run(request.job_name, request.partition_key).success
    assert [_content(s)["header"]["orderIdentifier"] for s in _orders_sent(stack)] == [_po(stack, po_id)["name"]]
