"""The chaos test's purchase-to-pay: RFQs out, the suppliers' answers, notices, bills and credit notes in.

Seeded before any fault: RFQs to both suppliers (one confirms what it is sent, the other answers
every order), and every document the suppliers will send, planned up front so that the expected
end state is known whatever the chaos does: ORDER_RESPONSEs (ACCEPT, CHANGE, REJECT) for the
orders of the answering supplier, a SHIPPING_NOTICE per confirmed order (some short, some on an
SSCC), an INVOICE per notice, a CREDIT_NOTE for every third invoice — and one in ten of each type
that the supplier must fix, rejected with a reason. ``problems`` lists what the end state gets wrong.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

from procuros_dagster.mapping.identifiers import with_check_digit
from procuros_dagster.odoo.binder import Binder
from procuros_dagster.procuros.openapi import validate_document
from procuros_dagster.sandbox import demo_data as dd
from procuros_dagster.sandbox import supplier_documents as sd

# Procuros type -> (the movement's name in the Logs, its binding prefix, the model it binds to)
MOVEMENTS = {"ORDER_RESPONSE": ("order_responses", "order_response", "purchase.order"),
             "SHIPPING_NOTICE": ("receipts", "receipt", "stock.picking"),
             "INVOICE": ("vendor_bills", "vendor_bill", "account.move"),
             "CREDIT_NOTE": ("vendor_credit_notes", "vendor_credit_note", "account.move")}
JOBS = {"ORDER_RESPONSE": "import_order_responses", "SHIPPING_NOTICE": "import_shipping_notices",
        "INVOICE": "import_vendor_bills", "CREDIT_NOTE": "import_vendor_credit_notes"}


@dataclass
class PurchaseOrder:
    id: int
    name: str
    supplier_id: int
    supplier_gln: str
    lines: list[tuple[str, float, float]]  # gtin, ordered quantity, price (EA)
    response: str | None = None  # the supplier's ORDER_RESPONSE type, if it answers orders
    confirmed: list[float] = field(default_factory=list)  # the lines' quantities once confirmed
    shipped: list[float] | None = None  # None: never shipped (rejected by the supplier)
    credited: bool = False
    tids: dict[str, str] = field(default_factory=dict)  # Procuros type -> its transaction

    @property
    def is_confirmed(self) -> bool:
        return self.response != "REJECT"


@dataclass
class PurchaseToPay:
    orders: list[PurchaseOrder]
    bad: dict[str, dict[str, str]]  # Procuros type -> {transaction: words its rejection reason names}

    @property
    def names(self) -> set[str]:
        return {po.name for po in self.orders}

    def good(self, kind: str) -> list[str]:
        return [po.tids[kind] for po in self.orders if kind in po.tids]

    def inbound(self) -> dict[str, list[str]]:
        return {kind: self.good(kind) + list(self.bad[kind]) for kind in MOVEMENTS}


def _enqueue(procuros, kind: str, content: dict) -> str:
    problems = validate_document(kind, content)
    assert not problems, (kind, problems)  # what a supplier's system sends is valid per the spec
    return procuros.enqueue(kind, content)


def seed_purchase_to_pay(gateway, procuros, data, count: int, gtins: list[str], unknown_gtin: str,
                         seed: int = 12) -> PurchaseToPay:
    """``count`` RFQs in Odoo and every supplier document for them queued at Procuros (no faults yet)."""
    rng = random.Random(seed)
    procuros.known_parties = procuros.known_parties | dd.SUPPLIER_PARTNERS
    suppliers = dd.seed_suppliers(gateway)
    plans = []
    for i in range(count):
        answers = i % 2 == 1
        lines = [(gtins[n], float(2 + rng.randrange(22)), 1.0 + n) for n in rng.sample(range(len(gtins)), 2)]
        plans.append((suppliers.orr_supplier_id if answers else suppliers.supplier_id,
                      dd.SUPPLIER_ORR_GLN if answers else dd.SUPPLIER_GLN, answers, lines))
    ids = gateway.create("purchase.order", [
        {"partner_id": supplier, "order_line": [(0, 0, {"product_id": data.products[g], "product_qty": q,
                                                        "price_unit": p}) for g, q, p in lines]}
        for supplier, _, _, lines in plans])
    names = {r["id"]: r["name"] for r in gateway.read("purchase.order", ids, ["name"])}
    orders = [PurchaseOrder(i, names[i], supplier, gln, lines) for i, (supplier, gln, _, lines) in zip(ids, plans)]

    answered = [po for po, plan in zip(orders, plans) if plan[2]]
    for j, po in enumerate(answered):
        po.response = "REJECT" if j % 5 == 4 else "CHANGE" if j % 5 == 2 else "ACCEPT"
    confirmed = [po for po in orders if po.is_confirmed]
    for k, po in enumerate(confirmed):
        po.confirmed = [q - 1 if po.response == "CHANGE" and n == 0 else q for n, (_, q, _) in enumerate(po.lines)]
        po.shipped = [q - 1 if k % 3 == 1 and n == 0 else q for n, q in enumerate(po.confirmed)]  # some short
        po.credited = k % 3 == 0

    for po in answered:
        lines = [{"gtin": g, "ordered": q, "confirmed": c if po.response != "REJECT" else 0, "unit": "EA"}
                 for (g, q, _), c in zip(po.lines, po.confirmed or [0, 0])]
        po.tids["ORDER_RESPONSE"] = _enqueue(procuros, "ORDER_RESPONSE", sd.order_response(
            po.name, po.response, lines, supplier_gln=po.supplier_gln))
    for k, po in enumerate(confirmed):
        sscc = with_check_digit(f"34098765{k:09d}") if k % 2 else None
        po.tids["SHIPPING_NOTICE"] = _enqueue(procuros, "SHIPPING_NOTICE", sd.shipping_notice(
            f"LS-{po.name}", po.name, [{"gtin": g, "ordered": c, "shipped": s, "unit": "EA"}
                                       for (g, _, _), c, s in zip(po.lines, po.confirmed, po.shipped)],
            supplier_gln=po.supplier_gln, sscc=sscc))
    for po in confirmed:
        po.tids["INVOICE"] = _enqueue(procuros, "INVOICE", sd.invoice(
            f"RE-{po.name}", po.name, [{"gtin": g, "quantity": s, "unit": "EA", "price": p}
                                       for (g, _, p), s in zip(po.lines, po.shipped)],
            supplier_gln=po.supplier_gln, notice=f"LS-{po.name}"))
    for po in confirmed:
        if po.credited:
            gtin, _, price = po.lines[0]
            po.tids["CREDIT_NOTE"] = _enqueue(procuros, "CREDIT_NOTE", sd.credit_note(
                f"GS-{po.name}", f"RE-{po.name}", po.name, [{"gtin": gtin, "quantity": 1, "unit": "EA", "price": price}],
                supplier_gln=po.supplier_gln, reason="1 Karton beim Transport beschädigt"))

    # one in ten of each type the supplier must fix: never written, rejected with a reason naming it
    bad: dict[str, dict[str, str]] = {kind: {} for kind in MOVEMENTS}
    for b in range(max(1, len(answered) // 10)):
        missing = f"P9{b:04d}"
        bad["ORDER_RESPONSE"][_enqueue(procuros, "ORDER_RESPONSE", sd.order_response(
            missing, "ACCEPT", [{"gtin": gtins[0], "ordered": 1, "confirmed": 1, "unit": "EA"}],
            supplier_gln=dd.SUPPLIER_ORR_GLN))] = missing
    for b in range(max(1, len(confirmed) // 10)):
        missing = f"P8{b:04d}"
        bad["SHIPPING_NOTICE"][_enqueue(procuros, "SHIPPING_NOTICE", sd.shipping_notice(
            f"LS-{missing}", missing, [{"gtin": gtins[0], "ordered": 1, "shipped": 1, "unit": "EA"}],
            supplier_gln=dd.SUPPLIER_GLN))] = missing
    for b in range(max(1, len(confirmed) // 10)):
        po = confirmed[b % len(confirmed)]
        bad["INVOICE"][_enqueue(procuros, "INVOICE", sd.invoice(
            f"RE-X-{b:04d}", po.name, [{"gtin": unknown_gtin, "quantity": 1, "unit": "EA", "price": 1.0}],
            supplier_gln=po.supplier_gln, notice=f"LS-{po.name}"))] = unknown_gtin
    for b in range(max(1, sum(po.credited for po in confirmed) // 10)):
        po = confirmed[b % len(confirmed)]
        bad["CREDIT_NOTE"][_enqueue(procuros, "CREDIT_NOTE", sd.credit_note(
            f"GS-X-{b:04d}", f"RE-{po.name}", po.name, [{"gtin": unknown_gtin, "quantity": 1, "unit": "EA", "price": 1.0}],
            supplier_gln=po.supplier_gln, reason="Bruch"))] = unknown_gtin
    return PurchaseToPay(orders, bad)


def receive(gateway, p2p: PurchaseToPay) -> None:
    """What the warehouse does once the notices are in: validate the receipts (the rest of a short
    delivery in a backorder), so that the bills meet received quantities."""
    pickings = gateway.search_read("stock.picking", [("purchase_id", "in", [po.id for po in p2p.orders]),
                                                     ("state", "not in", ["done", "cancel"])], ["id"])
    if pickings:
        gateway.validate_pickings([p["id"] for p in pickings], backorder=True)


def problems(gateway, procuros, p2p: PurchaseToPay) -> list[str]:
    """Everything the end state of purchase-to-pay gets wrong, in words (empty: all is well)."""
    found: list[str] = []
    acks, counts = procuros.acknowledgements, procuros.ack_counts
    for kind, tids in p2p.inbound().items():
        for tid in tids:
            if counts[tid] != 1:
                found.append(f"{kind} {tid} acknowledged {counts[tid]} times")
        for po in p2p.orders:
            tid = po.tids.get(kind)
            if tid and acks.get(tid) and not acks[tid]["success"]:
                found.append(f"{kind} of {po.name} ({tid}) rejected: {acks[tid].get('errorReason')}")
        for tid, words in p2p.bad[kind].items():
            ack = acks.get(tid) or {}
            if ack.get("success", True) or ack.get("errorType") != "DATA" or words not in (ack.get("errorReason") or ""):
                found.append(f"{kind} {tid} (names {words}) not rejected as DATA with a reason naming it: {ack}")

    # purchase orders: confirmed once (one receipt), the supplier's changes applied, rejected ones left RFQs
    read = {r["id"]: r for r in gateway.read("purchase.order", [po.id for po in p2p.orders], ["state", "picking_ids"])}
    lines = gateway.search_read("purchase.order.line", [("order_id", "in", [po.id for po in p2p.orders])],
                                ["order_id", "product_qty", "qty_received"], order="order_id, sequence, id")
    by_order: dict[int, list[dict]] = {}
    for ln in lines:
        by_order.setdefault(ln["order_id"][0], []).append(ln)
    for po in p2p.orders:
        state, pickings = read[po.id]["state"], read[po.id]["picking_ids"]
        if po.is_confirmed:
            if state != "purchase":
                found.append(f"purchase order {po.name} is {state!r}, not confirmed")
            shipped_short = po.shipped and po.shipped != po.confirmed
            if len(pickings) != 1 + bool(shipped_short):  # its receipt, and a backorder for a short delivery
                found.append(f"purchase order {po.name} has {len(pickings)} receipts")
            qty = [ln["product_qty"] for ln in by_order[po.id]]
            if qty != po.confirmed:
                found.append(f"purchase order {po.name} quantities {qty}, expected {po.confirmed}")
            received = [ln["qty_received"] for ln in by_order[po.id]]
            if received != po.shipped:
                found.append(f"purchase order {po.name} received {received}, shipped {po.shipped}")
        elif state not in ("draft", "sent") or pickings:
            found.append(f"purchase order {po.name} rejected by the supplier is {state!r} with {len(pickings)} receipts")

    # one draft bill per supplier invoice number, one credit note per number, linked to the bill
    moves = gateway.search_read("account.move", [("move_type", "in", ["in_invoice", "in_refund"])],
                                ["id", "ref", "move_type", "state", "partner_id", "x_procuros_transaction_id",
                                 "reversed_entry_id"], order="id")
    refs = Counter((m["move_type"], m["ref"]) for m in moves)
    expected = Counter([("in_invoice", f"RE-{po.name}") for po in p2p.orders if po.is_confirmed]
                       + [("in_refund", f"GS-{po.name}") for po in p2p.orders if po.credited])
    if refs != expected:
        found.append(f"vendor bills/credit notes: extra {dict(refs - expected)}, missing {dict(expected - refs)}")
    bills = {m["ref"]: m for m in moves}
    for po in p2p.orders:
        for kind, ref, move_type in (("INVOICE", f"RE-{po.name}", "in_invoice"), ("CREDIT_NOTE", f"GS-{po.name}", "in_refund")):
            m = bills.get(ref)
            if kind not in po.tids or m is None:
                continue
            if (m["state"], m["partner_id"] and m["partner_id"][0], m["x_procuros_transaction_id"]) != (
                    "draft", po.supplier_id, po.tids[kind]):
                found.append(f"{ref}: {m['state']}, partner {m['partner_id']}, transaction {m['x_procuros_transaction_id']}")
            if kind == "CREDIT_NOTE" and bills.get(f"RE-{po.name}") and (
                    not m["reversed_entry_id"] or m["reversed_entry_id"][0] != bills[f"RE-{po.name}"]["id"]):
                found.append(f"{ref} does not credit RE-{po.name}: {m['reversed_entry_id']}")

    # every good document bound once, to its record; no rejected one bound
    targets = {"ORDER_RESPONSE": lambda po: po.id, "INVOICE": lambda po: (bills.get(f"RE-{po.name}") or {}).get("id"),
               "CREDIT_NOTE": lambda po: (bills.get(f"GS-{po.name}") or {}).get("id"),
               "SHIPPING_NOTICE": lambda po: read[po.id]["picking_ids"] and min(read[po.id]["picking_ids"])}
    for kind, (_, prefix, model) in MOVEMENTS.items():
        bound = Binder(gateway, prefix).find(p2p.inbound()[kind], model)
        for po in p2p.orders:
            if kind in po.tids and bound.get(po.tids[kind], (None, None))[1] != targets[kind](po):
                found.append(f"{kind} of {po.name} bound to {bound.get(po.tids[kind])}, not {model} {targets[kind](po)}")
        if set(bound) & set(p2p.bad[kind]):
            found.append(f"rejected {kind}s bound: {sorted(set(bound) & set(p2p.bad[kind]))}")
    return found


def log_problems(logs: list[dict], p2p: PurchaseToPay) -> list[str]:
    """The Logs: one entry per supplier document with its outcome, one 'sent' per purchase order."""
    found = []
    for kind, (movement, _, _) in MOVEMENTS.items():
        got = Counter((e["x_transaction_id"], e["x_state"]) for e in logs if e["x_movement"] == movement)
        want = Counter([(t, "imported") for t in p2p.good(kind)] + [(t, "rejected") for t in p2p.bad[kind]])
        if got != want:
            found.append(f"Logs of {movement}: extra {dict(got - want)}, missing {dict(want - got)}")
    got = Counter((e["x_record_name"], e["x_state"]) for e in logs if e["x_movement"] == "purchase_orders")
    want = Counter((n, "sent") for n in p2p.names)
    if got != want:
        found.append(f"Logs of purchase_orders: extra {dict(got - want)}, missing {dict(want - got)}")
    return found
