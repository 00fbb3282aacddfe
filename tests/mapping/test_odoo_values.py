"""Odoo's many2one values, read by one helper in every layer."""

import pytest

from procuros_dagster import doctor
from procuros_dagster.mapping import invoices_out, shipping_notices_out
from procuros_dagster.mapping.odoo_values import m2o_id, m2o_name


@pytest.mark.parametrize("value, id_, name", [
    ([7, "Kaufhaus Rheinland AG"], 7, "Kaufhaus Rheinland AG"),
    ((7, "Kaufhaus Rheinland AG"), 7, "Kaufhaus Rheinland AG"),
    (["7", "as text"], 7, "as text"),
    ([7], 7, None),
    (7, 7, None),          # a bare id, as code that built the record holds it
    (False, None, None),   # Odoo's empty many2one
    (True, None, None),    # a boolean is no id
    (None, None, None),
    ([], None, None),
])  # fmt: skip
def test_many2one_id_and_name(value, id_, name):
    assert m2o_id(value) == id_
    assert m2o_name(value) == name


def test_the_layers_share_it():
    assert doctor.m2o_id is invoices_out.m2o_id is shipping_notices_out.m2o_id is m2o_id
