"""1. Inbound: N orders through the real import job vs the naive connector, same latency."""

from __future__ import annotations

from benchmarks import naive
from benchmarks.common import Timer, make_orders, procuros_calls, run_job, stack, today


def run(orders: int, lines: int, latency: float, cost=None) -> dict:
    """``cost``: the sandbox's CostModel (Odoo takes as long as a real one); else a flat ``latency``."""
    contents = make_orders(orders, lines)
    out: dict = {"orders": orders, "lines_per_order": lines, "odoo_latency_ms": latency * 1000,
                 "cost_model": cost is not None}

    with stack(odoo_latency=latency, odoo_cost=cost) as s:
        for c in contents:
            s.procuros.enqueue("ORDER", c)
        s.odoo.reset_counts()
        result, seconds, _ = run_job("import_sales_orders", today(), s.workdir / "home")
        rpcs, calls = s.odoo.rpc_count, dict(s.odoo.call_counts)  # before our own checks below
        busy = s.odoo.busy_seconds
        created = s.gateway.search_count("sale.order", [("x_procuros_transaction_id", "!=", False)])
        acked = sum(1 for a in s.procuros.acknowledgements.values() if a.get("success"))
        out["pipeline"] = {
            "success": result.success,
            "seconds": seconds,
            "odoo_rpcs": rpcs,
            "odoo_calls": calls,
            "odoo_busy_seconds": busy,
            # how much of the job's wall time Odoo was kept busy: 1.0 = the connector never made it wait
            "odoo_busy_ratio": busy / seconds if cost is not None and seconds else None,
            "procuros_calls": procuros_calls(s.procuros),
            "procuros_call_counts": dict(s.procuros.call_counts),
            "quotations": created,
            "acknowledged_ok": acked,
        }

    with stack(odoo_latency=latency, odoo_cost=cost) as s:
        for c in contents:
            s.procuros.enqueue("ORDER", c)
        s.odoo.reset_counts()
        with Timer() as t:
            report = naive.run(s.env, max_orders=orders)
        out["naive"] = {
            "seconds": t.seconds,
            "odoo_rpcs": report["odoo_calls"],
            "procuros_calls": procuros_calls(s.procuros),
            "quotations": report["imported"],
        }

    p, n = out["pipeline"], out["naive"]
    out["rpc_per_order"] = p["odoo_rpcs"] / orders
    out["procuros_calls_per_txn"] = p["procuros_calls"] / orders
    out["naive_rpc_per_order"] = n["odoo_rpcs"] / orders
    out["naive_procuros_calls_per_txn"] = n["procuros_calls"] / orders
    out["speedup"] = n["seconds"] / p["seconds"] if p["seconds"] else None
    out["complete"] = p["success"] and p["quotations"] == orders == n["quotations"] and p["acknowledged_ok"] == orders
    return out
