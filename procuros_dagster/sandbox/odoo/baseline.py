"""Starting state of every sandbox database: the vendored baseline of a fresh Odoo 17 (same ids,
same external ids) plus the few records the baseline export does not include."""
from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from . import registry
from .floats import PRECISIONS

if TYPE_CHECKING:
    from .orm import Database

# First ids a fresh database hands out (ids are part of the recorded transcripts, so matching them
# lets tests replay those exchanges verbatim). Tables the baseline holds completely start after
# their last record; these are the ones it holds only in part (partners 2 and 4-6 are users' and
# templates' partners the export leaves out).
NEXT_IDS = {"res.partner": 7, "ir.model.data": 25509, "mail.message": 100, "ir.model.fields": 20000,
            "ir.model": 900, "ir.ui.view": 3000}
# The database of recording run 01-08 ("procuros") was not pristine: records had been created and
# deleted before (their ids are used up) and the Sales setting "Pricelists" had been switched on,
# which in Odoo 17 creates "Default <currency> pricelist" (res.company._activate_or_create_pricelists).
USED_IDS_PROCUROS = {
    "res.partner": 9, "product.product": 3, "product.template": 3, "sale.order": 2, "sale.order.line": 2,
    "procurement.group": 3, "stock.picking": 3, "stock.move": 3, "stock.move.line": 3, "stock.quant": 4,
    "account.move": 4, "account.move.line": 10, "sale.advance.payment.inv": 2, "account.move.reversal": 2,
    "purchase.order": 2, "purchase.order.line": 2,
}
DEFAULT_PRICELIST = {"id": 1, "name": "Default EUR pricelist", "currency_id": 126, "active": True,
                     "discount_policy": "with_discount", "sequence": 16, "__xml_id": "product.list0"}

# The terms' notes as a fresh database has them (02); the others read "Payment terms: <name>"
TERM_NOTES = {"2/7 Net 30": "<p>Payment terms: 30 Days, 2% Early Payment Discount under 7 days</p>"}

# The second recording run's database (09-15) started these sequences elsewhere than the first.
NEXT_IDS_BY_DB = {"procuros_rec": {"account.move.reversal": 1}}
# ir.model ids the recordings show; the other models are numbered from 1 around them.
MODEL_IDS = {"sale.order": 563, "ir.module.module": 500}  # the latter: added later, clear of the others

EXTRA_RECORDS = {
    "product.template": [{"id": 1, "name": "Standard delivery", "default_code": "Delivery_007",
                          "detailed_type": "service", "type": "service", "list_price": 0.0, "uom_id": 1,
                          "uom_po_id": 1, "categ_id": 1, "sale_ok": False, "purchase_ok": False,
                          "invoice_policy": "order", "active": True, "taxes_id": [14], "supplier_taxes_id": [23]}],
    "account.account": [
        {"id": 1151, "code": "8400", "name": "Revenue, 19 % VAT", "account_type": "income"},
        {"id": 1141, "code": "8300", "name": "Revenue, 7 % VAT", "account_type": "income"},
        {"id": 828, "code": "3400", "name": "Cost of merchandise, 19 % input tax", "account_type": "expense"},
        {"id": 785, "code": "3010", "name": "Cost of raw materials, consumables and supplies, 7 % input tax",
         "account_type": "expense"},
        {"id": 491, "code": "1776", "name": "VAT, 19 %", "account_type": "liability_current"},
        {"id": 488, "code": "1771", "name": "VAT 7%", "account_type": "liability_current"},
        {"id": 470, "code": "1576", "name": "Input tax 19 %", "account_type": "asset_current"},
        {"id": 467, "code": "1571", "name": "Input tax 7 %", "account_type": "asset_current"},
        {"id": 283, "code": "1410", "name": "Trade receivables, no separate receivables/payables accounting",
         "account_type": "asset_receivable"},
        {"id": 1005, "code": "1610", "name": "Trade payables, no separate receivables/payables accounting",
         "account_type": "liability_payable"},
    ],
    "mail.message.subtype": [{"id": 1, "name": "Discussions", "__xml_id": "mail.mt_comment"},
                             {"id": 2, "name": "Note", "internal": True, "__xml_id": "mail.mt_note"}],
    # The standard forms the connector's setup inherits from (abridged archs, real ids and xml ids).
    "ir.ui.view": [
        {"id": 125, "name": "res.partner.form", "model": "res.partner", "type": "form", "priority": 1,
         "mode": "primary", "active": True, "__xml_id": "base.view_partner_form",
         "arch_db": '<form string="Partners"><sheet><field name="name"/><notebook>'
                    '<page name="contact_addresses" string="Contacts &amp; Addresses"/>'
                    '<page name="sales_purchases" string="Sales &amp; Purchase"><group name="container_row_2">'
                    '<field name="ref"/></group></page></notebook></sheet></form>'},
        {"id": 310, "name": "uom.uom.form", "model": "uom.uom", "type": "form", "priority": 16,
         "mode": "primary", "active": True, "__xml_id": "uom.product_uom_form_view",
         "arch_db": '<form string="Units of Measure"><sheet><group><field name="name"/>'
                    '<field name="category_id"/><field name="uom_type"/></group></sheet></form>'},
        # the delivery and invoice forms the Send-to-Procuros buttons go into (their real ids, arch
        # abridged to the header, the smart buttons' box and the fields the buttons' modifiers use)
        {"id": 905, "name": "stock.picking.form", "model": "stock.picking", "type": "form", "priority": 16,
         "mode": "primary", "active": True, "__xml_id": "stock.view_picking_form",
         "arch_db": '<form string="Transfer" js_class="picking_form"><field name="picking_type_code" invisible="1"/>'
                    '<field name="company_id" invisible="1"/><header>'
                    '<field name="state" widget="statusbar" statusbar_visible="draft,confirmed,assigned,done"/>'
                    '</header><sheet><div class="oe_button_box" name="button_box"/><h1><field name="name"/></h1>'
                    '<group><field name="partner_id"/><field name="origin"/></group></sheet></form>'},
        {"id": 681, "name": "account.move.form", "model": "account.move", "type": "form", "priority": 16,
         "mode": "primary", "active": True, "__xml_id": "account.view_move_form",
         "arch_db": '<form string="Account Entry" js_class="account_move_form"><header>'
                    '<field name="state" widget="statusbar" statusbar_visible="draft,posted"/></header>'
                    '<sheet><div name="button_box" class="oe_button_box"/><field name="move_type" invisible="1"/>'
                    '<h1><field name="name"/></h1><group><field name="partner_id"/>'
                    '<field name="invoice_date"/></group></sheet></form>'},
        # the purchase order form (id and xml id as a fresh Odoo 17 with Purchase has them)
        {"id": 1036, "name": "purchase.order.form", "model": "purchase.order", "type": "form", "priority": 16,
         "mode": "primary", "active": True, "__xml_id": "purchase.purchase_order_form",
         "arch_db": '<form string="Purchase Order" class="o_purchase_order"><header>'
                    '<field name="state" widget="statusbar" statusbar_visible="draft,sent,purchase" readonly="1"/>'
                    '</header><sheet><div class="oe_button_box" name="button_box"/><h1><field name="name"/></h1>'
                    '<group><field name="partner_id"/><field name="date_order"/></group><notebook>'
                    '<page string="Products" name="products"><field name="order_line"/></page></notebook>'
                    '</sheet></form>'},
        # the sales order form (sale/views/sale_order_views.xml, view_order_form, abridged: the header
        # with its statusbar, the smart buttons' box, the name and customer, the notebook's Order Lines
        # and Other Info pages); the id is not recorded, an install-order id like the others
        {"id": 1104, "name": "sale.order.form", "model": "sale.order", "type": "form", "priority": 16,
         "mode": "primary", "active": True, "__xml_id": "sale.view_order_form",
         "arch_db": '<form string="Sales Order" class="o_sale_order"><header><field name="locked" invisible="1"/>'
                    '<field name="state" widget="statusbar" statusbar_visible="draft,sent,sale"/></header>'
                    '<sheet><div class="oe_button_box" name="button_box"/><div class="oe_title"><h1>'
                    '<field name="name" readonly="1"/></h1></div><group name="sale_header"><field name="partner_id"/>'
                    '</group><notebook><page string="Order Lines" name="order_lines"><field name="order_line">'
                    '<tree string="Sales Order Lines" editable="bottom"><field name="product_id"/>'
                    '<field name="product_uom_qty"/><field name="price_unit"/></tree></field></page>'
                    '<page string="Other Info" name="other_information"/></notebook></sheet></form>'},
    ],
    # The apps of the recorded database (its models and groups show them), all installed. Not a
    # recording of its module list: a real one also lists hundreds of uninstalled modules.
    "ir.module.module": [
        {"id": i, "name": name, "shortdesc": desc, "application": app, "sequence": seq, "state": "installed"}
        for i, (name, desc, app, seq) in enumerate([
            ("base", "Base", False, 100), ("mail", "Discuss", True, 25), ("product", "Products & Pricelists", False, 100),
            ("uom", "Units of measure", False, 100), ("sales_team", "Sales Teams", False, 100),
            ("sale", "Sales", False, 100), ("sale_management", "Sales", True, 5), ("stock", "Inventory", True, 25),
            ("sale_stock", "Sales and Warehouse Management", False, 100), ("account", "Invoicing", True, 10),
            ("purchase", "Purchase", True, 35), ("purchase_stock", "Purchase Stock", False, 100),
            ("delivery", "Delivery Costs", False, 100), ("stock_sms", "Stock - SMS", False, 100),
            ("l10n_de", "Germany - Accounting", False, 100)], start=1)],
    "ir.model.data": [],
    "decimal.precision": [{"id": i, "name": name, "digits": digits} for i, name, digits in PRECISIONS],
}


def _raw(model: str, rec: dict, fields: dict) -> dict:
    out = {}
    for k, v in rec.items():
        if k == "__xml_id":
            continue
        if isinstance(v, list) and len(v) == 2 and isinstance(v[0], int) and isinstance(v[1], str):
            fdef = fields.get(k)
            if fdef is None or fdef["type"] == "many2one":
                v = v[0]
        out[k] = v
    return out


def load_baseline(db: "Database", company_name: str | None = None, used_ids: dict | None = None,
                  pricelists: bool = False) -> None:
    """``used_ids``: first free ids of a database with history; ``pricelists``: the setting is on."""
    from . import access, i18n, taxes  # groups, access rules and languages of a fresh database (installed below)
    sources = dict(registry.baseline())
    for model, recs in EXTRA_RECORDS.items():
        sources[model] = list(sources.get(model, [])) + recs
    if pricelists:
        sources["product.pricelist"] = [DEFAULT_PRICELIST]
    xml_ids = []
    tax_groups: dict[int, str] = {}
    for model, recs in sources.items():
        if model not in db.tables:
            continue
        fields = db.model_fields[model]
        for rec in recs:
            raw = _raw(model, rec, fields)
            db.tables[model][raw["id"]] = raw
            if rec.get("__xml_id"):
                xml_ids.append((rec["__xml_id"], model, raw["id"]))
            if model == "account.tax" and rec.get("__xml_id") in taxes.SELF_CANCELLING:
                raw["_self_cancelling"] = True
            if model == "account.tax" and isinstance(rec.get("tax_group_id"), list):
                tax_groups[rec["tax_group_id"][0]] = rec["tax_group_id"][1]
    for gid, name in tax_groups.items():
        db.tables["account.tax.group"][gid] = {"id": gid, "name": name, "sequence": gid}
    # the product template of the baseline delivery product
    for pid, prod in db.tables["product.product"].items():
        prod.setdefault("product_tmpl_id", pid)
    imd = db.tables["ir.model.data"]
    for i, (xml_id, model, res_id) in enumerate(sorted(xml_ids), start=5000):
        module, _, name = xml_id.partition(".")
        imd[i] = {"id": i, "module": module, "name": name, "model": model, "res_id": res_id, "noupdate": True}
    free = (i for i in itertools.count(1) if i not in MODEL_IDS.values())
    for model in sorted(db.model_fields):
        i = MODEL_IDS.get(model) or next(free)
        db.tables["ir.model"][i] = {"id": i, "model": model, "name": registry.description(model), "state": "base"}
    db.tables["res.users"][2].update({"name": "Administrator", "lang": "en_US", "tz": False, "company_ids": [1]})
    for term in db.tables["account.payment.term"].values():
        term.setdefault("note", TERM_NOTES.get(term["name"], f"<p>Payment terms: {term['name']}</p>"))
    company = db.tables["res.company"][1]
    company.setdefault("country_id", 57)
    company.setdefault("stock_move_sms_validation", True)
    company.setdefault("has_received_warning_stock_sms", False)
    for model, table in db.tables.items():
        db.next_id[model] = max({**NEXT_IDS, **(used_ids or {})}.get(model, 1), max(table, default=0) + 1)
    db.next_id.update(NEXT_IDS_BY_DB.get(db.name, {}))
    from . import studio
    studio.seed(db)
    if company_name:  # a fresh database names its company, the company's partner and warehouse alike
        for model in ("res.company", "res.partner", "stock.warehouse"):
            db.tables[model][1]["name"] = company_name
    access.install(db)
    i18n.install(db)
