"""base_vat: VAT numbers are checked like real Odoo 17 checks them (seen on a real server:
DE298765432 refused, with this message)."""
from __future__ import annotations

from .rpc import call, rpc_error

DE = 57


def test_an_invalid_vat_number_is_refused_with_odoo_s_message(odoo):
    name, message = rpc_error(odoo, "res.partner", "create",
                              {"name": "Nordwind Getränke GmbH", "vat": "DE298765432", "country_id": DE})
    assert name == "odoo.exceptions.ValidationError"
    assert message == ("\nThe VAT number [DE298765432] for partner [Nordwind Getränke GmbH] does not seem to be "
                       "valid. \nNote: the expected format is DE123456788 or 12/345/67890")
    pid = call(odoo, "res.partner", "create", {"name": "Valid GmbH", "vat": "DE123456788", "country_id": DE})
    assert rpc_error(odoo, "res.partner", "write", [pid], {"vat": "DE123456789"})[0] == "odoo.exceptions.ValidationError"
    assert call(odoo, "res.partner", "read", [pid], fields=["vat"])[0]["vat"] == "DE123456788"  # nothing written


def test_numbers_without_a_country_to_check_against_pass_and_the_company_shows_its_partner_s(odoo):
    assert call(odoo, "res.partner", "create", {"name": "No country", "vat": "12345"})
    assert call(odoo, "res.partner", "create", {"name": "French", "vat": "FR40303265045", "country_id": DE})
    call(odoo, "res.partner", "write", [1], {"vat": "DE298765435"})
    assert call(odoo, "res.company", "read", [1], fields=["vat"])[0]["vat"] == "DE298765435"
