"""The sale.advance.payment.inv wizard's regular invoices ('delivered'), as Odoo 17's
sale.order._create_invoices and action_view_invoice make them.

* the orders are processed in sale.order's _order (newest first), their lines numbered on across
  orders (sequence 0, 1, ...);
* with ``consolidated_billing`` (the default) the invoice values are grouped by
  (company, invoice address, currency): one invoice, the first (newest) order's values, all lines,
  renumbered 1, 2, ... per invoice; ``invoice_origin``/``ref`` join the orders' values with ", ";
* the returned act_window opens one invoice in its form (``res_id``), several in the list
  (``domain``); only a single order puts its defaults into the context.
"""
from __future__ import annotations

from itertools import groupby

from . import business as b
from .errors import UserError

FORM_VIEW = 681  # account.view_move_form
LIST_VIEWS = [[674, "tree"], [False, "kanban"], [False, "form"], [False, "activity"]]
NOTHING = ("Nothing to invoice!\n\nReason(s) of this behavior could be:\n"
           "- You should deliver your products before invoicing them.\n"
           "- You should modify the invoicing policy of your product: Open the product, go to the "
           "\"Sales\" tab and modify invoicing policy from \"delivered quantities\" to \"ordered quantities\".")


def _invoice_vals(db, o) -> dict:
    """sale.order._prepare_invoice (the fields the sandbox keeps)."""
    return {
        "move_type": "out_invoice", "partner_id": o.get("partner_invoice_id") or o["partner_id"],
        "partner_shipping_id": o.get("partner_shipping_id"), "ref": o.get("client_order_ref") or False,
        "invoice_origin": o["name"], "narration": o.get("note") or False,
        "invoice_payment_term_id": o.get("payment_term_id") or False, "invoice_user_id": o.get("user_id"),
        "fiscal_position_id": o.get("fiscal_position_id") or b.taxes.fiscal_position(db, o.get("partner_invoice_id")),
        "payment_reference": o.get("reference") or False,
        "company_id": o.get("company_id") or 1, "currency_id": o.get("currency_id") or 126,
        "invoice_line_ids": [],
    }


def _line_vals(db, l, sequence: int) -> dict:
    """sale.order.line._prepare_invoice_line."""
    return {"product_id": l["product_id"], "name": l.get("name"), "sequence": sequence,
            "quantity": b.val(db, "sale.order.line", l, "qty_to_invoice"), "product_uom_id": l.get("product_uom"),
            "price_unit": l.get("price_unit"), "discount": l.get("discount") or 0.0,
            "tax_ids": [[6, 0, l.get("tax_id") or []]], "sale_line_ids": [[6, 0, [l["id"]]]]}


def _merge(group: list[dict]) -> dict:
    """One invoice for a (company, partner, currency) group: the first order's values and
    every order's lines. Odoo joins origins and refs from Python sets, so their order in the
    real server is arbitrary (hash-seeded); the sandbox fixes one: names in processing order
    (newest first), refs sorted — what the recording happened to show."""
    first = dict(group[0])
    first["invoice_line_ids"] = [line for vals in group for line in vals["invoice_line_ids"]]
    origins = list(dict.fromkeys(v["invoice_origin"] for v in group))
    refs = sorted({v["ref"] or "" for v in group})
    pay_refs = {v["payment_reference"] for v in group}
    first.update({"invoice_origin": ", ".join(origins), "ref": ", ".join(refs)[:2000] or False,
                  "payment_reference": pay_refs.pop() if len(pay_refs) == 1 else False})
    return first


def create_invoices(db, model, ids):
    ids = db.as_ids(ids)
    wiz = db.tables[model].get(ids[0]) if ids else None
    if wiz is None:
        raise db.missing(model, ids)
    orders = db.sort("sale.order", [db.tables["sale.order"][i] for i in wiz.get("sale_order_ids") or []])
    vals_list = []
    sequence = 0
    for o in orders:
        lines = [l for l in b.children(db, "sale.order.line", "order_id", o["id"])
                 if not l.get("display_type") and abs(b.val(db, "sale.order.line", l, "qty_to_invoice")) > 1e-9]
        if not lines:
            continue
        vals = _invoice_vals(db, o)
        for l in lines:
            vals["invoice_line_ids"].append([0, 0, _line_vals(db, l, sequence)])
            sequence += 1
        vals_list.append(vals)
    if not vals_list:
        raise UserError(NOTHING)
    if wiz.get("consolidated_billing", True):
        key = lambda v: (v["company_id"], v["partner_id"], v["currency_id"])  # _get_invoice_grouping_keys
        vals_list = [_merge(list(g)) for _, g in groupby(sorted(vals_list, key=key), key=key)]
    if len(vals_list) < len(orders):  # a grouping may have happened: renumber each invoice's lines
        for vals in vals_list:
            for n, line in enumerate(vals["invoice_line_ids"], start=1):
                line[2]["sequence"] = n
    return _view_invoices(db, orders, create_moves(db, vals_list))


def create_moves(db, vals_list: list[dict]) -> list[int]:
    """account.move.create of a batch: every move with its product lines first, then the
    dynamic lines in one sync over the batch — the tax lines of all moves, then their
    payment-term lines (the journal item ids show that order)."""
    db.pending_move_sync = []
    try:
        ids = [db.create("account.move", vals, top=False) for vals in vals_list]
    finally:
        pending, db.pending_move_sync = db.pending_move_sync, None
    for mid in pending:
        b.sync_dynamic_lines(db, mid, terms=False)
    for mid in pending:
        b.sync_dynamic_lines(db, mid)
    return ids


def _view_invoices(db, orders: list[dict], moves: list[int]) -> dict:
    """sale.order.action_view_invoice(invoices=...)."""
    action = dict(b._load_actions()["invoices"])
    action.update({"domain": "[('move_type', '=', 'out_invoice')]", "res_id": 0, "views": [list(v) for v in LIST_VIEWS]})
    if len(moves) > 1:
        action["domain"] = [["id", "in", moves]]
    else:
        action["views"] = [[FORM_VIEW, "form"]] + [v for v in action["views"] if v[1] != "form"]
        action["res_id"] = moves[0]
    context = {"default_move_type": "out_invoice"}
    if len(orders) == 1:
        o = orders[0]
        partner = b.rec(db, "res.partner", o.get("partner_id")) or {}
        context.update({"default_partner_id": o.get("partner_id"),
                        "default_partner_shipping_id": o.get("partner_shipping_id"),
                        "default_invoice_payment_term_id": o.get("payment_term_id")
                        or partner.get("property_payment_term_id") or None,  # null without a term (09)
                        "default_invoice_origin": o.get("name")})
    action["context"] = context
    return action
