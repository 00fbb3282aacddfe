"""Access rights of non-admin users in the Odoo sandbox (as transcript 13 records them)."""
from __future__ import annotations

import httpx
import odoorpc
import pytest

from procuros_dagster.sandbox.odoo import OdooSandbox

from .rpc import connect, call, rpc_error

# base.group_user, Sales / User: All Documents, Inventory / User, Invoicing / Billing
CONNECTOR_GROUPS = [1, 22, 37, 26]
GROUP_INFO = "\n\nThis operation is allowed for the following groups:\n"
CONTACT = "\n\nContact your administrator to request access if necessary."


@pytest.fixture()
def setup(sb, admin):
    """A connector user with the recorded groups, a customer, a consumable and a storable product."""
    uid = call(admin, "res.users", "create", {"name": "Rec Connector", "login": "rec_connector",
                                              "password": "pw", "groups_id": [[6, 0, CONNECTOR_GROUPS]]})
    cust = call(admin, "res.partner", "create", {"name": "Rec Access Kunde GmbH", "is_company": True})
    consu = call(admin, "product.product", "create", {"name": "Consu", "default_code": "C1", "type": "consu",
                                                      "list_price": 15.0})
    storable = call(admin, "product.product", "create", {"name": "Stock", "default_code": "S1", "type": "product"})
    return {"uid": uid, "cust": cust, "consu": consu, "storable": storable, "user": connect(sb, "rec_connector", "pw")}


def denied(mode: str, kind: str, model: str, *groups: str) -> str:
    head = {"read": "access", "write": "modify", "create": "create", "unlink": "delete"}[mode]
    listed = "\n".join(f"\t- {g}" for g in groups)
    return f"You are not allowed to {head} '{kind}' ({model}) records.{GROUP_INFO}{listed}{CONTACT}"


def test_user_groups_include_implied_groups_in_name_order(admin, setup):
    [user] = call(admin, "res.users", "read", [setup["uid"]], fields=["groups_id", "share", "company_id", "partner_id"])
    assert user["groups_id"] == [26, 1, 13, 6, 53, 7, 37, 22, 21]
    assert user["share"] is False and user["company_id"][0] == 1
    assert user["partner_id"][1] == "Rec Connector"
    names = call(admin, "res.groups", "read", user["groups_id"], fields=["full_name"])
    assert [n["full_name"] for n in names][:3] == ["Invoicing / Billing", "User types / Internal User",
                                                   "Technical / Mail Template Editor"]
    # group ids are found through their xml ids
    [imd] = call(admin, "ir.model.data", "search_read", [["module", "=", "stock"], ["name", "=", "group_stock_user"]],
                 fields=["model", "res_id"])
    assert (imd["model"], imd["res_id"]) == ("res.groups", 37)


def test_user_logs_in_with_own_password_only(sb, setup):
    user = setup["user"]
    assert user.env.uid == setup["uid"]
    assert call(user, "res.users", "context_get") == {"lang": "en_US", "tz": False, "uid": setup["uid"]}
    r = httpx.post(sb.url + "/web/session/authenticate", json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
        "db": "procuros", "login": "rec_connector", "password": "pw"}})
    info = r.json()["result"]
    assert (info["uid"], info["username"], info["is_admin"], info["name"]) == (
        setup["uid"], "rec_connector", False, "Rec Connector")
    bad = httpx.post(sb.url + "/web/session/authenticate", json={"jsonrpc": "2.0", "method": "call", "id": 2, "params": {
        "db": "procuros", "login": "rec_connector", "password": "admin"}}).json()
    assert bad["error"]["data"]["name"] == "odoo.exceptions.AccessDenied"
    # a new password replaces the old one
    assert call(connect(sb, "admin", "admin"), "res.users", "write", [setup["uid"]], {"password": "new"}) is True
    assert connect(sb, "rec_connector", "new").env.uid == setup["uid"]
    with pytest.raises(odoorpc.error.Error):
        connect(sb, "rec_connector", "pw")
    # execute_kw with another user's password is refused
    r = httpx.post(sb.url + "/jsonrpc", json={"jsonrpc": "2.0", "method": "call", "id": 3, "params": {
        "service": "object", "method": "execute_kw",
        "args": ["procuros", setup["uid"], "admin", "res.partner", "search_count", [[]], {}]}}).json()
    assert r["error"]["data"]["name"] == "odoo.exceptions.AccessDenied"


def test_what_the_connector_user_may_do(admin, setup):
    user, cust = setup["user"], setup["cust"]
    assert call(user, "res.partner", "search_read", [["id", "=", cust]], fields=["name"])[0]["name"] == \
        "Rec Access Kunde GmbH"
    assert call(user, "ir.model.data", "check_object_reference", "uom", "product_uom_dozen") == ["uom.uom", 2]
    so = call(user, "sale.order", "create", {"partner_id": cust, "order_line": [
        [0, 0, {"product_id": setup["consu"], "product_uom_qty": 3, "price_unit": 15.0}]]})
    assert call(user, "sale.order", "read", [so], fields=["user_id"])[0]["user_id"] == [setup["uid"], "Rec Connector"]
    msg = call(user, "mail.message", "create", {"model": "sale.order", "res_id": so, "body": "hello",
                                                 "message_type": "comment"})
    [m] = call(user, "mail.message", "read", [msg], fields=["author_id", "subtype_id"])
    assert m["author_id"][1] == "Rec Connector" and m["subtype_id"] is False
    assert call(user, "sale.order", "message_post", [so], body="posted", message_type="comment",
                subtype_xmlid="mail.mt_note") == msg + 1
    assert call(user, "sale.order", "action_confirm", [so]) is True
    assert call(user, "res.company", "read", [1], fields=["name"])[0]["name"] == "My Company"
    assert call(user, "purchase.order", "search_read", [], fields=["name"]) == []  # reading is allowed
    assert len(call(user, "res.users", "read", [2], fields=["groups_id"])[0]["groups_id"]) == 21


def test_what_the_connector_user_may_not_do(setup):
    user = setup["user"]
    admin_rights = "Administration/Access Rights"
    assert rpc_error(user, "ir.model.data", "search_read", [["module", "=", "uom"]]) == (
        "odoo.exceptions.AccessError", denied("read", "Model Data", "ir.model.data", admin_rights))
    assert rpc_error(user, "ir.model.data", "create", {"module": "procuros", "name": "x", "model": "sale.order",
                                                       "res_id": 1}) == (
        "odoo.exceptions.AccessError", denied("create", "Model Data", "ir.model.data", admin_rights))
    assert rpc_error(user, "ir.model", "search_read", [["model", "=", "sale.order"]])[1] == \
        denied("read", "Models", "ir.model", admin_rights)
    # ir.model.fields.create reads the model first: the error is about ir.model
    assert rpc_error(user, "ir.model.fields", "create", {"model_id": 1, "name": "x_uuid", "ttype": "char",
                                                         "field_description": "UUID"})[1] == \
        denied("read", "Models", "ir.model", admin_rights)
    assert rpc_error(user, "res.company", "write", [1], {"phone": "1"})[1] == \
        denied("write", "Companies", "res.company", admin_rights)
    assert rpc_error(user, "res.partner", "create", {"name": "Lieferadresse", "type": "delivery",
                                                     "parent_id": setup["cust"]})[1] == denied(
        "create", "Contact", "res.partner", "Extra Rights/Contact Creation", "Inventory/Administrator",
        "Purchase/Administrator", "Sales/Administrator")
    assert rpc_error(user, "product.product", "create", {"name": "New"})[1] == denied(
        "create", "Product Variant", "product.product", "Administration/Settings", "Inventory/Administrator",
        "Invoicing/Billing Administrator", "Purchase/Administrator", "Sales/Administrator")
    assert rpc_error(user, "purchase.order", "create", {"partner_id": setup["cust"]})[1] == denied(
        "create", "Purchase Order", "purchase.order", "Purchase/Administrator", "Purchase/User")
    assert rpc_error(user, "ir.model.data", "xmlid_to_res_id", "uom.product_uom_dozen") == (
        "builtins.AttributeError", "The method 'xmlid_to_res_id' does not exist on the model 'ir.model.data'")


def test_inventory_adjustment_needs_a_stock_manager(admin, setup):
    user, ctx = setup["user"], {"inventory_mode": True}
    assert rpc_error(user, "stock.quant", "create", {"product_id": setup["consu"], "location_id": 8,
                                                     "inventory_quantity": 10}, context=ctx) == (
        "odoo.exceptions.ValidationError", "Quants cannot be created for consumables or services.")
    quant = call(user, "stock.quant", "create", {"product_id": setup["storable"], "location_id": 8,
                                                 "inventory_quantity": 10}, context=ctx)
    assert rpc_error(user, "stock.quant", "action_apply_inventory", [quant], context=ctx) == (
        "odoo.exceptions.UserError", "Only a stock manager can validate an inventory adjustment.")
    [q] = call(user, "stock.quant", "read", [quant], fields=["quantity", "inventory_quantity", "inventory_quantity_set"])
    assert (q["quantity"], q["inventory_quantity"], q["inventory_quantity_set"]) == (0.0, 10.0, True)
    assert call(admin, "stock.quant", "action_apply_inventory", [quant], context=ctx) is None  # the admin may


def test_access_error_in_german_once_installed(admin, setup):
    wiz = call(admin, "base.language.install", "create", {"lang_ids": [[6, 0, [32]]], "overwrite": False})
    call(admin, "base.language.install", "lang_install", [wiz])
    name, msg = rpc_error(setup["user"], "ir.model.data", "create", {"module": "procuros", "name": "x"},
                          context={"lang": "de_DE"})
    assert msg == ("Sie sind nicht berechtigt „Modelldaten“-Datensätze (ir.model.data) zu erstellen.\n\n"
                   "Dieser Vorgang ist für die folgenden Gruppen erlaubt:\n\t- Administration/Zugriffsrechte\n\n"
                   "Wenden Sie sich gegebenenfalls an Ihren Administrator, um den Zugang zu beantragen.")
    # with German installed, Odoo's SQL orders the group list by the German category names
    assert rpc_error(setup["user"], "res.partner", "create", {"name": "X"})[1] == denied(
        "create", "Contact", "res.partner", "Purchase/Administrator", "Extra Rights/Contact Creation",
        "Inventory/Administrator", "Sales/Administrator")


def test_access_rows_created_over_rpc_grant_exactly_their_rights(sb, admin):
    """A new group with ir.model.access rows: its users may do what the rows grant, nothing more."""
    group = call(admin, "res.groups", "create", {"name": "Procuros connector"})
    [imd_model] = call(admin, "ir.model", "search", [["model", "=", "ir.model.data"]])
    call(admin, "ir.model.access", "create", {"name": "procuros imd", "model_id": imd_model, "group_id": group,
                                              "perm_read": True, "perm_create": True})
    uid = call(admin, "res.users", "create", {"name": "Limited", "login": "limited", "password": "pw",
                                              "groups_id": [[6, 0, [1, group]]]})
    user = connect(sb, "limited", "pw")
    assert call(user, "ir.model.data", "search_count", [["module", "=", "uom"]]) > 0
    rid = call(user, "ir.model.data", "create", {"module": "procuros", "name": "order_1", "model": "sale.order",
                                                 "res_id": 1, "noupdate": True})
    assert rpc_error(user, "ir.model.data", "write", [rid], {"noupdate": False})[1] == denied(
        "write", "Model Data", "ir.model.data", "Administration/Access Rights")
    assert rpc_error(user, "ir.model.data", "unlink", [rid])[0] == "odoo.exceptions.AccessError"
    assert rpc_error(user, "sale.order", "search_read", [])[1].startswith(
        "You are not allowed to access 'Sales Order' (sale.order) records.")
    assert call(user, "res.users", "read", [uid], fields=["login"]) == [{"id": uid, "login": "limited"}]
    # archiving the row takes the right away
    [row] = call(admin, "ir.model.access", "search", [["group_id", "=", group]])
    call(admin, "ir.model.access", "write", [row], {"active": False})
    assert rpc_error(user, "ir.model.data", "search_count", [])[0] == "odoo.exceptions.AccessError"


def test_a_new_order_logs_its_creation_by_the_creating_user(setup):
    user = setup["user"]
    so = call(user, "sale.order", "create", {"partner_id": setup["cust"]})
    assert call(user, "mail.message", "search_read", [["model", "=", "sale.order"], ["res_id", "=", so]],
                fields=["body", "message_type", "subtype_id", "author_id"]) == [
        {"id": call(user, "mail.message", "search", [["res_id", "=", so]])[0], "body": "<p>Sales Order created</p>",
         "message_type": "notification", "subtype_id": [2, "Note"], "author_id": [
             call(user, "res.users", "read", [setup["uid"]], fields=["partner_id"])[0]["partner_id"][0],
             "Rec Connector"]}]
    quiet = call(user, "sale.order", "create", {"partner_id": setup["cust"]}, context={"mail_create_nolog": True})
    assert call(user, "mail.message", "search_count", [["model", "=", "sale.order"], ["res_id", "=", quiet]]) == 0


def test_a_sandbox_with_its_own_admin_login():
    with OdooSandbox(login="boss", password="s3cret") as sandbox:
        boss = connect(sandbox, "boss", "s3cret")
        assert boss.env.uid == 2 and call(boss, "ir.model.data", "search_count", []) > 0
        r = httpx.post(sandbox.url + "/web/session/authenticate", json={"jsonrpc": "2.0", "method": "call", "id": 1,
                                                                        "params": {"db": "procuros", "login": "boss",
                                                                                   "password": "s3cret"}})
        assert (r.json()["result"]["uid"], r.json()["result"]["username"]) == (2, "boss")
        with pytest.raises(odoorpc.error.Error):
            connect(sandbox, "admin", "admin")
