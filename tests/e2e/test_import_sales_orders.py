"""Procuros ORDERs → Odoo quotations through real Dagster runs against both sandboxes."""

from __future__ import annotations

import json
from pathlib import Path

from procuros_dagster.sandbox import demo_data as dd


def _good_orders(n: int) -> list[dict]:
    orders = []
    for i in range(n):
        lines = [
            {"gtin": dd.APFELSCHORLE, "quantity": 10 + i, "unit": "CS", "price": 7.2},
            {"gtin": dd.PFAND, "quantity": 10 + i, "unit": "CS", "price": 3.0, "deposit": True},
            {"gtin": dd.ESPRESSO, "quantity": 2, "unit": "CT"},
        ]
        orders.append(
            dd.order_content(
                f"PO-E2E-{i:04d}",
                lines,
                ship_to_gln=dd.SHIP_TO_GLN if i % 2 == 0 else None,
                bill_to_gln=dd.BILL_TO_GLN if i % 3 == 0 else None,
                comments="Rampe 3" if i == 0 else None,
            )
        )
    return orders


def _check(result, name):
    evaluations = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and e.event_specific_data.check_name == name
    ]
    assert evaluations, f"check {name} was not evaluated"
    return evaluations[-1]


def test_a_day_of_orders_becomes_quotations_and_bad_ones_are_rejected_with_reasons(stack):
    good = [stack.enqueue_order(c) for c in _good_orders(12)]
    unknown_gtin = stack.enqueue_order(dd.order_content("PO-BAD-1", [{"gtin": "4300348765432", "quantity": 3}]))
    unknown_buyer = stack.enqueue_order(
        dd.order_content("PO-BAD-2", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}], buyer_gln="4099999000017")
    )

    result = stack.run("import_sales_orders")
    assert result.success

    orders = stack.orders(fields=["id", "name", "state", "client_order_ref", "x_procuros_transaction_id", "partner_id", "partner_shipping_id", "partner_invoice_id", "order_line", "x_procuros_buyer_gln", "note", "carrier_id", "warehouse_id"])
    assert len(orders) == 12
    by_tid = {o["x_procuros_transaction_id"]: o for o in orders}
    assert set(by_tid) == set(good)
    first = by_tid[good[0]]
    assert first["state"] == "draft"
    assert first["client_order_ref"] == "PO-E2E-0000"
    assert first["partner_id"][0] == stack.data.buyer_id
    assert first["partner_shipping_id"][0] == stack.data.ship_to_id  # shipTo GLN → delivery child
    assert first["partner_invoice_id"][0] == stack.data.bill_to_id  # billTo GLN → invoice child
    assert "Rampe 3" in (first["note"] or "")
    second = by_tid[good[1]]
    assert second["partner_shipping_id"][0] == stack.data.buyer_id  # absent shipTo means the buyer
    assert second["partner_invoice_id"][0] == stack.data.buyer_id
    assert first["warehouse_id"]  # the sales default (the company's warehouse) applies

    lines = stack.gateway.search_read(
        "sale.order.line",
        [("order_id", "=", first["id"])],
        ["product_id", "product_uom", "product_uom_qty", "price_unit", "x_procuros_line_number", "x_procuros_is_deposit"],
        order="sequence, id",
    )
    assert [l["product_id"][0] for l in lines] == [stack.data.products[g] for g in (dd.APFELSCHORLE, dd.PFAND, dd.ESPRESSO)]
    assert [l["product_uom"][0] for l in lines] == [stack.data.uoms["CS"], stack.data.uoms["CS"], stack.data.uoms["CT"]]
    assert [l["x_procuros_line_number"] for l in lines] == [1, 2, 3]
    assert [l["x_procuros_is_deposit"] for l in lines] == [False, True, False]
    assert lines[0]["price_unit"] == 7.2 and lines[0]["product_uom_qty"] == 10

    acks = stack.procuros.acknowledgements
    assert all(acks[t]["success"] is True for t in good)
    assert acks[unknown_gtin]["success"] is False and acks[unknown_gtin]["errorType"] == "DATA"
    assert "GTIN 4300348765432 matches no product" in acks[unknown_gtin]["errorReason"]
    assert acks[unknown_buyer]["errorType"] == "DATA"
    assert "4099999000017" in acks[unknown_buyer]["errorReason"]
    assert stack.procuros.pending() == []

    # The raw payloads were landed before they were acknowledged, the rejected ones included.
    landed = [
        json.loads(line)
        for path in Path(stack.env["PROCUROS_DAGSTER_LANDING_DIR"]).rglob("*.jsonl")
        for line in path.read_text().splitlines()
    ]
    assert {t["procurosTransactionId"] for t in landed} == set(good) | {unknown_gtin, unknown_buyer}

    rejected = _check(result, "orders_resolve_cleanly")
    assert rejected.passed is False
    assert _check(result, "order_writes_well_formed").passed is True
    assert _check(result, "orders_acknowledged").passed is True

    # Chatter: each quotation says which Procuros transaction it came from.
    messages = stack.gateway.search_read("mail.message", [("model", "=", "sale.order"), ("res_id", "=", first["id"])], ["body"])
    assert any(good[0] in m["body"] for m in messages)


def test_rerun_creates_nothing_twice(stack):
    tids = [stack.enqueue_order(c) for c in _good_orders(3)]
    assert stack.run("import_sales_orders").success
    before = stack.orders()
    # A rerun, and a backfill-style rerun of the same day, find nothing new to write.
    assert stack.run("import_sales_orders").success
    assert stack.orders() == before
    assert len(before) == 3
    bindings = stack.gateway.search_read("ir.model.data", [("module", "=", "procuros"), ("model", "=", "sale.order")], ["name", "res_id"])
    # one binding per order, and the claim each order was created under (never a second attempt)
    assert {b["name"] for b in bindings} == {p + t.replace("-", "_") + s for t in tids
                                             for p, s in (("order_", ""), ("claim_order_", "_0"))}


def test_newer_version_updates_a_quotation_and_is_rejected_once_confirmed(stack):
    first = stack.enqueue_order(dd.order_content("PO-V-1", [{"gtin": dd.ESPRESSO, "quantity": 5, "unit": "CT"}]))
    assert stack.run("import_sales_orders").success
    [order] = stack.orders()

    second = stack.enqueue_order(
        dd.order_content("PO-V-1", [{"gtin": dd.ESPRESSO, "quantity": 7, "unit": "CT"}, {"gtin": dd.APFELSCHORLE, "quantity": 1}]),
        replaces=first,
    )
    assert stack.run("import_sales_orders").success
    [updated] = stack.orders()
    assert updated["id"] == order["id"] and updated["x_procuros_transaction_id"] == second
    qty = stack.gateway.search_read("sale.order.line", [("order_id", "=", order["id"])], ["product_uom_qty"], order="sequence, id")
    assert [l["product_uom_qty"] for l in qty] == [7.0, 1.0]
    assert stack.procuros.acknowledgements[second]["success"] is True

    stack.gateway.confirm_sale_orders([order["id"]])
    third = stack.enqueue_order(
        dd.order_content("PO-V-1", [{"gtin": dd.ESPRESSO, "quantity": 9, "unit": "CT"}]), replaces=second
    )
    assert stack.run("import_sales_orders").success
    ack = stack.procuros.acknowledgements[third]
    assert ack["success"] is False and ack["errorType"] == "DATA"
    assert "already confirmed" in ack["errorReason"]


def _one_live_one_test_order(stack, tmp_path, monkeypatch, *, test_flow: str) -> tuple[str, str]:
    """With ``test_flow: <choice>`` in the settings file, queue order PO-LIVE and the TEST-flow PO-TEST."""
    settings = tmp_path / "settings.yaml"
    settings.write_text(f"test_flow: {test_flow}\n")
    monkeypatch.setenv("PROCUROS_DAGSTER_SETTINGS", str(settings))
    live = stack.enqueue_order(dd.order_content("PO-LIVE", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}]))
    test = stack.enqueue_order(dd.order_content("PO-TEST", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}]), flow="TEST")
    return live, test


def test_test_flow_orders_can_be_rejected_by_setting(stack, tmp_path, monkeypatch):
    live, test = _one_live_one_test_order(stack, tmp_path, monkeypatch, test_flow="reject")
    assert stack.run("import_sales_orders").success
    assert [o["client_order_ref"] for o in stack.orders()] == ["PO-LIVE"]
    assert stack.procuros.acknowledgements[live]["success"] is True
    assert stack.procuros.acknowledgements[test]["success"] is False
    assert "Test transactions" in stack.procuros.acknowledgements[test]["errorReason"]


def test_secrets_never_reach_the_event_log_run_config_or_output(stack, capfd):
    from dagster._serdes import serialize_value

    from .conftest import ODOO_PASSWORD, TOKEN

    stack.enqueue_order(dd.order_content("PO-SECRET", [{"gtin": "4300348765432", "quantity": 1}]))
    stack.procuros.inject_faults(status=503, count=1, endpoint="GET /v2/transactions")
    result = stack.run("import_sales_orders")
    assert result.success
    for record in stack.instance.all_logs(result.run_id):
        text = serialize_value(record)
        assert TOKEN not in text and ODOO_PASSWORD not in text
    run = stack.instance.get_run_by_id(result.run_id)
    assert TOKEN not in serialize_value(run) and ODOO_PASSWORD not in serialize_value(run)
    out, err = capfd.readouterr()
    assert TOKEN not in out + err and ODOO_PASSWORD not in out + err


def test_a_day_larger_than_one_chunk_is_processed_chunk_by_chunk(stack, monkeypatch):
    from procuros_dagster.flows import inbound

    monkeypatch.setattr(inbound, "CHUNK", 2)  # 7 transactions → 4 chunks through every stage
    good = [stack.enqueue_order(c) for c in _good_orders(6)]
    bad = stack.enqueue_order(dd.order_content("PO-CHUNK-BAD", [{"gtin": "4300348765432", "quantity": 1}]))
    result = stack.run("import_sales_orders")
    assert result.success
    assert sorted(o["x_procuros_transaction_id"] for o in stack.orders()) == sorted(good)
    assert all(stack.procuros.acknowledgements[t]["success"] for t in good)
    assert stack.procuros.acknowledgements[bad]["success"] is False
    raw = result.output_for_node("procuros_orders_raw")
    assert raw.chunks.count == 4 and raw.chunks.items == 7


def _corrupt(monkeypatch, which):
    """Make the mapping emit a malformed value (a partner that is not an id) for some orders."""
    from procuros_dagster.movements import SALES_ORDERS

    real = SALES_ORDERS.inbound.build_writes

    def broken(resolved):
        writes = real(resolved)
        for w in writes:
            if which(w):
                w.vals["partner_id"] = [w.vals["partner_id"], "Kaufhaus"]  # the many2one trap
        return writes

    monkeypatch.setattr(SALES_ORDERS.inbound, "build_writes", broken)


def test_one_malformed_order_is_rejected_alone_and_the_rest_go_on(stack, monkeypatch):
    tids = [stack.enqueue_order(c) for c in _good_orders(4)]
    _corrupt(monkeypatch, lambda w: w.vals.get("client_order_ref") == "PO-E2E-0002")
    result = stack.run("import_sales_orders")
    assert result.success
    assert sorted(o["client_order_ref"] for o in stack.orders()) == ["PO-E2E-0000", "PO-E2E-0001", "PO-E2E-0003"]
    bad = stack.procuros.acknowledgements[tids[2]]
    assert bad["success"] is False and bad["errorType"] == "INTERNAL" and "partner_id" in bad["errorReason"]
    assert _check(result, "order_writes_well_formed").passed is True


def test_systemically_malformed_writes_are_blocked_before_odoo(stack, monkeypatch):
    tids = [stack.enqueue_order(c) for c in _good_orders(3)]
    _corrupt(monkeypatch, lambda w: True)
    result = stack.run("import_sales_orders")
    assert _check(result, "order_writes_well_formed").passed is False
    assert stack.orders() == []  # the blocking check kept the write from running
    assert stack.procuros.acknowledgements == {}  # nothing acknowledged: a fixed rerun imports all
    assert {t["procurosTransactionId"] for t in stack.procuros.pending()} == set(tids)


def test_an_order_in_a_foreign_currency_is_rejected_with_a_reason(stack):
    content = dd.order_content("PO-USD", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT", "price": 99.0}])
    content["header"]["currency"] = "USD"
    tid = stack.enqueue_order(content)
    assert stack.run("import_sales_orders").success
    assert stack.orders() == []
    ack = stack.procuros.acknowledgements[tid]
    assert ack["errorType"] == "DATA" and "is in USD, but this supplier invoices in EUR" in ack["errorReason"]


def test_test_flow_orders_can_be_skipped_by_setting(stack, tmp_path, monkeypatch):
    live, test = _one_live_one_test_order(stack, tmp_path, monkeypatch, test_flow="skip")
    result = stack.run("import_sales_orders")
    assert result.success
    assert [o["client_order_ref"] for o in stack.orders()] == ["PO-LIVE"]
    # skipped: taken off the queue, and the acknowledgement says it was not imported
    assert stack.procuros.acknowledgements[live]["success"] is True
    assert not stack.procuros.acknowledgements[live]["errorContext"]
    skipped = stack.procuros.acknowledgements[test]
    assert skipped["success"] is True and skipped["errorContext"]["outcome"] == "not imported"
    assert "does not import test orders" in skipped["errorContext"]["reason"]
    assert stack.procuros.pending() == []


def test_a_queue_item_whose_content_is_not_an_object_is_rejected_alone(stack):
    """One malformed item once failed the whole run, and every later run the same way: the queue
    was blocked for good. It is now landed raw, acknowledged as a DATA failure, the rest imported."""
    stack.procuros.self_check = False  # the item violates the OpenAPI document on purpose
    bad = stack.procuros.enqueue("ORDER", "this is not a JSON object")
    good = stack.enqueue_order(dd.order_content("PO-AFTER-POISON", [{"gtin": dd.ESPRESSO, "quantity": 1,
                                                                     "unit": "CT"}]))
    result = stack.run("import_sales_orders")
    assert result.success
    assert [o["x_procuros_transaction_id"] for o in stack.orders()] == [good]
    ack = stack.procuros.acknowledgements[bad]
    assert ack["success"] is False and ack["errorType"] == "DATA", ack
    assert "header" in ack["errorReason"] or "object" in ack["errorReason"], ack
    assert stack.procuros.acknowledgements[good]["success"] is True
    landed = [json.loads(line) for path in Path(stack.env["PROCUROS_DAGSTER_LANDING_DIR"]).rglob("*.jsonl")
              for line in path.read_text().splitlines()]
    assert any(t.get("procurosTransactionId") == bad and t.get("content") == "this is not a JSON object"
               for t in landed), "the raw payload is kept"
    assert stack.procuros.pending() == []



def test_an_implausible_quantity_and_another_supplier_s_order_are_rejected_the_rest_imported(stack):
    huge = stack.enqueue_order(dd.order_content("PO-HUGE", [{"gtin": dd.ESPRESSO, "quantity": 1e12, "unit": "CT"}]))
    foreign = dd.order_content("PO-FOREIGN", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}])
    foreign["header"]["supplier"]["identifiers"] = [{"identifier": "4000000000017", "domain": "GS1"}]
    other = stack.enqueue_order(foreign)
    good = stack.enqueue_order(dd.order_content("PO-FINE", [{"gtin": dd.ESPRESSO, "quantity": 2, "unit": "CT"}]))
    assert stack.run("import_sales_orders").success
    assert [o["x_procuros_transaction_id"] for o in stack.orders()] == [good]
    acks = stack.procuros.acknowledgements
    assert (acks[huge]["success"], acks[huge]["errorType"]) == (False, "DATA")
    assert "quantity 1e+12 is more than" in acks[huge]["errorReason"]
    assert (acks[other]["success"], acks[other]["errorType"]) == (False, "DATA")
    assert "addressed to supplier GLN 4000000000017" in acks[other]["errorReason"]
    assert acks[good]["success"] is True


def test_an_acknowledgement_procuros_does_not_confirm_is_not_counted(stack, monkeypatch):
    """The bulk reply has one entry per item it took: one missing is reported, not assumed done."""
    from procuros_dagster.procuros.client import ProcurosClient

    tids = [stack.enqueue_order(dd.order_content(f"PO-ACK-{i}", [{"gtin": dd.ESPRESSO, "quantity": 1,
                                                                  "unit": "CT"}])) for i in range(3)]
    real = ProcurosClient.bulk_mark_processed
    monkeypatch.setattr(ProcurosClient, "bulk_mark_processed",
                        lambda self, acks: [r for r in real(self, acks) if r.procuros_transaction_id != tids[1]])
    result = stack.run("import_sales_orders")
    [check] = [c for c in result.get_asset_check_evaluations() if c.check_name == "orders_acknowledged"]
    assert not check.passed
    assert check.metadata["unacknowledged"].value == 1
    assert tids[1] in str(check.metadata["transactions"].value)


def test_the_acknowledgements_table_names_each_order_as_people_know_it(stack):
    good = stack.enqueue_order(dd.order_content("PO-TABLE-1", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}]))
    bad = stack.enqueue_order(dd.order_content("PO-TABLE-2", [{"gtin": "4300348765432", "quantity": 1}]))
    result = stack.run("import_sales_orders")
    assert result.success
    [materialization] = result.asset_materializations_for_node("order_acknowledgements")
    rows = {r.data["transaction_id"]: r.data for r in materialization.metadata["acknowledgements"].value.records}
    [order] = stack.orders([("x_procuros_transaction_id", "=", good)])
    assert (rows[good]["document"], rows[good]["partner"], rows[good]["odoo_record"], rows[good]["result"]) == (
        "PO-TABLE-1", "Kaufhaus Rheinland AG", order["name"], "imported")
    assert rows[good]["error_type"] is None
    assert (rows[bad]["document"], rows[bad]["result"], rows[bad]["error_type"]) == ("PO-TABLE-2", "rejected", "DATA")
    # a rejected order names its buyer as the order does (the GLN when it gives no name)
    assert rows[bad]["partner"] == "Kaufhaus Rheinland AG" and "GTIN 4300348765432" in rows[bad]["reason"]
    assert rows[bad]["error_url"]
    [quotations] = result.asset_materializations_for_node("sale_quotations")
    [created] = quotations.metadata["quotations"].value.records
    assert created.data["status"] == "created" and created.data["error_type"] is None


def test_the_connectors_own_log_lines_appear_in_the_runs_logs(stack, tmp_path):
    import dagster as dg
    import yaml

    # the repository's dagster.yaml, as a deployment uses it
    python_logs = yaml.safe_load((Path(__file__).parents[2] / "dagster.yaml").read_text())["python_logs"]
    stack.enqueue_order(dd.order_content("PO-LOGLINES", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}]))
    with dg.instance_for_test(overrides={"python_logs": python_logs}) as instance:
        result = stack.defs.resolve_job_def("import_sales_orders").execute_in_process(
            partition_key=stack.today, instance=instance)
        messages = [e.message for e in instance.all_logs(result.run_id) if e.message]
    assert any("pending ORDER(s) at Procuros landed" in m for m in messages), messages[-20:]
    assert any("chunk written to Odoo: 1 created" in m for m in messages)
    assert any("acknowledged at Procuros: 1 imported, 0 rejected" in m for m in messages)


def test_the_rejects_table_names_the_buyer(stack):
    stack.enqueue_order(dd.order_content("PO-REJECT-NAME", [{"gtin": "4300348765432", "quantity": 1}]))
    result = stack.run("import_sales_orders")
    [check] = [c for c in result.get_asset_check_evaluations() if c.check_name == "orders_resolve_cleanly"]
    [row] = check.metadata["rejects"].value.records
    assert (row.data["order_identifier"], row.data["buyer_name"]) == ("PO-REJECT-NAME", "Kaufhaus Rheinland AG")
