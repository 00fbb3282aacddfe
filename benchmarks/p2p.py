"""3. Purchase-to-pay: the five movements through their real jobs, N documents each, as one story.

N RFQs of L lines to the supplier that requires an order response (set-up, not measured) are sent
by ``export_purchase_orders``; the supplier accepts each (``import_order_responses`` confirms
them, Odoo creates the receipts), ships each in full (``import_shipping_notices`` sets the
receipts' quantities), bills each (``import_vendor_bills``) and credits one line of each
(``import_vendor_credit_notes``). Each job is measured on its own: Odoo and Procuros calls per
document, wall time and the busy ratio under the Odoo cost model.
"""

from __future__ import annotations

import random

from benchmarks.common import CATALOGUE, CallClock, catalogue_gtin, procuros_calls, run_job, stack, today
from procuros_dagster.sandbox import demo_data as dd
from procuros_dagster.sandbox import supplier_documents as sd

CHUNK = 200
JOBS = (
    ("export_purchase_orders", None),
    ("import_order_responses", "ORDER_RESPONSE"),
    ("import_shipping_notices", "SHIPPING_NOTICE"),
    ("import_vendor_bills", "INVOICE"),
    ("import_vendor_credit_notes", "CREDIT_NOTE"),
)


def _seed_rfqs(s, supplier_id: int, count: int, lines: int) -> list[list[dict]]:
    """``count`` RFQs; returns each one's lines as the supplier's documents name them."""
    rng = random.Random(13)
    orders, vals = [], []
    for _ in range(count):
        picks = rng.sample(range(CATALOGUE), min(lines, CATALOGUE))
        order = [{"gtin": catalogue_gtin(n), "unit": "EA", "quantity": 1 + rng.randrange(24), "price": 1.0 + n % 17}
                 for n in picks]
        orders.append(order)
        vals.append({"partner_id": supplier_id, "order_line": [
            [0, 0, {"product_id": s.data.products[ln["gtin"]], "product_qty": ln["quantity"], "price_unit": ln["price"]}]
            for ln in order]})
    for i in range(0, len(vals), CHUNK):
        s.gateway.create("purchase.order", vals[i : i + CHUNK])
    return orders


def _documents(kind: str, names: list[str], orders: list[list[dict]], day: str) -> list[dict]:
    gln = dd.SUPPLIER_ORR_GLN
    out = []
    for name, lines in zip(names, orders):
        if kind == "ORDER_RESPONSE":
            out.append(sd.order_response(name, "ACCEPT", [{"gtin": ln["gtin"], "unit": ln["unit"], "ordered": ln["quantity"],
                                                           "confirmed": ln["quantity"]} for ln in lines],
                                         supplier_gln=gln, day=day))
        elif kind == "SHIPPING_NOTICE":
            out.append(sd.shipping_notice(f"LS-{name}", name, [{"gtin": ln["gtin"], "unit": ln["unit"], "ordered": ln["quantity"],
                                                                "shipped": ln["quantity"]} for ln in lines],
                                          supplier_gln=gln, day=day))
        elif kind == "INVOICE":
            out.append(sd.invoice(f"RE-{name}", name, lines, supplier_gln=gln, notice=f"LS-{name}", day=day))
        else:
            out.append(sd.credit_note(f"GS-{name}", f"RE-{name}", name, [{**lines[0], "quantity": 1}],
                                      supplier_gln=gln, reason="1 Einheit beim Transport beschädigt", day=day))
    return out


def _outcome(job: str, s, names: list[str]) -> int:
    """Documents that did what the job is for, read back from Odoo (not from the job's own report)."""
    gw = s.gateway
    if job == "export_purchase_orders":
        return sum(1 for x in s.procuros.sent if x["type"] == "ORDER")
    if job == "import_order_responses":
        return gw.search_count("purchase.order", [("name", "in", names), ("state", "=", "purchase")])
    if job == "import_shipping_notices":
        moves = gw.search_read("stock.move", [("purchase_line_id.order_id.name", "in", names)], ["quantity", "product_uom_qty"])
        return len(names) if moves and all(m["quantity"] == m["product_uom_qty"] for m in moves) else 0
    move_type = "in_invoice" if job == "import_vendor_bills" else "in_refund"
    return gw.search_count("account.move", [("move_type", "=", move_type)])


def run(count: int, lines: int, latency: float, cost=None) -> dict:
    """``cost``: the sandbox's CostModel (Odoo takes as long as a real one); else a flat ``latency``."""
    out: dict = {"documents": count, "lines_per_document": lines, "odoo_latency_ms": latency * 1000,
                 "cost_model": cost is not None}
    day = today()
    with stack(odoo_latency=0.0) as s:
        suppliers = dd.seed_suppliers(s.gateway)
        s.procuros.known_parties = s.procuros.known_parties | dd.SUPPLIER_PARTNERS
        orders = _seed_rfqs(s, suppliers.orr_supplier_id, count, lines)
        names = [r["name"] for r in s.gateway.search_read("purchase.order", [], ["name"], order="id")]
        for job, kind in JOBS:
            s.odoo.latency, s.odoo.cost = 0.0, None
            if kind:
                for content in _documents(kind, names, orders, day):
                    s.procuros.enqueue(kind, content)
            s.odoo.latency, s.odoo.cost = latency, cost
            s.odoo.reset_counts()
            s.procuros.call_counts.clear()
            with CallClock(s.odoo) as clock:
                result, seconds, _ = run_job(job, day, s.workdir / f"home-{job}")
            rpcs, busy = s.odoo.rpc_count, s.odoo.busy_seconds
            pcalls, pcounts = procuros_calls(s.procuros), dict(s.procuros.call_counts)
            s.odoo.latency, s.odoo.cost = 0.0, None
            done = _outcome(job, s, names)
            out[job] = {
                "success": result.success,
                "seconds": seconds,
                "documents_done": done,
                "odoo_rpcs": rpcs,
                "rpc_per_document": rpcs / count,
                "odoo_busy_seconds": busy,
                "odoo_busy_ratio": busy / seconds if cost is not None and seconds else None,
                # the sandbox's real time serving the calls (its own work + the modelled cost)
                "odoo_served_seconds": clock.total,
                "odoo_served_top": clock.top(),
                "procuros_calls": pcalls,
                "procuros_call_counts": pcounts,
                "procuros_calls_per_document": pcalls / count,
                "complete": result.success and done == count,
            }
    return out
