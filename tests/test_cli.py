"""The command line the README promises: `procuros-dagster demo` and `procuros-dagster setup-odoo`."""

from __future__ import annotations

import os
import subprocess
import sys

from procuros_dagster.cli import main
from procuros_dagster.odoo import OdooGateway
from procuros_dagster.sandbox.odoo import OdooSandbox


def test_demo_runs_order_to_cash_end_to_end_without_credentials(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROCUROS_", "ODOO_", "DAGSTER_"))}
    result = subprocess.run(
        [sys.executable, "-m", "procuros_dagster.cli", "demo"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    out = result.stdout
    assert "import_sales_orders" in out and "FAILED" not in out
    assert "rejected (DATA): Order PO-2026-004713 line 1: GTIN 4300348765432 matches no product" in out
    # the buyer's price per 100 cartons is a price per carton, with the buyer's discount
    assert "buyer's price 4470 per 100 CT = 44.70 each, 5 % buyer's discount" in out
    for kind in ("ORDER_RESPONSE", "SHIPPING_NOTICE", "INVOICE", "CREDIT_NOTE"):
        assert f"sent {kind}" in out
    # purchase-to-pay: the RFQ that needs an answer is confirmed by it, shipped, billed and credited
    assert "P00001: confirmed by the supplier's ACCEPT" in out and "P00002  to Brauerei Weserbergland KG: confirmed when sent" in out
    assert "vendor bill RE-P00001  total 699.72  draft" in out and "vendor credit note GS-P00001  total 69.97  draft" in out
    logs = out.split("Procuros > Logs lists ", 1)[1]
    # the order response confirming the first order is one more sent document
    assert logs.startswith("13 exchanges") and logs.count("Imported") == 6 and logs.count("Sent") == 6
    assert logs.count("Rejected") == 1


def test_setup_odoo_command_provisions_from_the_environment(monkeypatch, capsys):
    with OdooSandbox(password="cli-secret") as odoo:
        for key, value in {"ODOO_URL": odoo.url, "ODOO_DB": "procuros", "ODOO_USERNAME": "admin", "ODOO_PASSWORD": "cli-secret"}.items():
            monkeypatch.setenv(key, value)
        assert main(["setup-odoo"]) == 0
        gateway = OdooGateway.connect(odoo.url, "procuros", "admin", "cli-secret")
        assert gateway.search_count("ir.model.fields", [("name", "=", "x_procuros_send_invoice")]) == 1
    assert "cli-secret" not in capsys.readouterr().out
