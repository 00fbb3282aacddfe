"""End-to-end fixtures: both sandboxes on loopback, env pointing at them, a seeded Odoo.

Every test gets fresh sandboxes and a fresh Dagster instance, so tests never share state.
"""

from __future__ import annotations

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
from procuros_dagster.sandbox.stack import sandbox_stack
from procuros_dagster.settings import load_settings

TOKEN = "e2e-secret-token-7f3a"
ODOO_PASSWORD = "e2e-odoo-password-91c2"


@dataclass
class Stack:
    procuros: ProcurosSandbox
    odoo: OdooSandbox
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
    with sandbox_stack(token=TOKEN, password=ODOO_PASSWORD, self_check=True) as sandboxes:
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
