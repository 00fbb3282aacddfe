"""The hostile corpus (tests/corpus/orders): every file's outcome, all of them in ONE import run.

Each file holds a queue item as Procuros would list it (``transaction``, or ``raw_body`` for
bodies that are no valid JSON or no UTF-8) and the outcome it must get (``expect``). They are
enqueued together with good orders; one run of ``import_sales_orders`` must acknowledge each with
its errorType and reason, write nothing of a rejected order to Odoo, land every raw payload,
import the good ones intact and list every reject in the asset check's metadata.
"""

from __future__ import annotations

import copy
import html
import json
import re
from pathlib import Path

from procuros_dagster.mapping.identifiers import with_check_digit
from procuros_dagster.sandbox import demo_data as dd

CORPUS = Path(__file__).parents[1] / "corpus" / "orders"
_TID = re.compile(r'"procurosTransactionId"\s*:\s*"([^"\\]+)"')


def corpus() -> list[tuple[str, dict]]:
    return [(p.name, json.loads(p.read_text(encoding="utf-8"))) for p in sorted(CORPUS.glob("*.json"))]


def test_the_corpus_is_at_least_40_files_each_with_an_outcome():
    files = corpus()
    assert len(files) >= 40
    for name, doc in files:
        assert re.match(r"^\d{3}_[a-z0-9_]+\.json$", name), name
        assert ("transaction" in doc) != ("raw_body" in doc), name
        expect = doc["expect"]
        assert expect["outcome"] in ("imported", "rejected"), name
        if expect["outcome"] == "rejected":
            assert expect["errorType"] in ("DATA", "INTERNAL") and expect["reason_contains"], name


def _generated(tx: dict, spec: dict) -> dict:
    tx = copy.deepcopy(tx)
    tx["content"]["items"] = [
        {"lineNumber": n, "identifiers": [{"identifier": spec["gtin"], "domain": "GS1"}],
         "quantity": 0 if n == spec.get("bad_line") else spec["quantity"], "unitOfMeasure": spec["unit"],
         "unitPrice": spec["unitPrice"]}
        for n in range(1, spec["count"] + 1)
    ]
    return tx


def _enqueue(stack, doc: dict) -> tuple[str, bytes | None]:
    """Queue one corpus item; its transaction id and, for a raw body, the bytes sent."""
    flow = doc.get("flow", "LIVE")
    if "raw_body" in doc:
        data = doc["raw_body"].encode(doc.get("raw_encoding", "utf-8"))
        return stack.procuros.enqueue_raw(data, flow=flow), data
    tx = doc["transaction"]
    if "generate_items" in doc:
        tx = _generated(tx, doc["generate_items"])
    for _ in range(doc.get("listed", 1)):
        stack.procuros.enqueue_raw(tx, flow=flow)
    if "second_copy" in doc:
        stack.procuros.enqueue_raw(doc["second_copy"], flow=flow)
    return tx["procurosTransactionId"], None


def _master_data(stack) -> None:
    """What the ambiguous cases need: two companies with one GLN, two products with one GTIN."""
    gln = with_check_digit("401111100001")
    stack.gateway.create("res.partner", [{"name": name, "is_company": True, "ref": gln}
                                         for name in ("Getränke Rhein GmbH", "Getränke Rhein KG")])
    gtin = with_check_digit("409876500020")
    uom = stack.data.uoms["CT"]
    stack.gateway.create("product.product", [
        {"name": f"Espresso Probe {n}", "default_code": f"NW-ESP-PROBE-{n}", "barcode": barcode,
         "uom_id": uom, "uom_po_id": uom, "detailed_type": "consu"}
        for n, barcode in ((1, gtin), (2, "0" + gtin))  # GTIN-13 and the same GTIN as GTIN-14
    ])


def _good(n: int) -> dict:
    return dd.order_content(f"PO-CORPUS-GOOD-{n}", [{"gtin": dd.APFELSCHORLE, "quantity": 4, "unit": "CS", "price": 7.2},
                                                    {"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}])


def _note_text(note: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", (note or "").replace("<br/>", "\n")))


def _table_rows(value) -> list[dict]:
    return [dict(r.data) for r in value.records]


def _check(result, name):
    [evaluation] = [e.event_specific_data for e in result.all_events
                    if e.event_type_value == "ASSET_CHECK_EVALUATION" and e.event_specific_data.check_name == name]
    return evaluation


def test_the_whole_corpus_in_one_import_run(stack):
    stack.procuros.self_check = False  # the corpus breaks the OpenAPI document on purpose
    _master_data(stack)
    good = [stack.enqueue_order(_good(1))]
    items = {name: (doc, *_enqueue(stack, doc)) for name, doc in corpus()}
    good.append(stack.enqueue_order(_good(2)))
    result = stack.run("import_sales_orders")
    assert result.success  # one run, whatever the batch holds
    _each_file_got_its_outcome(stack, good, items)
    _every_raw_payload_is_landed(stack, good, items)
    _every_reject_is_in_the_asset_check(result, items)


def _each_file_got_its_outcome(stack, good, items):
    acks = stack.procuros.acknowledgements
    orders = stack.orders(fields=["id", "client_order_ref", "x_procuros_transaction_id", "note", "order_line"])
    by_tid = {o["x_procuros_transaction_id"]: o for o in orders}
    by_ref = {}
    for o in orders:
        by_ref.setdefault(o["client_order_ref"], []).append(o)
    problems = []
    for name, (doc, tid, _) in items.items():
        expect, ack = doc["expect"], acks.get(tid)
        number = int(name[:3])
        ref = expect.get("order_identifier", f"PO-CORPUS-{number:03d}")
        if ack is None:
            problems.append(f"{name}: not acknowledged")
            continue
        if expect["outcome"] == "imported":
            if ack["success"] is not True or tid not in by_tid or len(by_ref.get(ref, [])) != 1:
                problems.append(f"{name}: expected imported, got {ack}, orders {by_ref.get(ref)}")
                continue
            order, odoo = by_tid[tid], expect.get("odoo", {})
            lines = stack.gateway.search_read("sale.order.line", [("order_id", "=", order["id"])],
                                              ["name", "product_uom_qty"], order="sequence, id")
            if "line_count" in odoo and len(lines) != odoo["line_count"]:
                problems.append(f"{name}: {len(lines)} lines, expected {odoo['line_count']}")
            if "quantities" in odoo and [ln["product_uom_qty"] for ln in lines] != odoo["quantities"]:
                problems.append(f"{name}: quantities {[ln['product_uom_qty'] for ln in lines]}")
            if "line_names" in odoo and [ln["name"] for ln in lines] != odoo["line_names"]:
                problems.append(f"{name}: line texts changed: {[ln['name'][:80] for ln in lines]}")
            if "note_text" in odoo and _note_text(order["note"]) != odoo["note_text"]:
                problems.append(f"{name}: note changed: {order['note'][:200]!r}")
        else:
            reason = ack.get("errorReason") or ""
            if ack["success"] is not False or ack["errorType"] != expect["errorType"]:
                problems.append(f"{name}: expected {expect['errorType']} reject, got {ack}")
            missing = [part for part in expect["reason_contains"] if part not in reason]
            if missing:
                problems.append(f"{name}: reason {reason!r} lacks {missing}")
            # nothing half-written: no order under its transaction id or its order number
            if tid in by_tid or (ref in by_ref and expect.get("order_identifier") is None):
                problems.append(f"{name}: rejected but an order exists in Odoo")
    assert not problems, "\n".join(problems)
    assert all(acks[t]["success"] is True for t in good)
    # every line in Odoo belongs to an imported order (no orphan lines of a rejected one)
    all_lines = stack.gateway.search_read("sale.order.line", [], ["order_id"])
    assert {ln["order_id"][0] for ln in all_lines} <= {o["id"] for o in orders}
    assert stack.procuros.pending() == []


def _every_raw_payload_is_landed(stack, good, items):
    landed = [json.loads(line) for path in Path(stack.env["PROCUROS_DAGSTER_LANDING_DIR"]).rglob("*.jsonl")
              for line in path.read_text(encoding="utf-8").splitlines()]
    by_tid: dict[str, list[dict]] = {}
    for t in landed:
        by_tid.setdefault(t.get("procurosTransactionId"), []).append(t)
    for name, (doc, tid, raw) in items.items():
        assert tid in by_tid, name
        if raw is not None and "invalidJson" in by_tid[tid][0]:
            assert by_tid[tid][0]["invalidJson"] == raw.decode(), name  # the text, byte for byte
        elif raw is not None and doc.get("raw_encoding"):
            # bytes that were not UTF-8 are kept recoverable (as surrogate escapes)
            text = json.dumps(by_tid[tid][0]["content"]["header"]["comments"])
            assert json.loads(text).encode("utf-8", "surrogateescape") in raw, name
        elif "transaction" in doc and "generate_items" not in doc and "second_copy" not in doc:
            sent = {k: v for k, v in doc["transaction"].items() if v is not None}
            assert by_tid[tid][0] == sent, name
    assert set(good) <= set(by_tid)


def _every_reject_is_in_the_asset_check(result, items):
    check = _check(result, "orders_resolve_cleanly")
    assert check.passed is False
    rows = {r["transaction_id"]: r for r in _table_rows(check.metadata["rejects"].value)}
    rejected = {tid: doc for doc, tid, _ in items.values() if doc["expect"]["outcome"] == "rejected"}
    assert set(rejected) <= set(rows)
    for tid, doc in rejected.items():
        assert rows[tid]["error_type"] == doc["expect"]["errorType"]
        assert doc["expect"]["reason_contains"][0] in rows[tid]["reason"]
    assert check.metadata["rejected"].value == len(rejected)
    assert _check(result, "orders_acknowledged").passed is True
    assert _check(result, "order_writes_well_formed").passed is True
