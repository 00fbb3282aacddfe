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


def test_runs_the_demo_starts_belong_to_the_code_locations_job(tmp_path):
    """The Overview timeline shows only runs that name their code location; the demo's do."""
    from procuros_dagster.defs.build import CODE_LOCATION, UI_RUN_TAGS
    from procuros_dagster.defs.launch import run_on_code_location

    days = dg.DailyPartitionsDefinition(start_date="2026-11-01")

    @dg.asset(partitions_def=days)
    def day(context) -> str:
        return context.partition_key

    defs = dg.Definitions(assets=[day], jobs=[dg.define_asset_job("daily", partitions_def=days)])
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        run = run_on_code_location(defs, "daily", instance, partition_key="2026-11-30", tags={"x": "y"})
        assert run.is_success
        origin = run.remote_job_origin
        assert (origin.location_name, origin.repository_origin.repository_name, origin.job_name) == (
            CODE_LOCATION, "__repository__", "daily")
        assert run.tags["dagster/partition"] == "2026-11-30" and run.tags["x"] == "y"
        assert UI_RUN_TAGS.items() <= run.tags.items()
        assert instance.get_latest_materialization_event(dg.AssetKey("day")).run_id == run.run_id


def _resource_pages(defs) -> dict[str, str]:
    """What the UI's resource pages show: the resources of the repository snapshot the webserver reads."""
    from dagster._core.remote_representation.external_data import RepositorySnap

    snap = RepositorySnap.from_def(defs.get_repository_def())
    return {r.name: f"{r.resource_snapshot.description} {r.configured_values}" for r in snap.resources}


def test_resource_pages_name_the_odoo_database_user_and_our_gln_never_a_secret(monkeypatch, tmp_path):
    from procuros_dagster.settings import load_settings

    settings_file = tmp_path / "settings.yaml"
    settings_file.write_text("integrations:\n  default:\n    connector: Procuros Connector\n"
                             "  acme_at:\n    connector: Procuros AT\n    gln_env: PROCUROS_GLN_AT\n"
                             "    token_env: PROCUROS_TOKEN_AT\n")
    env = {"ODOO_URL": "https://connector:odoo-url-secret@erp.example.com:8069/?key=query-secret",
           "ODOO_DB": "nordwind_prod", "ODOO_USERNAME": "procuros-connector", "ODOO_PASSWORD": "odoo-secret-1",
           "PROCUROS_API_TOKEN": "procuros-secret-2", "PROCUROS_GLN": "4098765000010",
           "PROCUROS_TOKEN_AT": "procuros-secret-3", "PROCUROS_GLN_AT": "4012345000009",
           "PROCUROS_DAGSTER_SETTINGS": str(settings_file)}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    defs = build_definitions(load_settings())
    pages = _resource_pages(defs)
    odoo, procuros = pages["odoo"], pages["procuros"]
    assert "https://erp.example.com:8069 (ODOO_URL)" in odoo
    assert "database nordwind_prod (ODOO_DB)" in odoo and "user procuros-connector (ODOO_USERNAME)" in odoo
    assert "our GLN 4098765000010 (PROCUROS_GLN)" in procuros
    assert "integration acme_at: our GLN 4012345000009 (PROCUROS_GLN_AT), API token from PROCUROS_TOKEN_AT" in procuros
    assert str(settings_file) in pages["connector_settings"]
    everything = " ".join(pages.values())
    for secret in ("odoo-secret-1", "procuros-secret-2", "procuros-secret-3", "odoo-url-secret", "query-secret"):
        assert secret not in everything, secret

    # display only: a run reads the environment as it is when it starts, not as the pages show it
    monkeypatch.setenv("PROCUROS_GLN", "4012345000016")
    monkeypatch.setenv("ODOO_DB", "nordwind_test")
    assert defs.resources["procuros"].own_gln() == "4012345000016"
    assert (defs.resources["odoo"].db, defs.resources["odoo"].username) == (None, None)
    assert "nordwind_prod" in _resource_pages(defs)["odoo"]  # until the code location reloads
    assert "nordwind_test" in _resource_pages(build_definitions(load_settings()))["odoo"]


def test_resource_pages_say_what_is_not_set(monkeypatch):
    for key in ("ODOO_URL", "ODOO_DB", "ODOO_USERNAME", "PROCUROS_GLN", "PROCUROS_DAGSTER_SETTINGS"):
        monkeypatch.delenv(key, raising=False)
    pages = _resource_pages(build_definitions(Settings()))
    assert "Odoo not set (ODOO_URL), database not set (ODOO_DB), user not set (ODOO_USERNAME)" in pages["odoo"]
    assert "our GLN not set (PROCUROS_GLN)" in pages["procuros"]
    assert "built-in defaults" in pages["connector_settings"]


# what the issue found on the UI's pages, and words of ours rather than the operator's
JARGON = re.compile(r"seed|pandera|batched|write_date|idempoten|systemically|\bchunks?\b|\bdeliverys\b|"
                    r"\ba (?:invoice|order|item)\b", re.IGNORECASE)


def test_every_description_the_ui_shows_is_in_the_operators_words(defs):
    from dagster._core.remote_representation.external_data import RepositorySnap

    repo = defs.get_repository_def()
    snap = RepositorySnap.from_def(repo)
    shown = [(f"asset {a.asset_key.to_user_string()}", a.description) for a in snap.asset_nodes]
    shown += [(f"check {c.name}", c.description) for c in snap.asset_check_nodes or []]
    shown += [(f"job {j.name}", j.description) for j in repo.get_all_jobs()]
    shown += [(f"schedule {s.name}", s.description) for s in repo.schedule_defs]
    shown += [(f"sensor {s.name}", s.description) for s in repo.sensor_defs]
    shown += [(f"resource {r.name}", r.resource_snapshot.description) for r in snap.resources]
    assert len(shown) > 50
    found = [(where, JARGON.search(text).group(0), text) for where, text in shown if text and JARGON.search(text)]
    assert found == []
