"""The Procuros units of measure have one home (mapping/units.py), checked against the vendored spec."""

from procuros_dagster import settings
from procuros_dagster.mapping import schemas_out
from procuros_dagster.mapping.units import UNIT_CODES, UNIT_NAMES, UNIT_SELECTION
from procuros_dagster.odoo import setup
from procuros_dagster.procuros.openapi import spec


def test_unit_codes_match_procuros_enum():
    # the vendored OpenAPI spec is the source of truth for the UnitOfMeasure enum, order included
    assert UNIT_CODES == tuple(spec()["components"]["schemas"]["UnitOfMeasure"]["enum"])
    assert len(set(UNIT_CODES)) == len(UNIT_CODES) == 30


def test_every_code_has_its_un_cefact_meaning_as_the_odoo_label():
    assert all(UNIT_NAMES[code] and UNIT_NAMES[code] == UNIT_NAMES[code].strip() for code in UNIT_CODES)
    assert UNIT_SELECTION[0] == ("EA", "EA - each") and ("MTK", "MTK - square metre") in UNIT_SELECTION
    assert [code for code, _ in UNIT_SELECTION] == list(UNIT_CODES)
    assert all(label.startswith(f"{code} - ") for code, label in UNIT_SELECTION)


def test_settings_odoo_setup_and_the_schemas_share_the_one_list():
    assert settings.UNIT_CODES is UNIT_CODES
    assert setup.UNIT_CODES is UNIT_SELECTION
    unit_field = next(f for f in setup.FIELDS if f.name == "x_procuros_unit_code")
    assert unit_field.selection == UNIT_SELECTION
    allowed = schemas_out.OUTBOUND_LINES_SCHEMA.columns["unit"].checks[0].statistics["allowed_values"]
    assert list(allowed) == list(UNIT_CODES)
