"""The chunked sale-order writer: isolation of bad orders, version updates, bindings, chatter."""

from datetime import timedelta

from procuros_dagster.odoo.binder import Binder
from procuros_dagster.odoo.sale_orders import write_sale_orders


def binding_name(transaction_id):
    return Binder(None, "order").name(transaction_id)
from procuros_dagster.odoo.setup import provision
from procuros_dagster.mapping.orders_in import OrderWrite

from conftest import MasterData, connect


def _write(md, tid, ref, status="create", target=None, **extra):
    vals = {**md.order_vals(ref=ref), "x_procuros_transaction_id": tid, **extra}
    return OrderWrite(tid, status, target, vals)


def test_a_refused_order_is_isolated_and_the_chunk_goes_on(fresh_sandbox):
    gw = connect(fresh_sandbox)
    provision(gw)
    md = MasterData(gw)
    writes = [_write(md, f"t-{i}", f"PO-{i}") for i in range(8)]
    writes[5].vals["order_line"][0][2]["product_id"] = 999999  # Odoo refuses: no such product
    outcomes = write_sale_orders(gw, writes, chunk_size=8)
    assert [o.status for o in outcomes] == ["created"] * 5 + ["failed"] + ["created"] * 2
    assert outcomes[5].error.startswith("Odoo refused the order") and outcomes[5].error_type == "INTERNAL"
    found = gw.search_read("sale.order", [("x_procuros_transaction_id", "like", "t-")], ["x_procuros_transaction_id"])
    assert sorted(f["x_procuros_transaction_id"] for f in found) == sorted(f"t-{i}" for i in range(8) if i != 5)
    bindings = gw.find_bindings([binding_name(f"t-{i}") for i in range(8)])
    assert len(bindings) == 7
    # the halving isolates the bad order in a handful of calls, not one per order
    assert fresh_sandbox.call_counts["sale.order.create"] <= 7


def test_a_new_version_of_an_order_confirmed_meanwhile_is_refused_with_a_reason(fresh_sandbox):
    gw = connect(fresh_sandbox)
    provision(gw)
    md = MasterData(gw)
    [created] = write_sale_orders(gw, [_write(md, "t-v1", "PO-V")])
    gw.confirm_sale_orders([created.order_id])  # a user confirms after the new version was resolved
    update = _write(md, "t-v2", "PO-V", status="update", target=created.order_id)
    [outcome] = write_sale_orders(gw, [update])
    assert outcome.status == "failed" and outcome.error_type == "DATA"
    assert f"{created.order_name} is no longer a quotation in Odoo (state sale)" in outcome.error
    [order] = gw.read("sale.order", [created.order_id], ["x_procuros_transaction_id", "order_line"])
    assert order["x_procuros_transaction_id"] == "t-v1" and len(order["order_line"]) == 2  # untouched


def test_already_imported_orders_are_bound_not_created_again(fresh_sandbox):
    gw = connect(fresh_sandbox)
    provision(gw)
    md = MasterData(gw)
    [first] = write_sale_orders(gw, [_write(md, "t-1", "PO-1")])
    gw.unlink("ir.model.data", gw.search("ir.model.data", [("name", "=", binding_name("t-1"))]))
    # a crash struck between the create and the binding, and a rerun resolved the order before the
    # create was visible: while the crashed run's claim is young the order is left for later ...
    [waiting] = write_sale_orders(gw, [_write(md, "t-1", "PO-1")])
    assert waiting.status == "in_flight"
    # ... once it has expired, the rerun takes the order over, finds it created, and binds it
    [again] = write_sale_orders(gw, [_write(md, "t-1", "PO-1")], claim_timeout=timedelta(0))
    assert (again.status, again.order_id) == ("already_imported", first.order_id)
    assert gw.search_count("sale.order", [("x_procuros_transaction_id", "=", "t-1")]) == 1
    assert binding_name("t-1") in gw.find_bindings([binding_name("t-1")])


def test_an_address_only_ship_to_is_created_once_as_a_delivery_address_and_found_again(fresh_sandbox):
    gw = connect(fresh_sandbox)
    provision(gw)
    md = MasterData(gw)
    address = {"parent_id": md.customer, "type": "delivery", "name": "Filiale Aachen", "street": "Dom 3",
               "zip": "52062", "city": "Aachen"}

    def write(tid, ref):
        vals = {k: v for k, v in md.order_vals(ref=ref).items() if k != "partner_shipping_id"}
        return OrderWrite(tid, "create", None, {**vals, "x_procuros_transaction_id": tid},
                          ("Line 1: the buyer's price 12.5 per 100 EA is 0.125 per EA",), dict(address))

    # two orders of one chunk to the same new address: one delivery address, both orders on it
    first, second = write_sale_orders(gw, [write("t-a1", "PO-A1"), write("t-a2", "PO-A2")])
    ships = {r["partner_shipping_id"][0] for r in gw.read("sale.order", [first.order_id, second.order_id],
                                                          ["partner_shipping_id"])}
    created = gw.search_read("res.partner", [("parent_id", "=", md.customer), ("street", "=", "Dom 3")], ["type"])
    assert len(created) == 1 and ships == {created[0]["id"]} and created[0]["type"] == "delivery"
    # a later run (the resolution did not see it yet) finds it instead of creating it again
    [third] = write_sale_orders(gw, [write("t-a3", "PO-A3")])
    assert gw.read("sale.order", [third.order_id], ["partner_shipping_id"])[0]["partner_shipping_id"][0] == created[0]["id"]
    assert gw.search_count("res.partner", [("street", "=", "Dom 3")]) == 1
    # the notes are in the order's chatter
    bodies = [m["body"] for m in gw.search_read("mail.message", [("model", "=", "sale.order"),
                                                                 ("res_id", "=", first.order_id)], ["body"])]
    assert any("<li>Line 1: the buyer&#x27;s price 12.5 per 100 EA is 0.125 per EA</li>" in b for b in bodies)
