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


def _writes(gw, md, txns):
    norm = receipts_in.normalise_shipping_notices(txns, own_gln=US)
    settings, integration = Settings(), SimpleNamespace(prefix="")
    resolved = receipts_in.resolve_shipping_notices(norm, receipts.fetch_receipt_lookups(gw, norm, settings, integration))
    assert resolved.rejects.empty, resolved.rejects["reason"].tolist()
    return receipts_in.build_receipt_writes(resolved)


def _order(gw, md) -> tuple[str, int]:
    [po] = gw.create("purchase.order", [{"partner_id": md.supplier, "order_line": [
        [0, 0, {"product_id": md.widget, "product_qty": 10, "price_unit": 7.0}]]}])
    gw.confirm_purchase_orders([po])
    [picking] = gw.search_read("stock.picking", [("purchase_id", "=", po)], ["id"])
    return gw.read("purchase.order", [po], ["name"])[0]["name"], picking["id"]


def _one_receipt(sandbox):
    """A provisioned Odoo with one confirmed purchase order: (gateway, master data, PO name, receipt id)."""
    gw = connect(sandbox)
    provision(gw)
    md = MasterData(gw)
    return (gw, md, *_order(gw, md))


def _set(gw, picking_id):
    return sorted((ln["quantity"], ln["x_procuros_transaction_id"]) for ln in gw.search_read(
        "stock.move.line", [("picking_id", "=", picking_id)], ["quantity", "x_procuros_transaction_id"]))


def test_a_notice_whose_lines_a_dead_run_set_is_taken_over_and_finished_not_set_twice(fresh_sandbox):
    from datetime import timedelta

    from procuros_dagster.odoo.binder import Binder

    gw, md, name, picking = _one_receipt(fresh_sandbox)
    writes = _writes(gw, md, [_notice("t-dead", "LS-D", name, md, lot="LOT-D")])
    binder = Binder(gw, "receipt")
    # the dead run: claimed, set the lines (they carry the transaction), died before picking and binding
    binder.claim("stock.picking", ["t-dead"], timeout=timedelta(minutes=10))
    receipts._apply(gw, writes, lot_expiry=lambda: False)
    move = gw.search_read("stock.move", [("picking_id", "=", picking)], ["id"])[0]["id"]
    gw.write("stock.move", [move], {"picked": False})
    assert _set(gw, picking) == [(4.0, "t-dead")]
    # while the claim is young, another run leaves the notice alone
    [waiting] = receipts.write_receipts(gw, writes, binder=binder)
    assert waiting.status == "in_flight" and _set(gw, picking) == [(4.0, "t-dead")]
    # once it expired, the notice is taken over: found set, finished (picked, bound), not set again
    [taken] = receipts.write_receipts(gw, writes, binder=binder, claim_timeout=timedelta(0))
    assert (taken.status, taken.picking_id) == ("updated", picking)
    assert _set(gw, picking) == [(4.0, "t-dead")]
    assert gw.read("stock.move", [move], ["picked"])[0]["picked"] is True
    assert binder.find(["t-dead"]) == {"t-dead": ("stock.picking", picking)}
    # a run that resolves it now finds it bound
    assert [w.status for w in _writes(gw, md, [_notice("t-dead", "LS-D", name, md, lot="LOT-D")])] == [
        "already_imported"]


def test_a_notice_never_replaces_the_lines_another_notice_set(fresh_sandbox):
    gw, md, name, picking = _one_receipt(fresh_sandbox)
    first = _writes(gw, md, [_notice("t-1", "LS-1", name, md, lot="LOT-1")])
    later = _writes(gw, md, [_notice("t-2", "LS-2", name, md, lot="LOT-2")])
    assert later[0].lines[0]["replace"]  # resolved while the move held Odoo's reservation only
    # the first notice's lines land in between (an interrupted run's request committing late)
    receipts._apply(gw, first, lot_expiry=lambda: False)
    receipts.write_receipts(gw, later)
    assert _set(gw, picking) == [(4.0, "t-1"), (4.0, "t-2")]
    # resolved now, the first notice is found set (its lines) and finished without being set again
    [again] = _writes(gw, md, [_notice("t-1", "LS-1", name, md, lot="LOT-1")])
    assert again.status == "applied"
    [done] = receipts.write_receipts(gw, [again])
    assert done.status == "updated" and _set(gw, picking) == [(4.0, "t-1"), (4.0, "t-2")]
