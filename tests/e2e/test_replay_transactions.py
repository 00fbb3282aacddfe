"""The replay_orders job and `procuros-dagster replay`: named transactions processed again, once."""

from __future__ import annotations

import uuid

import dagster as dg

from procuros_dagster import cli
from procuros_dagster.defs.build import CODE_LOCATION
from procuros_dagster.defs.replay import run_config
from procuros_dagster.sandbox import demo_data as dd

UNKNOWN_GTIN = "4300348765432"


def _replay(stack, ids) -> dg.ExecuteInProcessResult:
    job = stack.defs.resolve_job_def("replay_orders")
    return job.execute_in_process(run_config=run_config(ids), instance=stack.instance, raise_on_error=False)


def _failure(result) -> str:
    [failure] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    return failure.step_failure_data.error.message


def _ack_calls(stack) -> int:
    counts = stack.procuros.call_counts
    return counts["POST /v2/transactions/bulk/mark-processed"] + counts["PUT /v2/transactions/{procurosTransactionId}"]


def _create_product(stack) -> int:
    [product] = stack.gateway.create(
        "product.product",
        [{"name": "Neuheit 0,33 l", "barcode": UNKNOWN_GTIN, "default_code": "NW-NEU-033", "list_price": 4.5,
          "detailed_type": "product", "uom_id": stack.data.uoms["EA"], "uom_po_id": stack.data.uoms["EA"]}],
    )
    return product


def _order_bindings(stack) -> int:
    return stack.gateway.search_count("ir.model.data", [("module", "=", "procuros"), ("model", "=", "sale.order"),
                                                        ("name", "=like", "order_%")])


def test_a_rejected_order_is_imported_once_its_product_exists_and_history_is_kept(stack):
    good = stack.enqueue_order(dd.order_content("PO-RP-OK", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}]))
    rejected = stack.enqueue_order(
        dd.order_content("PO-RP-NEW", [{"gtin": UNKNOWN_GTIN, "quantity": 3, "unit": "EA", "price": 4.5}])
    )
    assert stack.run("import_sales_orders").success
    assert [o["x_procuros_transaction_id"] for o in stack.orders()] == [good]
    acks = dict(stack.procuros.acknowledgements)
    assert acks[rejected]["success"] is False and UNKNOWN_GTIN in acks[rejected]["errorReason"]

    # Replayed before the fix: still rejected, and the run says why.
    result = _replay(stack, [rejected])
    assert not result.success
    assert "still not imported" in _failure(result) and UNKNOWN_GTIN in _failure(result)
    assert len(stack.orders()) == 1

    product = _create_product(stack)
    ack_calls = _ack_calls(stack)
    result = _replay(stack, [rejected])
    assert result.success
    orders = stack.orders(fields=["id", "client_order_ref", "x_procuros_transaction_id", "state", "order_line"])
    by_tid = {o["x_procuros_transaction_id"]: o for o in orders}
    assert set(by_tid) == {good, rejected}
    assert by_tid[rejected]["client_order_ref"] == "PO-RP-NEW" and by_tid[rejected]["state"] == "draft"
    [line] = stack.gateway.read("sale.order.line", by_tid[rejected]["order_line"], ["product_uom_qty", "product_id"])
    assert line["product_uom_qty"] == 3 and line["product_id"][0] == product
    # Procuros keeps the first answer: a replayed transaction is never acknowledged again.
    assert stack.procuros.acknowledgements == acks and _ack_calls(stack) == ack_calls
    assert stack.procuros.state.show(rejected)["status"] == "FAILED"
    # The transaction was landed raw, as the daily import lands what it reads.
    landing = result.output_for_node("replayed_orders_raw").landing_file
    assert rejected in open(landing, encoding="utf-8").read()
    chatter = stack.gateway.search_count("mail.message", [("body", "ilike", "Procuros")])

    # Again, with the order imported the first day: nothing new, nothing acknowledged.
    again = _replay(stack, [rejected, good])
    assert again.success
    assert stack.orders(fields=["id", "client_order_ref", "x_procuros_transaction_id", "state", "order_line"]) == orders
    assert _order_bindings(stack) == 2
    assert stack.gateway.search_count("mail.message", [("body", "ilike", "Procuros")]) == chatter
    assert stack.procuros.acknowledgements == acks and _ack_calls(stack) == ack_calls
    outcomes = again.output_for_node("replayed_sale_quotations")
    assert sorted(o.status for chunk in outcomes for o in chunk) == ["already_imported", "already_imported"]


def test_a_replayed_order_still_pending_is_acknowledged_once(stack):
    tid = stack.enqueue_order(dd.order_content("PO-RP-PENDING", [{"gtin": dd.ESPRESSO, "quantity": 2, "unit": "CT"}]))
    assert _replay(stack, [tid]).success
    assert [o["x_procuros_transaction_id"] for o in stack.orders()] == [tid]
    assert stack.procuros.acknowledgements[tid]["success"] is True
    assert stack.procuros.pending() == []

    # The daily import finds nothing left to do, a second replay acknowledges nothing.
    ack_calls = _ack_calls(stack)
    assert stack.run("import_sales_orders").success
    assert _replay(stack, [tid]).success
    assert [o["x_procuros_transaction_id"] for o in stack.orders()] == [tid]
    assert _ack_calls(stack) == ack_calls


def test_an_unknown_transaction_id_refuses_the_whole_replay(stack):
    known = stack.enqueue_order(dd.order_content("PO-RP-KNOWN", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}]))
    unknown = str(uuid.UUID(int=42))
    result = _replay(stack, [known, unknown])
    assert not result.success
    message = _failure(result)
    assert f"Procuros knows no transaction {unknown}" in message and "Nothing was replayed" in message
    assert stack.orders() == []
    assert stack.procuros.acknowledgements == {} and [p["procurosTransactionId"] for p in stack.procuros.pending()] == [known]

    result = _replay(stack, ["PO-RP-KNOWN"])  # an order number is not a transaction id
    assert not result.success and "Not a Procuros transaction id: PO-RP-KNOWN" in _failure(result)


def test_an_empty_list_is_refused_with_an_example(stack):
    for ids in ([], ["  "]):
        result = _replay(stack, ids)
        assert not result.success
        message = _failure(result)
        assert "No transaction to replay: give the Procuros transaction ids" in message and "transaction_ids: [" in message
    assert stack.procuros.call_counts["GET /v2/all-transactions/{procurosTransactionId}"] == 0


def test_the_command_line_runs_the_job_in_the_dagster_instance(stack, tmp_path, monkeypatch, capfd):
    stack.enqueue_order(dd.order_content("PO-RP-CLI", [{"gtin": UNKNOWN_GTIN, "quantity": 1, "unit": "EA"}]))
    assert stack.run("import_sales_orders").success
    [rejected] = list(stack.procuros.acknowledgements)
    _create_product(stack)
    home = tmp_path / "cli_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))

    assert cli.main(["replay", rejected]) == 0
    assert [o["client_order_ref"] for o in stack.orders()] == ["PO-RP-CLI"]
    out = capfd.readouterr().out
    with dg.DagsterInstance.get() as instance:
        [run] = instance.get_runs(dg.RunsFilter(job_name="replay_orders"))
        assert run.status == dg.DagsterRunStatus.SUCCESS and f"run {run.run_id}: succeeded" in out
        assert run.run_config == run_config([rejected])
        # created on the code location's job: the UI's job page and Overview timeline both list it
        assert run.remote_job_origin.location_name == CODE_LOCATION and run.tags["procuros/replay"] == "cli"

    unknown = str(uuid.UUID(int=7))
    assert cli.main(["replay", unknown]) == 1  # unknown: the run fails, the exit code says so
    err = capfd.readouterr().err
    assert f"replayed_orders_raw: Nothing was replayed: Procuros knows no transaction {unknown}." in err
    assert len(stack.orders()) == 1
