"""Backfills: re-running past partitions is safe, and a past day's orders can be replayed.

The backfill is driven the way Dagster's backfill launches it: one run per partition key of the
job's own partitions definition, each tagged with its partition.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from procuros_dagster.sandbox import demo_data as dd

BERLIN = ZoneInfo("Europe/Berlin")
O2C_JOBS = ("import_sales_orders", "export_shipping_notices", "export_invoices", "export_credit_notes")
UNKNOWN_GTIN = "4300348765432"


def _deliver(stack, order_id) -> int:
    picking, _ = dd.deliver(stack.gateway, order_id)
    return picking


def _backfill(stack, job_name: str, first: str, last: str) -> list[str]:
    """One run per partition in [first, last], like a launched backfill; all must succeed."""
    job = stack.defs.resolve_job_def(job_name)
    keys = job.partitions_def.get_partition_keys_in_range(dg.PartitionKeyRange(first, last))
    for key in keys:
        result = stack.run(job_name, key, tags={"dagster/backfill": "e2e"})
        assert result.success, (job_name, key)
    return keys


def _state(stack) -> dict:
    """Everything a backfill must not duplicate, in Odoo and at Procuros."""
    gw = stack.gateway
    orders = gw.search_read("sale.order", [], ["id", "state", "x_procuros_transaction_id", "order_line"], order="id")
    return {
        "orders": [(o["id"], o["state"], o["x_procuros_transaction_id"], len(o["order_line"])) for o in orders],
        "pickings": gw.search_count("stock.picking", []),
        "moves": gw.search_count("account.move", []),
        "bindings": sorted(
            (b["name"], b["model"], b["res_id"])
            for b in gw.search_read("ir.model.data", [("module", "=", "procuros")], ["name", "model", "res_id"])
        ),
        "sent": Counter((s["type"], s.get("outcome")) for s in stack.procuros.sent),
        "acknowledgements": dict(stack.procuros.acknowledgements),
        "reported_errors": len(stack.procuros.reported_errors),
        "chatter": gw.search_count("mail.message", [("body", "ilike", "Procuros")]),
    }


def test_backfill_of_past_partitions_and_today_creates_and_sends_nothing_twice(stack):
    for ref, buyer in (("PO-BF-1", dd.BUYER_GLN), ("PO-BF-2", dd.BUYER_GLN), ("PO-BF-3", dd.BUYER_GLN), ("PO-BF-Q", dd.QUIET_BUYER_GLN)):
        stack.enqueue_order(
            dd.order_content(ref, [{"gtin": dd.ESPRESSO, "quantity": 2, "unit": "CT", "price": 89.4}], buyer_gln=buyer,
                             ship_to_gln=dd.SHIP_TO_GLN if buyer == dd.BUYER_GLN else None)
        )
    stack.enqueue_order(dd.order_content("PO-BF-BAD", [{"gtin": UNKNOWN_GTIN, "quantity": 1}]))
    assert stack.run("import_sales_orders").success
    ids = {o["client_order_ref"]: o["id"] for o in stack.orders(fields=["id", "client_order_ref"])}
    assert set(ids) == {"PO-BF-1", "PO-BF-2", "PO-BF-3", "PO-BF-Q"}

    # Day-to-day: two deliveries and their invoice sent, a credit note sent.
    _deliver(stack, ids["PO-BF-1"])
    _deliver(stack, ids["PO-BF-Q"])
    [invoice, quiet_invoice] = stack.gateway.invoice_sale_orders([ids["PO-BF-1"], ids["PO-BF-Q"]])
    stack.gateway.post_moves([invoice, quiet_invoice])
    [credit_note] = stack.gateway.reverse_moves([invoice], reason="Bruch")
    stack.gateway.post_moves([credit_note])
    for job in O2C_JOBS[1:]:
        assert stack.run(job).success
    # One more delivery that the sensor missed: the backfill must send it, once.
    missed = _deliver(stack, ids["PO-BF-2"])
    before = _state(stack)
    assert before["sent"] == Counter({("SHIPPING_NOTICE", "TRANSMITTED"): 1, ("INVOICE", "TRANSMITTED"): 1, ("CREDIT_NOTE", "TRANSMITTED"): 1})

    today = date.fromisoformat(stack.today)
    first = (today - timedelta(days=3)).isoformat()
    for job in O2C_JOBS:
        assert len(_backfill(stack, job, first, stack.today)) == 4

    after = _state(stack)
    assert after["sent"] == before["sent"] + Counter({("SHIPPING_NOTICE", "TRANSMITTED"): 1})
    [notice] = [b for b in after["bindings"] if b not in before["bindings"]]
    assert notice[1:] == ("stock.picking", missed)
    for key in ("orders", "pickings", "moves", "acknowledgements", "reported_errors"):
        assert after[key] == before[key], key

    # A second backfill of the same range changes nothing at all.
    for job in O2C_JOBS:
        _backfill(stack, job, first, stack.today)
    assert _state(stack) == after


def test_backfill_replays_a_past_days_rejected_order_once_the_product_exists(stack):
    past = date.fromisoformat(stack.today) - timedelta(days=2)
    that_morning = datetime.combine(past, time(9, 30), tzinfo=BERLIN)
    good = stack.enqueue_order(
        dd.order_content("PO-PAST-OK", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}]), created_at=that_morning
    )
    rejected = stack.enqueue_order(
        dd.order_content("PO-PAST-NEW", [{"gtin": UNKNOWN_GTIN, "quantity": 3, "unit": "EA", "price": 4.5}]),
        created_at=that_morning,
    )
    other_day = stack.enqueue_order(
        dd.order_content("PO-OTHER-DAY", [{"gtin": UNKNOWN_GTIN, "quantity": 1, "unit": "EA"}]),
        created_at=that_morning - timedelta(days=1),
    )

    # That day's run: one imported, the unknown GTIN rejected with a reason the buyer can act on.
    assert stack.run("import_sales_orders", past.isoformat()).success
    assert [o["x_procuros_transaction_id"] for o in stack.orders()] == [good]
    acks = dict(stack.procuros.acknowledgements)
    assert acks[good]["success"] is True
    assert acks[rejected]["success"] is False and acks[rejected]["errorType"] == "DATA"
    assert UNKNOWN_GTIN in acks[rejected]["errorReason"]
    assert acks[other_day]["success"] is False
    assert stack.procuros.pending() == []

    # The product is created in Odoo with that barcode.
    [product] = stack.gateway.create(
        "product.product",
        [{"name": "Neuheit 0,33 l", "barcode": UNKNOWN_GTIN, "default_code": "NW-NEU-033", "list_price": 4.5,
          "detailed_type": "product", "uom_id": stack.data.uoms["EA"], "uom_po_id": stack.data.uoms["EA"]}],
    )

    def ack_calls() -> int:
        counts = stack.procuros.call_counts
        return counts["POST /v2/transactions/bulk/mark-processed"] + counts["PUT /v2/transactions/{procurosTransactionId}"]

    ack_calls_before = ack_calls()
    assert ack_calls_before >= 1  # the first run acknowledged through one of these endpoints

    # Today's run does not replay history: nothing pending, nothing imported.
    assert stack.run("import_sales_orders").success
    assert len(stack.orders()) == 1

    # The backfill of that day reads the day's history and imports the order, without
    # acknowledging anything again (Procuros already has the rejection).
    assert stack.run("import_sales_orders", past.isoformat()).success
    orders = stack.orders(fields=["id", "client_order_ref", "x_procuros_transaction_id", "state", "order_line"])
    by_tid = {o["x_procuros_transaction_id"]: o for o in orders}
    assert set(by_tid) == {good, rejected}  # the order of the other day is not that day's
    assert by_tid[rejected]["client_order_ref"] == "PO-PAST-NEW" and by_tid[rejected]["state"] == "draft"
    [line] = stack.gateway.read("sale.order.line", by_tid[rejected]["order_line"], ["product_uom_qty", "product_id"])
    assert line["product_uom_qty"] == 3 and line["product_id"][0] == product
    assert stack.procuros.acknowledgements == acks
    assert ack_calls() == ack_calls_before  # no acknowledgement call at all
    assert stack.procuros.state.show(rejected)["status"] == "FAILED"  # still the rejection at Procuros

    # Running it again creates nothing twice.
    assert stack.run("import_sales_orders", past.isoformat()).success
    assert stack.orders(fields=["id", "client_order_ref", "x_procuros_transaction_id", "state", "order_line"]) == orders
    assert stack.gateway.search_count("ir.model.data", [("module", "=", "procuros"), ("model", "=", "sale.order"),
                                                        ("name", "=like", "order_%")]) == 2
    assert stack.procuros.acknowledgements == acks
    assert ack_calls() == ack_calls_before


def test_backfill_never_replays_test_flow_orders_the_settings_reject(stack, tmp_path, monkeypatch):
    settings = tmp_path / "settings.yaml"
    settings.write_text("test_flow: reject\n")
    monkeypatch.setenv("PROCUROS_DAGSTER_SETTINGS", str(settings))
    past = date.fromisoformat(stack.today) - timedelta(days=2)
    that_morning = datetime.combine(past, time(9, 30), tzinfo=BERLIN)
    test_order = stack.enqueue_order(
        dd.order_content("PO-TEST-PAST", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}]),
        created_at=that_morning, flow="TEST",
    )
    live_order = stack.enqueue_order(
        dd.order_content("PO-LIVE-PAST", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}]), created_at=that_morning
    )
    assert stack.run("import_sales_orders", past.isoformat()).success
    assert stack.procuros.acknowledgements[test_order]["success"] is False  # rejected as TEST by the settings
    assert [o["x_procuros_transaction_id"] for o in stack.orders()] == [live_order]

    result = stack.run("import_sales_orders", past.isoformat())  # the backfill of that day
    assert result.success
    assert [o["x_procuros_transaction_id"] for o in stack.orders()] == [live_order]
    raw = result.output_for_node("procuros_orders_raw")
    replayed = [t["procurosTransactionId"] for chunk in raw.chunks for t in chunk.transactions]
    assert replayed == [live_order]  # the TEST order is not replayed; the imported one is (and skipped)


def test_history_replay_recognises_orders_addressed_to_us():
    from procuros_dagster.mapping.orders_in import supplier_gln

    ours = dd.order_content("PO-1", [{"gtin": dd.ESPRESSO, "quantity": 1}])
    assert supplier_gln(ours) == dd.OWN_GLN
    theirs = dd.order_content("PO-2", [{"gtin": dd.ESPRESSO, "quantity": 1}])
    theirs["header"]["supplier"]["identifiers"] = [
        {"identifier": "DE123", "domain": "VAT_DE"}, {"identifier": dd.QUIET_BUYER_GLN, "domain": "GS1"}
    ]
    assert supplier_gln(theirs) == dd.QUIET_BUYER_GLN
    assert supplier_gln({}) is None
