"""CREDIT_NOTE documents from posted customer credit notes (account.move, move_type out_refund).

Same bundle as invoices_out plus the reversed invoices in ``account.move``.  The reversal reason
is only sent to customers with "Send Credit Note Reason"; Odoo 17 keeps it in ``ref`` as
"Reversal of: INV/2026/00001, Damaged goods returned", worded in the reversing user's language.
"""

from __future__ import annotations

from typing import Any

from .invoices_out import MoveData, build_moves, categorise, document_charges, last_delivery, order_date, order_identifier, orders_of, parties, \
    product_lines, summary
from .outbound import (
    CREDIT_NOTE, ExportContext, OutboundBatch, date_as_datetime, drop_none, local_datetime, text,
)
from .odoo_values import m2o_id, m2o_name

REASON_SWITCH = "x_procuros_send_credit_note_reason"
MAX_REASON = 255


def build_credit_notes(bundle: dict[str, list[dict]], ctx: ExportContext) -> OutboundBatch:
    return build_moves(bundle, ctx, CREDIT_NOTE, "out_refund", _credit_note_content)


def reversal_reason(ref: Any, invoice_name: str | None) -> str | None:
    """The user's reason from the ``ref`` Odoo writes on a reversal: "Reversal of: <invoice>, <reason>"
    in the language of whoever reversed it ("Stornierung von: <invoice>, <reason>" in German), so the
    reason is what follows the reversed invoice's number, whatever the words before it.
    None without a reason."""
    s = text(ref)
    if not s:
        return None
    anchor = f"{invoice_name}, " if invoice_name else None
    if anchor and anchor in s:
        reason = s.split(anchor, 1)[1]
    elif ": " in s and ", " in s.split(": ", 1)[1]:  # the invoice's number unknown: "<words>: <number>, <reason>"
        reason = s.split(": ", 1)[1].split(", ", 1)[1]
    else:
        return None
    return reason.strip()[:MAX_REASON] or None


def _credit_note_content(move: dict, commercial: dict, items: list[dict], data: MoveData,
                         ctx: ExportContext) -> dict:
    tz = ctx.timezone
    orders = orders_of(product_lines(move, data), data)
    reversed_id = m2o_id(move.get("reversed_entry_id"))
    invoice = data.moves.get(reversed_id or -1)
    header: dict[str, Any] = {
        **parties(move, commercial, orders, data, ctx),
        "creditNoteIdentifier": str(move["name"]),
        "creditNoteDate": date_as_datetime(move.get("invoice_date"), tz),
        "creditNoteDueDate": date_as_datetime(move.get("invoice_date_due"), tz),
        "type": "CORRECTION" if reversed_id else "VALUE_CREDIT",
        "currency": m2o_name(move.get("currency_id")),
    }
    if reversed_id:
        # the invoice name is also in the many2one's display name "INV/2026/00001 (CUST-PO-4711)"
        header["invoiceIdentifier"] = str(invoice["name"]) if invoice else \
            (m2o_name(move["reversed_entry_id"]) or "").split(" (")[0] or None
        if invoice:
            header["invoiceDate"] = date_as_datetime(invoice.get("invoice_date"), tz)
    if orders:
        header["orderIdentifier"] = order_identifier(orders[0])
        header["orderDate"] = order_date(orders[0], ctx)
        ref_date = text(invoice.get("invoice_date")) if invoice else text(move.get("invoice_date"))
        delivery = last_delivery(orders, data, ref_date, ctx)
        if delivery:
            header["shippingNoticeIdentifier"] = str(delivery["name"])
            header["shippingNoticeDate"] = local_datetime(delivery["date_done"], tz)
    if commercial.get(REASON_SWITCH):
        header["reason"] = reversal_reason(move.get("ref"), header.get("invoiceIdentifier"))
    return {"header": drop_none(header), "items": items,
            "summary": summary(move, items, document_charges(move, data), categorise(commercial, ctx))}
