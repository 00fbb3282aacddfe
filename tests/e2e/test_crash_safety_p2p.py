"""Purchase-to-pay runs killed with SIGKILL, then run again: nothing lost, nothing applied twice.

As in test_crash_safety.py, the Odoo sandbox's ``hold`` keeps a call waiting, invisible to
everyone, and runs it when released: a killed run's request that Odoo commits after its client
died, after the rerun already looked for what it wrote.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from procuros_dagster.odoo.binder import Binder
from procuros_dagster.sandbox import demo_data as dd
from procuros_dagster.sandbox.odoo.clock import Clock

from tests.mapping import fixtures_bills as fb

from .test_crash_safety import _kill, _start_import
from .test_import_shipping_notices import _item, _moves, _notice, p2p  # noqa: F401  (p2p: the fixture)
from .test_import_vendor_bills import _bills, _enqueue, bought  # noqa: F401  (bought: the fixture)

NOTICES = "import_shipping_notices"


def _killed_while_odoo_holds(stack, tmp_path, job: str, model: str, method: str):
    """Start ``job`` as a process, kill it once its ``model.method`` call reached Odoo; the call
    stays held (still running in Odoo) until the caller releases it."""
    held = stack.odoo.hold(model, method)
    proc = _start_import(stack, tmp_path, job)
    try:
        assert held.reached.wait(timeout=180), f"the run never called {model}.{method}"
        _kill(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    return held


def _line_quantities(stack, picking_id: int) -> float:
    lines = stack.gateway.search_read("stock.move.line", [("picking_id", "=", picking_id)], ["quantity"])
    return sum(ln["quantity"] for ln in lines)


@pytest.mark.sandbox_only("holds a create in the Odoo sandbox (hold)")
def test_killed_while_odoo_sets_a_receipt_s_lines_sets_the_notice_once(stack, p2p, tmp_path):  # noqa: F811
    tid = stack.procuros.enqueue("SHIPPING_NOTICE", _notice("LS-K1", p2p["b"], dd.SUPPLIER_ORR_GLN, [
        _item(1, dd.PFAND, 5, 3, "EA")]))
    [receipt] = stack.gateway.search_read("stock.picking", [("purchase_id", "=", p2p["b_id"])], ["id"])
    held = _killed_while_odoo_holds(stack, tmp_path, NOTICES, "stock.move.line", "create")
    # Odoo is still setting the killed run's lines: a rerun now must not set them a second time
    result = stack.run(NOTICES)
    assert result.success
    held.release()
    assert held.done.wait(timeout=60)
    assert _line_quantities(stack, receipt["id"]) == 3  # the killed run's lines committed, and only those
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert checks["shipping_notices_acknowledged"].passed
    assert checks["shipping_notices_acknowledged"].metadata["waiting_for_an_interrupted_run"].value == 1
    assert stack.procuros.acknowledgements == {}
    # the next run finds them: the notice is finished (picked, bound, noted), not set again
    assert stack.run(NOTICES).success
    assert _line_quantities(stack, receipt["id"]) == 3
    move = _moves(stack, receipt["id"])[p2p["pfand"]]
    assert (move["quantity"], move["picked"]) == (3, True)
    assert stack.procuros.acknowledgements[tid]["success"] is True and stack.procuros.ack_counts[tid] == 1
    assert Binder(stack.gateway, "receipt").find([tid]) == {tid: ("stock.picking", receipt["id"])}
    [entry] = stack.gateway.search_read("x_procuros_log", [("x_transaction_id", "=", tid)], ["x_state", "x_res_id"])
    assert (entry["x_state"], entry["x_res_id"]) == ("imported", receipt["id"])
    notes = stack.gateway.search_read("mail.message", [("model", "=", "stock.picking"), ("res_id", "=", receipt["id"]),
                                                       ("body", "ilike", "LS-K1")], ["body"])
    assert len(notes) == 1 and "interrupted run" in notes[0]["body"]


@pytest.mark.sandbox_only("turns the Odoo sandbox's clock back an hour")
def test_notices_claimed_by_a_run_that_died_before_setting_them_are_taken_over(stack, p2p):  # noqa: F811
    tid = stack.procuros.enqueue("SHIPPING_NOTICE", _notice("LS-K2", p2p["b"], dd.SUPPLIER_ORR_GLN, [
        _item(1, dd.PFAND, 5, 2, "EA")]))
    stack.odoo.clock = Clock(start=datetime.now(timezone.utc) - timedelta(hours=1))
    assert Binder(stack.gateway, "receipt").claim("stock.picking", [tid], timeout=timedelta(minutes=10)).claimed == [tid]
    stack.odoo.clock = Clock()
    assert stack.run(NOTICES).success
    [receipt] = stack.gateway.search_read("stock.picking", [("purchase_id", "=", p2p["b_id"])], ["id"])
    assert _moves(stack, receipt["id"])[p2p["pfand"]]["quantity"] == 2
    assert stack.procuros.acknowledgements[tid]["success"] is True


@pytest.fixture
def suppliers(stack):
    stack.procuros.known_parties = stack.procuros.known_parties | dd.SUPPLIER_PARTNERS
    return dd.seed_suppliers(stack.gateway)


@pytest.mark.sandbox_only("holds a chatter note in the Odoo sandbox (hold)")
def test_an_order_sent_and_bound_by_a_run_killed_before_confirming_it_is_confirmed_not_sent_again(
        stack, suppliers, tmp_path):
    po = dd.purchase_order(stack.gateway, suppliers.supplier_id, [
        {"product_id": stack.data.products[dd.ESPRESSO], "product_qty": 3, "price_unit": 15.9}])
    # the run sent the order, logged and bound it, and died writing its chatter note, before the confirmation
    held = _killed_while_odoo_holds(stack, tmp_path, "export_purchase_orders", "mail.message", "create")
    held.release()
    assert held.done.wait(timeout=60)
    [sent] = [s for s in stack.procuros.sent if s["type"] == "ORDER"]
    assert Binder(stack.gateway, "purchase_order").bound_ids("purchase.order", [po]) == {po}
    assert stack.gateway.read("purchase.order", [po], ["state"])[0]["state"] in ("draft", "sent")

    assert stack.run("export_purchase_orders").success
    assert stack.gateway.read("purchase.order", [po], ["state"])[0]["state"] == "purchase"
    assert [s for s in stack.procuros.sent if s["type"] == "ORDER"] == [sent]  # never sent again
    # an order the supplier must answer stays an RFQ, and a later run leaves everything as it is
    waiting = dd.purchase_order(stack.gateway, suppliers.orr_supplier_id, [
        {"product_id": stack.data.products[dd.ESPRESSO], "product_qty": 1, "price_unit": 15.9}])
    assert stack.run("export_purchase_orders").success and stack.run("export_purchase_orders").success
    assert stack.gateway.read("purchase.order", [waiting], ["state"])[0]["state"] in ("draft", "sent")
    assert len([s for s in stack.procuros.sent if s["type"] == "ORDER"]) == 2


def test_an_order_response_resent_under_a_new_transaction_id_is_recognised_not_applied_twice(stack, suppliers):
    from .test_import_order_responses import _check, _notes, item, response

    espresso = stack.data.products[dd.ESPRESSO]
    names = {}
    for kind in ("REJECT", "CHANGE"):
        po = dd.purchase_order(stack.gateway, suppliers.orr_supplier_id, [
            {"product_id": espresso, "product_qty": 10, "product_uom": stack.data.uoms["EA"], "price_unit": 12.0}])
        names[kind] = (po, stack.gateway.read("purchase.order", [po], ["name"])[0]["name"])
    rejected, changed = names["REJECT"][0], names["CHANGE"][0]
    docs = {"REJECT": response(names["REJECT"][1], "REJECT", comments="nicht lieferbar"),
            "CHANGE": response(names["CHANGE"][1], "CHANGE", [item(1, dd.ESPRESSO, 10, 8)])}
    first = {k: stack.procuros.enqueue("ORDER_RESPONSE", d) for k, d in docs.items()}
    result = stack.run("import_order_responses")
    assert result.success and not _check(result, "order_responses_accepted").passed
    assert all(stack.procuros.acknowledgements[t]["success"] for t in first.values())
    # the buyer edits the changed order afterwards; then the supplier resends both responses
    [line] = stack.gateway.search_read("purchase.order.line", [("order_id", "=", changed)], ["id", "product_qty"])
    assert line["product_qty"] == 8
    stack.gateway.write("purchase.order.line", [line["id"]], {"product_qty": 9})
    again = {k: stack.procuros.enqueue("ORDER_RESPONSE", d) for k, d in docs.items()}
    result = stack.run("import_order_responses")
    assert result.success
    assert _check(result, "order_responses_accepted").passed  # nothing newly rejected
    for kind, tid in again.items():
        ack = stack.procuros.acknowledgements[tid]
        assert ack["success"] is True, ack
        assert ack["errorContext"]["outcome"] == "already applied"
        assert f"order response AB-{names[kind][1]} was already applied" in ack["errorContext"]["reason"]
    assert stack.gateway.read("purchase.order.line", [line["id"]], ["product_qty"])[0]["product_qty"] == 9
    assert len(_notes(stack, rejected)) == 1 and len(_notes(stack, changed)) == 1  # noted once
    logs = {e["x_transaction_id"]: e for e in stack.gateway.search_read(
        "x_procuros_log", [("x_movement", "=", "order_responses")], ["x_transaction_id", "x_state", "x_reason", "x_res_id"])}
    assert (logs[again["REJECT"]]["x_state"], logs[again["REJECT"]]["x_res_id"]) == ("imported", rejected)
    assert "not applied again" in logs[again["REJECT"]]["x_reason"]


@pytest.mark.sandbox_only("holds a create in the Odoo sandbox (hold)")
@pytest.mark.parametrize("job, kind, check", [("import_vendor_bills", "INVOICE", "invoices_acknowledged"),
                                              ("import_vendor_credit_notes", "CREDIT_NOTE", "credit_notes_acknowledged")])
def test_killed_while_odoo_creates_a_vendor_bill_creates_it_once(stack, bought, tmp_path, job, kind, check):  # noqa: F811
    lines = [{"gtin": dd.APFELSCHORLE, "quantity": 2, "price": 7.2}]
    doc = (fb.invoice("RE-K-1", bought["name"], lines) if kind == "INVOICE"
           else fb.credit_note("GS-K-1", lines, order=bought["name"]))
    tid = _enqueue(stack, kind, doc)
    held = _killed_while_odoo_holds(stack, tmp_path, job, "account.move", "create")
    # Odoo is still creating the killed run's draft; the supplier resends it meanwhile: neither is created again
    resent = _enqueue(stack, kind, doc)
    result = stack.run(job)
    assert result.success
    held.release()
    assert held.done.wait(timeout=60)
    assert len(_bills(stack)) == 1  # the killed run's create committed, and only that one
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert checks[check].passed and checks[check].metadata["waiting_for_an_interrupted_run"].value == 2
    assert stack.procuros.acknowledgements == {}
    # the next run finds the draft by the supplier's number: both transactions point to it
    assert stack.run(job).success
    [draft] = _bills(stack)
    assert all(stack.procuros.acknowledgements[t]["success"] for t in (tid, resent))
    entries = stack.gateway.search_read("x_procuros_log", [("x_transaction_id", "in", [tid, resent])],
                                        ["x_state", "x_res_id"])
    assert sorted((e["x_state"], e["x_res_id"]) for e in entries) == [("imported", draft["id"])] * 2


@pytest.mark.sandbox_only("fails a confirmation and moves the Odoo sandbox's clock")
def test_sent_orders_a_user_set_back_to_draft_or_odoo_refused_to_confirm_are_not_confirmed_by_later_runs(
        stack, suppliers):
    def rfq():
        return dd.purchase_order(stack.gateway, suppliers.supplier_id, [
            {"product_id": stack.data.products[dd.ESPRESSO], "product_qty": 2, "price_unit": 15.9}])

    def state(po):
        return stack.gateway.read("purchase.order", [po], ["state"])[0]["state"]

    reset = rfq()
    assert stack.run("export_purchase_orders").success and state(reset) == "purchase"
    # later, the buyer cancels it and sets it back to draft: that is the buyer's decision
    stack.odoo.clock = Clock(start=datetime.now(timezone.utc) + timedelta(hours=1))
    stack.gateway.call("purchase.order", "button_cancel", [[reset]])
    stack.gateway.call("purchase.order", "button_draft", [[reset]])
    refused = rfq()
    # ordered on the day the run is for, whatever day the moved clock says (Berlin's midnight may lie between)
    [first] = stack.gateway.read("purchase.order", [reset], ["date_order"])
    stack.gateway.write("purchase.order", [refused], {"date_order": first["date_order"]})
    stack.odoo.inject_fault("purchase.order", "button_confirm", count=2)  # the batch, then the order alone
    assert stack.run("export_purchase_orders").success
    assert state(refused) == "draft" and state(reset) == "draft"
    notes = stack.gateway.search_read("mail.message", [("model", "=", "purchase.order"), ("res_id", "=", refused),
                                                       ("body", "ilike", "did not confirm it")], ["id"])
    assert len(notes) == 1  # the buyer is told to confirm it by hand
    confirms = stack.odoo.call_counts["purchase.order.button_confirm"]
    assert stack.run("export_purchase_orders").success
    assert stack.odoo.call_counts["purchase.order.button_confirm"] == confirms  # neither is confirmed behind their back
    assert (state(refused), state(reset)) == ("draft", "draft")
    assert len([s for s in stack.procuros.sent if s["type"] == "ORDER"]) == 2


@pytest.mark.sandbox_only("holds a write in the Odoo sandbox (hold)")
def test_killed_while_odoo_writes_an_order_response_s_changes_applies_it_once(stack, suppliers, tmp_path):
    from .test_import_order_responses import _notes, item, response

    po = dd.purchase_order(stack.gateway, suppliers.orr_supplier_id, [
        {"product_id": stack.data.products[dd.ESPRESSO], "product_qty": 10, "product_uom": stack.data.uoms["EA"],
         "price_unit": 12.0}])
    name = stack.gateway.read("purchase.order", [po], ["name"])[0]["name"]
    tid = stack.procuros.enqueue("ORDER_RESPONSE", response(name, "CHANGE", [item(1, dd.ESPRESSO, 10, 8)]))
    held = _killed_while_odoo_holds(stack, tmp_path, "import_order_responses", "purchase.order.line", "write")
    # the rerun applies the same absolute values and confirms; the killed run's write lands afterwards
    assert stack.run("import_order_responses").success
    held.release()
    assert held.done.wait(timeout=60)
    assert stack.gateway.read("purchase.order", [po], ["state"])[0]["state"] == "purchase"
    [line] = stack.gateway.search_read("purchase.order.line", [("order_id", "=", po)], ["product_qty"])
    assert line["product_qty"] == 8
    moves = stack.gateway.search_read("stock.move", [("purchase_line_id.order_id", "=", po)], ["product_uom_qty"])
    assert [m["product_uom_qty"] for m in moves] == [8.0]  # one receipt move, not a second one
    assert stack.run("import_order_responses").success
    assert len(_notes(stack, po)) == 1 and stack.procuros.ack_counts[tid] == 1
