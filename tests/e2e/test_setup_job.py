"""The `setup_odoo` job provisions a fresh Odoo; flows refuse to run before it."""

from __future__ import annotations

import dagster as dg
import pytest

from procuros_dagster.defs.build import build_definitions
from procuros_dagster.odoo import OdooGateway
from procuros_dagster.sandbox import demo_data as dd
from procuros_dagster.settings import load_settings

from .conftest import e2e_stack


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    with e2e_stack(token="setup-token", password="setup-pw") as sandboxes:  # not provisioned
        for key, value in {**sandboxes.env, "PROCUROS_DAGSTER_LANDING_DIR": str(tmp_path / "landing")}.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("PROCUROS_DAGSTER_SETTINGS", raising=False)
        with dg.instance_for_test() as instance:
            yield sandboxes.procuros, sandboxes.odoo, instance


def test_flows_refuse_an_unprovisioned_odoo_then_setup_job_provisions_it_idempotently(fresh):
    procuros, odoo, instance = fresh
    defs = build_definitions(load_settings())
    procuros.enqueue("ORDER", dd.order_content("PO-SETUP", [{"gtin": dd.ESPRESSO, "quantity": 1}]))

    refused = defs.resolve_job_def("import_sales_orders").execute_in_process(
        partition_key="2026-11-28", instance=instance, raise_on_error=False
    )
    assert not refused.success
    failure = next(e for e in refused.all_events if e.event_type_value == "STEP_FAILURE")
    assert "Run the setup job `setup_odoo`" in failure.event_specific_data.error.to_string()
    assert procuros.acknowledgements == {}  # nothing acknowledged: the order waits for the setup

    setup = defs.resolve_job_def("setup_odoo")
    assert setup.execute_in_process(instance=instance).success
    gateway = OdooGateway.connect(odoo.url, odoo.db_name, "admin", "setup-pw")
    fields = gateway.search_read("ir.model.fields", [("name", "=like", "x_procuros_%")], ["model", "name"])
    assert {(f["model"], f["name"]) for f in fields} >= {
        ("res.partner", "x_procuros_send_invoice"),
        ("res.partner", "x_procuros_send_shipping_notice"),
        ("uom.uom", "x_procuros_unit_code"),
        ("sale.order", "x_procuros_transaction_id"),
    }
    views = gateway.search_read("ir.model.data", [("module", "=", "procuros"), ("model", "=", "ir.ui.view")], ["name"])
    # the inherited forms, and the Logs' list, form and search views
    assert sorted(v["name"] for v in views) == ["view_move_form_procuros", "view_partner_form_procuros",
                                                 "view_picking_form_procuros", "view_procuros_log_form",
                                                 "view_procuros_log_search", "view_procuros_log_tree",
                                                 "view_purchase_order_form_procuros", "view_uom_form_procuros"]
    before = gateway.search_count("ir.model.fields", [])

    assert setup.execute_in_process(instance=instance).success  # twice changes nothing
    assert gateway.search_count("ir.model.fields", []) == before
    assert len(gateway.search_read("ir.model.data", [("module", "=", "procuros"), ("model", "=", "ir.ui.view")], ["name"])) == 8
