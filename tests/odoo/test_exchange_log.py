"""The exchange log ("Procuros > Logs") against the Odoo sandbox: provisioning, bulk writes,
idempotency, reads, and who may do what."""

import hashlib
import itertools

import pytest
from conftest import DB, connect, start_sandbox

from procuros_dagster.odoo import OdooAccessError, OdooGateway, OdooRpcError, OdooValueError, SetupMissingError
from procuros_dagster.odoo.exchange_log import LOG_MODEL, MAX_REASON, ExchangeLog, LogEntry
from procuros_dagster.odoo.setup import (ACTION_XMLID, GROUP_XMLID, LOG_FIELDS, MENU_LOGS_XMLID, MENU_ROOT_XMLID,
                                         check_setup, provision)

_n = itertools.count(1)
CONNECTOR, INTERNAL, PASSWORD = "log-connector", "log-clerk", "pw-log-1"


@pytest.fixture(scope="module")
def sandbox():
    """One provisioned sandbox with a connector user and a plain internal user."""
    sb = start_sandbox()
    admin = connect(sb)
    [(_, internal)] = admin.xmlids(["base.group_user"]).values()
    admin.create("res.users", [{"name": n, "login": n, "password": PASSWORD, "groups_id": [[6, 0, [internal]]]}
                               for n in (CONNECTOR, INTERNAL)])
    provision(admin, connector_user=CONNECTOR)
    yield sb
    sb.stop()


@pytest.fixture
def admin(sandbox) -> OdooGateway:
    return connect(sandbox)


@pytest.fixture
def integration() -> str:
    """A name of its own per test, so tests sharing the sandbox do not see each other's entries."""
    return f"itest-{next(_n)}"


def login(sb, user: str) -> OdooGateway:
    return OdooGateway.connect(sb.url, DB, user, PASSWORD, timeout=10)


def invoice(integration, n=12, state="sent", reason=None, **kw) -> LogEntry:
    return LogEntry(integration=integration, movement="invoices", direction="out", document_type="INVOICE",
                    state=state, key=f"account.move,{n}", res_model="account.move", res_id=n,
                    record_name=f"INV/2026/{n:05d}", reason=reason, **kw)


def order(integration, tx, state="imported", **kw) -> LogEntry:
    return LogEntry(integration=integration, movement="sales_orders", direction="in", document_type="ORDER",
                    state=state, key=tx, transaction_id=tx, **kw)


def rows(gw, integration, fields=("x_key", "x_state", "x_attempt")):
    return gw.search_read(LOG_MODEL, [("x_integration", "=", integration)], list(fields), order="id")


# --- writing ------------------------------------------------------------------------------------------
def test_write_is_one_search_and_one_create(admin, integration):
    [partner] = admin.create("res.partner", [{"name": "Log Kunde GmbH"}])
    log = ExchangeLog(admin)
    admin.reset_counts()
    assert log.write([]) == [] and admin.rpc_count == 0
    payload = '{"invoiceNumber": "INV/2026/00012", "items": [' + ", ".join(["{}"] * 5000) + "]}"
    entries = [invoice(integration, partner_id=partner, company_id=1, payload=payload),
               order(integration, "tx-1", state="received"), order(integration, "tx-2", state="rejected",
                                                                    reason="GTIN 4300348765432 has no product in Odoo")]
    ids = log.write(entries)
    assert len(ids) == 3
    assert admin.rpc_count == 2
    assert dict(admin.call_counts) == {f"{LOG_MODEL}.search_read": 1, f"{LOG_MODEL}.create": 1}
    [inv] = admin.read(LOG_MODEL, [ids[0]], ["x_name", "display_name", "x_direction", "x_document_type",
                                             "x_movement", "x_state", "x_key", "x_res_model", "x_res_id",
                                             "x_partner_id", "x_company_id", "x_attempt", "x_payload", "x_reason",
                                             "x_reason_digest", "x_transaction_id"])
    assert inv == {"id": ids[0], "x_name": "INVOICE INV/2026/00012 sent", "display_name": "INVOICE INV/2026/00012 sent",
                   "x_direction": "out", "x_document_type": "INVOICE", "x_movement": "invoices", "x_state": "sent",
                   "x_key": "account.move,12", "x_res_model": "account.move", "x_res_id": 12,
                   "x_partner_id": [partner, "Log Kunde GmbH"], "x_company_id": [1, "My Company"], "x_attempt": 1,
                   "x_payload": payload, "x_reason": False, "x_reason_digest": False, "x_transaction_id": False}
    [rej] = admin.read(LOG_MODEL, [ids[2]], ["x_name", "x_reason", "x_reason_digest"])
    assert rej["x_name"] == "ORDER tx-2 rejected"
    assert rej["x_reason_digest"] == hashlib.sha1(b"GTIN 4300348765432 has no product in Odoo").hexdigest()[:12]


def test_a_rerun_writes_nothing_twice(admin, integration):
    log = ExchangeLog(admin)
    entries = [invoice(integration, 1), invoice(integration, 2, state="send_failed", reason="422: bad GLN"),
               order(integration, "tx-9")]
    assert len(log.write(entries)) == 3
    admin.reset_counts()
    assert log.write(entries) == []  # after a crash the flow logs the same again: nothing new
    assert dict(admin.call_counts) == {f"{LOG_MODEL}.search_read": 1}
    # the same entry twice in one call is written once
    assert len(log.write([order(integration, "tx-10"), order(integration, "tx-10")])) == 1
    assert len(rows(admin, integration)) == 4


def test_attempts_count_the_documents_entries(admin, integration):
    log = ExchangeLog(admin)
    log.write([invoice(integration, 5, state="send_failed", reason="timeout")])
    log.write([invoice(integration, 5, state="send_failed", reason="timeout")])  # same as the latest: skipped
    log.write([invoice(integration, 5, state="send_failed", reason="422: unknown GLN"),
               invoice(integration, 5, state="sent")])  # two within one call: 2 and 3
    # the first reason again, after another one: not the latest, so it is a new attempt
    log.write([invoice(integration, 5, state="send_failed", reason="timeout")])
    log.write([invoice(integration, 6, state="received"), invoice(integration, 6, state="sent")])
    assert [(r["x_key"], r["x_state"], r["x_attempt"]) for r in rows(admin, integration)] == [
        ("account.move,5", "send_failed", 1), ("account.move,5", "send_failed", 2), ("account.move,5", "sent", 3),
        ("account.move,5", "send_failed", 4), ("account.move,6", "received", 1), ("account.move,6", "sent", 2)]
    # another movement or integration with the same key is another document
    other = LogEntry(integration=integration, movement="credit_notes", direction="out", document_type="CREDIT_NOTE",
                     state="sent", key="account.move,5")
    [oid] = log.write([other])
    assert admin.read(LOG_MODEL, [oid], ["x_attempt"])[0]["x_attempt"] == 1


def test_long_reasons_are_cut_the_payload_is_kept(admin, integration):
    reason = "Procuros answered 422: " + "x" * 5000
    [rid] = ExchangeLog(admin).write([invoice(integration, reason=reason, state="send_failed",
                                              payload="{" + " " * 100_000 + "}")])
    [r] = admin.read(LOG_MODEL, [rid], ["x_reason", "x_reason_digest", "x_payload"])
    assert len(r["x_reason"]) == MAX_REASON and r["x_reason"].startswith("Procuros answered 422: xxx")
    assert r["x_reason"].endswith("[...]")
    assert r["x_reason_digest"] == hashlib.sha1(reason.encode()).hexdigest()[:12]  # of the whole reason
    assert len(r["x_payload"]) == 100_002


def test_bad_values_are_refused_before_any_call(admin, integration):
    admin.reset_counts()
    with pytest.raises(OdooValueError, match="state 'done'"):
        ExchangeLog(admin).write([invoice(integration), invoice(integration, state="done")])
    with pytest.raises(OdooValueError, match="document_type"):
        ExchangeLog(admin).write([LogEntry(integration, "invoices", "out", "INVOIC", "sent", "account.move,1")])
    assert admin.rpc_count == 0


# --- reading --------------------------------------------------------------------------------------------
def test_latest_entry_per_key(admin, integration):
    log = ExchangeLog(admin)
    log.write([order(integration, "tx-a", state="received"), order(integration, "tx-b", state="received")])
    log.write([order(integration, "tx-a", state="imported")])
    admin.reset_counts()
    got = log.latest(integration, "sales_orders", ["tx-a", "tx-b", "tx-unknown"])
    assert admin.rpc_count == 1
    assert {k: (v["x_state"], v["x_attempt"]) for k, v in got.items()} == {"tx-a": ("imported", 2),
                                                                          "tx-b": ("received", 1)}
    assert got["tx-a"]["x_name"] == "ORDER tx-a imported"
    assert log.latest(integration, "invoices", ["tx-a"]) == {}  # another movement
    admin.reset_counts()
    assert log.latest(integration, "sales_orders", []) == {} and admin.rpc_count == 0


def test_logged_tells_which_failures_were_reported(admin, integration):
    log = ExchangeLog(admin)
    log.write([invoice(integration, 1, state="reported", reason="GLN 4000000000001 unknown"),
               invoice(integration, 2, state="send_failed", reason="timeout")])
    log.write([invoice(integration, 1, state="sent")])  # reported earlier, sent since: still "ever logged"
    admin.reset_counts()
    asked = [("account.move,1", "reported", "GLN 4000000000001 unknown"),
             ("account.move,1", "reported", "another reason"),
             ("account.move,2", "reported", "timeout"),
             ("account.move,2", "send_failed", "timeout"),
             ("account.move,3", "sent", None)]
    assert log.logged(integration, "invoices", asked) == {asked[0], asked[3]}
    assert admin.rpc_count == 1
    assert log.logged(integration, "invoices", [("account.move,1", "sent", None)]) == {("account.move,1", "sent", None)}
    assert log.logged(integration, "invoices", []) == set()


def test_failed_record_ids_is_the_retry_list(admin, integration):
    log = ExchangeLog(admin)
    log.write([invoice(integration, 1, state="send_failed", reason="timeout"),
               invoice(integration, 2, state="send_failed", reason="timeout"),
               invoice(integration, 3, state="reported", reason="422"),
               invoice(integration, 4, state="sent"),
               invoice(integration, 5, state="rejected", reason="not a retry state")])
    log.write([invoice(integration, 2, state="sent")])  # sent on the next try: off the list
    log.write([LogEntry(integration, "credit_notes", "out", "CREDIT_NOTE", "send_failed", "account.move,7",
                        res_model="account.move", res_id=7, reason="x")])  # another movement
    admin.reset_counts()
    assert log.failed_record_ids(integration, "invoices", "account.move") == [1, 3]
    assert admin.rpc_count == 2
    assert log.failed_record_ids(integration, "invoices", "stock.picking") == []
    assert log.failed_record_ids(integration, "credit_notes", "account.move") == [7]


# --- rights ---------------------------------------------------------------------------------------------
def test_the_connector_user_writes_and_reads_an_internal_user_only_reads(sandbox, admin, integration):
    connector = login(sandbox, CONNECTOR)
    groups = connector.read("res.users", [connector.uid], ["groups_id"])[0]["groups_id"]
    [(_, gid)] = admin.xmlids([GROUP_XMLID]).values()
    assert gid in groups and not set(groups) & {g for _, g in admin.xmlids(["base.group_system"]).values()}
    log = ExchangeLog(connector)
    [rid] = log.write([invoice(integration, 8, state="send_failed", reason="timeout")])
    assert log.failed_record_ids(integration, "invoices", "account.move") == [8]
    assert log.latest(integration, "invoices", ["account.move,8"])["account.move,8"]["x_attempt"] == 1
    with pytest.raises(OdooAccessError, match="not allowed to delete"):
        connector.unlink(LOG_MODEL, [rid])

    clerk = login(sandbox, INTERNAL)
    assert ExchangeLog(clerk).latest(integration, "invoices", ["account.move,8"])["account.move,8"]["id"] == rid
    with pytest.raises(OdooAccessError, match=r"not allowed to create 'Procuros Log' \(x_procuros_log\)"):
        ExchangeLog(clerk).write([invoice(integration, 9)])
    with pytest.raises(OdooAccessError, match="not allowed to modify"):
        clerk.write(LOG_MODEL, [rid], {"x_state": "sent"})
    assert admin.unlink(LOG_MODEL, [rid]) is True  # administrators (Settings) may clean up


def test_a_user_without_the_group_gets_the_remedy_in_the_error(sandbox, admin, integration):
    # a plain internal user as the connector's login: the access error names the group and the command
    clerk = login(sandbox, INTERNAL)
    with pytest.raises(OdooAccessError) as exc:
        ExchangeLog(clerk).write([invoice(integration)])
    assert "Procuros connector" in str(exc.value) and f"--connector-user {INTERNAL}" in str(exc.value)


# --- provisioning -----------------------------------------------------------------------------------------
TECHNICAL = ("ir.model", "ir.model.fields", "ir.model.fields.selection", "ir.ui.view", "ir.actions.act_window",
             "ir.ui.menu", "ir.model.access", "ir.model.data", "res.groups")


def counts(gw):
    return {m: gw.search_count(m, []) for m in TECHNICAL}


def test_provision_twice_creates_nothing_the_second_time(fresh_sandbox):
    gw = connect(fresh_sandbox)
    first = provision(gw)
    assert first.models_created == ["x_procuros_log (Procuros Log)"]
    assert {"action Logs", "menu Procuros", "menu Procuros/Logs"} <= set(first.records_created)
    assert "models created: x_procuros_log (Procuros Log)" in str(first)
    before = counts(gw)
    second = provision(gw)
    assert not second.changed, str(second)
    assert counts(gw) == before


def test_the_menu_opens_the_action_which_shows_the_log_views(sandbox, admin):
    refs = admin.xmlids([ACTION_XMLID, MENU_ROOT_XMLID, MENU_LOGS_XMLID, "procuros.view_procuros_log_tree",
                         "procuros.view_procuros_log_form", "procuros.view_procuros_log_search"])
    ids = {x: rid for x, (_, rid) in refs.items()}
    [action] = admin.read("ir.actions.act_window", [ids[ACTION_XMLID]],
                          ["name", "res_model", "view_mode", "view_id", "search_view_id", "xml_id"])
    assert action["res_model"] == LOG_MODEL and action["view_mode"] == "tree,form"
    assert action["view_id"][0] == ids["procuros.view_procuros_log_tree"]
    assert action["search_view_id"][0] == ids["procuros.view_procuros_log_search"]
    assert action["xml_id"] == ACTION_XMLID
    root, logs = admin.read("ir.ui.menu", [ids[MENU_ROOT_XMLID], ids[MENU_LOGS_XMLID]],
                            ["parent_id", "complete_name", "action", "child_id"])
    assert root["parent_id"] is False and root["complete_name"] == "Procuros" and logs["id"] in root["child_id"]
    assert logs["complete_name"] == "Procuros/Logs" and logs["parent_id"][0] == root["id"]
    assert logs["action"] == f"ir.actions.act_window,{action['id']}"
    views = admin.read("ir.ui.view", [ids[f"procuros.view_procuros_log_{t}"] for t in ("tree", "form", "search")],
                       ["model", "type", "mode", "arch"])
    assert [(v["model"], v["type"], v["mode"]) for v in views] == [(LOG_MODEL, t, "primary")
                                                                   for t in ("tree", "form", "search")]
    tree, form, search = (v["arch"] for v in views)
    assert 'default_order="id desc"' in tree and "decoration-danger" in tree and 'name="x_reason"' in tree
    # Odoo serialises the arch again: the tag written over three lines reads back on one
    assert tree.startswith('<tree string="Procuros Logs" default_order="id desc" create="false" decoration-danger=')
    assert all(f'name="{f.name}"' in form for f in LOG_FIELDS if f.name != "x_name") and "<notebook>" in form
    assert form.index('name="payload"') < form.index('name="x_payload"')  # the payload has its own page
    for needle in ("name=\"received\"", "name=\"sent\"", "name=\"failed\"", "'rejected', 'send_failed', 'reported'",
                   "'group_by': 'x_document_type'", "'group_by': 'x_state'", "'group_by': 'x_partner_id'",
                   "'group_by': 'x_integration'", "'group_by': 'create_date:day'"):
        assert needle in search, needle
    # the labels users read, as Odoo serves them to the web client
    info = admin.call(LOG_MODEL, "fields_get", [], {"attributes": ["string", "selection", "type", "relation"]})
    assert info["x_state"]["selection"] == [
        ["received", "Received"], ["imported", "Imported"], ["rejected", "Rejected"], ["sent", "Sent"],
        ["send_failed", "Send failed"], ["reported", "Reported to Procuros"], ["skipped", "Set aside"],
        ["changed_after_sending", "Changed after sending"]]
    assert info["x_direction"]["selection"] == [["in", "Received"], ["out", "Sent"]]
    assert info["x_document_type"]["selection"][2] == ["SHIPPING_NOTICE", "Shipping notice"]
    assert info["x_partner_id"]["relation"] == "res.partner" and info["x_company_id"]["relation"] == "res.company"
    [key] = admin.search_read("ir.model.fields", [("model", "=", LOG_MODEL), ("name", "=", "x_key")], ["index"])
    assert key["index"] is True
    # access rows: internal users read, the connector group adds, Settings may do everything
    acl = admin.search_read("ir.model.access", [("model_id.model", "=", LOG_MODEL)],
                            ["group_id", "perm_read", "perm_write", "perm_create", "perm_unlink"])
    perms = {r["group_id"][1]: (r["perm_read"], r["perm_write"], r["perm_create"], r["perm_unlink"]) for r in acl}
    assert perms == {"User types / Internal User": (True, False, False, False),
                     "Procuros connector": (True, True, True, False),
                     "Administration / Settings": (True, True, True, True)}


def test_an_older_log_model_gets_the_missing_fields(fresh_sandbox):
    gw = connect(fresh_sandbox)
    # what an earlier setup made: fewer fields, a state list without "skipped", no views or menus
    gw.create("ir.model", [{"name": "Procuros Log", "model": LOG_MODEL, "field_id": [
        [0, 0, {"name": "x_name", "ttype": "char", "field_description": "Name", "required": True}],
        [0, 0, {"name": "x_integration", "ttype": "char", "field_description": "Integration"}],
        [0, 0, {"name": "x_state", "ttype": "selection", "field_description": "State",
                "selection": "[('received', 'Received'), ('sent', 'Sent')]"}]]}])
    with pytest.raises(SetupMissingError) as exc:
        check_setup(gw)
    assert "x_procuros_log.x_attempt" in str(exc.value) and "the log model" not in str(exc.value)
    report = provision(gw)
    assert report.models_created == []
    assert {"x_procuros_log.x_attempt", "x_procuros_log.x_payload", "x_procuros_log.x_partner_id"} <= set(
        report.fields_created)
    assert "x_procuros_log.x_name" not in report.fields_created
    assert "x_procuros_log.x_state" in report.fields_updated
    sel = gw.call(LOG_MODEL, "fields_get", [["x_state"]], {"attributes": ["selection"]})["x_state"]["selection"]
    assert [k for k, _ in sel] == ["received", "imported", "rejected", "sent", "send_failed", "reported", "skipped",
                                   "changed_after_sending"]
    check_setup(gw)
    [rid] = ExchangeLog(gw).write([invoice("old", state="skipped")])
    assert not provision(gw).changed
    assert gw.read(LOG_MODEL, [rid], ["x_state"])[0]["x_state"] == "skipped"


def test_check_setup_reports_the_missing_log_model(fresh_sandbox):
    gw = connect(fresh_sandbox)
    gw.reset_counts()
    with pytest.raises(SetupMissingError) as exc:
        check_setup(gw)
    assert gw.rpc_count == 1
    assert "the log model x_procuros_log ('Procuros Log')" in str(exc.value)
    assert "x_procuros_log.x_key" not in str(exc.value)  # the model is named, not its eighteen fields
    provision(gw)
    gw.reset_counts()
    check_setup(gw)
    assert gw.rpc_count == 1


def test_a_log_model_field_of_another_type_stops_provision(fresh_sandbox):
    gw = connect(fresh_sandbox)
    gw.create("ir.model", [{"name": "Procuros Log", "model": LOG_MODEL, "field_id": [
        [0, 0, {"name": "x_name", "ttype": "char", "field_description": "Name"}],
        [0, 0, {"name": "x_partner_id", "ttype": "many2one", "relation": "res.users", "field_description": "P"}]]}])
    with pytest.raises(Exception, match="x_partner_id exists as many2one to res.users, expected many2one to res.partner"):
        provision(gw)


def test_the_sandbox_refuses_a_log_view_naming_an_unknown_field(sandbox, admin):
    # the messages a real Odoo 17 gave for these two archs (bringup.sh; no transcript records views)
    with pytest.raises(OdooRpcError) as exc:
        admin.create("ir.ui.view", [{"name": "bad", "model": LOG_MODEL, "arch": '<tree><field name="x_bogus"/></tree>'}])
    assert exc.value.name == "odoo.exceptions.ValidationError"
    assert exc.value.message == ('Error while validating view near:\n\n<tree __validate__="1"><field name="x_bogus"/>'
                                 '</tree>\nField "x_bogus" does not exist in model "x_procuros_log"')
    with pytest.raises(OdooRpcError) as exc:
        admin.create("ir.ui.view", [{"name": "bad", "model": LOG_MODEL, "arch":
                                     "<search><filter name='g' context=\"{'group_by': 'x_nope'}\"/></search>"}])
    assert exc.value.message == (
        "Error while validating view near:\n\n<search __validate__=\"1\"><filter name=\"g\" "
        "context=\"{'group_by': 'x_nope'}\"/></search>\n"
        "Unknown field \"x_nope\" in \"group_by\" value in context=\"{'group_by': 'x_nope'}\"")


def test_a_settled_document_keeps_its_first_entry_whatever_the_rerun_knows(admin, integration):
    log = ExchangeLog(admin)
    assert len(log.write([order(integration, "tx-s", reason="confirmed with the supplier's changes: line 1")])) == 1
    # found already imported by a rerun: it no longer knows what was changed, the first entry stands
    assert log.write([order(integration, "tx-s")], settled=["tx-s"]) == []
    # a settled document without an entry yet (a crash before the Logs) still gets one
    assert len(log.write([order(integration, "tx-t")], settled=["tx-t"])) == 1
    # a different state is never settled
    assert len(log.write([order(integration, "tx-s", state="rejected", reason="x")], settled=["tx-s"])) == 1
