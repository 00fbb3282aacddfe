"""The receipts' reader and writer against the Odoo sandbox: the same number of calls whatever
the number of notices, lots and packages created once, nothing set twice."""

from __future__ import annotations

from types import SimpleNamespace

from procuros_dagster.mapping import receipts_in
from procuros_dagster.odoo import receipts
from procuros_dagster.odoo.setup import provision
from procuros_dagster.settings import Settings

from conftest import MasterData, connect

US = "4098765000010"


def _notice(tid: str, number: str, order: str, md: MasterData, lot: str) -> dict:
    item = {"lineNumber": 1, "identifiers": [{"identifier": md.widget_ean, "domain": "GS1"}], "isDepositItem": False,
            "orderedQuantity": 10, "shippedQuantity": 4, "openQuantityAction": "DELIVERED_LATER",
            "batches": [{"batchIdentifier": lot, "expirationDate": "2027-01-31", "quantity": 4}]}
    return {"procurosTransactionId": tid, "type": "SHIPPING_NOTICE", "content": {
        "header": {"buyer": {"identifiers": [{"identifier": US}]},
                   "supplier": {"identifiers": [{"identifier": md.supplier_gln}]},
                   "shippingNoticeIdentifier": number, "shippingNoticeDate": "2026-03-17", "orderIdentifier": order},
        "transportUnits": [{"unitIdentifier": f"SSCC-{number}", "items": [item]}]}}


def _import(gw, md, n: int, tag: str):
    names = []
    for i in range(n):
        [po] = gw.create("purchase.order", [{"partner_id": md.supplier, "order_line": [
            [0, 0, {"product_id": md.widget, "product_qty": 10, "price_unit": 7.0}]]}])
        gw.confirm_purchase_orders([po])
        names.append(gw.read("purchase.order", [po], ["name"])[0]["name"])
    txns = [_notice(f"{tag}-{i}", f"LS-{tag}-{i}", name, md, lot=f"LOT-{tag}") for i, name in enumerate(names)]
    norm = receipts_in.normalise_shipping_notices(txns, own_gln=US)
    settings, integration = Settings(), SimpleNamespace(prefix="")
    gw.reset_counts()
    per_run = receipts.run_lookups(gw, settings, integration)
    resolved = receipts_in.resolve_shipping_notices(norm, receipts.fetch_receipt_lookups(gw, norm, settings,
                                                                                           integration, per_run))
    assert resolved.rejects.empty, resolved.rejects["reason"].tolist()
    writes = receipts_in.build_receipt_writes(resolved)
    outcomes = receipts.write_receipts(gw, writes)
    return gw.rpc_count, outcomes, writes


def test_calls_do_not_grow_with_the_notices_and_a_second_pass_sets_nothing(fresh_sandbox):
    gw = connect(fresh_sandbox)
    provision(gw)
    md = MasterData(gw)
    gw.write("product.product", [md.widget], {"tracking": "lot"})
    few, outcomes, _ = _import(gw, md, 2, "few")
    many, outcomes_many, writes = _import(gw, md, 8, "many")
    assert few == many
    assert {o.status for o in outcomes + outcomes_many} == {"updated"}
    # one lot per product and name, one package per SSCC
    assert len(gw.search_read("stock.lot", [("name", "=", "LOT-many")], ["id"])) == 1
    assert len(gw.search_read("stock.quant.package", [("name", "like", "SSCC-LS-many-")], ["id"])) == 8
    lines_before = gw.search_read("stock.move.line", [("picking_id", "in", [w.picking_id for w in writes])], ["id"])
    again = receipts.write_receipts(gw, writes)  # e.g. a retried step: the bindings say it is done
    assert {o.status for o in again} == {"already_imported"}
    assert gw.search_read("stock.move.line", [("picking_id", "in", [w.picking_id for w in writes])], ["id"]) == lines_before
