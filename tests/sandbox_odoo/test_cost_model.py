"""The cost model: the sandbox takes as long per call as a real Odoo 17 would (benchmarks only)."""

from __future__ import annotations

import pytest

from procuros_dagster.sandbox.odoo import OdooSandbox
from procuros_dagster.sandbox.odoo.cost import REAL_ODOO_17, CostModel
from tests.sandbox_odoo.rpc import call, connect


def test_a_create_costs_per_call_per_line_and_per_record():
    order = {"partner_id": 7, "order_line": [[0, 0, {"product_id": 1}] for _ in range(10)]}
    assert REAL_ODOO_17.cost("sale.order", "create", [[order, order]], [1, 2]) == pytest.approx(0.010 + 20 * 0.005 + 2 * 0.001)
    assert REAL_ODOO_17.cost("ir.model.data", "create", [[{"name": "a"}] * 3], [1, 2, 3]) == pytest.approx(0.013)
    assert REAL_ODOO_17.cost("sale.order", "create", [order], 1) == pytest.approx(0.010 + 10 * 0.005 + 0.001)


def test_a_read_costs_per_call_and_per_row():
    assert REAL_ODOO_17.cost("res.partner", "search_read", [[]], [{}] * 100) == pytest.approx(0.010 + 0.001 + 0.005)
    assert REAL_ODOO_17.cost("res.partner", "search_count", [[]], 3) == pytest.approx(0.010 + 0.001 + 0.00005)
    assert REAL_ODOO_17.cost("sale.order", "action_confirm", [[1]], True) == pytest.approx(0.010)


def test_the_sandbox_charges_the_modelled_cost_of_every_call_it_serves():
    model = CostModel(per_call=0.002, per_line=0.001, per_record=0.0005, per_read=0.0005, per_row=0.0001)
    with OdooSandbox(cost=model) as odoo:
        session = connect(odoo)
        odoo.reset_counts()
        rows = call(session, "res.country", "search_read", [("code", "in", ["DE", "AT"])], fields=["code"])
        assert len(rows) == 2
        call(session, "res.partner", "create", [{"name": "A"}, {"name": "B"}])
        assert odoo.busy_seconds == pytest.approx((0.002 + 0.0005 + 2 * 0.0001) + (0.002 + 2 * 0.0005))
    with OdooSandbox() as plain:  # no model: nothing charged
        call(connect(plain), "res.country", "search_read", [], fields=["code"])
        assert plain.busy_seconds == 0


def test_the_sandbox_sleeps_only_what_its_own_work_left_of_the_modelled_cost():
    """A real Odoo's time for a call includes its work: the sandbox's own work counts toward it."""
    model = CostModel(per_call=0.010, per_line=0.0, per_record=0.0, per_read=0.0, per_row=0.0)
    with OdooSandbox(cost=model) as odoo:
        session = connect(odoo)
        work = {"res.country": 0.004, "res.partner": 0.025}  # the sandbox's own time per call, by model
        now, slept = [100.0], []
        counted = odoo._count

        def count(key, model_name, method):  # runs inside the call: the sandbox "works" here
            now[0] += work.get(model_name, 0.0)
            return counted(key, model_name, method)

        odoo._timer, odoo._sleep, odoo._count = (lambda: now[0]), slept.append, count
        odoo.reset_counts()
        call(session, "res.country", "search_read", [], fields=["code"])
        call(session, "res.partner", "search_read", [], fields=["name"], limit=1)
        assert slept == [pytest.approx(0.006)]  # 10 ms modelled − 4 ms of own work; nothing after 25 ms
        assert odoo.busy_seconds == pytest.approx(0.020)  # both charged as modelled
