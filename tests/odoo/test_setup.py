"""Provisioning of fields, unit codes and views; idempotence; check_setup; the command line."""

import pytest
from conftest import DB, LOGIN, PASSWORD, connect

from procuros_dagster.odoo import SetupMissingError
from procuros_dagster.odoo.setup import FIELDS, check_setup, main, provision


def standard_forms(gw):
    """Odoo's partner and UoM forms under their real external ids. A real Odoo 17 always has them;
    the sandbox's baseline has no ir.ui.view records (gap reported), so add them when missing."""
    have = gw.xmlids(["base.view_partner_form", "uom.product_uom_form_view"])
    for xmlid, model, arch in (
        ("base.view_partner_form", "res.partner",
         "<form><notebook><page name='sales_purchases'><group/></page></notebook></form>"),
        ("uom.product_uom_form_view", "uom.uom", "<form><field name='name'/><field name='category_id'/></form>"),
    ):
        if xmlid not in have:
            [vid] = gw.create("ir.ui.view", [{"name": xmlid, "model": model, "arch": arch, "type": "form",
                                               "mode": "primary", "priority": 16}])
            module, name = xmlid.split(".")
            gw.create("ir.model.data", [{"module": module, "name": name, "model": "ir.ui.view", "res_id": vid}])


def test_provision_then_nothing_to_do(fresh_sandbox):
    gw = connect(fresh_sandbox)
    standard_forms(gw)
    gw.reset_counts()
    with pytest.raises(SetupMissingError) as exc:
        check_setup(gw)
    assert gw.rpc_count == 1
    msg = str(exc.value)
    assert fresh_sandbox.url in msg and "x_procuros_unit_code" in msg and "setup_odoo" in msg

    first = provision(gw)
    assert len(first.fields_created) == len(FIELDS)
    assert set(first.views_created) == {"procuros.view_partner_form_procuros", "procuros.view_uom_form_procuros",
                                        "procuros.view_procuros_log_tree", "procuros.view_procuros_log_form",
                                        "procuros.view_procuros_log_search", "procuros.view_picking_form_procuros",
                                        "procuros.view_move_form_procuros", "procuros.view_purchase_order_form_procuros"}
    assert first.models_created == ["x_procuros_log (Procuros Log)"]
    assert first.units_set["Units"] == "EA" and first.units_set["kg"] == "KGM" and "Dozens" not in first.units_set
    assert first.changed

    gw.reset_counts()
    check_setup(gw)
    assert gw.rpc_count == 1

    second = provision(gw)
    assert not second.changed, str(second)
    assert "nothing to do" in str(second)

    # the fields exist with the right types; the selection carries the Procuros codes
    rows = gw.search_read("ir.model.fields", [("name", "=like", "x_procuros_%")],
                          ["model", "name", "ttype", "state", "selection", "index"])
    by_key = {(r["model"], r["name"]): r for r in rows}
    unit = by_key[("uom.uom", "x_procuros_unit_code")]
    assert unit["ttype"] == "selection" and unit["state"] == "manual" and "'KGM'" in unit["selection"]
    assert by_key[("account.move", "x_procuros_transaction_id")]["index"] is True
    # users can now set the switches and unit codes on Odoo's own records
    [pid] = gw.create("res.partner", [{"name": "EDI customer", "x_procuros_send_invoice": True}])
    assert gw.read("res.partner", [pid], ["x_procuros_send_invoice"])[0]["x_procuros_send_invoice"] is True
    # the inherited views are bound under procuros.* and point at Odoo's forms
    views = gw.find_bindings(["view_partner_form_procuros", "view_uom_form_procuros"])
    [v] = gw.read("ir.ui.view", [views["view_partner_form_procuros"][1]], ["inherit_id", "arch", "model"])
    assert v["model"] == "res.partner" and "sales_purchases" in v["arch"] and "x_procuros_send_shipping_notice" in v["arch"]
    base = gw.resolve("res.company", ["base.main_company"])  # smoke: lookups still work after setup
    assert base


def test_users_unit_codes_win_and_views_are_repaired(fresh_sandbox):
    gw = connect(fresh_sandbox)
    standard_forms(gw)
    provision(gw)
    gw.write("uom.uom", [1], {"x_procuros_unit_code": "PCK"})
    [view_id] = [rid for _, rid in gw.find_bindings(["view_uom_form_procuros"]).values()]
    gw.write("ir.ui.view", [view_id], {"arch": "<data/>"})
    report = provision(gw)
    assert report.units_set == {} and report.views_updated == ["procuros.view_uom_form_procuros"]
    assert report.views_created == []
    assert gw.read("uom.uom", [1], ["x_procuros_unit_code"])[0]["x_procuros_unit_code"] == "PCK"
    assert "x_procuros_unit_code" in gw.read("ir.ui.view", [view_id], ["arch"])[0]["arch"]


def test_command_line(fresh_sandbox, monkeypatch, capsys):
    for k, v in {"ODOO_URL": fresh_sandbox.url, "ODOO_DB": DB, "ODOO_USERNAME": LOGIN,
                 "ODOO_PASSWORD": PASSWORD}.items():
        monkeypatch.setenv(k, v)
    standard_forms(connect(fresh_sandbox))
    assert main(["--check"]) == 1
    assert "lacks the Procuros fields" in capsys.readouterr().err
    assert main([]) == 0
    assert "fields created" in capsys.readouterr().out
    assert main(["--check"]) == 0


def test_a_logs_model_from_before_gets_the_new_state(fresh_sandbox):
    """A Logs model provisioned by an older version lacks "Changed after sending" (purchase orders
    out): provisioning adds the selection value to the existing field, once, and keeps the entries."""
    from procuros_dagster.odoo.errors import OdooError
    from procuros_dagster.odoo.exchange_log import LOG_MODEL, STATES

    gw = connect(fresh_sandbox)
    standard_forms(gw)
    provision(gw)
    [state_field] = gw.search_read("ir.model.fields", [("model", "=", LOG_MODEL), ("name", "=", "x_state")], ["id"])
    older = [list(p) for p in STATES if p[0] != "changed_after_sending"]
    gw.write("ir.model.fields", [state_field["id"]], {"selection": repr(older)})
    [kept] = gw.create(LOG_MODEL, [{"x_name": "ORDER P00001 sent", "x_state": "sent", "x_key": "purchase.order,1"}])
    with pytest.raises(OdooError, match="changed_after_sending"):
        gw.create(LOG_MODEL, [{"x_name": "ORDER P00001 changed", "x_state": "changed_after_sending", "x_key": "k"}])

    report = provision(gw)
    assert report.fields_updated == [f"{LOG_MODEL}.x_state"]
    [row] = gw.read("ir.model.fields", [state_field["id"]], ["selection"])
    assert "('changed_after_sending', 'Changed after sending')" in row["selection"]
    [new] = gw.create(LOG_MODEL, [{"x_name": "ORDER P00001 changed after sending", "x_state": "changed_after_sending",
                                   "x_key": "purchase.order,1"}])
    assert gw.read(LOG_MODEL, [kept, new], ["x_state"]) == [{"id": kept, "x_state": "sent"},
                                                           {"id": new, "x_state": "changed_after_sending"}]
    assert not provision(gw).changed
