"""Fiscal positions, tax mapping and tax rounding (transcript 10), through odoorpc."""
from __future__ import annotations

import httpx
import pytest


from .rpc import call, rpc_error

DE, FR, CH = 57, 75, 43
TAX19, TAX7, ZERO_EU_D, ZERO_EX = 14, 15, 6, 7


def _products(o):
    std = call(o, "product.product", "create", {"name": "Std", "default_code": "T-19", "list_price": 100.0})
    red = call(o, "product.product", "create", {"name": "Red", "default_code": "T-07", "list_price": 50.0,
                                                  "taxes_id": [[6, 0, [TAX7]]]})
    return std, red


def _order(o, partner, std, red, **extra):
    so = call(o, "sale.order", "create", {"partner_id": partner, **extra, "order_line": [
        [0, 0, {"product_id": std, "product_uom_qty": 2, "price_unit": 100.0}],
        [0, 0, {"product_id": red, "product_uom_qty": 3, "price_unit": 50.0}]]})
    [head] = call(o, "sale.order", "read", [so], fields=["fiscal_position_id", "amount_tax", "amount_total", "order_line"])
    lines = call(o, "sale.order.line", "read", head["order_line"], fields=["tax_id"])
    return so, head, [l["tax_id"] for l in lines]


def _partner(o, name, country, vat=False):
    return call(o, "res.partner", "create", {"name": name, "is_company": True, "country_id": country, "vat": vat})


def test_chart_positions_and_their_tax_mappings(odoo):
    fps = call(odoo, "account.fiscal.position", "search_read", [], fields=["name", "auto_apply", "tax_ids"])
    assert [(f["id"], f["auto_apply"]) for f in fps] == [(1, True), (4, True), (5, False), (6, False), (3, False), (2, False)]
    maps = call(odoo, "account.fiscal.position.tax", "search_read", [["position_id", "=", 4]],
                fields=["tax_src_id", "tax_dest_id"])
    assert [(m["tax_src_id"][0], m["tax_dest_id"][0]) for m in maps] == [(14, 6), (15, 6), (23, 1), (24, 2)]
    [eu] = call(odoo, "res.country.group", "search_read", [["name", "=", "European Union"]], fields=["country_ids"])
    assert FR in eu["country_ids"] and DE in eu["country_ids"] and CH not in eu["country_ids"]


@pytest.mark.parametrize("country, vat, fpos, taxes, amount_tax", [
    (DE, False, [1, "Domestic business partner"], [[TAX19], [TAX7]], 48.5),
    (FR, "FR40303265045", [4, "Business partner EU (with VAT ID)"], [[ZERO_EU_D], [ZERO_EU_D]], 0.0),
    (FR, False, False, [[TAX19], [TAX7]], 48.5),  # "EU without VAT ID" is not auto-applied
    (CH, False, False, [[TAX19], [TAX7]], 48.5),  # nor is any non-EU position
])
def test_sale_order_detects_the_position_and_maps_taxes(odoo, country, vat, fpos, taxes, amount_tax):
    std, red = _products(odoo)
    _, head, line_taxes = _order(odoo, _partner(odoo, "Cust", country, vat), std, red)
    assert head["fiscal_position_id"] == fpos
    assert line_taxes == taxes
    assert (head["amount_tax"], head["amount_total"]) == (amount_tax, 350.0 + amount_tax)


def test_explicit_position_maps_but_a_later_write_does_not_until_update_taxes(sb, odoo):
    std, red = _products(odoo)
    swiss = _partner(odoo, "Kunde AG", CH)
    _, head, line_taxes = _order(odoo, swiss, std, red, fiscal_position_id=3)
    assert (head["fiscal_position_id"][0], line_taxes, head["amount_tax"]) == (3, [[ZERO_EX], [ZERO_EX]], 0.0)

    so, _, _ = _order(odoo, swiss, std, red)
    assert call(odoo, "sale.order", "write", [so], {"fiscal_position_id": 3}) is True
    head, line_taxes = _order_state(odoo, so)
    assert (line_taxes, head["amount_tax"]) == ([[TAX19], [TAX7]], 48.5)

    # the button returns None: the JSON-RPC answer has no "result" member at all
    r = httpx.post(sb.url + "/jsonrpc", json={"jsonrpc": "2.0", "method": "call", "id": 5, "params": {
        "service": "object", "method": "execute_kw",
        "args": ["procuros", 2, "admin", "sale.order", "action_update_taxes", [[so]], {}]}}).json()
    assert r == {"jsonrpc": "2.0", "id": 5}
    head, line_taxes = _order_state(odoo, so)
    assert (line_taxes, head["amount_tax"]) == ([[ZERO_EX], [ZERO_EX]], 0.0)
    assert rpc_error(odoo, "sale.order", "action_update_taxes", [so, so - 1])[0] == "builtins.ValueError"


def _order_state(o, so):
    [head] = call(o, "sale.order", "read", [so], fields=["amount_tax", "order_line"])
    return head, [l["tax_id"] for l in call(o, "sale.order.line", "read", head["order_line"], fields=["tax_id"])]


def test_invoice_lines_get_the_moves_position_mapping(odoo):
    std, _ = _products(odoo)
    move = call(odoo, "account.move", "create", {"move_type": "out_invoice", "partner_id": _partner(
        odoo, "Client SARL", FR, "FR40303265045"), "invoice_line_ids": [[0, 0, {"product_id": std, "price_unit": 10.0}]]})
    [m] = call(odoo, "account.move", "read", [move], fields=["fiscal_position_id", "invoice_line_ids", "amount_tax"])
    assert m["fiscal_position_id"][0] == 4 and m["amount_tax"] == 0.0
    assert call(odoo, "account.move.line", "read", m["invoice_line_ids"], fields=["tax_ids"])[0]["tax_ids"] == [ZERO_EU_D]


def _rounding_invoice(o, partner, std, ref):
    move = call(o, "account.move", "create", {
        "move_type": "out_invoice", "partner_id": partner, "invoice_date": "2026-12-01", "ref": ref,
        "invoice_line_ids": [[0, 0, {"product_id": std, "name": "A", "price_unit": 14.4, "tax_ids": [[6, 0, [TAX19]]]}],
                             [0, 0, {"product_id": std, "name": "B", "price_unit": 89.4, "tax_ids": [[6, 0, [TAX19]]]}]]})
    return move


def _amounts(o, move):
    [m] = call(o, "account.move", "read", [move], fields=["amount_tax", "amount_total", "tax_totals", "line_ids"])
    lines = call(o, "account.move.line", "read", m["line_ids"], fields=["display_type", "balance", "price_total"])
    tax_line = [l["balance"] for l in lines if l["display_type"] == "tax"]
    totals = [l["price_total"] for l in lines if l["display_type"] == "product"]
    group = m["tax_totals"]["groups_by_subtotal"]["Untaxed Amount"][0]["tax_group_amount"]
    return m["amount_tax"], m["amount_total"], tax_line, totals, group, m["tax_totals"]["display_tax_base"]


def test_tax_rounding_per_line_vs_globally_and_no_recompute(odoo):
    std, _ = _products(odoo)
    de = _partner(odoo, "Steuer GmbH", DE)
    call(odoo, "account.move", "action_post", [_rounding_invoice(odoo, de, std, "FIRST")])  # INV/2026/00001
    per_line = _rounding_invoice(odoo, de, std, "R-LINE")
    assert _amounts(odoo, per_line) == (19.73, 123.53, [-19.73], [17.14, 106.39], 19.73, False)

    call(odoo, "res.company", "write", [1], {"tax_calculation_rounding_method": "round_globally"})
    globally = _rounding_invoice(odoo, de, std, "R-GLOBAL")
    assert _amounts(odoo, globally) == (19.72, 123.52, [-19.72], [17.14, 106.39], 19.72, False)
    assert _amounts(odoo, per_line)[:2] == (19.73, 123.53)  # the setting does not recompute invoices

    # posting keeps the amounts and numbers in (date, ref, id) order: R-GLOBAL before R-LINE
    call(odoo, "res.company", "write", [1], {"tax_calculation_rounding_method": "round_per_line"})
    assert call(odoo, "account.move", "action_post", [per_line, globally]) is False
    rows = {r["ref"]: (r["name"], r["amount_tax"]) for r in call(
        odoo, "account.move", "read", [per_line, globally], fields=["name", "ref", "amount_tax"])}
    assert rows == {"R-GLOBAL": ("INV/2026/00002", 19.72), "R-LINE": ("INV/2026/00003", 19.73)}


def test_sale_order_amount_tax_follows_the_rounding_method(odoo):
    std, _ = _products(odoo)
    de = _partner(odoo, "Steuer GmbH", DE)

    def order():
        so = call(odoo, "sale.order", "create", {"partner_id": de, "order_line": [
            [0, 0, {"product_id": std, "price_unit": 14.4}], [0, 0, {"product_id": std, "price_unit": 89.4}]]})
        return so

    first = order()
    assert call(odoo, "sale.order", "read", [first], fields=["amount_tax"])[0]["amount_tax"] == 19.73
    call(odoo, "res.company", "write", [1], {"tax_calculation_rounding_method": "round_globally"})
    second = order()
    assert call(odoo, "sale.order", "read", [second], fields=["amount_tax"])[0]["amount_tax"] == 19.72
    # stored amounts: the switch alone recomputes nothing, a change of the lines does
    assert call(odoo, "sale.order", "read", [first], fields=["amount_tax"])[0]["amount_tax"] == 19.73
    line = call(odoo, "sale.order", "read", [first], fields=["order_line"])[0]["order_line"][0]
    call(odoo, "sale.order.line", "write", [line], {"product_uom_qty": 1.0})
    assert call(odoo, "sale.order", "read", [first], fields=["amount_tax"])[0]["amount_tax"] == 19.72
