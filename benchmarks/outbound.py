"""2. Outbound: N shipping notices and N invoices through the real export jobs.

Set-up (not measured): N sale orders created directly through the gateway in chunks, confirmed,
reserved, delivered in full, invoiced and posted, every step batched over all orders.
"""

from __future__ import annotations

import os
import random

from benchmarks.common import CATALOGUE, Timer, catalogue_gtin, procuros_calls, run_job, stack, today

CHUNK = 200


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _invoice_each(gw, order_ids: list[int]) -> list[int]:
    """One invoice per order (the wizard's consolidated billing off: by default Odoo 17 makes one
    invoice per customer, and the benchmark would send 5 invoices of 200 orders each)."""
    ctx = {"active_model": "sale.order", "active_ids": order_ids, "active_id": order_ids[0]}
    wizard = gw.create("sale.advance.payment.inv", [{"advance_payment_method": "delivered", "consolidated_billing": False}],
                       context=ctx)
    gw.call("sale.advance.payment.inv", "create_invoices", [wizard], context=ctx)
    return sorted({i for r in gw.read("sale.order", order_ids, ["invoice_ids"]) for i in r["invoice_ids"]})


def seed_documents(s, count: int, lines: int) -> dict:
    gw, data = s.gateway, s.data
    rng = random.Random(11)
    vals = []
    for i in range(count):
        picks = rng.sample(range(CATALOGUE), min(lines, CATALOGUE))
        vals.append({
            "partner_id": data.buyer_id,
            "partner_invoice_id": data.bill_to_id,
            "partner_shipping_id": data.ship_to_id,
            "client_order_ref": f"PO-OUT-{i:06d}",
            "x_procuros_order_date": "2026-11-27 07:15:00",
            "x_procuros_buyer_gln": "4012345000016",
            "order_line": [
                (0, 0, {"product_id": data.products[catalogue_gtin(n)], "product_uom_qty": 1 + rng.randrange(12),
                        "price_unit": 1.0 + n % 17, "x_procuros_line_number": k + 1})
                for k, n in enumerate(picks)
            ],
        })
    order_ids: list[int] = []
    for chunk in _chunks(vals):
        order_ids += gw.create("sale.order", chunk)
    pickings: list[int] = []
    for chunk in _chunks(order_ids):
        gw.confirm_sale_orders(chunk)
        pickings += [p for r in gw.read("sale.order", chunk, ["picking_ids"]) for p in r["picking_ids"]]
    for chunk in _chunks(pickings):
        gw.call("stock.picking", "action_assign", [chunk])
        moves = gw.search_read("stock.move", [("picking_id", "in", chunk)], ["id", "product_uom_qty"])
        gw.set_move_quantities({m["id"]: m["product_uom_qty"] for m in moves})
        gw.validate_pickings(chunk)
    invoices: list[int] = []
    for chunk in _chunks(order_ids):
        new = _invoice_each(gw, chunk)
        gw.post_moves(new)
        invoices += new
    return {"orders": len(order_ids), "pickings": len(pickings), "invoices": len(invoices)}


def run(count: int, lines: int, latency: float, cost=None) -> dict:
    """``cost``: the sandbox's CostModel (Odoo takes as long as a real one); else a flat ``latency``."""
    out: dict = {"documents": count, "lines_per_document": lines, "odoo_latency_ms": latency * 1000,
                 "cost_model": cost is not None}
    with stack(odoo_latency=0.0) as s:
        with Timer() as t:
            out["seeded"] = seed_documents(s, count, lines)
        out["seed_seconds"] = t.seconds
        s.odoo.latency = latency
        s.odoo.cost = cost
        for job, kind in (("export_shipping_notices", "SHIPPING_NOTICE"), ("export_invoices", "INVOICE")):
            s.odoo.reset_counts()
            s.procuros.call_counts.clear()
            before = sum(1 for x in s.procuros.sent if x["type"] == kind)
            result, seconds, _ = run_job(job, today(), s.workdir / f"home-{job}")
            rpcs, calls, busy = s.odoo.rpc_count, dict(s.odoo.call_counts), s.odoo.busy_seconds
            sent = sum(1 for x in s.procuros.sent if x["type"] == kind) - before
            pcalls = procuros_calls(s.procuros)
            out[job] = {
                "success": result.success,
                "seconds": seconds,
                "sent": sent,
                "odoo_rpcs": rpcs,
                "odoo_calls": calls,
                "rpc_per_document": rpcs / max(sent, 1),
                "odoo_busy_seconds": busy,
                "odoo_busy_ratio": busy / seconds if cost is not None and seconds else None,
                "procuros_calls": pcalls,
                "procuros_call_counts": dict(s.procuros.call_counts),
                "procuros_calls_per_document": pcalls / max(sent, 1),
                "complete": result.success and sent == count,
            }
    return out


def run_concurrency(count: int, lines: int, procuros_latency: float, concurrencies: tuple[int, ...] = (1, 4),
                    cost=None) -> dict:
    """``count`` invoices sent with Procuros answering each request after ``procuros_latency`` s
    (a remote API's round trip), once per ``procuros.send_concurrency`` value, each on fresh
    sandboxes seeded alike."""
    out: dict = {"documents": count, "lines_per_document": lines, "procuros_latency_ms": procuros_latency * 1000,
                 "cost_model": cost is not None, "runs": {}}
    for workers in concurrencies:
        with stack(odoo_latency=0.0) as s:  # restores the environment when it ends
            seed_documents(s, count, lines)
            settings = s.workdir / "settings.yaml"
            settings.write_text(f"procuros:\n  send_concurrency: {workers}\n")
            os.environ["PROCUROS_DAGSTER_SETTINGS"] = str(settings)
            s.odoo.cost, s.procuros.latency = cost, procuros_latency
            result, seconds, _ = run_job("export_invoices", today(), s.workdir / f"home-{workers}")
            sent = sum(1 for x in s.procuros.sent if x["type"] == "INVOICE")  # fresh sandboxes: all of this run
            out["runs"][str(workers)] = {"seconds": seconds, "sent": sent, "complete": result.success and sent == count,
                                         "odoo_busy_seconds": s.odoo.busy_seconds}
    runs = out["runs"]
    first, last = str(concurrencies[0]), str(concurrencies[-1])
    out["speedup"] = runs[first]["seconds"] / runs[last]["seconds"] if runs[last]["seconds"] else None
    return out
