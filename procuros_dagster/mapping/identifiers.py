"""GS1 identifier helpers (GLN, GTIN): check digits and a normal form for matching.

Odoo barcodes are free text: a GTIN-13 may be stored as "4098765000102" or, after a scanner or a
catalogue import, as the GTIN-14 "04098765000102". ``gtin_key`` maps both to the same key.
"""

from __future__ import annotations

GTIN_LENGTHS = (8, 12, 13, 14)


def gs1_check_digit(body: str) -> int:
    """Check digit for a GS1 number without its last digit (mod-10, weights 3/1 from the right)."""
    if not body.isdigit():
        raise ValueError(f"GS1 numbers are digits only, got {body!r}")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def has_valid_check_digit(code: str) -> bool:
    code = (code or "").strip()
    return len(code) >= 2 and code.isdigit() and gs1_check_digit(code[:-1]) == int(code[-1])


def gln_problem(code: str) -> str | None:
    """Why ``code`` is not a GLN, in words for the operator; None when it is one.

    A GLN is 13 ASCII digits, the last the GS1 check digit of the first twelve. Spaces around it
    make it no GLN: Procuros matches the identifier letter for letter.
    """
    if code != code.strip():
        return f"'{code}' has spaces around it"
    if not (code.isascii() and code.isdigit()):
        return f"'{code}' is not a GLN: a GLN has 13 digits only"
    if len(code) != 13:
        return f"'{code}' is not a GLN: it has {len(code)} digits, a GLN has 13"
    expected = gs1_check_digit(code[:12])
    if int(code[12]) != expected:
        return f"'{code}' has a wrong check digit ({code[12]}; the GS1 check digit is {expected})"
    return None


def is_valid_gln(code: object) -> bool:
    """A GLN is 13 ASCII digits with a valid GS1 check digit (see ``gln_problem``)."""
    return isinstance(code, str) and gln_problem(code) is None


def is_valid_gtin(code: str | None) -> bool:
    """GTIN-8/12/13/14 with a valid check digit."""
    code = (code or "").strip()
    return len(code) in GTIN_LENGTHS and has_valid_check_digit(code)


def with_check_digit(body: str) -> str:
    """Append the GS1 check digit (handy for building fixtures)."""
    return body + str(gs1_check_digit(body))


def gtin_key(code: object) -> str | None:
    """Matching key for a GTIN/barcode: stripped; all-digit GTIN lengths left-padded to 14.

    Non-GTIN barcodes are returned stripped so they still match exactly; empty → None.
    """
    if code is None or code is False:
        return None
    text = str(code).strip()
    if not text or text.lower() == "nan":
        return None
    if text.isdigit() and len(text) in GTIN_LENGTHS:
        return text.zfill(14)
    return text


def gtin_variants(code: object) -> list[str]:
    """Every barcode text ``gtin_key`` maps to the same key as ``code`` (for an Odoo search):
    "4098765000102" → also "04098765000102", and back, so no spelling of a GTIN is missed."""
    key = gtin_key(code)
    if key is None:
        return []
    if not (key.isdigit() and len(key) == 14):
        return [key]
    return [key[-n:] for n in GTIN_LENGTHS if key[:-n].strip("0") == ""]


SSCC_LENGTH = 18


def is_valid_sscc(code: object) -> bool:
    """An SSCC (NVE) is 18 digits, the last the GS1 check digit."""
    return isinstance(code, str) and len(code) == SSCC_LENGTH and has_valid_check_digit(code)


def sscc(company_prefix: str, extension: int, serial: int) -> str:
    """SSCC = extension digit + GS1 company prefix + serial reference (together 17 digits) +
    check digit. Raises ValueError when the serial does not fit the digits the prefix leaves."""
    if not (company_prefix.isdigit() and 6 <= len(company_prefix) <= 12) or not 0 <= extension <= 9:
        raise ValueError(f"GS1 company prefix {company_prefix!r} must have 6 to 12 digits")
    width = SSCC_LENGTH - 2 - len(company_prefix)
    if not 0 <= serial < 10 ** width:
        raise ValueError(f"serial {serial} does not fit the {width} digits the GS1 company prefix "
                         f"{company_prefix} leaves for it")
    return with_check_digit(f"{extension}{company_prefix}{serial:0{width}d}")
