"""SHIPPING_NOTICE mapping on bundles shaped like the real Odoo 17 reads (transcript 04)."""

from __future__ import annotations

import json

import pytest

from procuros_dagster.mapping.identifiers import is_valid_sscc
from procuros_dagster.mapping.shipping_notices_out import build_shipping_notices
from procuros_dagster.procuros.openapi import validate_document

from . import fixtures_out as fx


def _one(bundle, **ctx_overrides):
    batch = build_shipping_notices(bundle, fx.ctx(**ctx_overrides))
    assert batch.failures == []
    assert len(batch.documents) == 1
    doc = batch.documents[0]
    assert validate_document("SHIPPING_NOTICE", doc.content) == []
    return batch, doc


def _items(content):
    return [it for unit in content["transportUnits"] for it in unit["items"]]


def test_full_delivery_header_parties_and_items():
    batch, doc = _one(fx.full_delivery_bundle())
    assert (doc.model, doc.record_id, doc.record_name) == ("stock.picking", 3, "WH/OUT/00001")
    h = doc.content["header"]
    assert h["shippingNoticeIdentifier"] == "WH/OUT/00001"
    # date_done 17:54:47 UTC -> Berlin winter time
    assert h["shippingNoticeDate"] == h["despatchDate"] == "2026-11-28T18:54:47+01:00"
    assert h["orderIdentifier"] == "CUST-PO-4711"  # client_order_ref, not the SO name
    assert h["orderDate"] == "2026-11-28T16:54:42+01:00"  # x_procuros_order_date, not the confirm time
    assert h["AdditionalOrderIdentifiers"] == {"supplierOrderIdentifier": "S00001"}
    assert h["carrier"] == "Standard delivery" and h["trackingNumber"] == "00340434161234567890"
    assert h["buyer"]["identifiers"] == [{"identifier": fx.CUSTOMER_GLN, "domain": "GS1"},
                                         {"identifier": "DE812345678", "domain": "VAT_DE"}]
    assert h["supplier"]["identifiers"][0] == {"identifier": fx.OWN_GLN, "domain": "GS1"}
    assert h["shipTo"]["identifiers"] == [{"identifier": fx.DC_GLN, "domain": "GS1"}]
    assert h["shipTo"]["postalAddress"]["street"] == "Lagerallee 99"
    units = doc.content["transportUnits"]
    assert len(units) == 1 and "unitIdentifier" not in units[0]  # nothing packed -> one anonymous unit
    items = _items(doc.content)
    assert [(i["lineNumber"], i["orderLineNumber"], i["orderedQuantity"], i["shippedQuantity"], i["unitOfMeasure"])
            for i in items] == [(1, 1, 10.0, 10.0, "EA"), (2, 2, 25.5, 25.5, "KGM")]
    assert all("openQuantityAction" not in i for i in items)
    assert items[0]["identifiers"] == [{"identifier": fx.WIDGET_GTIN, "domain": "GS1"},
                                       {"identifier": "PT-WIDGET", "domain": "SUPPLIER"}]
    assert batch.lines[["line_number", "gtin", "unit", "ordered_quantity", "shipped_quantity"]].values.tolist() == [
        [1, fx.WIDGET_GTIN, "EA", 10.0, 10.0], [2, fx.FLOUR_GTIN, "KGM", 25.5, 25.5]]


def test_partial_with_backorder_is_delivered_later():
    _, doc = _one(fx.backorder_bundle())
    flour = _items(doc.content)[1]
    # the done move's product_uom_qty was cut to 7.5 by Odoo; ordered comes from the sale line
    assert (flour["orderedQuantity"], flour["shippedQuantity"]) == (10.0, 7.5)
    assert flour["openQuantityAction"] == "DELIVERED_LATER"
    assert "openQuantityAction" not in _items(doc.content)[0]


def test_partial_without_backorder_is_discarded_and_ships_to_buyer_address():
    _, doc = _one(fx.no_backorder_bundle())
    (item,) = _items(doc.content)
    assert (item["orderedQuantity"], item["shippedQuantity"], item["openQuantityAction"]) == (5.0, 3.0, "DISCARDED")
    assert doc.content["header"]["shipTo"]["identifiers"] == [{"identifier": fx.CUSTOMER_GLN, "domain": "GS1"}]


def test_backorder_holding_only_other_lines_discards_this_line():
    bundle = fx.backorder_bundle()
    # the backorder holds the widget instead of the flour: the flour remainder was cancelled
    bundle["stock.move"][2]["sale_line_id"] = fx.SL[4]
    _, doc = _one(bundle)
    assert _items(doc.content)[1]["openQuantityAction"] == "DISCARDED"


def test_second_delivery_reports_the_buyers_ordered_quantity():
    """The buyer matches notice lines to its order line: ordered is what it ordered (10 kg), not
    what was left (2.5 kg); the rest went out with the first delivery, which DISCARDED would deny."""
    _, doc = _one(fx.second_delivery_bundle())
    (item,) = _items(doc.content)
    assert (item["orderLineNumber"], item["orderedQuantity"], item["shippedQuantity"]) == (2, 10.0, 2.5)
    assert item["openQuantityAction"] == "DELIVERED_LATER"
    assert "comments" not in item
    assert doc.content["header"]["shippingNoticeDate"] == "2026-11-30T10:12:00+01:00"


def test_over_delivery_is_shown_as_such():
    bundle = fx.full_delivery_bundle()
    bundle["stock.move"][0]["quantity"] = 12.0  # 12 widgets of 10 ordered left the warehouse
    bundle["stock.move.line"][0]["quantity"] = 12.0
    batch, doc = _one(bundle)
    widget = _items(doc.content)[0]
    assert (widget["orderedQuantity"], widget["shippedQuantity"]) == (10.0, 12.0)
    assert widget["comments"] == "Over-delivery: 2 EA more than ordered (12 EA shipped, 10 EA ordered)"
    assert batch.lines["over_delivered"].tolist() == [True, False]


def test_a_second_delivery_beyond_the_order_is_an_over_delivery_too():
    bundle = fx.second_delivery_bundle()
    bundle["stock.move"][-1]["quantity"] = 4.0  # 7.5 kg earlier + 4 kg now of 10 kg ordered
    bundle["stock.move.line"][-1]["quantity"] = 4.0
    batch, doc = _one(bundle)
    (item,) = _items(doc.content)
    assert item["comments"] == "Over-delivery: 1.5 KGM more than ordered (11.5 KGM shipped in all, 10 KGM ordered)"
    assert batch.lines["over_delivered"].tolist() == [True]


def test_lots_packages_and_deposit_line():
    batch, doc = _one(fx.lots_packages_bundle())
    units = doc.content["transportUnits"]
    assert [(u.get("unitIdentifier"), u.get("unitType")) for u in units] == [
        (fx.SSCC_1, "CARTON"), (fx.SSCC_2, "PACKAGE"), (None, "PALLET")]  # no GS1 prefix: no SSCC to give it
    assert [u.get("containedTradeUnitCount") for u in units] == [6, 4, None]  # the pallet holds kg of flour
    assert [(i["lineNumber"], i["shippedQuantity"]) for i in units[0]["items"]] == [(1, 6.0)]
    assert [(i["lineNumber"], i["shippedQuantity"]) for i in units[1]["items"]] == [(1, 4.0)]
    loose = {i["lineNumber"]: i for i in units[2]["items"]}
    assert loose[2]["isDepositItem"] is True and loose[2]["identifiers"][0]["identifier"] == fx.DEPOSIT_GTIN
    flour = loose[3]
    # expiration 2027-05-31 22:00 UTC is June 1st in Berlin
    assert flour["batches"] == [{"batchIdentifier": "L2611A", "expirationDate": "2027-06-01", "quantity": 20.0},
                                {"batchIdentifier": "L2611B", "quantity": 5.5}]
    assert sum(b["quantity"] for b in flour["batches"]) == flour["shippedQuantity"]
    # the line frame has one row per line, not per unit portion
    assert batch.lines["line_number"].tolist() == [1, 2, 3]
    assert batch.lines["shipped_quantity"].tolist() == [10.0, 10.0, 25.5]


PREFIX = "4098765"  # the GS1 company prefix of our GLN 4098765000010


def test_every_transport_unit_gets_an_sscc_in_our_prefix_stored_before_sending():
    bundle = fx.lots_packages_bundle()
    bundle["stock.quant.package"][1]["name"] = "PACK0000022"  # Odoo's own package name: no SSCC
    batch, doc = _one(bundle, gs1_prefix=PREFIX)
    units = doc.content["transportUnits"]
    # package 22: extension 0 + prefix + serial 22 (9 digits) + check digit; the pallet: 1 + picking id 7
    assert [u["unitIdentifier"] for u in units] == [fx.SSCC_1, "040987650000000225", "140987650000000079"]
    assert all(is_valid_sscc(u["unitIdentifier"]) for u in units)
    assert batch.odoo_writes == {7: [("stock.quant.package", 22, {"x_procuros_sscc": "040987650000000225"}),
                                     ("stock.picking", 7, {"x_procuros_sscc": "140987650000000079"})]}


def test_a_stored_sscc_is_used_again_and_nothing_is_written():
    bundle = fx.lots_packages_bundle()
    bundle["stock.quant.package"][1].update(name="PACK0000022", x_procuros_sscc=fx.SSCC_2)
    bundle["stock.picking"][0]["x_procuros_sscc"] = "140987650000000079"
    batch, doc = _one(bundle, gs1_prefix="4012345")  # another prefix since: the stored ones stay
    assert [u["unitIdentifier"] for u in doc.content["transportUnits"]] == [
        fx.SSCC_1, fx.SSCC_2, "140987650000000079"]
    assert batch.odoo_writes == {}


def test_a_serial_that_does_not_fit_the_prefix_is_a_failure():
    bundle = fx.lots_packages_bundle()
    bundle["stock.picking"][0]["id"] = 1_000_000  # a 10-digit prefix leaves 6 digits for the serial
    bundle["stock.move"] = [{**m, "picking_id": [1_000_000, "WH/OUT/00005"]} for m in bundle["stock.move"]]
    bundle["stock.move.line"] = [{**m, "picking_id": [1_000_000, "WH/OUT/00005"]} for m in bundle["stock.move.line"]]
    [failure] = build_shipping_notices(bundle, fx.ctx(gs1_prefix="4098765000")).failures
    assert "no SSCC for its pallet: serial 1000000 does not fit the 6 digits" in failure.reason


def test_requested_and_expected_delivery_date_carrier_and_tracking():
    bundle = fx.no_backorder_bundle()
    bundle["sale.order"][2]["commitment_date"] = "2026-11-30 23:00:00"  # Dec 1st in Berlin
    bundle["stock.picking"][0].update(carrier_tracking_ref="HAN-7781204",
                                      carrier_tracking_url='[["HAN-7781204", "https://track.example/HAN-7781204"]]')
    _, doc = _one(bundle)
    h = doc.content["header"]
    assert (h["requestedDeliveryDate"], h["expectedDeliveryDate"]) == ("2026-12-01T00:00:00+01:00",) * 2
    assert (h["carrier"], h["trackingNumber"], h["trackingUrl"]) == (
        "Standard delivery", "HAN-7781204", "https://track.example/HAN-7781204")
    bundle["sale.order"][2]["commitment_date"] = "2026-11-26 23:00:00"  # wanted on Nov 27th, left on the 28th
    _, doc = _one(bundle)
    assert doc.content["header"]["expectedDeliveryDate"] == doc.content["header"]["despatchDate"]


def test_split_line_keeps_open_quantity_on_its_last_portion():
    bundle = fx.lots_packages_bundle()
    bundle["stock.move.line"][1]["quantity"] = 3.0  # 9 of 10 widgets shipped, no backorder
    bundle["stock.move"][0]["quantity"] = 9.0
    _, doc = _one(bundle)
    widget = [i for u in doc.content["transportUnits"] for i in u["items"] if i["lineNumber"] == 1]
    assert [(i["orderedQuantity"], i["shippedQuantity"], i.get("openQuantityAction")) for i in widget] == [
        (6.0, 6.0, None), (4.0, 3.0, "DISCARDED")]


def test_unknown_uom_is_a_failure_naming_the_unit():
    batch = build_shipping_notices(fx.full_delivery_bundle(), fx.ctx(uom_codes={1: "EA"}))
    assert batch.documents == [] and batch.lines.empty
    (f,) = batch.failures
    assert (f.model, f.record_id, f.record_name, f.transaction_type) == ("stock.picking", 3, "WH/OUT/00001",
                                                                         "SHIPPING_NOTICE")
    assert f.reason.startswith("Delivery WH/OUT/00001: unit of measure 'kg'")
    assert "Procuros Unit Type" in f.reason


def test_missing_barcode_is_a_failure():
    bundle = fx.full_delivery_bundle()
    bundle["product.product"][1]["barcode"] = False
    (f,) = build_shipping_notices(bundle, fx.ctx()).failures
    assert f.reason == ("Delivery WH/OUT/00001: product [PT-FLOUR] Procuros Test Flour (bulk) has no barcode "
                        "(GTIN); set it in Odoo")


def test_missing_buyer_gln_is_a_failure_and_other_pickings_still_build():
    bundle = fx.full_delivery_bundle()
    other = fx.no_backorder_bundle()
    bundle["stock.picking"] += other["stock.picking"]
    bundle["stock.move"] += other["stock.move"]
    bundle["stock.move.line"] += other["stock.move.line"]
    for o in bundle["sale.order"]:
        o["x_procuros_buyer_gln"] = False
    bundle["sale.order"][0]["x_procuros_buyer_gln"] = False
    for p in bundle["res.partner"]:
        if p["id"] == 9:
            p["ref"] = False
    batch = build_shipping_notices(bundle, fx.ctx())
    assert batch.documents == []
    assert [f.reason for f in batch.failures] == [
        "Delivery WH/OUT/00001: customer Procuros Test Customer GmbH has no GLN in Reference",
        "Delivery WH/OUT/00003: customer Procuros Test Customer GmbH has no GLN in Reference"]


def test_partner_without_switch_is_skipped_defensively():
    bundle = fx.full_delivery_bundle()
    bundle["res.partner"][0]["x_procuros_send_shipping_notice"] = False
    (f,) = build_shipping_notices(bundle, fx.ctx()).failures
    assert "Send Shipping Notice" in f.reason


def test_edi_order_without_customer_reference_fails_but_manual_order_falls_back_to_name():
    bundle = fx.full_delivery_bundle()
    bundle["sale.order"][0]["client_order_ref"] = False
    (f,) = build_shipping_notices(bundle, fx.ctx()).failures
    assert "no Customer Reference" in f.reason
    bundle["sale.order"][0]["x_procuros_transaction_id"] = False
    _, doc = _one(bundle)
    assert doc.content["header"]["orderIdentifier"] == "S00001"


def test_deterministic_payload():
    a = build_shipping_notices(fx.lots_packages_bundle(), fx.ctx()).documents[0].content
    shuffled = fx.lots_packages_bundle()
    for records in shuffled.values():
        records.reverse()
    b = build_shipping_notices(shuffled, fx.ctx()).documents[0].content
    assert json.dumps(a, sort_keys=False) == json.dumps(b, sort_keys=False)


@pytest.mark.parametrize("make", [fx.full_delivery_bundle, fx.backorder_bundle, fx.second_delivery_bundle,
                                  fx.no_backorder_bundle, fx.lots_packages_bundle])
def test_every_notice_is_schema_valid(make):
    batch = build_shipping_notices(make(), fx.ctx())
    assert batch.failures == []
    for doc in batch.documents:
        assert validate_document(doc.transaction_type, doc.content) == []


def test_a_line_ordered_in_cartons_is_reported_in_cartons():
    """Odoo ships 3 cartons of 12 as a move of 36 Units; the notice says 3 CT shipped of 3 ordered."""
    _, doc = _one(fx.carton_bundle(), uom_codes={1: "EA", 30: "CT", 12: "KGM"}, uom_factors=fx.UOM_FACTORS)
    [item] = _items(doc.content)
    assert (item["unitOfMeasure"], item["orderedQuantity"], item["shippedQuantity"]) == ("CT", 3.0, 3.0)
    assert "openQuantityAction" not in item


def test_a_carton_line_shipped_short_reports_the_cartons_shipped_and_the_rest_later():
    _, doc = _one(fx.carton_bundle(shipped_units=24.0, backorder=True),
                  uom_codes={1: "EA", 30: "CT", 12: "KGM"}, uom_factors=fx.UOM_FACTORS)
    [item] = _items(doc.content)
    assert (item["unitOfMeasure"], item["orderedQuantity"], item["shippedQuantity"]) == ("CT", 3.0, 2.0)
    assert item["openQuantityAction"] == "DELIVERED_LATER"


def test_a_unit_that_cannot_be_converted_is_a_clear_failure():
    batch = build_shipping_notices(fx.carton_bundle(), fx.ctx(uom_codes={1: "EA", 30: "CT"}))
    assert batch.documents == []
    [failure] = batch.failures
    assert "cannot convert" in failure.reason


def test_the_buyers_article_number_is_echoed_on_every_line_that_has_one():
    bundle = fx.full_delivery_bundle()
    bundle["sale.order.line"][0]["x_procuros_buyer_article_number"] = "KR-55102"
    _, doc = _one(bundle)
    widget, flour = _items(doc.content)
    assert widget["identifiers"] == [{"identifier": fx.WIDGET_GTIN, "domain": "GS1"},
                                     {"identifier": "PT-WIDGET", "domain": "SUPPLIER"},
                                     {"identifier": "KR-55102", "domain": "BUYER"}]
    assert [i["domain"] for i in flour["identifiers"]] == ["GS1", "SUPPLIER"]


def test_gross_weight_in_grams_per_line_and_per_unit_share():
    bundle = fx.lots_packages_bundle()
    bundle["product.product"][0].update(weight=0.75, weight_uom_name="kg")  # widget: 750 g each
    _, doc = _one(bundle)
    units = doc.content["transportUnits"]
    assert [i.get("grossWeight") for u in units for i in u["items"] if i["lineNumber"] == 1] == [4500.0, 3000.0]
    assert all("grossWeight" not in i for i in units[2]["items"])  # no weight set on those products
