"""Pydantic v2 models for Procuros transactions and the five core documents.

Parsing is lenient (unknown keys ignored — Procuros adds properties without a version bump;
``DateTime`` fields accept date-only values, normalised to midnight Europe/Berlin).  Serialising
is strict: ``to_payload()`` emits camelCase, omits None, writes datetimes as ISO-8601 with offset
and (by default) validates the result against the vendored OpenAPI document.
"""

from __future__ import annotations

from dataclasses import dataclass

from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, ClassVar, Optional
from zoneinfo import ZoneInfo

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer
from pydantic.alias_generators import to_camel

from . import openapi

BERLIN = ZoneInfo("Europe/Berlin")


def _parse_datetime(value: Any) -> Any:
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime.combine(value, time(0), BERLIN)
    elif isinstance(value, str):
        text = value.strip()
        if len(text) == 10:  # bare YYYY-MM-DD as Procuros itself sends it (§13.6)
            return datetime.combine(date.fromisoformat(text), time(0), BERLIN)
        dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    else:
        return value
    # naive values are Berlin local time (Procuros' documented zone)
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=BERLIN)


def _dump_datetime(value: datetime) -> str:
    return value.isoformat(timespec="seconds") if value.microsecond == 0 else value.isoformat()


def _parse_date(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str) and len(value.strip()) > 10:
        return _parse_datetime(value).date()
    return value


def _dump_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


DateTimeField = Annotated[datetime, BeforeValidator(_parse_datetime), PlainSerializer(_dump_datetime, return_type=str)]
DateField = Annotated[date, BeforeValidator(_parse_date), PlainSerializer(lambda d: d.isoformat(), return_type=str)]
# money/quantities as Decimal (exact arithmetic for Odoo), emitted as JSON numbers
Num = Annotated[Decimal, PlainSerializer(_dump_number, return_type=float)]

Opt = Optional


class TransactionType(str, Enum):
    ORDER = "ORDER"
    ORDER_RESPONSE = "ORDER_RESPONSE"
    SHIPPING_NOTICE = "SHIPPING_NOTICE"
    INVOICE = "INVOICE"
    CREDIT_NOTE = "CREDIT_NOTE"
    DISPATCH_INSTRUCTION = "DISPATCH_INSTRUCTION"
    DISPATCH_INSTRUCTION_RESPONSE = "DISPATCH_INSTRUCTION_RESPONSE"
    RECEIVAL_NOTICE = "RECEIVAL_NOTICE"
    REMITTANCE_ADVICE = "REMITTANCE_ADVICE"
    PRODUCT_CATALOG = "PRODUCT_CATALOG"
    INVENTORY_REPORT = "INVENTORY_REPORT"
    SALES_REPORT = "SALES_REPORT"


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class DocumentInvalid(ValueError):
    def __init__(self, transaction_type: str, problems: list[str]) -> None:
        self.transaction_type = transaction_type
        self.problems = problems
        super().__init__(f"{transaction_type} payload does not match the Procuros schema: " + "; ".join(problems[:10]))


# --- shared building blocks (API-NOTES §9) ---------------------------------------------

class PartyIdentifier(_Model):
    identifier: str
    domain: str = "GS1"


class PostalAddress(_Model):
    name: Opt[str] = None  # deprecated by Procuros, kept for parsing
    street: Opt[str] = None
    address_extra: Opt[str] = None
    city: Opt[str] = None
    postal_code: Opt[str] = None
    state: Opt[str] = None
    country_code: Opt[str] = None


class Contact(_Model):
    first_name: Opt[str] = None
    last_name: Opt[str] = None
    phone: Opt[str] = None
    mobile: Opt[str] = None
    email: Opt[str] = None
    fax: Opt[str] = None
    department: Opt[str] = None


class FinancialInstitution(_Model):
    name: Opt[str] = None
    institution_id: Opt[str] = None
    institution_id_domain: Opt[str] = None
    account_number: Opt[str] = None
    account_holder: Opt[str] = None


class Party(_Model):
    name: Opt[str] = None
    identifiers: list[PartyIdentifier] = Field(default_factory=list)
    postal_address: Opt[PostalAddress] = None
    contacts: Opt[list[Contact]] = None
    financial_institution: Opt[FinancialInstitution] = None

    def identifier(self, domain: str = "GS1") -> str | None:
        return next((i.identifier for i in self.identifiers if i.domain == domain), None)

    @property
    def gln(self) -> str | None:
        return self.identifier("GS1")


class ShipToParty(Party):
    identifiers: Opt[list[PartyIdentifier]] = None  # a ship-to may be given by address only


class ItemIdentifier(_Model):
    identifier: Opt[str] = None
    domain: Opt[str] = "GS1"


class Tax(_Model):
    amount: Num
    percentage: Num
    description: Opt[str] = None


class PaymentTerm(_Model):
    pay_in_number_of_days: int
    percentage: Num


class Modification(_Model):
    type: Opt[str] = None
    calculation_type: Opt[str] = None
    reason_code: Opt[str] = None
    description: Opt[str] = None
    percentage: Opt[Num] = None
    amount: Opt[Num] = None
    tax: Opt[Tax] = None


class ModificationGroup(_Model):
    basis: Num
    level: int
    modifications: list[Modification]


class SummaryTaxItem(_Model):
    percentage: Num
    taxable_amount: Num
    tax_amount: Num
    category: str
    description: Opt[str] = None


class SummaryTax(_Model):
    total: Num
    description: Opt[str] = None
    items: list[SummaryTaxItem] = Field(default_factory=list)


class Summary(_Model):
    subtotal_amount: Opt[Num] = None
    total_charges: Opt[Num] = None
    total_allowances: Opt[Num] = None
    net_amount: Opt[Num] = None
    gross_amount: Opt[Num] = None
    due_amount: Opt[Num] = None
    tax: Opt[SummaryTax] = None
    modification_groups: Opt[list[ModificationGroup]] = None


class AdditionalOrderIdentifiers(_Model):
    supplier_order_identifier: Opt[str] = None
    ship_to_order_identifier: Opt[str] = None
    ship_from_order_identifier: Opt[str] = None
    bill_to_order_identifier: Opt[str] = None
    bill_from_order_identifier: Opt[str] = None
    final_recipient_order_identifier: Opt[str] = None
    technical_recipient_order_identifier: Opt[str] = None


class Batch(_Model):
    batch_identifier: Opt[str] = None
    expiration_date: Opt[DateField] = None
    quantity: Opt[Num] = None
    net_weight: Opt[Num] = None
    gross_weight: Opt[Num] = None


class Attachment(_Model):
    file_name: Opt[str] = None
    url: Opt[str] = None
    mime_type: Opt[str] = None


class LineItemAttachment(Attachment):
    type: Opt[str] = None


class Eudr(_Model):
    verification_number: Opt[str] = None
    reference_number: Opt[str] = None


class Certifications(_Model):
    de_bnn: Opt[str] = None
    eudr: Opt[Eudr] = None


class CertificationsRequired(_Model):
    fairtrade: Opt[bool] = None
    supplier_qa: Opt[bool] = None
    eudr: Opt[bool] = None


class TransportUnitCarrier(_Model):
    name: Opt[str] = None
    tracking_number: Opt[str] = None
    tracking_url: Opt[str] = None


# --- headers ----------------------------------------------------------------------------

class _Header(_Model):
    buyer: Party
    supplier: Party
    ship_to: Opt[ShipToParty] = None
    bill_to: Opt[Party] = None
    final_recipient: Opt[Party] = None
    technical_recipient: Opt[Party] = None
    technical_sender: Opt[Party] = None
    currency: Opt[str] = None
    comments: Opt[str] = None
    delivery_information: Opt[str] = None
    purchasing_information: Opt[str] = None
    legal_information: Opt[str] = None
    version: Opt[int] = None


class _WithAOI(_Model):
    # the one PascalCase key of the API (§13.19)
    additional_order_identifiers: Opt[AdditionalOrderIdentifiers] = Field(None, alias="AdditionalOrderIdentifiers")


class _ItemAttributes(_Model):
    """Optional product attributes shared by all item schemas (§9.5)."""
    line_number: Opt[int] = None
    identifiers: list[ItemIdentifier] = Field(default_factory=list)
    is_deposit_item: Opt[bool] = None
    unit_of_measure: Opt[str] = None
    description: Opt[str] = None
    comments: Opt[str] = None
    unit_price: Opt[Num] = None
    recommended_retail_price: Opt[Num] = None
    tax: Opt[Tax] = None
    promotion_code: Opt[str] = None
    contract_reference: Opt[str] = None
    net_weight: Opt[Num] = None
    gross_weight: Opt[Num] = None
    origin_country_code: Opt[str] = None
    color_code: Opt[str] = None
    color_name: Opt[str] = None
    size: Opt[str] = None
    dimension: Opt[str] = None
    hs_code: Opt[str] = None
    cn_code: Opt[str] = None
    organic_control_point_number: Opt[str] = None
    fsc_number: Opt[str] = None
    msc_number: Opt[str] = None

    def identifier(self, domain: str = "GS1") -> str | None:
        return next((i.identifier for i in self.identifiers if i.domain == domain), None)


# --- ORDER ------------------------------------------------------------------------------

class OrderHeader(_Header, _WithAOI):
    order_identifier: str
    order_date: DateTimeField
    type: Opt[str] = None
    requested_delivery_date: Opt[DateTimeField] = None
    requested_earliest_delivery_date: Opt[DateTimeField] = None
    requested_latest_delivery_date: Opt[DateTimeField] = None
    payment_terms: Opt[list[PaymentTerm]] = None
    promotion_code: Opt[str] = None
    contract_reference: Opt[str] = None
    attachments: Opt[list[Attachment]] = None


class OrderItem(_ItemAttributes):
    quantity: Opt[Num] = None
    pricing_unit_of_measure: Opt[str] = None
    pricing_unit_quantity: Opt[Num] = None
    requested_delivery_date: Opt[DateTimeField] = None
    requested_earliest_delivery_date: Opt[DateTimeField] = None
    requested_latest_delivery_date: Opt[DateTimeField] = None
    delivery_grace_period_in_days: Opt[int] = None
    minimum_remaining_shelf_life_in_days: Opt[int] = None
    season: Opt[str] = None
    gender: Opt[str] = None
    brand: Opt[str] = None
    consumer_group: Opt[str] = None
    assortment: Opt[str] = None
    category: Opt[str] = None
    sub_category: Opt[str] = None
    certifications_required: Opt[CertificationsRequired] = None
    attachments: Opt[list[LineItemAttachment]] = None
    modification_groups: Opt[list[ModificationGroup]] = None


class _Document(_Model):
    TYPE: ClassVar[str]

    def to_payload(self, *, validate: bool = True) -> dict[str, Any]:
        """``content`` as sent to ``POST /v2/transactions``; raises DocumentInvalid if invalid."""
        payload = self.to_dict()
        if validate:
            problems = openapi.validate_document(self.TYPE, payload)
            if problems:
                raise DocumentInvalid(self.TYPE, problems)
        return payload


class Order(_Document):
    TYPE: ClassVar[str] = "ORDER"
    header: OrderHeader
    items: list[OrderItem]
    summary: Opt[Summary] = None


# --- ORDER_RESPONSE ---------------------------------------------------------------------

class OrderResponseHeader(_Header, _WithAOI):
    type: Opt[str] = None  # ACCEPT | REJECT | CHANGE; missing means REJECT
    order_response_identifier: str
    order_response_date: DateTimeField
    order_identifier: str
    order_date: Opt[DateTimeField] = None
    confirmed_delivery_date: Opt[DateTimeField] = None
    confirmed_shipment_date: Opt[DateTimeField] = None
    requested_delivery_date: Opt[DateTimeField] = None
    requested_earliest_delivery_date: Opt[DateTimeField] = None
    requested_latest_delivery_date: Opt[DateTimeField] = None
    payment_terms: Opt[list[PaymentTerm]] = None
    contract_reference: Opt[str] = None
    promotion_code: Opt[str] = None


class OrderResponseItem(_ItemAttributes):
    order_line_number: Opt[int] = None
    ordered_quantity: Opt[Num] = None
    confirmed_quantity: Opt[Num] = None
    requested_delivery_date: Opt[DateTimeField] = None
    requested_earliest_delivery_date: Opt[DateTimeField] = None
    requested_latest_delivery_date: Opt[DateTimeField] = None
    confirmed_delivery_date: Opt[DateTimeField] = None
    confirmed_earliest_delivery_date: Opt[DateTimeField] = None
    confirmed_latest_delivery_date: Opt[DateTimeField] = None
    confirmed_shipment_date: Opt[DateTimeField] = None
    pricing_unit_of_measure: Opt[str] = None
    pricing_unit_quantity: Opt[Num] = None
    minimum_remaining_shelf_life_in_days: Opt[int] = None
    season: Opt[str] = None
    gender: Opt[str] = None
    modification_groups: Opt[list[ModificationGroup]] = None
    attachments: Opt[list[LineItemAttachment]] = None


class OrderResponse(_Document):
    TYPE: ClassVar[str] = "ORDER_RESPONSE"
    header: OrderResponseHeader
    items: Opt[list[OrderResponseItem]] = None
    summary: Opt[Summary] = None


# --- SHIPPING_NOTICE --------------------------------------------------------------------

class ShippingNoticeHeader(_Header, _WithAOI):
    ship_from: Opt[Party] = None
    shipping_notice_identifier: str
    shipping_notice_date: DateTimeField
    order_identifier: str
    order_date: Opt[DateTimeField] = None
    requested_delivery_date: Opt[DateTimeField] = None
    requested_earliest_delivery_date: Opt[DateTimeField] = None
    requested_latest_delivery_date: Opt[DateTimeField] = None
    expected_delivery_date: Opt[DateTimeField] = None
    requested_despatch_date: Opt[DateTimeField] = None
    despatch_date: Opt[DateTimeField] = None
    carrier: Opt[str] = None
    tracking_number: Opt[str] = None
    tracking_url: Opt[str] = None
    mode_of_transport: Opt[str] = None
    inco_terms: Opt[str] = None
    shipping_method: Opt[str] = None
    status: Opt[str] = None


class ShippingNoticeItem(_ItemAttributes):
    order_line_number: Opt[int] = None
    order_identifier: Opt[str] = None
    ordered_quantity: Opt[Num] = None
    shipped_quantity: Opt[Num] = None
    open_quantity_action: Opt[str] = None  # DISCARDED | DELIVERED_LATER
    batches: Opt[list[Batch]] = None
    minimum_remaining_shelf_life_in_days: Opt[int] = None
    certifications: Opt[Certifications] = None
    breeder: Opt[Party] = None
    fattener: Opt[Party] = None
    slaughterer: Opt[Party] = None
    cutter: Opt[Party] = None
    slaughter_date: Opt[DateField] = None
    trade_class: Opt[str] = None
    ear_tag: Opt[str] = None
    birthdate: Opt[DateField] = None
    gender: Opt[str] = None
    sub_items: Opt[list[ShippingNoticeItem]] = None


class TransportUnit(_Model):
    unit_identifier: Opt[str] = None
    unit_type: Opt[str] = None
    contained_trade_unit_count: Opt[int] = None
    requested_delivery_date: Opt[DateTimeField] = None
    expected_delivery_date: Opt[DateTimeField] = None
    requested_despatch_date: Opt[DateTimeField] = None
    despatch_date: Opt[DateTimeField] = None
    carrier: Opt[TransportUnitCarrier] = None
    items: list[ShippingNoticeItem] = Field(default_factory=list)
    transport_units: Opt[list[TransportUnit]] = None


class ShippingNotice(_Document):
    TYPE: ClassVar[str] = "SHIPPING_NOTICE"
    header: ShippingNoticeHeader
    transport_units: list[TransportUnit]

    def all_items(self) -> list[ShippingNoticeItem]:
        """Top-level items of every transport unit, nested units included."""
        out: list[ShippingNoticeItem] = []
        stack = list(self.transport_units)
        while stack:
            unit = stack.pop(0)
            out += unit.items
            stack += unit.transport_units or []
        return out


# --- INVOICE / CREDIT_NOTE --------------------------------------------------------------

class _BillingItem(_ItemAttributes):
    is_invoiced_item: Opt[bool] = None
    quantity: Opt[Num] = None
    free_quantity: Opt[Num] = None
    ordered_quantity: Opt[Num] = None
    pricing_unit_of_measure: Opt[str] = None
    pricing_unit_quantity: Opt[Num] = None
    shipping_notice_identifier: Opt[str] = None
    shipping_notice_date: Opt[DateTimeField] = None
    shipping_notice_line_number: Opt[int] = None
    order_identifier: Opt[str] = None
    order_date: Opt[DateTimeField] = None
    order_line_number: Opt[int] = None
    requested_delivery_date: Opt[DateTimeField] = None
    expected_delivery_date: Opt[DateTimeField] = None
    certifications: Opt[Certifications] = None
    batches: Opt[list[Batch]] = None
    modification_groups: Opt[list[ModificationGroup]] = None


class InvoiceItem(_BillingItem):
    sub_items: Opt[list[InvoiceItem]] = None


class InvoiceHeader(_Header, _WithAOI):
    bill_from: Opt[Party] = None
    invoice_identifier: str
    invoice_date: DateTimeField
    invoice_value_date: Opt[DateTimeField] = None
    invoice_due_date: Opt[DateTimeField] = None
    shipping_notice_identifier: str
    shipping_notice_date: DateTimeField
    order_identifier: str
    order_date: DateTimeField
    requested_delivery_date: Opt[DateTimeField] = None
    expected_delivery_date: Opt[DateTimeField] = None
    payment_terms: Opt[list[PaymentTerm]] = None
    promotion_code: Opt[str] = None
    organic_control_point_number: Opt[str] = None
    contract_reference: Opt[str] = None


class Invoice(_Document):
    TYPE: ClassVar[str] = "INVOICE"
    header: InvoiceHeader
    items: list[InvoiceItem]
    summary: Opt[Summary] = None


class CreditNoteItem(_BillingItem):
    reason: Opt[str] = None
    sub_items: Opt[list[CreditNoteItem]] = None


class CreditNoteHeader(_Header):  # no AdditionalOrderIdentifiers on credit notes
    bill_from: Opt[Party] = None
    credit_note_identifier: str
    credit_note_date: DateTimeField
    credit_note_value_date: Opt[DateTimeField] = None
    credit_note_due_date: Opt[DateTimeField] = None
    type: Opt[str] = None  # CORRECTION | VALUE_CREDIT
    invoice_identifier: Opt[str] = None
    invoice_date: Opt[DateTimeField] = None
    shipping_notice_identifier: Opt[str] = None
    shipping_notice_date: Opt[DateTimeField] = None
    order_identifier: Opt[str] = None
    order_date: Opt[DateTimeField] = None
    requested_delivery_date: Opt[DateTimeField] = None
    expected_delivery_date: Opt[DateTimeField] = None
    payment_terms: Opt[list[PaymentTerm]] = None
    promotion_code: Opt[str] = None
    contract_reference: Opt[str] = None
    reason: Opt[str] = None
    organic_control_point_number: Opt[str] = None


class CreditNote(_Document):
    TYPE: ClassVar[str] = "CREDIT_NOTE"
    header: CreditNoteHeader
    items: list[CreditNoteItem]
    summary: Summary


DOCUMENT_MODELS: dict[str, type[_Document]] = {
    m.TYPE: m for m in (Order, OrderResponse, ShippingNotice, Invoice, CreditNote)
}
Document = Order | OrderResponse | ShippingNotice | Invoice | CreditNote


def parse_document(transaction_type: str, content: dict[str, Any]) -> Document:
    """Lenient parse of a transaction's ``content`` into its typed document model."""
    try:
        model = DOCUMENT_MODELS[str(getattr(transaction_type, "value", transaction_type))]
    except KeyError:
        raise ValueError(f"no document model for transaction type {transaction_type!r}") from None
    return model.model_validate(content)


# --- transactions / API results ---------------------------------------------------------

class ReceivedTransaction(_Model):
    procuros_transaction_id: str
    type: str
    content: Any  # what the partner sent: checked by the mapping, which rejects it with a reason
    is_latest_version: bool = True
    replaces_procuros_transaction_id: Opt[str] = None
    replaced_by_procuros_transaction_id: Opt[str] = None

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if self.content is not None:  # as received: the JSON round trip would turn NaN into null
            out["content"] = self.content
        return out

    def document(self) -> Document:
        return parse_document(self.type, self.content)


class Transaction(ReceivedTransaction):
    status: str
    flow: str
    created_at: DateTimeField


@dataclass
class UnreadableTransaction:
    """A queue item that does not even have the shape of a transaction (no id, a type that is not a
    string, ...). It is landed as it came and handed on, so that one bad item cannot stop the rest:
    the mapping rejects it, and acknowledges it when it has an id to acknowledge."""

    raw: Any
    problem: str
    is_latest_version: bool = True
    flow: str = "LIVE"

    @property
    def procuros_transaction_id(self) -> str | None:
        tid = self.raw.get("procurosTransactionId") if isinstance(self.raw, dict) else None
        return tid if isinstance(tid, str) else None

    @property
    def type(self) -> Any:
        return self.raw.get("type") if isinstance(self.raw, dict) else None

    @property
    def content(self) -> Any:
        return self.raw.get("content") if isinstance(self.raw, dict) else None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.raw) if isinstance(self.raw, dict) else {"raw": self.raw}


class Page(_Model):
    items: list[Any]
    has_more: bool
    per_page: Opt[int] = None
    count: Opt[int] = None
    next_cursor: Opt[str] = None
    next_page_url: Opt[str] = None


class Acknowledgement(_Model):
    procuros_transaction_id: str
    success: bool
    error_type: Opt[str] = None  # DATA | INTERNAL
    error_reason: Opt[str] = None
    error_context: Opt[dict[str, str]] = None


class AckResult(_Model):
    procuros_transaction_id: str
    message: str
    error_url: Opt[str] = None


class SendStatus(str, Enum):
    TRANSMITTED = "TRANSMITTED"        # 201: accepted and forwarded
    NO_ACTION = "NO_ACTION"            # 202: accepted, not forwarded
    ALREADY_RECEIVED = "ALREADY_RECEIVED"  # 400 "Payload already received"
    INVALID = "INVALID"                # 422: needs a data fix


class SendOutcome(_Model):
    status: SendStatus
    http_status: int
    transaction_id: Opt[str] = None
    message: Opt[str] = None
    error_url: Opt[str] = None
    errors: dict[str, list[str]] = Field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return self.status is not SendStatus.INVALID
