"""The document movements the connector knows, declared once.

Each movement is one kind of document crossing between Procuros and Odoo in one direction: its
Procuros type, its Odoo model, its mapping (in ``mapping/``), its Odoo reader or writer (in
``odoo/``), the partner switch that turns it on, its job, schedule and checks. The flows
(``flows/``) run a movement from its entry; the Dagster wiring (``defs/``) generates its assets,
jobs, schedules, sensors and send-now fields from this table — nothing else lists movements.
Adding one is a mapping module, an entry here and at most one Odoo reader or writer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from procuros_dagster.flows.inbound import InboundSpec
from procuros_dagster.flows.outbound import ChangeWatch, OutboundSpec
from procuros_dagster.mapping import credit_notes_out, invoices_out, orders_in, purchase_orders_out, shipping_notices_out
from procuros_dagster.mapping import order_responses_in
from procuros_dagster.mapping.write_checks import sale_order_write_problems
from procuros_dagster.odoo import outbound_reads, purchase_reads
from procuros_dagster.odoo import order_lookups, sale_orders
from procuros_dagster.mapping import vendor_bills_in
from procuros_dagster.odoo import vendor_bills
from procuros_dagster.odoo import purchase_orders
from procuros_dagster.mapping import receipts_in
from procuros_dagster.odoo import receipts
from procuros_dagster.mapping import order_responses_out
from procuros_dagster.odoo import order_response_reads


@dataclass(frozen=True)
class InboundAssets:
    """Asset and check names of an inbound movement (the order import's are relied on by users)."""

    raw: str
    frames: str
    resolved: str
    written: str
    acknowledged: str
    resolve_check: str
    writes_check: str
    acknowledged_check: str
    findings_check: str = ""  # a WARN check on the written asset listing the spec's findings, if any
    # a check on the written asset, failing while the spec's outcome_alerts lists documents
    outcome_check: str = ""
    outcome_check_description: str = ""
    written_description: str = ""  # the written asset's, when it does not create records


@dataclass(frozen=True)
class Movement:
    name: str  # settings key, Logs value, asset/job stem: "sales_orders", "invoices"
    direction: str  # "in" (Procuros → Odoo) or "out"
    procuros_type: str  # the Procuros transaction type
    odoo_model: str
    label: str  # what a person calls one document: "order", "delivery", "invoice"
    binding_prefix: str  # its bindings' names in Odoo: "<prefix>_<key>" (see odoo/binder.py)
    job: str  # the job's name, also its schedule's key in the settings unless ``schedule`` names another
    description: str  # the job's description, in the operator's words
    schedule: str = ""  # the settings' schedules key when it is not the job's name
    flow: str = "o2c"  # the UI's asset group: order-to-cash (o2c) or purchase-to-pay (p2p)
    partner_switch: str | None = None  # the partner's Procuros field that turns it on
    days_back: int = 0  # the partition the daily schedule runs: today's (0) or yesterday's (1)
    inbound: InboundSpec | None = None
    outbound: OutboundSpec | None = None
    inbound_assets: InboundAssets | None = None
    send_now_help: str = ""  # the send-now field's description, with an example

    @property
    def asset(self) -> str:
        """The outbound movement's asset: "invoices_sent"."""
        return f"{self.name}_sent"

    @property
    def labels(self) -> str:
        """What a person calls several: "deliveries", "invoices"."""
        return self.label[:-1] + "ies" if self.label.endswith("y") else self.label + "s"


def _write_sale_orders(gateway, writes, *, settings, binder):
    return sale_orders.write_sale_orders(
        gateway, writes, chunk_size=settings.odoo.chunk_size,
        claim_timeout=timedelta(seconds=settings.odoo.claim_timeout_seconds), binder=binder)


SALES_ORDERS = Movement(
    name="sales_orders",
    direction="in",
    procuros_type="ORDER",
    odoo_model="sale.order",
    label="order",
    binding_prefix="order",
    job="import_sales_orders",
    description="Procuros ORDERs → Odoo quotations, acknowledged at Procuros.",
    inbound=InboundSpec(
        addressed_to=orders_in.supplier_gln,
        normalise=orders_in.normalise_orders,
        with_test_rejects=orders_in.with_test_rejects,
        per_run=order_lookups.run_lookups,
        lookups=order_lookups.fetch_order_lookups,
        resolve=orders_in.resolve_orders,
        build_writes=orders_in.build_sale_order_vals,
        write_problems=sale_order_write_problems,
        reject_malformed=orders_in.reject_malformed,
        write=_write_sale_orders,
        summarise=orders_in.summarise,
        outcome_columns=tuple(sale_orders.OrderWriteOutcome.columns()),
        header_columns=("transaction_id", "order_identifier", "buyer_gln", "ship_to_gln", "line_count"),
    ),
    inbound_assets=InboundAssets(
        raw="procuros_orders_raw", frames="order_frames", resolved="resolved_orders", written="sale_quotations",
        acknowledged="order_acknowledgements", resolve_check="orders_resolve_cleanly",
        writes_check="order_writes_well_formed", acknowledged_check="orders_acknowledged",
    ),
)
SHIPPING_NOTICES = Movement(
    name="shipping_notices",
    direction="out",
    procuros_type="SHIPPING_NOTICE",
    odoo_model="stock.picking",
    label="delivery",
    binding_prefix="shipping_notice",
    job="export_shipping_notices",
    description="Odoo → Procuros SHIPPING_NOTICE for one day's validated deliveries.",
    partner_switch="x_procuros_send_shipping_notice",
    days_back=1,
    # date_done is a UTC datetime: the partition's day is cut in the settings' time zone
    outbound=OutboundSpec(fetch=outbound_reads.fetch_shipping_notice_bundle,
                          build=shipping_notices_out.build_shipping_notices,
                          eligible=outbound_reads.ELIGIBLE_PICKINGS, day_field="date_done", day_is_datetime=True,
                          partner_field="partner_id.commercial_partner_id"),
    send_now_help='Deliveries, by name or id, e.g. ["WH/OUT/00004"] or ["17"]',
)
INVOICES = Movement(
    name="invoices",
    direction="out",
    procuros_type="INVOICE",
    odoo_model="account.move",
    label="invoice",
    binding_prefix="invoice",
    job="export_invoices",
    description="Odoo → Procuros INVOICE for one day's posted customer invoices.",
    partner_switch="x_procuros_send_invoice",
    days_back=1,
    outbound=OutboundSpec(fetch=outbound_reads.fetch_invoice_bundle, build=invoices_out.build_invoices,
                          eligible=outbound_reads.eligible_moves("out_invoice"), day_field="invoice_date",
                          partner_field="commercial_partner_id", with_totals=True),
    send_now_help='Customer invoices, by number or id, e.g. ["INV/2026/00012"]',
)
CREDIT_NOTES = Movement(
    name="credit_notes",
    direction="out",
    procuros_type="CREDIT_NOTE",
    odoo_model="account.move",
    label="credit note",
    binding_prefix="credit_note",
    job="export_credit_notes",
    description="Odoo → Procuros CREDIT_NOTE for one day's posted customer credit notes.",
    partner_switch="x_procuros_send_invoice",
    days_back=1,
    outbound=OutboundSpec(fetch=outbound_reads.fetch_credit_note_bundle, build=credit_notes_out.build_credit_notes,
                          eligible=outbound_reads.eligible_moves("out_refund"), day_field="invoice_date",
                          partner_field="commercial_partner_id", with_totals=True),
    send_now_help='Customer credit notes, by number or id, e.g. ["RINV/2026/00003"]',
)

# the buyer's orders answered: name, Logs value and bindings kept apart from the purchase side's
# inbound order_responses (order_response_<transaction id>)
SALES_ORDER_RESPONSES = Movement(
    name="order_responses_out",
    direction="out",
    procuros_type="ORDER_RESPONSE",
    odoo_model="sale.order",
    label="order response",
    binding_prefix="sale_order_response",
    job="export_order_responses",
    description="Odoo → Procuros ORDER_RESPONSE for one day's confirmed or cancelled quotations imported from Procuros.",
    partner_switch=order_response_reads.SWITCH,
    days_back=1,
    # the day of the order's last change (confirmed or cancelled; a UTC datetime cut in the settings'
    # time zone): a cancelled quotation keeps the buyer's order date as date_order
    outbound=OutboundSpec(fetch=order_response_reads.fetch_order_response_bundle,
                          build=order_responses_out.build_order_responses,
                          eligible=order_response_reads.ELIGIBLE_SALE_ORDERS, day_field=order_response_reads.DAY_FIELD,
                          day_is_datetime=True, partner_field=order_response_reads.PARTNER_FIELD,
                          # answered once: a later change (a cancel after an ACCEPT) is reported, not sent
                          changes=ChangeWatch(candidates=order_response_reads.changed_candidates,
                                              differences=order_responses_out.changes_since_sent,
                                              reason=order_responses_out.changed_reason)),
    send_now_help='Confirmed or cancelled sales orders, by number or id, e.g. ["S00012"]',
)

PURCHASE_ORDERS = Movement(
    flow="p2p",
    name="purchase_orders",
    direction="out",
    procuros_type="ORDER",
    odoo_model="purchase.order",
    label="purchase order",
    binding_prefix="purchase_order",
    job="export_purchase_orders",
    schedule="export_purchase_orders",
    description="Odoo → Procuros ORDER for one day's RFQs and purchase orders of suppliers set up for Procuros.",
    partner_switch="x_procuros_connector",
    days_back=1,
    # date_order is a UTC datetime: the partition's day is cut in the settings' time zone
    outbound=OutboundSpec(fetch=purchase_reads.fetch_purchase_order_bundle,
                          build=purchase_orders_out.build_purchase_orders,
                          eligible=purchase_reads.ELIGIBLE_PURCHASE_ORDERS, day_field="date_order", day_is_datetime=True,
                          partner_field=purchase_reads.PARTNER_FIELD,
                          # Require Order Response off: confirmed when sent; on: by the supplier's answer
                          after_sent=purchase_reads.confirm_sent,
                          # a crash between the binding and the confirmation: the next run confirms
                          unfinished=purchase_reads.unconfirmed_sent,
                          changes=ChangeWatch(candidates=purchase_reads.changed_candidates,
                                              differences=purchase_orders_out.changes_since_sent,
                                              reason=purchase_orders_out.changed_reason,
                                              settled=purchase_reads.answered)),
    send_now_help='RFQs and purchase orders, by number or id, e.g. ["P00012"]',
)


# --- vendor bills and vendor credit notes in (INVOICE / CREDIT_NOTE from a supplier) ---------

def _bills_movement(kind: vendor_bills_in.Kind, *, name: str, label: str, prefix: str, job: str,
                    description: str, stem: str) -> Movement:
    def write(gateway, writes, *, settings, binder):
        return vendor_bills.write_bills(
            gateway, writes, binder=binder, label=label, chunk_size=settings.odoo.chunk_size,
            claim_timeout=timedelta(seconds=settings.odoo.claim_timeout_seconds))

    return Movement(
        flow="p2p", name=name, direction="in", procuros_type=kind.procuros_type, odoo_model="account.move", label=label,
        binding_prefix=prefix, job=job, description=description, schedule="import_purchase_documents",
        inbound=InboundSpec(
            **vendor_bills_in.for_kind(kind), per_run=vendor_bills.run_lookups, lookups=vendor_bills.fetch_lookups,
            write=write, outcome_columns=tuple(vendor_bills.BillWriteOutcome.columns()),
            header_columns=("transaction_id", "document_number", "supplier_gln", "order_identifier", "line_count"),
            identifier="document_number"),
        inbound_assets=InboundAssets(
            raw=f"procuros_{stem}s_raw", frames=f"{stem}_frames", resolved=f"resolved_{stem}s", written=name,
            acknowledged=f"{stem}_acknowledgements", resolve_check=f"{stem}s_resolve_cleanly",
            writes_check=f"{stem}_writes_well_formed", acknowledged_check=f"{stem}s_acknowledged",
            findings_check=f"{name}_match_orders_and_totals",
            written_description=(f"Draft {label}s in Odoo, one per supplier document, each linked to its "
                                 "Procuros transaction and noted on its chatter; a document the supplier sends "
                                 "again never makes a second one.")),
    )


VENDOR_BILLS = _bills_movement(
    vendor_bills_in.BILL, name="vendor_bills", label="vendor bill", prefix="vendor_bill", job="import_vendor_bills",
    stem="invoice", description="Procuros INVOICEs from suppliers → draft vendor bills, acknowledged at Procuros.")
VENDOR_CREDIT_NOTES = _bills_movement(
    vendor_bills_in.CREDIT_NOTE, name="vendor_credit_notes", label="vendor credit note", prefix="vendor_credit_note",
    job="import_vendor_credit_notes", stem="credit_note",
    description="Procuros CREDIT_NOTEs from suppliers → draft vendor credit notes, acknowledged at Procuros.")


# --- purchase-to-pay: order responses in ----------------------------------------------------------

def _write_order_responses(gateway, writes, *, settings, binder):
    return purchase_orders.write_order_responses(gateway, writes, binder=binder, chunk_size=settings.odoo.chunk_size)


ORDER_RESPONSES = Movement(
    flow="p2p",
    name="order_responses",
    direction="in",
    procuros_type="ORDER_RESPONSE",
    odoo_model="purchase.order",
    label="order response",
    binding_prefix=purchase_orders.BINDING_PREFIX,
    job="import_order_responses",
    schedule="import_purchase_documents",
    description="Procuros ORDER_RESPONSEs → our purchase orders confirmed, changed or marked rejected by the supplier.",
    inbound=InboundSpec(
        addressed_to=order_responses_in.buyer_gln,
        normalise=order_responses_in.normalise_order_responses,
        with_test_rejects=order_responses_in.with_test_rejects,
        per_run=purchase_orders.run_lookups,
        lookups=purchase_orders.fetch_lookups,
        resolve=order_responses_in.resolve_order_responses,
        build_writes=order_responses_in.build_order_response_writes,
        write_problems=order_responses_in.write_problems,
        reject_malformed=order_responses_in.reject_malformed,
        write=_write_order_responses,
        summarise=order_responses_in.summarise,
        outcome_columns=tuple(purchase_orders.OrderResponseOutcome.columns()),
        header_columns=("transaction_id", "order_identifier", "response_identifier", "response_type",
                        "supplier_gln", "line_count"),
        outcome_alerts=purchase_orders.rejected_orders,
    ),
    inbound_assets=InboundAssets(
        raw="procuros_order_responses_raw", frames="order_response_frames", resolved="resolved_order_responses",
        written="purchase_order_updates", acknowledged="order_response_acknowledgements",
        resolve_check="order_responses_resolve_cleanly", writes_check="order_response_writes_well_formed",
        acknowledged_check="order_responses_acknowledged",
        outcome_check="order_responses_accepted",
        outcome_check_description=("Fails when a supplier rejected one of our purchase orders: it stays "
                                   "unconfirmed, so order the goods elsewhere or agree with the supplier."),
        written_description=("Purchase orders confirmed (ACCEPT), changed and confirmed (CHANGE: the supplier's "
                             "quantities, prices and dates in the line's unit) or left unconfirmed (REJECT), each "
                             "response bound to its order and noted on the order's chatter."),
    ),
)


# --- receipts: a supplier's SHIPPING_NOTICE → the receipt of our purchase order ------------------
def _write_receipts(gateway, writes, *, settings, binder):
    return receipts.write_receipts(
        gateway, writes, validate=settings.purchase_defaults.validate_receipts,
        chunk_size=settings.odoo.chunk_size, binder=binder,
        claim_timeout=timedelta(seconds=settings.odoo.claim_timeout_seconds))


RECEIPTS = Movement(
    flow="p2p",
    name="receipts",
    direction="in",
    procuros_type="SHIPPING_NOTICE",
    odoo_model="stock.picking",
    label="shipping notice",
    binding_prefix=receipts.BINDING_PREFIX,
    job="import_shipping_notices",
    schedule="import_purchase_documents",
    description="Procuros SHIPPING_NOTICEs from suppliers → quantities, lots and SSCCs on our purchase orders' "
                "receipts, acknowledged at Procuros.",
    inbound=InboundSpec(
        addressed_to=receipts_in.buyer_gln,
        normalise=receipts_in.normalise_shipping_notices,
        with_test_rejects=receipts_in.with_test_rejects,
        per_run=receipts.run_lookups,
        lookups=receipts.fetch_receipt_lookups,
        resolve=receipts_in.resolve_shipping_notices,
        build_writes=receipts_in.build_receipt_writes,
        write_problems=receipts_in.write_problems,
        reject_malformed=receipts_in.reject_malformed,
        write=_write_receipts,
        summarise=receipts_in.summarise,
        outcome_columns=tuple(receipts.ReceiptOutcome.columns()),
        header_columns=("transaction_id", "notice_identifier", "order_identifier", "supplier_gln", "line_count"),
        identifier="notice_identifier",
    ),
    inbound_assets=InboundAssets(
        raw="procuros_shipping_notices_raw", frames="shipping_notice_frames", resolved="resolved_shipping_notices",
        written="receipt_updates", acknowledged="shipping_notice_acknowledgements",
        resolve_check="shipping_notices_resolve_cleanly", writes_check="receipt_writes_well_formed",
        acknowledged_check="shipping_notices_acknowledged",
        written_description=("Each supplier's shipping notice set on the receipt of our purchase order — "
                             "quantities, lots and SSCC packages — and noted on the receipt's chatter; the "
                             "receipt is validated only when the settings say so (validate_receipts)."),
    ),
)

#: every movement that is built, in the order the UI lists them
MOVEMENTS: tuple[Movement, ...] = (SALES_ORDERS, SHIPPING_NOTICES, INVOICES, CREDIT_NOTES, SALES_ORDER_RESPONSES,
                                   PURCHASE_ORDERS, ORDER_RESPONSES, RECEIPTS, VENDOR_BILLS,
                                   VENDOR_CREDIT_NOTES)
BY_NAME = {m.name: m for m in MOVEMENTS}

#: movement name -> (direction, Procuros transaction type): what the settings may switch on
MOVEMENT_NAMES: dict[str, tuple[str, str]] = {m.name: (m.direction, m.procuros_type) for m in MOVEMENTS}
