"""Reading any Procuros document's values: texts, identifiers and parties, the same way everywhere."""

from __future__ import annotations


def text(value: object) -> str | None:
    """A text value, trimmed; None for nothing, an empty text, an object, a list or a boolean."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    found = str(value).strip()
    return found or None


def identifier(obj: object, domain: str = "GS1") -> str | None:
    """The first non-empty identifier of a domain in a party's or item's ``identifiers`` (the
    schema's default domain is GS1)."""
    for ident in (obj.get("identifiers") if isinstance(obj, dict) else None) or []:
        if isinstance(ident, dict) and str(ident.get("domain") or "GS1").upper() == domain:
            found = text(ident.get("identifier"))
            if found:
                return found
    return None


def party_gln(party: object) -> str | None:
    """A party's GLN: its GS1 identifier."""
    return identifier(party, "GS1")


def header_party_gln(content: object, *roles: str) -> str | None:
    """The GLN of the first of these header parties that has one (e.g. "billTo", "buyer")."""
    header = content.get("header") if isinstance(content, dict) else None
    if not isinstance(header, dict):
        return None
    return next((gln for role in roles if (gln := party_gln(header.get(role)))), None)


def records_by(frame, key: str = "transaction_id", order_by: str | None = None) -> dict:
    """A frame's rows as dicts grouped by ``key``, each group in the frame's order (or by
    ``order_by``): one conversion of the whole frame, not one per group (a groupby converting each
    group was most of a 1,000-document resolve)."""
    rows = (frame.sort_values(order_by, kind="stable") if order_by else frame).to_dict("records")
    out: dict = {}
    for row in rows:
        out.setdefault(row[key], []).append(row)
    return out
