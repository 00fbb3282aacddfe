"""Multi-company: a second company, the current company from ``allowed_company_ids``, Odoo's
``_check_company`` on the documents the connector writes, and the ``multi_company`` record rules.

* ``res.company.create`` (admin only) creates the company's partner (without a company, like Odoo)
  and links the new company to the creating user's ``company_ids``.
* env.company is the first id of the context's ``allowed_company_ids`` (else the user's company);
  ids the user may not use raise Odoo's AccessError. Documents default to it; lines take their
  document's company (a related stored field in Odoo).
* After each create/write, the many2one/many2many fields Odoo declares ``check_company=True`` must
  point at records of the document's company or of no company, else UserError
  "Incompatible companies on records: ..." (odoo/models.py ``_check_company``, at most 5 lines).
* Searches only see records of the allowed companies or of none (the multi_company ir.rules).
  Only active once a second company exists, so a single-company database is unaffected.

A new company gets its warehouse, as the stock module's ``res.company.create`` gives it one
(``_create_warehouse``: the company's name, the first five characters as code, its partner), and
a sale order defaults to its company's first warehouse (``sale_stock``'s ``_default_warehouse_id``).
Not modelled: the picking types, locations and journals Odoo creates for a new company (their
fields are left out of the check so that documents of the second company can be made).
"""
from __future__ import annotations

from . import orm
from .errors import AccessError, UserError
from .orm import DEFAULTS, METHODS, Database, today

# check_company=True fields of Odoo 17 on the documents the connector touches
CHECK_COMPANY: dict[str, tuple[str, ...]] = {
    "sale.order": ("partner_id", "partner_invoice_id", "partner_shipping_id", "fiscal_position_id",
                   "payment_term_id", "pricelist_id"),
    "sale.order.line": ("product_id", "tax_id"),
    "purchase.order": ("partner_id", "fiscal_position_id", "payment_term_id"),
    "purchase.order.line": ("product_id", "taxes_id"),
    "account.move": ("partner_id", "commercial_partner_id", "partner_shipping_id", "fiscal_position_id",
                     "invoice_payment_term_id"),
    "account.move.line": ("product_id", "tax_ids"),
    "stock.picking": ("partner_id",),
    "stock.move": ("product_id",),
}
# a line's company is its document's (related, stored)
PARENT: dict[str, str] = {"sale.order.line": "order_id", "purchase.order.line": "order_id",
                          "account.move.line": "move_id", "stock.move": "picking_id",
                          "stock.move.line": "picking_id"}
# models with a multi_company record rule: company_id in the allowed companies (or empty)
RULE_MODELS = {"sale.order", "sale.order.line", "purchase.order", "purchase.order.line", "account.move",
               "account.move.line", "stock.picking", "stock.move", "stock.move.line", "stock.quant",
               "stock.warehouse", "stock.picking.type", "stock.location", "res.partner", "product.product",
               "product.template", "account.journal", "account.tax", "account.fiscal.position",
               "account.payment.term", "product.pricelist"}


def multi(db: Database) -> bool:
    return len(db.tables["res.company"]) > 1


def user_companies(db: Database) -> list[int]:
    user = db.tables["res.users"].get(db.uid) or {}
    return list(user.get("company_ids") or [user.get("company_id") or 1])


def allowed_companies(db: Database) -> list[int]:
    """env.companies; Odoo refuses ids the user has no access to."""
    allowed = db.ctx.get("allowed_company_ids")
    if not allowed:
        return [db.current_company()]
    mine = set(user_companies(db))
    if not isinstance(allowed, list) or any(c not in mine for c in allowed):
        raise AccessError("Access to unauthorized or invalid companies.")
    return list(allowed)


# ---------------------------------------------------------------------------- res.company
def company_create(db: Database, model: str, vals_list):
    if db.uid != 2:  # only Administration / Settings may create companies
        raise AccessError("You are not allowed to create 'Companies' (res.company) records.\n\n"
                          "This operation is allowed for the following groups:\n\t- Administration/Settings\n\n"
                          "Contact your administrator to request access if necessary.")
    single = isinstance(vals_list, dict)
    ids = []
    for vals in [vals_list] if single else vals_list:
        vals = dict(vals)
        if vals.get("name") and not vals.get("partner_id"):
            vals["partner_id"] = db.create("res.partner", {
                "name": vals["name"], "is_company": True, **{k: vals[k] for k in (
                    "email", "phone", "website", "vat", "country_id") if vals.get(k)}}, top=False)
        vals.setdefault("currency_id", db.tables["res.company"][1].get("currency_id") or 126)
        # Odoo's field defaults (account_opening_date: January 1st of the current year)
        for k, v in {"account_opening_date": today()[:4] + "-01-01", "fiscalyear_last_day": 31,
                     "fiscalyear_last_month": "12", "layout_background": "Blank", "active": True,
                     "sequence": 10, "tax_calculation_rounding_method": "round_per_line"}.items():
            vals.setdefault(k, v)
        cid = db.create("res.company", vals, top=False)
        user = db.tables["res.users"][db.uid]
        db.set("res.users", db.uid, {"company_ids": list(dict.fromkeys(user_companies(db) + [cid]))})
        code = vals["name"][:5]
        db.su = True  # Odoo creates them with sudo(): same user, no record rule applies
        try:
            _create_warehouse(db, cid, vals, code)
        finally:
            db.su = False
        ids.append(cid)
    return ids[0] if single else ids


def _create_warehouse(db: Database, cid: int, vals: dict, code: str) -> None:
    """stock's res.company.create: the company's locations and its warehouse."""
    view = db.create("stock.location", {"name": code, "usage": "view", "company_id": cid}, top=False)
    stock = db.create("stock.location", {"name": "Stock", "complete_name": f"{code}/Stock", "usage": "internal",
                                         "location_id": view, "company_id": cid}, top=False)
    wh = db.create("stock.warehouse", {"name": vals["name"], "code": code, "company_id": cid,
                                       "partner_id": vals["partner_id"], "view_location_id": view,
                                       "lot_stock_id": stock, "reception_steps": "one_step",
                                       "delivery_steps": "ship_only"}, top=False)
    # its receipts and deliveries (stock.warehouse._create_or_update_sequences_and_picking_types):
    # receipts create lots, deliveries use existing ones, as the first warehouse's (transcript 17)
    common = {"warehouse_id": wh, "company_id": cid, "create_backorder": "ask", "active": True,
              "reservation_method": "at_confirm"}
    receipts = db.create("stock.picking.type", {**common, "name": "Receipts", "code": "incoming", "sequence_code": "IN",
                                                "default_location_dest_id": stock, "use_create_lots": True,
                                                "use_existing_lots": False, "sequence": 1}, top=False)
    deliveries = db.create("stock.picking.type", {**common, "name": "Delivery Orders", "code": "outgoing",
                                                  "sequence_code": "OUT", "default_location_src_id": stock,
                                                  "use_create_lots": False, "use_existing_lots": True,
                                                  "sequence": 5}, top=False)
    db.set("stock.warehouse", wh, {"in_type_id": receipts, "out_type_id": deliveries})


METHODS["res.company"]["create"] = company_create


def _with_parent_company(model: str, parent_field: str):
    previous = DEFAULTS.get(model)

    def defaults(db: Database, raw, x2m):
        parent_model = db.model_fields[model][parent_field]["relation"]
        parent = db.tables[parent_model].get(raw.get(parent_field)) if raw.get(parent_field) else None
        if parent and parent.get("company_id") and not raw.get("company_id"):
            raw["company_id"] = parent["company_id"]
        if previous:
            previous(db, raw, x2m)
        if multi(db):  # product taxes of other companies are not copied (_filter_taxes_by_company)
            company = raw.get("company_id") or db.current_company()
            for f in ("tax_id", "taxes_id", "tax_ids"):
                if isinstance(raw.get(f), list) and f not in x2m:
                    raw[f] = [t for t in raw[f] if t not in db.tables["account.tax"]
                              or db.tables["account.tax"][t].get("company_id") in (company, False, None)]
    return defaults


def install() -> None:
    """Hook into the ORM; called once business registered its own defaults."""
    for model, parent_field in PARENT.items():
        DEFAULTS[model] = _with_parent_company(model, parent_field)
    orm.VALIDATORS.append(check_company)
    orm.SEARCH_RULES.append(company_rule)
    orm.ACCESS_CHECKS.append(check_access)


# ---------------------------------------------------------------------------- _check_company
def _company_of(db: Database, model: str, rec: dict):
    comp = rec.get("company_id")
    if model in PARENT and not comp:
        parent_model = db.model_fields[model][PARENT[model]]["relation"]
        parent = db.tables[parent_model].get(rec.get(PARENT[model]))
        comp = parent and parent.get("company_id")
    return comp or False


def check_company(db: Database, model: str, ids: list, fnames) -> None:
    if fnames is None:  # a new record must lie in the allowed companies (the rule's 'create' check)
        check_access(db, model, ids, "create")
    fields = CHECK_COMPANY.get(model)
    if not fields or not multi(db):
        return
    if fnames is not None and "company_id" not in fnames and not (set(fnames) & set(fields)):
        return
    mfields = db.model_fields[model]
    problems = []
    for rid in ids:
        rec = db.tables[model].get(rid)
        if rec is None:
            continue
        company = _company_of(db, model, rec)
        for fname in fields:
            fdef = mfields.get(fname)
            if not fdef:
                continue
            value = db.raw_value(model, rec, fname)
            co_ids = value if isinstance(value, list) else ([value] if value else [])
            comodel = fdef["relation"]
            if "company_id" not in db.model_fields.get(comodel, {}):
                continue
            bad = [c for c in co_ids if c in db.tables[comodel]
                   and db.raw_value(comodel, db.tables[comodel][c], "company_id") not in (None, False, company)]
            if bad:  # Odoo lists all the values of the field, not only the wrong ones
                problems.append((rid, company, fname, fdef, co_ids))
    if not problems:
        return
    lines = ["Incompatible companies on records:"]
    for rid, company, fname, fdef, co_ids in problems[:5]:
        company_name = db.display_name("res.company", company) if company else False
        values = ", ".join(repr(db.display_name(fdef["relation"], c)) for c in co_ids)
        lines.append(f"- {db.display_name(model, rid)!r} belongs to company {company_name!r} and "
                     f"{fdef['string']!r} ({fname}: {values}) belongs to another company.")
    raise UserError("\n".join(lines))


# ---------------------------------------------------------------------------- record rules
def company_rule(db: Database, model: str):
    if model not in RULE_MODELS or "company_id" not in db.model_fields.get(model, {}):
        return None
    companies = allowed_companies(db)  # evaluating the rule checks the context's companies
    if not multi(db):
        return None
    return ["|", ["company_id", "=", False], ["company_id", "in", companies]]


def check_access(db: Database, model: str, ids, operation: str) -> None:
    """Reading or changing given ids of another company fails like an ir.rule (non-debug message)."""
    if getattr(db, "su", False):  # sudo() is above record rules
        return
    rule = company_rule(db, model)
    if not rule:
        return
    allowed = set(rule[2][2])
    table = db.tables[model]
    ids = [ids] if isinstance(ids, int) and not isinstance(ids, bool) else (ids if isinstance(ids, list) else [])
    if all(not isinstance(i, int) or i not in table
           or db.raw_value(model, table[i], "company_id") in (False, None, *allowed) for i in ids):
        return
    user = db.display_name("res.users", db.uid)
    raise AccessError("Uh-oh! Looks like you have stumbled upon some top-secret records.\n\n"
                      f"Sorry, {user} (id={db.uid}) doesn't have '{operation}' access to:\n"
                      f"- {db.description(model)} ({model})\n\n"
                      "If you really, really need access, perhaps you can win over your friendly administrator "
                      "with a batch of freshly baked cookies.")
