"""Shared set-up: fresh sandboxes on loopback, the env pointing the connector at them, a seeded
Odoo with a catalogue, and generated orders. Nothing here is measured."""

from __future__ import annotations

import contextlib
import os
import random
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterator
from zoneinfo import ZoneInfo

from procuros_dagster.mapping.identifiers import with_check_digit
from procuros_dagster.odoo import OdooGateway
from procuros_dagster.sandbox import demo_data as dd
from procuros_dagster.sandbox.odoo import OdooSandbox
from procuros_dagster.sandbox.procuros import ProcurosSandbox
from procuros_dagster.sandbox.stack import sandbox_stack

CATALOGUE = 200  # extra products seeded; order lines draw from them
QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def today() -> str:
    return datetime.now(ZoneInfo("Europe/Berlin")).date().isoformat()


def catalogue_gtin(n: int) -> str:
    return with_check_digit(f"409876510{n:03d}")


def make_orders(count: int, lines: int, *, seed: int = 7, prefix: str = "PO-BENCH") -> list[dict]:
    """``count`` valid ORDER contents of ``lines`` lines each, over the seeded catalogue."""
    rng = random.Random(seed)
    orders = []
    for i in range(count):
        picks = rng.sample(range(CATALOGUE), lines) if lines <= CATALOGUE else [rng.randrange(CATALOGUE) for _ in range(lines)]
        orders.append(
            dd.order_content(
                f"{prefix}-{i:06d}",
                [{"gtin": catalogue_gtin(n), "quantity": 1 + rng.randrange(24), "unit": "EA", "price": 1.0 + n % 17} for n in picks],
            )
        )
    return orders


@dataclass
class Stack:
    procuros: ProcurosSandbox
    odoo: OdooSandbox
    gateway: OdooGateway
    data: dd.DemoMasterData
    env: dict[str, str]
    workdir: Path
    password: str
    token: str

    def fresh_gateway(self) -> OdooGateway:
        return OdooGateway.connect(self.odoo.url, "procuros", "admin", self.password)


@contextlib.contextmanager
def stack(*, odoo_latency: float = 0.0, extra_products: int = CATALOGUE, export_env: bool = True,
          workdir: str | None = None, odoo_cost=None) -> Iterator[Stack]:
    """Both sandboxes started in this process, Odoo provisioned and seeded (latency and cost off
    while seeding, then set to ``odoo_latency`` / ``odoo_cost``, a sandbox CostModel); env vars
    exported for the pipeline when asked."""
    with sandbox_stack() as sandboxes, tempfile.TemporaryDirectory(
        prefix="procuros-bench-", dir=workdir, ignore_cleanup_errors=True
    ) as tmp:
        root = Path(tmp)
        env = {**sandboxes.env, "PROCUROS_DAGSTER_LANDING_DIR": str(root / "landing")}
        saved = {k: os.environ.get(k) for k in (*env, "PROCUROS_DAGSTER_SETTINGS")}
        if export_env:
            os.environ.update(env)
            os.environ.pop("PROCUROS_DAGSTER_SETTINGS", None)
        gateway, data = sandboxes.seed(extra_products=extra_products)
        sandboxes.odoo.latency = odoo_latency
        sandboxes.odoo.cost = odoo_cost
        sandboxes.odoo.reset_counts()
        try:
            yield Stack(sandboxes.procuros, sandboxes.odoo, gateway, data, env, root, sandboxes.password, sandboxes.token)
        finally:
            if export_env:
                for k, v in saved.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v


def procuros_calls(sandbox: ProcurosSandbox) -> int:
    return sum(sandbox.call_counts.values())


class Timer:
    def __enter__(self) -> "Timer":
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.start


def run_job(job_name: str, partition: str, home: Path):
    """Execute one job of the real definitions in this process on a fresh Dagster instance."""
    import dagster as dg

    from procuros_dagster.defs.build import build_definitions
    from procuros_dagster.settings import load_settings

    home.mkdir(parents=True, exist_ok=True)
    defs = build_definitions(load_settings())
    with dg.instance_for_test(temp_dir=str(home)) as instance:
        with Timer() as t:
            result = defs.resolve_job_def(job_name).execute_in_process(
                partition_key=partition, instance=instance, run_config=QUIET_LOGS, raise_on_error=False
            )
        events = instance.all_logs(result.run_id)
    return result, t.seconds, events


class CallClock:
    """The real time the Odoo sandbox spent serving each model.method (its own work plus the
    modelled cost it sleeps): tells a slow sandbox method, which the cost model does not charge for,
    from the connector's own time."""

    def __init__(self, odoo: OdooSandbox):
        self.odoo, self.seconds = odoo, {}
        self._real = odoo._execute

    def __enter__(self) -> "CallClock":
        def timed(model, method, *args, **kwargs):
            start = time.perf_counter()
            try:
                return self._real(model, method, *args, **kwargs)
            finally:
                key = f"{model}.{method}"
                self.seconds[key] = self.seconds.get(key, 0.0) + time.perf_counter() - start

        self.odoo._execute = timed
        return self

    def __exit__(self, *exc) -> None:
        self.odoo._execute = self._real

    def top(self, n: int = 5) -> dict[str, float]:
        return {k: round(v, 2) for k, v in sorted(self.seconds.items(), key=lambda kv: -kv[1])[:n]}

    @property
    def total(self) -> float:
        return sum(self.seconds.values())
