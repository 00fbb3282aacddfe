"""Model metadata: Odoo 17's real fields_get exports plus hand-written minimal models.

fields_get has no ``store``/``relation_field``/``_order``, so inverses of one2many fields, default
orders and model descriptions are spelled out here.
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources


def F(type_: str, string: str, relation: str | None = None, required: bool = False,
      readonly: bool = False, selection: list | None = None) -> dict:
    f = {"type": type_, "string": string, "required": required, "readonly": readonly}
    if relation:
        f["relation"] = relation
    if selection is not None:
        f["selection"] = selection
    return f


_COMMON = {
    "id": F("integer", "ID", readonly=True),
    "display_name": F("char", "Display Name", readonly=True),
    "create_date": F("datetime", "Created on", readonly=True),
    "write_date": F("datetime", "Last Updated on", readonly=True),
    "create_uid": F("many2one", "Created by", "res.users", readonly=True),
    "write_uid": F("many2one", "Last Updated by", "res.users", readonly=True),
}

# Models the connector touches that have no fields_get export.
EXTRA_MODELS: dict[str, dict] = {
    "ir.ui.view": {
        "name": F("char", "View Name", required=True), "model": F("char", "Model"),
        "inherit_id": F("many2one", "Inherited View", "ir.ui.view"), "arch": F("text", "View Architecture"),
        "arch_db": F("text", "Arch Blob"), "arch_base": F("text", "Base View Architecture"),
        "type": F("selection", "View Type", selection=[[t, t] for t in ("tree", "form", "search", "kanban", "qweb")]),
        "priority": F("integer", "Sequence", required=True), "active": F("boolean", "Active"),
        "mode": F("selection", "View inheritance mode", required=True,
                  selection=[["primary", "Base view"], ["extension", "Extension View"]]),
        "key": F("char", "Key")},
    "mail.message": {
        "model": F("char", "Related Document Model"), "res_id": F("integer", "Related Document ID"),
        "body": F("html", "Contents"), "subject": F("char", "Subject"),
        "message_type": F("selection", "Type", required=True, selection=[
            ["email", "Email"], ["comment", "Comment"], ["notification", "System notification"],
            ["auto_comment", "Automated Targeted Notification"], ["user_notification", "User Specific Notification"]]),
        "subtype_id": F("many2one", "Subtype", "mail.message.subtype"),
        "author_id": F("many2one", "Author", "res.partner"), "date": F("datetime", "Date"),
        "record_name": F("char", "Message Record Name")},
    "mail.message.subtype": {"name": F("char", "Message Type", required=True), "internal": F("boolean", "Internal Only")},
    # stock/models/stock_quant.py QuantPackage: package_type_id = fields.Many2one('stock.package.type',
    # 'Package Type', index=True); stock/models/stock_package_type.py: name = fields.Char('Package Type',
    # required=True), base_weight = fields.Float(string='Weight')
    "stock.quant.package": {"name": F("char", "Package Reference", required=True),
                            "package_type_id": F("many2one", "Package Type", "stock.package.type"),
                            "location_id": F("many2one", "Location", "stock.location"),
                            "company_id": F("many2one", "Company", "res.company")},
    "stock.package.type": {"name": F("char", "Package Type", required=True), "sequence": F("integer", "Sequence"),
                           "base_weight": F("float", "Weight"), "barcode": F("char", "Barcode"),
                           "company_id": F("many2one", "Company", "res.company")},
    # base/models/res_bank.py (Odoo 17): res.bank and res.partner.bank (_rec_name acc_number,
    # _order 'sequence, id'); acc_holder_name is computed from the partner when left empty
    "res.bank": {"name": F("char", "Name", required=True), "bic": F("char", "Bank Identifier Code"),
                 "street": F("char", "Street"), "zip": F("char", "Zip"), "city": F("char", "City"),
                 "country": F("many2one", "Country", "res.country"), "active": F("boolean", "Active")},
    "res.partner.bank": {"acc_number": F("char", "Account Number", required=True),
                         "acc_holder_name": F("char", "Account Holder Name"),
                         "partner_id": F("many2one", "Account Holder", "res.partner", required=True),
                         "allow_out_payment": F("boolean", "Send Money"),
                         "bank_id": F("many2one", "Bank", "res.bank"),
                         "sequence": F("integer", "Sequence"), "active": F("boolean", "Active"),
                         "currency_id": F("many2one", "Currency", "res.currency"),
                         "company_id": F("many2one", "Company", "res.company", readonly=True)},
    "product.pricelist": {"name": F("char", "Pricelist Name", required=True), "active": F("boolean", "Active"),
                          "currency_id": F("many2one", "Currency", "res.currency", required=True),
                          "company_id": F("many2one", "Company", "res.company")},
    "procurement.group": {"name": F("char", "Reference", required=True),
                          "partner_id": F("many2one", "Partner", "res.partner"),
                          "sale_id": F("many2one", "Sale Order", "sale.order"),
                          "move_type": F("selection", "Delivery Type", selection=[["direct", "Partial"], ["one", "All at once"]])},
    "account.account": {"name": F("char", "Account Name", required=True), "code": F("char", "Code", required=True),
                        "account_type": F("char", "Type"), "company_id": F("many2one", "Company", "res.company")},
    "account.tax.group": {"name": F("char", "Name", required=True), "sequence": F("integer", "Sequence")},
    "account.payment.term.line": {
        "payment_id": F("many2one", "Payment Terms", "account.payment.term", required=True),
        "value": F("selection", "Type", required=True, selection=[["percent", "Percent"], ["fixed", "Fixed"]]),
        "value_amount": F("float", "Due"), "nb_days": F("integer", "Days"),
        "delay_type": F("selection", "Due Date Computation", selection=[
            ["days_after", "Days after invoice date"], ["days_after_end_of_month", "Days after end of month"],
            ["days_after_end_of_next_month", "Days after end of next month"],
            ["days_end_of_month_on_the", "Days end of month on the"]]),
        "days_next_month": F("char", "Days on the next month")},
    "ir.sequence": {"name": F("char", "Name", required=True), "code": F("char", "Sequence Code"),
                    "prefix": F("char", "Prefix"), "suffix": F("char", "Suffix"), "padding": F("integer", "Sequence Size"),
                    "number_next": F("integer", "Next Number"), "number_increment": F("integer", "Step"),
                    "implementation": F("char", "Implementation"), "use_date_range": F("boolean", "Use subsequences per date_range"),
                    "active": F("boolean", "Active"), "company_id": F("many2one", "Company", "res.company")},
    "stock.route": {"name": F("char", "Route", required=True), "active": F("boolean", "Active"),
                    "sequence": F("integer", "Sequence"), "company_id": F("many2one", "Company", "res.company"),
                    "sale_selectable": F("boolean", "Selectable on Sales Order Line"),
                    "product_selectable": F("boolean", "Applicable on Product"),
                    "warehouse_selectable": F("boolean", "Applicable on Warehouse")},
    "account.fiscal.position": {"name": F("char", "Fiscal Position", required=True), "active": F("boolean", "Active"),
                                "sequence": F("integer", "Sequence"), "auto_apply": F("boolean", "Detect Automatically"),
                                "company_id": F("many2one", "Company", "res.company", required=True),
                                "country_id": F("many2one", "Country", "res.country"),
                                "vat_required": F("boolean", "VAT required")},
    # Odoo's module list: the connector's doctor asks which apps are installed (base.group_user reads it).
    "ir.module.module": {
        "name": F("char", "Technical Name", required=True, readonly=True),
        "shortdesc": F("char", "Module Name", readonly=True),
        "application": F("boolean", "Application", readonly=True), "sequence": F("integer", "Sequence"),
        "state": F("selection", "Status", readonly=True, selection=[
            ["uninstallable", "Uninstallable"], ["uninstalled", "Not Installed"], ["installed", "Installed"],
            ["to upgrade", "To be upgraded"], ["to remove", "To be removed"], ["to install", "To be installed"]])},
    "account.fiscal.position.account": {
        "position_id": F("many2one", "Fiscal Position", "account.fiscal.position", required=True),
        "company_id": F("many2one", "Company", "res.company", readonly=True),
        "account_src_id": F("many2one", "Account on Product", "account.account", required=True),
        "account_dest_id": F("many2one", "Account to Use Instead", "account.account", required=True)},
}

# one2many field -> (comodel, inverse many2one)
INVERSES: dict[tuple[str, str], tuple[str, str]] = {
    ("sale.order", "order_line"): ("sale.order.line", "order_id"),
    ("sale.order", "picking_ids"): ("stock.picking", "sale_id"),
    ("sale.order.line", "move_ids"): ("stock.move", "sale_line_id"),
    ("purchase.order", "order_line"): ("purchase.order.line", "order_id"),
    ("purchase.order", "picking_ids"): ("stock.picking", "purchase_id"),
    ("purchase.order.line", "move_ids"): ("stock.move", "purchase_line_id"),
    ("purchase.order.line", "invoice_lines"): ("account.move.line", "purchase_line_id"),
    ("stock.picking", "move_ids"): ("stock.move", "picking_id"),
    ("stock.picking", "move_ids_without_package"): ("stock.move", "picking_id"),
    ("stock.picking", "move_line_ids"): ("stock.move.line", "picking_id"),
    ("stock.picking", "backorder_ids"): ("stock.picking", "backorder_id"),
    ("stock.move", "move_line_ids"): ("stock.move.line", "move_id"),
    ("account.move", "line_ids"): ("account.move.line", "move_id"),
    ("account.move", "invoice_line_ids"): ("account.move.line", "move_id"),
    ("account.move", "reversal_move_id"): ("account.move", "reversed_entry_id"),
    ("account.payment.term", "line_ids"): ("account.payment.term.line", "payment_id"),
    ("res.partner", "child_ids"): ("res.partner", "parent_id"),
    ("product.template", "product_variant_ids"): ("product.product", "product_tmpl_id"),
    ("stock.backorder.confirmation", "backorder_confirmation_line_ids"):
        ("stock.backorder.confirmation.line", "backorder_confirmation_id"),
    ("ir.model", "field_id"): ("ir.model.fields", "model_id"),
    ("ir.model.fields", "selection_ids"): ("ir.model.fields.selection", "field_id"),
    ("stock.warehouse", "route_ids"): ("stock.route", "supplied_wh_id"),
    ("account.fiscal.position", "tax_ids"): ("account.fiscal.position.tax", "position_id"),
    ("account.fiscal.position", "account_ids"): ("account.fiscal.position.account", "position_id"),
    ("product.pricelist", "item_ids"): ("product.pricelist.item", "pricelist_id"),
    ("product.template", "seller_ids"): ("product.supplierinfo", "product_tmpl_id"),
    ("product.template", "variant_seller_ids"): ("product.supplierinfo", "product_tmpl_id"),
}

ORDERS: dict[str, str] = {
    "res.partner": "complete_name asc, id desc",
    "product.product": "default_code asc, name asc, id asc",
    "product.template": "name asc, id asc",
    "sale.order": "date_order desc, id desc",
    "sale.order.line": "order_id asc, sequence asc, id asc",
    "purchase.order": "priority desc, id desc",
    "purchase.order.line": "order_id asc, sequence asc, id asc",
    "stock.picking": "priority desc, scheduled_date asc, id desc",
    "stock.move": "sequence asc, id asc",
    "stock.move.line": "result_package_id desc, id asc",
    "account.move": "date desc, name desc, invoice_date desc, id desc",
    "account.move.line": "date desc, move_name desc, id asc",
    "account.tax": "sequence asc, id asc",
    "account.journal": "sequence asc, type asc, code asc",
    "account.payment.term": "sequence asc, id asc",
    "uom.uom": "factor desc, id asc",
    "uom.category": "id asc",
    "stock.location": "complete_name asc, id asc",
    "stock.picking.type": "sequence asc, id asc",
    "res.country": "name asc",
    "res.currency": "active desc, name asc",
    "ir.model.data": "module asc, model asc, name asc",
    "mail.message": "id desc",
    "delivery.carrier": "sequence asc, id asc",
    "stock.warehouse": "sequence asc, id asc",
    "product.category": "complete_name asc",
    "account.fiscal.position": "sequence asc, id asc",
    "product.pricelist": "sequence asc, id asc",
    "product.supplierinfo": "sequence asc, min_qty desc, price asc, id asc",
    "product.pricelist.item": "applied_on asc, min_quantity desc, categ_id desc, id desc",
    "decimal.precision": "name asc",
    "ir.module.module": "application desc, sequence asc, name asc",
    "res.bank": "name asc",
    "res.partner.bank": "sequence asc, id asc",
    "stock.quant.package": "name asc",
}

DESCRIPTIONS: dict[str, str] = {
    "res.partner": "Contact", "sale.order": "Sales Order", "sale.order.line": "Sales Order Line",
    "purchase.order": "Purchase Order", "purchase.order.line": "Purchase Order Line",
    "account.move": "Journal Entry", "account.move.line": "Journal Item",
    "account.move.reversal": "Account Move Reversal", "product.product": "Product Variant",
    "product.template": "Product", "stock.picking": "Transfer", "stock.move": "Stock Move",
    "stock.move.line": "Product Moves (Stock Move Line)", "stock.quant": "Quants",
    "ir.model.data": "Model Data", "ir.model.fields": "Fields", "ir.model": "Models",
    "res.country": "Country", "uom.uom": "Product Unit of Measure", "mail.message": "Message",
    "sale.advance.payment.inv": "Sales Advance Payment Invoice", "stock.lot": "Lot/Serial",
    "stock.backorder.confirmation": "Backorder Confirmation", "product.pricelist": "Pricelist",
    "product.pricelist.item": "Pricelist Rule", "product.supplierinfo": "Supplier Pricelist", "decimal.precision": "Decimal Precision",
    "ir.module.module": "Module", "confirm.stock.sms": "Confirm Stock SMS",
    "ir.actions.server": "Server Action",
    "ir.actions.act_window": "Action Window",  # as a real Odoo 17 names it in a foreign-key error
}
# Models whose table is not their name with dots as underscores (the _table of Odoo's source)
TABLES: dict[str, str] = {"ir.actions.act_window": "ir_act_window", "ir.actions.actions": "ir_actions"}


def table(model: str) -> str:
    return TABLES.get(model) or model.replace(".", "_")

# Heavy/binary/computed-not-serialisable fields left out of a read without a field list.
HEAVY_TYPES = {"binary", "properties", "properties_definition"}


def _data(*parts: str):
    return resources.files("procuros_dagster.sandbox.odoo").joinpath("data", *parts)


@lru_cache(maxsize=1)
def base_fields() -> dict[str, dict[str, dict]]:
    """model -> field name -> attributes (shared, never mutated)."""
    out: dict[str, dict[str, dict]] = {}
    for entry in _data("fields").iterdir():
        if entry.name.endswith(".json"):
            out[entry.name[:-5]] = json.loads(entry.read_text())
    for model, fields in EXTRA_MODELS.items():
        out.setdefault(model, {}).update({k: v for k, v in fields.items() if k not in out.get(model, {})})
    for model, fields in out.items():
        for k, v in _COMMON.items():
            fields.setdefault(k, v)
        if model == "account.move":
            fields.pop("needed_terms", None)  # real Odoo cannot serialise it (see transcripts README)
    return out


@lru_cache(maxsize=1)
def baseline() -> dict[str, list[dict]]:
    out = {}
    for entry in _data("baseline").iterdir():
        if entry.name.endswith(".json"):
            out[entry.name[:-5]] = json.loads(entry.read_text())
    return out


def description(model: str) -> str:
    return DESCRIPTIONS.get(model) or " ".join(p.capitalize() for p in model.split("."))
