"""Two integrations in one deployment: two companies in one Odoo, two accounts at Procuros.

Each integration imports only its own account's orders into its own company, binds and logs them
under its own key, and sends only its own customers' documents through its own account.
"""

from __future__ import annotations

import pytest

from procuros_dagster.defs.build import build_definitions
from procuros_dagster.sandbox import demo_data as dd
from procuros_dagster.settings import load_settings

AT_TOKEN = "e2e-second-account-token-4b1d"
AT_GLN = "4012345000016"  # the second company's own GLN at Procuros

SETTINGS = """
integrations:
  default:  # the integration of the single-integration setup this deployment started with
    connector: Procuros Connector
    token_env: PROCUROS_API_TOKEN
    gln_env: PROCUROS_GLN
  at:
    connector: Procuros AT
    company: Nordwind Austria GmbH
    token_env: PROCUROS_TOKEN_AT
    gln: "{gln}"
"""


@pytest.fixture
def two(stack, tmp_path, monkeypatch):
    gw = stack.gateway
    austria = gw.create("res.company", [{"name": "Nordwind Austria GmbH"}])[0]
    [at_buyer] = gw.create("res.partner", [{
        "name": "Wiener Feinkost GmbH", "is_company": True, "ref": "4012345000023",
        "x_procuros_connector": "Procuros AT", "x_procuros_send_invoice": True,
        "x_procuros_send_shipping_notice": True}])
    account = stack.procuros.add_account(AT_TOKEN, AT_GLN)
    stack.procuros.known_parties = stack.procuros.known_parties | {"4012345000023", AT_GLN}
    path = tmp_path / "settings.yaml"
    path.write_text(SETTINGS.format(gln=AT_GLN))
    monkeypatch.setenv("PROCUROS_DAGSTER_SETTINGS", str(path))
    monkeypatch.setenv("PROCUROS_TOKEN_AT", AT_TOKEN)
    stack.defs = build_definitions(load_settings())
    return account, austria, at_buyer


def _at_order(number: str, buyer_gln: str = "4012345000023") -> dict:
    content = dd.order_content(number, [{"gtin": dd.ESPRESSO, "quantity": 2, "unit": "CT"}], buyer_gln=buyer_gln,
                               ship_to_gln=None)
    content["header"]["supplier"]["identifiers"][0]["identifier"] = AT_GLN
    return content


@pytest.mark.sandbox_only("a second company and a second Procuros account")
def test_each_integration_imports_its_own_orders_into_its_own_company(stack, two):
    account, austria, at_buyer = two
    de_tid = stack.enqueue_order(dd.order_content("PO-DE-1", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}]))
    at_tid = account.enqueue("ORDER", _at_order("PO-AT-1"))
    # an order for the German customer that arrived on the Austrian account: not this integration's
    stray = account.enqueue("ORDER", _at_order("PO-AT-STRAY", buyer_gln=dd.BUYER_GLN))

    assert {"import_sales_orders", "at__import_sales_orders"} <= {j.name for j in stack.defs.jobs}
    assert stack.run("import_sales_orders").success
    assert stack.run("at__import_sales_orders").success

    orders = stack.gateway.in_company(austria).search_read(
        "sale.order", [], ["client_order_ref", "company_id", "x_procuros_transaction_id"], order="id")
    by_ref = {o["client_order_ref"]: o for o in orders}
    assert by_ref["PO-AT-1"]["company_id"][0] == austria
    assert "PO-AT-STRAY" not in by_ref
    de_orders = stack.gateway.search_read("sale.order", [("client_order_ref", "=", "PO-DE-1")], ["company_id"])
    assert de_orders[0]["company_id"][0] != austria

    # each account acknowledged its own transactions, and only those
    assert set(stack.procuros.acknowledgements) == {de_tid}
    assert set(account.acknowledgements) == {at_tid, stray}
    assert account.acknowledgements[stray]["success"] is False
    assert "Procuros Connector" in account.acknowledgements[stray]["errorReason"]

    # bindings and Logs are scoped by integration
    names = {b["name"] for b in stack.gateway.search_read(
        "ir.model.data", [("module", "=", "procuros"), ("model", "=", "sale.order")], ["name"])}
    assert f"order_{de_tid.replace('-', '_')}" in names
    assert f"at__order_{at_tid.replace('-', '_')}" in names
    logs = stack.gateway.search_read("x_procuros_log", [], ["x_integration", "x_transaction_id", "x_state"])
    assert {(entry["x_integration"], entry["x_transaction_id"], entry["x_state"]) for entry in logs} == {
        ("default", de_tid, "imported"), ("at", at_tid, "imported"), ("at", stray, "rejected")}

    # a rerun of either changes nothing
    assert stack.run("at__import_sales_orders").success and stack.run("import_sales_orders").success
    assert len(stack.gateway.search_read("x_procuros_log", [], ["id"])) == 3


@pytest.mark.sandbox_only("a second company and a second Procuros account")
def test_documents_go_out_through_the_integration_of_their_company_and_customer(stack, two):
    account, austria, _ = two
    stack.enqueue_order(dd.order_content("PO-DE-INV", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT",
                                                        "price": 89.4}]))
    assert stack.run("import_sales_orders").success
    [order] = stack.orders([("client_order_ref", "=", "PO-DE-INV")])
    dd.deliver(stack.gateway, order["id"])
    invoices = stack.gateway.invoice_sale_orders([order["id"]])
    stack.gateway.post_moves(invoices)

    # the Austrian integration sees neither the German company's invoice nor its customer
    at_run = stack.run("at__export_invoices")
    assert at_run.success and account.sent == []
    assert stack.run("export_invoices").success
    assert [s["type"] for s in stack.procuros.sent] == ["INVOICE"]
    sent = stack.gateway.search_read("x_procuros_log", [("x_state", "=", "sent")],
                                     ["x_integration", "x_res_id", "x_document_type", "x_partner_id"])
    assert [(e["x_integration"], e["x_res_id"], e["x_document_type"]) for e in sent] == [
        ("default", invoices[0], "INVOICE")]
    assert sent[0]["x_partner_id"]
    # a send-now of the same invoice through the Austrian integration finds nothing of its own
    send_at = stack.defs.resolve_job_def("at__send_to_procuros").execute_in_process(
        instance=stack.instance, raise_on_error=False,
        run_config={"ops": {"at__send_documents_now": {"config": {"invoices": [str(invoices[0])]}}}})
    assert send_at.success and account.sent == []


@pytest.mark.sandbox_only("a second company and a second Procuros account")
def test_replay_names_the_integration_the_orders_came_through(stack, two):
    from procuros_dagster.defs.replay import run_config

    account, austria, at_buyer = two
    stray = account.enqueue("ORDER", _at_order("PO-AT-LATE", buyer_gln="4012345000030"))  # unknown buyer
    assert stack.run("at__import_sales_orders").success
    assert account.acknowledgements[stray]["success"] is False
    stack.gateway.write("res.partner", [at_buyer], {"ref": "4012345000030"})  # the buyer's GLN fixed in Odoo
    job = stack.defs.resolve_job_def("replay_orders")

    unnamed = job.execute_in_process(run_config=run_config([stray]), instance=stack.instance, raise_on_error=False)
    assert not unnamed.success
    [failure] = unnamed.get_step_failure_events()
    assert "Say which integration" in failure.step_failure_data.user_failure_data.description

    replayed = job.execute_in_process(run_config=run_config([stray], "at"), instance=stack.instance,
                                      raise_on_error=False)
    assert replayed.success
    [order] = stack.gateway.in_company(austria).search_read(
        "sale.order", [("x_procuros_transaction_id", "=", stray)], ["company_id"])
    assert order["company_id"][0] == austria
    states = [e["x_state"] for e in stack.gateway.search_read(
        "x_procuros_log", [("x_transaction_id", "=", stray)], ["x_state"], order="id")]
    assert states == ["rejected", "imported"]


def test_an_integration_in_its_test_phase_takes_test_documents_and_leaves_live_ones_for_the_go_live(
        stack, tmp_path, monkeypatch):
    path = tmp_path / "test-phase.yaml"
    path.write_text("integrations:\n  default:\n    connector: Procuros Connector\n    status: test\n"
                    "    test_flow: reject\n")
    monkeypatch.setenv("PROCUROS_DAGSTER_SETTINGS", str(path))
    stack.defs = build_definitions(load_settings())
    live = stack.enqueue_order(dd.order_content("PO-LIVE-EARLY", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}]))
    test = stack.enqueue_order(dd.order_content("PO-TEST-PHASE", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}]),
                               flow="TEST")
    result = stack.run("import_sales_orders")
    assert result.success
    assert [o["client_order_ref"] for o in stack.orders()] == ["PO-TEST-PHASE"]  # imported, though test_flow says reject
    assert set(stack.procuros.acknowledgements) == {test}  # the live order is left pending, untouched
    assert [t["procurosTransactionId"] for t in stack.procuros.pending()] == [live]
    [raw] = result.asset_materializations_for_node("procuros_orders_raw")
    assert raw.metadata["live_waiting_for_go_live"].value == 1
    [check] = [c for c in result.get_asset_check_evaluations() if c.check_name == "orders_acknowledged"]
    assert check.passed  # waiting on purpose is not "left unacknowledged"

    path.write_text("integrations:\n  default:\n    connector: Procuros Connector\n    status: active\n")
    stack.defs = build_definitions(load_settings())
    assert stack.run("import_sales_orders").success
    assert sorted(o["client_order_ref"] for o in stack.orders()) == ["PO-LIVE-EARLY", "PO-TEST-PHASE"]
    assert stack.procuros.acknowledgements[live]["success"] is True
