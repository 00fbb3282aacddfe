"""One command for every benchmark: ``python -m benchmarks`` (or ``python benchmarks/run.py``).

Prints a table and writes it to benchmarks/results/latest.md, with every raw figure in
benchmarks/results/latest.json. ``--quick`` is a smoke-sized run (< 1 minute) that skips the
daemon latency section and the subprocess fixed-cost runs.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import subprocess
import sys
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

if __package__ in (None, ""):  # python benchmarks/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

RESULTS = Path(__file__).resolve().parent / "results"
SECTIONS = ("inbound", "outbound", "p2p", "memory", "latency", "fixed")


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="smoke sizes; skips latency and subprocess fixed-cost runs")
    p.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections: {','.join(SECTIONS)}")
    p.add_argument("--orders", type=int, help="inbound orders (default 1000; quick 50)")
    p.add_argument("--lines", type=int, default=10, help="lines per inbound order (default 10)")
    p.add_argument("--latency-ms", type=float, default=5.0, help="Odoo latency per call with --cost-model flat (default 5 ms)")
    p.add_argument("--cost-model", choices=("real", "flat"), default="real",
                   help="inbound/outbound: 'real' = the sandbox takes as long per call, created line and read row as "
                        "a real Odoo 17 (sandbox/odoo/cost.py; default), 'flat' = --latency-ms per call")
    p.add_argument("--documents", type=int, help="outbound invoices and shipping notices, each (default 1000; quick 50)")
    p.add_argument("--document-lines", type=int, default=5, help="lines per outbound document (default 5)")
    p.add_argument("--concurrency-documents", type=int,
                   help="invoices of the send-concurrency run, outbound section (default 300; quick 30)")
    p.add_argument("--procuros-latency-ms", type=float, default=50.0,
                   help="Procuros' answer time per request in the send-concurrency run (default 50 ms)")
    p.add_argument("--p2p-documents", type=int, help="purchase-to-pay documents per movement (default 1000; quick 50)")
    p.add_argument("--memory-sizes", help="transactions per memory run (default 1000,10000,50000; quick 200,1000)")
    p.add_argument("--memory-lines", type=int, help="lines per order in the memory runs (default 2: the Odoo sandbox, "
                   "not the job, makes 50,000 × 10 lines take > 6 min; quick 2)")
    p.add_argument("--tracemalloc", action="store_true", help="also trace the Python heap peak (slower)")
    p.add_argument("--latency-orders", type=int, default=20, help="orders in the latency section (default 20)")
    p.add_argument("--latency-spacing", type=float, default=3.0, help="seconds between enqueued orders (default 3)")
    p.add_argument("--latency-backlog", type=int, default=1000,
                   help="orders arriving at once before the measured ones (default 1000; 0: none)")
    p.add_argument("--latency-backlog-lines", type=int, default=10, help="lines per backlog order (default 10)")
    p.add_argument("--sensor-interval", type=int, default=5, help="procuros_order_queue interval, s (default 5)")
    p.add_argument("--timeout", type=float, default=900, help="bound for any one subprocess / daemon section, s")
    p.add_argument("--out", default=str(RESULTS), help="results folder (default benchmarks/results)")
    a = p.parse_args(argv)
    a.argv = argv
    a.orders = a.orders or (50 if a.quick else 1000)
    a.documents = a.documents or (50 if a.quick else 1000)
    a.p2p_documents = a.p2p_documents or (50 if a.quick else 1000)
    a.concurrency_documents = a.concurrency_documents or (30 if a.quick else 300)
    a.memory_lines = a.memory_lines or 2
    a.memory_sizes = [int(x) for x in (a.memory_sizes or ("200,1000" if a.quick else "1000,10000,50000")).split(",")]
    a.only = [x.strip() for x in a.only.split(",") if x.strip()]
    unknown = set(a.only) - set(SECTIONS)
    if unknown:
        p.error(f"unknown sections {sorted(unknown)}")
    if a.quick and "latency" in a.only and a.only == list(SECTIONS):
        a.only = [s for s in SECTIONS if s != "latency"]
    return a


def _say(text: str) -> None:
    print(text, flush=True)


def _yes(ok: bool | None) -> str:
    return "—" if ok is None else ("yes" if ok else "**no**")


def _f(x, digits=3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


P2P_LABELS = {"export_purchase_orders": "purchase order", "import_order_responses": "order response",
              "import_shipping_notices": "shipping notice", "import_vendor_bills": "vendor bill",
              "import_vendor_credit_notes": "vendor credit note"}


def table(r: dict) -> str:
    rows: list[tuple[str, str, str, str, str]] = []
    if "inbound" in r:
        i = r["inbound"]
        p, n = i["pipeline"], i["naive"]
        tag = f"{i['orders']} orders × {i['lines_per_order']} lines, " + (
            "Odoo cost model" if i.get("cost_model") else f"{i['odoo_latency_ms']:g} ms/call")
        rows += [
            ("1 Inbound", f"Odoo round trips per order ({tag})", f"{_f(i['rpc_per_order'])} ({p['odoo_rpcs']} RPCs)", "≤ 0.1", _yes(i["rpc_per_order"] <= 0.1)),
            ("1 Inbound", "Procuros calls per transaction", f"{_f(i['procuros_calls_per_txn'])} ({p['procuros_calls']} calls)", "≤ 0.05", _yes(i["procuros_calls_per_txn"] <= 0.05)),
            ("1 Inbound", "Wall time: Dagster job / naive connector", f"{p['seconds']:.1f} s / {n['seconds']:.1f} s", "", ""),
            ("1 Inbound", "Naive: Odoo RPCs per order, Procuros calls per transaction", f"{_f(i['naive_rpc_per_order'], 2)}, {_f(i['naive_procuros_calls_per_txn'], 2)}", "", ""),
            ("1 Inbound", "Speed-up over the naive connector", f"{i['speedup']:.1f}×", "≥ 10×", _yes(i["speedup"] >= 10)),
            ("1 Inbound", "All orders imported and acknowledged (both)", "yes" if i["complete"] else "NO", "", _yes(i["complete"])),
        ]
        if p.get("odoo_busy_ratio") is not None:
            rows.append(("1 Inbound", f"Odoo kept busy: modelled Odoo time / job wall time ({p['odoo_busy_seconds']:.1f} s / {p['seconds']:.1f} s)",
                         _f(p["odoo_busy_ratio"], 2), "≥ 0.95", _yes(p["odoo_busy_ratio"] >= 0.95)))
    if "outbound" in r:
        o = r["outbound"]
        for job, label in (("export_shipping_notices", "shipping notices"), ("export_invoices", "invoices")):
            j = o[job]
            rows += [
                ("2 Outbound", f"Odoo round trips per document, {j['sent']} {label} ("
                 + ("Odoo cost model" if o.get("cost_model") else f"{o['odoo_latency_ms']:g} ms/call") + f", {j['seconds']:.1f} s)",
                 f"{_f(j['rpc_per_document'])} ({j['odoo_rpcs']} RPCs)", "≤ 0.1", _yes(j["rpc_per_document"] <= 0.1)),
                ("2 Outbound", f"Procuros calls per {label[:-1]} sent", f"{_f(j['procuros_calls_per_document'], 2)}", "1", _yes(abs(j["procuros_calls_per_document"] - 1) < 1e-9)),
                ("2 Outbound", f"All {label} sent", "yes" if j["complete"] else "NO", "", _yes(j["complete"])),
            ]
            if j.get("odoo_busy_ratio") is not None:
                rows.append(("2 Outbound", f"Odoo kept busy, {label}: modelled Odoo time / job wall time ({j['odoo_busy_seconds']:.1f} s / {j['seconds']:.1f} s)",
                             _f(j["odoo_busy_ratio"], 2), "≥ 0.95", _yes(j["odoo_busy_ratio"] >= 0.95)))
        c = o.get("concurrency")
        if c:
            runs = c["runs"]
            rows.append(("2 Outbound", f"{c['documents']} invoices, Procuros answering in {c['procuros_latency_ms']:g} ms: wall time "
                         "with " + " / ".join(f"{k} at once" for k in runs),
                         " / ".join(f"{v['seconds']:.1f} s" for v in runs.values()), "", ""))
            rows.append(("2 Outbound", f"… speed-up from sending {list(runs)[-1]} at once (all sent: "
                         + ("yes" if all(v["complete"] for v in runs.values()) else "NO") + ")",
                         f"{c['speedup']:.1f}×" if c.get("speedup") else "-", "", _yes(all(v["complete"] for v in runs.values()))))
    if "p2p" in r:
        q = r["p2p"]
        model = "Odoo cost model" if q.get("cost_model") else f"{q['odoo_latency_ms']:g} ms/call"
        for job, label in P2P_LABELS.items():
            j = q[job]
            rows += [
                ("3 Purchase-to-pay", f"{job}: Odoo round trips per {label}, {q['documents']} × {q['lines_per_document']} lines "
                 f"({model}, {j['seconds']:.1f} s)", f"{_f(j['rpc_per_document'])} ({j['odoo_rpcs']} RPCs)", "≤ 0.1",
                 _yes(j["rpc_per_document"] <= 0.1)),
                ("3 Purchase-to-pay", f"{job}: Procuros calls per {label}", _f(j["procuros_calls_per_document"], 3),
                 "1" if job.startswith("export") else "≤ 0.05",
                 _yes(abs(j["procuros_calls_per_document"] - 1) < 1e-9 if job.startswith("export")
                      else j["procuros_calls_per_document"] <= 0.05)),
                ("3 Purchase-to-pay", f"{job}: all done (read back from Odoo / Procuros)",
                 f"{j['documents_done']}/{q['documents']}", "", _yes(j["complete"])),
            ]
            if j.get("odoo_busy_ratio") is not None:
                rows.append(("3 Purchase-to-pay", f"{job}: Odoo kept busy ({j['odoo_busy_seconds']:.1f} s / {j['seconds']:.1f} s)",
                             _f(j["odoo_busy_ratio"], 2), "≥ 0.95", _yes(j["odoo_busy_ratio"] >= 0.95)))
    if "memory" in r:
        m = r["memory"]
        for row in m["rows"]:
            if "error" in row:
                rows.append(("4 Memory", f"{row['transactions']} transactions", "ERROR (see JSON)", "", "**no**"))
                continue
            traced = f", heap peak {row['traced_peak_mib']:.0f} MiB" if row.get("traced_peak_mib") else ""
            rows.append(("4 Memory", f"Peak RSS of the job process, {row['transactions']:,} transactions × {row['lines_per_order']} lines ({row['seconds']:.0f} s)",
                         f"{row['peak_rss_mib']:.0f} MiB (run added {row['peak_rss_mib'] - row['rss_before_mib']:.0f}){traced}", "", ""))
        if "rss_growth" in m:
            rows.append(("4 Memory", f"Growth {m['rows'][0]['transactions']:,} → {m['rows'][-1]['transactions']:,} transactions (peak RSS)",
                         f"{m['rss_growth'] * 100:+.0f}%", "≤ 10%", _yes(m["rss_growth"] <= 0.1)))
        if "run_rss_small_mib" in m:
            rows.append(("4 Memory", "What the run adds to the loaded process (peak RSS − RSS before the run)",
                         f"{m['run_rss_small_mib']:.0f} → {m['run_rss_large_mib']:.0f} MiB", "", ""))
        if "traced_growth" in m:
            rows.append(("4 Memory", "Growth, Python heap peak (tracemalloc)", f"{m['traced_growth'] * 100:+.0f}%", "≤ 10%", _yes(m["traced_growth"] <= 0.1)))
    if "latency" in r:
        lt = r["latency"]
        if "error" in lt:
            rows.append(("5 Latency", "daemon section", "ERROR: " + lt["error"][:120], "", "**no**"))
        else:
            behind = (f", after a backlog of {lt['backlog']} × {lt.get('backlog_lines')} lines at once"
                      if lt.get("backlog") else "")
            model = "Odoo cost model" if lt.get("cost_model") else f"{lt['odoo_latency_ms']:g} ms/call"
            rows += [
                ("5 Latency", f"Enqueue → quotation in Odoo, {lt['measured']}/{lt['orders']} orders every {lt['spacing_s']:g} s"
                 f"{behind}, sensor every {lt['sensor_interval_s']} s ({model}): p50", f"{_f(lt['p50_s'], 1)} s", "", ""),
                ("5 Latency", "… p95 (max)", f"{_f(lt['p95_s'], 1)} s ({_f(lt['max_s'], 1)} s)", "≤ 15 s", _yes(lt["p95_s"] is not None and lt["p95_s"] <= 15 and not lt["missing"])),
                ("5 Latency", "First order after daemon start (code server + first run)", f"{_f(lt.get('warmup_s'), 1)} s", "", ""),
                ("5 Latency", f"Runs: {lt.get('runs')} ({', '.join(lt.get('run_statuses', []))}); launch delay p50 / run duration p50",
                 f"{_f(lt.get('launch_delay_p50_s'), 1)} s / {_f(lt.get('run_duration_p50_s'), 1)} s", "", ""),
                *([("5 Latency", "Backlog in Odoo, all of it, after", f"{_f(lt.get('backlog_drained_s'), 1)} s", "", "")]
                  if lt.get("backlog") else []),
                ("5 Latency", "Duplicate quotations", str(lt.get("duplicate_quotations")), "0", _yes(lt.get("duplicate_quotations") == 0)),
            ]
    if "fixed" in r:
        fx = r["fixed"]
        labels = {
            "in_process": "1-order run, execute_in_process (in-process executor)",
            "subprocess": "1-order run as the sensor runs it: new process (`dagster job execute`)",
        }
        for key, label in labels.items():
            if key in fx:
                x = fx[key]
                rows.append(("6 Fixed cost", label, f"{x['wall_s']:.2f} s wall, {x['body_s']:.2f} s in asset bodies → {x['overhead_share'] * 100:.0f}% Dagster", "", ""))
    out = ["| Section | Measure | Value | Target | Holds |", "|---|---|---|---|---|"]
    out += [f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in rows]
    return "\n".join(out)


def _meta(a: argparse.Namespace) -> dict:
    repo = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=repo, capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:  # noqa: BLE001
        commit = "?"
    import dagster

    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
        "python": platform.python_version(),
        "dagster": dagster.__version__,
        "cpus": os.cpu_count(),
        "quick": a.quick,
        "command": " ".join(["python -m benchmarks", *(sys.argv[1:] if a.argv is None else a.argv)]),
    }


def main(argv: list[str] | None = None) -> int:
    a = _args(argv)
    warnings.filterwarnings("ignore")
    logging.getLogger("procuros_dagster").setLevel(logging.ERROR)
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
    from benchmarks import fixed_cost, inbound, latency, memory, outbound, p2p

    lat = a.latency_ms / 1000
    results: dict = {"meta": _meta(a)}
    started = time.monotonic()
    timings: dict[str, float] = {}

    def section(name: str, fn):
        if name not in a.only:
            return
        _say(f"[{name}] running …")
        t0 = time.monotonic()
        try:
            results[name] = fn()
        except Exception as exc:  # noqa: BLE001 - one broken section must not hide the others
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
            _say(f"[{name}] FAILED: {type(exc).__name__}: {exc}")
        timings[name] = time.monotonic() - t0
        _say(f"[{name}] done in {timings[name]:.0f} s")

    from procuros_dagster.sandbox.odoo.cost import REAL_ODOO_17

    cost, io_lat = (REAL_ODOO_17, 0.0) if a.cost_model == "real" else (None, lat)
    section("inbound", lambda: inbound.run(a.orders, a.lines, io_lat, cost))
    section("outbound", lambda: {**outbound.run(a.documents, a.document_lines, io_lat, cost),
                                 "concurrency": outbound.run_concurrency(a.concurrency_documents, a.document_lines,
                                                                         a.procuros_latency_ms / 1000, cost=cost)})
    section("p2p", lambda: p2p.run(a.p2p_documents, a.document_lines, io_lat, cost))
    section("memory", lambda: memory.run(a.memory_sizes, a.memory_lines, trace=a.tracemalloc, timeout=a.timeout))
    section("latency", lambda: latency.run(a.latency_orders, a.latency_spacing, a.sensor_interval, io_lat,
                                           deadline=min(a.timeout, 120 + a.latency_orders * a.latency_spacing * 3
                                                        + a.latency_backlog * a.latency_backlog_lines * 0.01),
                                           cost=cost, backlog=a.latency_backlog, backlog_lines=a.latency_backlog_lines))
    section("fixed", lambda: fixed_cost.run(lat, timeout=min(a.timeout, 180), subprocesses=not a.quick))
    previous = Path(a.out) / "latest.json"
    if set(a.only) != set(SECTIONS) and not a.quick and previous.exists():
        # a partial re-run: keep the other sections of the last full run, say which were re-run
        old = json.loads(previous.read_text(encoding="utf-8"))
        for name in SECTIONS:
            if name not in a.only and name in old:
                results[name] = old[name]
        results["meta"]["rerun_sections"] = a.only
        results["meta"]["previous"] = old.get("meta", {})
    results["meta"]["section_seconds"] = {k: round(v, 1) for k, v in timings.items()}
    results["meta"]["total_seconds"] = round(time.monotonic() - started, 1)

    broken = {k: v["error"] for k, v in results.items() if isinstance(v, dict) and "error" in v and k != "meta"}
    try:
        body = table({k: v for k, v in results.items() if k not in broken})
    except Exception as exc:  # noqa: BLE001
        body = f"(table could not be built: {type(exc).__name__}: {exc})"
    m = results["meta"]
    md = [
        f"Benchmarks — `{m['command']}` at commit {m['commit']}, {m['date']}; Python {m['python']}, "
        f"Dagster {m['dagster']}, {m['cpus']} CPUs; sandboxes on loopback; total {m['total_seconds']:.0f} s"
        + (f" (sections {', '.join(m['rerun_sections'])} re-run; the others from the run at {m['previous'].get('commit')}, "
           f"{m['previous'].get('date')}, {m['previous'].get('total_seconds')} s)" if m.get("rerun_sections") else "") + ".",
        "",
        body,
    ]
    for k, v in broken.items():
        md.append(f"\nSection {k} failed: {v}")
    text = "\n".join(md) + "\n"
    _say("\n" + text)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.md").write_text(text, encoding="utf-8")
    (out / "latest.json").write_text(json.dumps(results, indent=1, default=str, sort_keys=True) + "\n", encoding="utf-8")
    _say(f"written: {out.name}/latest.md, {out.name}/latest.json")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
