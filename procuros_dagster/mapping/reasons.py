"""Human-readable rejection reasons for incoming orders — one function per reason.

Every message is a complete sentence that names the order (and line) so the trade partner, who sees
it in the Procuros portal, can act on it without context. Several problems of one document are
joined with "; " by :func:`join` so everything can be fixed in one go. Keep wording here only.
"""

from __future__ import annotations

from collections.abc import Iterable

DATA = "DATA"
INTERNAL = "INTERNAL"

SEPARATOR = "; "


def join(problems: Iterable[str]) -> str:
    """One reject reason from many problems, de-duplicated, in the order found."""
    return SEPARATOR.join(dict.fromkeys(p for p in problems if p))


def _order(order: str | None) -> str:
    return f"Order {order}" if order else "Order without order number"


def _line(order: str | None, line: int) -> str:
    return f"{_order(order)} line {line}"


def _lines(lines: Iterable[int]) -> str:
    nums = sorted(set(int(n) for n in lines))
    return ("line " if len(nums) == 1 else "lines ") + ", ".join(str(n) for n in nums)


def _party(name: str | None, gln: str) -> str:
    return f"GLN {gln} ({name})" if name else f"GLN {gln}"


# --- stage 1: the document itself -------------------------------------------------------------


def not_an_order(transaction_type: object) -> str:
    return f"Transaction type {transaction_type} is not an ORDER and cannot be imported as a sales order"


def malformed_document(what: str) -> str:
    return f"The order document is malformed: {what}"


def superseded(order: str | None, replaced_by: str | None) -> str:
    newer = f" (replaced by transaction {replaced_by})" if replaced_by else ""
    return f"{_order(order)} is not the latest version{newer}; only the newest version is imported"


def missing_order_identifier(buyer_name: str | None, buyer_gln: str | None) -> str:
    who = f" from buyer {_party(buyer_name, buyer_gln)}" if buyer_gln else (f" from buyer {buyer_name}" if buyer_name else "")
    return f"Order{who} has no order number (orderIdentifier)"


def missing_buyer_gln(order: str | None, buyer_name: str | None) -> str:
    who = f" ({buyer_name})" if buyer_name else ""
    return f"{_order(order)}: the buyer{who} has no GLN (identifier with domain GS1)"


def missing_order_date(order: str | None) -> str:
    return f"{_order(order)}: no order date (orderDate) given"


def bad_date(order: str | None, field: str, value: object, line: int | None = None) -> str:
    where = _line(order, line) if line is not None else _order(order)
    return f"{where}: {field} '{value}' is not a date (expected YYYY-MM-DD or an ISO 8601 date-time)"


def no_items(order: str | None) -> str:
    return f"{_order(order)} has no items"


def no_item_identifier(order: str | None, line: int) -> str:
    return f"{_line(order, line)}: no GTIN (GS1) or buyer article number given"


def quantity_not_a_number(order: str | None, line: int, value: object) -> str:
    return f"{_line(order, line)}: quantity '{value}' is not a number"


def quantity_not_positive(order: str | None, line: int, value: float) -> str:
    return f"{_line(order, line)}: quantity {value:g} must be greater than zero"


def quantity_rounds_to_zero(order: str | None, line: int, value: float, digits: int) -> str:
    return (f"{_line(order, line)}: quantity {value:g} is less than the smallest quantity Odoo keeps "
            f"({digits} decimals) and would become 0; please order in a larger unit")


def quantity_too_large(order: str | None, line: int, value: float, limit: float) -> str:
    return (f"{_line(order, line)}: quantity {value:g} is more than the {limit:g} we accept on one line; "
            "please check the quantity and send the order again")


def price_implausible(order: str | None, line: int, value: float, limit: float) -> str:
    return f"{_line(order, line)}: unit price {value:g} is outside 0-{limit:g}; please check the price"


def too_long(order: str | None, what: str, length: int, limit: int, line: int | None = None) -> str:
    where = _line(order, line) if line is not None else _order(order)
    return f"{where}: the {what} is {length} characters long; at most {limit} are accepted"


def too_many_lines(order: str | None, count: int, limit: int) -> str:
    return f"{_order(order)}: {count} lines; at most {limit} are accepted in one order, please split it"


def not_our_order(order: str | None, supplier_gln: str, own_gln: str) -> str:
    return (f"{_order(order)} is addressed to supplier GLN {supplier_gln}, but this connection is "
            f"GLN {own_gln}; send it to the right supplier")


def unknown_unit_code(order: str | None, line: int, code: object) -> str:
    return f"{_line(order, line)}: unit '{code}' is not a Procuros unit of measure"


def duplicate_line_number(order: str | None, line: int) -> str:
    return f"{_order(order)}: line number {line} is used more than once"


def _preview(value: object) -> str:
    text = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
    return text if len(text) <= 40 else text[:40] + "…"


def wrong_type(order: str | None, path: str, wanted: str, got: str, value: object) -> str:
    shown = f" ({_preview(value)})" if got not in ("an object", "a list") else ""
    where = f"{_order(order)}: " if order else ""
    return f"{where}{path} must be {wanted}, not {got}{shown}; nothing of this order was imported"


def line_number_out_of_range(order: str | None, path: str, value: object, limit: int) -> str:
    return f"{_order(order)}: {path} {value} must be between 1 and {limit}"


def unstorable_text(order: str | None, path: str, what: str) -> str:
    where = f"{_order(order)}: " if order else ""
    return f"{where}{path} contains {what}; send the text as UTF-8 without control characters"


def invalid_json(error: str) -> str:
    return (f"The order document is not valid JSON ({error}); nothing was imported, "
            "please send it again as valid JSON")


def listed_twice(transaction_id: str) -> str:
    return (f"Transaction {transaction_id} was listed twice in one queue page with different contents; "
            "neither copy was imported")


def gtin_check_digit(order: str | None, line: int, gtin: str) -> str:
    return (f"{_line(order, line)}: GTIN {gtin} matches no product and is not a valid GTIN "
            "(wrong length or check digit)")


def internal_error(exc: BaseException) -> str:
    return f"Internal error while mapping the order: {type(exc).__name__}: {exc}"


# --- stage 2: resolving against Odoo -----------------------------------------------------------


def buyer_unknown(order: str | None, gln: str, name: str | None) -> str:
    return (f"{_order(order)}: Buyer {_party(name, gln)} matches no contact in Odoo; "
            "enter it in the contact's Reference field")


def buyer_ambiguous(order: str | None, gln: str, names: list[str]) -> str:
    return (f"{_order(order)}: Buyer GLN {gln} matches {len(names)} contacts ({', '.join(names)}); "
            "a GLN must be unique")


def buyer_other_connector(order: str | None, customer: str, gln: str, connector: str, integration: str) -> str:
    return (f"{_order(order)}: Customer {customer} (GLN {gln}) trades through Procuros connector "
            f"'{connector}', not '{integration}'; correct 'Procuros Connector' on the contact")


_ROLE = {"ship_to": ("Delivery address", "a delivery address"), "bill_to": ("Invoice address", "an invoice address")}


def address_unknown(order: str | None, role: str, gln: str, name: str | None, customer: str) -> str:
    label, kind = _ROLE[role]
    return (f"{_order(order)}: {label} {_party(name, gln)} matches no address of customer {customer}; "
            f"add it as {kind} of {customer} with the GLN in its Reference field")


def address_of_other_customer(order: str | None, role: str, gln: str, customer: str, other: str) -> str:
    label, _ = _ROLE[role]
    return f"{_order(order)}: {label} GLN {gln} belongs to {other}, not to customer {customer}"


def address_ambiguous(order: str | None, role: str, gln: str, names: list[str]) -> str:
    label, _ = _ROLE[role]
    return (f"{_order(order)}: {label} GLN {gln} matches {len(names)} addresses ({', '.join(names)}); "
            "a GLN must be unique")


def gtin_unknown(order: str | None, line: int, gtin: str) -> str:
    return f"{_line(order, line)}: GTIN {gtin} matches no product"


def gtin_ambiguous(order: str | None, line: int, gtin: str, products: list[str]) -> str:
    return f"{_line(order, line)}: GTIN {gtin} matches {len(products)} products: {', '.join(products)}"


def article_unknown(order: str | None, line: int, numbers: list[str]) -> str:
    return (f"{_line(order, line)}: article number {' / '.join(numbers)} matches no product "
            "(compared with the Internal Reference)")


def article_ambiguous(order: str | None, line: int, number: str, products: list[str]) -> str:
    return f"{_line(order, line)}: article number {number} matches {len(products)} products: {', '.join(products)}"


def product_not_sellable(order: str | None, line: int, product: str) -> str:
    return f"{_line(order, line)}: product {product} cannot be sold (enable 'Can be Sold' on the product)"


def unit_unmapped(order: str | None, code: str, lines: Iterable[int]) -> str:
    return (f"{_order(order)}: Unit {code} ({_lines(lines)}) has no Odoo unit of measure: "
            "set 'Procuros Unit Type' on the unit")


def unit_ambiguous(order: str | None, code: str, uoms: list[str]) -> str:
    return (f"{_order(order)}: Unit {code} is set as 'Procuros Unit Type' on {len(uoms)} units "
            f"({', '.join(uoms)}); keep it on one unit or set an override in the settings")


def unit_category_mismatch(order: str | None, line: int, code: str, product: str, sold_in: str) -> str:
    return f"{_line(order, line)}: Unit {code} cannot be used for product {product} which is sold in {sold_in}"


def changed_after_confirmation(order: str | None, version: int | None, odoo_name: str) -> str:
    v = f" (version {version})" if version is not None else ""
    return (f"{_order(order)} was changed by the buyer{v} but is already confirmed in Odoo as {odoo_name}; "
            "agree the change with the buyer and edit the order by hand")


def currency_mismatch(order: str | None, currency: str, sells_in: str) -> str:
    return (f"{_order(order)} is in {currency}, but this supplier invoices in {sells_in}; "
            f"send the order in {sells_in} or agree the currency with the supplier")


def duplicate_order_number(order: str | None, odoo_name: str) -> str:
    return (f"Order number {order} was already received from this buyer ({odoo_name}); "
            "send changes as a new version")


def duplicate_in_batch(order: str | None, other_transaction_id: str) -> str:
    return (f"Order number {order} was received twice from this buyer in one batch (also in transaction "
            f"{other_transaction_id}); send changes as a new version")


# --- TEST flow --------------------------------------------------------------------------------

TEST_FLOW_REJECTED = "Test transactions are not accepted by this Odoo; send the order in the live flow"
TEST_FLOW_SET_ASIDE = "TEST-flow order received and set aside: this connection does not import test orders"


def malformed_values(reason: str) -> str:
    return f"The connector built invalid values for this order: {reason}"


# --- order responses (ORDER_RESPONSE → our purchase order) -------------------------------------


def _response(order: str | None) -> str:
    return f"Order response for order {order}" if order else "Order response without order number"


def response_missing(order: str | None, field: str) -> str:
    return f"{_response(order)}: no {field} given"


def response_bad_type(order: str | None, value: object) -> str:
    return f"{_response(order)}: header.type '{value}' is not ACCEPT, CHANGE or REJECT"


def response_not_for_us(order: str | None, buyer_gln: str | None, own_gln: str) -> str:
    return (f"{_response(order)} is addressed to buyer GLN {buyer_gln or '(none)'}, but this connection is "
            f"GLN {own_gln}; send it to the buyer who placed the order")


def response_change_without_items(order: str | None) -> str:
    return f"{_response(order)}: a CHANGE must list the order's lines (items) with their confirmed values"


def response_bad_line(order: str | None, line: int, what: str) -> str:
    return f"{_response(order)} line {line}: {what}"


def response_superseded(order: str | None, replaced_by: str | None) -> str:
    newer = f" (replaced by transaction {replaced_by})" if replaced_by else ""
    return f"{_response(order)} is not the latest version{newer}; only the newest version is applied"


def response_unknown_order(order: str | None) -> str:
    return (f"{_response(order)}: we have no purchase order {order}; answer with the order number "
            "(orderIdentifier) of the order we sent you")


def response_other_supplier(order: str | None, supplier_gln: str) -> str:
    return (f"{_response(order)}: purchase order {order} was not sent to supplier GLN {supplier_gln}; "
            "answer only orders sent to you")


def response_order_closed(order: str | None, why: str) -> str:
    return f"{_response(order)}: purchase order {order} is {why} and can no longer be confirmed or changed"


def response_change_after_confirmation(order: str | None) -> str:
    return (f"{_response(order)}: purchase order {order} is already confirmed, so the changes were not "
            "applied; agree them with the buyer")


def response_unknown_line(order: str | None, line: int) -> str:
    return f"{_response(order)} line {line}: purchase order {order} has no line {line}"


def response_wrong_product(order: str | None, line: int, gtin: str, ordered: str) -> str:
    return (f"{_response(order)} line {line}: GTIN {gtin} is not the product ordered on line {line} "
            f"({ordered}); confirm the product we ordered")


def response_unit_unmapped(order: str | None, line: int, code: str) -> str:
    return f"{_response(order)} line {line}: unit {code} has no Odoo unit of measure at the buyer"


def response_unit_mismatch(order: str | None, line: int, code: str, ordered_in: str) -> str:
    return f"{_response(order)} line {line}: unit {code} cannot be converted into {ordered_in}, the unit ordered"


def response_resent(order: str | None, number: str) -> str:
    return (f"{_response(order)}: order response {number} was already applied to purchase order {order} "
            "(received before under another transaction); not applied again")


def response_twice(order: str | None, kept: str) -> str:
    return f"{_response(order)}: superseded by the later response {kept} of the same batch"
