"""The JSON types an inbound ORDER's fields must have, and texts Odoo cannot store.

Only the fields the import reads are checked (unknown keys stay ignored). A value of the wrong
type is refused, never converted: the text "false" is no "false", a price given as text must not
be dropped for the list price, a GLN sent as a number has lost its leading zeros.
"""

from __future__ import annotations

import json
import re
from typing import Any

from . import reasons

TEXT, NUMBER, WHOLE, FLAG, OBJECT, LIST = "text", "a number", "a whole number", "true or false", "an object", "a list"

_PARTY = {"name": TEXT, "identifiers": LIST, "postalAddress": OBJECT}
_ADDRESS = {"name": TEXT, "street": TEXT, "city": TEXT, "postalCode": TEXT, "countryCode": TEXT}
_IDENTIFIER = {"identifier": TEXT, "domain": TEXT}
_HEADER = {
    "orderIdentifier": TEXT, "orderDate": TEXT, "requestedDeliveryDate": TEXT, "currency": TEXT,
    "comments": TEXT, "deliveryInformation": TEXT, "version": WHOLE, "paymentTerms": LIST,
    "buyer": OBJECT, "supplier": OBJECT, "shipTo": OBJECT, "billTo": OBJECT, "finalRecipient": OBJECT,
    "type": TEXT, "promotionCode": TEXT, "contractReference": TEXT,
    "requestedEarliestDeliveryDate": TEXT, "requestedLatestDeliveryDate": TEXT,
}
_ITEM = {
    "lineNumber": WHOLE, "identifiers": LIST, "isDepositItem": FLAG, "quantity": NUMBER,
    "unitOfMeasure": TEXT, "unitPrice": NUMBER, "description": TEXT, "requestedDeliveryDate": TEXT,
    "requestedEarliestDeliveryDate": TEXT, "requestedLatestDeliveryDate": TEXT,
    "pricingUnitQuantity": NUMBER, "pricingUnitOfMeasure": TEXT, "modificationGroups": LIST,
}
_SUMMARY = {"subtotalAmount": NUMBER, "modificationGroups": LIST}
MAX_LINE_NUMBER = 2_147_483_647  # Odoo integer fields are 32 bits
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return FLAG
    if isinstance(value, int):
        return WHOLE
    if isinstance(value, float):
        return NUMBER
    if isinstance(value, str):
        return TEXT
    return LIST if isinstance(value, list) else OBJECT


def _fits(value: Any, wanted: str) -> bool:
    kind = _kind(value)
    return kind == wanted or (wanted == NUMBER and kind == WHOLE) or (wanted == WHOLE and kind == NUMBER and float(value).is_integer())


def _fields(obj: dict, spec: dict[str, str], path: str, problems: list[str], order: str | None) -> None:
    for key, wanted in spec.items():
        value = obj.get(key)
        if value is not None and not _fits(value, wanted):
            problems.append(reasons.wrong_type(order, f"{path}{key}", wanted, _kind(value), value))


def _identifiers(value: Any, path: str, problems: list[str], order: str | None) -> None:
    for i, ident in enumerate(value if isinstance(value, list) else []):
        if not isinstance(ident, dict):
            problems.append(reasons.wrong_type(order, f"{path}[{i}]", OBJECT, _kind(ident), ident))
        else:
            _fields(ident, _IDENTIFIER, f"{path}[{i}].", problems, order)


def type_problems(content: Any) -> list[str]:
    """One sentence per field of the wrong type (empty when every read field fits)."""
    if not isinstance(content, dict):
        return [reasons.wrong_type(None, "content", OBJECT, _kind(content), content)]
    header = content.get("header")
    order = header.get("orderIdentifier") if isinstance(header, dict) else None
    order = order.strip() if isinstance(order, str) else None
    problems: list[str] = []
    if header is not None and not isinstance(header, dict):
        problems.append(reasons.wrong_type(order, "header", OBJECT, _kind(header), header))
    if isinstance(header, dict):
        _fields(header, _HEADER, "header.", problems, order)
        for role in ("buyer", "supplier", "shipTo", "billTo", "finalRecipient"):
            party = header.get(role)
            if isinstance(party, dict):
                _fields(party, _PARTY, f"header.{role}.", problems, order)
                _identifiers(party.get("identifiers"), f"header.{role}.identifiers", problems, order)
                if isinstance(party.get("postalAddress"), dict):
                    _fields(party["postalAddress"], _ADDRESS, f"header.{role}.postalAddress.", problems, order)
    summary = content.get("summary")
    if summary is not None and not isinstance(summary, dict):
        problems.append(reasons.wrong_type(order, "summary", OBJECT, _kind(summary), summary))
    elif isinstance(summary, dict):
        _fields(summary, _SUMMARY, "summary.", problems, order)
    items = content.get("items")
    if items is not None and not isinstance(items, list):
        problems.append(reasons.wrong_type(order, "items", LIST, _kind(items), items))
    for i, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict):
            problems.append(reasons.wrong_type(order, f"items[{i}]", OBJECT, _kind(item), item))
            continue
        _fields(item, _ITEM, f"items[{i}].", problems, order)
        _identifiers(item.get("identifiers"), f"items[{i}].identifiers", problems, order)
        number = item.get("lineNumber")
        if _kind(number) in (WHOLE, NUMBER) and not 1 <= number <= MAX_LINE_NUMBER:
            problems.append(reasons.line_number_out_of_range(order, f"items[{i}].lineNumber", number, MAX_LINE_NUMBER))
    return problems


def text_problems(value: Any, path: str = "content", order: str | None = None) -> list[str]:
    """Texts that neither JSON-RPC nor PostgreSQL can carry: lone surrogates (bytes that were not
    UTF-8, or a broken escape) and NUL characters; reported by field, never echoed."""
    if path == "content" and isinstance(value, (dict, list)) and _clean_document(value):
        return []
    found: list[str] = []
    if isinstance(value, str):
        for char in set(_BAD_TEXT.findall(value)):
            found.append(reasons.unstorable_text(order, path, "a NUL character" if char == "\x00" else "bytes that are not valid UTF-8 text"))
    elif isinstance(value, dict):
        for key, sub in value.items():
            found += text_problems(key, f"{path} (a key)", order) if isinstance(key, str) and _BAD_TEXT.search(key) else []
            found += text_problems(sub, f"{path}.{key}", order)
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            found += text_problems(sub, f"{path}[{i}]", order)
    return found


def _clean_document(value: Any) -> bool:
    """True when no text of the document can hold a NUL or a lone surrogate: one search of its
    JSON text instead of a walk of every field (JSON writes a NUL as an escape, a surrogate as is)."""
    try:
        dumped = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return False
    return "\\u0000" not in dumped and _BAD_TEXT.search(dumped) is None


def clean(text: Any) -> Any:
    """A text safe to show in metadata and acknowledgements (unstorable characters replaced)."""
    return _BAD_TEXT.sub("\ufffd", text) if isinstance(text, str) else text
