"""Why a supplier's INVOICE or CREDIT_NOTE was not imported, and what a bill check found.

Same style as :mod:`.reasons`: one function per reason, a complete sentence naming the document
(and line) so the supplier, who reads it in the Procuros portal, can act on it. ``doc`` is the
document's label with its number, e.g. "Invoice RE-2025-10452" (see :func:`document`).
"""

from __future__ import annotations

from collections.abc import Iterable


def document(kind: str, number: str | None) -> str:
    """``document("Invoice", "RE-1")`` -> "Invoice RE-1"."""
    return f"{kind} {number}" if number else f"{kind} without a document number"


def _line(doc: str, line: int) -> str:
    return f"{doc} line {line}"


def _amount(value: float) -> str:
    return f"{value:.2f}"


def _qty(value: float) -> str:
    return f"{value:g}"


# --- the document itself ----------------------------------------------------------------------

def not_this_type(doc: str, transaction_type: object) -> str:
    return f"{doc}: transaction type {transaction_type!r} is not handled by this import"


def missing_field(doc: str, field: str) -> str:
    return f"{doc}: {field} is missing"


def bad_date(doc: str, field: str, value: object) -> str:
    return f"{doc}: {field} {value!r} is not a date"


def no_items(doc: str) -> str:
    return f"{doc} has no items"


def no_item_identifier(doc: str, line: int) -> str:
    return f"{_line(doc, line)} has no GTIN, buyer or supplier article number"


def not_a_number(doc: str, line: int, field: str, value: object) -> str:
    return f"{_line(doc, line)}: {field} {value!r} is not a number"


def not_addressed_to_us(doc: str, gln: str | None, own_gln: str) -> str:
    return f"{doc} is billed to GLN {gln or '(none)'}, not to us (GLN {own_gln})"


def duplicate_line_number(doc: str, line: int) -> str:
    return f"{doc}: line number {line} appears twice"


# --- resolving against Odoo -------------------------------------------------------------------

def supplier_unknown(doc: str, gln: str, name: str | None) -> str:
    who = f"GLN {gln} ({name})" if name else f"GLN {gln}"
    return f"{doc}: the supplier {who} is not a vendor in our Odoo (no vendor has this GLN as its Reference)"


def supplier_ambiguous(doc: str, gln: str, names: Iterable[str]) -> str:
    return f"{doc}: the supplier GLN {gln} belongs to several vendors in our Odoo ({', '.join(names)})"


def supplier_not_connected(doc: str, supplier: str, connector: str | None, integration: str) -> str:
    setting = f"is set to {connector!r}" if connector else "is empty"
    return (f"{doc}: the vendor {supplier} is not set up for this Procuros integration in our Odoo "
            f"(its Procuros Connector {setting}, not {integration!r})")


def order_missing(doc: str) -> str:
    return f"{doc} names no purchase order (orderIdentifier); send it with our purchase order number"


def order_unknown(doc: str, order: str) -> str:
    return f"{doc}: purchase order {order} does not exist in our Odoo"


def order_of_other_supplier(doc: str, order: str) -> str:
    return f"{doc}: purchase order {order} was not placed with you"


def order_not_confirmed(doc: str, order: str, state: str) -> str:
    what = "was cancelled" if state == "cancel" else "is not confirmed yet"
    return f"{doc}: purchase order {order} {what}; it cannot be billed"


def currency_mismatch(doc: str, currency: str, order: str, order_currency: str) -> str:
    return f"{doc} is in {currency}, but purchase order {order} is in {order_currency}"


def product_unknown(doc: str, line: int, identifiers: Iterable[str]) -> str:
    return f"{_line(doc, line)}: no product in our Odoo has the GTIN or article number {' / '.join(identifiers)}"


def product_ambiguous(doc: str, line: int, identifier: str, products: Iterable[str]) -> str:
    return f"{_line(doc, line)}: the GTIN or article number {identifier} matches several products ({', '.join(products)})"


def product_not_ordered(doc: str, line: int, product: str, order: str) -> str:
    return f"{_line(doc, line)}: {product} is not on purchase order {order}"


def unit_mismatch(doc: str, line: int, unit: str, ordered_in: str, order: str) -> str:
    return (f"{_line(doc, line)} is billed in {unit}, but purchase order {order} orders it in "
            f"{ordered_in}; bill it in the order's unit")


def tax_unknown(doc: str, line: int, percentage: float) -> str:
    return f"{_line(doc, line)}: no purchase tax of {percentage:g} % exists in our Odoo"


# --- what the bill check lists (the bill is imported as a draft all the same) ----------------

def price_differs(line: int, price: float, ordered: float, where: str) -> str:
    return f"line {line}: price {_amount(price)} differs from the order's {_amount(ordered)} ({where})"


def quantity_exceeds(line: int, quantity: float, open_quantity: float, where: str) -> str:
    return (f"line {line}: quantity {_qty(quantity)} is more than the {_qty(open_quantity)} received and "
            f"not yet billed ({where})")


def total_differs(what: str, document_value: float, odoo_value: float) -> str:
    return f"{what} {_amount(document_value)} on the document, {_amount(odoo_value)} in Odoo"


def credited_bill_unknown(invoice: str) -> str:
    return f"corrects invoice {invoice}, which is not a bill of this vendor in Odoo: not linked"
