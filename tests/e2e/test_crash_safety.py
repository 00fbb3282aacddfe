"""Runs killed with SIGKILL, then run again: nothing lost, nothing booked twice.

Killing the connector does not stop Odoo: a request it sent keeps running in its own database
transaction and commits later. The Odoo sandbox models that with ``hold``: the call waits,
invisible to everyone, and runs when released, whether or not its client is still there.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from procuros_dagster.sandbox import demo_data as dd

ACK = "POST /v2/transactions/bulk/mark-processed"


def _start_import(stack, tmp_path, job: str = "import_sales_orders") -> subprocess.Popen:
    """`dagster job execute` as an operator runs it, in a process of its own that can be killed."""
    home = tmp_path / "cli_home"
    home.mkdir(exist_ok=True)
    env = {**os.environ, **stack.env, "DAGSTER_HOME": str(home)}
    return subprocess.Popen(
        [sys.executable, "-m", "dagster", "job", "execute", "-m", "procuros_dagster.definitions",
         "-j", job, "--tags", json.dumps({"dagster/partition": stack.today})],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )


def _kill(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.sandbox_only("holds a create in the Odoo sandbox (hold)")
def test_killed_during_a_create_that_odoo_commits_later_books_every_order_once(stack, tmp_path):
    tids = [stack.enqueue_order(dd.order_content(f"PO-LATE-{i}", [{"gtin": dd.ESPRESSO, "quantity": i + 1,
                                                                   "unit": "CT"}])) for i in range(4)]
    held = stack.odoo.hold("sale.order", "create")
    proc = _start_import(stack, tmp_path)
    try:
        assert held.reached.wait(timeout=180), "the run never sent its create"
        _kill(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    # Odoo is still working on the killed run's create: a rerun now must not create the orders again
    result = stack.run("import_sales_orders")
    assert result.success
    assert stack.orders() == [] and stack.procuros.acknowledgements == {}
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert checks["orders_acknowledged"].passed
    assert checks["orders_acknowledged"].metadata["waiting_for_an_interrupted_run"].value == 4
    held.release()
    assert held.done.wait(timeout=60)
    assert len(stack.orders()) == 4  # the killed run's create committed after all
    assert stack.run("import_sales_orders").success
    orders = stack.orders()
    assert sorted(o["x_procuros_transaction_id"] for o in orders) == sorted(tids)  # each exactly once
    assert all(stack.procuros.acknowledgements[t]["success"] for t in tids)
    assert stack.procuros.pending() == []


@pytest.mark.sandbox_only("turns the Odoo sandbox's clock back an hour")
def test_orders_claimed_by_a_run_that_died_before_creating_them_are_taken_over(stack):
    from datetime import datetime, timedelta, timezone

    from procuros_dagster.odoo.binder import Binder
    from procuros_dagster.sandbox.odoo.clock import Clock

    tids = [stack.enqueue_order(dd.order_content(f"PO-GONE-{i}", [{"gtin": dd.ESPRESSO, "quantity": 1,
                                                                   "unit": "CT"}])) for i in range(2)]
    # a run claimed both an hour ago and died before its create reached Odoo
    stack.odoo.clock = Clock(start=datetime.now(timezone.utc) - timedelta(hours=1))
    claims = Binder(stack.gateway, "order").claim("sale.order", tids, timeout=timedelta(minutes=10))
    assert len(claims.claimed) == 2
    stack.odoo.clock = Clock()
    assert stack.run("import_sales_orders").success
    assert sorted(o["x_procuros_transaction_id"] for o in stack.orders()) == sorted(tids)
    assert all(stack.procuros.acknowledgements[t]["success"] for t in tids)


@pytest.mark.sandbox_only("holds a create in the Odoo sandbox (hold)")
def test_a_writer_that_looks_before_it_creates_would_book_a_killed_run_s_order_twice(stack):
    """Why the claims: the window a killed run's late commit leaves, reproduced in the sandbox."""
    import threading

    order = {"partner_id": stack.data.buyer_id, "x_procuros_transaction_id": "tx-late",
             "order_line": [[0, 0, {"product_id": stack.data.products[dd.ESPRESSO], "product_uom_qty": 1}]]}
    held = stack.odoo.hold("sale.order", "create")
    killed_run = threading.Thread(target=lambda: stack.gateway.create("sale.order", [order]), daemon=True)
    killed_run.start()
    assert held.reached.wait(timeout=30)
    rerun = stack.gateway  # looks for the transaction, finds nothing, creates it
    assert rerun.records_by_field("sale.order", "x_procuros_transaction_id", ["tx-late"]) == {}
    rerun.create("sale.order", [order])
    held.release()
    killed_run.join(timeout=30)
    assert len(stack.orders([("x_procuros_transaction_id", "=", "tx-late")])) == 2


def test_killed_between_odoo_write_and_acknowledgement_then_rerun(stack, tmp_path):
    tids = [
        stack.enqueue_order(dd.order_content(f"PO-KILL-{i}", [{"gtin": dd.ESPRESSO, "quantity": i + 1, "unit": "CT"}]))
        for i in range(5)
    ]
    held = stack.procuros.hold(ACK)
    home = tmp_path / "cli_home"
    home.mkdir()
    env = {**os.environ, **stack.env, "DAGSTER_HOME": str(home)}
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "dagster", "job", "execute",
            "-m", "procuros_dagster.definitions",
            "-j", "import_sales_orders",
            "--tags", json.dumps({"dagster/partition": stack.today}),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert held.reached.wait(timeout=180), proc.stdout.read().decode()[-3000:] if proc.poll() is not None else "run never reached the acknowledgement"
        # The quotations are in Odoo; the acknowledgement has not been processed.
        assert len(stack.orders()) == 5
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        held.drop()  # the request dies with its client: Procuros never processes it

    assert proc.returncode == -signal.SIGKILL
    assert {t["procurosTransactionId"] for t in stack.procuros.pending()} == set(tids)
    assert stack.procuros.acknowledgements == {}

    result = stack.run("import_sales_orders")
    assert result.success
    orders = stack.orders()
    assert len(orders) == 5  # nothing created twice
    assert sorted(o["x_procuros_transaction_id"] for o in orders) == sorted(tids)
    assert all(stack.procuros.acknowledgements[t]["success"] for t in tids)
    assert stack.procuros.pending() == []
    bindings = stack.gateway.search_read("ir.model.data", [("module", "=", "procuros"), ("model", "=", "sale.order"),
                                                           ("name", "=like", "order_%")], ["name"])
    assert len(bindings) == 5
