"""A run killed with SIGKILL after writing to Odoo but before acknowledging, then run again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

from procuros_dagster.sandbox import demo_data as dd

ACK = "POST /v2/transactions/bulk/mark-processed"


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
    bindings = stack.gateway.search_read("ir.model.data", [("module", "=", "procuros"), ("model", "=", "sale.order")], ["name"])
    assert len(bindings) == 5
