"""Stage 1 of the order import: raw Procuros ReceivedTransaction dicts → flat, validated frames.

Nothing here knows Odoo. A document that cannot be read becomes ONE reject row listing all of its
problems; the rest of the batch goes on.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from . import reasons
from .orders_in_types import clean, text_problems, type_problems
from .orders_in_terms import read_modifications, read_terms
from .schemas_in import CHARGES, NORMALISED_HEADERS, NORMALISED_LINES, REJECTS, empty_frame, frame
from .units import UNIT_CODES

BERLIN = "Europe/Berlin"
QUANTITY_DIGITS = 2  # Odoo's default precision "Product Unit of Measure": 0.001 would be a 0 line
INVALID_JSON = "invalidJson"  # a queue item that was not valid JSON: its text as received
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Normalised:
    headers: pd.DataFrame
    lines: pd.DataFrame
    rejects: pd.DataFrame
    # the buyer's charges (line and order level), one row each: they become charge lines
    charges: pd.DataFrame = field(default_factory=lambda: empty_frame(CHARGES))


class _Rejected(Exception):
    def __init__(self, problems: list[str], error_type: str = reasons.DATA):
        super().__init__(reasons.join(problems))
        self.problems = problems
        self.error_type = error_type


def parse_procuros_datetime(value: object) -> pd.Timestamp | None:
    """Procuros DateTime → tz-aware UTC Timestamp; None for absent values.

    Accepts date-only ``YYYY-MM-DD`` (midnight Europe/Berlin, the zone Procuros documents its
    datetimes in) and ISO 8601 date-times with offset/``Z``; a date-time without offset is taken
    as Berlin time too. Anything else (e.g. ``10.03.2025``) raises ValueError rather than being
    guessed at.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or not _ISO.match(value.strip()):
        raise ValueError(f"not an ISO date: {value!r}")
    text = value.strip()
    if _DATE_ONLY.match(text):
        ts = pd.Timestamp(datetime.fromisoformat(text))
    else:
        ts = pd.Timestamp(datetime.fromisoformat(text.replace(" ", "T", 1)))
    if ts.tzinfo is None:
        ts = ts.tz_localize(BERLIN, ambiguous=True, nonexistent="shift_forward")
    return ts.tz_convert("UTC")


def _text(value: object) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


def _domain(identifier: dict) -> str:
    # PartyIdentifier/ItemIdentifier domain defaults to GS1 in the schema
    return str(identifier.get("domain") or "GS1").upper()


def _identifier(obj: object, domain: str) -> str | None:
    """First identifier with the given domain from a party/item ``identifiers`` list."""
    if not isinstance(obj, dict):
        return None
    for ident in obj.get("identifiers") or []:
        if isinstance(ident, dict) and _domain(ident) == domain:
            found = _text(ident.get("identifier"))
            if found:
                return found
    return None


def _net_payment_days(terms: object) -> int | None:
    """payInNumberOfDays of the net term (percentage 0); the longest if several."""
    days = []
    for term in terms if isinstance(terms, list) else []:
        if isinstance(term, dict) and not term.get("percentage") and isinstance(term.get("payInNumberOfDays"), int):
            days.append(term["payInNumberOfDays"])
    return max(days) if days else None


def _date(problems: list[str], order: str | None, field: str, value: object, line: int | None = None):
    try:
        return parse_procuros_datetime(value)
    except ValueError:
        problems.append(reasons.bad_date(order, field, value, line))
        return None


@dataclass(frozen=True)
class ImportLimits:
    """What an order may ask for before it is refused as implausible (settings ``import_limits``):
    a typing error in the buyer's system (1e12 pieces) must not become a quotation."""

    max_quantity: float = 1_000_000
    max_unit_price: float = 1_000_000
    max_identifier_length: int = 255  # order number, GLNs, GTINs, article numbers
    max_lines: int = 20_000


def _line_numbers(items: list) -> list[int]:
    """Given lineNumbers, with missing ones generated (OrderItem has no required fields).

    A missing number takes the item's position if that is free, else the next number above
    everything used so far, so generated numbers never collide with given ones.
    """
    given = [it.get("lineNumber") if isinstance(it, dict) else None for it in items]
    given = [int(n) if isinstance(n, float) and n.is_integer() else n for n in given]  # 3.0 is line 3
    given = [n if isinstance(n, int) and not isinstance(n, bool) and n >= 1 else None for n in given]
    used = {n for n in given if n is not None}
    out = []
    for pos, n in enumerate(given, start=1):
        if n is None:
            n = pos if pos not in used else max(used | set(out) | {0}) + 1
            used.add(n)
        out.append(n)
    return out


def _normalise_lines(tid: str, order: str | None, items: list, problems: list[str],
                     limits: ImportLimits, charges: list[dict], notes: list[str]) -> list[dict]:
    rows = []
    numbers = _line_numbers(items)
    seen: set[int] = set()
    for item, number in zip(items, numbers):
        if number in seen:
            problems.append(reasons.duplicate_line_number(order, number))
        seen.add(number)
        if not isinstance(item, dict):
            problems.append(reasons.no_item_identifier(order, number))
            continue
        gtin, buyer_id, supplier_id = (_identifier(item, d) for d in ("GS1", "BUYER", "SUPPLIER"))
        if not (gtin or buyer_id or supplier_id):
            problems.append(reasons.no_item_identifier(order, number))
        for what, value in (("GTIN", gtin), ("buyer's article number", buyer_id),
                            ("supplier's article number", supplier_id)):
            if value and len(value) > limits.max_identifier_length:
                problems.append(reasons.too_long(order, what, len(value), limits.max_identifier_length, number))
        raw_qty = item.get("quantity")
        quantity = 1.0  # spec default
        if raw_qty is not None:
            try:
                if isinstance(raw_qty, bool):
                    raise ValueError
                quantity = float(raw_qty)
                if math.isnan(quantity):
                    raise ValueError
            except (TypeError, ValueError):
                problems.append(reasons.quantity_not_a_number(order, number, raw_qty))
                quantity = None
            else:
                if quantity <= 0:
                    problems.append(reasons.quantity_not_positive(order, number, quantity))
                elif round(quantity, QUANTITY_DIGITS) == 0:
                    problems.append(reasons.quantity_rounds_to_zero(order, number, quantity, QUANTITY_DIGITS))
                elif quantity > limits.max_quantity or math.isinf(quantity):
                    problems.append(reasons.quantity_too_large(order, number, quantity, limits.max_quantity))
        unit = _text(item.get("unitOfMeasure")) or "EA"
        if unit not in UNIT_CODES:
            problems.append(reasons.unknown_unit_code(order, number, unit))
        price = item.get("unitPrice")
        price = float(price) if isinstance(price, (int, float)) and not isinstance(price, bool) else None
        if price is not None and not 0 <= price <= limits.max_unit_price:
            problems.append(reasons.price_implausible(order, number, price, limits.max_unit_price))
        per_quantity = item.get("pricingUnitQuantity")
        per_quantity = float(per_quantity) if isinstance(per_quantity, (int, float)) and not isinstance(per_quantity, bool) else None
        if per_quantity is not None and not per_quantity > 0:
            problems.append(f"{reasons._order(order)} line {number}: pricingUnitQuantity must be more than 0 "
                            f"(the number of {unit} the price is for), not {per_quantity:g}")
        mods = read_modifications(item.get("modificationGroups"), f"line {number}", order)
        problems.extend(mods.problems)
        notes.extend(mods.notes)
        charges.extend({"transaction_id": tid, "line_number": number, **c} for c in mods.charges)
        rows.append({
            "transaction_id": tid,
            "line_number": number,
            "gtin": gtin,
            "buyer_item_id": buyer_id,
            "supplier_item_id": supplier_id,
            "is_deposit_item": bool(item.get("isDepositItem") or False),
            "quantity": quantity,
            "unit_code": unit,
            "unit_price": price,
            "description": _text(item.get("description")),
            "requested_delivery_date": _date(problems, order, "requestedDeliveryDate",
                                             item.get("requestedDeliveryDate"), number),
            "requested_earliest_date": _date(problems, order, "requestedEarliestDeliveryDate",
                                             item.get("requestedEarliestDeliveryDate"), number),
            "requested_latest_date": _date(problems, order, "requestedLatestDeliveryDate",
                                           item.get("requestedLatestDeliveryDate"), number),
            "pricing_unit_quantity": per_quantity,
            "pricing_unit_code": _text(item.get("pricingUnitOfMeasure")),
            "allowance_percent": mods.allowance_percent or None,
        })
    return rows


def _supplier_gln(header: dict) -> str | None:
    supplier = header.get("supplier") if isinstance(header.get("supplier"), dict) else {}
    return _identifier(supplier, "GS1")


def _normalise_one(tx: dict, own_gln: str | None, limits: ImportLimits) -> tuple[dict, list[dict]]:
    if isinstance(tx.get(INVALID_JSON), str):
        try:
            json.loads(tx[INVALID_JSON])
        except ValueError as exc:
            raise _Rejected([reasons.invalid_json(str(exc))])
    if tx.get("type") != "ORDER":
        raise _Rejected([reasons.not_an_order(tx.get("type"))], reasons.INTERNAL)
    tid = str(tx["procurosTransactionId"])
    content = tx.get("content")
    unreadable = text_problems(content) or type_problems(content)
    if unreadable:
        raise _Rejected(unreadable)
    header = content.get("header") if isinstance(content, dict) else None
    if not isinstance(header, dict):
        raise _Rejected([reasons.malformed_document("no header")])
    order = _text(header.get("orderIdentifier"))
    buyer = header.get("buyer") if isinstance(header.get("buyer"), dict) else {}
    buyer_name = _text(buyer.get("name"))
    buyer_gln = _identifier(buyer, "GS1")
    problems: list[str] = []
    if tx.get("isLatestVersion") is False:
        # an older version would overwrite the newer one: never import it
        raise _Rejected([reasons.superseded(order, _text(tx.get("replacedByProcurosTransactionId")))])
    if not order:
        problems.append(reasons.missing_order_identifier(buyer_name, buyer_gln))
    elif len(order) > limits.max_identifier_length:
        problems.append(reasons.too_long(order[:40] + "…", "order number", len(order), limits.max_identifier_length))
    supplier = _supplier_gln(header)
    if own_gln and supplier and supplier != own_gln:
        # addressed to another supplier: never book another company's order (routing: settings)
        raise _Rejected([reasons.not_our_order(order, supplier, own_gln)])
    if not buyer_gln:
        problems.append(reasons.missing_buyer_gln(order, buyer_name))
    order_date = None
    if header.get("orderDate") in (None, ""):
        problems.append(reasons.missing_order_date(order))
    else:
        order_date = _date(problems, order, "orderDate", header.get("orderDate"))
    requested = _date(problems, order, "requestedDeliveryDate", header.get("requestedDeliveryDate"))
    items = content.get("items")
    if not isinstance(items, list) or not items:
        problems.append(reasons.no_items(order))
        items = []
    if len(items) > limits.max_lines:
        problems.append(reasons.too_many_lines(order, len(items), limits.max_lines))
        items = []
    charges: list[dict] = []
    notes: list[str] = []
    lines = _normalise_lines(tid, order, items, problems, limits, charges, notes)
    summary = content.get("summary") if isinstance(content.get("summary"), dict) else {}
    order_mods = read_modifications(summary.get("modificationGroups"), "the order's summary", order)
    problems.extend(order_mods.problems)
    notes.extend(order_mods.notes)
    charges.extend({"transaction_id": tid, "line_number": None, **c} for c in order_mods.charges)
    earliest = _date(problems, order, "requestedEarliestDeliveryDate", header.get("requestedEarliestDeliveryDate"))
    latest = _date(problems, order, "requestedLatestDeliveryDate", header.get("requestedLatestDeliveryDate"))
    if earliest is not None and latest is not None and latest < earliest:
        problems.append(f"{reasons._order(order)}: requestedLatestDeliveryDate is before requestedEarliestDeliveryDate")
    if problems:
        raise _Rejected(problems)
    terms = read_terms(header.get("paymentTerms"))

    ship_to = header.get("shipTo") if isinstance(header.get("shipTo"), dict) else {}
    ship_gln = _identifier(ship_to, "GS1")
    address = ship_to.get("postalAddress") if isinstance(ship_to.get("postalAddress"), dict) else {}
    by_address = bool(ship_to) and not ship_gln  # a ShipToParty may be given by address only
    version = header.get("version")
    return {
        "transaction_id": tid,
        "order_identifier": order,
        "order_date": order_date,
        "buyer_gln": buyer_gln,
        "buyer_name": buyer_name,
        "supplier_gln": _identifier(header.get("supplier"), "GS1"),
        "ship_to_gln": ship_gln,
        # the name is kept for a GLN shipTo too (messages); the address only when it is all we have
        "ship_to_name": _text(ship_to.get("name")) or _text(address.get("name")),
        "ship_to_street": _text(address.get("street")) if by_address else None,
        "ship_to_city": _text(address.get("city")) if by_address else None,
        "ship_to_postal_code": _text(address.get("postalCode")) if by_address else None,
        "ship_to_country": _text(address.get("countryCode")) if by_address else None,
        "bill_to_gln": _identifier(header.get("billTo"), "GS1"),
        "requested_delivery_date": requested,
        "currency": _text(header.get("currency")),
        "comments": _text(header.get("comments")),
        "delivery_information": _text(header.get("deliveryInformation")),
        "version": version if isinstance(version, int) and not isinstance(version, bool) else None,
        "replaces_transaction_id": _text(tx.get("replacesProcurosTransactionId")),
        "is_latest_version": True,
        "payment_days": _net_payment_days(header.get("paymentTerms")),
        "payment_terms": ",".join(f"{d}:{p:g}" for d, p in terms) or None,
        "requested_earliest_date": earliest,
        "requested_latest_date": latest,
        "order_type": _text(header.get("type")),
        "promotion_code": _text(header.get("promotionCode")),
        "contract_reference": _text(header.get("contractReference")),
        "final_recipient": _party_text(header.get("finalRecipient")),
        "order_allowance_percent": order_mods.allowance_percent or None,
        "notes": "\n".join(notes) or None,
        "line_count": len(lines),
    }, lines, charges


def _party_text(party: object) -> str | None:
    """A party as one line people can read: name (GLN …), street, zip city, country."""
    if not isinstance(party, dict):
        return None
    address = party.get("postalAddress") if isinstance(party.get("postalAddress"), dict) else {}
    gln = _identifier(party, "GS1")
    name = _text(party.get("name")) or _text(address.get("name"))
    parts = [" ".join(p for p in (name, f"(GLN {gln})" if gln else None) if p) or None, _text(address.get("street")),
             " ".join(p for p in (_text(address.get("postalCode")), _text(address.get("city"))) if p) or None,
             _text(address.get("countryCode"))]
    return ", ".join(p for p in parts if p) or None


def _reject_row(tx: object, error_type: str, reason: str) -> dict:
    tx = tx if isinstance(tx, dict) else {}
    content = tx.get("content") if isinstance(tx.get("content"), dict) else {}
    header = content.get("header") if isinstance(content.get("header"), dict) else {}
    order = header.get("orderIdentifier")
    return {
        "transaction_id": str(tx.get("procurosTransactionId") or "unknown"),
        "order_identifier": clean(_text(order)) if isinstance(order, str) else None,
        "buyer_gln": clean(_identifier(header.get("buyer"), "GS1")),
        "error_type": error_type,
        "reason": clean(reason),
    }


def normalise_orders(transactions: list[dict], *, own_gln: str | None = None,
                     limits: ImportLimits = ImportLimits()) -> Normalised:
    """Raw ReceivedTransaction dicts → Normalised(headers, lines, rejects), each schema-validated.

    Input order is kept; a transaction id seen twice in one batch is only mapped once. With
    ``own_gln``, an order whose supplier is someone else is rejected.
    """
    headers, lines, rejects, charges = [], [], [], []
    copies: dict[str, set[bytes]] = {}
    for tx in transactions:  # a queue may list one transaction twice: fine only if identical
        if isinstance(tx, dict) and isinstance(tx.get("procurosTransactionId"), str):
            copies.setdefault(tx["procurosTransactionId"], set()).add(
                hashlib.sha256(json.dumps(tx, sort_keys=True, default=str).encode("utf-8", "surrogatepass")).digest())
    seen: set[str] = set()
    for tx in transactions:
        tid = str(tx.get("procurosTransactionId")) if isinstance(tx, dict) else None
        if tid in seen:
            continue
        seen.add(tid)
        try:
            if not isinstance(tx, dict) or not tx.get("procurosTransactionId"):
                raise _Rejected([reasons.malformed_document("no procurosTransactionId")], reasons.INTERNAL)
            if len(copies.get(tid, ())) > 1:
                raise _Rejected([reasons.listed_twice(tid)], reasons.INTERNAL)
            header, doc_lines, doc_charges = _normalise_one(tx, own_gln, limits)
        except _Rejected as rej:
            rejects.append(_reject_row(tx, rej.error_type, reasons.join(rej.problems)))
            continue
        except Exception as exc:  # one broken document must not stop the batch
            rejects.append(_reject_row(tx, reasons.INTERNAL, reasons.internal_error(exc)))
            continue
        headers.append(header)
        lines.extend(doc_lines)
        charges.extend(doc_charges)
    return Normalised(
        headers=frame(NORMALISED_HEADERS, headers),
        lines=frame(NORMALISED_LINES, lines),
        rejects=frame(REJECTS, rejects),
        charges=frame(CHARGES, charges),
    )
