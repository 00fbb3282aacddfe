"""The "Send ... to Procuros" buttons, pressed the way Odoo 17's web client presses a button of type
"action" (action_service.js doActionButton: /web/action/load with the record as additional
context, then /web/action/run for a server action), then the odoo_exports sensor's tick and the
run it requests — against the sandbox, or a real Odoo when PROCUROS_E2E_ODOO_URL is set (both
tests passed against a real Odoo 17 brought up with odoo17/real-odoo/bringup.sh on 2026-12-01:
setup_odoo's server actions, related fields and inherited delivery and invoice forms accepted by its
view validation, the button pressed by a user who is only Inventory / User)."""

from __future__ import annotations

import ast
import xml.etree.ElementTree as ET

import httpx

from procuros_dagster.odoo.setup import RECORD_LOGS_DOMAIN, REQUEST_FIELD
from procuros_dagster.sandbox import demo_data as dd

from .test_automation import _tick


class WebClient:
    """A browser session of an Odoo user: what the web client posts, nothing more."""

    def __init__(self, url: str, db: str, login: str, password: str):
        self.http = httpx.Client(base_url=url, timeout=30)
        self.calls = 0
        info = self.post("/web/session/authenticate", {"db": db, "login": login, "password": password})
        self.context = {**info["user_context"], "allowed_company_ids": [1]}

    def post(self, path: str, params: dict):
        self.calls += 1
        answer = self.http.post(path, json={"jsonrpc": "2.0", "method": "call", "id": self.calls,
                                            "params": params}).json()
        if "error" in answer:
            raise RuntimeError(answer["error"]["data"]["message"])
        return answer.get("result")

    def press(self, button: ET.Element, model: str, record_id: int):
        """doActionButton for type="action": load the action with the record as context, run it."""
        assert button.get("type") == "action"
        active = {"active_id": record_id, "active_ids": [record_id], "active_model": model}
        action = self.post("/web/action/load", {"action_id": int(button.get("name")), "additional_context": active})
        if action["type"] == "ir.actions.server":
            return action, self.post("/web/action/run", {"action_id": action["id"], "context": {**self.context,
                                                                                                  **active}})
        return action, None


def _form_extension(gateway, xmlid: str) -> ET.Element:
    [(_, view_id)] = gateway.find_bindings([xmlid.split(".", 1)[1]]).values()
    [view] = gateway.read("ir.ui.view", [view_id], ["arch"])
    return ET.fromstring(view["arch"])


def _button(arch: ET.Element, label: str) -> ET.Element:
    [button] = [b for b in arch.iter("button") if b.get("string") == label]
    return button


def _visible(button: ET.Element, values: dict) -> bool:
    """The web client's reading of an Odoo 17 ``invisible`` modifier on the record's values."""
    return not eval(compile(ast.parse(button.get("invisible"), mode="eval"), "<invisible>", "eval"), {}, dict(values))


def _warehouse_user(stack) -> tuple[str, str]:
    [group] = [rid for _, rid in stack.gateway.xmlids(["stock.group_stock_user"]).values()]
    login, password = "lager", "lager-pass-1"
    stack.gateway.create("res.users", [{"name": "Lager Mitarbeiter", "login": login, "password": password,
                                        "groups_id": [[6, 0, [group]]]}])
    return login, password


def test_send_picking_button_is_pressed_the_sensor_sends_it_once_chatter_logs_and_flag_cleared(stack):
    gw = stack.gateway
    stack.enqueue_order(dd.order_content("PO-BTN-1", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}]))
    assert stack.run("import_sales_orders").success
    [order] = stack.orders(fields=["id"])
    picking, _ = dd.deliver(gw, order["id"])
    # delivered long ago (a day no daily run looks at any more): the button sends it all the same
    gw.write("stock.picking", [picking], {"date_done": "2025-01-15 10:00:00"})
    arch = _form_extension(gw, "procuros.view_picking_form_procuros")
    button = _button(arch, "Send Picking to Procuros")

    # visible only on a done delivery of a customer set up for shipping notices, not once pressed
    fields = ["state", "picking_type_code", "x_procuros_partner_sends", REQUEST_FIELD]
    [values] = gw.read("stock.picking", [picking], fields)
    assert values["x_procuros_partner_sends"] is True and _visible(button, values)
    assert not _visible(button, {**values, "state": "assigned"})
    assert not _visible(button, {**values, "picking_type_code": "incoming"})
    assert not _visible(button, {**values, "x_procuros_partner_sends": False})
    assert not _visible(button, {**values, REQUEST_FIELD: True})

    # a warehouse user presses it, twice (double click): the server action only sets the flag
    login, password = _warehouse_user(stack)
    browser = WebClient(stack.env["ODOO_URL"], stack.env["ODOO_DB"], login, password)
    action, result = browser.press(button, "stock.picking", picking)
    assert action["type"] == "ir.actions.server" and action["name"] == "Send Picking to Procuros"
    assert result is False  # nothing to open: the form reloads
    assert browser.press(button, "stock.picking", picking)[1] is False
    assert gw.read("stock.picking", [picking], [REQUEST_FIELD])[0][REQUEST_FIELD] is True
    assert stack.procuros.sent == []  # nothing went out from the button itself

    # the next tick asks for one send-now run for it, whatever the delivery's date
    tick = _tick(stack, "odoo_exports")
    [request] = tick.run_requests
    assert request.job_name == "send_to_procuros" and request.partition_key is None
    assert request.run_config == {"ops": {"send_documents_now": {"config": {"shipping_notices": [str(picking)]}}}}
    # a tick before the run has cleared the flag asks again with the same run key: one run
    assert [r.run_key for r in _tick(stack, "odoo_exports", tick.cursor).run_requests] == [request.run_key]

    job = stack.defs.resolve_job_def(request.job_name)
    assert job.execute_in_process(instance=stack.instance, run_config=request.run_config, tags=request.tags).success  # as the daemon runs it
    sent = [s for s in stack.procuros.sent if s["type"] == "SHIPPING_NOTICE"]
    assert len(sent) == 1
    [flag] = gw.read("stock.picking", [picking], [REQUEST_FIELD])
    assert flag[REQUEST_FIELD] is False
    notes = gw.search_read("mail.message", [("model", "=", "stock.picking"), ("res_id", "=", picking)], ["body"])
    assert sum("Sent to Procuros as SHIPPING_NOTICE" in (m["body"] or "") for m in notes) == 1
    # the sensor has nothing left for it (clearing the flag is a change, but of a day before the
    # partitions start: no day run is asked for, and none could be)
    assert _tick(stack, "odoo_exports", tick.cursor).run_requests == []

    # pressed again after it went out: a new request, and the run sends nothing twice
    assert browser.press(button, "stock.picking", picking)[1] is False
    [again] = [r for r in _tick(stack, "odoo_exports", tick.cursor).run_requests if r.job_name == "send_to_procuros"]
    assert again.run_key != request.run_key
    assert job.execute_in_process(instance=stack.instance, run_config=again.run_config).success
    assert len([s for s in stack.procuros.sent if s["type"] == "SHIPPING_NOTICE"]) == 1
    assert gw.read("stock.picking", [picking], [REQUEST_FIELD])[0][REQUEST_FIELD] is False

    # Procuros Logs from the delivery's smart button: the Logs of this delivery only
    [logs_button] = [b for b in arch.iter("button") if b.get("string") == "Procuros Logs"]
    logs, _ = browser.press(logs_button, "stock.picking", picking)
    assert logs["type"] == "ir.actions.act_window" and logs["res_model"] == "x_procuros_log"
    assert logs["domain"] == RECORD_LOGS_DOMAIN
    # the web client evaluates the domain with the button's context (active_model, active_id)
    domain = eval(logs["domain"], {}, {"active_model": "stock.picking", "active_id": picking})
    entries = gw.search_read("x_procuros_log", domain, ["x_res_model", "x_res_id", "x_state", "x_document_type"])
    assert [(e["x_res_model"], e["x_res_id"], e["x_state"]) for e in entries] == [("stock.picking", picking, "sent")]
    other = eval(logs["domain"], {}, {"active_model": "stock.picking", "active_id": picking + 1000})
    assert gw.search_read("x_procuros_log", other, ["id"]) == []


def test_send_order_button_on_an_rfq_of_a_procuros_supplier_sends_it_now(stack):
    # the seed: "In the Vendor field, enter your Procuros supplier ... Click Send Order to Procuros"
    gw = stack.gateway
    stack.procuros.known_parties = stack.procuros.known_parties | dd.SUPPLIER_PARTNERS
    suppliers = dd.seed_suppliers(gw)
    rfq = dd.purchase_order(gw, suppliers.orr_supplier_id, [
        {"product_id": stack.data.products[dd.ESPRESSO], "product_qty": 3, "price_unit": 15.9}])
    gw.write("purchase.order", [rfq], {"date_order": "2025-01-15 10:00:00"})  # no daily run looks at it
    arch = _form_extension(gw, "procuros.view_purchase_order_form_procuros")
    button = _button(arch, "Send Order to Procuros")
    [values] = gw.read("purchase.order", [rfq], ["state", "x_procuros_partner_sends", REQUEST_FIELD])
    assert values["x_procuros_partner_sends"] == "Procuros Connector" and _visible(button, values)
    assert not _visible(button, {**values, "x_procuros_partner_sends": False})  # a supplier not set up
    assert not _visible(button, {**values, "state": "cancel"})

    browser = WebClient(stack.env["ODOO_URL"], stack.env["ODOO_DB"], "admin", stack.env["ODOO_PASSWORD"])
    assert browser.press(button, "purchase.order", rfq)[1] is False
    [request] = [r for r in _tick(stack, "odoo_exports").run_requests if r.job_name == "send_to_procuros"]
    assert request.run_config == {"ops": {"send_documents_now": {"config": {"purchase_orders": [str(rfq)]}}}}
    job = stack.defs.resolve_job_def(request.job_name)
    assert job.execute_in_process(instance=stack.instance, run_config=request.run_config).success
    [order] = [s for s in stack.procuros.sent if s["type"] == "ORDER"]
    assert gw.read("purchase.order", [rfq], [REQUEST_FIELD, "state"])[0] == {
        "id": rfq, REQUEST_FIELD: False, "state": "draft"}  # Require Order Response: still an RFQ


def test_invoice_and_credit_note_buttons_show_on_posted_documents_of_customers_that_get_invoices(stack):
    arch = _form_extension(stack.gateway, "procuros.view_move_form_procuros")
    invoice, credit = _button(arch, "Send Invoice to Procuros"), _button(arch, "Send Credit Note to Procuros")
    # the fields the modifiers name are in the form (Odoo 17 refuses the view otherwise)
    named = {f.get("name") for f in arch.iter("field")}
    assert {"x_procuros_partner_sends", REQUEST_FIELD} <= named
    posted = {"state": "posted", "move_type": "out_invoice", "x_procuros_partner_sends": True, REQUEST_FIELD: False}
    assert _visible(invoice, posted) and not _visible(credit, posted)
    assert _visible(credit, {**posted, "move_type": "out_refund"}) and not _visible(invoice, {**posted,
                                                                                              "move_type": "out_refund"})
    assert not _visible(invoice, {**posted, "state": "draft"})
    assert not _visible(invoice, {**posted, "move_type": "in_invoice"})
    assert not _visible(invoice, {**posted, "x_procuros_partner_sends": False})
    # the related field reads the commercial partner's switch (the invoice address is a child contact)
    gw = stack.gateway
    moves = gw.create("account.move", [{"move_type": "out_invoice", "partner_id": stack.data.bill_to_id},
                                       {"move_type": "out_invoice", "partner_id": stack.data.quiet_buyer_id}])
    assert [r["x_procuros_partner_sends"] for r in gw.read("account.move", moves, ["x_procuros_partner_sends"])] \
        == [True, False]


def test_a_request_still_standing_after_its_run_finished_gets_a_new_run(stack):
    """Pressed again within the second its flag was cleared, a record shows the same write_date as
    the request already sent: the finished run must not swallow the new one."""
    from procuros_dagster.defs.automation import _send_now_request
    from procuros_dagster.settings import Settings

    send_now = stack.defs.resolve_job_def("send_to_procuros")
    integration = Settings().integrations[0]
    requested = {"shipping_notices": [(7, "2026-12-01 10:00:00")]}
    first = _send_now_request(stack.instance, send_now, integration, requested)
    assert _send_now_request(stack.instance, send_now, integration, requested).run_key == first.run_key  # in flight
    send_now.execute_in_process(instance=stack.instance, run_config=first.run_config, tags=first.tags,
                                raise_on_error=False)
    again = _send_now_request(stack.instance, send_now, integration, requested)
    assert again.run_key == first.run_key + "-1"
