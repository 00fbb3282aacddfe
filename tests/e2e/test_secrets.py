"""Secrets never leave the environment: a whole day's work, failures included, searched everywhere.

The token, the Odoo password and the instance's PostgreSQL password get recognisable values; the
import, the three exports, a replay from the command line and runs that fail (Procuros refusing
the token, Odoo refusing a call) run on a PostgreSQL-backed instance built from the repository's
dagster.yaml. Then everything the connector wrote or said is searched: captured stdout/stderr,
Python log records, every row of every table of the instance's database (event log, runs with
their config and tags, asset keys), the instance's own API (events, runs, materialization
metadata), every file under the test's directories (landing files, compute logs, step outputs,
chunk files), what reached Procuros, and every record of the Odoo sandbox.
"""

from __future__ import annotations

import logging
import shutil
import uuid
from pathlib import Path

import dagster as dg
import psycopg2
import pytest
from dagster._serdes import serialize_value

from procuros_dagster import cli
from procuros_dagster.defs.build import build_definitions
from procuros_dagster.sandbox import demo_data as dd
from procuros_dagster.sandbox.stack import sandbox_stack
from procuros_dagster.settings import load_settings
from procuros_dagster.testing.postgres import throwaway_postgres

from .conftest import Stack

REPO = Path(__file__).resolve().parents[2]
UNKNOWN_GTIN = "4300348765432"


@pytest.fixture
def secret_stack(tmp_path, monkeypatch):
    secrets = {
        "PROCUROS_API_TOKEN": f"SECRET-TOKEN-{uuid.uuid4()}",
        "ODOO_PASSWORD": f"SECRET-PW-{uuid.uuid4()}",
        "DAGSTER_PG_PASSWORD": f"SECRET-PG-{uuid.uuid4()}",  # trust auth: sent, never checked
    }
    with (
        throwaway_postgres(password=secrets["DAGSTER_PG_PASSWORD"]) as pg,
        sandbox_stack(token=secrets["PROCUROS_API_TOKEN"], password=secrets["ODOO_PASSWORD"], self_check=True) as sb,
    ):
        home = tmp_path / "dagster_home"
        home.mkdir()
        shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
        env = {**sb.env, **pg.dagster_env(), "DAGSTER_HOME": str(home),
               "PROCUROS_DAGSTER_LANDING_DIR": str(tmp_path / "landing")}
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("PROCUROS_DAGSTER_SETTINGS", raising=False)
        gateway, data = sb.seed()
        with dg.DagsterInstance.get() as instance:
            yield Stack(sb.procuros, sb.odoo, gateway, data, instance, env, build_definitions(load_settings())), secrets, pg


def _work_a_day(stack: Stack) -> list[dg.ExecuteInProcessResult]:
    """Import (one order rejected), deliver, invoice, credit, export; then runs that fail."""
    good = stack.enqueue_order(dd.order_content("PO-SEC-1", [{"gtin": dd.ESPRESSO, "quantity": 2, "unit": "CT"}],
                                                ship_to_gln=dd.SHIP_TO_GLN))
    stack.enqueue_order(dd.order_content("PO-SEC-BAD", [{"gtin": UNKNOWN_GTIN, "quantity": 1}]))
    results = [stack.run("import_sales_orders")]
    [order] = [o["id"] for o in stack.orders() if o["x_procuros_transaction_id"] == good]
    dd.deliver(stack.gateway, order)
    [invoice] = stack.gateway.invoice_sale_orders([order])
    stack.gateway.post_moves([invoice])
    [credit_note] = stack.gateway.reverse_moves([invoice], reason="Bruch")
    stack.gateway.post_moves([credit_note])
    for job in ("export_shipping_notices", "export_invoices", "export_credit_notes"):
        results.append(stack.run(job))
    assert all(r.success for r in results), [r.job_def.name for r in results if not r.success]
    assert [s.get("outcome") for s in stack.procuros.sent] == ["TRANSMITTED"] * 3

    # Failures: Procuros refuses the token; Odoo refuses a call (an exception from the gateway).
    stack.enqueue_order(dd.order_content("PO-SEC-2", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}]))
    stack.procuros.inject_faults(status=401, count=1, endpoint="GET /v2/transactions")
    failed = [stack.run("import_sales_orders")]
    stack.odoo.inject_fault(model="sale.order", count=1)
    failed.append(stack.run("import_sales_orders"))
    stack.odoo.inject_fault(count=1)
    failed.append(stack.run("export_invoices"))
    assert not any(r.success for r in failed)
    return results + failed


def _search(secrets: dict[str, str], where: str, text: str | bytes, found: list[str]) -> None:
    for name, value in secrets.items():
        needle = value.encode() if isinstance(text, bytes) else value
        if needle in text:
            found.append(f"{name} in {where}")


def test_no_secret_reaches_logs_events_runs_metadata_files_procuros_or_odoo(secret_stack, capfd, caplog):
    stack, secrets, pg = secret_stack
    caplog.set_level(logging.DEBUG)  # every library's debug records too (httpx, odoorpc, dagster)
    results = _work_a_day(stack)
    # A replay from the command line: a run the way `dagster job execute` runs it (compute logs).
    [rejected] = [t for t, a in stack.procuros.acknowledgements.items() if not a["success"]]
    assert cli.main(["replay", rejected]) == 1  # the product is still unknown: the run fails and says so
    found: list[str] = []

    out, err = capfd.readouterr()
    _search(secrets, "stdout/stderr", out + err, found)
    formatter = logging.Formatter()
    for record in caplog.records:
        _search(secrets, f"log record of {record.name}", formatter.format(record) + repr(record.__dict__), found)

    # The instance's database, every table, every row.
    conn = psycopg2.connect(**pg.connect_kwargs())
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            tables = [t for (t,) in cur.fetchall()]
            rows = {}
            for table in tables:
                cur.execute(f'SELECT t::text FROM "{table}" t')
                rows[table] = [r for (r,) in cur.fetchall()]
                _search(secrets, f"PostgreSQL table {table}", "\n".join(rows[table]), found)
    finally:
        conn.close()
    runs = stack.instance.get_runs()
    assert len(runs) == len(results) + 1 and len(rows["runs"]) == len(runs)
    assert any("Injected fault" in r for r in rows["event_logs"])  # exception texts are in there
    assert any("ProcurosAuthError" in r for r in rows["event_logs"])  # the refused token, as a failure

    # The same through Dagster's API: runs (config, tags), every event, materialization metadata.
    for run in runs:
        _search(secrets, f"run {run.run_id} ({run.job_name})", serialize_value(run), found)
        for record in stack.instance.all_logs(run.run_id):
            _search(secrets, f"event of run {run.run_id}", serialize_value(record), found)
    keys = stack.instance.get_asset_keys()
    assert dg.AssetKey("sale_quotations") in keys and dg.AssetKey("invoices_sent") in keys
    for key in keys:
        for record in stack.instance.fetch_materializations(key, limit=1000).records:
            _search(secrets, f"materialization of {key.to_user_string()}", serialize_value(record), found)

    # Every file the runs left: landing files, compute logs, step outputs, chunks (as bytes).
    base = Path(stack.env["DAGSTER_HOME"]).parent
    files = [p for p in base.rglob("*") if p.is_file()]
    landing = [p for p in files if "landing" in p.parts]
    compute_logs = [p for p in files if p.suffix in (".out", ".err", ".complete") or "compute_logs" in p.parts]
    assert landing and compute_logs and len(files) > len(landing) + len(compute_logs)
    for path in files:
        _search(secrets, f"file {path.relative_to(base)}", path.read_bytes(), found)

    # What reached Procuros (documents, acknowledgements, reported errors) and every Odoo record.
    procuros = stack.procuros
    _search(secrets, "documents sent to Procuros", repr(procuros.sent), found)
    _search(secrets, "acknowledgements", repr(procuros.acknowledgements), found)
    _search(secrets, "errors reported to Procuros", repr(procuros.reported_errors), found)
    assert any("Sent to Procuros" in str(m.get("body")) for m in stack.odoo.db.tables["mail.message"].values())
    assert stack.odoo.db.tables["x_procuros_log"], "the Logs in Odoo are searched too"
    for model, records in stack.odoo.db.tables.items():
        for rid, values in records.items():
            _search(secrets, f"Odoo {model} {rid}", repr(values), found)

    assert found == []
