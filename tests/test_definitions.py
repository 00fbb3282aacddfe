"""The Dagster code location: it loads without credentials, and its names are a contract.

Other tooling (the seed's buttons, runbooks, alert policies, the CLI) refers to these job and
check names; renaming one must fail here first.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from procuros_dagster.defs.build import build_definitions
from procuros_dagster.settings import Settings

REPO = Path(__file__).resolve().parents[1]
O2C_JOBS = ("import_sales_orders", "export_shipping_notices", "export_invoices", "export_credit_notes",
            "export_order_responses")
JOBS = (*O2C_JOBS, "send_to_procuros", "setup_odoo")
CHECKS = {
    # check name: (asset, blocking)
    "orders_resolve_cleanly": ("resolved_orders", False),
    "order_writes_well_formed": ("resolved_orders", True),
    "orders_acknowledged": ("order_acknowledgements", False),
    "shipping_notices_delivered": ("shipping_notices_sent", False),
    "invoices_delivered": ("invoices_sent", False),
    "credit_notes_delivered": ("credit_notes_sent", False),
    "invoices_totals_add_up": ("invoices_sent", False),
    "order_responses_out_delivered": ("order_responses_out_sent", False),
}
SECRET_NAME = re.compile(r"token|password|passwd|secret|api_?key|credential", re.IGNORECASE)


def _env_without_connections(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROCUROS_", "ODOO_", "DAGSTER_"))}
    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env["DAGSTER_HOME"] = str(home)
    env.update(extra)
    return env


def _validate(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    return build_definitions(Settings())


def test_definitions_validate_without_any_connection_settings_or_secrets(tmp_path):
    result = _validate(_env_without_connections(tmp_path))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "All code locations passed validation" in output


def test_definitions_validate_reports_a_broken_settings_file(tmp_path):
    bad = tmp_path / "settings.yaml"
    bad.write_text('schedules:\n  export_invoices: "0 25 * * *"\n')
    result = _validate(_env_without_connections(tmp_path, PROCUROS_DAGSTER_SETTINGS=str(bad)))
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "schedules.export_invoices" in output and "hour must be 0-23" in output


def test_the_jobs_other_tooling_relies_on_exist(defs):
    names = {job.name for job in defs.resolve_all_job_defs()}
    assert set(JOBS) <= names, sorted(set(JOBS) - names)


@pytest.mark.parametrize("job_name", O2C_JOBS)
def test_each_o2c_job_is_daily_partitioned_in_the_settings_timezone(defs, job_name):
    partitions = defs.resolve_job_def(job_name).partitions_def
    assert isinstance(partitions, dg.DailyPartitionsDefinition)
    assert partitions.timezone == "Europe/Berlin"
    assert partitions.start.date().isoformat() == "2026-01-01"
    assert partitions.end_offset == 1  # today's partition exists for the sensor and schedule


def test_order_responses_out_run_daily_and_from_the_odoo_sensor_and_the_send_now_job(defs):
    schedule = defs.resolve_schedule_def("export_order_responses_daily")
    assert (schedule.job_name, schedule.cron_schedule) == ("export_order_responses", "15 6 * * *")
    sensor = defs.resolve_sensor_def("odoo_exports")
    assert "export_order_responses" in {target.job_name for target in sensor.targets}
    config = defs.resolve_job_def("send_to_procuros").run_config_schema.config_type
    assert "order_responses_out" in _field_names(config)


def test_send_now_and_setup_jobs_are_not_partitioned(defs):
    assert defs.resolve_job_def("send_to_procuros").partitions_def is None
    assert defs.resolve_job_def("setup_odoo").partitions_def is None


def test_the_asset_checks_exist_on_their_assets(defs):
    specs = {
        spec.name: (spec.asset_key.to_user_string(), spec.blocking)
        for assets_def in defs.resolve_asset_graph().assets_defs
        for spec in assets_def.check_specs
    }
    for name, expected in CHECKS.items():
        assert specs.get(name) == expected, (name, specs.get(name))


def test_the_import_job_runs_the_blocking_check_before_the_odoo_write(defs):
    job = defs.resolve_job_def("import_sales_orders")
    selected = {key.to_user_string() for key in job.asset_layer.selected_asset_keys}
    assert selected == {"procuros_orders_raw", "order_frames", "resolved_orders", "sale_quotations", "order_acknowledgements"}
    checks = {key.name for key in job.asset_layer.asset_graph.asset_check_keys}
    assert {"orders_resolve_cleanly", "order_writes_well_formed", "orders_acknowledged"} <= checks


def _field_names(config_type) -> set[str]:
    names: set[str] = set()
    for inner in config_type.type_iterator():
        fields = getattr(inner, "fields", None)
        if fields:
            names.update(fields)
    return names


def test_no_secret_can_be_put_in_resource_config(defs):
    assert set(defs.resources) >= {"procuros", "odoo", "connector_settings"}
    for name, resource in defs.resources.items():
        schema = resource.get_resource_definition().config_schema.config_type
        fields = _field_names(schema)
        assert fields, name
        assert not [f for f in fields if SECRET_NAME.search(f)], (name, sorted(fields))


@pytest.mark.parametrize("job_name", JOBS)
def test_no_secret_can_be_put_in_any_jobs_run_config(defs, job_name):
    """Walk the whole run config schema (resources, ops, execution): no field takes a secret."""
    schema = defs.resolve_job_def(job_name).run_config_schema.config_type
    fields = _field_names(schema)
    assert {"resources", "db", "username", "gln"} <= fields  # the walk reaches resource config
    # server URLs are not run config: a launchpad URL could send the secrets to any host
    assert not {"url", "api_url"} & fields
    assert not [f for f in fields if SECRET_NAME.search(f)], sorted(fields)


def test_runs_started_outside_the_ui_carry_the_tag_its_job_pages_filter_by():
    """The UI lists a job's runs by the tag "<repository>@<code location>"; the code location is
    named after the module workspace.yaml loads."""
    import yaml

    from procuros_dagster.defs.build import CODE_LOCATION, UI_RUN_TAGS

    workspace = yaml.safe_load((Path(__file__).parents[1] / "workspace.yaml").read_text())
    [entry] = workspace["load_from"]
    assert entry["python_module"]["module_name"] == CODE_LOCATION and "location_name" not in entry["python_module"]
    assert UI_RUN_TAGS == {".dagster/repository": f"__repository__@{CODE_LOCATION}"}
    assert build_definitions(Settings()).get_repository_def().name == "__repository__"
