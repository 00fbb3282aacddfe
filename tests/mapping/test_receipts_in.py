"""Shipping notices in: normalise, resolve against look-ups, build the receipt writes (no Odoo)."""

from __future__ import annotations

import pytest

from procuros_dagster.mapping import receipts_in as ri
from procuros_dagster.procuros.openapi import validate_document

US, SUPPLIER, OTHER = "4098765000010", "4091111000014", "4092222000025"
GTIN_A, GTIN_B, GTIN_X = "4098765000102", "4098765000119", "4300348765432"
UNITS, DOZENS, CASE = 1, 2, 3


def _item(line, gtin, ordered, shipped, unit="EA", batches=None, order=None):
    item = {"lineNumber": line, "identifiers": [{"identifier": gtin, "domain": "GS1"}], "isDepositItem": False,
            "orderedQuantity": ordered, "shippedQuantity": shipped}
    if unit:
        item["unitOfMeasure"] = unit
    if ordered != shipped:
        item["openQuantityAction"] = "DELIVERED_LATER"
    if batches:
        item["batches"] = [{"batchIdentifier": b, "expirationDate": e, "quantity": q} for b, e, q in batches]
    if order:
        item["orderIdentifier"] = order
    return item


def _txn(tid, number, items, order="P00007", buyer=US, supplier=SUPPLIER, units=None):
    content = {"header": {"buyer": {"identifiers": [{"identifier": buyer, "domain": "GS1"}]},
                          "supplier": {"identifiers": [{"identifier": supplier, "domain": "GS1"}]},
                          "shippingNoticeIdentifier": number, "shippingNoticeDate": "2026-03-17T23:40:00+01:00",
                          "orderIdentifier": order},
               "transportUnits": units or [{"unitIdentifier": "340987650000001230", "items": items}]}
    assert validate_document("SHIPPING_NOTICE", content) == []
    return {"procurosTransactionId": tid, "type": "SHIPPING_NOTICE", "content": content}


def _lookups(**kw):
    base = dict(
        suppliers={SUPPLIER: [10]},
        orders=[{"id": 7, "name": "P00007", "state": "purchase", "partner_id": 10, "company_id": 1}],
        receipts=[{"id": 70, "name": "WH/IN/00001", "state": "done", "purchase_id": 7},
                  {"id": 71, "name": "WH/IN/00002", "state": "assigned", "purchase_id": 7}],
        moves=[{"id": 700, "picking_id": 71, "product_id": 100, "product_uom": UNITS, "product_uom_qty": 24.0,
                "quantity": 24.0, "picked": False, "state": "assigned", "purchase_line_id": 1000},
               {"id": 701, "picking_id": 71, "product_id": 101, "product_uom": UNITS, "product_uom_qty": 10.0,
                "quantity": 10.0, "picked": False, "state": "assigned", "purchase_line_id": 1001}],
        products={100: {"id": 100, "barcode": GTIN_A, "default_code": "A", "name": "Apfelschorle"},
                  101: {"id": 101, "barcode": "0" + GTIN_B, "default_code": "B", "name": "Espresso"}},
        line_units={1000: DOZENS, 1001: UNITS},
        uoms={UNITS: {"id": UNITS, "name": "Units", "category_id": 1, "factor": 1.0, "rounding": 0.01,
                      "x_procuros_unit_code": "EA"},
              DOZENS: {"id": DOZENS, "name": "Dozens", "category_id": 1, "factor": 1 / 12, "rounding": 0.01,
                       "x_procuros_unit_code": None},
              CASE: {"id": CASE, "name": "Case of 6", "category_id": 1, "factor": 1 / 6, "rounding": 0.01,
                     "x_procuros_unit_code": "CS"},
              9: {"id": 9, "name": "kg", "category_id": 2, "factor": 1.0, "rounding": 0.001,
                  "x_procuros_unit_code": "KGM"}},
    )
    return ri.ReceiptLookups(**{**base, **kw})


def _run(txns, lookups=None):
    norm = ri.normalise_shipping_notices(txns, own_gln=US)
    return norm, ri.resolve_shipping_notices(norm, lookups or _lookups())


def test_items_batches_and_sscc_become_lines_converted_into_the_moves_unit():
    norm, res = _run([_txn("t1", "LS-1", [
        _item(1, GTIN_A, 4, 2, "CS"),  # 2 cases of 6 → 12 Units
        _item(2, GTIN_B, 10, 6, batches=[("L1", "2027-03-01", 4), ("L2", "2027-04-01", 2)]),
        _item(3, GTIN_A, 1, 0, None)])])  # nothing shipped of line 3: no line
    assert norm.rejects.empty
    h = norm.headers.iloc[0]
    assert (h["notice_identifier"], h["order_identifier"], h["notice_date"]) == ("LS-1", "P00007", "2026-03-17")
    assert res.rejects.empty
    [write] = ri.build_receipt_writes(res)
    assert (write.status, write.picking_id, write.picking_name) == ("update", 71, "WH/IN/00002")
    assert [(l["move_id"], l["quantity"], l["lot"], l["expiry"], l["sscc"], l["replace"]) for l in write.lines] == [
        (700, 12.0, None, None, "340987650000001230", True),
        (701, 4.0, "L1", "2027-03-01", "340987650000001230", True),
        (701, 2.0, "L2", "2027-04-01", "340987650000001230", True)]
    assert ri.write_problems([write]) == []


def test_without_a_unit_the_quantity_is_in_the_ordered_unit():
    _, res = _run([_txn("t1", "LS-1", [_item(1, GTIN_A, 2, 1, None)])])  # ordered in Dozens
    assert res.lines["quantity"].tolist() == [12.0]


def test_quantities_beyond_what_is_open_are_rejected_counting_earlier_notices():
    picked = _lookups().moves[0] | {"picked": True, "quantity": 20.0}  # an earlier notice set 20 of 24
    _, res = _run([_txn("t1", "LS-2", [_item(1, GTIN_A, 1, 1, "CS")])],
                  _lookups(moves=[picked, _lookups().moves[1]]))
    assert res.headers.empty
    assert res.rejects["reason"].tolist() == [
        "Shipping notice LS-2, item 1: [A] Apfelschorle ships 6 Units, but only 4 Units are still open on "
        "purchase order P00007; quantities beyond the order are not accepted"]
    assert res.rejects["error_type"].tolist() == ["DATA"]


def test_a_second_notice_in_the_same_batch_adds_to_the_first_and_is_checked_against_it():
    _, res = _run([_txn("t1", "LS-1", [_item(1, GTIN_A, 24, 18)]),
                   _txn("t2", "LS-2", [_item(1, GTIN_A, 6, 6)]),
                   _txn("t3", "LS-3", [_item(1, GTIN_A, 1, 1)])])  # 18 + 6 = 24: nothing left for LS-3
    writes = {w.transaction_id: w for w in ri.build_receipt_writes(res)}
    assert [l["replace"] for l in writes["t1"].lines] == [True]
    assert [l["replace"] for l in writes["t2"].lines] == [False]
    assert set(res.rejects["transaction_id"]) == {"t3"}


@pytest.mark.parametrize("txn, lookups, reason", [
    (_txn("t", "LS-9", [_item(1, GTIN_X, 1, 1)]), None,
     f"Shipping notice LS-9, item 1: GTIN {GTIN_X} is not on the open receipt of purchase order P00007; "
     "check the item's GTIN, or ship it against the order it was ordered on"),
    (_txn("t", "LS-9", [_item(1, GTIN_A, 1, 1)], order="P99999"), None,
     "Shipping notice LS-9: purchase order P99999 is not known in Odoo; check the order number "
     "(orderIdentifier) against our purchase order"),
    (_txn("t", "LS-9", [_item(1, GTIN_A, 1, 1)], supplier=OTHER), _lookups(suppliers={SUPPLIER: [10], OTHER: [11]}),
     "Shipping notice LS-9: purchase order P00007 was not placed with you; check the order number"),
    (_txn("t", "LS-9", [_item(1, GTIN_A, 1, 1)], supplier=OTHER), None,
     f"Shipping notice LS-9: the supplier {OTHER} is not known in Odoo; ask the buyer to set your GLN on your contact"),
    (_txn("t", "LS-9", [_item(1, GTIN_A, 1, 1)]), _lookups(receipts=[{"id": 70, "name": "WH/IN/00001",
                                                                     "state": "done", "purchase_id": 7}]),
     "Shipping notice LS-9: purchase order P00007 has no open receipt — its receipts (WH/IN/00001) are already "
     "done or cancelled; the order is fully received, nothing more can be delivered against it"),
    (_txn("t", "LS-9", [_item(1, GTIN_A, 1, 1, "KGM")]), None,
     "Shipping notice LS-9, item 1: unit KGM cannot be converted to Units, the unit [A] Apfelschorle is received "
     "in; send the quantity in the ordered unit"),
    (_txn("t", "LS-9", [_item(1, GTIN_A, 1, 1)]),
     _lookups(orders=[{"id": 7, "name": "P00007", "state": "draft", "partner_id": 10, "company_id": 1}]),
     "Shipping notice LS-9: purchase order P00007 is not confirmed (it is draft); ship only against confirmed "
     "purchase orders"),
])
def test_notices_that_cannot_be_received_are_rejected_with_a_reason(txn, lookups, reason):
    _, res = _run([txn], lookups)
    assert res.headers.empty and res.lines.empty
    assert res.rejects["reason"].tolist() == [reason]


@pytest.mark.parametrize("txn, reason", [
    (_txn("t", "LS-8", [_item(1, GTIN_A, 10, 6, batches=[("L1", "2027-03-01", 4)])]),
     "Shipping notice LS-8, item 1: its batches add up to 4, but shippedQuantity is 6"),
    (_txn("t", "LS-8", [_item(1, GTIN_A, 1, 1), _item(2, GTIN_B, 1, 1, order="P00008")]),
     "Shipping notice LS-8: its items name several purchase orders (P00007, P00008); send one shipping notice "
     "per purchase order"),
    (_txn("t", "LS-8", [_item(1, GTIN_A, 1, 1)], buyer=OTHER),
     f"Shipping notice LS-8: addressed to buyer {OTHER}, not to us ({US}); send it to its buyer"),
    (_txn("t", "LS-8", [_item(1, GTIN_A, 1, 0)]),
     "Shipping notice LS-8: no item has a shipped quantity above zero; there is nothing to receive"),
])
def test_unreadable_notices_are_rejected_when_normalised(txn, reason):
    norm = ri.normalise_shipping_notices([txn], own_gln=US)
    assert norm.headers.empty
    assert norm.rejects["reason"].tolist() == [reason]


def test_nested_transport_units_keep_their_own_sscc():
    units = [{"unitIdentifier": "PALLET1", "items": [_item(1, GTIN_A, 12, 12)],
              "transportUnits": [{"unitIdentifier": "CARTON1", "items": [_item(2, GTIN_B, 3, 3)]},
                                 {"items": [_item(3, GTIN_B, 1, 1)]}]}]
    norm = ri.normalise_shipping_notices([_txn("t", "LS-7", [], units=units)], own_gln=US)
    assert norm.lines["sscc"].tolist() == ["PALLET1", "CARTON1", "PALLET1"]


def test_a_notice_applied_before_is_already_imported_and_writes_nothing():
    _, res = _run([_txn("t1", "LS-1", [_item(1, GTIN_A, 24, 24)])], _lookups(bound={"t1": 71}))
    [write] = ri.build_receipt_writes(res)
    assert (write.status, write.picking_id, write.lines) == ("already_imported", 71, ())
    assert ri.summarise(res)["reason"].tolist() == ["already applied to WH/IN/00002"]


def test_buyer_gln_reads_the_buyer_party_for_the_history_replay():
    assert ri.buyer_gln(_txn("t", "LS-1", [_item(1, GTIN_A, 1, 1)])["content"]) == US
    assert ri.buyer_gln({"header": {}}) is None and ri.buyer_gln(None) is None


def test_a_product_ordered_on_two_lines_fills_its_moves_in_order_and_is_checked_on_both():
    second = {"id": 702, "picking_id": 71, "product_id": 100, "product_uom": UNITS, "product_uom_qty": 6.0,
              "quantity": 6.0, "picked": False, "state": "assigned", "purchase_line_id": 1002}
    lookups = _lookups(moves=_lookups().moves + [second], line_units={1000: DOZENS, 1001: UNITS, 1002: UNITS})
    _, res = _run([_txn("t1", "LS-1", [_item(1, GTIN_A, 30, 27)])], lookups)
    [write] = ri.build_receipt_writes(res)
    assert [(l["move_id"], l["quantity"]) for l in write.lines] == [(700, 24.0), (702, 3.0)]
    _, res = _run([_txn("t1", "LS-1", [_item(1, GTIN_A, 30, 31)])], lookups)
    assert res.rejects["reason"].tolist() == [
        "Shipping notice LS-1, item 1: [A] Apfelschorle ships 31 Units, but only 30 Units are still open on "
        "purchase order P00007; quantities beyond the order are not accepted"]
