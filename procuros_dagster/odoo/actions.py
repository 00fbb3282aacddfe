"""Business actions over RPC, called exactly as a real Odoo 17 accepted them (see the recorded
transcripts): wizards are created with the context the action returned and answered with it.

None of these are retried on transport errors (see rpc.READ_ONLY_METHODS)."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import OdooError, OdooValueError

MAX_WIZARD_STEPS = 5


@dataclass
class ValidationSummary:
    validated: list[int] = field(default_factory=list)       # pickings now done
    backorders: dict[int, list[int]] = field(default_factory=dict)  # picking -> its new backorders
    not_done: list[int] = field(default_factory=list)        # pickings still not done afterwards
    wizards: list[str] = field(default_factory=list)         # wizards answered on the way

    @property
    def backorder_ids(self) -> list[int]:
        return [b for ids in self.backorders.values() for b in ids]


def action_context(action: Mapping[str, Any]) -> dict:
    """An action's context may be a dict or a Python-literal string ("{'default_move_type': ...}")."""
    ctx = action.get("context") or {}
    if isinstance(ctx, str):
        try:
            ctx = ast.literal_eval(ctx)
        except (ValueError, SyntaxError):
            ctx = {}  # contexts with expressions (uid, active_id) are not needed here
    return dict(ctx) if isinstance(ctx, dict) else {}


def action_record_ids(action: Any, model: str) -> list[int] | None:
    """Record ids an act_window points at: res_id, or an ('id', 'in', [...]) domain."""
    if not isinstance(action, Mapping) or action.get("res_model") != model:
        return None
    if action.get("res_id"):
        return [action["res_id"]]
    domain = action.get("domain")
    if isinstance(domain, str):
        try:
            domain = ast.literal_eval(domain)
        except (ValueError, SyntaxError):
            m = re.search(r"\('id',\s*'in',\s*\[([\d,\s]*)\]\)", domain)
            return [int(x) for x in m.group(1).split(",") if x.strip()] if m else None
    for leaf in domain or []:
        if isinstance(leaf, (list, tuple)) and len(leaf) == 3 and leaf[0] == "id" and leaf[1] in ("in", "="):
            return list(leaf[2]) if isinstance(leaf[2], (list, tuple)) else [leaf[2]]
    return None


class ActionsMixin:
    # -- sales / purchase -------------------------------------------------------------------------
    def confirm_sale_orders(self, ids: Iterable[int]) -> bool:
        """action_confirm (note: Odoo overwrites date_order with the confirmation time)."""
        ids = list(ids)
        return bool(ids) and self.call("sale.order", "action_confirm", [ids])

    def confirm_purchase_orders(self, ids: Iterable[int]) -> bool:
        ids = list(ids)
        return bool(ids) and self.call("purchase.order", "button_confirm", [ids])

    # -- stock ---------------------------------------------------------------------------------------
    def set_move_quantities(self, quantities: Mapping[int, float], picked: bool = True) -> int:
        """Write ``quantity`` (+ ``picked``) on stock.move; moves with equal quantity share one
        write. Returns the number of writes."""
        by_qty: dict[float, list[int]] = defaultdict(list)
        for move_id, qty in quantities.items():
            by_qty[float(qty)].append(move_id)
        for qty, move_ids in by_qty.items():
            vals: dict[str, Any] = {"quantity": qty}
            if picked:
                vals["picked"] = True
            self.write("stock.move", move_ids, vals)
        return len(by_qty)

    def validate_pickings(self, ids: Iterable[int], backorder: bool = True) -> ValidationSummary:
        """button_validate, answering the wizards it returns until it says true:

        * stock.backorder.confirmation -> create it with the action's context, then ``process``
          (backorder=True: keep the rest in a backorder) or ``process_cancel_backorder``;
        * confirm.stock.sms (stock_sms, once per company) -> ``dont_send_sms``.
        Then one read tells which pickings are done and which backorders were created."""
        ids = list(ids)
        summary = ValidationSummary()
        if not ids:
            return summary
        result = self.call("stock.picking", "button_validate", [ids])
        for _ in range(MAX_WIZARD_STEPS):
            if result is True:
                break
            if not isinstance(result, Mapping):
                raise OdooError(f"stock.picking.button_validate on {ids} answered {result!r}")
            res_model = result.get("res_model")
            ctx = action_context(result)
            summary.wizards.append(res_model)
            if res_model == "stock.backorder.confirmation":
                wizard = self.create(res_model, [{}], context=ctx)
                method = "process" if backorder else "process_cancel_backorder"
                result = self.call(res_model, method, [wizard], context=ctx)
            elif res_model == "confirm.stock.sms":
                wizard = [result["res_id"]] if result.get("res_id") else self.create(res_model, [{}], context=ctx)
                result = self.call(res_model, "dont_send_sms", [wizard], context=ctx)
            else:
                raise OdooError(f"stock.picking.button_validate on {ids} returned an unexpected wizard {res_model!r}")
        else:
            raise OdooError(f"stock.picking.button_validate on {ids}: still a wizard after {MAX_WIZARD_STEPS} steps")
        for rec in self.read("stock.picking", ids, ["state", "backorder_ids"]):
            (summary.validated if rec["state"] == "done" else summary.not_done).append(rec["id"])
            if rec.get("backorder_ids"):
                summary.backorders[rec["id"]] = list(rec["backorder_ids"])
        return summary

    # -- invoicing -----------------------------------------------------------------------------------
    def invoice_sale_orders(self, order_ids: Iterable[int]) -> list[int]:
        """sale.advance.payment.inv ('delivered') + create_invoices; returns the new invoice ids
        (sale.order invoice_ids after minus before: 4 round trips for any number of orders)."""
        order_ids = list(order_ids)
        if not order_ids:
            return []
        before = {i for r in self.read("sale.order", order_ids, ["invoice_ids"]) for i in r["invoice_ids"]}
        ctx = {"active_model": "sale.order", "active_ids": order_ids, "active_id": order_ids[0]}
        wizard = self.create("sale.advance.payment.inv", [{"advance_payment_method": "delivered"}], context=ctx)
        self.call("sale.advance.payment.inv", "create_invoices", [wizard], context=ctx)
        after = [i for r in self.read("sale.order", order_ids, ["invoice_ids"]) for i in r["invoice_ids"]]
        return sorted(set(after) - before)

    def post_moves(self, ids: Iterable[int]) -> list[int]:
        """account.move.action_post. Odoo answers false on success, so the answer is ignored;
        a refusal comes back as an OdooUserError."""
        ids = list(ids)
        if ids:
            self.call("account.move", "action_post", [ids])
        return ids

    def reverse_moves(self, ids: Iterable[int], reason: str | None = None, journal_id: int | None = None,
                      date: str | None = None) -> list[int]:
        """Credit notes through account.move.reversal + refund_moves (the Reverse button).

        The wizard's journal_id is not computed over RPC (NOT NULL error without it): it defaults
        to each move's own journal, one wizard per journal. The reason ends up in the credit
        note's ``ref`` ("Reversal of: INV/2026/00001, <reason>"). Returns the credit note ids."""
        ids = list(ids)
        if not ids:
            return []
        groups: dict[int, list[int]] = defaultdict(list)
        if journal_id:
            groups[journal_id] = ids
        else:
            for rec in self.read("account.move", ids, ["journal_id"]):
                groups[rec["journal_id"][0]].append(rec["id"])
            missing = set(ids) - {i for g in groups.values() for i in g}
            if missing:
                raise OdooError(f"account.move {sorted(missing)} not found")
        credit_notes: list[int] = []
        for journal, move_ids in groups.items():
            vals: dict[str, Any] = {"journal_id": journal}
            if reason:
                vals["reason"] = reason
            if date:
                vals["date"] = date
            ctx = {"active_model": "account.move", "active_ids": move_ids, "active_id": move_ids[0]}
            wizard = self.create("account.move.reversal", [vals], context=ctx)
            action = self.call("account.move.reversal", "refund_moves", [wizard], context=ctx)
            new = action_record_ids(action, "account.move")
            if new is None:
                new = self.read("account.move.reversal", wizard, ["new_move_ids"])[0]["new_move_ids"]
            credit_notes.extend(new)
        return credit_notes

    def create_vendor_bills(self, vals_list: Sequence[Mapping[str, Any]]) -> list[int]:
        """account.move create of in_invoice / in_refund; lines should carry purchase_line_id so
        the bill counts against the PO lines (qty_invoiced)."""
        for vals in vals_list:
            if vals.get("move_type") not in ("in_invoice", "in_refund"):
                raise OdooValueError(f"vendor bills need move_type in_invoice or in_refund, got {vals.get('move_type')!r}")
            for cmd in vals.get("invoice_line_ids") or []:
                if not (isinstance(cmd, (list, tuple)) and len(cmd) == 3 and cmd[0] == 0 and isinstance(cmd[2], Mapping)):
                    raise OdooValueError("invoice_line_ids must be [(0, 0, {...}), ...] create commands")
        return self.create("account.move", vals_list)
