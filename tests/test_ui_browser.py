"""The Dagster UI after the demo, in a real headless browser (the OS's Chromium, driven by Playwright).

What a new user sees: the runs on their job's page, the day's partition filled, the order
acknowledgements naming each order, an idle export run not hiding what was sent, and the resource
pages naming the Odoo database, user and GLN the deployment talks to — never a secret.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright = pytest.importorskip("playwright.sync_api", reason="Playwright is a test dependency (pip install -e '.[test]')")

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium from the OS packages is needed (apt-get install chromium)")


# what the webserver's environment names, as a deployment's would (the demo's sandboxes have stopped)
DEPLOYMENT = {"ODOO_URL": "https://erp.nordwind.example", "ODOO_DB": "nordwind_prod",
              "ODOO_USERNAME": "procuros-connector", "PROCUROS_GLN": "4098765000010"}
SECRETS = {"ODOO_PASSWORD": "ui-odoo-password-5b1e", "PROCUROS_API_TOKEN": "ui-procuros-token-8d2f"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    work = tmp_path_factory.mktemp("ui")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROCUROS_", "ODOO_", "DAGSTER_"))}
    demo = subprocess.run([sys.executable, "-m", "procuros_dagster.cli", "demo"], env=env, cwd=work,
                          capture_output=True, text=True, timeout=300)
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
    home = Path(re.search(r"Dagster home: (\S+)", demo.stdout).group(1))
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "dagster_webserver", "-m", "procuros_dagster.definitions", "-h", "127.0.0.1",
         "-p", str(port)],
        env={**env, "DAGSTER_HOME": str(home), "PROCUROS_DAGSTER_SETTINGS": str(home / "settings.yaml"),
             **DEPLOYMENT, **SECRETS},
        cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(url + "/server_info", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise AssertionError("the Dagster webserver did not start")
                time.sleep(0.5)
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            yield url, browser.new_page()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)


def _text(page, url: str, wait_for: str) -> str:
    page.goto(url)
    page.get_by_text(wait_for, exact=False).first.wait_for(timeout=60_000)
    return page.inner_text("body")


def test_the_demo_runs_show_on_their_jobs_page(ui):
    url, page = ui
    body = _text(page, f"{url}/locations/procuros_dagster.definitions/jobs/import_sales_orders/runs", "Success")
    assert "No runs found" not in body


def test_the_acknowledgements_name_each_order(ui):
    url, page = ui
    body = _text(page, f"{url}/assets/order_acknowledgements?view=events", "Kaufhaus Rheinland AG")
    for shown in ("PO-2026-004711", "imported", "rejected"):
        assert shown in body, shown


def test_the_days_partition_is_filled_not_hundreds_missing(ui):
    url, page = ui
    body = _text(page, f"{url}/assets/order_acknowledgements?view=partitions", "Materialized (")
    # the partitions start with the demo's data: its one day, materialized, nothing missing
    assert "Materialized (1)" in body and "Missing (0)" in body, body[:1500]


def test_an_idle_export_run_does_not_hide_what_was_sent(ui):
    url, page = ui
    # Odoo numbers the invoice in the year it is posted: INV/<year>/00001
    body = _text(page, f"{url}/assets/invoices_sent?view=events", "/00001")
    assert re.search(r"INV/\d{4}/00001", body) and "sent" in body


@pytest.mark.parametrize("resource, shown", [
    ("odoo", ("https://erp.nordwind.example", "database nordwind_prod", "user procuros-connector")),
    ("procuros", ("our GLN 4098765000010",)),
])
def test_resource_pages_name_what_the_deployment_talks_to_never_a_secret(ui, resource, shown):
    url, page = ui
    body = _text(page, f"{url}/locations/procuros_dagster.definitions/resources/{resource}", "This deployment")
    for text in shown:
        assert text in body, (text, body[:1500])
    html = page.content()
    for secret in SECRETS.values():
        assert secret not in body and secret not in html


def test_the_demo_runs_are_on_the_overview_timeline(ui):
    url, page = ui
    body = _text(page, f"{url}/overview/activity/timeline", "import_sales_orders")
    for job in ("export_invoices", "export_purchase_orders", "import_vendor_bills"):
        assert job in body, job
    assert "No runs or scheduled ticks" not in body


def test_created_quotations_carry_no_error_type(ui):
    url, page = ui
    body = _text(page, f"{url}/assets/sale_quotations?view=events", "PO-2026-004711")
    assert "created" in body and "INTERNAL" not in body


def test_the_acknowledgements_name_the_quotation_the_reason_and_procuros_error_page(ui):
    url, page = ui
    body = _text(page, f"{url}/assets/order_acknowledgements?view=events", "Kaufhaus Rheinland AG")
    assert re.search(r"PO-2026-004711\s+Kaufhaus Rheinland AG\s+S\d{5}\s+imported", body), body[:2000]
    # the rejected order names its buyer too
    assert re.search(r"PO-2026-004713\s+Kaufhaus Rheinland AG\s+rejected\s+DATA", body), body[:2000]
    assert "GTIN 4300348765432 matches no product" in body
    assert re.search(r"https://\S+/transactions/\S+/errors", body)


def _without_welcome(page) -> None:
    """A new browser gets Dagster's "Join the community" dialog over the page: skip it."""
    skip = page.get_by_role("button", name="Skip")
    try:
        skip.click(timeout=5_000)
    except playwright.Error:
        pass  # not shown (skipped before in this browser)


def test_the_rejects_check_names_the_buyer(ui):
    url, page = ui
    page.goto(f"{url}/assets/resolved_orders?view=checks")
    _without_welcome(page)
    page.get_by_text("orders_resolve_cleanly").first.click(timeout=60_000)
    page.get_by_text("buyer_name").first.wait_for(timeout=60_000)
    assert re.search(r"PO-2026-004713\s+\d{13}\s+Kaufhaus Rheinland AG\s+DATA", page.inner_text("body"))


def test_send_now_launchpad_gives_an_example_for_each_field(ui):
    url, page = ui
    page.goto(f"{url}/locations/procuros_dagster.definitions/jobs/send_to_procuros/playground")
    _without_welcome(page)
    line = page.locator(".CodeMirror-line", has_text="shipping_notices")
    line.first.click(timeout=60_000)  # the help beside the editor documents the field under the cursor
    page.get_by_text('e.g. ["WH/OUT/00004"]', exact=False).first.wait_for(timeout=30_000)
    body = page.inner_text("body")
    for example in ('e.g. ["INV/2026/00012"]', 'e.g. ["RINV/2026/00003"]', 'e.g. ["P00012"]'):
        assert example in body, example


def test_a_runs_logs_show_what_the_connector_did(ui):
    url, page = ui
    query = '{ runsOrError(filter: {pipelineName: "import_sales_orders"}) { ... on Runs { results { runId } } } }'
    request = urllib.request.Request(f"{url}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    [run] = json.loads(urllib.request.urlopen(request, timeout=30).read())["data"]["runsOrError"]["results"]
    page.set_viewport_size({"width": 1280, "height": 4000})  # the log list draws only the rows in view
    try:
        body = _text(page, f"{url}/runs/{run['runId']}", "chunk written to Odoo")
    finally:
        page.set_viewport_size({"width": 1280, "height": 720})
    assert "pending ORDER(s) at Procuros landed" in body
    assert "acknowledged at Procuros: 2 imported, 1 rejected" in body, body[-3000:]
