"""Validated deliveries, posted invoices and credit notes → Procuros, through real Dagster runs."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from procuros_dagster.procuros.openapi import validate_document
from procuros_dagster.sandbox import demo_data as dd


def _import(stack, *contents) -> list[dict]:
    for content in contents:
        stack.enqueue_order(content)
    assert stack.run("import_sales_orders").success
    return stack.orders(fields=["id", "name", "client_order_ref", "picking_ids"])


def _moves(stack, picking_id):
    return stack.gateway.search_read(
        "stock.move", [("picking_id", "=", picking_id)], ["id", "product_uom_qty", "sale_line_id"], order="id"
    )


def _deliver(stack, order_id, fraction=1.0, backorder=True):
    return dd.deliver(stack.gateway, order_id, fraction=fraction, backorder=backorder)


def _sent(stack, transaction_type):
    return [s for s in stack.procuros.sent if s["type"] == transaction_type]


def _content(entry):
    return entry["content"] if "content" in entry else entry["body"]["content"]


def test_shipping_notices_full_partial_and_repeated_deliveries(stack):
    orders = _import(
        stack,
        dd.order_content("PO-SN-FULL", [{"gtin": dd.APFELSCHORLE, "quantity": 4, "unit": "CS"}, {"gtin": dd.PFAND, "quantity": 4, "unit": "CS", "deposit": True}]),
        dd.order_content("PO-SN-PART", [{"gtin": dd.ESPRESSO, "quantity": 10, "unit": "CT"}]),
        dd.order_content("PO-SN-CUT", [{"gtin": dd.ESPRESSO, "quantity": 6, "unit": "CT"}]),
    )
    by_ref = {o["client_order_ref"]: o for o in orders}
    _deliver(stack, by_ref["PO-SN-FULL"]["id"])
    _, partial = _deliver(stack, by_ref["PO-SN-PART"]["id"], fraction=0.7, backorder=True)
    _deliver(stack, by_ref["PO-SN-CUT"]["id"], fraction=0.5, backorder=False)

    result = stack.run("export_shipping_notices")
    assert result.success
    notices = {_content(s)["header"]["orderIdentifier"]: _content(s) for s in _sent(stack, "SHIPPING_NOTICE")}
    assert set(notices) == {"PO-SN-FULL", "PO-SN-PART", "PO-SN-CUT"}
    for content in notices.values():
        assert validate_document("SHIPPING_NOTICE", content) == []
        assert content["transportUnits"], "the schema requires at least one transport unit"

    def items(content):
        return [i for unit in content["transportUnits"] for i in unit["items"]]

    full = items(notices["PO-SN-FULL"])
    assert [(i["orderedQuantity"], i["shippedQuantity"], i["isDepositItem"]) for i in full] == [(4, 4, False), (4, 4, True)]
    assert all("openQuantityAction" not in i for i in full)
    [part] = items(notices["PO-SN-PART"])
    assert (part["orderedQuantity"], part["shippedQuantity"], part["openQuantityAction"]) == (10, 7, "DELIVERED_LATER")
    [cut] = items(notices["PO-SN-CUT"])
    assert (cut["orderedQuantity"], cut["shippedQuantity"], cut["openQuantityAction"]) == (6, 3, "DISCARDED")
    assert notices["PO-SN-FULL"]["header"]["supplier"]["identifiers"][0]["identifier"] == dd.OWN_GLN

    # Sent once: a rerun sends nothing; the records are bound and their chatter says so.
    assert stack.run("export_shipping_notices").success
    assert len(_sent(stack, "SHIPPING_NOTICE")) == 3
    bound = stack.gateway.search_read("ir.model.data", [("module", "=", "procuros"), ("name", "=like", "shipping_notice_%")], ["res_id"])
    assert len(bound) == 3
    picking = bound[0]["res_id"]
    messages = stack.gateway.search_read("mail.message", [("model", "=", "stock.picking"), ("res_id", "=", picking)], ["body"])
    assert any("SHIPPING_NOTICE" in m["body"] for m in messages)

    # The backorder ships later: a second notice for the same order with the remaining quantity.
    [backorder] = partial.backorder_ids
    stack.gateway.call("stock.picking", "action_assign", [[backorder]])
    stack.gateway.set_move_quantities({m["id"]: m["product_uom_qty"] for m in _moves(stack, backorder)})
    stack.gateway.validate_pickings([backorder])
    assert stack.run("export_shipping_notices").success
    second = [_content(s) for s in _sent(stack, "SHIPPING_NOTICE") if _content(s)["header"]["orderIdentifier"] == "PO-SN-PART"]
    assert len(second) == 2
    [rest] = items(second[1])
    # the buyer's ordered quantity, not the rest; the rest of it left with the first delivery
    assert (rest["orderedQuantity"], rest["shippedQuantity"], rest["openQuantityAction"]) == (10, 3, "DELIVERED_LATER")


def test_invoices_and_credit_notes_and_a_disabled_customer_gets_nothing(stack):
    orders = _import(
        stack,
        dd.order_content("PO-INV-1", [{"gtin": dd.APFELSCHORLE, "quantity": 2, "unit": "CS", "price": 7.2}, {"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT", "price": 89.4}], bill_to_gln=dd.BILL_TO_GLN),
        dd.order_content("PO-QUIET", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT", "price": 89.4}], buyer_gln=dd.QUIET_BUYER_GLN, ship_to_gln=None),
    )
    for order in orders:
        _deliver(stack, order["id"])
    invoice_ids = stack.gateway.invoice_sale_orders([o["id"] for o in orders])
    stack.gateway.post_moves(invoice_ids)

    assert stack.run("export_shipping_notices").success
    assert stack.run("export_invoices").success
    invoices = [_content(s) for s in _sent(stack, "INVOICE")]
    assert [i["header"]["orderIdentifier"] for i in invoices] == ["PO-INV-1"], stack.procuros.reported_errors  # the quiet customer gets nothing
    [invoice] = invoices
    assert validate_document("INVOICE", invoice) == []
    notices = [_content(s) for s in _sent(stack, "SHIPPING_NOTICE")]
    assert invoice["header"]["shippingNoticeIdentifier"] == notices[0]["header"]["shippingNoticeIdentifier"]
    assert invoice["header"]["billTo"]["identifiers"][0]["identifier"] == dd.BILL_TO_GLN
    lines_net = sum(round(i["quantity"] * i["unitPrice"], 2) for i in invoice["items"])
    assert abs(invoice["summary"]["netAmount"] - lines_net) < 0.01

    buyer_invoice = next(i for i in invoice_ids if stack.gateway.read("account.move", [i], ["partner_id"])[0]["partner_id"][0] in (stack.data.buyer_id, stack.data.bill_to_id))
    [credit_note] = stack.gateway.reverse_moves([buyer_invoice], reason="Transportschaden: 2 Kartons")
    stack.gateway.post_moves([credit_note])
    assert stack.run("export_credit_notes").success
    [cn] = [_content(s) for s in _sent(stack, "CREDIT_NOTE")]
    assert validate_document("CREDIT_NOTE", cn) == []
    assert cn["header"]["reason"] == "Transportschaden: 2 Kartons"
    assert cn["header"]["invoiceIdentifier"] == invoice["header"]["invoiceIdentifier"]
    assert cn["summary"]["dueAmount"] > 0

    # Switching the reason off on the customer leaves it out of the next credit note.
    stack.gateway.write("res.partner", [stack.data.buyer_id], {"x_procuros_send_credit_note_reason": False})
    credit_ids = stack.gateway.reverse_moves([buyer_invoice], reason="Preisnachlass")
    stack.gateway.post_moves(credit_ids)
    assert stack.run("export_credit_notes").success
    latest = _content(_sent(stack, "CREDIT_NOTE")[-1])
    assert "reason" not in latest["header"]


def test_refused_document_is_reported_once_stays_eligible_and_fails_the_check(stack):
    [order] = _import(stack, dd.order_content("PO-REFUSED", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}]))
    picking, _ = _deliver(stack, order["id"])
    stack.procuros.partners = {"4000000000001"}  # our buyer is not a connected partner: 422

    result = stack.run("export_shipping_notices")
    assert result.success
    [check] = [
        e.event_specific_data for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and e.event_specific_data.check_name == "shipping_notices_delivered"
    ]
    assert check.passed is False
    # the 422 (with its errorUrl) is Procuros' own record of it: no second report on POST /v2/errors
    assert stack.procuros.reported_errors == []
    assert not stack.gateway.search_read("ir.model.data", [("name", "=", f"shipping_notice_{picking}")], ["id"])

    stack.run("export_shipping_notices")
    notes = stack.gateway.search_read("mail.message", [("model", "=", "stock.picking"), ("res_id", "=", picking),
                                                       ("body", "ilike", "Not sent to Procuros")], ["body"])
    assert len(notes) == 1  # told once on the delivery, not on every run

    stack.procuros.partners = None  # the partner is connected now: the next run sends it,
    # whatever day that run is for (the daily schedule runs the previous day's partition)
    other_day = (date.fromisoformat(stack.today) - timedelta(days=1)).isoformat()
    assert stack.run("export_shipping_notices", other_day).success
    transmitted = [_content(s)["header"]["orderIdentifier"] for s in stack.procuros.sent if s.get("outcome") == "TRANSMITTED"]
    assert transmitted == ["PO-REFUSED"]
    assert stack.gateway.search_read("ir.model.data", [("name", "=", f"shipping_notice_{picking}")], ["id"])


def test_send_now_job_sends_a_named_delivery(stack):
    [order] = _import(stack, dd.order_content("PO-NOW", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}]))
    picking, _ = _deliver(stack, order["id"])
    [name] = [p["name"] for p in stack.gateway.read("stock.picking", [picking], ["name"])]
    job = stack.defs.resolve_job_def("send_to_procuros")
    result = job.execute_in_process(
        instance=stack.instance, run_config={"ops": {"send_documents_now": {"config": {"shipping_notices": [name]}}}}
    )
    assert result.success
    assert [_content(s)["header"]["shippingNoticeIdentifier"] for s in _sent(stack, "SHIPPING_NOTICE")] == [name]


def test_crash_between_send_and_bind_counts_the_duplicate_as_sent(stack):
    [order] = _import(stack, dd.order_content("PO-TWICE", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}]))
    picking, _ = _deliver(stack, order["id"])
    assert stack.run("export_shipping_notices").success
    # As if the run had died right after sending: the binding was never written.
    [binding] = stack.gateway.search_read("ir.model.data", [("name", "=", f"shipping_notice_{picking}")], ["id"])
    stack.gateway.unlink("ir.model.data", [binding["id"]])

    result = stack.run("export_shipping_notices")
    assert result.success
    sends = _sent(stack, "SHIPPING_NOTICE")
    assert len(sends) == 2 and sends[1]["outcome"] == "ALREADY_RECEIVED"  # Procuros: "Payload already received"
    assert len([s for s in sends if s.get("transaction_id")]) == 1  # forwarded to the buyer once
    assert stack.gateway.search_read("ir.model.data", [("name", "=", f"shipping_notice_{picking}")], ["id"])
    frame = result.output_for_node("shipping_notices_sent")
    assert frame["status"].tolist() == ["ALREADY_RECEIVED"]
    assert stack.procuros.reported_errors == []


def test_procuros_failing_mid_batch_keeps_what_was_sent_bound(stack, tmp_path, monkeypatch):
    # give up on the outage quickly; one send at a time, so that the outage begins after the first
    _settings(tmp_path, monkeypatch, "procuros:\n  max_retry_seconds: 1\n  send_concurrency: 1\n")
    orders = _import(
        stack,
        dd.order_content("PO-MID-1", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}]),
        dd.order_content("PO-MID-2", [{"gtin": dd.ESPRESSO, "quantity": 2, "unit": "CT"}]),
    )
    for order in orders:
        _deliver(stack, order["id"])
    held = stack.procuros.hold("POST /v2/transactions")
    worker, results = _export_in_background(stack)
    assert held.reached.wait(30)
    outage = stack.procuros.inject_faults(status=503, endpoint="POST /v2/transactions")  # after the first send
    held.release()
    worker.join(60)
    assert not results["run"].success  # Procuros stayed down: the run fails loudly

    [first] = _sent(stack, "SHIPPING_NOTICE")
    bound = stack.gateway.search_read("ir.model.data", [("name", "=like", "shipping_notice_%")], ["res_id"])
    names = [p["name"] for p in stack.gateway.read("stock.picking", [b["res_id"] for b in bound], ["name"])]
    assert names == [_content(first)["header"]["shippingNoticeIdentifier"]]  # what went out is bound anyway

    outage.count = 0  # Procuros is back
    assert stack.run("export_shipping_notices").success
    sent = _sent(stack, "SHIPPING_NOTICE")
    assert sorted(_content(s)["header"]["orderIdentifier"] for s in sent) == ["PO-MID-1", "PO-MID-2"]  # nothing twice


def test_a_document_procuros_refuses_does_not_stop_the_others_but_a_refused_token_stops_the_run(stack):
    orders = _import(stack, *(dd.order_content(f"PO-400-{i}", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}])
                              for i in range(3)))
    for order in orders:
        _deliver(stack, order["id"])
    stack.procuros.inject_faults(status=400, count=1, endpoint="POST /v2/transactions")
    result = stack.run("export_shipping_notices")
    assert result.success, "one refused document must not fail the run"
    assert len(_sent(stack, "SHIPPING_NOTICE")) == 2
    [check] = [e.event_specific_data for e in result.all_events
               if e.event_type_value == "ASSET_CHECK_EVALUATION"
               and e.event_specific_data.check_name == "shipping_notices_delivered"]
    assert check.passed is False  # the refused one is listed, and stays eligible
    assert stack.run("export_shipping_notices").success
    assert len(_sent(stack, "SHIPPING_NOTICE")) == 3

    [extra] = _import(stack, dd.order_content("PO-401", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}]))[-1:]
    _deliver(stack, extra["id"])
    stack.procuros.inject_faults(status=401, count=1, endpoint="POST /v2/transactions")
    assert not stack.run("export_shipping_notices").success  # systemic: the run stops and says so
    assert len(_sent(stack, "SHIPPING_NOTICE")) == 3
    assert stack.run("export_shipping_notices").success and len(_sent(stack, "SHIPPING_NOTICE")) == 4


def test_a_document_that_cannot_be_built_is_reported_once_as_our_own_error(stack):
    [order] = _import(stack, dd.order_content("PO-NOGTIN", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}]))
    _deliver(stack, order["id"])
    stack.gateway.write("product.product", [stack.data.products[dd.ESPRESSO]], {"barcode": False})
    assert stack.run("export_shipping_notices").success
    assert stack.run("export_shipping_notices").success
    [report] = stack.procuros.reported_errors  # once, not on every run
    assert report["errorType"] == "INTERNAL"  # the missing barcode is ours to fix, not the buyer's
    assert "has no barcode" in report["errorReason"]
    assert _sent(stack, "SHIPPING_NOTICE") == []


def test_send_now_refuses_an_empty_request_and_says_how_to_name_records(stack):
    job = stack.defs.resolve_job_def("send_to_procuros")
    result = job.execute_in_process(instance=stack.instance, raise_on_error=False,
                                    run_config={"ops": {"send_documents_now": {"config": {"invoices": ["  "]}}}})
    assert not result.success
    [failure] = result.get_step_failure_events()
    text = failure.step_failure_data.user_failure_data.description
    assert text.startswith("Nothing to send: name the Odoo records to send now")
    assert '["WH/OUT/00004"]' in text and '["INV/2026/00012"]' in text
    assert stack.procuros.sent == []


def test_an_idle_export_run_shows_the_day_as_it_stands_not_an_empty_table(stack):
    [order] = _import(stack, dd.order_content("PO-IDLE", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}]))
    picking, _ = _deliver(stack, order["id"])
    first = stack.run("export_shipping_notices")
    assert first.success and len(_sent(stack, "SHIPPING_NOTICE")) == 1
    idle = stack.run("export_shipping_notices")  # the sensor's next tick: nothing new
    assert idle.success and len(_sent(stack, "SHIPPING_NOTICE")) == 1
    [materialization] = idle.asset_materializations_for_node("shipping_notices_sent")
    meta = materialization.metadata
    assert meta["sent"].value == 0 and meta["sent_of_the_day"].value == 1 and meta["of_the_day"].value == 1
    [row] = meta["documents"].value.records
    assert (row.data["record_id"], row.data["state"], row.data["attempt"]) == (picking, "sent", 1)
    assert row.data["transaction_id"]


def _delivered(stack, count: int, prefix: str) -> list[dict]:
    orders = _import(stack, *[dd.order_content(f"{prefix}-{i}", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}])
                              for i in range(count)])
    for order in orders:
        _deliver(stack, order["id"])
    return orders


def _settings(tmp_path, monkeypatch, text: str) -> None:
    settings = tmp_path / "settings.yaml"
    settings.write_text(text)
    monkeypatch.setenv("PROCUROS_DAGSTER_SETTINGS", str(settings))


def _export_in_background(stack) -> tuple:
    """The shipping notice export on a thread: (thread, results dict that gets "run")."""
    import threading

    results: dict = {}
    worker = threading.Thread(target=lambda: results.setdefault("run", stack.run("export_shipping_notices")))
    worker.start()
    return worker, results


def _wait_until_sent(stack, count: int) -> None:
    """Until ``count`` notices reached Procuros (at most 30 s), then a little longer: would more
    go out? (the caller asserts they did not)."""
    import time

    deadline = time.monotonic() + 30
    while len(_sent(stack, "SHIPPING_NOTICE")) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)


def _bound_pickings(stack) -> list[int]:
    return sorted(b["res_id"] for b in stack.gateway.search_read(
        "ir.model.data", [("name", "=like", "shipping_notice_%")], ["res_id"]))


@pytest.mark.sandbox_only("holds an Odoo call")
def test_odoo_logs_and_binds_a_batch_while_the_next_documents_are_sent(stack, tmp_path, monkeypatch):
    from procuros_dagster.flows import outbound

    monkeypatch.setattr(outbound, "BIND_EVERY", 2)
    _settings(tmp_path, monkeypatch, "procuros:\n  send_concurrency: 1\n")  # what goes out while Odoo binds, one at a time
    _delivered(stack, 5, "PO-BG")
    held = stack.odoo.hold("x_procuros_log", "create")  # the first batch's Logs entries, in Odoo
    worker, results = _export_in_background(stack)
    assert held.reached.wait(30)
    _wait_until_sent(stack, 4)  # would a fifth go out before the first batch is bound? it must not
    # the second batch went out while Odoo wrote the first one's entries; the third waits for it
    assert len(_sent(stack, "SHIPPING_NOTICE")) == 4
    assert _bound_pickings(stack) == []  # Logs before bindings: nothing bound yet
    held.release()
    worker.join(60)
    assert results["run"].success
    assert len(_bound_pickings(stack)) == 5
    assert stack.run("export_shipping_notices").success  # bound: nothing goes out again
    assert len(_sent(stack, "SHIPPING_NOTICE")) == 5


@pytest.mark.sandbox_only("injects an Odoo fault")
def test_a_batch_whose_binding_fails_in_the_background_is_bound_before_the_run_ends(stack, monkeypatch):
    from procuros_dagster.flows import outbound

    monkeypatch.setattr(outbound, "BIND_EVERY", 2)
    _delivered(stack, 3, "PO-BGF")
    stack.odoo.inject_fault("ir.model.data", "create", count=1)  # the first batch's bindings
    assert not stack.run("export_shipping_notices").success  # the failure is not swallowed
    assert len(_bound_pickings(stack)) == 3  # but what was sent is bound, the failed batch too
    assert stack.run("export_shipping_notices").success
    assert len(_sent(stack, "SHIPPING_NOTICE")) == 3  # nothing twice


def _bound_notice_names(stack) -> list[str]:
    return sorted(p["name"] for p in stack.gateway.read("stock.picking", _bound_pickings(stack), ["name"]))


def test_an_export_sends_several_documents_at_once_and_binds_them_in_order(stack, tmp_path, monkeypatch):
    _settings(tmp_path, monkeypatch, "procuros:\n  send_concurrency: 3\n")
    _delivered(stack, 6, "PO-CONC")
    held = stack.procuros.hold("POST /v2/transactions", limit=1)  # the first send waits for Procuros...
    worker, results = _export_in_background(stack)
    assert held.reached.wait(30)
    _wait_until_sent(stack, 2)  # would more start while one is unanswered? they must not
    # Sends are answered in the documents' order: behind the one held (whichever reached Procuros
    # first), the two after it went out, and nothing further (three under way at most).
    position = {p["name"]: i for i, p in enumerate(stack.gateway.search_read(  # the export's order: by id
        "stock.picking", [("picking_type_code", "=", "outgoing"), ("state", "=", "done")], ["name"], order="id"))}
    went_out = {position[_content(s)["header"]["shippingNoticeIdentifier"]] for s in _sent(stack, "SHIPPING_NOTICE")}
    waiting = min(set(range(6)) - went_out)
    assert went_out == set(range(waiting)) | {waiting + 1, waiting + 2}
    held.release()
    worker.join(60)
    run = results["run"]
    assert run.success
    sent = _sent(stack, "SHIPPING_NOTICE")
    assert len(sent) == 6
    assert _bound_notice_names(stack) == sorted(_content(s)["header"]["shippingNoticeIdentifier"] for s in sent)
    [table] = [e.event_specific_data.materialization.metadata["documents"].value.records
               for e in run.all_events if e.event_type_value == "ASSET_MATERIALIZATION"]
    # the run's report lists the documents in the order they were built (by id), not as answered
    assert [r.data["document"] for r in table] == sorted(position, key=position.get)


def test_a_refused_token_during_concurrent_sends_binds_what_went_out_and_the_rerun_sends_the_rest_once(stack, tmp_path,
                                                                                                   monkeypatch):
    _settings(tmp_path, monkeypatch, "procuros:\n  send_concurrency: 4\n")
    _delivered(stack, 6, "PO-CONC401")
    stack.procuros.inject_faults(status=401, count=1, endpoint="POST /v2/transactions", kind="status")
    assert not stack.run("export_shipping_notices").success  # the run stops and says so
    sent = _sent(stack, "SHIPPING_NOTICE")
    assert len(sent) < 6  # the refused one at least did not go out
    # every send that was under way when the token was refused is answered and bound
    assert _bound_notice_names(stack) == sorted(_content(s)["header"]["shippingNoticeIdentifier"] for s in sent)
    assert stack.run("export_shipping_notices").success
    sent = _sent(stack, "SHIPPING_NOTICE")
    assert sorted(_content(s)["header"]["orderIdentifier"] for s in sent) == [f"PO-CONC401-{i}" for i in range(6)]
