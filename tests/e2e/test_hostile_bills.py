"""The vendor-bill corpus (tests/corpus/vendor_bills): every supplier INVOICE's outcome, in ONE run.

Each file is an INVOICE as a supplier's system would queue it for us, and the outcome it must get.
``{PO}`` in a file stands for the purchase order the test places and receives first. One run of
``import_vendor_bills`` must acknowledge each with its errorType and reason, create a bill only
for the good ones, land every raw payload and list every reject in the asset check's metadata.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from procuros_dagster.sandbox import demo_data as dd

CORPUS = Path(__file__).parents[1] / "corpus" / "vendor_bills"


def corpus() -> list[tuple[str, dict]]:
    return [(p.name, json.loads(p.read_text(encoding="utf-8"))) for p in sorted(CORPUS.glob("*.json"))]


def test_each_file_says_what_it_is_and_what_must_become_of_it():
    files = corpus()
    assert len(files) >= 8
    for name, doc in files:
        assert re.match(r"^\d{3}_[a-z0-9_]+\.json$", name) and doc["about"], name
        assert doc["transaction"]["type"] == "INVOICE", name
        expect = doc["expect"]
        assert expect["outcome"] in ("imported", "rejected"), name
        if expect["outcome"] == "rejected":
            assert expect["errorType"] in ("DATA", "INTERNAL") and expect["reason_contains"], name


def test_the_whole_corpus_in_one_run_each_with_its_outcome(stack, tmp_path):
    stack.procuros.known_parties = stack.procuros.known_parties | dd.SUPPLIER_PARTNERS
    suppliers = dd.seed_suppliers(stack.gateway)
    po = dd.purchase_order(stack.gateway, suppliers.supplier_id,
                           [{"product_id": stack.data.products[dd.APFELSCHORLE], "product_qty": 10, "price_unit": 7.2}],
                           confirm=True)
    [order] = stack.gateway.read("purchase.order", [po], ["name", "picking_ids"])
    stack.gateway.validate_pickings(order["picking_ids"])

    files = corpus()
    stack.procuros.self_check = False  # some files break the OpenAPI document on purpose
    for _, doc in files:
        tx = json.loads(json.dumps(doc["transaction"]).replace("{PO}", order["name"]))
        stack.procuros.enqueue_raw(tx)
    result = stack.run("import_vendor_bills")
    assert result.success

    acks = stack.procuros.acknowledgements
    bills = stack.gateway.search_read("account.move", [("move_type", "=", "in_invoice")], ["ref"])
    [check] = [c for c in result.get_asset_check_evaluations() if c.check_name == "invoices_resolve_cleanly"]
    listed = {r.data["transaction_id"] for r in check.metadata["rejects"].value.records}
    landed = "".join(p.read_text() for p in (tmp_path / "landing").rglob("*.jsonl"))
    for name, doc in files:
        tid, expect = doc["transaction"]["procurosTransactionId"], doc["expect"]
        ack = acks[tid]
        number = doc["transaction"]["content"]["header"]["invoiceIdentifier"]
        assert tid in landed, name
        if expect["outcome"] == "imported":
            assert ack["success"] is True, (name, ack)
            assert number in {b["ref"] for b in bills}, name
        else:
            assert ack["success"] is False and ack["errorType"] == expect["errorType"], (name, ack)
            assert expect["reason_contains"] in ack["errorReason"], (name, ack["errorReason"])
            assert number not in {b["ref"] for b in bills}, name  # nothing half-written
            assert tid in listed, name
