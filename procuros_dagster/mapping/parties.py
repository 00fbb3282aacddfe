"""Procuros parties (buyer, supplier, shipTo, billTo) from Odoo partners and the company.

GLNs live in the partner's ``ref`` (connector documentation: "Reference* : enter your customer's
GLN"); a German VAT id travels as an extra identifier with domain ``VAT_DE``.
"""

from __future__ import annotations

from typing import Any

from .identifiers import is_valid_gln
from .outbound import BuildError, ExportContext, drop_none, text

FULL_ADDRESS_KEYS = ("street", "city", "postalCode", "countryCode")


def partner_gln(partner: dict | None) -> str | None:
    """The partner's GLN from ``ref`` when it is a valid 13-digit GLN, else None."""
    ref = text((partner or {}).get("ref"))
    return ref if ref and is_valid_gln(ref) else None


def vat_identifiers(vat: Any) -> list[dict[str, str]]:
    v = (text(vat) or "").replace(" ", "").upper()
    return [{"identifier": v, "domain": "VAT_DE"}] if v.startswith("DE") and len(v) > 2 else []


def postal_address(record: dict) -> dict[str, str]:
    """PostalAddress from a res.partner / company dict (country code from ``country_code``)."""
    country = text(record.get("country_code"))
    return drop_none({
        "street": text(record.get("street")),
        "addressExtra": text(record.get("street2")),
        "city": text(record.get("city")),
        "postalCode": text(record.get("zip")),
        "countryCode": country.upper() if country else None,
    })


def _require_full(address: dict, who: str) -> None:
    missing = [k for k in FULL_ADDRESS_KEYS if not address.get(k)]
    if missing:
        names = {"street": "street", "city": "city", "postalCode": "ZIP", "countryCode": "country"}
        raise BuildError(f"{who} has an incomplete address (missing {', '.join(names[m] for m in missing)}); "
                         "invoices need a full postal address")


def _party(name: str, gln: str | None, record: dict, *, vat: Any = None,
           full_address_of: str | None = None) -> dict[str, Any]:
    """A Procuros Party: the name, the GLN (and a German VAT id) as identifiers, the postal address
    of ``record``; ``full_address_of`` names whose address must be complete (invoices)."""
    party: dict[str, Any] = {"name": name}
    identifiers = ([{"identifier": gln, "domain": "GS1"}] if gln else []) + vat_identifiers(vat)
    if identifiers:
        party["identifiers"] = identifiers
    address = postal_address(record)
    if full_address_of:
        _require_full(address, full_address_of)
    if address:
        party["postalAddress"] = address
    return party


def buyer_party(commercial: dict, *, gln: str | None = None, full_address: bool = False) -> dict[str, Any]:
    """Buyer = the customer's commercial partner; its GLN is mandatory (routing)."""
    gln = gln if gln and is_valid_gln(gln) else partner_gln(commercial)
    name = text(commercial.get("name")) or str(commercial.get("id"))
    if not gln:
        ref = text(commercial.get("ref"))
        hint = f" (Reference {ref!r} is not a valid 13-digit GLN)" if ref else ""
        raise BuildError(f"customer {name} has no GLN in Reference{hint}")
    return _party(name, gln, commercial, vat=commercial.get("vat"),
                  full_address_of=f"customer {name}" if full_address else None)


def supplier_party(ctx: ExportContext, *, full_address: bool = False) -> dict[str, Any]:
    """Supplier = us: own GLN, company name, address and VAT id."""
    company = ctx.company or {}
    if not is_valid_gln(ctx.own_gln):
        raise BuildError(f"the connector's own GLN {ctx.own_gln!r} is not a valid GLN; fix the settings")
    name = text(company.get("name")) or "?"
    return _party(name, ctx.own_gln, company, vat=company.get("vat"),
                  full_address_of=f"our company {name}" if full_address else None)


def ship_to_party(partner: dict) -> dict[str, Any]:
    """ShipTo = the delivery address; identifiers only when it has its own GLN (they are optional)."""
    return _party(text(partner.get("name")) or str(partner.get("id")), partner_gln(partner), partner)


def bill_to_party(partner: dict | None, commercial: dict) -> dict[str, Any] | None:
    """billTo = the invoice address when it is not the buyer itself and has its own GLN.

    Party requires identifiers, so an invoice address without a GLN of its own is left out
    (Procuros then reads the buyer as invoicee).
    """
    if not partner or int(partner["id"]) == int(commercial["id"]):
        return None
    gln = partner_gln(partner)
    if not gln or gln == partner_gln(commercial):
        return None
    return _party(text(partner.get("name")) or str(partner["id"]), gln, partner)
