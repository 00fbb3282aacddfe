"""What German invoice law (§ 14 UStG) and a retailer's invoice check need beyond the amounts:
the supplier's bank account, the tax category of each rate, the legal texts of tax-free lines,
VAT ids Procuros has no identifier domain for, and the date of supply.

Procuros' Tax has no category or exemption code and its party identifiers know German VAT ids
only (``VAT_DE``): the category travels as the tax summary item's ``category`` with its reason as
``description``, and the legal texts (with any other EU VAT id) in the header's ``legalInformation``.
"""

from __future__ import annotations

import html
import re
from typing import Any

from .odoo_values import m2o_id
from .outbound import drop_none, text

# base.europe (Odoo 17 base/data/res_country_data.xml) plus Norway, Iceland and Liechtenstein,
# as account_edi_ubl_cii's _get_tax_unece_codes counts the European Economic Area
EEA = frozenset("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE NO IS LI".split())

# UNCL5305 tax category -> (the summary's category, the exemption reason); S: none needed
CATEGORIES = {
    "S": ("sales", None),
    "E": ("exempt", "Exempt: Articles 226 items 11 to 15 Directive 2006/112/EC"),
    "K": ("intra-community supply", "Intra-Community supply (VATEX-EU-IC)"),
    "G": ("export", "Export outside the EU (VATEX-EU-G)"),
}


def tax_category(percentage: float, company: dict, customer: dict) -> str:
    """The UNCL5305 category of a tax rate as Odoo's own e-invoicing decides it
    (account_edi_ubl_cii/models/account_edi_common.py ``_get_tax_unece_codes``): a taxed rate is
    S; 0 % within one country is exempt (E); from an EEA supplier with a VAT id, 0 % to another
    EEA country is an intra-community supply (K), outside the EEA an export (G)."""
    ours, theirs = (text(company.get("country_code")) or "").upper(), (text(customer.get("country_code")) or "").upper()
    if ours == theirs:
        return "E" if not percentage else "S"
    if percentage:
        return "S"
    if ours in EEA and text(company.get("vat")):
        return "G" if theirs not in EEA else "K"
    return "E"


def plain(value: Any) -> str | None:
    """An Odoo html field (the fiscal position's legal note) as text."""
    s = text(value)
    if not s:
        return None
    s = re.sub(r"<br\s*/?>|</p>|</div>|</li>", "\n", s, flags=re.I)
    s = html.unescape(re.sub(r"<[^>]+>", "", s))
    return "\n".join(line.strip() for line in s.splitlines() if line.strip()) or None


def legal_information(categories: set[str], fiscal_position: dict | None, company: dict, customer: dict,
                      supply_date: str | None) -> str | None:
    """The invoice's legal texts: the fiscal position's note (the user's own words), the reason of
    every tax-free category, both VAT ids when one is not German (the VAT_DE identifier cannot
    carry it; an intra-community supply must name both) and the date of supply."""
    parts = [plain((fiscal_position or {}).get("note"))]
    parts += [CATEGORIES[c][1] for c in sorted(categories) if CATEGORIES.get(c, (None, None))[1]]
    vats = {who: (text(p.get("vat")) or "").replace(" ", "").upper() for who, p in (("buyer", customer), ("supplier", company))}
    if any(v and not v.startswith("DE") for v in vats.values()):
        parts.append("; ".join(f"VAT ID of the {who}: {v}" for who, v in vats.items() if v))
    if supply_date:
        parts.append(f"Date of supply: {supply_date}")
    text_ = "\n".join(p for p in parts if p)
    return text_[:100000] or None


def bank_account(move: dict, accounts: dict[int, dict], companies: dict[int, dict]) -> dict | None:
    """The account the invoice is paid to: its partner_bank_id, else — as Odoo 17 fills it
    (account.move._compute_partner_bank_id) — the company partner's first account of this company
    or of none, those allowed for payments first."""
    named = accounts.get(m2o_id(move.get("partner_bank_id")) or -1)
    if named:
        return named
    company_id = m2o_id(move.get("company_id"))
    holder = m2o_id(companies.get(company_id or -1, {}).get("partner_id"))
    own = [a for a in accounts.values() if m2o_id(a.get("partner_id")) == holder and holder is not None
           and m2o_id(a.get("company_id")) in (None, company_id)]
    own.sort(key=lambda a: (not a.get("allow_out_payment"), int(a.get("sequence") or 0), int(a["id"])))
    return own[0] if own else None


def financial_institution(account: dict | None, banks: dict[int, dict], holder_name: str | None) -> dict | None:
    """Procuros' financialInstitution: bank name, BIC, IBAN and holder."""
    if not account:
        return None
    bank = banks.get(m2o_id(account.get("bank_id")) or -1, {})
    bic = text(bank.get("bic"))
    return drop_none({
        "name": text(bank.get("name")),
        "institutionId": bic.replace(" ", "").upper() if bic else None,
        "institutionIdDomain": "BIC" if bic else None,
        "accountNumber": (text(account.get("acc_number")) or "").replace(" ", "").upper() or None,
        "accountHolder": text(account.get("acc_holder_name")) or holder_name,
    })
