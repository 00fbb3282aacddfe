"""The order responses' job, assets, checks and schedule, as the registry entry generates them."""

from __future__ import annotations

import dagster as dg

from procuros_dagster.defs.build import build_definitions
from procuros_dagster.settings import Settings

ASSETS = {"procuros_order_responses_raw", "order_response_frames", "resolved_order_responses",
          "purchase_order_updates", "order_response_acknowledgements"}


def test_import_order_responses_runs_five_assets_with_their_checks_on_the_purchase_schedule():
    settings = Settings()
    defs = build_definitions(settings)
    job = defs.resolve_job_def("import_order_responses")
    assert {k.to_user_string() for k in job.asset_layer.selected_asset_keys} == ASSETS
    specs = {spec.name: (spec.asset_key.to_user_string(), spec.blocking)
             for assets_def in defs.resolve_asset_graph().assets_defs for spec in assets_def.check_specs}
    assert specs["order_responses_accepted"] == ("purchase_order_updates", False)
    assert specs["order_responses_resolve_cleanly"] == ("resolved_order_responses", False)
    assert specs["order_response_writes_well_formed"] == ("resolved_order_responses", True)
    assert specs["order_responses_acknowledged"] == ("order_response_acknowledgements", False)
    schedule = defs.resolve_schedule_def("import_order_responses_daily")
    assert schedule.cron_schedule == settings.schedules.import_purchase_documents
    assert schedule.job_name == "import_order_responses"


def test_the_sales_orders_written_asset_has_no_outcome_check():
    defs = build_definitions(Settings())
    names = {spec.name for a in defs.resolve_asset_graph().assets_defs for spec in a.check_specs
             if spec.asset_key == dg.AssetKey("sale_quotations")}
    assert names == set()


def test_a_rejected_purchase_order_and_an_unknown_order_number_alert_one_problem_each():
    from types import SimpleNamespace

    from procuros_dagster.defs import metadata as md
    from procuros_dagster.defs.alerts import check_problems

    def evaluation(name, table, rows, columns):
        return SimpleNamespace(check_name=name, metadata={table: md.records_table(rows, columns)}, description=None,
                               asset_key=dg.AssetKey("x"), partition="2026-12-01")

    [rejected] = check_problems(evaluation("order_responses_accepted", "documents", [
        {"order": "P00012", "transaction_id": "t-1", "reason": "Rejected by the supplier (AB-1): Werk geschlossen"}],
        ["order", "reason", "transaction_id"]))
    assert rejected.text == ("Purchase order P00012 (Procuros transaction t-1): "
                             "Rejected by the supplier (AB-1): Werk geschlossen")
    [unknown] = check_problems(evaluation("order_responses_resolve_cleanly", "rejects", [
        {"transaction_id": "t-2", "order_identifier": "P99999", "supplier_gln": "4092222000028", "error_type": "DATA",
         "reason": "Order response for order P99999: we have no purchase order P99999"}],
        ["transaction_id", "order_identifier", "supplier_gln", "error_type", "reason"]))
    assert "supplier GLN 4092222000028" in unknown.text and "we have no purchase order P99999" in unknown.text
