"""The vendor bills' and vendor credit notes' Odoo reader and writer.

Reader: one read per kind and chunk (vendors by GLN, earlier bills by number, purchase orders and
their lines, products), plus what every chunk of a run shares (purchase taxes, the fiscal
positions' tax mappings, units, the company currency's rounding).

Writer: like the sales orders' (sale_orders.py) — claimed first, created per chunk (a refused
chunk halved until the offending document is found), bound, noted on the chatter. Claims and
bindings are keyed by the *document* (vendor + number, mapping.vendor_bills_in.document_key) as
well as by the transaction: a supplier resending a bill under a new transaction id finds it
bound, even while an interrupted run's create may still be committing.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Sequence

from procuros_dagster.mapping import vendor_bills_in
from procuros_dagster.mapping.identifiers import gtin_variants
from procuros_dagster.mapping.odoo_values import m2o_id
from procuros_dagster.odoo.binder import Binder
from procuros_dagster.odoo.bindings import MAX_CLAIMS
from procuros_dagster.odoo.errors import OdooRpcError

log = logging.getLogger(__name__)

MODEL = "account.move"
MOVE_TYPES = ("in_invoice", "in_refund")
PARTNER_FIELDS = ["id", "name", "ref", "commercial_partner_id", "active", "property_account_position_id"]
ORDER_FIELDS = ["id", "name", "state", "partner_id", "fiscal_position_id", "currency_id", "payment_term_id",
                "company_id"]
ORDER_LINE_FIELDS = ["id", "order_id", "sequence", "display_type", "product_id", "product_uom", "product_qty",
                     "qty_received", "qty_invoiced", "price_unit", "taxes_id"]
PRODUCT_FIELDS = ["id", "name", "display_name", "barcode", "default_code", "uom_id", "supplier_taxes_id"]
MOVE_FIELDS = ["id", "name", "ref", "move_type", "state", "partner_id", "commercial_partner_id", "invoice_origin"]
AMOUNT_FIELDS = ["name", "amount_untaxed", "amount_tax", "amount_total"]


@dataclass(frozen=True)
class RunLookups:
    taxes: list[dict]
    position_taxes: list[dict]
    uom_codes: dict[int, str]
    rounding: float
    connector: str
    uoms: dict[int, dict]
    uom_overrides: dict[str, int]


def run_lookups(gateway, settings, integration) -> RunLookups:
    """Read once per run: small tables every chunk needs."""
    company = gateway.search_read("res.company", [], ["id", "currency_id"], order="sequence, id", limit=1)[0]
    currency = gateway.read("res.currency", [m2o_id(company["currency_id"])], ["rounding"])
    taxes = gateway.search_read("account.tax", [("type_tax_use", "=", "purchase")],
                                ["id", "name", "amount", "amount_type", "sequence"], order="sequence, id")
    position_taxes = gateway.search_read("account.fiscal.position.tax", [],
                                         ["position_id", "tax_src_id", "tax_dest_id"], order="id")
    uoms = {u["id"]: {**u, "category_id": m2o_id(u.get("category_id"))} for u in gateway.uoms()}
    codes = {i: u.get("x_procuros_unit_code") for i, u in uoms.items() if u.get("x_procuros_unit_code")}
    overrides = gateway.unit_code_overrides(settings.uom_codes)
    codes.update({uom_id: code for code, uom_id in overrides.items()})  # as the documents we send say
    return RunLookups(taxes, position_taxes, codes, float(currency[0]["rounding"]) if currency else 0.01,
                      integration.connector, uoms, overrides)


def _unique(values) -> list:
    return sorted({v for v in values if isinstance(v, str) and v})


def fetch_lookups(gateway, norm: vendor_bills_in.Normalised, settings, integration,
                  per_run: RunLookups | None = None) -> vendor_bills_in.BillLookups:
    """One read per kind for this chunk's documents."""
    per_run = per_run or run_lookups(gateway, settings, integration)
    headers, lines = norm.headers, norm.lines
    partners = gateway.partners_by_ref(
        _unique(headers.get("supplier_gln", [])),
        gateway._with_custom("res.partner", PARTNER_FIELDS, ["x_procuros_connector"]))
    numbers = _unique(list(headers.get("document_number", [])) + list(headers.get("invoice_reference", [])))
    supplier_ids = sorted({p["id"] for p in partners})
    # earlier bills and credit notes of these vendors under these numbers (resends, credited bills)
    moves = gateway.search_read(
        MODEL, [("move_type", "in", list(MOVE_TYPES)), ("ref", "in", numbers),
                ("commercial_partner_id", "in", supplier_ids)], MOVE_FIELDS, order="id",
    ) if numbers and supplier_ids else []
    order_names = _unique(list(headers.get("order_identifier", [])) + [m.get("invoice_origin") for m in moves])
    orders = gateway.search_read("purchase.order", [("name", "in", order_names)], ORDER_FIELDS,
                                 order="id") if order_names else []
    order_lines = gateway.search_read("purchase.order.line", [("order_id", "in", [o["id"] for o in orders])],
                                      ORDER_LINE_FIELDS, order="id") if orders else []
    gtins = _unique([v for g in lines.get("gtin", []) for v in gtin_variants(g)])
    codes = _unique(list(lines.get("supplier_item_id", [])) + list(lines.get("buyer_item_id", [])))
    products = gateway.search_read(
        "product.product", ["|", ("barcode", "in", gtins), ("default_code", "in", codes)], PRODUCT_FIELDS,
        order="id") if (gtins or codes) else []
    return vendor_bills_in.BillLookups(
        partners=partners, orders=orders, order_lines=order_lines, products=products, moves=moves,
        taxes=per_run.taxes, position_taxes=per_run.position_taxes, uom_codes=per_run.uom_codes,
        rounding=per_run.rounding, connector=per_run.connector, uoms=per_run.uoms,
        uom_overrides=per_run.uom_overrides)


# --- writing ----------------------------------------------------------------------------------

@dataclass
class BillWriteOutcome:
    transaction_id: str
    document_number: str | None
    status: str  # created | already_imported | in_flight | failed
    move_id: int | None = None
    move_name: str | None = None
    error: str | None = None
    error_type: str = "INTERNAL"
    amount_untaxed: float | None = None  # as Odoo computed them (the bill check compares them)
    amount_tax: float | None = None
    amount_total: float | None = None

    record_id = property(lambda self: self.move_id)
    record_name = property(lambda self: self.move_name)

    @staticmethod
    def columns() -> list[str]:
        return ["transaction_id", "document_number", "status", "move_id", "move_name", "error", "error_type",
                "amount_untaxed", "amount_tax", "amount_total"]

    def as_row(self) -> dict:
        return {c: getattr(self, c) for c in self.columns()}


def _chunks(items: Sequence, size: int):
    for start in range(0, len(items), max(1, size)):
        yield items[start:start + size]


def _create_chunk(gateway, chunk: Sequence[vendor_bills_in.BillWrite], label: str) -> list[BillWriteOutcome]:
    try:
        ids = gateway.create_vendor_bills([w.vals for w in chunk])
        return [BillWriteOutcome(w.transaction_id, w.document_number, "created", i) for w, i in zip(chunk, ids)]
    except OdooRpcError as exc:
        if len(chunk) == 1:
            log.warning("Odoo refused %s %s: %s", label, chunk[0].transaction_id, exc.message)
            return [BillWriteOutcome(chunk[0].transaction_id, chunk[0].document_number, "failed",
                                     error=f"Odoo refused the {label}: {exc.message}")]
    middle = len(chunk) // 2  # isolate the offending document by halving
    return _create_chunk(gateway, chunk[:middle], label) + _create_chunk(gateway, chunk[middle:], label)


def write_bills(gateway, writes: Sequence[vendor_bills_in.BillWrite], *, binder: Binder, label: str,
                chunk_size: int = 200, claim_timeout: timedelta = timedelta(minutes=10)) -> list[BillWriteOutcome]:
    """Create the drafts; a document sent twice in one batch is created once (the second points to it)."""
    doc_key = lambda k: f"doc_{k}"  # noqa: E731  (a document's binding next to its transactions')
    outcomes: list[BillWriteOutcome] = []
    first: dict[str, vendor_bills_in.BillWrite] = {}
    repeats: list[vendor_bills_in.BillWrite] = []
    for w in writes:
        if w.status == "create":
            (repeats.append(w) if w.document_key in first else first.setdefault(w.document_key, w))
    to_create = list(first.values())
    claims = None
    if to_create:
        claims = binder.claim(MODEL, [doc_key(w.document_key) for w in to_create], timeout=claim_timeout)
        in_flight, exhausted, claimed = set(claims.in_flight), set(claims.exhausted), set(claims.claimed)
        bound = claims.bound
        keep = []
        for w in to_create:
            key = doc_key(w.document_key)
            if key in bound:  # created by an earlier run which died before this document was resolved
                outcomes.append(BillWriteOutcome(w.transaction_id, w.document_number, "already_imported", bound[key][1]))
            elif key in in_flight:
                outcomes.append(BillWriteOutcome(w.transaction_id, w.document_number, "in_flight",
                                                 error=f"an earlier run may still be creating this {label} in Odoo"))
            elif key in exhausted:
                outcomes.append(BillWriteOutcome(
                    w.transaction_id, w.document_number, "failed",
                    error=f"Gave up importing the {label} after {MAX_CLAIMS} interrupted attempts; "
                          "check Odoo for it, then replay the transaction"))
            elif key in claimed:
                keep.append(w)
        taken_over = {doc_key(w.document_key) for w in keep} & set(claims.taken_over)
        if taken_over:
            # an earlier run claimed it and may have created it before it died: look for it by number
            refs = [w.document_number for w in keep if doc_key(w.document_key) in taken_over]
            found = gateway.search_read(MODEL, [("move_type", "in", list(MOVE_TYPES)), ("ref", "in", refs)],
                                        ["id", "ref", "commercial_partner_id", "move_type"], order="id")
            existing = {vendor_bills_in.document_key(m2o_id(m["commercial_partner_id"]), m["ref"]): m["id"]
                        for m in found if m2o_id(m["commercial_partner_id"])
                        and m["move_type"] in {w.vals["move_type"] for w in keep}}
            for w in keep:
                if w.document_key in existing:
                    outcomes.append(BillWriteOutcome(w.transaction_id, w.document_number, "already_imported",
                                                     existing[w.document_key]))
            keep = [w for w in keep if w.document_key not in existing]
        for chunk in _chunks(keep, chunk_size):
            outcomes.extend(_create_chunk(gateway, chunk, label))
    keys = {w.transaction_id: w.document_key for w in writes}
    made = {keys[o.transaction_id]: o for o in outcomes}
    for w in repeats:
        o = made.get(w.document_key)
        if o is not None and o.move_id:
            outcomes.append(BillWriteOutcome(w.transaction_id, w.document_number, "already_imported", o.move_id))
        else:  # its twin was not written: this one stays pending and is tried by the next run
            outcomes.append(BillWriteOutcome(w.transaction_id, w.document_number, "in_flight",
                                             error=f"the same {label} under another transaction was not written"))
    for w in writes:
        if w.status == "already_imported":
            outcomes.append(BillWriteOutcome(w.transaction_id, w.document_number, "already_imported", w.target_move_id))

    written = [o for o in outcomes if o.move_id and o.status != "failed"]
    if written:
        records = {r["id"]: r for r in gateway.read(MODEL, sorted({o.move_id for o in written}), AMOUNT_FIELDS)}
        for o in written:
            r = records.get(o.move_id, {})
            o.move_name = r.get("name")
            if o.status == "created":
                o.amount_untaxed, o.amount_tax, o.amount_total = (r.get(f) for f in AMOUNT_FIELDS[1:])
        binder.bind([(o.transaction_id, MODEL, o.move_id) for o in written]
                    + [(doc_key(keys[o.transaction_id]), MODEL, o.move_id) for o in written if o.status == "created"])
        created = [o for o in written if o.status == "created"]
        if created:
            gateway.post_messages(MODEL, [
                (o.move_id, "<p>Imported from Procuros transaction <b>{}</b> (supplier's document {}).</p>".format(
                    html.escape(o.transaction_id), html.escape(o.document_number or "?")))
                for o in created])
    order = {w.transaction_id: i for i, w in enumerate(writes)}
    return sorted(outcomes, key=lambda o: order.get(o.transaction_id, 0))
