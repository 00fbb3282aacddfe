"""CREDIT_NOTE documents from posted customer credit notes (account.move, move_type out_refund).

Same bundle as invoices_out plus the reversed invoices in ``account.move``.  The reversal reason
is only sent to customers with "Send Credit Note Reason"; Odoo 17 keeps it in ``ref`` as
"Reversal of: INV/2026/00001, Damaged goods returned", worded in the reversing user's language.
"""

from __future__ import annotations

from typing import Any

from .invoices_out import MoveData, build_moves, categorise, document_charges, is_charge_line, line_sale_line, \
    payment_terms, last_delivery, order_date, order_identifier, orders_of, parties, \
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


_SEPARATORS = " -–—:,;/()"


def line_reason(label: object, original: object) -> str | None:
    """A credit note line's own reason, where Odoo has one: what the user wrote into the line's
    label beyond the invoiced description ("Apfelschorle 0,5 l – Bruch bei Anlieferung"), or the
    whole label when it was replaced. None when the label is the invoiced one."""
    mine, theirs = text(label), text(original)
    if not mine or mine == theirs:
        return None
    if theirs and mine.startswith(theirs):
        mine = mine[len(theirs):].strip(_SEPARATORS + " ")
    return mine[:MAX_REASON] or None


def _with_line_reason(item: dict, line: dict, data: MoveData) -> dict:
    sale_line = line_sale_line(line, data)
    reason = line_reason(line.get("name"), sale_line.get("name") if sale_line else m2o_name(line.get("product_id")))
    return {**item, "reason": reason} if reason else item


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
    header["paymentTerms"] = payment_terms(move, data)
    if commercial.get(REASON_SWITCH):
        header["reason"] = reversal_reason(move.get("ref"), header.get("invoiceIdentifier"))
        lines = [ln for ln in product_lines(move, data) if not is_charge_line(ln, data)]
        items = [_with_line_reason(item, line, data) for item, line in zip(items, lines)]
    return {"header": drop_none(header), "items": items,
            "summary": summary(move, items, document_charges(move, data), categorise(commercial, ctx))}
