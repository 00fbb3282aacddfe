"""Shared types and helpers for the outbound mapping (Odoo records -> Procuros documents).

A *bundle* is ``dict[model name, list[record dict]]`` exactly as Odoo's ``search_read`` returns
the records: many2one ``[id, "name"]`` or ``False``, x2many id lists, ``False`` for empty values,
UTC datetimes ``"YYYY-MM-DD HH:MM:SS"``, dates ``"YYYY-MM-DD"``.  Builders never raise for a bad
record: the record becomes a :class:`BuildFailure` with a reason a person can act on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import Any, Iterable
from zoneinfo import ZoneInfo

import pandas as pd


SHIPPING_NOTICE = "SHIPPING_NOTICE"
INVOICE = "INVOICE"
CREDIT_NOTE = "CREDIT_NOTE"

LINE_COLUMNS = [
    "record_id", "document", "transaction_type", "line_number", "gtin", "unit",
    "quantity", "ordered_quantity", "shipped_quantity", "over_delivered",
    "unit_price", "net_amount", "tax_amount", "allowance_amount",
]
TOTALS_COLUMNS = [
    "record_id", "document", "transaction_type", "lines_net", "lines_tax",
    "amount_untaxed", "amount_tax", "amount_total",
]


@dataclass(frozen=True)
class ExportContext:
    """What every outbound builder needs besides the bundle.

    ``company``: res.company merged with its partner: ``name, street, street2, zip, city,
    country_code, vat`` (missing keys/False are fine except where a full address is required).
    ``uom_codes``: ``{uom.uom id: Procuros unit code}`` already merged with settings overrides.
    ``uom_factors``: ``{uom.uom id: factor}`` (units per reference unit of the category), to report
    stock quantities, which Odoo keeps in the product's unit, in the unit the customer ordered.
    """

    own_gln: str
    company: dict[str, Any]
    integration_name: str
    uom_codes: dict[int, str]
    timezone: str = "Europe/Berlin"
    uom_factors: dict[int, float] = field(default_factory=dict)
    gs1_prefix: str | None = None  # the settings' GS1 company prefix, for the SSCCs of transport units

    def convert(self, quantity: float, from_uom: int | None, to_uom: int | None) -> float:
        """uom.uom._compute_quantity without rounding: ``qty / from.factor * to.factor``."""
        if from_uom == to_uom or from_uom is None or to_uom is None:
            return quantity
        try:
            return quantity / self.uom_factors[from_uom] * self.uom_factors[to_uom]
        except (KeyError, ZeroDivisionError):
            raise BuildError(f"unit of measure {from_uom} or {to_uom} was not read; cannot convert "
                             "the shipped quantity into the ordered unit") from None


@dataclass(frozen=True)
class OutboundDocument:
    model: str
    record_id: int
    record_name: str
    transaction_type: str
    content: dict[str, Any]


@dataclass(frozen=True)
class BuildFailure:
    model: str
    record_id: int
    record_name: str
    transaction_type: str
    reason: str


@dataclass
class OutboundBatch:
    documents: list[OutboundDocument] = field(default_factory=list)
    failures: list[BuildFailure] = field(default_factory=list)
    lines: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LINE_COLUMNS))
    # one row per built invoice / credit note: line sums next to Odoo's stored totals
    totals: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TOTALS_COLUMNS))
    # what must be written to Odoo before a document is sent (the SSCCs it gave transport units,
    # so a resend names the same units): {record id: [(model, id, values)]}
    odoo_writes: dict[int, list[tuple[str, int, dict]]] = field(default_factory=dict)


class BuildError(Exception):
    """Raised inside a builder for one record; turned into a BuildFailure by the batch loop."""


# --- Odoo value helpers ---------------------------------------------------------------------

def text(value: Any) -> str | None:
    """Odoo char value -> stripped str, or None for False/empty."""
    if value is None or value is False:
        return None
    s = str(value).strip()
    return s or None


def index(bundle: dict[str, list[dict]], model: str) -> dict[int, dict]:
    return {int(r["id"]): r for r in bundle.get(model, []) or []}


def ids(value: Any) -> list[int]:
    return [int(i) for i in value] if isinstance(value, (list, tuple)) else []


def qty(value: Any) -> float:
    """Quantities without float noise (Odoo sums show e.g. 214.23000000000002)."""
    return round(float(value or 0.0), 6)


def money(value: Any) -> float:
    return round(float(value or 0.0), 2)


def local_datetime(utc_string: Any, tz: str) -> str | None:
    """Odoo UTC datetime string -> ISO-8601 with the local offset ("2026-11-28T18:54:47+01:00")."""
    s = text(utc_string)
    if s is None:
        return None
    dt = datetime.strptime(s[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
    return dt.astimezone(ZoneInfo(tz)).isoformat()


def local_date(utc_string: Any, tz: str) -> str | None:
    """Odoo UTC datetime string -> local calendar date "YYYY-MM-DD" (e.g. lot expiry)."""
    iso = local_datetime(utc_string, tz)
    return iso[:10] if iso else None


def date_as_datetime(date_string: Any, tz: str) -> str | None:
    """Odoo date "YYYY-MM-DD" -> local midnight with offset (Procuros DateTime is strict)."""
    s = text(date_string)
    if s is None:
        return None
    d = date.fromisoformat(s[:10])
    return datetime.combine(d, time(0, 0), tzinfo=ZoneInfo(tz)).isoformat()


def drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def first_line(value: Any) -> str | None:
    s = text(value)
    return s.splitlines()[0].strip()[:255] if s else None


def failure_from(model: str, record: dict, transaction_type: str, reason: str) -> BuildFailure:
    return BuildFailure(model, int(record["id"]), str(record.get("name") or record["id"]),
                        transaction_type, reason)


def lines_frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame(list(rows), columns=LINE_COLUMNS)
    for col in ("record_id", "line_number"):
        df[col] = df[col].astype("int64")
    for col in ("quantity", "ordered_quantity", "shipped_quantity", "unit_price", "net_amount", "tax_amount",
                "allowance_amount"):
        df[col] = df[col].astype("float64")
    df["over_delivered"] = df["over_delivered"].astype(bool)
    for col in ("document", "transaction_type", "gtin", "unit"):
        df[col] = df[col].astype(str)
    return df.reset_index(drop=True)


def totals_frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame(list(rows), columns=TOTALS_COLUMNS)
    df["record_id"] = df["record_id"].astype("int64")
    for col in TOTALS_COLUMNS[3:]:
        df[col] = df[col].astype("float64")
    for col in ("document", "transaction_type"):
        df[col] = df[col].astype(str)
    return df.reset_index(drop=True)


def totals_mismatches(batch: OutboundBatch, tolerance: float = 0.01) -> pd.DataFrame:
    """Invoices / credit notes whose line sums and taxes don't add up to Odoo's stored totals.

    Returns the offending rows of ``batch.totals`` plus a ``problem`` column (empty frame = OK).
    """
    t = batch.totals
    if t.empty:
        return t.assign(problem=pd.Series(dtype=str))
    problems = []
    for row in t.itertuples(index=False):
        p = []
        if abs(row.lines_net - row.amount_untaxed) > tolerance:
            p.append(f"lines net {row.lines_net:.2f} != untaxed amount {row.amount_untaxed:.2f}")
        if abs(row.lines_tax - row.amount_tax) > tolerance:
            p.append(f"line taxes {row.lines_tax:.2f} != tax amount {row.amount_tax:.2f}")
        if abs(row.amount_untaxed + row.amount_tax - row.amount_total) > tolerance:
            p.append(f"untaxed + tax != total {row.amount_total:.2f}")
        problems.append("; ".join(p))
    out = t.assign(problem=problems)
    return out[out["problem"] != ""].reset_index(drop=True)


def finish_batch(batch: OutboundBatch, line_rows: list[dict], total_rows: list[dict]) -> OutboundBatch:
    """Validate the line frame; documents with rejected rows move from documents to failures."""
    from .schemas_out import split_invalid_lines  # local import: schemas_out imports this module

    lines = lines_frame(line_rows)
    valid, problems = split_invalid_lines(lines)
    if problems:
        kept = []
        for doc in batch.documents:
            if doc.record_id in problems:
                batch.failures.append(BuildFailure(
                    doc.model, doc.record_id, doc.record_name, doc.transaction_type,
                    f"{_KIND[doc.transaction_type]} {doc.record_name}: " + "; ".join(problems[doc.record_id])))
            else:
                kept.append(doc)
        batch.documents = kept
        total_rows = [r for r in total_rows if r["record_id"] not in problems]
    batch.lines = valid
    batch.totals = totals_frame(total_rows)
    return batch


_KIND = {SHIPPING_NOTICE: "Delivery", INVOICE: "Invoice", CREDIT_NOTE: "Credit note", "ORDER": "Purchase order"}


def kind(transaction_type: str) -> str:
    return _KIND[transaction_type]


def order_identifier(order: dict) -> str:
    """The buyer's order number every outgoing document refers to (sale.order client_order_ref)."""
    ref = text(order.get("client_order_ref"))
    if ref:
        return ref
    if text(order.get("x_procuros_transaction_id")):
        raise BuildError(f"sales order {order.get('name')} came from Procuros but has no Customer Reference "
                         "(the buyer's order number); restore it on the order")
    return str(order["name"])
