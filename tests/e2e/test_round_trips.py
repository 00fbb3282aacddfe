"""Round trips are batched: a day's import costs a constant number of calls, not one per order."""

from __future__ import annotations

import pytest

from procuros_dagster.sandbox import demo_data as dd


def _import_calls(stack, orders: int) -> tuple[int, int, int]:
    for i in range(orders):
        stack.enqueue_order(dd.order_content(f"PO-RT-{orders}-{i}", [{"gtin": dd.ESPRESSO, "quantity": 1, "unit": "CT"}, {"gtin": dd.APFELSCHORLE, "quantity": 2, "unit": "CS"}]))
    stack.odoo.reset_counts()
    procuros_before = sum(stack.procuros.call_counts.values())
    assert stack.run("import_sales_orders").success
    return stack.odoo.rpc_count, stack.odoo.call_counts["common.login"], sum(stack.procuros.call_counts.values()) - procuros_before


@pytest.mark.sandbox_only("counts the Odoo sandbox's calls")
def test_one_order_and_a_hundred_cost_the_same_round_trips(stack):
    odoo_one, logins, procuros_one = _import_calls(stack, 1)
    odoo_many, _, procuros_many = _import_calls(stack, 100)
    assert logins == 1  # one Odoo session per run, shared by its steps
    assert odoo_many == odoo_one
    assert procuros_many == procuros_one  # one page, one bulk acknowledgement
    assert len(stack.orders()) == 101
