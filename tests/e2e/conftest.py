"""End-to-end fixtures: both sandboxes on loopback, env pointing at them, a seeded Odoo.

Every test gets fresh sandboxes and a fresh Dagster instance, so tests never share state.

With PROCUROS_E2E_ODOO_URL set, the Odoo side is a real Odoo 17 instead of the sandbox: every
test gets a fresh copy of the template database PROCUROS_E2E_ODOO_TEMPLATE (db.duplicate_database
with PROCUROS_E2E_ODOO_MASTER_PASSWORD; its admin's password is PROCUROS_E2E_ODOO_ADMIN_PASSWORD,
"admin" by default), dropped afterwards. Tests marked ``sandbox_only`` are skipped then.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from procuros_dagster.defs.build import build_definitions
from procuros_dagster.odoo import OdooGateway
from procuros_dagster.sandbox import demo_data
from procuros_dagster.sandbox.odoo import OdooSandbox
from procuros_dagster.sandbox.procuros import ProcurosSandbox
from procuros_dagster.sandbox.stack import RealOdoo, real_odoo_database, sandbox_stack
from procuros_dagster.settings import load_settings

TOKEN = "e2e-secret-token-7f3a"
ODOO_PASSWORD = "e2e-odoo-password-91c2"

REAL_ODOO_URL = os.environ.get("PROCUROS_E2E_ODOO_URL", "")


def pytest_collection_modifyitems(config, items):
    if not REAL_ODOO_URL:
        return
    for item in items:
        marker = item.get_closest_marker("sandbox_only")
        if marker is not None:
            why = marker.args[0] if marker.args else "needs the Odoo sandbox's test hooks"
            item.add_marker(pytest.mark.skip(reason=f"sandbox only ({why}); PROCUROS_E2E_ODOO_URL is a real Odoo"))


@contextlib.contextmanager
def e2e_stack(*, token: str, password: str, **kwargs):
    """``sandbox_stack``, with a fresh database on the real Odoo when PROCUROS_E2E_ODOO_URL is set."""
    if not REAL_ODOO_URL:
        with sandbox_stack(token=token, password=password, **kwargs) as sandboxes:
            yield sandboxes
        return
    with real_odoo_database(
        REAL_ODOO_URL,
        os.environ.get("PROCUROS_E2E_ODOO_TEMPLATE", "procuros_template"),
        os.environ.get("PROCUROS_E2E_ODOO_MASTER_PASSWORD", "admin"),
        password=password,
        template_password=os.environ.get("PROCUROS_E2E_ODOO_ADMIN_PASSWORD", "admin"),
    ) as real, sandbox_stack(token=token, password=password, real_odoo=real, **kwargs) as sandboxes:
        yield sandboxes


@dataclass
class Stack:
    procuros: ProcurosSandbox
    odoo: OdooSandbox | RealOdoo
    gateway: OdooGateway
    data: demo_data.DemoMasterData
    instance: dg.DagsterInstance
    env: dict[str, str]
    defs: dg.Definitions

    # Berlin's date when the test started: one value for the whole test, whatever the clock does.
    today: str = field(default_factory=lambda: datetime.now(ZoneInfo("Europe/Berlin")).date().isoformat())

    def run(self, job_name: str, partition: str | None = None, **kwargs) -> dg.ExecuteInProcessResult:
        job = self.defs.resolve_job_def(job_name)
        return job.execute_in_process(
            partition_key=partition or self.today, instance=self.instance, raise_on_error=False, **kwargs
        )

    def enqueue_order(self, content: dict, **kwargs) -> str:
        return self.procuros.enqueue("ORDER", content, **kwargs)

    def orders(self, domain=None, fields=("id", "name", "state", "client_order_ref", "x_procuros_transaction_id")):
        return self.gateway.search_read("sale.order", domain or [], list(fields), order="id")


@pytest.fixture
def stack(tmp_path, monkeypatch):
    with e2e_stack(token=TOKEN, password=ODOO_PASSWORD, self_check=True) as sandboxes:
        env = {**sandboxes.env, "PROCUROS_DAGSTER_LANDING_DIR": str(tmp_path / "landing")}
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("PROCUROS_DAGSTER_SETTINGS", raising=False)
        gateway, data = sandboxes.seed()
        (tmp_path / "dagster_home").mkdir()
        with dg.instance_for_test(temp_dir=str(tmp_path / "dagster_home")) as instance:
            yield Stack(
                sandboxes.procuros, sandboxes.odoo, gateway, data, instance, env, build_definitions(load_settings())
            )
