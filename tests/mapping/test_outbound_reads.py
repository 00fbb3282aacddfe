"""Export reads against the Odoo sandbox: seed an order-to-cash flow over RPC, read the bundles,
build the documents and validate them against the Procuros schema."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

import pytest

from procuros_dagster.mapping.credit_notes_out import build_credit_notes
from procuros_dagster.mapping.identifiers import with_check_digit
from procuros_dagster.mapping.invoices_out import build_invoices
from procuros_dagster.mapping.shipping_notices_out import build_shipping_notices
from procuros_dagster.odoo import Binder, OdooGateway
from procuros_dagster.odoo.outbound_reads import (
    fetch_credit_note_bundle, fetch_invoice_bundle, fetch_shipping_notice_bundle,
)
from procuros_dagster.odoo.setup import provision
from procuros_dagster.procuros.openapi import validate_document

from . import fixtures_out as fx

def _gs1(prefix: str, length: int) -> str:
    body = (prefix + f"{uuid.uuid4().int % 10**12:012d}")[: length - 1]
    return with_check_digit(body)


@pytest.fixture(scope="module")
def seeded():
    from procuros_dagster.sandbox.odoo import OdooSandbox

    sb = OdooSandbox(db="procuros", login="admin", password="admin")
    sb.start()
    try:
        gw = OdooGateway.connect(sb.url, "procuros", "admin", "admin", timeout=10)
        gw.backoff = 0.001
        provision(gw)
        glns = {k: _gs1("40", 13) for k in ("customer", "dc", "off")}
        [customer, off] = gw.create("res.partner", [
            {"name": "Kaufhaus GmbH", "is_company": True, "ref": glns["customer"], "street": "Hohe Str. 1",
             "zip": "50667", "city": "Köln", "country_id": 57, "vat": "DE812345673",
             "x_procuros_send_shipping_notice": True, "x_procuros_send_invoice": True,
             "x_procuros_send_credit_note_reason": True},
            {"name": "Not on EDI AG", "is_company": True, "ref": glns["off"], "street": "Weg 2", "zip": "20095",
             "city": "Hamburg", "country_id": 57},
        ])
        [dc] = gw.create("res.partner", [{"name": "DC Spandau", "type": "delivery", "parent_id": customer,
                                          "ref": glns["dc"], "street": "Lagerallee 99", "zip": "13581",
                                          "city": "Berlin", "country_id": 57}])
        widget, flour = gw.create("product.product", [
            {"name": "Widget", "default_code": "W-1", "barcode": _gs1("40", 13), "detailed_type": "product",
             "uom_id": 1, "uom_po_id": 1, "list_price": 12.5},
            {"name": "Flour", "default_code": "F-1", "barcode": _gs1("40", 13), "detailed_type": "product",
             "uom_id": 12, "uom_po_id": 12, "list_price": 2.4, "invoice_policy": "delivery"},
        ])
        loc = gw.resolve("stock.location", ["WH/Stock"])["WH/Stock"]
        quants = gw.create("stock.quant", [{"product_id": p, "location_id": loc, "inventory_quantity": 1000}
                                           for p in (widget, flour)], context={"inventory_mode": True})
        gw.call("stock.quant", "action_apply_inventory", [quants], context={"inventory_mode": True})

        def order(partner, shipping, ref):
            return {"partner_id": partner, "partner_invoice_id": partner, "partner_shipping_id": shipping,
                    "client_order_ref": ref, "x_procuros_order_date": "2026-11-28 07:15:00",
                    "x_procuros_transaction_id": str(uuid.uuid4()),
                    "order_line": [
                        (0, 0, {"product_id": widget, "product_uom_qty": 20, "product_uom": 1, "price_unit": 12.0,
                                "name": "Widget", "x_procuros_line_number": 1}),
                        (0, 0, {"product_id": flour, "product_uom_qty": 10, "product_uom": 12, "price_unit": 2.4,
                                "name": "Flour", "x_procuros_line_number": 2})]}

        so, so_off = gw.create("sale.order", [order(customer, dc, "PO-1"), order(off, off, "PO-2")])
        gw.confirm_sale_orders([so, so_off])
        orders = gw.read("sale.order", [so, so_off], ["picking_ids"])
        pickings = [o["picking_ids"][0] for o in orders]
        moves = gw.search_read("stock.move", [("picking_id", "in", pickings)], ["picking_id", "product_id"], order="id")
        gw.set_move_quantities({m["id"]: (7.5 if m["product_id"][0] == flour else 20) for m in moves})
        summary = gw.validate_pickings(pickings, backorder=True)
        invoices = gw.invoice_sale_orders([so, so_off])
        gw.post_moves(invoices)
        [inv] = [i["id"] for i in gw.read("account.move", invoices, ["partner_id"]) if i["partner_id"][0] == customer]
        credit_notes = gw.reverse_moves([inv], "Damaged goods returned")
        gw.post_moves(credit_notes)
        # the deliveries' own (Berlin) day, not the clock's: the test must not flake at midnight
        [done] = gw.read("stock.picking", pickings[:1], ["date_done"])
        day = _berlin_day(done["date_done"])
        yield {"gw": gw, "pickings": pickings, "backorders": summary.backorder_ids, "invoice": inv,
               "credit_notes": credit_notes, "day": day}
    finally:
        sb.stop()


def _berlin_day(odoo_utc: str) -> date:
    from zoneinfo import ZoneInfo

    utc = datetime.strptime(odoo_utc, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
    return utc.astimezone(ZoneInfo("Europe/Berlin")).date()


def test_shipping_notice_bundle_builds_valid_documents(seeded):
    gw = seeded["gw"]
    gw.reset_counts()
    bundle = fetch_shipping_notice_bundle(gw, day=seeded["day"])
    rounds = gw.rpc_count
    assert [p["id"] for p in bundle["stock.picking"]] == seeded["pickings"][:1]  # partner without switch filtered
    batch = build_shipping_notices(bundle, fx.ctx())
    assert batch.failures == []
    (doc,) = batch.documents
    assert validate_document("SHIPPING_NOTICE", doc.content) == []
    flour = [i for u in doc.content["transportUnits"] for i in u["items"] if i["unitOfMeasure"] == "KGM"][0]
    assert (flour["orderedQuantity"], flour["shippedQuantity"], flour["openQuantityAction"]) == (
        10.0, 7.5, "DELIVERED_LATER")
    assert doc.content["header"]["orderIdentifier"] == "PO-1"
    assert rounds <= 10  # constant: candidates, bindings, moves, move lines, orders, lines, partners, ...

    # once bound, the picking is not read again
    binder = Binder(gw, "shipping_notice")
    binder.bind([(doc.record_id, "stock.picking", doc.record_id)])
    assert fetch_shipping_notice_bundle(gw, record_ids=seeded["pickings"], bound=binder.bound_ids)["stock.picking"] == []
    # another integration's binder has not sent it
    other = Binder(gw, "shipping_notice", "acme_de")
    assert [p["id"] for p in fetch_shipping_notice_bundle(gw, record_ids=[doc.record_id],
                                                          bound=other.bound_ids)["stock.picking"]] == [doc.record_id]


def test_invoice_and_credit_note_bundles_build_valid_documents(seeded):
    gw = seeded["gw"]
    gw.reset_counts()
    bundle = fetch_invoice_bundle(gw, record_ids=[seeded["invoice"]])
    assert gw.rpc_count <= 12
    batch = build_invoices(bundle, fx.ctx())
    assert batch.failures == []
    (doc,) = batch.documents
    assert validate_document("INVOICE", doc.content) == []
    assert doc.content["header"]["shippingNoticeIdentifier"]

    cn_bundle = fetch_credit_note_bundle(gw, record_ids=seeded["credit_notes"])
    cn_batch = build_credit_notes(cn_bundle, fx.ctx())
    assert cn_batch.failures == []
    (cn,) = cn_batch.documents
    assert validate_document("CREDIT_NOTE", cn.content) == []
    assert cn.content["header"]["reason"] == "Damaged goods returned"
    assert cn.content["header"]["invoiceIdentifier"] == doc.record_name
