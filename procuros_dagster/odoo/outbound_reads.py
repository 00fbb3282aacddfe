"""Odoo reads for the outbound documents: one *bundle* per document movement.

A bundle is ``{model: [record dicts as search_read returns them]}`` — exactly what the pure
builders in ``procuros_dagster.mapping`` take.  Every fetch makes a constant number of round trips
whatever the batch size: the candidate records first, then one search_read/read per related model
with the ids collected from the records already read.  The customer switches ("Send Shipping
Notice", "Send Invoice & Credit Notes") and the integration's scope (its partners, its company)
are applied in the domain, and records the movement's binder says were sent are dropped, so a
document is never sent twice.

Every fetch has the signature the movement registry expects:
``fetch(gw, *, day=None, record_ids=None, tz, retry_ids=(), bound=None, scope=())``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable, Iterable, Protocol, Sequence
from zoneinfo import ZoneInfo

from .errors import OdooRpcError

#: (model, record ids) -> the ids already sent (a Binder's bound_ids)
Bound = Callable[[str, Sequence[int]], set[int]]

PICKING_FIELDS = [
    "id", "name", "state", "origin", "partner_id", "picking_type_code", "date_done", "carrier_id",
    "carrier_tracking_ref", "carrier_tracking_url", "x_procuros_sscc", "move_ids", "move_line_ids", "sale_id", "backorder_id", "backorder_ids", "company_id",
]
MOVE_FIELDS = [
    "id", "product_id", "product_uom_qty", "quantity", "product_uom", "state", "sale_line_id", "picking_id",
    "picking_code", "date", "move_line_ids", "origin",
]
MOVE_LINE_FIELDS = [
    "id", "move_id", "picking_id", "product_id", "quantity", "product_uom_id", "lot_id", "lot_name",
    "result_package_id", "state",
]
SALE_ORDER_FIELDS = [
    "id", "name", "state", "partner_id", "partner_invoice_id", "partner_shipping_id", "client_order_ref",
    "origin", "date_order", "commitment_date", "currency_id", "order_line", "x_procuros_order_date",
    "x_procuros_buyer_gln",
    "x_procuros_transaction_id",
]
SALE_LINE_FIELDS = [
    "id", "order_id", "sequence", "display_type", "product_id", "name", "product_uom_qty", "product_uom",
    "price_unit", "discount", "qty_delivered", "x_procuros_line_number", "x_procuros_is_deposit",
    "is_delivery", "is_downpayment", "x_procuros_buyer_article_number",
]
PARTNER_FIELDS = [
    "id", "name", "display_name", "ref", "type", "parent_id", "is_company", "commercial_partner_id", "street",
    "street2", "zip", "city", "country_code", "vat", "x_procuros_send_shipping_notice", "x_procuros_send_invoice",
    "x_procuros_send_credit_note_reason",
]
PRODUCT_FIELDS = ["id", "name", "display_name", "default_code", "barcode", "uom_id", "type", "weight",
                  "weight_uom_name"]
LOT_FIELDS = ["id", "name", "product_id", "expiration_date"]  # expiration_date needs product_expiry
PACKAGE_FIELDS = ["id", "name", "package_type_id", "x_procuros_sscc"]
MOVE_HEADER_FIELDS = [
    "id", "name", "move_type", "state", "invoice_date", "invoice_date_due", "ref", "invoice_origin",
    "partner_id", "partner_shipping_id", "commercial_partner_id", "currency_id", "amount_untaxed", "amount_tax",
    "amount_total", "invoice_line_ids", "invoice_payment_term_id", "reversed_entry_id", "company_id",
    "partner_bank_id", "fiscal_position_id",
]
INVOICE_LINE_FIELDS = [
    "id", "move_id", "sequence", "display_type", "product_id", "name", "quantity", "product_uom_id",
    "price_unit", "discount", "price_subtotal", "price_total", "tax_ids", "sale_line_ids",
]
TAX_FIELDS = ["id", "name", "amount", "amount_type", "description", "price_include"]
BANK_ACCOUNT_FIELDS = ["id", "acc_number", "acc_holder_name", "partner_id", "bank_id", "allow_out_payment",
                       "sequence", "company_id"]
BANK_FIELDS = ["id", "name", "bic"]
FISCAL_POSITION_FIELDS = ["id", "name", "note"]
PAYMENT_TERM_FIELDS = ["id", "name", "line_ids", "early_discount", "discount_percentage", "discount_days"]
PAYMENT_TERM_LINE_FIELDS = ["id", "payment_id", "value", "value_amount", "nb_days", "delay_type"]
INVOICE_PICKING_FIELDS = ["id", "name", "state", "picking_type_code", "date_done", "sale_id"]
INVOICE_STOCK_MOVE_FIELDS = ["id", "picking_id", "sale_line_id", "quantity", "product_uom", "product_uom_qty", "state",
                             "date"]


class Gateway(Protocol):
    def search_read(self, model: str, domain: Sequence[Any], fields: Sequence[str], order: str | None = None,
                    limit: int | None = None, context: dict | None = None) -> list[dict]: ...

    def read(self, model: str, ids: Iterable[int], fields: Sequence[str]) -> list[dict]: ...


# Which records each outbound document is built from: enabled customers only. The sensor that
# watches Odoo for new ones uses the same domains (through the movement registry).
ELIGIBLE_PICKINGS = [
    ("state", "=", "done"),
    ("picking_type_code", "=", "outgoing"),
    ("sale_id", "!=", False),
    ("partner_id.commercial_partner_id.x_procuros_send_shipping_notice", "=", True),
]


def eligible_moves(move_type: str) -> list:
    """Posted customer invoices (out_invoice) or credit notes (out_refund) of enabled customers."""
    return [
        ("move_type", "=", move_type),
        ("state", "=", "posted"),
        ("commercial_partner_id.x_procuros_send_invoice", "=", True),
    ]


def utc_day_range(day: date, tz: str = "Europe/Berlin") -> tuple[str, str]:
    """The local calendar day as a half-open UTC range in Odoo's "YYYY-MM-DD HH:MM:SS" format."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(timezone.utc)
    return start.strftime("%Y-%m-%d %H:%M:%S"), end.strftime("%Y-%m-%d %H:%M:%S")


def day_domain(field: str, day: date, tz: str, *, is_datetime: bool) -> list:
    """The records of a local calendar day: a datetime field (UTC in Odoo) cut in ``tz``, a date as it is."""
    if is_datetime:
        start, end = utc_day_range(day, tz)
        return [(field, ">=", start), (field, "<", end)]
    return [(field, "=", day.isoformat())]


# --- helpers -------------------------------------------------------------------------------

def _ids(records: Iterable[dict], key: str) -> list[int]:
    out: set[int] = set()
    for r in records:
        v = r.get(key)
        if isinstance(v, (list, tuple)):
            if len(v) == 2 and isinstance(v[1], str):  # many2one pair
                out.add(int(v[0]))
            else:
                out.update(int(i) for i in v)
    return sorted(out)


def _read(gw: Gateway, model: str, ids: Sequence[int], fields: Sequence[str]) -> list[dict]:
    return sorted(gw.read(model, list(ids), list(fields)), key=lambda r: r["id"]) if ids else []


def _scope(day: date | None, ids: Sequence[int] | None, by_day: list, retry_ids: Sequence[int] = ()) -> list:
    """Explicit ids; or the day's records plus ``retry_ids`` (earlier failures, whatever their day)."""
    if ids is not None:
        return [("id", "in", sorted({int(i) for i in ids}))]
    if day is None:
        raise ValueError("pass a day or explicit record ids")
    if retry_ids:
        return ["|", *["&"] * (len(by_day) - 1), *by_day, ("id", "in", sorted({int(i) for i in retry_ids}))]
    return by_day


def _drop_bound(records: list[dict], model: str, bound: Bound | None) -> list[dict]:
    """Records already sent (bound) are left out; one look-up for the batch."""
    if not records or bound is None:
        return records
    done = bound(model, [int(r["id"]) for r in records])
    return [r for r in records if int(r["id"]) not in done]


def _partners(gw: Gateway, ids: Iterable[int]) -> list[dict]:
    """Partners plus their parents — among them their commercial partners — in one read
    (``parent_of``: the records and all their ancestors, archived ones included)."""
    ids = sorted(set(ids))
    if not ids:
        return []
    return sorted(gw.search_read("res.partner", [("id", "parent_of", ids)], PARTNER_FIELDS,
                                 context={"active_test": False}), key=lambda p: p["id"])


def _lots(gw: Gateway, ids: Sequence[int]) -> list[dict]:
    if not ids:
        return []
    try:
        return _read(gw, "stock.lot", ids, LOT_FIELDS)
    except OdooRpcError as exc:  # product_expiry not installed: no expiration_date field
        if "expiration_date" not in str(exc):
            raise
        return _read(gw, "stock.lot", ids, [f for f in LOT_FIELDS if f != "expiration_date"])


# --- SHIPPING_NOTICE -----------------------------------------------------------------------

def fetch_shipping_notice_bundle(gw: Gateway, *, day: date | None = None, record_ids: Sequence[int] | None = None,
                                 tz: str = "Europe/Berlin", retry_ids: Sequence[int] = (),
                                 bound: Bound | None = None, scope: Sequence = ()) -> dict[str, list[dict]]:
    """Validated outgoing pickings of sale orders (of the local ``day``, or ``record_ids``) + related records."""
    by_day = []
    if day is not None:
        start, end = utc_day_range(day, tz)
        by_day = [("date_done", ">=", start), ("date_done", "<", end)]
    domain = [*ELIGIBLE_PICKINGS, *scope, *_scope(day, record_ids, by_day, retry_ids)]
    pickings = _drop_bound(gw.search_read("stock.picking", domain, PICKING_FIELDS, order="id"), "stock.picking", bound)
    bundle: dict[str, list[dict]] = {"stock.picking": pickings}
    if not pickings:
        return _empty_shipping(bundle)
    picking_ids_ = [p["id"] for p in pickings]
    order_ids = _ids(pickings, "sale_id")
    # all moves of the orders (earlier deliveries, backorders) + this picking's moves without order line
    moves = gw.search_read("stock.move", ["|", ("picking_id", "in", picking_ids_),
                                          ("sale_line_id.order_id", "in", order_ids)], MOVE_FIELDS, order="id")
    move_lines = gw.search_read("stock.move.line", [("picking_id", "in", picking_ids_)], MOVE_LINE_FIELDS,
                                order="id")
    orders = _read(gw, "sale.order", order_ids, SALE_ORDER_FIELDS)
    sale_lines = gw.search_read("sale.order.line", [("order_id", "in", order_ids)], SALE_LINE_FIELDS, order="id")
    bundle.update({
        "stock.move": moves,
        "stock.move.line": move_lines,
        "sale.order": orders,
        "sale.order.line": sale_lines,
        "res.partner": _partners(gw, _ids(pickings, "partner_id") + _ids(orders, "partner_id")),
        "product.product": _read(gw, "product.product", _ids(moves, "product_id"), PRODUCT_FIELDS),
        "stock.lot": _lots(gw, _ids(move_lines, "lot_id")),
        "stock.quant.package": _read(gw, "stock.quant.package", _ids(move_lines, "result_package_id"),
                                     PACKAGE_FIELDS),
    })
    return bundle


def _empty_shipping(bundle: dict[str, list[dict]]) -> dict[str, list[dict]]:
    for model in ("stock.move", "stock.move.line", "sale.order", "sale.order.line", "res.partner",
                  "product.product", "stock.lot", "stock.quant.package"):
        bundle.setdefault(model, [])
    return bundle


# --- INVOICE / CREDIT_NOTE -----------------------------------------------------------------

def fetch_invoice_bundle(gw: Gateway, *, day: date | None = None, record_ids: Sequence[int] | None = None,
                         tz: str = "Europe/Berlin", retry_ids: Sequence[int] = (), bound: Bound | None = None,
                         scope: Sequence = ()) -> dict[str, list[dict]]:
    """Posted customer invoices (invoice_date = ``day``, or ``record_ids``) of enabled customers + related."""
    return _fetch_moves(gw, "out_invoice", day, record_ids, bound, retry_ids, scope)


def fetch_credit_note_bundle(gw: Gateway, *, day: date | None = None, record_ids: Sequence[int] | None = None,
                             tz: str = "Europe/Berlin", retry_ids: Sequence[int] = (), bound: Bound | None = None,
                             scope: Sequence = ()) -> dict[str, list[dict]]:
    """Posted customer credit notes + the invoices they reverse + related records."""
    return _fetch_moves(gw, "out_refund", day, record_ids, bound, retry_ids, scope)


def _fetch_moves(gw: Gateway, move_type: str, day: date | None, move_ids: Sequence[int] | None,
                 bound: Bound | None, retry_ids: Sequence[int] = (), scope: Sequence = ()) -> dict[str, list[dict]]:
    # invoice_date is a date: the partition's day as it is, no time zone
    by_day = [("invoice_date", "=", day.isoformat())] if day is not None else []
    domain = [*eligible_moves(move_type), *scope, *_scope(day, move_ids, by_day, retry_ids)]
    moves = _drop_bound(gw.search_read("account.move", domain, MOVE_HEADER_FIELDS, order="id"), "account.move", bound)
    models = ("account.move.line", "account.tax", "sale.order.line", "sale.order", "stock.picking", "stock.move",
              "res.partner", "product.product", "account.payment.term", "account.payment.term.line",
              "res.partner.bank", "res.bank", "account.fiscal.position")
    bundle: dict[str, list[dict]] = {"account.move": moves, **{m: [] for m in models}}
    if not moves:
        return bundle
    reversed_ids = sorted(set(_ids(moves, "reversed_entry_id")) - {m["id"] for m in moves})
    if reversed_ids:
        bundle["account.move"] = sorted(moves + _read(gw, "account.move", reversed_ids, MOVE_HEADER_FIELDS),
                                        key=lambda m: m["id"])
    lines = gw.search_read("account.move.line", [("move_id", "in", [m["id"] for m in moves]),
                                                 ("display_type", "=", "product")], INVOICE_LINE_FIELDS, order="id")
    # all lines of the invoiced orders: a delivery's shipping-notice line numbers depend on every order
    # line it shipped, also those not (yet) on this invoice
    invoiced_sale_line_ids = _ids(lines, "sale_line_ids")
    sale_lines = gw.search_read("sale.order.line", [("order_id.order_line", "in", invoiced_sale_line_ids)],
                                SALE_LINE_FIELDS, order="id") if invoiced_sale_line_ids else []
    order_ids = _ids(sale_lines, "order_id")
    pickings = gw.search_read("stock.picking", [("sale_id", "in", order_ids), ("state", "=", "done"),
                                                ("picking_type_code", "=", "outgoing")],
                              INVOICE_PICKING_FIELDS, order="id") if order_ids else []
    # the orders' done outgoing moves: which delivery shipped each invoiced line (item-level references)
    stock_moves = gw.search_read("stock.move", [("sale_line_id.order_id", "in", order_ids), ("state", "=", "done"),
                                                ("picking_type_id.code", "=", "outgoing")],
                                 INVOICE_STOCK_MOVE_FIELDS, order="id") if order_ids else []
    terms = _read(gw, "account.payment.term", _ids(moves, "invoice_payment_term_id"), PAYMENT_TERM_FIELDS)
    partner_ids = _ids(moves, "partner_id") + _ids(moves, "commercial_partner_id") + _ids(moves, "partner_shipping_id")
    bundle.update({
        "account.move.line": lines,
        "account.tax": _read(gw, "account.tax", _ids(lines, "tax_ids"), TAX_FIELDS),
        "sale.order.line": sale_lines,
        "sale.order": _read(gw, "sale.order", order_ids, SALE_ORDER_FIELDS),
        "stock.picking": pickings,
        "stock.move": stock_moves,
        "res.partner": _read(gw, "res.partner", sorted(set(partner_ids)), PARTNER_FIELDS),
        "product.product": _read(gw, "product.product", _ids(lines, "product_id"), PRODUCT_FIELDS),
        "account.payment.term": terms,
        "account.payment.term.line": _read(gw, "account.payment.term.line", _ids(terms, "line_ids"),
                                           PAYMENT_TERM_LINE_FIELDS),
        "account.fiscal.position": _read(gw, "account.fiscal.position", _ids(moves, "fiscal_position_id"),
                                         FISCAL_POSITION_FIELDS),
    })
    bundle.update(_bank_accounts(gw, moves))
    return bundle


def _bank_accounts(gw: Gateway, moves: list[dict]) -> dict[str, list[dict]]:
    """The bank accounts the invoices name (partner_bank_id) and those of the companies' partners
    (Odoo 17 fills partner_bank_id from them: account.move._compute_partner_bank_id), with their banks."""
    companies = _read(gw, "res.company", _ids(moves, "company_id"), ["id", "partner_id"])
    holders = _ids(companies, "partner_id")
    named = _ids(moves, "partner_bank_id")
    domain = ["|", ("id", "in", named), ("partner_id", "in", holders)] if named else [("partner_id", "in", holders)]
    accounts = gw.search_read("res.partner.bank", domain, BANK_ACCOUNT_FIELDS, order="sequence, id") \
        if holders or named else []
    return {"res.partner.bank": accounts, "res.bank": _read(gw, "res.bank", _ids(accounts, "bank_id"), BANK_FIELDS),
            "res.company": companies}
