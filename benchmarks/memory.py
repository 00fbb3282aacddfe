"""3. Memory: peak memory of the import job at several batch sizes, each in a fresh subprocess.

The sandboxes run in this process (fresh ones per size, no latency: memory does not depend on it);
the job runs in a child process whose own peak RSS (getrusage ru_maxrss) and, optionally, the
Python heap peak during the run (tracemalloc) are reported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks.common import Timer, make_orders, stack, today

REPO = Path(__file__).resolve().parent.parent


def run_size(transactions: int, lines: int, *, trace: bool, timeout: float) -> dict:
    with stack(odoo_latency=0.0) as s:
        for i, c in enumerate(make_orders(transactions, lines, prefix=f"PO-MEM{transactions}")):
            s.procuros.enqueue("ORDER", c)
        cmd = [sys.executable, "-m", "benchmarks.memory_worker", today(), str(s.workdir / "home")]
        if trace:
            cmd.append("--tracemalloc")
        env = {**os.environ, **s.env, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        with Timer() as t:
            proc = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            return {"transactions": transactions, "lines": lines, "error": proc.stderr[-2000:]}
        figures = json.loads(proc.stdout.strip().splitlines()[-1])
        imported = s.gateway.search_count("sale.order", [("x_procuros_transaction_id", "!=", False)])
    return {"transactions": transactions, "lines_per_order": lines, "wall_seconds": t.seconds,
            "imported": imported, **figures}


def run(sizes: list[int], lines: int, *, trace: bool = False, timeout: float = 900) -> dict:
    rows = [run_size(n, lines, trace=trace, timeout=timeout) for n in sizes]
    ok = [r for r in rows if "error" not in r]
    out: dict = {"sizes": sizes, "lines_per_order": lines, "tracemalloc": trace, "rows": rows}
    if len(ok) >= 2:
        small, large = ok[0], ok[-1]
        out["rss_growth"] = large["peak_rss_mib"] / small["peak_rss_mib"] - 1
        # what the run itself added on top of the loaded code
        out["run_rss_small_mib"] = small["peak_rss_mib"] - small["rss_before_mib"]
        out["run_rss_large_mib"] = large["peak_rss_mib"] - large["rss_before_mib"]
        if trace and small.get("traced_peak_mib"):
            out["traced_growth"] = large["traced_peak_mib"] / small["traced_peak_mib"] - 1
    return out
