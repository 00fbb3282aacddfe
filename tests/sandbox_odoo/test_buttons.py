"""Server actions, related fields, buttons in views and the web client's /web/action/* calls, as a
real Odoo 17 answered them in transcript 16 (recorded with bringup.sh on a copy of the template)."""
from __future__ import annotations

import httpx
import pytest

from .rpc import call, connect, rpc_error


@pytest.fixture()
def move_setup(odoo):
    [partner_model] = call(odoo, "ir.model", "search", [("model", "=", "res.partner")])
    [move_model] = call(odoo, "ir.model", "search", [("model", "=", "account.move")])
    call(odoo, "ir.model.fields", "create", [
        {"model_id": partner_model, "name": "x_procuros_send_invoice", "ttype": "boolean", "state": "manual",
         "field_description": "Send Invoice & Credit Notes"},
        {"model_id": move_model, "name": "x_procuros_send_requested", "ttype": "boolean", "state": "manual",
         "field_description": "Send to Procuros Requested"}])
    return move_model


def _web(sb, login="admin", password="admin"):
    client = httpx.Client(base_url=sb.url, timeout=10)
    client.post("/web/session/authenticate", json={"params": {"db": "procuros", "login": login, "password": password}})
    return client


def _post(client, path, params):
    answer = client.post(path, json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}).json()
    return answer.get("result"), (answer.get("error") or {}).get("data")


def test_related_field_checks_its_path_and_type_then_reads_through(odoo, move_setup):
    base = {"model_id": move_setup, "name": "x_procuros_partner_sends", "state": "manual", "field_description": "X",
            "store": False}
    assert rpc_error(odoo, "ir.model.fields", "create", [{**base, "ttype": "boolean",
                                                          "related": "commercial_partner_id.x_nope"}]) == (
        "odoo.exceptions.UserError", "Unknown field name 'x_nope' in related field 'commercial_partner_id.x_nope'")
    assert rpc_error(odoo, "ir.model.fields", "create", [{**base, "ttype": "char",
                                                          "related": "commercial_partner_id.x_procuros_send_invoice"}]) \
        == ("odoo.exceptions.ValidationError",
            "Related field 'commercial_partner_id.x_procuros_send_invoice' does not have type 'char'")
    call(odoo, "ir.model.fields", "create", [{**base, "ttype": "boolean", "readonly": True,
                                              "related": "commercial_partner_id.x_procuros_send_invoice"}])
    [row] = call(odoo, "ir.model.fields", "search_read", [("name", "=", "x_procuros_partner_sends")],
                 ["related", "store", "readonly", "state"])
    assert (row["related"], row["store"], row["readonly"]) == ("commercial_partner_id.x_procuros_send_invoice",
                                                               False, True)
    [company] = call(odoo, "res.partner", "create", [{"name": "Kunde GmbH", "x_procuros_send_invoice": True}])
    [contact] = call(odoo, "res.partner", "create", [{"name": "Einkauf", "parent_id": company, "type": "invoice"}])
    [move] = call(odoo, "account.move", "create", [{"move_type": "out_invoice", "partner_id": contact}])
    [read] = call(odoo, "account.move", "read", [move], ["x_procuros_partner_sends", "x_procuros_send_requested"])
    assert (read["x_procuros_partner_sends"], read["x_procuros_send_requested"]) == (True, False)


def test_server_action_object_write_create_read_and_refusals(odoo, move_setup):
    [aid] = call(odoo, "ir.actions.server", "create", [{
        "name": "Send Invoice to Procuros", "model_id": move_setup, "state": "object_write",
        "update_path": "x_procuros_send_requested", "update_boolean_value": "true", "evaluation_type": "value"}])
    [a] = call(odoo, "ir.actions.server", "read", [aid], [
        "type", "state", "model_name", "update_field_id", "binding_model_id", "binding_type", "usage", "sequence",
        "crud_model_id", "value_field_to_show", "groups_id"])
    assert a["type"] == "ir.actions.server" and a["model_name"] == "account.move"
    assert a["update_field_id"][1] == "Send to Procuros Requested (Journal Entry)"
    assert (a["binding_model_id"], a["binding_type"], a["usage"], a["sequence"], a["groups_id"]) == (
        False, "action", "ir_actions_server", 5, [])
    assert a["crud_model_id"] == [move_setup, "Journal Entry"] and a["value_field_to_show"] == "update_boolean_value"
    # one id sequence for every action type (ir_actions): a window action takes the next id
    [window] = call(odoo, "ir.actions.act_window", "create", [{"name": "W", "res_model": "account.move"}])
    assert window == aid + 1
    assert rpc_error(odoo, "ir.actions.server", "create", [{"name": "bad", "model_id": move_setup,
                                                            "state": "object_write", "update_path": "x_nope"}]) == (
        "builtins.KeyError", "x_nope")
    name, msg = rpc_error(odoo, "ir.actions.server", "create", [{"name": "bad", "model_id": move_setup,
                                                                 "state": "object_write", "update_path": "name.x"}])
    assert name == "odoo.exceptions.ValidationError" and msg.startswith(
        "The path to the field to update contains a non-relational field (name)")
    name, msg = rpc_error(odoo, "ir.actions.server", "create", [{"name": "bad", "state": "object_write"}])
    assert name == "odoo.exceptions.ValidationError" and msg.endswith(
        "Model: Server Action (ir.actions.server)\nField: Model (model_id)\n")
    assert rpc_error(odoo, "ir.actions.server", "create", [{"name": "bad", "model_id": move_setup,
                                                            "state": "nope"}]) == (
        "builtins.ValueError", "Wrong value for ir.actions.server.state: 'nope'")


def test_buttons_and_modifiers_are_validated_against_the_combined_view(odoo, move_setup):
    [aid] = call(odoo, "ir.actions.server", "create", [{"name": "S", "model_id": move_setup, "state": "object_write",
                                                        "update_path": "x_procuros_send_requested"}])

    def view(inner):
        return {"name": "t", "model": "account.move", "inherit_id": 681, "mode": "extension", "priority": 99,
                "arch": f'<data><xpath expr="//header" position="inside">{inner}</xpath></data>'}

    def refused(inner):
        name, msg = rpc_error(odoo, "ir.ui.view", "create", [view(inner)])
        assert name == "odoo.exceptions.ValidationError" and msg.startswith("Error while validating view near:")
        return msg.rsplit("\n", 1)[-1]

    assert refused(f'<button name="{aid}" type="action" string="S" invisible="not x_procuros_send_requested"/>') == (
        "Field 'x_procuros_send_requested' used in modifier 'invisible' (not x_procuros_send_requested) must be "
        "present in view but is missing.")
    assert refused('<button name="999999" type="action" string="S"/>') == (
        "Action 999999 (id: 999999) does not exist for button of type action.")
    assert refused('<button name="%(foo.bar)d" type="action" string="S"/>') == (
        "Invalid xmlid %(foo.bar)d for button of type action.")
    assert refused('<button name="action_nope" type="object" string="S"/>') == (
        "action_nope is not a valid action on account.move")
    # fields of the inherited form (state, move_type) count; a field added by the view itself too
    [vid] = call(odoo, "ir.ui.view", "create", [view(
        f'<button name="{aid}" type="action" string="S" invisible="state != \'posted\' or move_type != '
        f'\'out_invoice\' or x_procuros_send_requested"/><field name="x_procuros_send_requested" invisible="1"/>')])
    name, msg = rpc_error(odoo, "ir.ui.view", "write", [vid], {"arch": view(
        f'<button name="{aid}" type="action" string="S" invisible="bogus_x"/>')["arch"]})
    assert msg.endswith("Field 'bogus_x' used in modifier 'invisible' (bogus_x) must be present in view but is missing.")


def test_the_web_client_presses_a_server_action_button_and_the_field_is_written(sb, odoo, move_setup):
    [aid] = call(odoo, "ir.actions.server", "create", [{"name": "Send Invoice to Procuros", "model_id": move_setup,
                                                        "state": "object_write",
                                                        "update_path": "x_procuros_send_requested"}])
    [partner] = call(odoo, "res.partner", "create", [{"name": "Kunde GmbH"}])
    [move] = call(odoo, "account.move", "create", [{"move_type": "out_invoice", "partner_id": partner}])
    web = _web(sb)
    active = {"active_id": move, "active_ids": [move], "active_model": "account.move"}
    loaded, _ = _post(web, "/web/action/load", {"action_id": aid, "additional_context": active})
    assert loaded == {"id": aid, "name": "Send Invoice to Procuros", "type": "ir.actions.server", "xml_id": "",
                      "help": False, "binding_model_id": False, "binding_type": "action",
                      "binding_view_types": "list,form", "display_name": "Send Invoice to Procuros",
                      "model_name": "account.move", "groups_id": []}
    ctx = {"lang": "en_US", "tz": "Europe/Berlin", "uid": 2, "allowed_company_ids": [1]}
    assert _post(web, "/web/action/run", {"action_id": aid, "context": {**ctx, **active}}) == (False, None)
    assert call(odoo, "account.move", "read", [move], ["x_procuros_send_requested"])[0]["x_procuros_send_requested"]
    call(odoo, "account.move", "write", [move], {"x_procuros_send_requested": False})
    # call_kw run with the same context does the same
    assert call(odoo, "ir.actions.server", "run", [aid], context={**ctx, **active}) is False
    assert call(odoo, "account.move", "read", [move], ["x_procuros_send_requested"])[0]["x_procuros_send_requested"]
    # unknown ids: load answers False, run a MissingError
    assert _post(web, "/web/action/load", {"action_id": 999999}) == (False, None)
    _, error = _post(web, "/web/action/run", {"action_id": 999999, "context": ctx})
    assert (error["name"], error["message"]) == (
        "odoo.exceptions.MissingError",
        "Record does not exist or has been deleted.\n(Record: ir.actions.server(999999,), User: 2)")
    # a window action keeps its domain as text: the web client evaluates it with active_id
    [window] = call(odoo, "ir.actions.act_window", "create", [{
        "name": "Procuros Logs", "res_model": "account.move", "view_mode": "tree,form",
        "domain": "[('partner_id', '=', active_id)]", "context": "{'search_default_x': 1}"}])
    loaded, _ = _post(web, "/web/action/load", {"action_id": window, "additional_context": active})
    assert (loaded["domain"], loaded["view_mode"], loaded["views"]) == (
        "[('partner_id', '=', active_id)]", "list,form", [[False, "list"], [False, "form"]])


def test_a_user_without_write_rights_on_the_model_cannot_run_it(sb, odoo, move_setup):
    """Not in transcript 16 (its new user got the default groups): ir.actions.server.run checks
    write access on the model before it writes as superuser (ir_actions.py, 17.0)."""
    [aid] = call(odoo, "ir.actions.server", "create", [{"name": "S", "model_id": move_setup, "state": "object_write",
                                                        "update_path": "x_procuros_send_requested"}])
    [partner] = call(odoo, "res.partner", "create", [{"name": "Kunde GmbH"}])
    [move] = call(odoo, "account.move", "create", [{"move_type": "out_invoice", "partner_id": partner}])
    call(odoo, "res.users", "create", [{"name": "Viewer", "login": "viewer", "password": "viewer-pass-1",
                                        "groups_id": [[6, 0, [1]]]}])
    web = _web(sb, "viewer", "viewer-pass-1")
    _, error = _post(web, "/web/action/run", {"action_id": aid, "context": {
        "active_id": move, "active_ids": [move], "active_model": "account.move"}})
    assert error["name"] == "odoo.exceptions.AccessError"
    assert call(odoo, "account.move", "read", [move], ["x_procuros_send_requested"])[0][
        "x_procuros_send_requested"] is False
    # an invoicing user may: the write itself is the action's (superuser), the rights are the user's
    inv = connect(sb)
    [group] = [r["res_id"] for r in call(inv, "ir.model.data", "search_read",
                                         [("module", "=", "account"), ("name", "=", "group_account_invoice")],
                                         ["res_id"])]
    call(odoo, "res.users", "create", [{"name": "Billing", "login": "billing", "password": "billing-pass-1",
                                        "groups_id": [[6, 0, [group]]]}])
    web = _web(sb, "billing", "billing-pass-1")
    assert _post(web, "/web/action/run", {"action_id": aid, "context": {
        "active_id": move, "active_ids": [move], "active_model": "account.move"}}) == (False, None)
    assert call(odoo, "account.move", "read", [move], ["x_procuros_send_requested"])[0]["x_procuros_send_requested"]
