"""Computed fields, display names and business methods, as recorded from a real Odoo 17.

Each section mirrors one Odoo app (partners/products, sales, stock, invoicing, purchase, technical).
Methods receive ``(db, model, *args, **kwargs)`` like ``execute_kw``; record methods take ids first.
"""
from __future__ import annotations

import ast
import datetime as dt
import json
import re
from zoneinfo import ZoneInfo
import textwrap
from decimal import ROUND_HALF_UP, Decimal

from . import registry, taxes, uom, vendor_prices
from .errors import UserError, ValidationError, RpcValueError
from .orm import (AFTER_CREATE, AFTER_WRITE, BEFORE_UNLINK, COMPUTE, DEFAULTS, DELEGATE, DISPLAY, METHODS,
                  Database, now, today)

CUSTOMER_LOC, VENDOR_LOC, STOCK_LOC = 5, 4, 8
OUT_TYPE, IN_TYPE = 2, 1
SALE_JOURNAL, PURCHASE_JOURNAL = 1, 2


def r2(x: float) -> float:
    return float(Decimal(repr(float(x))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def method(model: str, name: str | None = None):
    def deco(fn):
        METHODS[model][name or fn.__name__] = fn
        return fn
    return deco


def compute(model: str, *fields: str):
    def deco(fn):
        for f in fields:
            COMPUTE[model][f] = (lambda fn, f: (lambda db, rec: fn(db, rec, f)))(fn, f)
        return fn
    return deco


def context_today(db: Database) -> str:
    """Odoo's fields.Date.context_today: today in the caller's time zone (context tz), else UTC."""
    tz = db.ctx.get("tz")
    utc = dt.datetime.strptime(now(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.timezone.utc)
    if isinstance(tz, str) and tz:
        try:
            return utc.astimezone(ZoneInfo(tz)).date().isoformat()
        except (KeyError, ValueError):
            pass
    return utc.date().isoformat()


def rec(db: Database, model: str, rid):
    return db.tables[model].get(rid) if rid else None


def children(db: Database, model: str, fname: str, rid: int) -> list[dict]:
    table = db.tables[model]
    return [table[i] for i in sorted(db.index(model, fname).get(rid, ())) if i in table]


def val(db, model, r, f):
    return db.raw_value(model, r, f)


def default_get(db: Database, model: str, fields_list) -> dict:
    raw: dict = {}
    x2m: dict = {}
    if model in DEFAULTS:
        try:
            DEFAULTS[model](db, raw, x2m)
        except (UserError, ValidationError):
            pass
    fields = db.fields(model)
    out = {}
    for f in fields_list or []:
        if f in raw:
            out[f] = raw[f]
        elif f == "active" and "active" in fields:
            out[f] = True
        elif f == "company_id" and "company_id" in fields:
            out[f] = 1
    return out


# ====================================================================== technical
@method("res.users")
def context_get(db, model):
    return {"lang": "en_US", "tz": False, "uid": db.uid}


@method("ir.model.data")
def check_object_reference(db, model, module, xml_id, raise_on_access_error=False):
    for r in db.tables["ir.model.data"].values():
        if r["module"] == module and r["name"] == xml_id:
            return [r["model"], r["res_id"]]
    raise RpcValueError(f"External ID not found in the system: {module}.{xml_id}")


COMPUTE["ir.model.data"]["complete_name"] = lambda db, r: f"{r.get('module')}.{r.get('name')}"
DISPLAY["ir.model.data"] = lambda db, r: f"{r.get('module')}.{r.get('name')}"


def _imd_unique(db, rid, raw, x2m):
    me = db.tables["ir.model.data"][rid]
    table = db.tables["ir.model.data"]
    for oid in db.index("ir.model.data", "name").get(me.get("name"), ()):
        other = table.get(oid)
        if other is not None and oid != rid and other.get("module") == me.get("module"):
            raise ValidationError(
                'The operation cannot be completed: duplicate key value violates unique constraint '
                '"ir_model_data_module_name_uniq_index"\n'
                f'DETAIL:  Key (module, name)=({me.get("module")}, {me.get("name")}) already exists.\n')


AFTER_CREATE["ir.model.data"] = _imd_unique
DEFAULTS["ir.model.data"] = lambda db, raw, x2m: raw.setdefault("noupdate", False)


@method("*")
def message_post(db, model, ids, body="", message_type="notification", subtype_xmlid=None, **kw):
    ids = db.as_ids(ids)
    if not ids or ids[0] not in db.tables[model]:
        raise db.missing(model, ids)
    subtype = 1 if subtype_xmlid in (None, "mail.mt_comment") and message_type == "comment" else 2
    return db.create("mail.message", {"model": model, "res_id": ids[0], "body": body or "",
                                      "message_type": message_type, "subtype_id": subtype,
                                      "subject": kw.get("subject") or False}, top=False)


def _mail_defaults(db, raw, x2m):
    raw.setdefault("message_type", "comment")
    raw.setdefault("author_id", 3)
    raw.setdefault("date", now())


DEFAULTS["mail.message"] = _mail_defaults


def _ir_model_records(db: Database):
    table = db.tables["ir.model"]
    for i, model in enumerate(sorted(db.model_fields), start=1):
        table[i] = {"id": i, "model": model, "name": registry.description(model), "state": "base"}


def _imf_defaults(db, raw, x2m):
    if not raw.get("model_id") and raw.get("model"):
        raw["model_id"] = next((r["id"] for r in db.tables["ir.model"].values() if r["model"] == raw["model"]), False)
    m = rec(db, "ir.model", raw.get("model_id"))
    if m:
        raw["model"] = m["model"]
    raw.setdefault("state", "manual")
    raw.setdefault("field_description", raw.get("name") or False)


def _imf_created(db, rid, raw, x2m):
    r = db.tables["ir.model.fields"][rid]
    if r.get("state") != "manual":
        return
    if not str(r.get("name", "")).startswith("x_"):
        raise ValidationError("Custom fields must have a name that starts with 'x_'!")
    model = r["model"]
    if r["name"] in db.model_fields[model]:
        raise ValidationError(f"Field names must be unique per model.\nField {r['name']} already exists on {model}")
    _install_field(db, r)


def _install_field(db, r):
    selection = None
    if r.get("ttype") == "selection":
        selection = [[s["value"], s["name"]] for s in sorted(
            children(db, "ir.model.fields.selection", "field_id", r["id"]), key=lambda s: (s.get("sequence") or 0, s["id"]))]
        if not selection and r.get("selection"):
            try:
                selection = [list(x) for x in ast.literal_eval(r["selection"])]
            except (ValueError, SyntaxError):
                raise ValidationError(f"The Selection Options expression is not a valid Pythonic expression.") from None
    fdef = {"type": r["ttype"], "string": r.get("field_description") or r["name"],
            "required": bool(r.get("required")), "readonly": bool(r.get("readonly")),
            "manual": True}
    if r.get("relation"):
        fdef["relation"] = r["relation"]
    if selection is not None:
        fdef["selection"] = selection
    db.model_fields[r["model"]][r["name"]] = fdef
    db.tables.setdefault(r["model"], {})


def _imf_written(db, ids, raw, x2m):
    for rid in ids:
        r = db.tables["ir.model.fields"][rid]
        if r.get("state") == "manual" and r.get("name") in db.model_fields.get(r.get("model"), {}):
            _install_field(db, r)


def _imf_unlink(db, ids):
    for rid in ids:
        r = db.tables["ir.model.fields"][rid]
        if r.get("state") == "manual":
            db.model_fields.get(r.get("model"), {}).pop(r.get("name"), None)


def _imfs_changed(db, rid, raw=None, x2m=None):
    s = db.tables["ir.model.fields.selection"].get(rid)
    field = s and rec(db, "ir.model.fields", s.get("field_id"))
    if field and field.get("state") == "manual" and field.get("name") in db.model_fields.get(field["model"], {}):
        _install_field(db, field)


DEFAULTS["ir.model.fields"] = _imf_defaults
AFTER_CREATE["ir.model.fields"] = _imf_created
AFTER_WRITE["ir.model.fields"] = _imf_written
BEFORE_UNLINK["ir.model.fields"] = _imf_unlink
AFTER_CREATE["ir.model.fields.selection"] = _imfs_changed
AFTER_WRITE["ir.model.fields.selection"] = lambda db, ids, raw, x2m: [_imfs_changed(db, i) for i in ids]


_ATTR = re.compile(r"""([^\s=/<>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_TAG = re.compile(r"<([^\s<>!?/]+)((?:\s+[^\s=/<>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>")


def _attr_value(raw: str) -> str:
    from xml.sax.saxutils import escape, unescape
    value = unescape(raw, {"&quot;": '"', "&apos;": "'", "&#10;": "\n", "&#9;": "\t"})
    return escape(value, {'"': "&quot;", "\n": "&#10;", "\t": "&#9;", "\r": "&#13;"})


def reserialize_arch(arch):
    """Odoo stores the arch parsed and serialised again by lxml: a start tag's attributes are
    separated by one space and double-quoted (a tag written over several lines with name='x'
    reads back on one line with name="x"), and an empty tag loses the space before "/>".
    Observed on a real Odoo 17 (bringup.sh), not recorded in a transcript."""
    if not isinstance(arch, str):
        return arch

    def tag(m):
        attrs = "".join(f' {a.group(1)}="{_attr_value(a.group(2) if a.group(2) is not None else a.group(3))}"'
                        for a in _ATTR.finditer(m.group(2)))
        return f"<{m.group(1)}{attrs}{m.group(3)}>"
    return _TAG.sub(tag, arch)


def _view_defaults(db, raw, x2m):
    raw.setdefault("mode", "extension" if raw.get("inherit_id") else "primary")
    raw.setdefault("priority", 16)
    raw.setdefault("active", True)
    for key in ("arch", "arch_db"):
        if raw.get(key):
            raw["_arch_source"] = raw[key]  # as given: the validation's line numbers refer to it
            raw[key] = reserialize_arch(raw[key])
    arch = raw.get("arch") or raw.get("arch_db")
    if arch:
        raw["arch"] = raw["arch_db"] = arch
        parent = db.tables["ir.ui.view"].get(raw.get("inherit_id")) if raw.get("inherit_id") else None
        if not raw.get("type") and parent is not None:  # an extension is of its parent's type
            raw["type"] = parent.get("type")
        if not raw.get("type"):
            tag = arch.lstrip().lstrip("<").split()[0].split(">")[0]
            raw["type"] = {"list": "tree"}.get(tag, tag) if tag in ("form", "tree", "list", "search", "kanban") else "qweb"


DEFAULTS["ir.ui.view"] = _view_defaults

# ====================================================================== partners / products / misc names
DISPLAY["stock.location"] = lambda db, r: r.get("complete_name") or r.get("name")
DISPLAY["account.account"] = lambda db, r: f"{r.get('code')} {r.get('name')}"
DISPLAY["product.pricelist"] = lambda db, r: f"{r.get('name')} ({db.display_name('res.currency', r.get('currency_id'))})"
DISPLAY["stock.picking.type"] = lambda db, r: (
    f"{db.display_name('stock.warehouse', r['warehouse_id'])}: {r.get('name')}" if r.get("warehouse_id") else r.get("name"))
DISPLAY["res.users"] = lambda db, r: r.get("name") or db.display_name("res.partner", r.get("partner_id"))
DISPLAY["product.category"] = lambda db, r: r.get("complete_name") or r.get("name")


def _partner_complete(db, r):
    parent = rec(db, "res.partner", r.get("parent_id"))
    name = r.get("name") or ""
    if parent and not r.get("is_company"):
        pname = _partner_complete(db, parent)
        return f"{pname}, {name}" if name else pname
    return name


def _commercial(db, r):
    seen = 0
    while r.get("parent_id") and not r.get("is_company") and seen < 20:
        parent = rec(db, "res.partner", r["parent_id"])
        if not parent:
            break
        r, seen = parent, seen + 1
    return r["id"]


DISPLAY["res.partner"] = _partner_complete
COMPUTE["res.partner"]["complete_name"] = _partner_complete
COMPUTE["res.partner"]["commercial_partner_id"] = _commercial
COMPUTE["res.partner"]["commercial_company_name"] = lambda db, r: db.tables["res.partner"][_commercial(db, r)].get("name")
COMPUTE["res.partner"]["country_code"] = lambda db, r: (rec(db, "res.country", r.get("country_id")) or {}).get("code") or False


def _partner_defaults(db, raw, x2m):
    raw.setdefault("type", "contact")
    raw.setdefault("is_company", False)
    raw.setdefault("lang", db.ctx.get("lang") or "en_US")
    raw.setdefault("customer_rank", 0)
    raw.setdefault("supplier_rank", 0)
    raw.setdefault("color", 0)


DEFAULTS["res.partner"] = _partner_defaults

PRODUCT_OWN = frozenset({
    "id", "product_tmpl_id", "default_code", "barcode", "active", "volume", "weight", "create_date",
    "write_date", "create_uid", "write_uid", "display_name", "lst_price", "standard_price", "code",
    "partner_ref", "qty_available", "virtual_available", "free_qty", "incoming_qty", "outgoing_qty",
    "combination_indices", "product_template_attribute_value_ids", "message_ids"})
DELEGATE["product.product"] = ("product.template", "product_tmpl_id", PRODUCT_OWN)


def _product_display(db, r, code=None):
    code = r.get("default_code") if code is None else code
    name = db.raw_value("product.product", r, "name") if "product_tmpl_id" in r else r.get("name")
    return f"[{code}] {name}" if code else (name or "")


DISPLAY["product.product"] = _product_display
COMPUTE["product.product"]["code"] = lambda db, r: r.get("default_code") or False
COMPUTE["product.product"]["partner_ref"] = _product_display
COMPUTE["product.product"]["lst_price"] = lambda db, r: db.raw_value("product.product", r, "list_price")


def _tmpl_code(db, r):
    variants = children(db, "product.product", "product_tmpl_id", r["id"])
    return (variants[0].get("default_code") if variants else r.get("default_code")) or False


COMPUTE["product.template"]["default_code"] = _tmpl_code
COMPUTE["product.template"]["barcode"] = lambda db, r: next(
    (v.get("barcode") for v in children(db, "product.product", "product_tmpl_id", r["id"])), False) or False
DISPLAY["product.template"] = lambda db, r: (f"[{_tmpl_code(db, r)}] {r.get('name')}" if _tmpl_code(db, r)
                                             else r.get("name") or "")
COMPUTE["product.template"]["type"] = lambda db, r: r.get("detailed_type") or r.get("type") or "consu"
COMPUTE["product.product"]["type"] = lambda db, r: db.raw_value(
    "product.template", db.tables["product.template"][r["product_tmpl_id"]], "type")


def _tmpl_defaults(db, raw, x2m):
    raw.setdefault("detailed_type", raw.get("type") or "consu")
    raw.setdefault("uom_id", 1)
    raw.setdefault("uom_po_id", raw["uom_id"])
    raw.setdefault("categ_id", 1)
    raw.setdefault("invoice_policy", "order")
    raw.setdefault("purchase_method", "receive")
    raw.setdefault("tracking", "none")
    raw.setdefault("sale_ok", True)
    raw.setdefault("purchase_ok", True)
    raw.setdefault("list_price", 1.0)
    raw.setdefault("sale_line_warn", "no-message")
    raw.setdefault("purchase_line_warn", "no-message")
    raw.setdefault("priority", "0")
    company = db.tables["res.company"][1]
    if "taxes_id" not in x2m:
        raw["taxes_id"] = [company["account_sale_tax_id"]] if company.get("account_sale_tax_id") else []
    if "supplier_taxes_id" not in x2m:
        raw["supplier_taxes_id"] = [company["account_purchase_tax_id"]] if company.get("account_purchase_tax_id") else []


DEFAULTS["product.template"] = _tmpl_defaults


def _product_defaults(db, raw, x2m):
    if raw.get("product_tmpl_id"):
        return
    tfields = db.model_fields["product.template"]
    tvals = {k: raw.pop(k) for k in list(raw) if k not in PRODUCT_OWN and k in tfields}
    for k in list(x2m):
        if k not in PRODUCT_OWN and k in tfields:
            tvals[k] = x2m.pop(k)
    tvals["default_code"] = raw.get("default_code") or False
    raw["product_tmpl_id"] = db.create("product.template", tvals, top=False)


def _check_barcodes(db, ids):
    products = db.tables["product.product"]
    for rid in ids:
        code = products[rid].get("barcode")
        if not code:
            continue
        same = [p for p in products.values() if p.get("barcode") == code and p.get("active", True)]
        if len(same) > 1:
            names = ", ".join(_product_display(db, p) for p in sorted(same, key=lambda p: p["id"]))
            raise ValidationError(
                f'Barcode(s) already assigned:\n\n- Barcode "{code}" already assigned to product(s): {names}'
                "\n\nNote: products that you don't have access to will not be shown above.")


DEFAULTS["product.product"] = _product_defaults
AFTER_CREATE["product.product"] = lambda db, rid, raw, x2m: _check_barcodes(db, [rid])
AFTER_WRITE["product.product"] = lambda db, ids, raw, x2m: _check_barcodes(db, ids) if "barcode" in raw else None


# uom.uom: factor_inv is computed from factor and writable through its inverse (_set_factor_inv)
COMPUTE["uom.uom"]["factor_inv"] = lambda db, r: (1.0 / r["factor"]) if r.get("factor") else 0.0


def _uom_defaults(db, raw, x2m):
    if raw.get("factor_inv"):
        raw["factor"] = 1.0 / raw.pop("factor_inv")
    raw.setdefault("factor", 1.0)


def _uom_written(db, ids, raw, x2m):
    if raw.get("factor_inv"):
        for rid in ids:
            db.set("uom.uom", rid, {"factor": 1.0 / raw["factor_inv"]})


DEFAULTS["uom.uom"] = _uom_defaults
AFTER_WRITE["uom.uom"] = _uom_written


def _internal_locs(db) -> set:
    return {i for i, r in db.tables["stock.location"].items() if r.get("usage") == "internal"}


def _qty(db, r, f):
    pid = r["id"]
    internal = _internal_locs(db)
    quants = [q for q in children(db, "stock.quant", "product_id", pid) if q.get("location_id") in internal]
    onhand = sum(q.get("quantity") or 0.0 for q in quants)
    if f == "qty_available":
        return onhand
    if f == "free_qty":
        return onhand - sum(q.get("reserved_quantity") or 0.0 for q in quants)
    incoming = outgoing = 0.0
    for m in children(db, "stock.move", "product_id", pid):
        if m.get("state") in ("done", "cancel", "draft"):
            continue
        src, dst = m.get("location_id") in internal, m.get("location_dest_id") in internal
        if src and not dst:
            outgoing += m.get("product_uom_qty") or 0.0
        elif dst and not src:
            incoming += m.get("product_uom_qty") or 0.0
    return {"incoming_qty": incoming, "outgoing_qty": outgoing}.get(f, onhand + incoming - outgoing)


compute("product.product", "qty_available", "virtual_available", "free_qty", "incoming_qty", "outgoing_qty")(_qty)


# ====================================================================== taxes
def tax_amounts(db, tax_ids, base: float) -> list[tuple[int, float]]:
    out = []
    for tid in tax_ids or []:
        t = rec(db, "account.tax", tid)
        if not t:
            continue
        if taxes.self_cancelling(t):
            out.append((tid, 0.0))
        elif t.get("amount_type") == "fixed":
            out.append((tid, r2(t.get("amount") or 0.0)))
        else:
            out.append((tid, r2(base * (t.get("amount") or 0.0) / 100.0)))
    return out


def _line_amounts(db, model, r, f, qty_field, tax_field):
    qty = r.get(qty_field) or 0.0
    subtotal = r2(qty * (r.get("price_unit") or 0.0) * (1 - (r.get("discount") or 0.0) / 100.0))
    if f == "price_subtotal":
        return subtotal
    tax = sum(a for _, a in tax_amounts(db, r.get(tax_field), subtotal))
    if f == "price_tax":
        return r2(tax)
    return r2(subtotal + tax)


def _order_amounts(db, model, line_model, r, f):
    lines = children(db, line_model, "order_id", r["id"])
    untaxed = r2(sum(val(db, line_model, l, "price_subtotal") for l in lines))
    tax = r2(sum(val(db, line_model, l, "price_tax") for l in lines))
    if model == "sale.order" and (r.get("_tax_rounding") or taxes.rounding_method(db)) == "round_globally":
        # sale.order._compute_amounts: one tax computation over all lines, rounded per tax
        tax = r2(sum(taxes.tax_amounts_by_tax(db, [(l.get("tax_id"), val(db, line_model, l, "price_subtotal"))
                                                    for l in lines if not l.get("display_type")],
                                              "round_globally").values()))
    return {"amount_untaxed": untaxed, "amount_tax": tax, "amount_total": r2(untaxed + tax)}[f]


def _order_computes(model: str, line_model: str, qty_field: str, tax_field: str, line_partner_field: str) -> None:
    """The computed amounts of an order and its lines (sale and purchase alike), and the order's
    state and partner as related fields of its lines."""
    compute(line_model, "price_subtotal", "price_tax", "price_total")(
        lambda db, r, f: _line_amounts(db, line_model, r, f, qty_field, tax_field))
    compute(model, "amount_untaxed", "amount_tax", "amount_total")(
        lambda db, r, f: _order_amounts(db, model, line_model, r, f))
    COMPUTE[line_model]["state"] = lambda db, r: (rec(db, model, r.get("order_id")) or {}).get("state", "draft")
    COMPUTE[line_model][line_partner_field] = lambda db, r: (rec(db, model, r.get("order_id")) or {}).get("partner_id", False)


# ====================================================================== sales
def _next(db, key: str) -> int:
    db.counters[key] += 1
    return db.counters[key]


def address_get(db, partner: dict, kind: str) -> int:
    """res.partner.address_get([kind])[kind] of Odoo 17: a depth-first search through the partner's
    descendants (not into other companies), then on at its ancestors within the same company;
    else the first 'contact', else the partner itself.

        to_scan = [c for c in record.child_ids if c not in visited if not c.is_company] + to_scan
        ...
        if current_partner.is_company or not current_partner.parent_id: break
    """
    found: dict[str, int] = {}
    visited: set[int] = set()
    current = partner
    while current:
        to_scan = [current]
        while to_scan:
            r = to_scan.pop(0)
            visited.add(r["id"])
            if r.get("type") in (kind, "contact") and r.get("type") not in found:
                found[r["type"]] = r["id"]
            if kind in found:
                return found[kind]
            kids = [c for c in children(db, "res.partner", "parent_id", r["id"])
                    if c.get("active", True) and c["id"] not in visited and not c.get("is_company")]
            kids.sort(key=lambda c: c["id"], reverse=True)  # child_ids in _order "complete_name, id desc"
            kids.sort(key=lambda c: val(db, "res.partner", c, "complete_name") or "")
            to_scan = kids + to_scan
        if current.get("is_company") or not current.get("parent_id"):
            break
        current = rec(db, "res.partner", current["parent_id"])
    return found.get(kind) or found.get("contact") or partner["id"]


def _so_defaults(db, raw, x2m):
    stamp = now()
    raw.setdefault("state", "draft")
    raw.setdefault("date_order", stamp)
    raw.setdefault("expected_date", stamp)
    partner = rec(db, "res.partner", raw.get("partner_id"))
    if partner:
        # sale.order._compute_partner_invoice_id / _compute_partner_shipping_id:
        #   order.partner_shipping_id = order.partner_id.address_get(['delivery'])['delivery']
        raw.setdefault("partner_invoice_id", address_get(db, partner, "invoice"))
        raw.setdefault("partner_shipping_id", address_get(db, partner, "delivery"))
        # _compute_payment_term_id: order.payment_term_id = order.partner_id.property_payment_term_id
        raw.setdefault("payment_term_id", partner.get("property_payment_term_id") or False)
        raw.setdefault("fiscal_position_id", taxes.fiscal_position(db, partner["id"], raw.get("partner_shipping_id")))
    if "pricelist_id" not in raw:
        raw["pricelist_id"] = uom.default_pricelist(db)
    raw["_tax_rounding"] = taxes.rounding_method(db)  # amounts are stored: computed under today's setting
    raw.setdefault("user_id", db.uid)
    if "warehouse_id" not in raw:  # sale_stock: the first warehouse of the order's company
        company = raw.get("company_id") or db.current_company()
        found = sorted(i for i, w in db.tables["stock.warehouse"].items() if w.get("company_id") == company)
        raw["warehouse_id"] = found[0] if found else 1
    raw.setdefault("locked", False)
    raw.setdefault("picking_policy", "direct")
    raw.setdefault("validity_date", (dt.date.fromisoformat(raw["date_order"][:10]) + dt.timedelta(days=30)).isoformat())
    if raw.get("partner_id") and raw.get("name") in (None, False, "/"):
        raw["name"] = f"S{_next(db, 'sale.order'):05d}"
    raw.setdefault("name", "/")


def _sol_defaults(db, raw, x2m):
    product = rec(db, "product.product", raw.get("product_id"))
    raw.setdefault("sequence", 10)
    raw.setdefault("display_type", False)
    raw.setdefault("discount", 0.0)
    raw.setdefault("customer_lead", 0.0)
    raw.setdefault("product_uom_qty", 1.0)
    if product:
        raw.setdefault("name", _product_display(db, product))
        raw.setdefault("product_uom", val(db, "product.product", product, "uom_id"))
        # the price in the line's unit from the order's pricelist (else the sales price), then rounded
        order = rec(db, "sale.order", raw.get("order_id")) or {}
        price, item = uom.sale_line_price(db, order, product, raw["product_uom_qty"], raw["product_uom"])
        raw.setdefault("pricelist_item_id", item)
        if "price_unit" not in raw:
            raw["price_unit"] = db.convert("sale.order.line", "price_unit", {"type": "float"}, price, True)
        if "tax_id" not in x2m:  # _compute_tax_id: the product's taxes mapped by the order's position
            raw["tax_id"] = taxes.product_taxes(db, product, order.get("fiscal_position_id"))


DEFAULTS["sale.order"] = _so_defaults
DEFAULTS["sale.order.line"] = _sol_defaults
DISPLAY["sale.order.line"] = lambda db, r: _sol_display(db, r)


def _sol_display(db, r):
    so = rec(db, "sale.order", r.get("order_id"))
    if not so:
        return r.get("name") or ""
    name = f"{so.get('name')} - {r.get('name')}"
    partner = rec(db, "res.partner", so.get("partner_id"))
    return f"{name} ({partner['ref']})" if partner and partner.get("ref") else name


_order_computes("sale.order", "sale.order.line", "product_uom_qty", "tax_id", "order_partner_id")


def _policy(db, product_id) -> str:
    p = rec(db, "product.product", product_id)
    return val(db, "product.product", p, "invoice_policy") if p else "order"


@compute("sale.order.line", "qty_delivered", "qty_invoiced", "qty_to_invoice", "invoice_lines", "invoice_status",
         "qty_invoiced_posted", "untaxed_amount_invoiced", "untaxed_amount_to_invoice")
def _sol_qty(db, r, f):
    if f == "qty_delivered":
        total = 0.0
        for m in children(db, "stock.move", "sale_line_id", r["id"]):
            if m.get("state") == "done":
                sign = -1 if m.get("location_dest_id") not in (CUSTOMER_LOC,) and m.get("location_id") == CUSTOMER_LOC else 1
                total += sign * uom.convert_qty(db, m.get("quantity") or 0.0, m.get("product_uom"),
                                                r.get("product_uom"), "HALF-UP")
        return total
    links = [l for l in db.tables["account.move.line"].values() if r["id"] in (l.get("sale_line_ids") or [])] \
        if db.tables["account.move.line"] else []
    if f == "invoice_lines":
        return sorted(l["id"] for l in links)
    invoiced = posted = amt = 0.0
    for l in links:
        mv = rec(db, "account.move", l.get("move_id"))
        if not mv or mv.get("state") == "cancel":
            continue
        sign = -1 if mv.get("move_type") == "out_refund" else 1
        invoiced += sign * (l.get("quantity") or 0.0)
        if mv.get("state") == "posted":
            posted += sign * (l.get("quantity") or 0.0)
            amt += sign * val(db, "account.move.line", l, "price_subtotal")
    if f == "qty_invoiced":
        return invoiced
    if f == "qty_invoiced_posted":
        return posted
    if f == "untaxed_amount_invoiced":
        return amt
    so = rec(db, "sale.order", r.get("order_id")) or {}
    if so.get("state") != "sale" or r.get("display_type"):
        to_inv = 0.0
    elif _policy(db, r.get("product_id")) == "delivery":
        to_inv = val(db, "sale.order.line", r, "qty_delivered") - invoiced
    else:
        to_inv = (r.get("product_uom_qty") or 0.0) - invoiced
    if f == "qty_to_invoice":
        return to_inv
    if f == "untaxed_amount_to_invoice":
        return r2(to_inv * (r.get("price_unit") or 0.0))
    if so.get("state") != "sale":
        return "no"
    if abs(to_inv) > 1e-9:
        return "to invoice"
    if invoiced >= (r.get("product_uom_qty") or 0.0) - 1e-9 and (r.get("product_uom_qty") or 0.0) > 0:
        return "invoiced"
    return "no"


def _so_invoices(db, r) -> list[int]:
    ids = set()
    for l in children(db, "sale.order.line", "order_id", r["id"]):
        for lid in val(db, "sale.order.line", l, "invoice_lines"):
            ml = db.tables["account.move.line"].get(lid)
            if ml and ml.get("move_id"):
                ids.add(ml["move_id"])
    return sorted(ids, reverse=True)


@compute("sale.order", "invoice_ids", "invoice_count", "invoice_status", "delivery_status", "effective_date",
         "amount_invoiced", "amount_to_invoice", "picking_ids", "delivery_count")
def _so_status(db, r, f):
    if f in ("invoice_ids", "invoice_count"):
        ids = _so_invoices(db, r)
        return ids if f == "invoice_ids" else len(ids)
    if f in ("picking_ids", "delivery_count", "delivery_status", "effective_date"):
        picks = db.sort("stock.picking", children(db, "stock.picking", "sale_id", r["id"]))
        if f == "picking_ids":
            return [p["id"] for p in picks]
        if f == "delivery_count":
            return len(picks)
        states = [val(db, "stock.picking", p, "state") for p in picks]
        if f == "effective_date":
            done = sorted(p.get("date_done") for p in picks if p.get("date_done"))
            return done[0] if done else False
        if not picks:
            return False
        if all(s in ("done", "cancel") for s in states):
            return "full"
        if any(s == "done" for s in states):
            return "partial"
        return "pending"
    lines = children(db, "sale.order.line", "order_id", r["id"])
    if f == "invoice_status":
        if r.get("state") != "sale":
            return "no"
        st = [val(db, "sale.order.line", l, "invoice_status") for l in lines]
        if any(s == "to invoice" for s in st):
            return "to invoice"
        if st and all(s == "invoiced" for s in st):
            return "invoiced"
        return "no"
    if f == "amount_invoiced":
        total = 0.0
        for mid in _so_invoices(db, r):
            mv = db.tables["account.move"][mid]
            if mv.get("state") == "posted":
                sign = -1 if mv.get("move_type") == "out_refund" else 1
                total += sign * val(db, "account.move", mv, "amount_total")
        return total
    total = 0.0
    for l in lines:
        qty = l.get("product_uom_qty") or 0.0
        if qty:
            total += val(db, "sale.order.line", l, "price_total") * val(db, "sale.order.line", l, "qty_to_invoice") / qty
    return r2(total)


def _so_unlink(db, ids):
    for rid in ids:
        if db.tables["sale.order"][rid].get("state") not in ("draft", "cancel"):
            raise UserError("You can not delete a sent quotation or a confirmed sales order. You must first cancel it.")


BEFORE_UNLINK["sale.order"] = _so_unlink


@method("sale.order")
def action_confirm(db, model, ids):
    ids = db.as_ids(ids)
    orders = [db.tables["sale.order"].get(i) for i in ids]
    if any(o is None for o in orders):
        raise db.missing(model, [i for i in ids if i not in db.tables["sale.order"]])
    bad = [o for o in orders if o.get("state") not in ("draft", "sent")]
    if bad:
        raise UserError("The following orders are not in a state requiring confirmation: "
                        + ", ".join(o.get("name") for o in bad))
    for o in orders:
        stamp = now()
        db.write("sale.order", [o["id"]], {"state": "sale", "date_order": stamp})
        lines = [l for l in children(db, "sale.order.line", "order_id", o["id"])
                 if not l.get("display_type") and _storable(db, l.get("product_id"))]
        if not lines:
            continue
        group = db.create("procurement.group", {"name": o["name"], "partner_id": o.get("partner_shipping_id"),
                                                "sale_id": o["id"]}, top=False)
        sched = o.get("commitment_date") or stamp
        picking = _new_picking(db, OUT_TYPE, {
            "partner_id": o.get("partner_shipping_id"), "origin": o["name"], "sale_id": o["id"],
            "group_id": group, "carrier_id": o.get("carrier_id") or False, "scheduled_date": sched,
            "date_deadline": sched})
        _line_moves(db, picking, lines, "product_uom_qty", "sale_line_id", lambda l: sched,
                    location_id=STOCK_LOC, location_dest_id=CUSTOMER_LOC, origin=o["name"], date_deadline=sched,
                    group_id=group, partner_id=o.get("partner_shipping_id"), picking_type_id=OUT_TYPE)
        _assign(db, [picking])
    return True


@method("sale.order")
def action_cancel(db, model, ids):
    """sale.order.action_cancel (Odoo 17, sale/models/sale_order.py):

        if any(order.locked for order in self):
            raise UserError(_("You cannot cancel a locked order. Please unlock it first."))
        cancel_warning = self._show_cancel_wizard()   # any(so.state != 'draft'), unless the context
        if cancel_warning:                            # says disable_cancel_warning
            self.ensure_one()
            return {... 'res_model': 'sale.order.cancel', 'target': 'new' ...}
        else:
            return self._action_cancel()              # write({'state': 'cancel'})

    sale_stock's _action_cancel first cancels the order's deliveries not done yet (their moves)."""
    orders = [rec(db, "sale.order", i) for i in db.as_ids(ids)]
    if any(o is None for o in orders):
        raise db.missing(model, [i for i in db.as_ids(ids) if i not in db.tables["sale.order"]])
    if any(o.get("locked") for o in orders):
        raise UserError("You cannot cancel a locked order. Please unlock it first.")
    if not db.ctx.get("disable_cancel_warning") and any(o.get("state") != "draft" for o in orders):
        if len(orders) != 1:
            raise RpcValueError(f"Expected singleton: sale.order({', '.join(str(o['id']) for o in orders)},)")
        return {"name": "Cancel Sales Order", "view_mode": "form", "res_model": "sale.order.cancel",
                "type": "ir.actions.act_window", "target": "new",
                "context": {"default_order_id": orders[0]["id"], "mark_so_as_canceled": True}}
    for o in orders:
        pickings = [p for p in children(db, "stock.picking", "sale_id", o["id"]) if p.get("state") not in ("done", "cancel")]
        for p in pickings:
            moves = [m["id"] for m in children(db, "stock.move", "picking_id", p["id"]) if m.get("state") != "done"]
            if moves:
                db.write("stock.move", moves, {"state": "cancel"})
            db.write("stock.picking", [p["id"]], {"state": "cancel"})
    db.write("sale.order", [o["id"] for o in orders], {"state": "cancel"})
    return True


def _line_moves(db, picking: int, lines: list[dict], qty_field: str, line_field: str, date_of, **vals) -> None:
    """The confirmed stock.move of each order line in ``picking`` (sale: sale_line_id, purchase:
    purchase_line_id), in the product's unit (product.uom._adjust_uom_quantities without
    stock.propagate_uom)."""
    for l in lines:
        unit = uom.product_uom(db, rec(db, "product.product", l["product_id"]))
        db.create("stock.move", {
            "name": l.get("name"), "product_id": l["product_id"], "product_uom": unit,
            "product_uom_qty": uom.convert_qty(db, l.get(qty_field) or 0.0, l.get("product_uom"), unit, "HALF-UP"),
            "picking_id": picking, line_field: l["id"], "state": "confirmed", "date": date_of(l), **vals}, top=False)


def _storable(db, product_id) -> bool:
    p = rec(db, "product.product", product_id)
    return bool(p) and val(db, "product.product", p, "type") in ("product", "consu")


def _has_quants(db, product_id) -> bool:
    """Only storable products have quants (stock.quant._update_available_quantity skips the rest)."""
    p = rec(db, "product.product", product_id)
    return bool(p) and val(db, "product.product", p, "type") == "product"


# ====================================================================== stock
def _new_picking(db, type_id: int, vals: dict) -> int:
    ptype = db.tables["stock.picking.type"][type_id]
    wh = rec(db, "stock.warehouse", ptype.get("warehouse_id"))
    code = ptype.get("sequence_code") or "PICK"
    name = f"{wh.get('code') if wh else 'WH'}/{code}/{_next(db, 'picking.' + code):05d}"
    src = ptype.get("default_location_src_id") or (VENDOR_LOC if ptype.get("code") == "incoming" else STOCK_LOC)
    dst = ptype.get("default_location_dest_id") or (CUSTOMER_LOC if ptype.get("code") == "outgoing" else STOCK_LOC)
    base = {"name": name, "picking_type_id": type_id, "location_id": src, "location_dest_id": dst,
            "move_type": "direct", "priority": "0"}
    return db.create("stock.picking", {**base, **vals}, top=False)


def _picking_defaults(db, raw, x2m):
    ptype = rec(db, "stock.picking.type", raw.get("picking_type_id"))
    if ptype:
        raw.setdefault("location_id", ptype.get("default_location_src_id") or
                       (VENDOR_LOC if ptype.get("code") == "incoming" else STOCK_LOC))
        raw.setdefault("location_dest_id", ptype.get("default_location_dest_id") or
                       (CUSTOMER_LOC if ptype.get("code") == "outgoing" else STOCK_LOC))
        if not raw.get("name") or raw.get("name") == "/":
            code = ptype.get("sequence_code") or "PICK"
            raw["name"] = f"WH/{code}/{_next(db, 'picking.' + code):05d}"
    raw.setdefault("scheduled_date", now())
    raw.setdefault("move_type", "direct")
    raw.setdefault("priority", "0")


def _move_defaults(db, raw, x2m):
    picking = rec(db, "stock.picking", raw.get("picking_id"))
    if picking:
        for f in ("location_id", "location_dest_id", "picking_type_id", "partner_id", "origin", "group_id"):
            if picking.get(f):
                raw.setdefault(f, picking[f])
        raw.setdefault("date", picking.get("scheduled_date"))
    product = rec(db, "product.product", raw.get("product_id"))
    if product:
        raw.setdefault("product_uom", val(db, "product.product", product, "uom_id"))
        raw.setdefault("name", _product_display(db, product))
    raw.setdefault("state", "draft")
    raw.setdefault("quantity", 0.0)
    raw.setdefault("picked", False)
    raw.setdefault("sequence", 10)
    raw.setdefault("date", now())
    raw.setdefault("procure_method", "make_to_stock")


DEFAULTS["stock.picking"] = _picking_defaults
DEFAULTS["stock.move"] = _move_defaults


def _move_line_defaults(db, raw, x2m):
    move = rec(db, "stock.move", raw.get("move_id"))
    if move:
        for f in ("product_id", "picking_id", "location_id", "location_dest_id"):
            raw.setdefault(f, move.get(f) or False)
        raw.setdefault("product_uom_id", move.get("product_uom"))
    raw.setdefault("quantity", 0.0)
    raw.setdefault("picked", False)
    raw.setdefault("date", now())


DEFAULTS["stock.move.line"] = _move_line_defaults


def _move_quantity_from_lines(db, move_ids, without=(), state: bool = True) -> None:
    """stock.move.quantity is computed (stored) from its move lines in 17: the lines' quantities
    in the move's unit. Lines written or removed through the API move it (the sandbox's own
    bookkeeping sets both sides itself)."""
    for mid in {m for m in move_ids if m}:
        m = db.tables["stock.move"].get(mid)
        if m is None or m.get("state") in ("done", "cancel"):
            continue
        lines = [l for l in children(db, "stock.move.line", "move_id", mid) if l["id"] not in without]
        total = sum(uom.convert_qty(db, l.get("quantity") or 0.0, l.get("product_uom_id") or m.get("product_uom"),
                                    m.get("product_uom"), "HALF-UP") for l in lines)
        vals = {"quantity": total, **({"state": _recomputed_state(m, total)} if state else {})}
        if any(l.get("picked") for l in lines):  # _compute_picked: a picked line picks its move
            vals["picked"] = True
        db.set("stock.move", mid, vals)


def _recomputed_state(m: dict, quantity: float) -> str:
    """stock.move._recompute_state (17.0), which a move line's change triggers: assigned when the
    lines cover the demand, partially_available below it, confirmed without any (transcript 17)."""
    state = m.get("state")
    if state in ("cancel", "done") or (state == "draft" and not quantity):
        return state
    if quantity >= (m.get("product_uom_qty") or 0.0) - 1e-9:
        return "assigned"
    return "partially_available" if quantity else "confirmed"


def _bypasses_reservation(db, move_id) -> bool:
    """stock.move._should_bypass_reservation: not from an internal location, or not storable."""
    m = rec(db, "stock.move", move_id) or {}
    return m.get("location_id") not in _internal_locs(db) or not _has_quants(db, m.get("product_id"))


# stock.move.line: create recomputes the move's state only when it reserves (not on a receipt),
# write when the quantity or unit changes, unlink always (17.0 create/write/unlink)
AFTER_CREATE["stock.move.line"] = lambda db, rid, raw, x2m: _move_quantity_from_lines(
    db, [db.tables["stock.move.line"][rid].get("move_id")],
    state=not _bypasses_reservation(db, db.tables["stock.move.line"][rid].get("move_id")))
AFTER_WRITE["stock.move.line"] = lambda db, ids, raw, x2m: _move_quantity_from_lines(
    db, [db.tables["stock.move.line"][i].get("move_id") for i in ids],
    state=bool({"quantity", "product_uom_id"} & set(raw))) if {"quantity", "move_id", "product_uom_id", "picked"} & set(raw) else None
BEFORE_UNLINK["stock.move.line"] = lambda db, ids: _move_quantity_from_lines(
    db, [db.tables["stock.move.line"][i].get("move_id") for i in ids if i in db.tables["stock.move.line"]],
    without=set(ids))
COMPUTE["stock.move.line"]["state"] = lambda db, r: (rec(db, "stock.move", r.get("move_id")) or {}).get("state", "draft")
COMPUTE["stock.move.line"]["reference"] = lambda db, r: (rec(db, "stock.picking", r.get("picking_id")) or {}).get("name", False)
COMPUTE["stock.move.line"]["lot_name"] = lambda db, r: r.get("lot_name") or False
DISPLAY["stock.move.line"] = lambda db, r: db.display_name("product.product", r.get("product_id"))
COMPUTE["stock.move"]["reference"] = lambda db, r: (rec(db, "stock.picking", r.get("picking_id")) or {}).get("name", False)
COMPUTE["stock.move"]["picking_code"] = lambda db, r: (rec(db, "stock.picking.type", r.get("picking_type_id")) or {}).get("code", False)


def _move_display(db, r):
    picking = rec(db, "stock.picking", r.get("picking_id"))
    product = rec(db, "product.product", r.get("product_id"))
    src = (rec(db, "stock.location", r.get("location_id")) or {}).get("name", "")
    dst = (rec(db, "stock.location", r.get("location_dest_id")) or {}).get("name", "")
    origin = f"{picking['origin']}/" if picking and picking.get("origin") else ""
    code = f"{product['default_code']}: " if product and product.get("default_code") else ""
    return f"{origin}{code}{src}>{dst}"


DISPLAY["stock.move"] = _move_display


@compute("stock.picking", "state", "products_availability", "picking_type_code", "move_ids_without_package",
         "purchase_id", "show_check_availability")
def _picking_state(db, r, f):
    if f == "picking_type_code":
        return (rec(db, "stock.picking.type", r.get("picking_type_id")) or {}).get("code", False)
    if f == "purchase_id":
        return r.get("purchase_id") or False
    moves = children(db, "stock.move", "picking_id", r["id"])
    if f == "move_ids_without_package":
        return [m["id"] for m in moves]
    states = [m.get("state") for m in moves]
    if r.get("state") in ("done", "cancel") and f == "state":
        return r["state"]
    if not moves:
        state = "draft"
    elif all(s == "cancel" for s in states):
        state = "cancel"
    elif all(s in ("done", "cancel") for s in states):
        state = "done"
    elif any(s == "draft" for s in states):
        state = "draft"
    elif _bypass_location(db, r.get("location_id")) and all(
            (m.get("procure_method") or "make_to_stock") == "make_to_stock" for m in moves):
        state = "assigned"  # a receipt is ready whatever its moves' reservation (_compute_state)
    elif any(s in ("assigned", "partially_available") for s in states if s not in ("done", "cancel")):
        state = "assigned"
    else:
        state = "confirmed"
    if f == "state":
        return state
    if f == "show_check_availability":
        return state == "confirmed"
    return "Available" if state in ("assigned", "done") else "Not Available"


def _bypass_location(db, location_id) -> bool:
    """stock.location.should_bypass_reservation: usage in ('supplier', 'customer', 'inventory',
    'production') or a scrap location."""
    loc = rec(db, "stock.location", location_id) or {}
    return loc.get("usage") in ("supplier", "customer", "inventory", "production") or bool(loc.get("scrap_location"))


def _free(db, product_id, location_id) -> list[dict]:
    return [q for q in children(db, "stock.quant", "product_id", product_id) if q.get("location_id") == location_id]


def _assign(db, picking_ids):
    internal = _internal_locs(db)
    for pid in picking_ids:
        for m in children(db, "stock.move", "picking_id", pid):
            if m.get("state") not in ("confirmed", "partially_available", "waiting", "draft"):
                continue
            need = (m.get("product_uom_qty") or 0.0) - (m.get("quantity") or 0.0)
            if need <= 1e-9:
                continue
            product = rec(db, "product.product", m.get("product_id"))
            if m.get("location_id") not in internal or not product or val(db, "product.product", product, "type") != "product":
                got = need  # _should_bypass_reservation: receipts (supplier location) and consumables
            else:
                got = 0.0
                for q in _free(db, m["product_id"], m["location_id"]):
                    free = (q.get("quantity") or 0.0) - (q.get("reserved_quantity") or 0.0)
                    take = min(free, need - got)
                    if take > 1e-9:
                        db.set("stock.quant", q["id"], {"reserved_quantity": (q.get("reserved_quantity") or 0.0) + take})
                        got += take
            if got <= 1e-9:
                db.set("stock.move", m["id"], {"state": "confirmed"})
                continue
            qty = (m.get("quantity") or 0.0) + got
            lines = children(db, "stock.move.line", "move_id", m["id"])
            if lines:
                db.set("stock.move.line", lines[0]["id"], {"quantity": qty})
            else:
                db.create("stock.move.line", {"move_id": m["id"], "quantity": qty}, top=False)
            full = qty >= (m.get("product_uom_qty") or 0.0) - 1e-9
            db.set("stock.move", m["id"], {"quantity": qty, "state": "assigned" if full else "partially_available"})


@method("stock.picking")
def action_assign(db, model, ids):
    ids = db.as_ids(ids)
    for pid in ids:
        if pid not in db.tables["stock.picking"]:
            raise db.missing(model, [pid])
        for m in children(db, "stock.move", "picking_id", pid):
            if m.get("state") == "draft":
                db.set("stock.move", m["id"], {"state": "confirmed"})
    _assign(db, ids)
    return True


@method("stock.picking")
def action_confirm(db, model, ids):  # noqa: F811 (stock.picking.action_confirm)
    return action_assign(db, model, ids)


def _move_written(db, ids, raw, x2m):
    """Writing ``quantity`` on a move updates (or creates) its move line, as in 17."""
    if "quantity" not in raw:
        return
    for mid in ids:
        m = db.tables["stock.move"][mid]
        lines = children(db, "stock.move.line", "move_id", mid)
        if lines:
            db.set("stock.move.line", lines[0]["id"], {"quantity": m.get("quantity") or 0.0})
            for extra in lines[1:]:
                db.set("stock.move.line", extra["id"], {"quantity": 0.0})
        elif m.get("quantity"):
            db.create("stock.move.line", {"move_id": mid, "quantity": m["quantity"]}, top=False)
        if m.get("state") in ("confirmed", "partially_available") and m.get("quantity"):
            full = m["quantity"] >= (m.get("product_uom_qty") or 0.0) - 1e-9
            db.set("stock.move", mid, {"state": "assigned" if full else "partially_available"})
    for mid in ids:
        if "picked" in raw:
            for l in children(db, "stock.move.line", "move_id", mid):
                db.set("stock.move.line", l["id"], {"picked": raw["picked"]})


AFTER_WRITE["stock.move"] = _move_written


def _action(name, res_model, view_id, ctx, res_id=None) -> dict:
    out = {"name": name, "type": "ir.actions.act_window", "view_mode": "form", "res_model": res_model,
           "views": [[view_id, "form"]], "view_id": view_id, "target": "new"}
    if res_id is not None:
        out["res_id"] = res_id
    out["context"] = ctx
    return out


@method("stock.picking")
def button_validate(db, model, ids):
    ids = db.as_ids(ids)
    ctx = dict(db.ctx)
    pickings = []
    for pid in ids:
        p = db.tables["stock.picking"].get(pid)
        if p is None:
            raise db.missing(model, [pid])
        if val(db, "stock.picking", p, "state") in ("done", "cancel"):
            raise UserError("You cannot validate a transfer if no quantities are reserved nor done. "
                            "You can use the info button to check the quantities.")
        pickings.append(p)
    for p in pickings:
        moves = [m for m in children(db, "stock.move", "picking_id", p["id"]) if m.get("state") not in ("done", "cancel")]
        if not any((m.get("quantity") or 0.0) > 0 for m in moves):
            raise UserError("You cannot validate a transfer if no quantities are reserved. "
                            "To force the transfer, encode quantities.")
    # backorder question first (stock), then the one-time SMS question (stock_sms)
    if not ctx.get("skip_backorder"):
        short = [p["id"] for p in pickings if any(
            _picked_qty(m, _open_moves(db, p["id"])) < (m.get("product_uom_qty") or 0.0) - 1e-9
            for m in _open_moves(db, p["id"]))
            and (rec(db, "stock.picking.type", p.get("picking_type_id")) or {}).get("create_backorder", "ask") == "ask"]
        if short:
            return _action("Create Backorder?", "stock.backorder.confirmation", 843, {
                **ctx, "button_validate_picking_ids": ids, "default_show_transfers": False,
                "default_pick_ids": [[4, i] for i in short]})
    if not ctx.get("skip_sms"):
        company = db.tables["res.company"][1]
        needs = [p["id"] for p in pickings if val(db, "stock.picking", p, "picking_type_code") == "outgoing"
                 and _has_phone(db, p.get("partner_id"))]
        if needs and company.get("stock_move_sms_validation") and not company.get("has_received_warning_stock_sms"):
            wiz = db.create("confirm.stock.sms", {"pick_ids": [[6, 0, needs]]}, top=False)
            return _action("SMS", "confirm.stock.sms", 1111, ctx, res_id=wiz)
    no_backorder = set(ctx.get("picking_ids_not_to_backorder") or [])
    for p in pickings:
        _done(db, p["id"], backorder=p["id"] not in no_backorder)
    return True


def _has_phone(db, partner_id) -> bool:
    p = rec(db, "res.partner", partner_id)
    return bool(p and (p.get("phone") or p.get("mobile")))


def _open_moves(db, pid: int) -> list[dict]:
    return [m for m in children(db, "stock.move", "picking_id", pid) if m.get("state") not in ("done", "cancel")]


def _picked_qty(m, moves) -> float:
    """What validation counts as done: once any move of the picking is picked, an unpicked move
    counts as nothing even when reserved; while none is, every move counts as picked."""
    return (m.get("quantity") or 0.0) if m.get("picked") or not any(x.get("picked") for x in moves) else 0.0


def _tracking(db, product_id) -> str:
    p = rec(db, "product.product", product_id)
    return (val(db, "product.product", p, "tracking") if p else None) or "none"


COMPUTE["stock.move"]["has_tracking"] = lambda db, r: _tracking(db, r.get("product_id"))
COMPUTE["stock.move.line"]["tracking"] = lambda db, r: _tracking(db, r.get("product_id"))


def _check_lots(db, p: dict, lines: list[dict]) -> None:
    """stock.move.line._action_done (17.0): on a picking type that creates or uses lots, a tracked
    product's line with a quantity needs a lot; a lot_name becomes a lot (created once per company,
    product and name) when the type creates lots, otherwise it is refused:

        if not picking_type_id or ml.lot_id or (not picking_type_id.use_create_lots and not
                picking_type_id.use_existing_lots): continue
        if picking_type_id.use_create_lots: ml_ids_to_check[(ml.product_id, ml.company_id)].add(ml.id)
        else: ml_ids_tracked_without_lot.add(ml.id)
        ...
        raise UserError(_('You need to supply a Lot/Serial Number for product: \n - ') +
                        '\n - '.join(mls_tracked_without_lot.mapped('product_id.display_name')))
    Raised before anything is done (transcript 17)."""
    ptype = rec(db, "stock.picking.type", p.get("picking_type_id")) or {}
    if not (ptype.get("use_create_lots") or ptype.get("use_existing_lots")):
        return
    tracked = [l for l in lines if (l.get("quantity") or 0.0) > 0 and not l.get("lot_id")
               and _tracking(db, l.get("product_id")) != "none"]
    missing = [l for l in tracked if not (ptype.get("use_create_lots") and l.get("lot_name"))]
    if missing:
        raise UserError("You need to supply a Lot/Serial Number for product: \n - " + "\n - ".join(
            db.display_name("product.product", l["product_id"]) for l in missing))
    company = p.get("company_id") or 1
    for l in tracked:
        found = [x for x in db.tables["stock.lot"].values() if x.get("name") == l["lot_name"]
                 and x.get("product_id") == l["product_id"] and (x.get("company_id") or company) == company]
        lot = found[0]["id"] if found else db.create(
            "stock.lot", {"name": l["lot_name"], "product_id": l["product_id"], "company_id": company}, top=False)
        db.set("stock.move.line", l["id"], {"lot_id": lot})


def _done(db, pid: int, backorder: bool):
    p = db.tables["stock.picking"][pid]
    moves = _open_moves(db, pid)
    picked_any = any(m.get("picked") for m in moves)
    _check_lots(db, p, [l for m in moves if m.get("picked") or not picked_any
                        for l in children(db, "stock.move.line", "move_id", m["id"])])
    unpicked = []
    if not any(m.get("picked") for m in moves):
        for m in moves:
            db.write("stock.move", [m["id"]], {"picked": True})
    else:
        unpicked = [m for m in moves if not m.get("picked")]
    stamp = now()
    remainder = []
    for m in moves:
        if m in unpicked:  # goes whole (reservation included) into the backorder, or is cancelled
            if backorder:
                remainder.append((m, m.get("product_uom_qty") or 0.0))
            else:
                _unreserve(db, m)
                db.set("stock.move", m["id"], {"state": "cancel", "quantity": 0.0})
            continue
        qty, demand = m.get("quantity") or 0.0, m.get("product_uom_qty") or 0.0
        if qty <= 1e-9:
            if backorder:
                remainder.append((m, demand))
            else:
                db.set("stock.move", m["id"], {"state": "cancel"})
            continue
        if qty < demand - 1e-9 and backorder:
            remainder.append((m, demand - qty))
            db.set("stock.move", m["id"], {"product_uom_qty": qty})
        _move_stock(db, m, qty)
        db.set("stock.move", m["id"], {"state": "done", "date": stamp, "picked": True})
        for l in children(db, "stock.move.line", "move_id", m["id"]):
            db.set("stock.move.line", l["id"], {"picked": True, "date": stamp})
    db.set("stock.picking", pid, {"state": "done", "date_done": stamp, "write_date": stamp})
    _touch_orders(db, "sale.order", {(rec(db, "sale.order.line", m.get("sale_line_id")) or {}).get("order_id")
                                     for m in moves})
    if remainder:
        copy = {k: p.get(k) for k in ("partner_id", "origin", "sale_id", "purchase_id", "group_id", "carrier_id",
                                      "scheduled_date", "date_deadline", "location_id", "location_dest_id")}
        bo = _new_picking(db, p["picking_type_id"], {**copy, "backorder_id": pid})
        for m, qty in remainder:
            if m in unpicked:
                db.set("stock.move", m["id"], {"picking_id": bo})
                for l in children(db, "stock.move.line", "move_id", m["id"]):
                    db.set("stock.move.line", l["id"], {"picking_id": bo})
                continue
            if (m.get("quantity") or 0.0) <= 1e-9:
                db.set("stock.move", m["id"], {"picking_id": bo, "state": "confirmed"})
                continue
            db.create("stock.move", {
                k: m.get(k) for k in ("name", "product_id", "product_uom", "sale_line_id", "purchase_line_id",
                                      "location_id", "location_dest_id", "origin", "group_id", "partner_id",
                                      "picking_type_id", "date_deadline")} | {
                "product_uom_qty": qty, "picking_id": bo, "state": "confirmed",
                "date": p.get("scheduled_date")}, top=False)
        _assign(db, [bo])


def _touch_orders(db, model: str, ids) -> None:
    """Odoo stores the orders' computed statuses (delivery_status, invoice_status), so validating a
    delivery or posting an invoice writes the order: its write_date moves (08's watermark sees it)."""
    stamp = now()
    for oid in ids:
        if oid and oid in db.tables[model]:
            db.set(model, oid, {"write_date": stamp})


def _unreserve(db, m):
    left = m.get("quantity") or 0.0
    for q in _free(db, m["product_id"], m.get("location_id")):
        take = min(left, q.get("reserved_quantity") or 0.0)
        if take > 0:
            db.set("stock.quant", q["id"], {"reserved_quantity": (q.get("reserved_quantity") or 0.0) - take})
            left -= take


def _move_stock(db, m, qty):
    product = rec(db, "product.product", m.get("product_id"))
    if not product or val(db, "product.product", product, "type") != "product":
        return  # only storable products have quants
    internal = _internal_locs(db)
    src, dst = m.get("location_id"), m.get("location_dest_id")
    if src in internal:
        left = qty
        for q in _free(db, m["product_id"], src):
            take = min(left, q.get("quantity") or 0.0) if left > 0 else 0.0
            reserved = max(0.0, (q.get("reserved_quantity") or 0.0) - min(qty, m.get("quantity") or 0.0))
            db.set("stock.quant", q["id"], {"quantity": (q.get("quantity") or 0.0) - take, "reserved_quantity": reserved})
            left -= take
        if left > 1e-9:
            _add_quant(db, m["product_id"], src, -left)
    elif _has_quants(db, m["product_id"]):
        _add_quant(db, m["product_id"], src, -qty)  # Odoo keeps quants in partner and virtual locations too
    if dst in internal or _has_quants(db, m["product_id"]):
        _add_quant(db, m["product_id"], dst, qty)


def _add_quant(db, product_id, location_id, qty):
    quants = _free(db, product_id, location_id)
    if quants:
        db.set("stock.quant", quants[0]["id"], {"quantity": (quants[0].get("quantity") or 0.0) + qty})
    else:
        db.create("stock.quant", {"product_id": product_id, "location_id": location_id, "quantity": qty}, top=False)


def _quant_defaults(db, raw, x2m):
    raw.setdefault("quantity", 0.0)
    raw.setdefault("reserved_quantity", 0.0)
    raw.setdefault("inventory_quantity", 0.0)
    raw.setdefault("in_date", now())
    if db.ctx.get("inventory_mode") and "inventory_quantity" in raw:
        raw["inventory_quantity_set"] = True


DEFAULTS["stock.quant"] = _quant_defaults


def _quant_created(db, rid, raw, x2m):
    # a constraint (stock.quant.check_product_id): checked after the insert, so the id is used up
    product = rec(db, "product.product", raw.get("product_id"))
    if product and val(db, "product.product", product, "type") != "product":
        raise ValidationError("Quants cannot be created for consumables or services.")


AFTER_CREATE["stock.quant"] = _quant_created


@method("stock.quant")
def action_apply_inventory(db, model, ids):
    for qid in db.as_ids(ids):
        q = db.tables["stock.quant"].get(qid)
        if q is None:
            raise db.missing(model, [qid])
        diff = (q.get("inventory_quantity") or 0.0) - (q.get("quantity") or 0.0)
        if diff:
            _inventory_move(db, q, diff)
            _add_quant(db, q["product_id"], INVENTORY_LOC, -diff)  # the adjustment location's counterpart
        db.set("stock.quant", qid, {"quantity": q.get("inventory_quantity") or 0.0, "inventory_quantity": 0.0,
                                    "inventory_quantity_set": False, "inventory_date": today()})
    return None


INVENTORY_LOC = 14  # Virtual Locations/Inventory adjustment (product.property_stock_inventory)


def _inventory_move(db, q, diff: float):
    """stock.quant._apply_inventory books the difference as a done move (with its move line) from or
    to the inventory adjustment location; it uses up move and move line ids like any other move."""
    src, dst = (INVENTORY_LOC, q["location_id"]) if diff > 0 else (q["location_id"], INVENTORY_LOC)
    product = rec(db, "product.product", q["product_id"])
    stamp = now()
    mid = db.create("stock.move", {
        "name": "Product Quantity Updated", "product_id": q["product_id"], "product_uom": uom.product_uom(db, product),
        "product_uom_qty": abs(diff), "quantity": abs(diff), "location_id": src, "location_dest_id": dst,
        "state": "done", "picked": True, "is_inventory": True, "date": stamp}, top=False)
    db.create("stock.move.line", {"move_id": mid, "quantity": abs(diff), "picked": True, "date": stamp}, top=False)


def _bo_defaults(db, raw, x2m):
    picks = [c[1] for c in db.ctx.get("default_pick_ids") or [] if isinstance(c, (list, tuple)) and c[0] == 4]
    if picks and "pick_ids" not in raw:
        raw["pick_ids"] = picks
    raw.setdefault("show_transfers", bool(db.ctx.get("default_show_transfers", False)))


def _bo_created(db, rid, raw, x2m):
    for pid in db.tables["stock.backorder.confirmation"][rid].get("pick_ids") or []:
        db.create("stock.backorder.confirmation.line", {"backorder_confirmation_id": rid, "picking_id": pid,
                                                         "to_backorder": True}, top=False)


DEFAULTS["stock.backorder.confirmation"] = _bo_defaults
AFTER_CREATE["stock.backorder.confirmation"] = _bo_created


def _wizard_pickings(db, model, ids) -> list[int]:
    ids = db.as_ids(ids)
    wiz = db.tables[model].get(ids[0]) if ids else None
    if wiz is None:
        raise db.missing(model, ids)
    return db.ctx.get("button_validate_picking_ids") or wiz.get("pick_ids") or []


@method("stock.backorder.confirmation")
def process(db, model, ids):
    picks = _wizard_pickings(db, model, ids)
    db.ctx = {**db.ctx, "skip_backorder": True}
    return button_validate(db, "stock.picking", picks)


@method("stock.backorder.confirmation")
def process_cancel_backorder(db, model, ids):
    wiz = db.tables[model].get(db.as_ids(ids)[0]) if db.as_ids(ids) else None
    picks = _wizard_pickings(db, model, ids)
    not_bo = (wiz or {}).get("pick_ids") or picks
    db.ctx = {**db.ctx, "skip_backorder": True, "picking_ids_not_to_backorder": not_bo}
    return button_validate(db, "stock.picking", picks)


def _sms_answer(db, model, ids, send: bool):
    picks = _wizard_pickings(db, model, ids)
    db.set("res.company", 1, {"has_received_warning_stock_sms": True,
                              **({} if send else {"stock_move_sms_validation": False})})
    db.ctx = {**db.ctx, "skip_sms": True}
    return button_validate(db, "stock.picking", picks)


METHODS["confirm.stock.sms"]["send_sms"] = lambda db, model, ids: _sms_answer(db, model, ids, True)
METHODS["confirm.stock.sms"]["dont_send_sms"] = lambda db, model, ids: _sms_answer(db, model, ids, False)


# ====================================================================== purchase
def _po_defaults(db, raw, x2m):
    stamp = now()
    raw.setdefault("state", "draft")
    raw.setdefault("date_order", stamp)
    raw.setdefault("user_id", db.uid)
    raw.setdefault("picking_type_id", IN_TYPE)
    raw.setdefault("priority", "0")
    raw.setdefault("receipt_reminder_email", False)
    # date_planned is the earliest line's (_compute_date_planned) unless the create gives one
    raw["_date_planned_given"] = bool(raw.get("date_planned"))
    raw.setdefault("date_planned", False)
    if raw.get("partner_id") and raw.get("name") in (None, False, "/"):
        raw["name"] = f"P{_next(db, 'purchase.order'):05d}"
    raw.setdefault("name", "/")
    partner = rec(db, "res.partner", raw.get("partner_id"))
    if partner and "payment_term_id" not in raw:
        raw["payment_term_id"] = partner.get("property_supplier_payment_term_id") or False
    # fiscal_position_id is set by purchase.order's onchange_partner_id only: an RPC create leaves
    # it empty (transcript 17); the lines' taxes still follow the partner's position (below)
    raw.setdefault("fiscal_position_id", False)


def _pol_defaults(db, raw, x2m):
    order = rec(db, "purchase.order", raw.get("order_id")) or {}
    product = rec(db, "product.product", raw.get("product_id"))
    raw.setdefault("sequence", 10)
    raw.setdefault("display_type", False)
    raw.setdefault("product_qty", 1.0)
    raw.setdefault("discount", 0.0)
    raw.setdefault("qty_received_method", "stock_moves")
    if product:
        vendor_prices.new_line_values(db, raw, product, order)
        if "taxes_id" not in x2m:
            # _compute_tax_id: fpos = line.order_id.fiscal_position_id or
            #     line.order_id.fiscal_position_id._get_fiscal_position(line.order_id.partner_id)
            fpos = order.get("fiscal_position_id") or taxes.fiscal_position(db, order.get("partner_id"))
            raw["taxes_id"] = taxes.product_taxes(db, product, fpos, purchase=True)
    raw["product_uom_qty"] = _pol_product_uom_qty(db, raw)


def _pol_product_uom_qty(db, r) -> float:
    """purchase.order.line._compute_product_uom_qty: the line's quantity in the product's unit."""
    product = rec(db, "product.product", r.get("product_id"))
    qty = r.get("product_qty") or 0.0
    return uom.convert_qty(db, qty, r.get("product_uom"), uom.product_uom(db, product)) if product else qty


def _po_date_planned(db, order_id) -> None:
    """purchase.order._compute_date_planned: the earliest date_planned of its product lines."""
    order = db.tables["purchase.order"].get(order_id)
    if order is None or order.get("_date_planned_given"):  # a create that gives it keeps it
        return
    dates = [l["date_planned"] for l in children(db, "purchase.order.line", "order_id", order_id)
             if not l.get("display_type") and l.get("date_planned")]
    db.set("purchase.order", order_id, {"date_planned": min(dates) if dates else False})


def _po_created(db, rid, raw, x2m):
    given = db.tables["purchase.order"][rid].pop("_date_planned_given", False)
    if not given:
        _po_date_planned(db, rid)


def _pol_written(db, ids, raw, x2m):
    for i in ids:
        line = db.tables["purchase.order.line"][i]
        if {"product_qty", "product_uom"} & set(raw):
            product = rec(db, "product.product", line.get("product_id"))
            order = rec(db, "purchase.order", line.get("order_id")) or {}
            invoiced = children(db, "account.move.line", "purchase_line_id", i)
            if product and not invoiced:
                fixed = {k for k in ("price_unit", "date_planned", "name", "discount") if k in raw}
                new = vendor_prices.reprice(db, line, product, order, unit_changed="product_uom" in raw)
                db.set("purchase.order.line", i, {k: v for k, v in new.items() if k not in fixed})
            db.set("purchase.order.line", i, {"product_uom_qty": _pol_product_uom_qty(db, line)})
    if {"date_planned", "product_qty", "product_uom"} & set(raw):
        for oid in {db.tables["purchase.order.line"][i].get("order_id") for i in ids}:
            _po_date_planned(db, oid)


DEFAULTS["purchase.order"] = _po_defaults
DEFAULTS["purchase.order.line"] = _pol_defaults
AFTER_CREATE["purchase.order"] = _po_created
AFTER_CREATE["purchase.order.line"] = lambda db, rid, raw, x2m: _po_date_planned(
    db, db.tables["purchase.order.line"][rid].get("order_id"))
AFTER_WRITE["purchase.order.line"] = _pol_written
DISPLAY["purchase.order"] = lambda db, r: f"{r.get('name')} ({r['partner_ref']})" if r.get("partner_ref") else r.get("name")
_order_computes("purchase.order", "purchase.order.line", "product_qty", "taxes_id", "partner_id")


@compute("purchase.order.line", "qty_received", "qty_invoiced", "qty_to_invoice")
def _pol_qty(db, r, f):
    if f == "qty_received":
        total = 0.0
        for m in children(db, "stock.move", "purchase_line_id", r["id"]):
            if m.get("state") == "done":
                sign = -1 if m.get("location_dest_id") == VENDOR_LOC else 1
                total += sign * uom.convert_qty(db, m.get("quantity") or 0.0, m.get("product_uom"),
                                                r.get("product_uom"), "HALF-UP")
        return total
    invoiced = 0.0
    for l in children(db, "account.move.line", "purchase_line_id", r["id"]):
        mv = rec(db, "account.move", l.get("move_id"))
        if mv and mv.get("state") != "cancel" and l.get("display_type") in (False, None, "product"):
            invoiced += (-1 if mv.get("move_type") == "in_refund" else 1) * (l.get("quantity") or 0.0)
    if f == "qty_invoiced":
        return invoiced
    order = rec(db, "purchase.order", r.get("order_id")) or {}
    if order.get("state") not in ("purchase", "done"):
        return 0.0
    product = rec(db, "product.product", r.get("product_id"))
    method_ = val(db, "product.product", product, "purchase_method") if product else "receive"
    base = (r.get("product_qty") or 0.0) if method_ == "purchase" else val(db, "purchase.order.line", r, "qty_received")
    return base - invoiced


@compute("purchase.order", "invoice_ids", "invoice_count", "invoice_status", "receipt_status", "picking_ids",
         "incoming_picking_count", "effective_date")
def _po_status(db, r, f):
    lines = children(db, "purchase.order.line", "order_id", r["id"])
    if f in ("invoice_ids", "invoice_count"):
        ids = sorted({l["move_id"] for pl in lines for l in children(db, "account.move.line", "purchase_line_id", pl["id"])
                      if l.get("move_id")}, reverse=True)
        return ids if f == "invoice_ids" else len(ids)
    picks = children(db, "stock.picking", "purchase_id", r["id"])
    if f == "picking_ids":
        return [p["id"] for p in picks]
    if f == "incoming_picking_count":
        return len(picks)
    if f == "effective_date":
        done = sorted(p.get("date_done") for p in picks if p.get("date_done"))
        return done[0] if done else False
    if f == "receipt_status":
        if not picks or r.get("state") not in ("purchase", "done"):
            return False
        states = [val(db, "stock.picking", p, "state") for p in picks]
        if all(s in ("done", "cancel") for s in states):
            return "full"
        return "partial" if any(s == "done" for s in states) else "pending"
    if r.get("state") not in ("purchase", "done"):
        return "no"
    todo = [val(db, "purchase.order.line", l, "qty_to_invoice") for l in lines if not l.get("display_type")]
    if any(t > 1e-9 for t in todo):
        return "to invoice"
    if lines and all(val(db, "purchase.order.line", l, "qty_invoiced") >= (l.get("product_qty") or 0.0) - 1e-9
                     for l in lines if not l.get("display_type")):
        return "invoiced"
    return "no"


@method("purchase.order")
def button_confirm(db, model, ids):
    for oid in db.as_ids(ids):
        o = db.tables["purchase.order"].get(oid)
        if o is None:
            raise db.missing(model, [oid])
        if o.get("state") not in ("draft", "sent"):
            continue
        stamp = now()
        db.write("purchase.order", [oid], {"state": "purchase", "date_approve": stamp})
        lines = [l for l in children(db, "purchase.order.line", "order_id", oid)
                 if not l.get("display_type") and _storable(db, l.get("product_id"))]
        if not lines:
            continue
        group = db.create("procurement.group", {"name": o["name"], "partner_id": o.get("partner_id")}, top=False)
        sched = o.get("date_planned") or stamp
        picking = _new_picking(db, o.get("picking_type_id") or IN_TYPE, {
            "partner_id": o.get("partner_id"), "origin": o["name"], "purchase_id": oid, "group_id": group,
            "scheduled_date": sched, "date_deadline": sched})
        _line_moves(db, picking, lines, "product_qty", "purchase_line_id", lambda l: l.get("date_planned") or sched,
                    origin=o["name"], date_deadline=sched, group_id=group, partner_id=o.get("partner_id"),
                    picking_type_id=IN_TYPE)
        _assign(db, [picking])
    return True


@method("purchase.order")
def button_cancel(db, model, ids):
    for oid in db.as_ids(ids):
        db.write("purchase.order", [oid], {"state": "cancel"})
    return True


@method("purchase.order")
def button_draft(db, model, ids):
    """Odoo 17 addons/purchase/models/purchase_order.py::

        def button_draft(self):
            self.write({'state': 'draft'})
            return {}
    """
    db.write("purchase.order", db.as_ids(ids), {"state": "draft"})
    return {}


def _load_actions() -> dict:
    return json.loads(registry._data("actions.json").read_text())


@method("purchase.order")
def action_create_invoice(db, model, ids):
    moves = []
    for oid in db.as_ids(ids):
        o = db.tables["purchase.order"].get(oid)
        if o is None:
            raise db.missing(model, [oid])
        lines = [l for l in children(db, "purchase.order.line", "order_id", oid)
                 if not l.get("display_type") and abs(val(db, "purchase.order.line", l, "qty_to_invoice")) > 1e-9]
        if not lines:
            continue
        moves.append(db.create("account.move", {
            "move_type": "in_invoice", "partner_id": o["partner_id"], "ref": o.get("partner_ref") or False,
            "payment_reference": o.get("partner_ref") or False, "invoice_origin": o["name"],
            "invoice_payment_term_id": o.get("payment_term_id") or False,
            # _prepare_invoice: (self.fiscal_position_id or
            #     self.fiscal_position_id._get_fiscal_position(partner_invoice)).id
            "fiscal_position_id": o.get("fiscal_position_id") or taxes.fiscal_position(db, o["partner_id"]),
            "invoice_line_ids": [
                [0, 0, {"product_id": l["product_id"], "name": f"{o['name']}: {l.get('name')}",
                        "quantity": val(db, "purchase.order.line", l, "qty_to_invoice"),
                        "product_uom_id": l.get("product_uom"), "price_unit": l.get("price_unit"),
                        "tax_ids": [[6, 0, l.get("taxes_id") or []]], "purchase_line_id": l["id"], "sequence": 10}]
                for l in lines]}, top=False))
    if not moves:
        raise UserError("There is no invoiceable line. If a product has a control policy based on received "
                        "quantity, please make sure that a quantity has been received.")
    action = dict(_load_actions()["bills"])
    if len(moves) == 1:
        action["res_id"] = moves[0]
    else:
        action.pop("res_id", None)
        action["domain"] = [["id", "in", moves]]
    return action


# ====================================================================== invoicing
MOVE_LABEL = {"out_invoice": "Invoice", "out_refund": "Credit Note", "in_invoice": "Bill",
              "in_refund": "Vendor Credit Note", "entry": "Journal Entry", "out_receipt": "Sales Receipt",
              "in_receipt": "Purchase Receipt"}


def _move_display(db, r):
    name = r.get("name")
    parts = ""
    if r.get("state") == "draft":
        parts = f"Draft {MOVE_LABEL.get(r.get('move_type'), 'Entry')} "
        parts += f"(* {r['id']})" if not name or name == "/" else name
    else:
        parts = name or "/"
    if r.get("ref"):
        parts += f" ({textwrap.shorten(r['ref'], width=50)})"
    return parts


DISPLAY["account.move"] = _move_display
DISPLAY["account.move.line"] = lambda db, r: r.get("name") or (rec(db, "account.move", r.get("move_id")) or {}).get("name") or ""


def _monthly(db, r) -> bool:
    """Vendor bills number per month (BILL/2026/11/0001), everything else per year (INV/2026/00001)."""
    return (rec(db, "account.journal", r.get("journal_id")) or {}).get("type") == "purchase"


def _prefix(db, r) -> str:
    """The sequence prefix of the move's accounting ``date`` (Odoo numbers by date, not invoice_date)."""
    journal = rec(db, "account.journal", r.get("journal_id")) or {}
    code = journal.get("code") or "MISC"
    refund = r.get("move_type") in ("out_refund", "in_refund") and journal.get("refund_sequence", True)
    date = dt.date.fromisoformat((r.get("date") or r.get("invoice_date") or context_today(db))[:10])
    head = f"{'R' if refund else ''}{code}/{date.year}/"
    return head + (f"{date.month:02d}/" if _monthly(db, r) else "")


def _numbered_in(db, head: str, exclude=None) -> list[int]:
    return [int(m["name"][len(head):]) for m in db.tables["account.move"].values()
            if m["id"] != exclude and isinstance(m.get("name"), str) and m["name"].startswith(head)
            and m["name"][len(head):].isdigit()]


def _assign_name(db, r) -> str:
    head = _prefix(db, r)
    width = 4 if head.count("/") == 3 else 5
    used = _numbered_in(db, head, exclude=r.get("id"))
    return f"{head}{(max(used) + 1) if used else 1:0{width}d}"


def _accounting_date(db, r, invoice_date: str) -> str:
    """account.move._get_accounting_date without lock dates: a sale document's date is its invoice
    date; a purchase document dated in a past month lands on that month's last day, otherwise on
    the later of its invoice date and today (monthly numbering; yearly journals: the year's end)."""
    if r.get("move_type") in ("out_invoice", "out_refund", "out_receipt"):
        return invoice_date
    inv = dt.date.fromisoformat(invoice_date[:10])
    today_ = dt.date.fromisoformat(context_today(db))
    if _monthly(db, r):
        if (today_.year, today_.month) > (inv.year, inv.month):
            nxt = (inv.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            return (nxt - dt.timedelta(days=1)).isoformat()
        return max(inv, today_).isoformat()
    if today_.year > inv.year:
        return dt.date(inv.year, 12, 31).isoformat()
    return max(inv, today_).isoformat()


def _renumber_draft(db, m):
    """account.move._compute_name for a draft whose date moved: a name that no longer matches its
    period is replaced by the period's next number when the move is the period's first, else "/"."""
    if m.get("state") == "posted" or m.get("posted_before"):
        return
    head = _prefix(db, m)
    name = m.get("name")
    if isinstance(name, str) and name.startswith(head) and name[len(head):].isdigit():
        return
    db.set("account.move", m["id"], {"name": "/" if _numbered_in(db, head, exclude=m["id"])
                                     else _assign_name(db, m)})


def _move_defaults(db, raw, x2m):
    mtype = raw.setdefault("move_type", "entry")
    if not raw.get("journal_id"):
        raw["journal_id"] = SALE_JOURNAL if mtype.startswith("out_") else PURCHASE_JOURNAL if mtype.startswith("in_") else 3
    raw.setdefault("state", "draft")
    if not raw.get("date"):
        raw["date"] = _accounting_date(db, raw, raw["invoice_date"]) if raw.get("invoice_date") else context_today(db)
    raw.setdefault("payment_state", "not_paid")
    raw.setdefault("invoice_user_id", db.uid if mtype.startswith("out_") else False)
    if mtype != "entry":
        raw.setdefault("fiscal_position_id", taxes.fiscal_position(db, raw.get("partner_id"), raw.get("partner_shipping_id")))
    raw.setdefault("auto_post", "no")
    # Without payment terms Odoo keeps the due date it is given (_compute_invoice_date_due falls
    # back to the field's own value, account/models/account_move.py), else the creation day (14)
    raw.setdefault("_due_created", str(raw.get("invoice_date_due") or context_today(db))[:10])
    if raw.get("partner_id"):
        raw.setdefault("partner_shipping_id", raw["partner_id"])
    if mtype in ("out_invoice", "in_invoice") and "invoice_payment_term_id" not in raw:
        partner = rec(db, "res.partner", raw.get("partner_id")) or {}
        raw["invoice_payment_term_id"] = partner.get(
            "property_payment_term_id" if mtype == "out_invoice" else "property_supplier_payment_term_id") or False
    if not raw.get("name") or raw.get("name") == "/":
        head = _prefix(db, raw)
        exists = any(isinstance(m.get("name"), str) and m["name"].startswith(head) for m in db.tables["account.move"].values())
        raw["name"] = "/" if exists else _assign_name(db, raw)


def _aml_defaults(db, raw, x2m):
    move = rec(db, "account.move", raw.get("move_id")) or {}
    product = rec(db, "product.product", raw.get("product_id"))
    raw.setdefault("display_type", "product")
    raw.setdefault("sequence", 100)  # _compute_sequence: 100 for product lines (tax 10000, terms 12000)
    raw.setdefault("discount", 0.0)
    raw.setdefault("quantity", 1.0 if raw["display_type"] == "product" else 0.0)
    if product and raw["display_type"] == "product":
        raw.setdefault("name", _product_display(db, product))
        raw.setdefault("product_uom_id", val(db, "product.product", product, "uom_id"))
        purchase = str(move.get("move_type", "")).startswith("in_")
        if "price_unit" not in raw:
            raw["price_unit"] = db.raw_value("product.product", product, "standard_price" if purchase else "list_price") or 0.0
        if "tax_ids" not in x2m:  # _get_computed_taxes: the product's taxes mapped by the move's position
            raw["tax_ids"] = taxes.product_taxes(db, product, move.get("fiscal_position_id"), purchase)
    raw.setdefault("price_unit", 0.0)
    raw.setdefault("date", move.get("date"))
    raw.setdefault("partner_id", move.get("partner_id") or False)


DEFAULTS["account.move"] = _move_defaults
DEFAULTS["account.move.line"] = _aml_defaults


def _product_account(db, tax_ids, purchase: bool) -> int:
    rates = [(rec(db, "account.tax", t) or {}).get("amount") for t in tax_ids or []]
    if purchase:
        return 785 if 7.0 in rates else 828
    return 1141 if 7.0 in rates else 1151


def _sign(mtype) -> int:
    """+1 when product lines are credits (customer invoice / vendor refund)."""
    return 1 if mtype in ("out_invoice", "in_refund", "out_receipt") else -1


def sync_dynamic_lines(db, move_id: int, recompute_taxes: bool = True, terms: bool = True):
    """(Re)build tax and payment-term journal items from the product lines, like Odoo's sync.
    The tax lines are computed under the company's rounding method of the moment they are
    synced; ``recompute_taxes=False`` (posting) keeps that method, as Odoo leaves them alone.
    ``terms=False`` stops after the tax lines (a batch syncs every move's taxes first)."""
    mv = db.tables["account.move"][move_id]
    if recompute_taxes or not mv.get("_tax_rounding"):
        db.set("account.move", move_id, {"_tax_rounding": taxes.rounding_method(db)})
    mtype = mv.get("move_type")
    if mtype == "entry":
        return
    lines = children(db, "account.move.line", "move_id", move_id)
    old_tax = [l for l in lines if l.get("display_type") == "tax"]
    old_pt = [l for l in lines if l.get("display_type") == "payment_term"]
    products = [l for l in lines if l.get("display_type") == "product"]
    sign = _sign(mtype)
    purchase = mtype.startswith("in_")
    bases = []
    for l in products:
        sub = val(db, "account.move.line", l, "price_subtotal")
        bal = -sign * sub
        db.set("account.move.line", l["id"], {
            "debit": max(bal, 0.0), "credit": max(-bal, 0.0), "balance": bal,
            "account_id": l.get("account_id") or _product_account(db, l.get("tax_ids"), purchase)})
        bases.append((l.get("tax_ids"), sub))
    per_tax = taxes.tax_amounts_by_tax(db, bases, mv["_tax_rounding"])
    wanted = []
    total_tax = 0.0
    for tid in sorted(per_tax, key=lambda t: (-(rec(db, "account.tax", t) or {}).get("amount", 0), t)):
        tax = db.tables["account.tax"][tid]
        amount = per_tax[tid]
        total_tax += amount
        seven = tax.get("amount") == 7.0
        # a reverse-charge tax books its amount twice, +100 % and -100 % (two journal items)
        gross = r2(sum(b * (tax.get("amount") or 0.0) / 100.0 for ids_, b in bases if tid in (ids_ or [])))
        for part, paid in (((gross, True), (-gross, False)) if taxes.self_cancelling(tax) else ((amount, purchase),)):
            bal = -sign * part
            wanted.append({"display_type": "tax", "name": tax.get("name"), "tax_line_id": tid,
                           "account_id": (467 if seven else 470) if paid else (488 if seven else 491),
                           "debit": max(bal, 0.0), "credit": max(-bal, 0.0), "balance": bal, "sequence": 10000,
                           "quantity": 0.0})
    total = r2(sum(val(db, "account.move.line", l, "price_subtotal") for l in products) + total_tax)
    bal = sign * total
    wanted_pt = {"display_type": "payment_term", "name": mv.get("payment_reference") or False,
                 "account_id": 1005 if purchase else 283, "debit": max(bal, 0.0), "credit": max(-bal, 0.0),
                 "balance": bal, "sequence": 12000, "quantity": 0.0,
                 "date_maturity": val(db, "account.move", mv, "invoice_date_due")}
    # update journal items in place (ids stay stable, as in Odoo's line sync)
    for old, new in zip(old_tax, wanted):
        db.set("account.move.line", old["id"], new)
    for old in old_tax[len(wanted):]:
        db.delete("account.move.line", old["id"])
    for new in wanted[len(old_tax):]:
        db.create("account.move.line", {"move_id": move_id, **new}, top=False)
    if not terms:
        return
    if old_pt:
        db.set("account.move.line", old_pt[0]["id"], wanted_pt)
        for extra in old_pt[1:]:
            db.delete("account.move.line", extra["id"])
    else:
        db.create("account.move.line", {"move_id": move_id, **wanted_pt}, top=False)


def _move_created(db, rid, raw, x2m):
    pending = getattr(db, "pending_move_sync", None)
    if pending is not None:  # inside a batch create (invoicing.create_moves)
        pending.append(rid)
        return
    sync_dynamic_lines(db, rid)


def _move_written(db, ids, raw, x2m):
    if "invoice_date" in raw and "date" not in raw:
        for mid in ids:
            m = db.tables["account.move"][mid]
            if m.get("invoice_date") and m.get("state") == "draft":
                db.set("account.move", mid, {"date": _accounting_date(db, m, m["invoice_date"])})
    if {"invoice_date", "date"} & set(raw):
        for mid in ids:
            _renumber_draft(db, db.tables["account.move"][mid])
    if x2m or {"invoice_date", "invoice_payment_term_id", "move_type"} & set(raw):
        for mid in ids:
            sync_dynamic_lines(db, mid)


AFTER_CREATE["account.move"] = _move_created
AFTER_WRITE["account.move"] = _move_written


def _aml_written(db, ids, raw, x2m):
    if {"quantity", "price_unit", "discount"} & set(raw) or "tax_ids" in x2m:
        for mid in {db.tables["account.move.line"][i].get("move_id") for i in ids}:
            if mid:
                sync_dynamic_lines(db, mid)


AFTER_WRITE["account.move.line"] = _aml_written
compute("account.move.line", "price_subtotal", "price_total")(
    lambda db, r, f: _line_amounts(db, "account.move.line", r, f, "quantity", "tax_ids")
    if r.get("display_type") in ("product", None, False) else 0.0)
COMPUTE["account.move.line"]["move_name"] = lambda db, r: (rec(db, "account.move", r.get("move_id")) or {}).get("name", False)
COMPUTE["account.move.line"]["parent_state"] = lambda db, r: (rec(db, "account.move", r.get("move_id")) or {}).get("state", False)
COMPUTE["account.move.line"]["move_type"] = lambda db, r: (rec(db, "account.move", r.get("move_id")) or {}).get("move_type", False)


@compute("account.move", "amount_untaxed", "amount_tax", "amount_total", "amount_residual", "invoice_line_ids",
         "commercial_partner_id", "invoice_date_due", "tax_totals", "amount_untaxed_signed", "amount_total_signed",
         "amount_residual_signed", "invoice_partner_display_name", "reversal_move_id")
def _move_amounts(db, r, f):
    if f == "commercial_partner_id":
        p = rec(db, "res.partner", r.get("partner_id"))
        return _commercial(db, p) if p else False
    if f == "invoice_partner_display_name":
        return db.display_name("res.partner", r.get("partner_id")) if r.get("partner_id") else False
    if f == "reversal_move_id":
        return sorted(db.index("account.move", "reversed_entry_id").get(r["id"], ()))
    if f == "invoice_date_due":
        return _due(db, r)
    lines = children(db, "account.move.line", "move_id", r["id"])
    if f == "invoice_line_ids":
        return [l["id"] for l in lines if l.get("display_type") in ("product", "line_section", "line_note")]
    untaxed = r2(sum(val(db, "account.move.line", l, "price_subtotal") for l in lines if l.get("display_type") == "product"))
    # signed: a reverse-charge tax's two journal items cancel out
    tax = r2(abs(sum(l.get("balance") or 0.0 for l in lines if l.get("display_type") == "tax")))
    total = r2(untaxed + tax)
    sign = -1 if r.get("move_type") in ("out_refund", "in_invoice") else 1
    if f == "amount_untaxed":
        return untaxed
    if f == "amount_tax":
        return tax
    if f == "amount_total":
        return total
    if f == "amount_untaxed_signed":
        return sign * untaxed
    if f == "amount_total_signed":
        return sign * total
    residual = 0.0 if r.get("payment_state") in ("paid", "reversed", "in_payment") else total
    if f == "amount_residual":
        return residual
    if f == "amount_residual_signed":
        return sign * residual
    return _tax_totals(db, lines, untaxed, total)


def _money(x: float) -> str:
    return f"{x:,.2f}\u00a0€"


def _tax_totals(db, lines, untaxed, total):
    """account.move tax_totals: bases from the product lines, amounts from the move's tax lines
    (so they keep the rounding they were computed with), grouped by tax group."""
    groups: dict[int, list] = {}
    for l in lines:
        if l.get("display_type") != "product":
            continue
        sub = val(db, "account.move.line", l, "price_subtotal")
        seen = set()
        for tid in l.get("tax_ids") or []:
            gid = (rec(db, "account.tax", tid) or {}).get("tax_group_id") or 0
            g = groups.setdefault(gid, [0.0, 0.0])
            if gid not in seen:
                g[1] += sub
                seen.add(gid)
    for l in lines:
        if l.get("display_type") == "tax":
            gid = (rec(db, "account.tax", l.get("tax_line_id")) or {}).get("tax_group_id") or 0
            groups.setdefault(gid, [0.0, 0.0])[0] += abs(l.get("balance") or 0.0)
    rows = []
    for gid in sorted(groups):
        amount, base = r2(groups[gid][0]), groups[gid][1]
        rows.append({"group_key": gid, "tax_group_id": gid,
                     "tax_group_name": (rec(db, "account.tax.group", gid) or {}).get("name", ""),
                     "tax_group_amount": amount, "tax_group_base_amount": base,
                     "formatted_tax_group_amount": _money(amount), "formatted_tax_group_base_amount": _money(base),
                     "hide_base_amount": False})
    # _prepare_tax_totals: the base is shown unless one group covers exactly the untaxed amount
    display_base = len(rows) > 1 or (len(rows) == 1 and r2(rows[0]["tax_group_base_amount"]) != r2(untaxed))
    return {"amount_untaxed": untaxed, "amount_total": total, "formatted_amount_total": _money(total),
            "formatted_amount_untaxed": _money(untaxed), "groups_by_subtotal": {"Untaxed Amount": rows},
            "subtotals": [{"name": "Untaxed Amount", "amount": untaxed, "formatted_amount": _money(untaxed)}],
            "subtotals_order": ["Untaxed Amount"], "display_tax_base": display_base}


def _due(db, r):
    base = r.get("invoice_date") or r.get("date") or context_today(db)
    term = rec(db, "account.payment.term", r.get("invoice_payment_term_id"))
    if r.get("move_type") in ("out_refund", "in_refund"):
        return base
    if not term:
        # _compute_invoice_date_due keeps its value without terms: the day the invoice was created
        return r.get("_due_created") or base
    d = dt.date.fromisoformat(base[:10])
    due = d
    for line in children(db, "account.payment.term.line", "payment_id", term["id"]):
        days = line.get("nb_days") or 0
        kind = line.get("delay_type") or "days_after"
        if kind == "days_after":
            cand = d + dt.timedelta(days=days)
        else:
            months = 1 if kind == "days_after_end_of_month" else 2
            first = (d.replace(day=1) + dt.timedelta(days=32 * months)).replace(day=1)
            cand = first - dt.timedelta(days=1) + dt.timedelta(days=days)
            if kind == "days_end_of_month_on_the":
                end = first - dt.timedelta(days=1)
                cand = end + dt.timedelta(days=int(line.get("days_next_month") or 0))
        due = max(due, cand)
    return due.isoformat()


def _move_unlink(db, ids):
    for mid in ids:
        if db.tables["account.move"][mid].get("state") == "posted":
            raise UserError("You can't delete a posted journal item. Don\u2019t play games with your accounting "
                            "records; reset the journal entry to draft before deleting it.")


BEFORE_UNLINK["account.move"] = _move_unlink


@method("account.move")
def action_post(db, model, ids):
    ids = db.as_ids(ids)
    moves = []
    for mid in ids:
        m = db.tables["account.move"].get(mid)
        if m is None:
            raise db.missing(model, [mid])
        if m.get("state") != "draft":
            raise UserError(f"The entry {m.get('name')} (id {mid}) must be in draft.")
        if m.get("move_type") not in (None, "entry") and not m.get("partner_id"):  # account.move._post
            if m["move_type"].startswith("out_"):
                raise UserError("The field 'Customer' is required, please complete it to validate the Customer Invoice.")
            raise UserError("The field 'Vendor' is required, please complete it to validate the Vendor Bill.")
        if m.get("move_type") in ("in_invoice", "in_refund") and not m.get("invoice_date"):
            raise UserError("The Bill/Refund date is required to validate this document.")
        if m.get("move_type") != "entry" and not any(
                l.get("display_type") == "product" for l in children(db, "account.move.line", "move_id", mid)):
            raise UserError("You need to add a line before posting.")
        moves.append(m)
    for m in moves:
        vals = {"state": "posted", "posted_before": True}
        if not m.get("invoice_date") and m.get("move_type") != "entry":
            vals["invoice_date"] = context_today(db)
            vals["date"] = _accounting_date(db, m, vals["invoice_date"])
        db.set("account.move", m["id"], vals)
    # _compute_name hands out the numbers in (date, ref, id) order, not in the order of the ids
    for m in sorted(moves, key=lambda m: (m.get("date") or "", m.get("ref") or "", m["id"])):
        if not m.get("name") or m["name"] == "/":
            db.set("account.move", m["id"], {"name": _assign_name(db, m)})
        if m.get("move_type") == "out_invoice" and not m.get("payment_reference"):
            db.set("account.move", m["id"], {"payment_reference": m["name"]})
        sync_dynamic_lines(db, m["id"], recompute_taxes=False)
        _reconcile_reversal(db, m)
        _touch_orders(db, "sale.order", {
            (rec(db, "sale.order.line", sl) or {}).get("order_id")
            for l in children(db, "account.move.line", "move_id", m["id"]) for sl in l.get("sale_line_ids") or []})
    return False


def _reconcile_reversal(db, m):
    orig = rec(db, "account.move", m.get("reversed_entry_id"))
    if not orig or orig.get("state") != "posted" or orig.get("payment_state") != "not_paid":
        return
    if abs(val(db, "account.move", orig, "amount_total") - val(db, "account.move", m, "amount_total")) < 0.005:
        db.set("account.move", orig["id"], {"payment_state": "reversed"})
        db.set("account.move", m["id"], {"payment_state": "paid"})


@method("account.move")
def button_draft(db, model, ids):
    for mid in db.as_ids(ids):
        db.set("account.move", mid, {"state": "draft"})
    return True


@method("account.move")
def button_cancel(db, model, ids):  # noqa: F811
    for mid in db.as_ids(ids):
        db.set("account.move", mid, {"state": "cancel"})
    return True


def _reversal_defaults(db, raw, x2m):
    if db.ctx.get("active_model") == "account.move" and "move_ids" not in x2m:
        raw["move_ids"] = list(db.ctx.get("active_ids") or [])
    raw.setdefault("date", context_today(db))
    first = rec(db, "account.move", (raw.get("move_ids") or [None])[0])
    if first:
        raw.setdefault("move_type", first.get("move_type"))


DEFAULTS["account.move.reversal"] = _reversal_defaults


@compute("account.move.reversal", "residual", "new_move_ids", "move_type", "currency_id")
def _reversal_fields(db, r, f):
    moves = [db.tables["account.move"][i] for i in r.get("move_ids") or [] if i in db.tables["account.move"]]
    if f == "residual":
        return r2(sum(val(db, "account.move", m, "amount_residual") for m in moves))
    if f == "move_type":
        return moves[0].get("move_type") if moves else False
    if f == "currency_id":
        return moves[0].get("currency_id", 126) if moves else 126
    return list(r.get("new_move_ids") or [])


@method("account.move.reversal")
def reverse_moves(db, model, ids, is_modify=False):
    ids = db.as_ids(ids)
    wiz = db.tables[model].get(ids[0]) if ids else None
    if wiz is None:
        raise db.missing(model, ids)
    new = []
    for mid in wiz.get("move_ids") or []:
        m = db.tables["account.move"][mid]
        rtype = {"out_invoice": "out_refund", "in_invoice": "in_refund", "out_refund": "out_invoice",
                 "in_refund": "in_invoice"}.get(m.get("move_type"), "entry")
        from .i18n import tr  # the prefix in the call's language, then stored as plain text
        ref = (tr(db, "Reversal of: %(move_name)s, %(reason)s") % {"move_name": m.get("name"), "reason": wiz["reason"]}
               if wiz.get("reason") else tr(db, "Reversal of: %s") % m.get("name"))
        lines = [[0, 0, {k: l.get(k) for k in ("product_id", "name", "quantity", "product_uom_id", "price_unit",
                                                "discount", "purchase_line_id", "sequence", "account_id")}
                      | {"tax_ids": [[6, 0, l.get("tax_ids") or []]], "sale_line_ids": [[6, 0, l.get("sale_line_ids") or []]]}]
                 for l in children(db, "account.move.line", "move_id", mid) if l.get("display_type") == "product"]
        date = wiz.get("date") or context_today(db)
        new.append(db.create("account.move", {
            "move_type": rtype, "partner_id": m.get("partner_id"), "partner_shipping_id": m.get("partner_shipping_id"),
            "ref": ref, "reversed_entry_id": mid, "invoice_date": date, "date": date,
            "fiscal_position_id": m.get("fiscal_position_id") or False,
            "journal_id": wiz.get("journal_id") or m.get("journal_id"), "invoice_origin": m.get("invoice_origin"),
            "invoice_payment_term_id": False, "narration": m.get("narration") or False,
            "invoice_line_ids": lines}, top=False))
    if is_modify:
        action_post(db, "account.move", new)
    db.set(model, wiz["id"], {"new_move_ids": new})
    out = {"name": "Reverse Moves", "type": "ir.actions.act_window", "res_model": "account.move"}
    if len(new) == 1:
        out.update({"view_mode": "form", "res_id": new[0]})
    else:
        out.update({"view_mode": "tree,form", "domain": [["id", "in", new]]})
    rtype = db.tables["account.move"][new[0]]["move_type"] if new else "out_refund"
    out["context"] = {"default_move_type": rtype}
    return out


METHODS["account.move.reversal"]["refund_moves"] = lambda db, model, ids: reverse_moves(db, model, ids, False)
METHODS["account.move.reversal"]["modify_moves"] = lambda db, model, ids: reverse_moves(db, model, ids, True)


def _adv_defaults(db, raw, x2m):
    if db.ctx.get("active_model") == "sale.order" and "sale_order_ids" not in x2m:
        raw["sale_order_ids"] = list(db.ctx.get("active_ids") or [])
    raw.setdefault("advance_payment_method", "delivered")
    raw.setdefault("consolidated_billing", True)


DEFAULTS["sale.advance.payment.inv"] = _adv_defaults
METHODS["sale.order"]["action_update_taxes"] = taxes.action_update_taxes
_so_after_write = AFTER_WRITE.get("sale.order")
AFTER_WRITE["sale.order"] = lambda db, ids, raw, x2m: (
    _so_after_write and _so_after_write(db, ids, raw, x2m), taxes.so_written(db, ids, raw, x2m))
for _hooks in (AFTER_CREATE, AFTER_WRITE):  # a line change recomputes the order's stored amounts
    _hooks["sale.order.line"] = (lambda prev: lambda db, ids, raw, x2m: (
        prev and prev(db, ids, raw, x2m), taxes.sol_changed(db, ids)))(_hooks.get("sale.order.line"))
COMPUTE["sale.advance.payment.inv"]["count"] = lambda db, r: len(r.get("sale_order_ids") or [])


from .invoicing import create_invoices  # noqa: E402  (consolidated invoicing lives there)

METHODS["sale.advance.payment.inv"]["create_invoices"] = create_invoices

from . import companies, studio, vat  # noqa: E402  (they replace or wrap some of the hooks registered above)
studio.install()
from . import actions  # noqa: E402  (after studio: buttons, server actions, related fields)
actions.install()
companies.install()
vat.install()

# res.company.vat is related to its partner's (the address and tax id live on the partner)
COMPUTE["res.company"]["vat"] = lambda db, r: (rec(db, "res.partner", r.get("partner_id")) or {}).get("vat") or False
