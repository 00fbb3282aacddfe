"""A second company: its creation, env.company from allowed_company_ids, _check_company's
UserError and the multi_company record rules, by value."""
from __future__ import annotations

import pytest


from .rpc import call, rpc_error

C1 = {"allowed_company_ids": [1]}


@pytest.fixture()
def world(odoo):
    c2 = call(odoo, "res.company", "create", {"name": "Second GmbH", "country_id": 57})
    both = {"allowed_company_ids": [1, c2]}
    p2 = call(odoo, "res.partner", "create", {"name": "Customer Two", "company_id": c2}, context=both)
    shared = call(odoo, "res.partner", "create", {"name": "Shared Customer"}, context=C1)
    prod2 = call(odoo, "product.product", "create", {"name": "Two Widget", "default_code": "TW", "company_id": c2},
                 context=both)
    return c2, p2, shared, prod2


def test_company_creation_makes_its_partner_and_extends_the_user(odoo, world):
    c2 = world[0]
    [company] = call(odoo, "res.company", "read", [c2], fields=["name", "partner_id", "currency_id"])
    assert company["name"] == "Second GmbH" and company["currency_id"] == [126, "EUR"]
    [partner] = call(odoo, "res.partner", "read", [company["partner_id"][0]],
                     fields=["name", "is_company", "company_id", "country_id"])
    assert partner == {"id": company["partner_id"][0], "name": "Second GmbH", "is_company": True,
                       "company_id": False, "country_id": [57, "Germany"]}
    assert call(odoo, "res.users", "read", [2], fields=["company_ids"])[0]["company_ids"] == [1, c2]


def test_documents_take_the_first_allowed_company_and_lines_their_order(odoo, world):
    c2, p2, shared, prod2 = world
    so = call(odoo, "sale.order", "create", {"partner_id": p2, "order_line": [[0, 0, {"product_id": prod2}]]},
              context={"allowed_company_ids": [c2, 1]})
    [order] = call(odoo, "sale.order", "read", [so], fields=["company_id", "order_line"],
                   context={"allowed_company_ids": [c2]})
    assert order["company_id"] == [c2, "Second GmbH"]
    [line] = call(odoo, "sale.order.line", "read", order["order_line"], fields=["company_id"],
                  context={"allowed_company_ids": [c2]})
    assert line["company_id"] == [c2, "Second GmbH"]
    so1 = call(odoo, "sale.order", "create", {"partner_id": shared}, context=C1)
    assert call(odoo, "sale.order", "read", [so1], fields=["company_id"], context=C1)[0]["company_id"][0] == 1


def test_links_across_companies_are_refused_like_check_company(odoo, world):
    c2, p2, shared, prod2 = world
    name, msg = rpc_error(odoo, "sale.order", "create", {"partner_id": p2}, context=C1)
    assert name == "odoo.exceptions.UserError"
    lines = msg.split("\n")
    assert lines[0] == "Incompatible companies on records:"
    assert lines[1].endswith(" belongs to company 'My Company' and 'Customer' (partner_id: 'Customer Two') "
                             "belongs to another company.")
    assert [ln.split("(")[1].split(":")[0] for ln in lines[1:]] == [
        "partner_id", "partner_invoice_id", "partner_shipping_id"]
    name, msg = rpc_error(odoo, "sale.order", "create",
                          {"partner_id": shared, "order_line": [[0, 0, {"product_id": prod2, "name": "x"}]]},
                          context=C1)
    assert name == "odoo.exceptions.UserError"
    assert msg.endswith("belongs to company 'My Company' and 'Product' (product_id: '[TW] Two Widget') "
                        "belongs to another company.")
    # a write is checked too, and nothing of the failed call stays
    so = call(odoo, "sale.order", "create", {"partner_id": shared}, context=C1)
    assert rpc_error(odoo, "sale.order", "write", [so], {"partner_id": p2}, context=C1)[0] == \
        "odoo.exceptions.UserError"
    assert call(odoo, "sale.order", "read", [so], fields=["partner_id"], context=C1)[0]["partner_id"][0] == shared
    # an invoice of company 1 for a partner of company 2
    assert rpc_error(odoo, "account.move", "create", {"move_type": "out_invoice", "partner_id": p2},
                     context=C1)[0] == "odoo.exceptions.UserError"


def test_searches_only_see_the_allowed_companies(odoo, world):
    c2, p2, shared, prod2 = world
    so2 = call(odoo, "sale.order", "create", {"partner_id": p2}, context={"allowed_company_ids": [c2]})
    so1 = call(odoo, "sale.order", "create", {"partner_id": shared}, context=C1)
    assert call(odoo, "sale.order", "search", [], context=C1) == [so1]
    assert call(odoo, "sale.order", "search", [], context={"allowed_company_ids": [c2]}) == [so2]
    assert sorted(call(odoo, "sale.order", "search", [], context={"allowed_company_ids": [1, c2]})) == sorted([so1, so2])
    assert call(odoo, "sale.order", "search_count", [], context=C1) == 1
    # partners and products without a company are shared
    found = call(odoo, "res.partner", "search", [["name", "in", ["Customer Two", "Shared Customer"]]], context=C1)
    assert found == [shared]
    assert call(odoo, "product.product", "search", [["default_code", "=", "TW"]], context=C1) == []
    assert call(odoo, "product.product", "search", [["default_code", "=", "TW"]],
                context={"allowed_company_ids": [c2]}) == [prod2]
    assert rpc_error(odoo, "sale.order", "search", [], context={"allowed_company_ids": [99]}) == (
        "odoo.exceptions.AccessError", "Access to unauthorized or invalid companies.")


def test_a_single_company_database_still_checks_the_context(odoo):
    partner = call(odoo, "res.partner", "create", {"name": "Solo"})
    assert call(odoo, "res.partner", "search", [["name", "=", "Solo"]], context=C1) == [partner]
    assert call(odoo, "res.partner", "search", [["name", "=", "Solo"]]) == [partner]
    assert rpc_error(odoo, "res.partner", "search", [], context={"allowed_company_ids": [2]}) == (
        "odoo.exceptions.AccessError", "Access to unauthorized or invalid companies.")
    # models without a company rule do not look at the context's companies
    assert call(odoo, "res.country", "search", [["code", "=", "DE"]], context={"allowed_company_ids": [2]}) == [57]


def test_reading_or_writing_a_record_of_another_company_is_refused(odoo, world):
    c2, p2, shared, prod2 = world
    so2 = call(odoo, "sale.order", "create", {"partner_id": p2}, context={"allowed_company_ids": [c2]})
    refused = ("odoo.exceptions.AccessError",
               "Uh-oh! Looks like you have stumbled upon some top-secret records.\n\n"
               "Sorry, Administrator (id=2) doesn't have '{}' access to:\n- Sales Order (sale.order)\n\n"
               "If you really, really need access, perhaps you can win over your friendly administrator "
               "with a batch of freshly baked cookies.")
    assert rpc_error(odoo, "sale.order", "read", [so2], fields=["name"], context=C1) == (
        refused[0], refused[1].format("read"))
    assert rpc_error(odoo, "sale.order", "write", [so2], {"note": "x"}, context=C1) == (
        refused[0], refused[1].format("write"))
    assert call(odoo, "sale.order", "read", [so2], fields=["company_id"],
                context={"allowed_company_ids": [1, c2]})[0]["company_id"] == [c2, "Second GmbH"]


def test_creating_a_record_outside_the_allowed_companies_is_refused(odoo, world):
    c2, p2, shared, prod2 = world
    # the connector sends no allowed_company_ids: it works in its user's current company only
    name, msg = rpc_error(odoo, "sale.order", "create", {"partner_id": shared, "company_id": c2}, context=C1)
    assert name == "odoo.exceptions.AccessError"
    assert "doesn't have 'create' access to:\n- Sales Order (sale.order)" in msg
    assert call(odoo, "sale.order", "search", [], context={"allowed_company_ids": [1, c2]}) == []
