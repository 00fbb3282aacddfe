"""4. Latency: order enqueued at Procuros → quotation in Odoo, through the daemon and the sensor.

The sandboxes run in this process (they are HTTP servers); ``dagster-daemon run`` runs in its own
process group with a throw-away DAGSTER_HOME (default run coordinator and launcher: each run is a
fresh subprocess) and a settings file with a short sensor interval. A warm-up order is imported
first (daemon and code server start-up), then ``orders`` orders are enqueued ``spacing`` seconds
apart and the harness polls Odoo until each has its quotation. Every wait is bounded; the daemon
is always killed at the end.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import make_orders, stack

REPO = Path(__file__).resolve().parent.parent
POLL = 0.1


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def _seen(gateway, tids: list[str]) -> set[str]:
    found = gateway.search_read("sale.order", [("x_procuros_transaction_id", "in", tids)], ["x_procuros_transaction_id"])
    return {r["x_procuros_transaction_id"] for r in found}


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (code server, run workers), read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo and len(out) < 1000:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _kill(pids: list[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def _stop(proc: subprocess.Popen) -> None:
    """Stop the daemon and everything it started (by pid: its process group, plus descendants
    that moved to a session of their own, like the gRPC code server)."""
    tree = _descendants(proc.pid) if proc.poll() is None else []
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    _kill(tree, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(os.path.exists(f"/proc/{p}") for p in tree):
        time.sleep(0.2)
    _kill([p for p in tree if os.path.exists(f"/proc/{p}")], signal.SIGKILL)


def _wait_runs_finished(home: Path, timeout: float) -> None:
    """Let in-flight runs finish (bounded) so the run statistics are complete."""
    import dagster as dg
    from dagster._core.storage.dagster_run import DagsterRunStatus, RunsFilter

    old = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)
    try:
        with dg.DagsterInstance.get() as instance:
            end = time.monotonic() + timeout
            busy = [DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED]
            while time.monotonic() < end and instance.get_runs_count(RunsFilter(statuses=busy)):
                time.sleep(0.5)
    finally:
        if old is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = old


def _run_stats(home: Path) -> dict:
    import dagster as dg

    old = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)
    try:
        with dg.DagsterInstance.get() as instance:
            records = instance.get_run_records()
            runs = [r for r in records if r.dagster_run.job_name == "import_sales_orders"]
            launch = [r.start_time - r.create_timestamp.timestamp() for r in runs if r.start_time]
            duration = [r.end_time - r.start_time for r in runs if r.start_time and r.end_time]
            statuses = sorted({str(r.dagster_run.status.value) for r in runs})
            failures = []
            for r in runs:
                if r.dagster_run.status.value != "FAILURE":
                    continue
                for ev in instance.all_logs(r.dagster_run.run_id):
                    if ev.dagster_event and ev.dagster_event.event_type_value in ("STEP_FAILURE", "RUN_FAILURE"):
                        data = ev.dagster_event.event_specific_data
                        err = getattr(data, "error", None)
                        while err is not None and getattr(err, "cause", None) is not None:
                            err = err.cause  # the connector's own exception, not Dagster's wrapper
                        failures.append((ev.step_key or "run") + ": " + (err.message.strip()[:300] if err else ev.message[:300]))
    finally:
        if old is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = old
    return {
        "runs": len(runs),
        "run_statuses": statuses,
        "failures": failures[:5],
        "launch_delay_p50_s": statistics.median(launch) if launch else None,
        "run_duration_p50_s": statistics.median(duration) if duration else None,
        "run_duration_max_s": max(duration) if duration else None,
    }


def run(orders: int, spacing: float, interval: int, latency: float, *, deadline: float = 300.0,
        lines: int = 10, cost=None, backlog: int = 0, backlog_lines: int = 10) -> dict:
    """``cost``: the Odoo sandbox's CostModel (else the flat ``latency``); ``backlog``: orders of
    ``backlog_lines`` lines enqueued all at once right after the warm-up, before the measured ones."""
    out: dict = {"orders": orders, "spacing_s": spacing, "sensor_interval_s": interval, "odoo_latency_ms": latency * 1000,
                 "cost_model": cost is not None, "backlog": backlog, "backlog_lines": backlog_lines}
    # the harness's own polling is an Odoo call too: under the cost model it polls less often
    poll = POLL if cost is None else 1.0
    with stack(odoo_latency=latency, odoo_cost=cost) as s:
        home = s.workdir / "dagster_home"
        home.mkdir()
        (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
        settings = s.workdir / "settings.yaml"
        settings.write_text(
            "sensors:\n"
            f"  procuros_queue_interval_seconds: {interval}\n"
            "  odoo_exports_interval_seconds: 3600\n"
        )
        env = {**os.environ, **s.env, "DAGSTER_HOME": str(home), "PROCUROS_DAGSTER_SETTINGS": str(settings),
               "DAGSTER_DISABLE_TELEMETRY": "1",
               "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        log = open(s.workdir / "daemon.log", "w")
        daemon_bin = Path(sys.executable).with_name("dagster-daemon")
        cmd = [str(daemon_bin), "run", "-m", "procuros_dagster.definitions", "--log-level", "warning"]
        started = time.monotonic()
        proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            contents = make_orders(orders + 1, lines, prefix="PO-LAT")
            hard_stop = started + deadline
            # warm-up: daemon + code server start, first sensor tick, first run
            warm = s.procuros.enqueue("ORDER", contents[0])
            warm_at = time.monotonic()
            while time.monotonic() < hard_stop and not _seen(s.gateway, [warm]):
                if proc.poll() is not None:
                    raise RuntimeError(f"dagster-daemon exited with {proc.returncode}; see its log")
                time.sleep(0.5)
            out["warmup_s"] = time.monotonic() - warm_at
            backlog_ids: list[str] = []
            backlog_done: float | None = None
            # a count, not the ids read back: under the cost model a poll costs Odoo time too
            imported = lambda: s.gateway.search_count("sale.order", [("client_order_ref", "=like", "PO-BACKLOG-%")])  # noqa: E731
            if backlog:
                backlog_ids = [s.procuros.enqueue("ORDER", c)
                               for c in make_orders(backlog, backlog_lines, seed=3, prefix="PO-BACKLOG")]
                backlog_at = time.monotonic()
            enqueued: dict[str, float] = {}
            done: dict[str, float] = {}
            next_at = time.monotonic()
            queue = list(contents[1:])
            while time.monotonic() < hard_stop and (queue or len(done) < len(enqueued)):
                now = time.monotonic()
                if queue and now >= next_at:
                    tid = s.procuros.enqueue("ORDER", queue.pop(0))
                    enqueued[tid] = time.monotonic()
                    next_at = now + spacing
                waiting = [t for t in enqueued if t not in done]
                if waiting:
                    seen_at = time.monotonic()
                    for tid in _seen(s.gateway, waiting):
                        done[tid] = seen_at
                if backlog_ids and backlog_done is None and imported() >= len(backlog_ids):
                    backlog_done = time.monotonic()
                time.sleep(poll)
            if backlog_ids:
                while backlog_done is None and time.monotonic() < hard_stop:
                    if imported() >= len(backlog_ids):
                        backlog_done = time.monotonic()
                    time.sleep(poll)
                left = len(backlog_ids) - imported()
                out["backlog_drained_s"] = None if backlog_done is None else backlog_done - backlog_at
                out["backlog_missing"] = left
            lat = [done[t] - enqueued[t] for t in done]
            out.update({
                "measured": len(lat),
                "missing": len(enqueued) - len(done) + len(queue),
                "p50_s": _percentile(lat, 0.5) if lat else None,
                "p95_s": _percentile(lat, 0.95) if lat else None,
                "max_s": max(lat) if lat else None,
            })
            dup = s.gateway.search_read("sale.order", [("x_procuros_transaction_id", "!=", False)], ["x_procuros_transaction_id"])
            out["quotations"] = len(dup)
            out["duplicate_quotations"] = len(dup) - len({d["x_procuros_transaction_id"] for d in dup})
            _wait_runs_finished(home, timeout=max(0.0, min(60.0, hard_stop + 60 - time.monotonic())))
        finally:
            _stop(proc)
            log.close()
        out["daemon_seconds"] = time.monotonic() - started
        try:
            out.update(_run_stats(home))
        except Exception as exc:  # noqa: BLE001 - the stats are a bonus, the latencies are measured
            out["run_stats_error"] = f"{type(exc).__name__}: {exc}"
        if out.get("missing"):
            out["daemon_log_tail"] = (s.workdir / "daemon.log").read_text()[-3000:]
    return out
