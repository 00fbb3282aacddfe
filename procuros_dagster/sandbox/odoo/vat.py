"""base_vat: a partner's VAT number is checked on create and write (res.partner.check_vat).

As Odoo 17's ``_run_vat_test``: the number's own two-letter prefix is tried first when it names a
country, then the partner's country; a number that matches neither is refused with Odoo's
message. Numbers are checked with python-stdnum, as Odoo does. Installed by ``business``.
"""
from __future__ import annotations

from stdnum.util import get_cc_module

from . import orm
from .errors import ValidationError

# base_vat's _ref_vat: the format hint of the error message (the countries the connector meets)
EXPECTED = {
    "at": "ATU12345675", "be": "BE0477472701", "ch": "CHE-123.456.788 TVA or CHE-123.456.788 MWST or CHE-123.456.788 IVA",
    "de": "DE123456788 or 12/345/67890", "dk": "DK12345674", "es": "ESA12345674", "fr": "FR23334175221",
    "it": "IT12345670017", "lu": "LU12345613", "nl": "NL123456782B90", "pl": "PL1234567883", "se": "SE123456789701",
}


def _valid(code: str, number: str) -> bool:
    module = get_cc_module(code, "vat")
    if module is None:
        return True  # no rule for that country: Odoo accepts the number
    return bool(module.is_valid(number) or module.is_valid(code.upper() + number))


def _country_code(db, country_id) -> str | None:
    country = db.tables["res.country"].get(country_id) if country_id else None
    return (country.get("code") or "").lower() or None if country else None


def run_vat_test(db, vat: str, country_code: str | None) -> bool | None:
    """True/False like Odoo's check; None when nothing could be checked (no prefix, no country)."""
    prefix, number = vat[:2].lower(), vat[2:].replace(" ", "")
    known = {(c.get("code") or "").lower() for c in db.tables["res.country"].values()}
    result = None
    if prefix.isalpha() and prefix in known:
        if _valid(prefix, number):
            return True
        result = False
    if country_code:
        if _valid(country_code, vat.replace(" ", "")):
            return True
        result = False
    return result


def check_vat(db, model, ids, fnames) -> None:
    if model != "res.partner" or (fnames is not None and not {"vat", "country_id"} & set(fnames)):
        return
    for rid in ids:
        partner = db.tables["res.partner"].get(rid) or {}
        vat = partner.get("vat")
        if not vat or len(vat) == 1:
            continue
        commercial = db.tables["res.partner"].get(db.raw_value("res.partner", partner, "commercial_partner_id")) or partner
        code = _country_code(db, commercial.get("country_id") or partner.get("country_id"))
        if run_vat_test(db, vat, code) is False:
            hint = EXPECTED.get((vat[:2].lower() if vat[:2].isalpha() else code) or "",
                                "'CC##' (CC=Country Code, ##=VAT Number)")
            raise ValidationError(f"\nThe VAT number [{vat}] for partner [{partner.get('name')}] does not seem to be "
                                  f"valid. \nNote: the expected format is {hint}")


def install() -> None:
    orm.VALIDATORS.append(check_vat)
