"""5. Fixed cost: how much of a small (1-order) import is Dagster and how much is our work.

Two ways of running the same 1-order import, each on fresh sandboxes:
* in process (``execute_in_process``, in-process executor): the floor;
* as the sensor's runs do it: a new Python process (``dagster job execute``; the jobs use the
  in-process executor, so no further process per step) — process start, imports, definitions, steps.
"Our work" is the time inside the asset bodies, from the run's event log: each step's STEP_START
to its last STEP_OUTPUT / ASSET_CHECK_EVALUATION event. Everything else is Dagster overhead.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks.common import Timer, make_orders, run_job, stack, today

REPO = Path(__file__).resolve().parent.parent
BODY_END = {"STEP_OUTPUT", "ASSET_CHECK_EVALUATION"}


def body_seconds(events) -> dict[str, float]:
    start: dict[str, float] = {}
    end: dict[str, float] = {}
    for ev in events:
        de = ev.dagster_event
        if de is None or not ev.step_key:
            continue
        kind = de.event_type_value
        if kind == "STEP_START":
            start[ev.step_key] = ev.timestamp
        elif kind in BODY_END:
            end[ev.step_key] = max(end.get(ev.step_key, 0.0), ev.timestamp)
    return {k: end[k] - start[k] for k in start if k in end}


def _in_process(latency: float) -> dict:
    with stack(odoo_latency=latency) as s:
        s.procuros.enqueue("ORDER", make_orders(1, 10, prefix="PO-FIX")[0])
        result, seconds, events = run_job("import_sales_orders", today(), s.workdir / "home")
        bodies = body_seconds(events)
    return {"success": result.success, "wall_s": seconds, "body_s": sum(bodies.values()), "steps": bodies}


def _subprocess(latency: float, timeout: float) -> dict:
    import dagster as dg

    with stack(odoo_latency=latency) as s:
        s.procuros.enqueue("ORDER", make_orders(1, 10, prefix="PO-FIX")[0])
        home = s.workdir / "home"
        home.mkdir()
        (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
        env = {**os.environ, **s.env, "DAGSTER_HOME": str(home),
               "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        cmd = [str(Path(sys.executable).with_name("dagster")), "job", "execute", "-m", "procuros_dagster.definitions",
               "-j", "import_sales_orders", "--tags", json.dumps({"dagster/partition": today()})]
        with Timer() as t:
            proc = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout)
        old = os.environ.get("DAGSTER_HOME")
        os.environ["DAGSTER_HOME"] = str(home)
        try:
            with dg.DagsterInstance.get() as instance:
                [record] = instance.get_run_records(limit=1)
                events = instance.all_logs(record.dagster_run.run_id)
                run_s = (record.end_time or 0) - (record.start_time or 0)
        finally:
            if old is None:
                os.environ.pop("DAGSTER_HOME", None)
            else:
                os.environ["DAGSTER_HOME"] = old
        bodies = body_seconds(events)
        imported = s.gateway.search_count("sale.order", [("x_procuros_transaction_id", "!=", False)])
    return {"success": proc.returncode == 0 and imported == 1, "wall_s": t.seconds, "run_s": run_s,
            "body_s": sum(bodies.values()), "steps": bodies}


def run(latency: float, timeout: float = 180, *, subprocesses: bool = True) -> dict:
    out = {"odoo_latency_ms": latency * 1000, "in_process": _in_process(latency)}
    if subprocesses:
        out["subprocess"] = _subprocess(latency, timeout)
    for key in ("in_process", "subprocess"):
        if key not in out:
            continue
        r = out[key]
        r["overhead_share"] = 1 - r["body_s"] / r["wall_s"] if r["wall_s"] else None
    return out
