"""The vendor bills' writer: one bill per supplier document, whatever transactions carry it or crash."""

from datetime import timedelta

from procuros_dagster.mapping.vendor_bills_in import BillWrite, document_key
from procuros_dagster.odoo.binder import Binder
from procuros_dagster.odoo.setup import provision
from procuros_dagster.odoo.vendor_bills import write_bills

from conftest import MasterData, connect


def _write(md, tid, number="RE-1"):
    vals = {"move_type": "in_invoice", "partner_id": md.supplier, "ref": number, "invoice_date": "2026-11-20",
            "x_procuros_transaction_id": tid,
            "invoice_line_ids": [(0, 0, {"product_id": md.widget, "quantity": 3.0, "product_uom_id": 1,
                                         "price_unit": 7.0, "name": "Widget"})]}
    return BillWrite(tid, "create", document_key(md.supplier, number), number, None, vals)


def _bills(gw, md):
    return gw.search_read("account.move", [("partner_id", "=", md.supplier), ("move_type", "=", "in_invoice")],
                          ["id", "ref"], order="id")


def test_a_document_sent_twice_in_one_batch_becomes_one_bill(fresh_sandbox):
    gw = connect(fresh_sandbox)
    provision(gw)
    md = MasterData(gw)
    binder = Binder(gw, "vendor_bill")
    first, twin = write_bills(gw, [_write(md, "t-1"), _write(md, "t-2")], binder=binder, label="vendor bill")
    assert (first.status, twin.status) == ("created", "already_imported")
    assert twin.move_id == first.move_id and twin.move_name == first.move_name
    assert first.amount_untaxed == 21.0 and twin.amount_untaxed is None  # only what was created is checked
    assert [b["id"] for b in _bills(gw, md)] == [first.move_id]
    assert set(binder.find(["t-1", "t-2"], "account.move").values()) == {("account.move", first.move_id)}
    # a later resend finds the document's binding
    [later] = write_bills(gw, [_write(md, "t-3")], binder=binder, label="vendor bill")
    assert (later.status, later.move_id) == ("already_imported", first.move_id)
    assert len(_bills(gw, md)) == 1


def test_a_bill_whose_run_crashed_after_the_create_is_found_by_its_number(fresh_sandbox):
    gw = connect(fresh_sandbox)
    provision(gw)
    md = MasterData(gw)
    binder = Binder(gw, "vendor_bill")
    [first] = write_bills(gw, [_write(md, "t-1")], binder=binder, label="vendor bill")
    # the crash struck between the create and the bindings
    bindings = gw.search_read("ir.model.data", [("module", "=", "procuros"), ("name", "like", "vendor_bill_")], ["name"])
    gw.unlink("ir.model.data", [b["id"] for b in bindings if b["name"].startswith("vendor_bill_")])  # claims stay
    [waiting] = write_bills(gw, [_write(md, "t-9")], binder=binder, label="vendor bill")
    assert waiting.status == "in_flight"  # the crashed run's claim is young: left for a later run
    [again] = write_bills(gw, [_write(md, "t-9")], binder=binder, label="vendor bill", claim_timeout=timedelta(0))
    assert (again.status, again.move_id) == ("already_imported", first.move_id)
    assert len(_bills(gw, md)) == 1
