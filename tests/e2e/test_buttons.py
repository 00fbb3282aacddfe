"""The "Send ... to Procuros" buttons, pressed the way Odoo 17's web client presses a button of type
"action" (action_service.js doActionButton: /web/action/load with the record as additional
context, then /web/action/run for a server action), then the odoo_exports sensor's tick and the
run it requests — against the sandbox, or a real Odoo when PROCUROS_E2E_ODOO_URL is set (the
tests passed against a real Odoo 17 brought up with odoo17/real-odoo/bringup.sh on 2026-12-01:
setup_odoo's server actions, related fields and inherited delivery and invoice forms accepted by its
view validation, the button pressed by a user who is only Inventory / User; and on 2026-12-02 with
the purchase order form, its button pressed by a user who is only Purchase / User)."""

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


def _user(stack, group_xmlid: str, name: str, login: str) -> tuple[str, str]:
    """A user with only this group (e.g. Inventory / User): (login, password)."""
    [group] = [rid for _, rid in stack.gateway.xmlids([group_xmlid]).values()]
    password = f"{login}-pass-1"
    stack.gateway.create("res.users", [{"name": name, "login": login, "password": password,
                                        "groups_id": [[6, 0, [group]]]}])
    return login, password


def _pressed_again_sends_nothing_twice(stack, browser, button, model: str, record_id: int, doc_type: str,
                                       first_run_key: str, cursor: str) -> None:
    """Pressed again after it went out: a new request, its run sends nothing twice, the flag is cleared."""
    assert browser.press(button, model, record_id)[1] is False
    [again] = [r for r in _tick(stack, "odoo_exports", cursor).run_requests if r.job_name == "send_to_procuros"]
    assert again.run_key != first_run_key
    job = stack.defs.resolve_job_def(again.job_name)
    assert job.execute_in_process(instance=stack.instance, run_config=again.run_config).success
    assert len([s for s in stack.procuros.sent if s["type"] == doc_type]) == 1
    assert stack.gateway.read(model, [record_id], [REQUEST_FIELD])[0][REQUEST_FIELD] is False


def _record_logs(stack, browser, arch: ET.Element, model: str, record_id: int) -> list[dict]:
    """The Procuros Logs smart button pressed on the record: the entries the web client lists."""
    [logs_button] = [b for b in arch.iter("button") if b.get("string") == "Procuros Logs"]
    logs, _ = browser.press(logs_button, model, record_id)
    assert logs["type"] == "ir.actions.act_window" and logs["res_model"] == "x_procuros_log"
    assert logs["domain"] == RECORD_LOGS_DOMAIN
    # the web client evaluates the domain with the button's context (active_model, active_id)
    domain = eval(logs["domain"], {}, {"active_model": model, "active_id": record_id})
    other = eval(logs["domain"], {}, {"active_model": model, "active_id": record_id + 1000})
    assert stack.gateway.search_read("x_procuros_log", other, ["id"]) == []
    return stack.gateway.search_read("x_procuros_log", domain, ["x_res_model", "x_res_id", "x_state",
                                                                "x_document_type"])


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
    login, password = _user(stack, "stock.group_stock_user", "Lager Mitarbeiter", "lager")
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
    _pressed_again_sends_nothing_twice(stack, browser, button, "stock.picking", picking, "SHIPPING_NOTICE",
                                       request.run_key, tick.cursor)

    # Procuros Logs from the delivery's smart button: the Logs of this delivery only
    entries = _record_logs(stack, browser, arch, "stock.picking", picking)
    assert [(e["x_res_model"], e["x_res_id"], e["x_state"]) for e in entries] == [("stock.picking", picking, "sent")]


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


def test_send_order_button_on_an_rfq_of_a_procuros_supplier_sends_it_once_whatever_its_date(stack):
    gw = stack.gateway
    stack.procuros.known_parties = stack.procuros.known_parties | dd.SUPPLIER_PARTNERS
    suppliers = dd.seed_suppliers(gw)
    espresso = stack.data.products[dd.ESPRESSO]
    rfq = dd.purchase_order(gw, suppliers.supplier_id, [{"product_id": espresso, "product_qty": 2, "price_unit": 15.9}])
    # entered long ago (a day no daily run looks at any more): the button sends it all the same
    gw.write("purchase.order", [rfq], {"date_order": "2025-01-15 10:00:00"})
    [other] = gw.create("res.partner", [{"name": "Papierhandel Meyer", "is_company": True}])
    not_procuros = dd.purchase_order(gw, other, [{"product_id": espresso, "product_qty": 1, "price_unit": 15.9}])
    arch = _form_extension(gw, "procuros.view_purchase_order_form_procuros")
    button = _button(arch, "Send Order to Procuros")  # the seed's words

    # visible on an RFQ or purchase order with lines of a supplier set up for Procuros, not once pressed
    fields = ["state", "order_line", "x_procuros_partner_sends", REQUEST_FIELD]
    [values] = gw.read("purchase.order", [rfq], fields)
    assert values["x_procuros_partner_sends"] == "Procuros Connector" and _visible(button, values)
    assert _visible(button, {**values, "state": "sent"}) and _visible(button, {**values, "state": "purchase"})
    for state in ("to approve", "done", "cancel"):
        assert not _visible(button, {**values, "state": state})
    assert not _visible(button, {**values, "order_line": []})
    assert not _visible(button, {**values, REQUEST_FIELD: True})
    [plain] = gw.read("purchase.order", [not_procuros], fields)
    assert plain["x_procuros_partner_sends"] is False and not _visible(button, plain)

    before = _tick(stack, "odoo_exports")
    assert before.run_requests == []  # a day before the partitions start: no daily run would send it

    # a buyer presses it, twice (double click): the server action only sets the flag
    login, password = _user(stack, "purchase.group_purchase_user", "Einkäuferin", "einkauf")
    browser = WebClient(stack.env["ODOO_URL"], stack.env["ODOO_DB"], login, password)
    action, result = browser.press(button, "purchase.order", rfq)
    assert action["type"] == "ir.actions.server" and action["name"] == "Send Order to Procuros"
    assert result is False
    assert browser.press(button, "purchase.order", rfq)[1] is False
    assert gw.read("purchase.order", [rfq], [REQUEST_FIELD])[0][REQUEST_FIELD] is True
    assert stack.procuros.sent == []

    # the next tick asks for one send-now run for it; a second tick before it ran, the same run
    tick = _tick(stack, "odoo_exports", before.cursor)
    [request] = tick.run_requests
    assert request.job_name == "send_to_procuros" and request.partition_key is None
    assert request.run_config == {"ops": {"send_documents_now": {"config": {"purchase_orders": [str(rfq)]}}}}
    assert [r.run_key for r in _tick(stack, "odoo_exports", tick.cursor).run_requests] == [request.run_key]

    job = stack.defs.resolve_job_def(request.job_name)
    assert job.execute_in_process(instance=stack.instance, run_config=request.run_config, tags=request.tags).success
    [po] = gw.read("purchase.order", [rfq], ["name", "state", REQUEST_FIELD])
    sent = [s for s in stack.procuros.sent if s["type"] == "ORDER"]
    assert [(s["content"] if "content" in s else s["body"]["content"])["header"]["orderIdentifier"]
            for s in sent] == [po["name"]]
    # the supplier needs no order response: confirmed once sent; the request answered
    assert (po["state"], po[REQUEST_FIELD]) == ("purchase", False)
    notes = gw.search_read("mail.message", [("model", "=", "purchase.order"), ("res_id", "=", rfq)], ["body"])
    assert sum("Sent to Procuros as ORDER" in (m["body"] or "") for m in notes) == 1
    assert _tick(stack, "odoo_exports", tick.cursor).run_requests == []

    # pressed again on the confirmed order: a new request, and nothing goes out twice
    _pressed_again_sends_nothing_twice(stack, browser, button, "purchase.order", rfq, "ORDER", request.run_key,
                                       tick.cursor)

    # Procuros Logs from the order's smart button (shown for Procuros suppliers): this order's entries
    [logs_button] = [b for b in arch.iter("button") if b.get("string") == "Procuros Logs"]
    assert _visible(logs_button, values) and not _visible(logs_button, plain)
    entries = _record_logs(stack, browser, arch, "purchase.order", rfq)
    assert [(e["x_res_model"], e["x_res_id"], e["x_state"], e["x_document_type"]) for e in entries] == [
        ("purchase.order", rfq, "sent", "ORDER")]
